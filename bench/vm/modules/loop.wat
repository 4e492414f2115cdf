;; `_start` loops forever without WASI: fuel and time limits, in the VM and in-process alike.
(module (func (export "_start") (loop (br 0))))
