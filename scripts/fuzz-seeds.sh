#!/usr/bin/env bash
# Writes extra fuzzing seeds into OUT_DIR: every binary module of the spec scripts in SUITE_DIR (mostly
# malformed and invalid modules, which exercise the decoder and validator), and random valid WebAssembly 3.0
# modules from `wasm-tools smith` (SIMD and relaxed SIMD, exceptions, GC, tail calls, extended constants, multiple
# and 64-bit memories) with everything exported (which exercise the compiler and interpreter). Usage: scripts/fuzz-seeds.sh OUT_DIR [SUITE_DIR] [SMITH_COUNT]
set -euo pipefail

out=$1
suite=${2:-../shared/wasm-testsuite/core-2.0}
smith_count=${3:-300}
wasm_tools=${WASM_TOOLS:-wasm-tools}
mkdir -p "$out"

if [ -d "$suite" ]; then
    for script in "$suite"/*.wast; do
        name=$(basename "$script" .wast)
        "$wasm_tools" json-from-wast "$script" -o "$out/$name.json" --wasm-dir "$out/"
    done
    rm -f "$out"/*.json "$out"/*.wat
else
    echo "fuzz-seeds: no spec suite at $suite; no spec modules as seeds" >&2
fi

# The proposals the engine lacks off, so that every module is one the engine must accept (but a v128 operand of a GC
# constant expression, which it refuses as unsupported).
for index in $(seq 1 "$smith_count"); do
    head -c 4096 /dev/urandom | "$wasm_tools" smith -o "$out/smith-$index.wasm" \
        --export-everything true --memory64-enabled true --max-memories 2 \
        --simd-enabled true --relaxed-simd-enabled true --exceptions-enabled true --gc-enabled true \
        --tail-call-enabled true --threads-enabled false --shared-everything-threads-enabled false \
        --wide-arithmetic-enabled false --extended-const-enabled true --custom-page-sizes-enabled false \
        --compact-imports-enabled false --custom-descriptors-enabled false
done
echo "fuzz-seeds: $(find "$out" -name '*.wasm' | wc -l) modules in $out"
