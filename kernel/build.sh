#!/bin/sh
# Builds the Swiftlet guest kernel (Embedded Swift, x86_64-unknown-none-elf) into .build-kernel/swiftlet-kernel.elf.
# Uses its own scratch path so the hosted .build is never touched, and the toolchain's ld.lld with kernel/kernel.ld.
set -eu
cd "$(dirname "$0")/.."

scratch=.build-kernel
triple=x86_64-unknown-none-elf
output="$scratch/swiftlet-kernel.elf"
toolchain_bin=$(dirname "$(readlink -f "$(command -v swift)")")

# SwiftPM does not notice a changed toolset: start over when kernel/toolset.json is newer than the last build.
stamp="$scratch/toolset.stamp"
if [ ! -f "$stamp" ] || [ kernel/toolset.json -nt "$stamp" ]; then rm -rf "$scratch/$triple"; fi
mkdir -p "$scratch" && touch "$stamp"

swift build -c release --omit-frame-pointers --triple "$triple" --toolset kernel/toolset.json --scratch-path "$scratch" --target Kernel

# Link the objects of the sources that exist now (never a stale object left by a renamed file): SwiftPM names
# them <target>.build/<source file name>.o.
build="$scratch/$triple/release"
objects=""
for entry in Kernel:Sources/Kernel/Swift KernelSupport:Sources/Kernel/Support SwiftletABI:Sources/SwiftletABI \
    WasmEngine:Sources/WasmEngine X64Assembler:Sources/X64Assembler Hooks:Sources/Hooks; do
    target=${entry%%:*}
    for source in $(find "${entry#*:}" -name '*.swift' -o -name '*.c' | sort); do
        object="$build/$target.build/$(basename "$source").o"
        [ -f "$object" ] || { echo "kernel/build.sh: missing $object" >&2; exit 1; }
        objects="$objects $object"
    done
done
unicode_tables="$(dirname "$toolchain_bin")/lib/swift/embedded/$triple/libswiftUnicodeDataTables.a"
"$toolchain_bin/ld.lld" -T kernel/kernel.ld --gc-sections -nostdlib -static -o "$output.debug" $objects "$unicode_tables"
# The image the monitor loads carries no symbols; the .debug twin next to it symbolizes a guest RIP.
"$toolchain_bin/llvm-objcopy" --strip-all "$output.debug" "$output"
echo "built $output ($(wc -c < "$output") bytes)"
