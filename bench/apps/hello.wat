;; The trivial Compute app of the fastly-compute-hello scenario: answers "hello\n".
(module
  (import "fastly_http_body" "new" (func $body_new (param i32) (result i32)))
  (import "fastly_http_body" "write" (func $body_write (param i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_http_resp" "new" (func $resp_new (param i32) (result i32)))
  (import "fastly_http_resp" "send_downstream" (func $send (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello\n")
  (func (export "_start")
    (drop (call $body_new (i32.const 0)))
    (drop (call $resp_new (i32.const 4)))
    (drop (call $body_write (i32.load (i32.const 0)) (i32.const 100) (i32.const 6) (i32.const 0)
      (i32.const 8)))
    (drop (call $send (i32.load (i32.const 4)) (i32.load (i32.const 0)) (i32.const 0)))))
