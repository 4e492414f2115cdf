#!/usr/bin/env python3
"""Times Swiftlet against WasmKit (two versions) and Wasmtime on the CPU-bound kernels in bench/kernels.

Each kernel is a C file exporting one function that takes a size and returns a 32-bit checksum. The
kernels are compiled here (toolchain clang, wasm32, no libc), every runtime runs each one several times,
the checksums must agree, and a table of median times and ratios is printed.

How each runtime is timed:
  swiftlet  wall time of `swiftlet run --isolation process --invoke F K.wasm N` (a whole process);
  swiftlet-compiler  the same with `--tier compiler` (machine code);
  wasmkit   wall time of `wasmkit run K.wasm F i32:N` (a whole process): the toolchain's WasmKit;
  wasmkit-0.4.2  wall time of `wasmkit-run K.wasm F N` (a whole process): WasmKit 0.4.2 behind the small
            command in bench/wasmkit-0.4.2, which `make bench` builds;
  wasmtime  in this process: compile + instantiate + call through the `wasmtime` Python package.
A runtime that cannot run (missing, or failing on a tiny module) is reported and left out; the others
still run. The exit status is 1 only if two runtimes disagree on a checksum.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KERNEL_SOURCES = REPO / "bench" / "kernels"
BUILD_DIR = REPO / ".build" / "bench"
SWIFTLET = REPO / ".build" / "release" / "swiftlet"
SMOKE_MODULE = REPO / "examples" / "fib.wasm"
WASMKIT_RELEASE = REPO / "bench" / "wasmkit-0.4.2" / ".build" / "release" / "wasmkit-run"


@dataclass
class Kernel:
    name: str
    # Sizes chosen so that WasmKit 0.1.6 takes about 1.5 s on this project's 2-core machines.
    size: int
    quick_size: int


KERNELS = [
    Kernel("fib", 38, 20),
    Kernel("sieve", 8_000_000, 10_000),
    Kernel("nbody", 1_000_000, 1_000),
    Kernel("mergesort", 1_500_000, 10_000),
    Kernel("loop", 100_000_000, 100_000),
]


class RuntimeUnavailable(Exception):
    pass


class RunFailed(Exception):
    pass


def find_clang():
    swift = shutil.which("swift")
    if swift:
        candidate = Path(swift).resolve().parent / "clang"
        if candidate.exists():
            return str(candidate)
    for path in ("/opt/swift/usr/bin/clang", shutil.which("clang")):
        if path and Path(path).exists():
            return path
    raise SystemExit("bench: no clang found (the Swift toolchain's clang compiles the kernels)")


def compile_kernels(kernels):
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    clang = find_clang()
    modules = {}
    for kernel in kernels:
        source = KERNEL_SOURCES / f"{kernel.name}.c"
        output = BUILD_DIR / f"{kernel.name}.wasm"
        if not output.exists() or output.stat().st_mtime < source.stat().st_mtime:
            subprocess.run(
                [clang, "--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,--strip-all",
                 str(source), "-o", str(output)],
                check=True,
            )
        modules[kernel.name] = output
    return modules


def last_integer(text):
    """The last integer printed, as an unsigned 32-bit checksum (runtimes differ in signedness)."""
    numbers = re.findall(r"-?\d+", text)
    if not numbers:
        raise RunFailed(f"no result in output: {text.strip()[:200]!r}")
    return int(numbers[-1]) & 0xFFFFFFFF


def run_process(command, timeout):
    start = time.perf_counter()
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunFailed(f"timed out after {timeout} s")
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        detail = (completed.stderr.strip() or completed.stdout.strip()).splitlines()
        raise RunFailed(f"exit code {completed.returncode}: {detail[-1][:200] if detail else 'no output'}")
    return elapsed, completed.stdout


class ProcessRuntime:
    """A runtime run as one process per call (`command`), whose last printed integer is the result."""

    def __init__(self, timeout):
        self.timeout = timeout

    def run(self, module, function, size):
        elapsed, output = run_process(self.command(module, function, size), self.timeout)
        return elapsed, last_integer(output)


class Swiftlet(ProcessRuntime):
    name = "swiftlet"
    tier = "interpreter"

    def check(self):
        if not SWIFTLET.exists():
            raise RuntimeUnavailable(f"{SWIFTLET.relative_to(REPO)} not built (run `make build`)")
        try:
            _, output = run_process(self.command(SMOKE_MODULE, "fib", 10), self.timeout)
            result = last_integer(output)
        except RunFailed as failure:
            raise RuntimeUnavailable(f"cannot run examples/fib.wasm: {failure}")
        if result != 55:
            raise RuntimeUnavailable(f"examples/fib.wasm fib 10 gave {result}, not 55")

    def command(self, module, function, size):
        return [str(SWIFTLET), "run", "--isolation", "process", "--tier", self.tier, "--invoke", function, str(module),
                str(size)]


class SwiftletCompiler(Swiftlet):
    name = "swiftlet-compiler"
    tier = "compiler"


class WasmKit:
    name = "wasmkit"

    def __init__(self, timeout):
        self.timeout = timeout
        self.executable = shutil.which("wasmkit")

    def check(self):
        if not self.executable:
            raise RuntimeUnavailable("no `wasmkit` on PATH (it ships with the Swift toolchain)")

    def run(self, module, function, size):
        elapsed, output = run_process([self.executable, "run", str(module), function, f"i32:{size}"], self.timeout)
        match = re.search(r"i32\((-?\d+)\)", output)
        if not match:
            raise RunFailed(f"unexpected output: {output.strip()[:200]!r}")
        return elapsed, int(match.group(1)) & 0xFFFFFFFF


class WasmKitRelease(ProcessRuntime):
    name = "wasmkit-0.4.2"

    def check(self):
        if not WASMKIT_RELEASE.exists():
            raise RuntimeUnavailable(f"{WASMKIT_RELEASE.relative_to(REPO)} not built (`make bench` builds it)")

    def command(self, module, function, size):
        return [str(WASMKIT_RELEASE), str(module), function, str(size)]


class Wasmtime:
    name = "wasmtime"

    def check(self):
        try:
            import wasmtime  # noqa: F401
        except ImportError:
            raise RuntimeUnavailable("Python package `wasmtime` not installed (pip install wasmtime)")

    def run(self, module, function, size):
        import wasmtime

        start = time.perf_counter()
        engine = wasmtime.Engine()
        store = wasmtime.Store(engine)
        instance = wasmtime.Instance(store, wasmtime.Module.from_file(engine, str(module)), [])
        result = instance.exports(store)[function](store, size)
        return time.perf_counter() - start, result & 0xFFFFFFFF


def format_seconds(value):
    return "-" if value is None else f"{value:.3f}"


def format_ratio(numerator, denominator):
    if numerator is None or denominator is None:
        return "-"
    return f"{numerator / denominator:.2f}x"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="rounds per kernel; in each, every runtime runs once (median and minimum are shown)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a correctness smoke test, not a benchmark")
    parser.add_argument("--require-swiftlet", action="store_true", help="fail if swiftlet cannot run")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed for one run")
    parser.add_argument("kernels", nargs="*", help="kernel names (default: all)")
    arguments = parser.parse_args()

    kernels = [k for k in KERNELS if not arguments.kernels or k.name in arguments.kernels]
    unknown = set(arguments.kernels) - {k.name for k in KERNELS}
    if unknown:
        parser.error(f"unknown kernels: {', '.join(sorted(unknown))}")
    modules = compile_kernels(kernels)

    runtimes = []
    unavailable = {}
    for runtime in (Swiftlet(arguments.timeout), SwiftletCompiler(arguments.timeout), WasmKit(arguments.timeout),
                    WasmKitRelease(arguments.timeout), Wasmtime()):
        try:
            runtime.check()
            runtimes.append(runtime)
        except RuntimeUnavailable as reason:
            unavailable[runtime.name] = str(reason)
            print(f"{runtime.name}: NOT RUNNABLE: {reason}", flush=True)
    if arguments.require_swiftlet and ("swiftlet" in unavailable or "swiftlet-compiler" in unavailable):
        return 1

    disagreements = 0
    rows = []
    for kernel in kernels:
        size = kernel.quick_size if arguments.quick else kernel.size
        # The runtimes take turns, round after round: a slow spell of this shared machine then falls on all of them.
        times, checksums, failures = {runtime.name: [] for runtime in runtimes}, {}, {}
        for _ in range(arguments.runs):
            for runtime in runtimes:
                if runtime.name in failures:
                    continue
                try:
                    elapsed, checksum = runtime.run(modules[kernel.name], kernel.name, size)
                    times[runtime.name].append(elapsed)
                    checksums.setdefault(runtime.name, set()).add(checksum)
                except RunFailed as failure:
                    failures[runtime.name] = str(failure)
                    print(f"{kernel.name}: {runtime.name} failed: {failure}", flush=True)
        medians = {name: statistics.median(samples) for name, samples in times.items() if name not in failures}
        minimums = {name: min(samples) for name, samples in times.items() if name not in failures}
        for runtime in runtimes:
            status = format_seconds(medians.get(runtime.name)) if runtime.name in medians else "failed"
            print(f"{kernel.name}({size}) {runtime.name}: {status}", file=sys.stderr, flush=True)
        distinct = set().union(*checksums.values()) if checksums else set()
        if len(distinct) > 1:
            disagreements += 1
            detail = ", ".join(f"{name}={sorted(values)}" for name, values in checksums.items())
            print(f"{kernel.name}: CHECKSUMS DISAGREE: {detail}", flush=True)
        rows.append((kernel, size, distinct, medians, minimums, failures))

    print()
    print(f"Median of {arguments.runs} alternating run(s), seconds; ratios of medians, and of minimums in brackets"
          + (" (quick sizes)" if arguments.quick else ""))
    peers = ["wasmkit", "wasmkit-0.4.2", "wasmtime"]
    # The compiler tier against the interpreter and against the compiling peer.
    compiler_ratios = [("swiftlet-compiler", "swiftlet"), ("swiftlet-compiler", "wasmtime")]
    header = ["kernel", "size", "checksum", "swiftlet", "swiftlet-compiler", *peers,
              *(f"swiftlet/{peer}" for peer in peers), *(f"compiler/{peer.removeprefix('swiftlet-')}" for _, peer in compiler_ratios)]
    table = [header]
    for kernel, size, distinct, medians, minimums, failures in rows:
        def cell(name):
            if name in unavailable:
                return "n/a"
            if name in failures:
                return "FAILED"
            return format_seconds(medians.get(name))

        checksum = str(next(iter(distinct))) if len(distinct) == 1 else ("DISAGREE" if distinct else "-")
        table.append([
            kernel.name, str(size), checksum, cell("swiftlet"), cell("swiftlet-compiler"), *(cell(peer) for peer in peers),
            *(format_ratio(medians.get("swiftlet"), medians.get(peer))
              + f" ({format_ratio(minimums.get('swiftlet'), minimums.get(peer))})" for peer in peers),
            *(format_ratio(medians.get(name), medians.get(peer))
              + f" ({format_ratio(minimums.get(name), minimums.get(peer))})" for name, peer in compiler_ratios),
        ])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for name, reason in unavailable.items():
        print(f"{name}: not runnable: {reason}")

    failed_runs = sum(1 for *_, failures in rows if failures)
    if disagreements:
        print(f"bench: {disagreements} kernel(s) with disagreeing checksums")
        return 1
    if arguments.require_swiftlet and failed_runs:
        print(f"bench: {failed_runs} kernel(s) failed to run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
