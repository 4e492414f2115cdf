#!/bin/sh
# Rebuilds the test and benchmark modules (*.wasm, committed) from their sources: .wat with wasm-tools, .c with the
# toolchain's clang, Debian's wasi-libc and libclang-rt-dev-wasm32 (scripts/wasi-cc.sh). Run after editing a .c file:
# bench/vm/modules/build.sh
set -eu
cd "$(dirname "$0")"
wasi_cc=../../../scripts/wasi-cc.sh

for source in *.wat; do
    wasm-tools parse "$source" -o "${source%.wat}.wasm"
done
for source in *.c; do
    case "$source" in
    export-*) # bare modules exporting functions, no libc
        clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o "${source%.c}.wasm" "$source" ;;
    reactor-*) # WASI reactors: _initialize instead of _start
        $wasi_cc -O2 -mexec-model=reactor -Wl,--strip-all -o "${source%.c}.wasm" "$source" ;;
    *)
        $wasi_cc -O2 -Wl,--strip-all -o "${source%.c}.wasm" "$source" ;;
    esac
done
