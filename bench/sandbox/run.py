#!/usr/bin/env python3
"""Time to a ready sandbox, side by side, in one run (issue 18's benchmark).

Runs the C floor (bench/floor/snapshot_floor.c: the least a C monitor does to restore a copy-on-write snapshot and
take one exit, in a fresh VM and in a warm pool) and sandbox-bench (bench/sandbox/Swift: the Swiftlet library's
sandboxes, fresh and restored from snapshots, in-process and in a micro-VM), then prints p50/p99/min of each, the
ratio of Swiftlet's warm-pool VM restore to the floor's warm-pool restore (dirty_set, the fastest reset measured),
the cost per dirty page of a reset, resident memory per pooled sandbox, and, with --python, an initialized CPython
restored from a snapshot at its first read of stdin running a one-line script.

Usage: bench/sandbox/run.py [--restores N] [--python PATH]    (make bench-sandbox)
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_json(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench/sandbox: {' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restores", type=int, default=10_000)
    parser.add_argument("--python", help="a CPython wasm32-wasip1 module (bench/real fetches one into .build/real)")
    options = parser.parse_args()

    floor = run_json([".build-floor/snapshot_floor", "--restores", str(options.restores), "--sweep", "1,16,256,1024",
                      "--sweep-runs", "50", "--json"])
    swift_command = [".build/release/sandbox-bench", "--restores", str(options.restores), "--json"]
    if options.python:
        swift_command += ["--python", options.python]
    swiftlet = run_json(swift_command)

    rows = [
        ("C floor: fresh VM, restore to first exit", floor["fresh"]["to_exit"]),
        ("C floor: warm pool, reset (remap) + exit", floor["pool"]["remap"]["cycle"]),
        ("C floor: warm pool, reset (dirty_set) + exit", floor["pool"]["dirty_set"]["cycle"]),
    ]
    for name, figures in swiftlet.items():
        if "p50" in figures:
            rows.append((f"swiftlet: {name}", figures))
    print(f"time to a ready sandbox, microseconds (load average {floor['config']['load_average']})")
    print(f"  {'':58} {'p50':>9} {'p99':>9} {'min':>9}")
    for name, figures in rows:
        print(f"  {name:58} {figures['p50']:9.0f} {figures['p99']:9.0f} {figures['min']:9.0f}")
    warm = swiftlet.get("vm restored, kept VM reset")
    if warm:
        best = floor["pool"]["dirty_set"]["cycle"]
        print(f"  swiftlet warm-pool VM restore / C floor warm pool: p50 {warm['p50'] / best['p50']:.2f}x, "
              f"min {warm['min'] / best['min']:.2f}x")
    print("cost per dirty page of a reset, microseconds")
    for method in ("remap", "dirty_set"):
        print(f"  C floor {method:51} {floor['per_dirty_page'][method]['us_per_page']:9.2f}")
    for name, figure in swiftlet.items():
        if "value" in figure:
            print(f"  swiftlet {name:50} {figure['value']:9.2f} {figure['unit']}")


if __name__ == "__main__":
    main()
