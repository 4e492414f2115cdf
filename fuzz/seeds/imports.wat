;; One import of each kind, as the spec scripts' "spectest" module provides them, and a start function.
(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "env" "twice" (func $twice (param i64 f64) (result i64 f64)))
  (import "spectest" "table" (table 10 funcref))
  (import "spectest" "memory" (memory 1 2))
  (import "spectest" "global_i32" (global $base i32))
  (global $counter (mut i32) (global.get $base))
  (func $start (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (start $start)
  (func (export "call_host") (result i64)
    (call $print (global.get $counter))
    (drop (call $twice (i64.const 21) (f64.const 0.5)))))
