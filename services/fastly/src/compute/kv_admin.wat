;; The host's hand in the KV stores Compute apps share (see kv.rs): it runs the commands in
;; the request body against the stores through the guest ABI, as an app would, and answers
;; with one result per command.
;;
;; Numbers are little-endian u32 unless said otherwise; a field is a u32 length and its bytes.
;; Command: op, store (field), key (field), then
;;   op 1 insert: metadata (field; empty = none), time to live in seconds (0 = none), value (field)
;;   op 2 delete: -
;;   op 3 lookup: with body (u32, 0 or 1)
;;   op 4 list:   - (the key field is empty)
;; Result: a code (1 done, 3 not found, 200 the store cannot be opened, 100 + status when a
;; call fails, else the KV error), and when the code is 1:
;;   insert: the generation (u64) of the value written
;;   lookup: generation (u64), metadata (field), and the value (field) if asked for
;;   list:   the hostcall's JSON listing of every key (field)
(module
  (import "fastly_http_req" "body_downstream_get" (func $req_get (param i32 i32) (result i32)))
  (import "fastly_http_body" "new" (func $body_new (param i32) (result i32)))
  (import "fastly_http_body" "read" (func $body_read (param i32 i32 i32 i32) (result i32)))
  (import "fastly_http_body" "write" (func $body_write (param i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_http_resp" "new" (func $resp_new (param i32) (result i32)))
  (import "fastly_http_resp" "send_downstream" (func $send (param i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "open" (func $open (param i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "lookup" (func $lookup (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "lookup_wait_v2"
    (func $lookup_wait (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "insert" (func $insert (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "insert_wait" (func $insert_wait (param i32 i32) (result i32)))
  (import "fastly_kv_store" "delete" (func $delete (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "delete_wait" (func $delete_wait (param i32 i32) (result i32)))
  (import "fastly_kv_store" "list" (func $list (param i32 i32 i32 i32) (result i32)))
  (import "fastly_kv_store" "list_wait" (func $list_wait (param i32 i32 i32) (result i32)))

  ;; 0 request, 4 request body, 8 response, 12 response body, 16 bytes read or written,
  ;; 20 store, 24 pending operation, 28 KV error, 32 body out, 36 value body,
  ;; 40 generation (u64), 48..80 insert config, 80..104 list config, 104 word out,
  ;; 112 metadata length, 1024..9216 metadata, 16384.. the commands, then scratch space.
  (memory (export "memory") 1)
  (global $pos (mut i32) (i32.const 0))
  (global $scratch (mut i32) (i32.const 0))

  ;; Grows memory to reach $end.
  (func $reach (param $end i32)
    (local $have i32)
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.shr_u
                (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                (i32.const 16)))
              (i32.const -1))
          (then unreachable)))))

  ;; Reads body $b whole to $dst; returns its length.
  (func $read_all (param $b i32) (param $dst i32) (result i32)
    (local $len i32)
    (block $done
      (loop $more
        (call $reach (i32.add (i32.add (local.get $dst) (local.get $len)) (i32.const 65536)))
        (br_if $done (call $body_read (local.get $b) (i32.add (local.get $dst) (local.get $len))
          (i32.const 65536) (i32.const 16)))
        (br_if $done (i32.eqz (i32.load (i32.const 16))))
        (local.set $len (i32.add (local.get $len) (i32.load (i32.const 16))))
        (br $more)))
    (local.get $len))

  ;; Writes $len bytes at $ptr to body $b.
  (func $write_to (param $b i32) (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (br_if $done (call $body_write (local.get $b) (local.get $ptr) (local.get $len)
          (i32.const 0) (i32.const 16)))
        (br_if $done (i32.eqz (i32.load (i32.const 16))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 16))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 16))))
        (br $more))))

  (func $out (param $ptr i32) (param $len i32)
    (call $write_to (i32.load (i32.const 12)) (local.get $ptr) (local.get $len)))
  (func $out32 (param $v i32)
    (i32.store (i32.const 104) (local.get $v))
    (call $out (i32.const 104) (i32.const 4)))
  (func $out64 (param $v i64)
    (i64.store (i32.const 104) (local.get $v))
    (call $out (i32.const 104) (i32.const 8)))
  ;; Writes a field: length, then bytes.
  (func $out_field (param $ptr i32) (param $len i32)
    (call $out32 (local.get $len))
    (call $out (local.get $ptr) (local.get $len)))

  ;; The next u32 of the commands.
  (func $u32 (result i32)
    (global.set $pos (i32.add (global.get $pos) (i32.const 4)))
    (i32.load (i32.sub (global.get $pos) (i32.const 4))))
  ;; The next field of the commands: its start and length.
  (func $field (result i32 i32)
    (local $len i32)
    (local.set $len (call $u32))
    (global.get $pos)
    (local.get $len)
    (global.set $pos (i32.add (global.get $pos) (local.get $len))))

  ;; Looks a key up (generation at 40, metadata at 1024, its length at 112, body at 32);
  ;; returns the result code.
  (func $get (param $store i32) (param $kp i32) (param $kl i32) (result i32)
    (local $s i32)
    (local.set $s (call $lookup (local.get $store) (local.get $kp) (local.get $kl)
      (i32.const 0) (i32.const 80) (i32.const 24)))
    (if (local.get $s) (then (return (i32.add (i32.const 100) (local.get $s)))))
    (local.set $s (call $lookup_wait (i32.load (i32.const 24)) (i32.const 32) (i32.const 1024)
      (i32.const 8192) (i32.const 112) (i32.const 40) (i32.const 28)))
    (if (local.get $s) (then (return (i32.add (i32.const 100) (local.get $s)))))
    (i32.load (i32.const 28)))

  (func $do_insert (param $store i32) (param $kp i32) (param $kl i32) (param $mp i32)
    (param $ml i32) (param $ttl i32) (param $vp i32) (param $vl i32)
    (local $s i32)
    (local $code i32)
    (drop (call $body_new (i32.const 36)))
    (call $write_to (i32.load (i32.const 36)) (local.get $vp) (local.get $vl))
    (i32.store (i32.const 48) (i32.const 0))
    (i32.store (i32.const 52) (i32.const 0))
    (i32.store (i32.const 56) (local.get $mp))
    (i32.store (i32.const 60) (local.get $ml))
    (i32.store (i32.const 64) (local.get $ttl))
    (i64.store (i32.const 72) (i64.const 0))
    (local.set $s (call $insert (local.get $store) (local.get $kp) (local.get $kl)
      (i32.load (i32.const 36))
      (i32.or
        (select (i32.const 8) (i32.const 0) (local.get $ml))
        (select (i32.const 16) (i32.const 0) (local.get $ttl)))
      (i32.const 48) (i32.const 24)))
    (if (local.get $s)
      (then (call $out32 (i32.add (i32.const 100) (local.get $s))) (return)))
    (local.set $s (call $insert_wait (i32.load (i32.const 24)) (i32.const 28)))
    (if (local.get $s)
      (then (call $out32 (i32.add (i32.const 100) (local.get $s))) (return)))
    (local.set $code (i32.load (i32.const 28)))
    (if (i32.ne (local.get $code) (i32.const 1))
      (then (call $out32 (local.get $code)) (return)))
    (local.set $code (call $get (local.get $store) (local.get $kp) (local.get $kl)))
    (call $out32 (local.get $code))
    (if (i32.eq (local.get $code) (i32.const 1))
      (then (call $out64 (i64.load (i32.const 40))))))

  (func $do_delete (param $store i32) (param $kp i32) (param $kl i32)
    (local $s i32)
    (local.set $s (call $delete (local.get $store) (local.get $kp) (local.get $kl)
      (i32.const 0) (i32.const 80) (i32.const 24)))
    (if (local.get $s)
      (then (call $out32 (i32.add (i32.const 100) (local.get $s))) (return)))
    (local.set $s (call $delete_wait (i32.load (i32.const 24)) (i32.const 28)))
    (if (local.get $s)
      (then (call $out32 (i32.add (i32.const 100) (local.get $s))) (return)))
    (call $out32 (i32.load (i32.const 28))))

  (func $do_lookup (param $store i32) (param $kp i32) (param $kl i32) (param $with_body i32)
    (local $code i32)
    (local $n i32)
    (local.set $code (call $get (local.get $store) (local.get $kp) (local.get $kl)))
    (call $out32 (local.get $code))
    (if (i32.eq (local.get $code) (i32.const 1))
      (then
        (call $out64 (i64.load (i32.const 40)))
        (call $out_field (i32.const 1024) (i32.load (i32.const 112)))
        (if (local.get $with_body)
          (then
            (local.set $n (call $read_all (i32.load (i32.const 32)) (global.get $scratch)))
            (call $out_field (global.get $scratch) (local.get $n)))))))

  (func $do_list (param $store i32)
    (local $s i32)
    (local $n i32)
    (i32.store (i32.const 80) (i32.const 0))
    (i32.store (i32.const 84) (i32.const 0))
    (i32.store (i32.const 88) (i32.const 0))
    (i32.store (i32.const 92) (i32.const -1))
    (i32.store (i32.const 96) (i32.const 0))
    (i32.store (i32.const 100) (i32.const 0))
    ;; the limit option: every key in one listing
    (local.set $s (call $list (local.get $store) (i32.const 4) (i32.const 80) (i32.const 24)))
    (if (local.get $s)
      (then (call $out32 (i32.add (i32.const 100) (local.get $s))) (return)))
    (local.set $s (call $list_wait (i32.load (i32.const 24)) (i32.const 32) (i32.const 28)))
    (if (local.get $s)
      (then (call $out32 (i32.add (i32.const 100) (local.get $s))) (return)))
    (call $out32 (i32.load (i32.const 28)))
    (if (i32.eq (i32.load (i32.const 28)) (i32.const 1))
      (then
        (local.set $n (call $read_all (i32.load (i32.const 32)) (global.get $scratch)))
        (call $out_field (global.get $scratch) (local.get $n)))))

  (func (export "_start")
    (local $end i32)
    (local $op i32)
    (local $sp i32) (local $sl i32)
    (local $kp i32) (local $kl i32)
    (local $mp i32) (local $ml i32)
    (local $ttl i32)
    (local $vp i32) (local $vl i32)
    (local $with_body i32)
    (local $store i32)
    (drop (call $req_get (i32.const 0) (i32.const 4)))
    (local.set $end
      (i32.add (i32.const 16384) (call $read_all (i32.load (i32.const 4)) (i32.const 16384))))
    (global.set $scratch (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (drop (call $resp_new (i32.const 8)))
    (drop (call $body_new (i32.const 12)))
    (global.set $pos (i32.const 16384))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (global.get $pos) (local.get $end)))
        (local.set $op (call $u32))
        (call $field) (local.set $sl) (local.set $sp)
        (call $field) (local.set $kl) (local.set $kp)
        (if (i32.eq (local.get $op) (i32.const 1))
          (then
            (call $field) (local.set $ml) (local.set $mp)
            (local.set $ttl (call $u32))
            (call $field) (local.set $vl) (local.set $vp)))
        (if (i32.eq (local.get $op) (i32.const 3))
          (then (local.set $with_body (call $u32))))
        (if (call $open (local.get $sp) (local.get $sl) (i32.const 20))
          (then
            (call $out32 (i32.const 200))
            (br $next)))
        (local.set $store (i32.load (i32.const 20)))
        (if (i32.eq (local.get $op) (i32.const 1))
          (then (call $do_insert (local.get $store) (local.get $kp) (local.get $kl)
            (local.get $mp) (local.get $ml) (local.get $ttl) (local.get $vp) (local.get $vl))))
        (if (i32.eq (local.get $op) (i32.const 2))
          (then (call $do_delete (local.get $store) (local.get $kp) (local.get $kl))))
        (if (i32.eq (local.get $op) (i32.const 3))
          (then (call $do_lookup (local.get $store) (local.get $kp) (local.get $kl)
            (local.get $with_body))))
        (if (i32.eq (local.get $op) (i32.const 4))
          (then (call $do_list (local.get $store))))
        (br $next)))
    (drop (call $send (i32.load (i32.const 8)) (i32.load (i32.const 12)) (i32.const 0)))))
