;; Calls host functions (Tests/SwiftletTests/HostFunctionTests.swift), in the VM and in-process alike: every number
;; type both ways, the caller's memory read and written by the host, a host trap, and a counter `_initialize` takes from
;; the host (snapshots). A WASI import among them, so host calls name functions past it by their index.
(module
  (import "host" "mix" (func $mix (param i32 i64 f32 f64) (result i64 f64 i32 f32)))
  (import "host" "checksum" (func $checksum (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "host" "fail" (func $fail))
  (import "host" "peek" (func $peek (param i32) (result i32)))
  (import "host" "next" (func $next (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\01\02\03\04")
  (global $initial (mut i32) (i32.const 0))
  (func (export "mix") (param i32 i64 f32 f64) (result i64 f64 i32 f32)
    (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  ;; The sum the host makes of bytes 16..19, and the word at 0 after the host wrote it.
  (func (export "checksum") (result i32 i32)
    (call $checksum (i32.const 16) (i32.const 4))
    (i32.load (i32.const 0)))
  (func (export "fail") (call $fail))
  (func (export "peek") (param i32) (result i32) (call $peek (local.get 0)))
  (func (export "next") (result i32) (call $next))
  (func (export "initial") (result i32) (global.get $initial))
  (func (export "_initialize") (global.set $initial (call $next))))
