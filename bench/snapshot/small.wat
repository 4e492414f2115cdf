;; bench/snapshot's small module: a WASI-style reactor whose `_initialize` fills a 4 KiB table, and whose `run`
;; adds up the table and writes a few KiB of its own (the pages a restore then makes private).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "swiftlet snapshot bench")

  ;; 1,024 words at 4096: word i = i * i.
  (func (export "_initialize")
    (local $i i32)
    (loop $fill
      (i32.store offset=4096 (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 1024)))))

  ;; The table's sum, plus `calls`; copies the table to 8192 (4 KiB written) and counts the call.
  (func (export "run") (result i32)
    (local $i i32) (local $sum i32) (local $word i32)
    (loop $add
      (local.set $word (i32.load offset=4096 (i32.shl (local.get $i) (i32.const 2))))
      (i32.store offset=65536 (i32.shl (local.get $i) (i32.const 2)) (local.get $word))
      (local.set $sum (i32.add (local.get $sum) (local.get $word)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $add (i32.lt_u (local.get $i) (i32.const 1024))))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.add (local.get $sum) (global.get $calls))))
