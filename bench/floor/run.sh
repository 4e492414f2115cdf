#!/bin/sh
# VM create → first exit, the phases: the Swift monitor's setup in C (phases.c) next to the Swift monitor itself
# (bench/floor/Swift), both optimized. The whole-process floor (floor.c) is timed by bench/vm/run.py part 1, the
# floor of a restore from a snapshot (snapshot_floor.c) by make bench-snapshot-floor.
# Rounds alternate between the two so that load from other processes on the machine hits both alike; compare the
# min and median columns. Run from anywhere: bench/floor/run.sh [iterations] [rounds]
set -eu
cd "$(dirname "$0")/../.."
iterations=${1:-200}
rounds=${2:-2}

mkdir -p .build-floor
cc -O2 -Wall -Wextra -o .build-floor/phases bench/floor/phases.c
if [ ! -f .build-kernel/swiftlet-kernel.elf ]; then kernel/build.sh; fi
# make build's flags (the Makefile's SWIFT_BUILD_FLAGS), or SwiftPM rebuilds the package in another configuration.
swift build -c release --omit-frame-pointers --product monitor-floor >/dev/null

round=1
while [ "$round" -le "$rounds" ]; do
    echo "== round $round"
    .build-floor/phases "$iterations"
    .build/release/monitor-floor "$iterations" .build-kernel/swiftlet-kernel.elf
    round=$((round + 1))
done
