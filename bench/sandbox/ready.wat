;; bench/sandbox's module: `nothing` is the smallest execution (a ready sandbox's time is the time to call it), and
;; `dirty` writes one word to each of N 4 KiB pages (the pages a reset must then undo). A WASI reactor: `_initialize`
;; writes a page of its own, so a snapshot after initialization holds memory that is not the module's data.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  ;; 257 pages: 16 MiB for `dirty` and the page `_initialize` writes.
  (memory (export "memory") 257)
  (func (export "_initialize")
    (i32.store (i32.const 16777216) (i32.const 1)))
  (func (export "nothing"))
  (func (export "dirty") (param $pages i32)
    (local $page i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $page) (local.get $pages)))
        (i32.store (i32.shl (local.get $page) (i32.const 12)) (local.get $page))
        (local.set $page (i32.add (local.get $page) (i32.const 1)))
        (br $next)))))
