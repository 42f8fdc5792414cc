;; A Fastly Compute app (core module, the ABI the Rust `fastly` crate uses) that answers
;;   <prefix>config=<app_config/greeting>
;;   kv=<app_kv/counter>
;;   secret=<app_secrets/api_key>
;; with "-" for what it cannot read, and logs one line on stdout.
(module
  (import "fastly_http_body" "new" (func $body_new (param i32) (result i32)))
  (import "fastly_http_body" "write" (func $body_write (param i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_http_body" "read" (func $body_read (param i32 i32 i32 i32) (result i32)))
  (import "fastly_http_resp" "new" (func $resp_new (param i32) (result i32)))
  (import "fastly_http_resp" "send_downstream" (func $send (param i32 i32 i32) (result i32)))
  (import "fastly_config_store" "open" (func $cs_open (param i32 i32 i32) (result i32)))
  (import "fastly_config_store" "get" (func $cs_get (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "open" (func $kv_open (param i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "lookup" (func $kv_lookup (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "lookup_wait_v2"
    (func $kv_wait (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_secret_store" "open" (func $ss_open (param i32 i32 i32) (result i32)))
  (import "fastly_secret_store" "get" (func $ss_get (param i32 i32 i32 i32) (result i32)))
  (import "fastly_secret_store" "plaintext" (func $ss_plain (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0 body, 4 response, 8 config store, 12 nwritten, 16 secret, 20 kv lookup,
  ;; 24 kv body, 32 generation (u64), 40 kv error, 44 secret store, 48 kv store, 56 iovec
  (data (i32.const 100) "app_config")
  (data (i32.const 120) "greeting")
  (data (i32.const 140) "app_kv")
  (data (i32.const 160) "counter")
  (data (i32.const 180) "app_secrets")
  (data (i32.const 200) "api_key")
  (data (i32.const 220) "config=")
  (data (i32.const 230) "\nkv=")
  (data (i32.const 240) "\nsecret=")
  (data (i32.const 250) "\n-")
  (data (i32.const 260) "hello from the app\n")
  (data (i32.const 300) "")  ;; the prefix: PREFIX_LEN bytes at 300
  (func $write (param $ptr i32) (param $len i32)
    (drop (call $body_write (i32.load (i32.const 0)) (local.get $ptr) (local.get $len)
      (i32.const 0) (i32.const 12))))
  (func $dash (call $write (i32.const 251) (i32.const 1)))
  (func $value (call $write (i32.const 1024) (i32.load (i32.const 12))))
  (func (export "_start")
    ;; a log line on stdout
    (i32.store (i32.const 56) (i32.const 260))
    (i32.store (i32.const 60) (i32.const 19))
    (drop (call $fd_write (i32.const 1) (i32.const 56) (i32.const 1) (i32.const 64)))
    (drop (call $body_new (i32.const 0)))
    (drop (call $resp_new (i32.const 4)))
    (call $write (i32.const 300) (i32.const 0))
    (call $write (i32.const 220) (i32.const 7))
    (if (i32.eqz (call $cs_open (i32.const 100) (i32.const 10) (i32.const 8)))
      (then
        (if (i32.eqz (call $cs_get (i32.load (i32.const 8)) (i32.const 120) (i32.const 8)
                       (i32.const 1024) (i32.const 4096) (i32.const 12)))
          (then (call $value))
          (else (call $dash))))
      (else (call $dash)))
    (call $write (i32.const 230) (i32.const 4))
    (if (i32.eqz (call $kv_open (i32.const 140) (i32.const 6) (i32.const 48)))
      (then
        (if (i32.eqz (call $kv_lookup (i32.load (i32.const 48)) (i32.const 160) (i32.const 7)
                       (i32.const 0) (i32.const 0) (i32.const 20)))
          (then
            (if (i32.eqz (call $kv_wait (i32.load (i32.const 20)) (i32.const 24) (i32.const 6000)
                           (i32.const 1000) (i32.const 12) (i32.const 32) (i32.const 40)))
              (then
                (if (i32.eq (i32.load (i32.const 40)) (i32.const 1))
                  (then
                    (drop (call $body_read (i32.load (i32.const 24)) (i32.const 1024)
                      (i32.const 4096) (i32.const 12)))
                    (call $value))
                  (else (call $dash))))
              (else (call $dash))))
          (else (call $dash))))
      (else (call $dash)))
    (call $write (i32.const 240) (i32.const 8))
    (if (i32.eqz (call $ss_open (i32.const 180) (i32.const 11) (i32.const 44)))
      (then
        (if (i32.eqz (call $ss_get (i32.load (i32.const 44)) (i32.const 200) (i32.const 7)
                       (i32.const 16)))
          (then
            (if (i32.eqz (call $ss_plain (i32.load (i32.const 16)) (i32.const 1024)
                           (i32.const 4096) (i32.const 12)))
              (then (call $value))
              (else (call $dash))))
          (else (call $dash))))
      (else (call $dash)))
    (call $write (i32.const 250) (i32.const 1))
    (drop (call $send (i32.load (i32.const 4)) (i32.load (i32.const 0)) (i32.const 0)))))
