#!/bin/sh
# Rebuilds the test and benchmark modules (*.wasm, committed) from their sources: .wat with wasm-tools, .c with the
# toolchain's clang, Debian's wasi-libc and libclang-rt-dev-wasm32. Run after editing a .c file: bench/vm/modules/build.sh
set -eu
cd "$(dirname "$0")"
sysroot=$(mktemp -d)
trap 'rm -rf "$sysroot"' EXIT
mkdir -p "$sysroot/include" "$sysroot/lib"
ln -s /usr/include/wasm32-wasi "$sysroot/include/wasm32-wasi"
ln -s /usr/lib/wasm32-wasi "$sysroot/lib/wasm32-wasi"
builtins=$(find /usr/lib/llvm-*/lib/clang -name libclang_rt.builtins-wasm32.a | head -n 1)
[ -n "$builtins" ] || { echo "build.sh: install libclang-rt-dev-wasm32" >&2; exit 1; }

for source in *.wat; do
    wasm-tools parse "$source" -o "${source%.wat}.wasm"
done
for source in *.c; do
    case "$source" in
    export-*) # bare modules exporting functions, no libc
        clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o "${source%.c}.wasm" "$source" ;;
    reactor-*) # WASI reactors: _initialize instead of _start
        clang --target=wasm32-wasi --sysroot="$sysroot" -O2 -mexec-model=reactor -nodefaultlibs -Wl,--strip-all \
            -o "${source%.c}.wasm" "$source" -lc -lm "$builtins" ;;
    *)
        clang --target=wasm32-wasi --sysroot="$sysroot" -O2 -nodefaultlibs -Wl,--strip-all -o "${source%.c}.wasm" \
            "$source" -lc -lm "$builtins" ;;
    esac
done
