#!/usr/bin/env python3
"""The cost of hooks per WASI call (issue 21), printed side by side (a benchmark, not a timed test).

The application (bench/hooks/calls.c) makes N args_sizes_get calls and nothing else; the guest kernel answers
args_sizes_get itself, without leaving the micro-VM, so what a call costs is the kernel's dispatch and its hooks. For
isolation in (micro-VM, in-process) and hook in (none, the NOP hook bench/hooks/nop.c, the tracer
examples/hooks/trace.c, output to /dev/null), whole `swiftlet run` processes are timed with N = 0 and N = --calls,
alternating round by round on this shared machine; the cost per call is (t(N) - t(0)) / N, from the minima and from
the medians. Beside them: Hermit's figure (seed 001: 127 ns for a Wasm NOP call from its kernel, which compares with
NOP - none, the entry into a hook) and the issue's targets, held against what each hook adds to a call (hook - none):
  no hook installed    <= 2 ns extra per call: the `none` row is the baseline; with --baseline SWIFTLET (a swiftlet
                       built before hooks) the extra is measured against that binary's figure
  NOP hook             <= 150 ns per call in the micro-VM
  tracer               <= 1 us per call

Usage: bench/hooks/run.py [--calls N] [--rounds R] [--baseline SWIFTLET] [--no-build]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, ".build", "hooks-bench")
SWIFTLET = os.path.join(ROOT, ".build", "release", "swiftlet")
CALLS_SOURCE = os.path.join(ROOT, "bench", "hooks", "calls.c")
CALLS = os.path.join(OUT, "calls.wasm")
HOOKS = {
    "none": None,
    "nop": os.path.join(ROOT, "bench", "hooks", "nop.wasm"),
    "trace": os.path.join(ROOT, "examples", "hooks", "trace.wasm"),
}
ISOLATIONS = {"vm": "micro-VM", "process": "in-process"}
HERMIT_NOP_NS = 127
TARGETS_NS = {"nop": 150, "trace": 1000}
NO_HOOK_TARGET_NS = 2


def log(message):
    print(f"[hooks] {message}", file=sys.stderr, flush=True)


def prepare(options):
    if not options.no_build:
        log("make build hooks (swiftlet, its guest kernel, the hooks)")
        subprocess.run(["make", "build", "hooks"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    os.makedirs(OUT, exist_ok=True)
    subprocess.run([os.path.join(ROOT, "scripts", "wasi-cc.sh"), "-O2", "-Wall", "-Wextra", "-o", CALLS, CALLS_SOURCE],
                   check=True)


def command(swiftlet, isolation, hook, calls):
    hook_options = ["--hook", HOOKS[hook], "--hook-output", os.devnull] if HOOKS[hook] else []
    return [swiftlet, "run", "--isolation", isolation] + hook_options + [CALLS, str(calls)]


def seconds(argv):
    """The wall time of one run of `argv`, which must succeed."""
    start = time.perf_counter()
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"bench/hooks: `{' '.join(argv)}` failed with status {result.returncode}:\n"
                 f"{result.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def measure(options, sides):
    """For each side (name -> (swiftlet, isolation, hook)), the wall times of its runs at 0 and at --calls calls,
    interleaved round by round; one unrecorded run of each first (the module cache, the page cache)."""
    times = {name: {0: [], options.calls: []} for name in sides}
    for name, side in sides.items():
        seconds(command(*side, 0))
    for round_number in range(options.rounds):
        log(f"round {round_number + 1} of {options.rounds}")
        for name, side in sides.items():
            for calls in (0, options.calls):
                times[name][calls].append(seconds(command(*side, calls)))
    return times


def per_call_ns(samples, calls, statistic):
    return (statistic(samples[calls]) - statistic(samples[0])) / calls * 1e9


def report(options, times):
    calls = options.calls
    figures = {name: (per_call_ns(samples, calls, min), per_call_ns(samples, calls, statistics.median))
               for name, samples in times.items()}

    def cell(name):
        low, middle = figures[name]
        return f"{low:10.1f} {middle:10.1f}"

    print(f"\nHooks: args_sizes_get x {calls:,} (answered in the guest kernel), per call ns = (t(N) - t(0)) / N of "
          f"whole `swiftlet run` processes, {options.rounds} rounds")
    print(" " * 18 + "".join(f" {title + ', ns per call':>21}" for title in ISOLATIONS.values()))
    print(f"{'hook':<18}" + f" {'min':>10} {'median':>10}" * len(ISOLATIONS))
    rows = list(HOOKS) + (["none, baseline"] if options.baseline else [])
    for hook in rows:
        line = f"{hook:<18}" + "".join(" " + cell(f"{hook}/{isolation}") for isolation in ISOLATIONS)
        print(line)
    print(f"{'Hermit (seed 001)':<18} {HERMIT_NOP_NS:>10} {'':>10}   a Wasm NOP call from its kernel")

    # What a hook adds to each call is the figure to hold against Hermit's NOP call and the targets: the call itself
    # (the `none` row) is the same with or without hooks.
    print("\nAdded by the hook (hook - none), ns per call; targets (issue 21) against the medians:")
    for hook, target in TARGETS_NS.items():
        for isolation, title in ISOLATIONS.items():
            low = figures[f"{hook}/{isolation}"][0] - figures[f"none/{isolation}"][0]
            middle = figures[f"{hook}/{isolation}"][1] - figures[f"none/{isolation}"][1]
            verdict = f"target <= {target}: {'met' if middle <= target else 'missed'}" \
                if hook != "nop" or isolation == "vm" else f"(Hermit's NOP call: {HERMIT_NOP_NS})"
            print(f"  {hook:<6} {title:<11} min {low:8.1f}  median {middle:8.1f}   {verdict}")
    if options.baseline:
        for isolation, title in ISOLATIONS.items():
            extra = figures[f"none/{isolation}"][1] - figures[f"none, baseline/{isolation}"][1]
            print(f"  none   {title:<11} {extra:8.1f} ns per call more than the baseline (target <= "
                  f"{NO_HOOK_TARGET_NS}): {'met' if extra <= NO_HOOK_TARGET_NS else 'missed'}")
    else:
        print(f"  none: no baseline given (--baseline SWIFTLET, a build from before hooks): the none row is the "
              f"baseline the hooks add to (target: hooks support costs <= {NO_HOOK_TARGET_NS} ns per call when no "
              f"hook is installed)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", metavar="SWIFTLET",
                        help="a swiftlet built before hooks, timed without a hook as the `none, baseline` row")
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if options.calls <= 0 or options.rounds <= 0:
        sys.exit("bench/hooks: --calls and --rounds must be positive")
    prepare(options)
    sides = {f"{hook}/{isolation}": (SWIFTLET, isolation, hook) for hook in HOOKS for isolation in ISOLATIONS}
    if options.baseline:
        sides.update({f"none, baseline/{isolation}": (options.baseline, isolation, "none") for isolation in ISOLATIONS})
    report(options, measure(options, sides))


if __name__ == "__main__":
    main()
