#!/usr/bin/env bash
# Runs each non-SIMD script of the WebAssembly 2.0 spec test suite through `swiftlet wast`, one process per
# script so that a crash or hang in one script is reported against it and the others still run.
# Usage: scripts/spec-tests.sh [SUITE_DIR]   (SWIFTLET overrides the CLI path, SPEC_TIMEOUT seconds per script)
set -u

swiftlet=${SWIFTLET:-.build/release/swiftlet}
suite=${1:-../shared/wasm-testsuite/core-2.0}
per_script_timeout=${SPEC_TIMEOUT:-300}

if [ ! -d "$suite" ]; then
    echo "spec-tests: no test suite at $suite (expected the shared wasm-testsuite beside the repository)" >&2
    exit 2
fi
if [ ! -x "$swiftlet" ]; then
    echo "spec-tests: $swiftlet not built (run \`make build\`)" >&2
    exit 2
fi

passed=0
failed=0
failed_names=()
for script in "$suite"/*.wast; do
    name=$(basename "$script" .wast)
    case "$name" in simd_*) continue ;; esac
    if output=$(timeout "$per_script_timeout" "$swiftlet" wast "$script" 2>&1); then
        passed=$((passed + 1))
    else
        status=$?
        failed=$((failed + 1))
        failed_names+=("$name")
        [ "$status" -eq 124 ] && output+=$'\n'"(timed out after ${per_script_timeout} s)"
        echo "FAILED $name (exit $status):"
        printf '%s\n' "$output" | tail -n 20 | sed 's/^/    /'
    fi
done

[ "$failed" -gt 0 ] && echo "failed scripts: ${failed_names[*]}"
echo "spec: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
