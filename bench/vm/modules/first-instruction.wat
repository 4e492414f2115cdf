;; The module's first instruction ends the run: VM creation to this exit is VM creation to the module's first
;; instruction (plus one exit), with decoding, compiling and instantiating in the guest on the way.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (func (export "_start") (call $exit (i32.const 0))))
