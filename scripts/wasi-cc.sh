#!/bin/sh
# Compiles and links C for wasm32-wasi with the toolchain's clang, Debian's wasi-libc and libclang-rt-dev-wasm32:
#   scripts/wasi-cc.sh [CLANG OPTIONS...] -o OUT.wasm SOURCE.c
# Debian keeps wasi-libc's headers and libraries under /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi, not in one
# sysroot, so a temporary sysroot links to both; the C library and the compiler's builtins are linked last.
set -eu
sysroot=$(mktemp -d)
trap 'rm -rf "$sysroot"' EXIT
mkdir -p "$sysroot/include" "$sysroot/lib"
ln -s /usr/include/wasm32-wasi "$sysroot/include/wasm32-wasi"
ln -s /usr/lib/wasm32-wasi "$sysroot/lib/wasm32-wasi"
builtins=$(find /usr/lib/llvm-*/lib/clang -name libclang_rt.builtins-wasm32.a | head -n 1)
[ -n "$builtins" ] || { echo "wasi-cc.sh: install libclang-rt-dev-wasm32" >&2; exit 1; }
clang --target=wasm32-wasi --sysroot="$sysroot" -nodefaultlibs "$@" -lc -lm "$builtins"
