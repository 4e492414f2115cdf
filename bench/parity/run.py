#!/usr/bin/env python3
"""CPU-bound work in the micro-VM against the same engine in-process, on C kernels the engine was not tuned for.

Each kernel in bench/parity is a WASI command (main reads its size from argv and prints a result), compiled here to
wasm32-wasi with the toolchain's clang and Debian's wasi-libc, as bench/vm/modules/build.sh does. Every kernel runs
as a whole process, `swiftlet run K.wasm N` (the micro-VM, the default) and `swiftlet run --isolation process
K.wasm N`, alternately VM, in-process, VM, ... for --rounds rounds; both must print the same output. Printed per
kernel: the median wall time of each side, their ratio (target <= 1.05x), the ratio of the two minimums, the
median of each round's own ratio (its VM run over the in-process run right after: on this shared machine the same
run's time swings by a third with what the other core runs, and a pair shares most of that), the ratio of the
median CPU times (user + sys, the guest's included), the load average when the kernel's runs began, and what one
more VM run cost in exits (KVM's counts, SWIFTLET_VM_STATS=1: all exits, those for host interrupts such as the
timer tick, shadow page faults). Then, from bench/parity/interruptions.c, the share of a run's time the machine
takes away in each mode (interrupts, preemption): in the VM each interrupt costs an exit, which is most of what
separates the two on CPU-bound code.

Usage: bench/parity/run.py [--rounds N] [--kernels a,b] [--scale F]   (`make bench-parity` builds swiftlet first)
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import handler_layout  # noqa: E402 (scripts/ is not a package)
SOURCES = os.path.join(ROOT, "bench", "parity")
BUILD = os.path.join(ROOT, ".build", "bench-parity")
SWIFTLET = os.path.join(ROOT, ".build", "release", "swiftlet")
KERNEL_IMAGE = os.path.join(ROOT, ".build-kernel", "swiftlet-kernel.elf")


@dataclass
class Kernel:
    name: str
    # Sized for about 1-1.5 s of CPU in-process on this project's machines.
    size: int
    shape: str


KERNELS = [
    Kernel("spectralnorm", 1600, "floating point, calls"),
    Kernel("matmul", 350, "floating point, rows"),
    Kernel("hashtable", 4_000_000, "memory-bound, 64 MiB"),
    Kernel("tak", 20, "call-heavy"),
    Kernel("collatz", 1_400_000, "tight integer loop"),
    Kernel("lz", 10_000_000, "bytes: LZ77"),
]


def clang():
    swift = shutil.which("swift")
    candidates = [os.path.join(os.path.dirname(os.path.realpath(swift)), "clang")] if swift else []
    for path in candidates + ["/opt/swift/usr/bin/clang"]:
        if os.path.exists(path):
            return path
    sys.exit("run.py: no clang (the Swift toolchain's clang compiles the kernels)")


def compile_kernels(kernels):
    """Each kernel's .wasm under .build/bench-parity, rebuilt when its source is newer."""
    sysroot = os.path.join(BUILD, "sysroot")
    for link, target in (("include/wasm32-wasi", "/usr/include/wasm32-wasi"), ("lib/wasm32-wasi", "/usr/lib/wasm32-wasi")):
        path = os.path.join(sysroot, link)
        if not os.path.islink(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(target, path)
    builtins = sorted(glob.glob("/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a"))
    if not os.path.isdir("/usr/include/wasm32-wasi") or not builtins:
        sys.exit("run.py: needs Debian's wasi-libc and libclang-rt-dev-wasm32 (scripts/install-deps.sh test)")
    modules = {}
    for kernel in kernels:
        source = os.path.join(SOURCES, f"{kernel.name}.c")
        output = os.path.join(BUILD, f"{kernel.name}.wasm")
        if not os.path.exists(output) or os.path.getmtime(output) < os.path.getmtime(source):
            subprocess.run([clang(), "--target=wasm32-wasi", f"--sysroot={sysroot}", "-O2", "-Wall", "-nodefaultlibs",
                            "-Wl,--strip-all", "-o", output, source, "-lc", "-lm", builtins[-1]], check=True)
        modules[kernel.name] = output
    return modules


def timed(command):
    """Wall and CPU seconds of one whole process running `command`, and its output."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The output is small (one line), so reading it after the exit cannot block the child on a full pipe.
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    output, errors = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"run.py: `{' '.join(command)}` exited with {code}: {errors.decode(errors='replace')[-300:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, output


def vm_exits(command):
    """KVM's counts for one more VM run of `command` (SWIFTLET_VM_STATS=1): all exits, those for host interrupts
    (the timer tick, mostly), and shadow page faults."""
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, SWIFTLET_VM_STATS="1"))
    line = next((line for line in result.stderr.splitlines() if "vCPU statistics" in line), "")
    counts = dict(field.split("=", 1) for field in line.split() if "=" in field)
    return tuple(int(counts.get(name, "0")) for name in ("exits", "irq_exits", "pf_taken"))


def load():
    return os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="alternating VM / in-process pairs per kernel")
    parser.add_argument("--kernels", default=",".join(kernel.name for kernel in KERNELS))
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every kernel's size (1: ~1-1.5 s)")
    parser.add_argument("--interruptions", type=int, default=3,
                        help="rounds of bench/parity/interruptions.c after the kernels (0: none)")
    options = parser.parse_args()
    chosen = options.kernels.split(",")
    unknown = set(chosen) - {kernel.name for kernel in KERNELS}
    if unknown:
        sys.exit(f"run.py: no kernel {', '.join(sorted(unknown))}")
    kernels = [kernel for kernel in KERNELS if kernel.name in chosen]
    for path, what in ((SWIFTLET, "swiftlet"), (KERNEL_IMAGE, "guest kernel")):
        if not os.path.exists(path):
            sys.exit(f"run.py: no {what} at {os.path.relpath(path, ROOT)} (run `make build`)")
    modules = compile_kernels(kernels + [Kernel("interruptions", 2, "")])
    misplaced = handler_layout.misplaced_handlers(SWIFTLET, KERNEL_IMAGE + ".debug")
    if misplaced:
        # SwiftPM keeps objects whose LLVM IR did not change even when code generation flags did (a section per
        # function, the handlers' alignment): a build from before those flags still places the handlers differently.
        print(f"run.py: warning: {misplaced} interpreter handlers sit at different addresses (modulo 64 KiB) in the CLI "
              "and the guest kernel, so the comparison measures code layout too; rebuild from scratch "
              "(rm -rf .build .build-kernel; make build)", file=sys.stderr)

    print(f"VM vs in-process, whole `swiftlet run K.wasm N` processes, {options.rounds} alternating runs each "
          f"(VM first); times are medians; {os.cpu_count()} cores, load {load():.2f} at the start")
    header = (f"{'kernel':<13} {'N':>9}  {'VM':>8}  {'in-process':>10}  {'ratio':>6}  {'min ratio':>9}  "
              f"{'paired':>6}  {'CPU ratio':>9}  {'load':>4}  {'VM exits (irq, pf)':>18}  shape")
    print(header)
    print("-" * len(header))
    worst, worst_paired = 0.0, 0.0
    for kernel in kernels:
        size = str(max(1, round(kernel.size * options.scale)))
        module = modules[kernel.name]
        commands = {
            "vm": [SWIFTLET, "run", module, size],
            "process": [SWIFTLET, "run", "--isolation", "process", module, size],
        }
        wall = {side: [] for side in commands}
        cpu = {side: [] for side in commands}
        outputs = {side: set() for side in commands}
        started_load = load()
        for _ in range(options.rounds):
            for side, command in commands.items():
                elapsed, used, output = timed(command)
                wall[side].append(elapsed)
                cpu[side].append(used)
                outputs[side].add(output)
        if len(outputs["vm"] | outputs["process"]) != 1:
            sys.exit(f"run.py: {kernel.name}: the outputs differ: {outputs}")
        exits = vm_exits(commands["vm"])
        vm, process = statistics.median(wall["vm"]), statistics.median(wall["process"])
        ratio = vm / process
        worst = max(worst, ratio)
        paired = statistics.median(v / p for v, p in zip(wall["vm"], wall["process"]))
        worst_paired = max(worst_paired, paired)
        print(f"{kernel.name:<13} {size:>9}  {vm:7.3f}s  {process:9.3f}s  {ratio:5.3f}x  "
              f"{min(wall['vm']) / min(wall['process']):8.3f}x  {paired:5.3f}x  "
              f"{statistics.median(cpu['vm']) / statistics.median(cpu['process']):8.3f}x  {started_load:4.1f}  "
              f"{f'{exits[0]} ({exits[1]}, {exits[2]})':>18}  {kernel.shape}", flush=True)
    print(f"worst ratio of medians {worst:.3f}x, worst paired {worst_paired:.3f}x (target <= 1.05x); "
          f"load {load():.2f} at the end")
    if options.interruptions:
        print_interruptions(modules["interruptions"], options.interruptions)


def print_interruptions(module, rounds):
    """What the machine takes from a run in each mode (bench/parity/interruptions.c): the part of the VM's cost that
    is not the engine's code, alternating as the kernels do."""
    lost = {"vm": [], "process": []}
    for _ in range(rounds):
        for side, isolation in (("vm", []), ("process", ["--isolation", "process"])):
            _, _, output = timed([SWIFTLET, "run"] + isolation + [module, "2"])
            lost[side].append(float(output.split(b"%")[0]))
    print(f"time lost to interruptions (clock-reading loop, 2 s, gaps > 2 us, median of {rounds}): "
          f"VM {statistics.median(lost['vm']):.2f}%, in-process {statistics.median(lost['process']):.2f}%")


if __name__ == "__main__":
    main()
