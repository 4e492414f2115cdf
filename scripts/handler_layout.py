#!/usr/bin/env python3
"""Checks that every interpreter handler has the same address modulo 64 KiB in the CLI and in the guest kernel.

The engine's build flags (Package.swift: a section and a 64-byte line per function) and the two links
(Sources/swiftlet/handlers.ld, kernel/kernel.ld) make it so, and the same code then runs alike in-process and in the
micro-VM (kernel/README.md). SwiftPM, though, keeps an object whose LLVM IR did not change even when code generation
flags did, so a build directory from before those flags keeps the old layout. `make build` runs this after building
and, when it fails, rebuilds the engine's objects once.

Usage: scripts/handler_layout.py [CLI [KERNEL_DEBUG_IMAGE]]   exit status 1 when any handler is placed differently
"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CLI = os.path.join(ROOT, ".build", "release", "swiftlet")
KERNEL_DEBUG = os.path.join(ROOT, ".build-kernel", "swiftlet-kernel.elf.debug")
HANDLER = "10WasmEngine6OpcodeO7handler"


def misplaced_handlers(cli=CLI, kernel_debug=KERNEL_DEBUG):
    """How many handlers sit at a different address modulo 64 KiB in the two builds (all of them when a build has
    none), or None without the toolchain's llvm-nm."""
    swift = shutil.which("swift")
    nm = os.path.join(os.path.dirname(os.path.realpath(swift)), "llvm-nm") if swift else None
    if not nm or not os.path.exists(nm):
        return None
    placements = []
    for binary in (cli, kernel_debug):
        listing = subprocess.run([nm, binary], check=True, stdout=subprocess.PIPE, text=True).stdout
        # The same handler is $s...(hosted) in one and $e... (Embedded) in the other: compare without the prefix.
        placements.append({fields[2][2:]: int(fields[0], 16) % 65536 for fields in map(str.split, listing.splitlines())
                           if len(fields) == 3 and HANDLER in fields[2]})
    cli_placement, guest_placement = placements
    if not cli_placement or not guest_placement:
        return max(len(cli_placement), len(guest_placement), 1)
    names = cli_placement.keys() | guest_placement.keys()
    return sum(1 for name in names if cli_placement.get(name) != guest_placement.get(name))


def main():
    misplaced = misplaced_handlers(*sys.argv[1:3])
    if misplaced is None:
        print("handler_layout.py: no llvm-nm next to `swift`; not checked", file=sys.stderr)
    elif misplaced:
        print(f"handler_layout.py: {misplaced} interpreter handlers sit at different addresses (modulo 64 KiB) in the "
              "CLI and the guest kernel", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
