;; A sandboxed Lambda function: a WASI command that reads the event on stdin and writes
;; the response on stdout. It answers {"echo": <event>} and logs one line on stderr.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) "{\22echo\22:")
  (data (i32.const 110) "}")
  (data (i32.const 120) "hello from wasm\0a")

  ;; Writes len bytes at ptr to fd (iovec at 0, bytes written at 8).
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func (export "_start")
    (local $total i32)
    (local $n i32)
    (call $write (i32.const 2) (i32.const 120) (i32.const 16))
    ;; Read all of stdin to offset 1024 (iovec at 16, bytes read at 24).
    (block $done
      (loop $more
        (i32.store (i32.const 16) (i32.add (i32.const 1024) (local.get $total)))
        (i32.store (i32.const 20) (i32.sub (i32.const 120000) (local.get $total)))
        (drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
        (local.set $n (i32.load (i32.const 24)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $total (i32.add (local.get $total) (local.get $n)))
        (br $more)))
    (call $write (i32.const 1) (i32.const 100) (i32.const 8))
    (call $write (i32.const 1) (i32.const 1024) (local.get $total))
    (call $write (i32.const 1) (i32.const 110) (i32.const 1))))
