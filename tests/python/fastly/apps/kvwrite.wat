;; A Fastly Compute app (core module) that writes to the KV store `app_kv` through the guest
;; API: the request body becomes the value of key `written` (metadata `from-app`), and key
;; `doomed` is deleted. It answers `wrote=<KV error> deleted=<KV error>` (1 done, 3 not found).
(module
  (import "fastly_http_req" "body_downstream_get" (func $req_get (param i32 i32) (result i32)))
  (import "fastly_http_body" "new" (func $body_new (param i32) (result i32)))
  (import "fastly_http_body" "write" (func $body_write (param i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_http_resp" "new" (func $resp_new (param i32) (result i32)))
  (import "fastly_http_resp" "send_downstream" (func $send (param i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "open" (func $kv_open (param i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "insert" (func $kv_insert (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "insert_wait" (func $kv_insert_wait (param i32 i32) (result i32)))
  (import "fastly_kv_store" "delete" (func $kv_delete (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "delete_wait" (func $kv_delete_wait (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0 request, 4 request body, 8 response, 12 response body, 16 nwritten, 20 store,
  ;; 24 pending, 28 KV error, 32 the insert's error, 48..80 insert config
  (data (i32.const 100) "app_kv")
  (data (i32.const 120) "written")
  (data (i32.const 140) "doomed")
  (data (i32.const 160) "from-app")
  (data (i32.const 180) "wrote=0 deleted=0\n")
  (func (export "_start")
    (drop (call $req_get (i32.const 0) (i32.const 4)))
    (drop (call $resp_new (i32.const 8)))
    (drop (call $body_new (i32.const 12)))
    (if (i32.eqz (call $kv_open (i32.const 100) (i32.const 6) (i32.const 20)))
      (then
        ;; insert `written` = the request body, with metadata
        (i32.store (i32.const 48) (i32.const 0))
        (i32.store (i32.const 56) (i32.const 160))
        (i32.store (i32.const 60) (i32.const 8))
        (if (i32.eqz (call $kv_insert (i32.load (i32.const 20)) (i32.const 120) (i32.const 7)
                       (i32.load (i32.const 4)) (i32.const 8) (i32.const 48) (i32.const 24)))
          (then
            (drop (call $kv_insert_wait (i32.load (i32.const 24)) (i32.const 32)))
            (i32.store8 (i32.const 186) (i32.add (i32.const 48) (i32.load (i32.const 32))))))
        ;; delete `doomed`
        (if (i32.eqz (call $kv_delete (i32.load (i32.const 20)) (i32.const 140) (i32.const 6)
                       (i32.const 0) (i32.const 48) (i32.const 24)))
          (then
            (drop (call $kv_delete_wait (i32.load (i32.const 24)) (i32.const 28)))
            (i32.store8 (i32.const 196) (i32.add (i32.const 48) (i32.load (i32.const 28))))))))
    (drop (call $body_write (i32.load (i32.const 12)) (i32.const 180) (i32.const 18)
      (i32.const 0) (i32.const 16)))
    (drop (call $send (i32.load (i32.const 8)) (i32.load (i32.const 12)) (i32.const 0)))))
