#!/usr/bin/env python3
"""WASI in the micro-VM vs in-process (and wasmtime), printed side by side. Not timed tests: this machine is shared
and noisy, so the sides of each comparison alternate round by round and min and median are shown, for the phase
times the module measures itself and for the whole process's wall and CPU (user + sys) time.

In the VM a WASI call the guest does not answer itself travels one of two ways (SwiftletABI's WASIMailbox): through
the mailbox, a page of shared memory that a host worker thread polls, with no VM exit, while that worker is polling
(from the VM's first forwarded call until it has been idle for a while); otherwise as one `wasi` hypercall, a VM
exit. `SWIFTLET_WASI_MAILBOX=off` sends every call by exit ("VM, exits only" below). The mailbox needs a core for
the worker besides the vCPU's: on this shared 2-core machine other jobs can take it, which shows as a wide
min–median spread of the VM's figures.

  (a) 16 MiB written, then read back, in 64 KiB calls in a preopened directory: VM vs in-process (target ≤ 1.5x)
      vs wasmtime (PyPI `wasmtime`, tests/wasi/run_wasmtime.py, same preopen), and the VM with exits only
  (b) 100,000 clock_time_get calls: VM (answered in the guest, no exit) vs in-process (target within 2x)
  (c) one fd_write hypercall (1 byte to stdout, one exit) vs the raw VM-exit cost of a bare C monitor (bench/floor/phases.c); and
      one fd_write to a file, which goes through the mailbox (no exit) in the VM

Usage: bench/wasi/run.py [--rounds N] [--no-build]   (builds the kernel, release swiftlet and the modules first)
"""
import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HERE = os.path.join(ROOT, "bench", "wasi")
OUT = os.path.join(ROOT, ".build-wasi-bench")
SWIFTLET = os.path.join(ROOT, ".build", "release", "swiftlet")
PHASES = os.path.join(ROOT, ".build-floor", "phases")
WASMTIME = os.path.join(ROOT, "tests", "wasi", "run_wasmtime.py")
PROGRAMS = ["fileio", "clocks", "fdwrite"]
# Runs a command with the WASI mailbox off: every forwarded call is a VM exit.
EXITS_ONLY = ["env", "SWIFTLET_WASI_MAILBOX=off"]


def builtins_archive():
    found = sorted(glob.glob("/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a"))
    if not found:
        sys.exit("run.py: libclang_rt.builtins-wasm32.a not found (Debian package libclang-rt-dev-wasm32)")
    return found[-1]


def compile_modules():
    """The C programs with the toolchain's clang and Debian's wasi-libc, as the WASI tests build theirs."""
    sysroot = os.path.join(OUT, "sysroot")
    for link, target in [("include/wasm32-wasi", "/usr/include/wasm32-wasi"), ("lib/wasm32-wasi", "/usr/lib/wasm32-wasi")]:
        path = os.path.join(sysroot, link)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.islink(path):
            os.symlink(target, path)
    clang = os.environ.get("WASI_CC") or "/opt/swift/usr/bin/clang"
    for name in PROGRAMS:
        subprocess.run([clang, "--target=wasm32-wasi", f"--sysroot={sysroot}", "-O2", "-Wall",
                        os.path.join(HERE, name + ".c"), "-o", os.path.join(OUT, name + ".wasm"),
                        "-nodefaultlibs", "-lc", "-lm", builtins_archive()], check=True)


