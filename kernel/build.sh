#!/bin/sh
# Builds the Swiftlet guest kernel (Embedded Swift, x86_64-unknown-none-elf) into .build-kernel/swiftlet-kernel.elf.
# Uses its own scratch path so the hosted .build is never touched, and the toolchain's ld.lld with kernel/kernel.ld.
set -eu
cd "$(dirname "$0")/.."

scratch=.build-kernel
triple=x86_64-unknown-none-elf
output="$scratch/swiftlet-kernel.elf"
toolchain_bin=$(dirname "$(readlink -f "$(command -v swift)")")

swift build -c release --triple "$triple" --toolset kernel/toolset.json --scratch-path "$scratch" --target Kernel

objects=$(find "$scratch/$triple/release/Kernel.build" "$scratch/$triple/release/KernelSupport.build" \
    "$scratch/$triple/release/SwiftletABI.build" -name '*.o' | sort)
"$toolchain_bin/ld.lld" -T kernel/kernel.ld --gc-sections -nostdlib -static -o "$output" $objects
echo "built $output ($(wc -c < "$output") bytes)"
