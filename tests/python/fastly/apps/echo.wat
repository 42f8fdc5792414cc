;; A Fastly Compute app (core module) that streams the request body back: it sends the
;; response head first (streaming), then copies the body through a 64 KiB buffer.
(module
  (import "fastly_http_req" "body_downstream_get" (func $req_get (param i32 i32) (result i32)))
  (import "fastly_http_body" "new" (func $body_new (param i32) (result i32)))
  (import "fastly_http_body" "read" (func $body_read (param i32 i32 i32 i32) (result i32)))
  (import "fastly_http_body" "write" (func $body_write (param i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_http_body" "close" (func $body_close (param i32) (result i32)))
  (import "fastly_http_resp" "new" (func $resp_new (param i32) (result i32)))
  (import "fastly_http_resp" "send_downstream" (func $send (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; 0 request, 4 request body, 8 response, 12 response body, 16 bytes read, 20 written;
  ;; the buffer is the second page
  (func (export "_start")
    (local $n i32)
    (local $off i32)
    (drop (call $req_get (i32.const 0) (i32.const 4)))
    (drop (call $resp_new (i32.const 8)))
    (drop (call $body_new (i32.const 12)))
    (drop (call $send (i32.load (i32.const 8)) (i32.load (i32.const 12)) (i32.const 1)))
    (block $done
      (loop $more
        (br_if $done (call $body_read (i32.load (i32.const 4)) (i32.const 65536)
          (i32.const 65536) (i32.const 16)))
        (local.set $n (i32.load (i32.const 16)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $off (i32.const 0))
        (block $written
          (loop $write
            (br_if $written (i32.ge_u (local.get $off) (local.get $n)))
            (br_if $done (call $body_write (i32.load (i32.const 12))
              (i32.add (i32.const 65536) (local.get $off))
              (i32.sub (local.get $n) (local.get $off)) (i32.const 0) (i32.const 20)))
            (local.set $off (i32.add (local.get $off) (i32.load (i32.const 20))))
            (br $write)))
        (br $more)))
    (drop (call $body_close (i32.load (i32.const 12))))))
