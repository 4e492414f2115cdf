;; bench/snapshot's large module: `_initialize` writes every byte of its 16 MiB memory (256 pages), and `run` reads
;; and writes a word in a few pages of it.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 256)

  (func (export "_initialize")
    (local $i i32)
    (loop $fill
      (i64.store (local.get $i) (i64.or (i64.extend_i32_u (local.get $i)) (i64.const 0x0101010100000000)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 16777216)))))

  ;; Adds one to the word at the start of 4 pages spread over the memory; returns their sum.
  (func (export "run") (result i32)
    (local $page i32) (local $sum i32) (local $address i32)
    (loop $touch
      (local.set $address (i32.mul (local.get $page) (i32.const 4194304)))
      (i32.store (local.get $address) (i32.add (i32.load (local.get $address)) (i32.const 1)))
      (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $address))))
      (local.set $page (i32.add (local.get $page) (i32.const 1)))
      (br_if $touch (i32.lt_u (local.get $page) (i32.const 4))))
    (local.get $sum)))
