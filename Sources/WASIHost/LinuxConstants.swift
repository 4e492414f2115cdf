// Linux constants that Glibc's Swift module does not import (they sit behind `_GNU_SOURCE` or are macros
// with casts). The values are the kernel's ABI, the same on x86-64 and arm64.

/// `O_PATH`: a descriptor that only names a file, for use as an `*at` directory.
let O_PATH: Int32 = 0o10000000
/// `utimensat`'s "set to the current time".
let UTIME_NOW = (1 << 30) - 1
/// `utimensat`'s "leave unchanged".
let UTIME_OMIT = (1 << 30) - 2