def build():
    os.makedirs(OUT, exist_ok=True)
    subprocess.run([os.path.join(ROOT, "kernel", "build.sh")], check=True, stdout=subprocess.DEVNULL)
    # `make build`'s flags (the Makefile's SWIFT_BUILD_FLAGS), or SwiftPM rebuilds in another configuration.
    subprocess.run(["swift", "build", "-c", "release", "--omit-frame-pointers", "--product", "swiftlet"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    os.makedirs(os.path.dirname(PHASES), exist_ok=True)
    subprocess.run(["cc", "-O2", "-o", PHASES, os.path.join(ROOT, "bench", "floor", "phases.c")], check=True)
    compile_modules()


def run(command):
    """Runs `command`; returns (wall s, CPU s, stdout + stderr). Output goes to files, never a terminal."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        output.seek(0)
        text = output.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"run.py: `{' '.join(command)}` failed:\n{text[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, text


def numbers(text):
    return {key: float(value) for key, value in re.findall(r"(\w+)=([0-9.]+)", text)}


def alternate(sides, rounds):
    """For each side: lists of wall, CPU and every number the module printed, interleaved round by round."""
    samples = {name: {} for name in sides}
    for _ in range(rounds):
        for name, command in sides.items():
            wall, cpu, text = run(command)
            for key, value in [("wall", wall), ("cpu", cpu)] + list(numbers(text).items()):
                samples[name].setdefault(key, []).append(value)
    return samples


def table(samples, rows, unit_of):
    width = max(len(name) for name in samples)
    for key, label in rows:
        print(f"  {label}")
        base = None
        for name, values in samples.items():
            low, middle = min(values[key]), statistics.median(values[key])
            base = base or middle
            print(f"    {name:<{width}}  min {low:10.3f} {unit_of(key)}   median {middle:10.3f} {unit_of(key)}"
                  f"   ({middle / base:5.2f}x)")


def seconds_to_ms(samples):
    for values in samples.values():
        for key in ("wall", "cpu"):
            values[key] = [value * 1000 for value in values[key]]
    return samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-build", action="store_true")
    arguments = parser.parse_args()
    if not arguments.no_build:
        build()
    unit = lambda key: {"ns_per_call": "ns", "us_per_call": "us"}.get(key, "ms")
    module = lambda name: os.path.join(OUT, name + ".wasm")

    with tempfile.TemporaryDirectory() as sandbox:
        preopen = f"{sandbox}::/sandbox"
        print("(a) 16 MiB written, then read back, in 64 KiB calls in a preopened directory  (target: VM ≤ 1.5x in-process)")
        samples = alternate({
            "VM": [SWIFTLET, "run", "--isolation", "vm", "--dir", preopen, module("fileio")],
            "in-process": [SWIFTLET, "run", "--isolation", "process", "--dir", preopen, module("fileio")],
            "wasmtime": [sys.executable, WASMTIME, "--dir", preopen, module("fileio")],
            "VM, exits only": EXITS_ONLY + [SWIFTLET, "run", "--isolation", "vm", "--dir", preopen, module("fileio")],
        }, arguments.rounds)
        table(seconds_to_ms(samples), [("write_ms", "write phase (inside the module)"),
                                       ("read_ms", "read phase (inside the module)"),
                                       ("wall", "whole process, wall"), ("cpu", "whole process, CPU")], unit)
        # Each phase is open + 256 transfers (+ the read that sees EOF) + close: 258 or 259 forwarded calls.
        for key, calls in [("write_ms", 258), ("read_ms", 259)]:
            for side in ["VM", "VM, exits only"]:
                extra = (statistics.median(samples[side][key]) - statistics.median(samples["in-process"][key])) / calls
                print(f"  {key[:-3]} phase: {side} − in-process = {extra * 1000:.1f} us per call ({calls} calls)")

    print("\n(b) 100,000 clock_time_get calls  (target: VM within 2x of in-process; the VM answers without an exit)")
    samples = alternate({
        "VM": [SWIFTLET, "run", "--isolation", "vm", module("clocks")],
        "in-process": [SWIFTLET, "run", "--isolation", "process", module("clocks")],
        "wasmtime": [sys.executable, WASMTIME, module("clocks")],
    }, arguments.rounds)
    table(seconds_to_ms(samples), [("ns_per_call", "per call (inside the module)"),
                                   ("wall", "whole process, wall"), ("cpu", "whole process, CPU")], unit)

    print("\n(c) one fd_write hypercall (1 byte to stdout, one VM exit) vs the raw exit of the C floor; one fd_write to a"
          " file (in the VM through the mailbox, no exit)")
    samples = {name: {"us_per_call": []} for name in [
        "VM fd_write (stdout: one exit)", "in-process fd_write (stdout)", "C floor: one bare exit",
        "VM fd_write (file: mailbox)", "in-process fd_write (file)"]}
    with tempfile.TemporaryDirectory() as sandbox:
        preopen, target = f"{sandbox}::/sandbox", "/sandbox/fdwrite.out"
        sides = {
            "VM fd_write (stdout: one exit)": [SWIFTLET, "run", "--isolation", "vm", module("fdwrite")],
            "in-process fd_write (stdout)": [SWIFTLET, "run", "--isolation", "process", module("fdwrite")],
            "VM fd_write (file: mailbox)":
                [SWIFTLET, "run", "--isolation", "vm", "--dir", preopen, module("fdwrite"), target],
            "in-process fd_write (file)":
                [SWIFTLET, "run", "--isolation", "process", "--dir", preopen, module("fdwrite"), target],
        }
        for _ in range(arguments.rounds):
            for name, side in alternate(sides, 1).items():
                samples[name]["us_per_call"] += side["us_per_call"]
            _, _, text = run([PHASES, "20"])
            samples["C floor: one bare exit"]["us_per_call"].append(
                float(re.search(r"next exit\s+median\s+([0-9.]+)", text).group(1)))
    table(samples, [("us_per_call", "per call: fd_write inside the module (2,000 calls); the floor's median next exit")],
          unit)


if __name__ == "__main__":
    main()
