#!/usr/bin/env python3
"""Containers under containerd, this runtime vs runc, side by side (not a timed test: this machine is shared and
noisy, so the runs alternate between the sides and both min and median are shown).

  (1) start: `ctr run --rm` of an image, from launching ctr to the container's first line of output, and to ctr's
      exit (the container deleted): a module (tests/containers/probe.c) through `swiftlet-runtime`, and a static
      native hello (tests/containers/native_hello.c) from the same kind of image (`swiftlet build --platform
      linux/amd64`) through runc; and the native one through `swiftlet-runtime`, which hands it to runc (the cost of
      looking at the bundle first) — target: the module within 1.5x of runc
  (2) memory per container: RSS, PSS and anonymous memory of the container's process (the micro-VM's monitor, the
      init, against runc's native process) and of its shim, with several of both kinds running side by side (PSS
      shares the executables' pages among them) — target: under 15 MB extra

A scratch containerd (Debian's) is started with its own root, state and socket, and stopped after.

Usage: bench/containers/run.py [--rounds N] [--resident N]   (after `make build`, which builds the release swiftlet)
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SWIFTLET = os.path.join(ROOT, ".build", "release", "swiftlet")
SOURCES = os.path.join(ROOT, "tests", "containers")
NAMESPACE = "bench"
PROBE = "bench.swiftlet/probe:latest"
NATIVE = "bench.swiftlet/native:latest"


class Containerd:
    """A containerd of the benchmark's own under `scratch`, stopped (and every container removed) by `stop`."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.socket = os.path.join(scratch, "containerd.sock")
        self.runc_root = os.path.join(scratch, "runc")
        config = os.path.join(scratch, "config.toml")
        with open(config, "w") as file:
            file.write(f'version = 2\nroot = "{scratch}/root"\nstate = "{scratch}/state"\n'
                       f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "{self.socket}"\n'
                       f'[plugins."io.containerd.internal.v1.opt"]\n  path = "{scratch}/opt"\n')
        self.daemon = subprocess.Popen(["containerd", "--config", config, "--log-level", "error"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while subprocess.run(self.ctr_command("version"), capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                sys.exit("containerd did not start")
            time.sleep(0.05)
        # overlayfs where it works, else native (copies; e.g. when the scratch directory is on an overlay filesystem).
        plugins = [line.split() for line in self.ctr("plugins", "list").splitlines()]
        overlay = any(len(columns) >= 4 and columns[1] == "overlayfs" and columns[3] == "ok" for columns in plugins)
        self.snapshotter = "overlayfs" if overlay else "native"

    def ctr_command(self, *arguments):
        return ["ctr", "--address", self.socket, "--namespace", NAMESPACE, *arguments]

    def ctr(self, *arguments):
        return subprocess.run(self.ctr_command(*arguments), check=True, capture_output=True, text=True).stdout

    def run_arguments(self, runtime, image, container, *arguments, options=()):
        """`ctr run` through `runtime` (a runc binary)."""
        return ["run", "--snapshotter", self.snapshotter, "--fifo-dir", os.path.join(self.scratch, "fifo"),
                "--runc-binary", runtime, "--runc-root", self.runc_root, *options, image, container, *arguments]

    def stop(self):
        for task in self.ctr("tasks", "list", "--quiet").split():
            subprocess.run(self.ctr_command("tasks", "delete", "--force", task), capture_output=True)
        for container in self.ctr("containers", "list", "--quiet").split():
            subprocess.run(self.ctr_command("containers", "delete", container), capture_output=True)
        self.daemon.kill()
        self.daemon.wait()
        # The namespace's control groups, which runc and swiftlet-runtime leave as the containers' shared parent.
        for hierarchy in [""] + os.listdir("/sys/fs/cgroup"):
            try:
                os.rmdir(os.path.join("/sys/fs/cgroup", hierarchy, NAMESPACE))
            except OSError:
                pass


def prepare(scratch, containerd):
    """Builds the two programs and their images, and imports them."""
    probe = os.path.join(scratch, "probe.wasm")
    subprocess.run([os.path.join(ROOT, "scripts", "wasi-cc.sh"), "-O2", "-Wl,--strip-all", "-o", probe,
                    os.path.join(SOURCES, "probe.c")], check=True)
    native = os.path.join(scratch, "native_hello")
    subprocess.run(["gcc", "-static", "-O2", "-o", native, os.path.join(SOURCES, "native_hello.c")], check=True)
    for image, program, extra in ((PROBE, probe, []), (NATIVE, native, ["--platform", "linux/amd64"])):
        archive = os.path.join(scratch, os.path.basename(program) + ".tar")
        subprocess.run([SWIFTLET, "build", "-o", archive, "-t", image, *extra, program], check=True,
                       stdout=subprocess.DEVNULL)
        containerd.ctr("images", "import", "--snapshotter", containerd.snapshotter, archive)


def start_times(command):
    """Seconds from launching `command` to its first line of output, and to its exit."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = process.stdout.readline()
    first_output = time.perf_counter() - began
    process.communicate()
    finished = time.perf_counter() - began
    if not line or process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode})")
    return first_output, finished


def memory(pid):
    """(RSS, PSS, anonymous) in bytes of a process. RSS counts the pages of its executable it has mapped, which every
    process running the same executable shares; PSS divides those among them; anonymous memory is its own."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as file:
        for line in file:
            fields = line.split()
            if fields[0] in ("Rss:", "Pss:", "Anonymous:"):
                values[fields[0]] = int(fields[1]) * 1024
    return values["Rss:"], values["Pss:"], values["Anonymous:"]


def mean(rows):
    return [statistics.mean(column) for column in zip(*rows)]


def parent(pid):
    with open(f"/proc/{pid}/stat") as file:
        return int(file.read().rsplit(")", 1)[1].split()[1])


def milliseconds(values):
    return f"{statistics.median(values) * 1000:7.1f} {min(values) * 1000:7.1f}"


def megabytes(value):
    return f"{value / 2**20:6.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--resident", type=int, default=4, help="long-running containers of each kind for (2)")
    options = parser.parse_args()
    for tool in ("containerd", "ctr", "runc", "gcc"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run scripts/install-deps.sh test (Debian's containerd, runc, gcc)")
    if not os.path.exists(SWIFTLET):
        sys.exit("no release swiftlet: run `make build` first")

    scratch = tempfile.mkdtemp(prefix="swiftlet-bench-containers-")
    runtime = os.path.join(scratch, "swiftlet-runtime")
    os.symlink(SWIFTLET, runtime)
    runc = shutil.which("runc")
    containerd = Containerd(scratch)
    try:
        prepare(scratch, containerd)
        sides = {
            "module, swiftlet-runtime (micro-VM)": (runtime, PROBE),
            "native hello, runc": (runc, NATIVE),
            "native hello, swiftlet-runtime -> runc": (runtime, NATIVE),
        }
        times = {name: [] for name in sides}
        for round_number in range(options.rounds + 1):
            for name, (binary, image) in sides.items():
                run = containerd.run_arguments(binary, image, f"start-{round_number}", options=["--rm"])
                measured = start_times(containerd.ctr_command(*run))
                if round_number > 0:  # the first round warms caches (the module cache, page cache) and is dropped
                    times[name].append(measured)

        print(f"(1) ctr run --rm, {options.rounds} runs each, alternating (ms)")
        print(f"{'':42} {'first output':>15} {'ctr exits':>15}")
        print(f"{'':42} {'median':>7} {'min':>7} {'median':>7} {'min':>7}")
        for name, measured in times.items():
            print(f"{name:42} {milliseconds([m[0] for m in measured])} {milliseconds([m[1] for m in measured])}")
        module_median = statistics.median(m[0] for m in times["module, swiftlet-runtime (micro-VM)"])
        runc_median = statistics.median(m[0] for m in times["native hello, runc"])
        print(f"module / runc, to first output (medians): {module_median / runc_median:.2f}x (target <= 1.5x)")

        # Long-running containers of both kinds, side by side; their processes found from containerd's task list.
        for index in range(options.resident):
            containerd.ctr(*containerd.run_arguments(runtime, PROBE, f"resident-module-{index}", "/probe.wasm", "sleep",
                                                     options=["--detach"]))
            containerd.ctr(*containerd.run_arguments(runc, NATIVE, f"resident-native-{index}", "/native_hello", "sleep",
                                                     options=["--detach"]))
        time.sleep(1)
        pids = {line.split()[0]: int(line.split()[1]) for line in containerd.ctr("tasks", "list").splitlines()[1:]}
        print(f"\n(2) memory per container, {options.resident} of each kind running (MiB, means)")
        print(f"{'':42} {'RSS':>6} {'PSS':>6} {'anon':>6}")
        totals = {}
        for kind, name in (("module", "module: its monitor (the init)"), ("native", "native: runc's process")):
            processes = [memory(pid) for container, pid in pids.items() if container.startswith(f"resident-{kind}-")]
            shims = [memory(parent(pid)) for container, pid in pids.items() if container.startswith(f"resident-{kind}-")]
            process, shim = mean(processes), mean(shims)
            print(f"{name:42} {megabytes(process[0])} {megabytes(process[1])} {megabytes(process[2])}")
            print(f"{'  its shim':42} {megabytes(shim[0])} {megabytes(shim[1])} {megabytes(shim[2])}")
            totals[kind] = [a + b for a, b in zip(process, shim)]
        extra = [a - b for a, b in zip(totals["module"], totals["native"])]
        print(f"{'extra per module container (with shims)':42} {megabytes(extra[0])} {megabytes(extra[1])} "
              f"{megabytes(extra[2])}   (target < 15 MB)")
    finally:
        containerd.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
