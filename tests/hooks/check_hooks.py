#!/usr/bin/env python3
"""The example hooks' logic, checked by hand before the hook runtime exists: each committed .wasm (make hooks) runs
under wasmtime (PyPI `wasmtime`, as tests/wasi/run_wasmtime.py uses) with a Python stand-in for the guest kernel's
side of the ABI (include/swiftlet/hook.h): the five swiftlet_hook imports over a made-up application memory, and
events fed as the kernel would feed them. Not part of `make test`; the runtime's own tests run the hooks on real
programs.

  tests/hooks/check_hooks.py          needs tcpdump (Debian) for the capture check

Checks the trace's lines, the policy's verdicts and lines, that tcpdump reads the pcap hook's capture with the
exchanged bytes in order, consistent sequence numbers and right IP checksums, and that no event takes more than a
tenth of the default fuel (--hook-fuel, 1,000,000) in wasmtime's count of it (its fuel is about one unit an
instruction, as the guest kernel's).
"""
import os
import struct
import subprocess
import sys
import tempfile

import wasmtime

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HOOKS = os.path.join(ROOT, "examples", "hooks")
CALLS = ["args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
         "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
         "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
         "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
         "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
         "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
         "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "random_get", "sched_yield", "sock_accept",
         "sock_recv", "sock_send", "sock_shutdown"]
CALL = {name: number for number, name in enumerate(CALLS)}
I32, I64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
DEFAULT_FUEL = 1_000_000


class Kernel:
    """One hook instance and the application memory its events name."""

    def __init__(self, hook, config=""):
        configuration = wasmtime.Config()
        configuration.consume_fuel = True
        self.engine = wasmtime.Engine(configuration)
        self.store = wasmtime.Store(self.engine)
        self.hook = hook
        self.most_fuel = 0
        self.application = bytearray(1 << 20)
        self.next_free = 0x1000
        self.output = bytearray()
        self.data = None
        self.config = config.encode()
        module = wasmtime.Module.from_file(self.engine, os.path.join(ROOT, hook))
        imports = [(item.module, item.name) for item in module.imports]
        assert all(module_name == "swiftlet_hook" for module_name, _ in imports), imports
        definitions = {
            "read_memory": ([I32, I32, I32], [I32], self.read_memory),
            "read_data": ([I32, I32, I32], [I32], self.read_data),
            "emit": ([I32, I32], [I32], self.emit),
            "now": ([], [I64], lambda caller: 1_700_000_000_123_456_789),
            "config": ([I32, I32], [I32], self.read_config),
        }
        functions = []
        for _, name in imports:
            parameters, results, function = definitions[name]
            functions.append(wasmtime.Func(self.store, wasmtime.FuncType(parameters, results), function,
                                           access_caller=True))
        self.instance = wasmtime.Instance(self.store, module, functions)
        self.exports = self.instance.exports(self.store)
        self.memory = self.exports["memory"]
        for name in ("_initialize", "swiftlet_hook_init"):
            if name in self.exports:
                self.event(name)

    def event(self, name, *arguments):
        """Calls the export `name` as the kernel would, with the default fuel, keeping the most an event took."""
        self.store.set_fuel(DEFAULT_FUEL)
        result = self.exports[name](self.store, *arguments)
        self.most_fuel = max(self.most_fuel, DEFAULT_FUEL - self.store.get_fuel())
        most_fuel[self.hook] = max(most_fuel.get(self.hook, 0), self.most_fuel)
        return result

    def hook_memory_size(self, caller):
        return self.memory.data_len(caller)

    def read_memory(self, caller, address, length, destination):
        # wasmtime passes an i32 as a signed int; the ABI's addresses and lengths are unsigned.
        address, length, destination = address & 0xFFFFFFFF, length & 0xFFFFFFFF, destination & 0xFFFFFFFF
        if address + length > len(self.application) or length > 65536 \
                or destination + length > self.hook_memory_size(caller):
            return -1
        self.memory.write(caller, bytes(self.application[address:address + length]), destination)
        return length

    def read_data(self, caller, offset, length, destination):
        offset, length, destination = offset & 0xFFFFFFFF, length & 0xFFFFFFFF, destination & 0xFFFFFFFF
        if self.data is None or destination + length > self.hook_memory_size(caller):
            return -1
        chunk = self.data[offset:offset + length]
        self.memory.write(caller, chunk, destination)
        return len(chunk)

    def emit(self, caller, address, length):
        address, length = address & 0xFFFFFFFF, length & 0xFFFFFFFF
        if address + length > self.hook_memory_size(caller):
            return -1
        self.output += self.memory.read(caller, address, address + length)
        return 0

    def read_config(self, caller, destination, capacity):
        destination, capacity = destination & 0xFFFFFFFF, capacity & 0xFFFFFFFF
        if destination + min(capacity, len(self.config)) > self.hook_memory_size(caller):
            return -1
        self.memory.write(caller, self.config[:capacity], destination)
        return len(self.config)

    # The application's memory.
    def put(self, data):
        address = self.next_free
        self.application[address:address + len(data)] = data
        self.next_free = (address + len(data) + 7) & ~7
        return address

    def string(self, text):
        data = text.encode() if isinstance(text, str) else text
        return self.put(data), len(data)

    def iovecs(self, *buffers):
        layout = b"".join(struct.pack("<II", self.put(buffer), len(buffer)) for buffer in buffers)
        return self.put(layout), len(buffers)

    def u32(self, value=0):
        return self.put(struct.pack("<I", value))

    # Events.
    @staticmethod
    def slots(arguments):
        return [argument for argument in arguments] + [0] * (9 - len(arguments))

    def enter(self, call, *arguments):
        return self.event("swiftlet_hook_call_enter", CALL[call], *self.slots(arguments))

    def exit(self, call, errno, *arguments):
        self.event("swiftlet_hook_call_exit", CALL[call], errno, *self.slots(arguments))

    def transfer(self, call, fd, data):
        self.data = data
        try:
            self.event("swiftlet_hook_data", CALL[call], fd, len(data))
        finally:
            self.data = None

    def lines(self):
        text = self.output.decode()
        self.output.clear()
        return text.splitlines()


failures = []
most_fuel = {}


def expect(what, actual, expected):
    if actual != expected:
        failures.append(f"{what}:\n  expected {expected!r}\n  actual   {actual!r}")


def check_trace():
    kernel = Kernel("examples/hooks/trace.wasm", "strings=12")
    iovecs, count = kernel.iovecs(b"hello, ", b"world\n")
    kernel.exit("fd_write", 0, 1, iovecs, count, kernel.u32(13))
    path, length = kernel.string("out.txt")
    kernel.exit("path_open", 0, 3, 1, path, length, 9, 0x2400FFFF, 0x2400FFFF, 0, kernel.u32(4))
    path, length = kernel.string("missing.txt")
    kernel.exit("path_open", 44, 3, 1, path, length, 0, 2, 0, 0, kernel.u32(0))
    kernel.exit("args_sizes_get", 0, kernel.u32(2), kernel.u32(17))
    name, length = kernel.string("/sandbox")
    kernel.exit("fd_prestat_dir_name", 0, 3, name, length)
    path, length = kernel.string(b"a\"b\\c\n\x01\xffdefghijk")
    kernel.exit("path_unlink_file", 0, 3, path, length)
    kernel.exit("fd_read", 0, 0, 0xFFFFFFF0, 1, kernel.u32())
    kernel.exit("fd_seek", 0, 3, (1 << 64) - 5, 2, kernel.put(struct.pack("<Q", 1 << 40)))
    kernel.exit("clock_time_get", 0, 1, 1000, kernel.u32())
    expect("proc_exit's verdict", kernel.enter("proc_exit", 3), 0)
    expect("fd_write's verdict (nothing traced at entry)", kernel.enter("fd_write", 1, 0, 0, 0), 0)
    expect("trace lines", kernel.lines(), [
        'fd_write(1, [13 bytes], 2) = 0 -> 13',
        'path_open(3, 0x1, "out.txt", 0x9, 0x2400ffff, 0x2400ffff, 0x0) = 0 -> fd 4',
        'path_open(3, 0x1, "missing.txt", 0x0, 0x2, 0x0, 0x0) = 44 (noent)',
        'args_sizes_get() = 0 -> 2, 17',
        'fd_prestat_dir_name(3, 0x%x, 8) = 0 -> "/sandbox"' % name,
        r'path_unlink_file(3, "a\"b\\c\n\x01\xffdefg"...) = 0',
        'fd_read(0, 0xfffffff0, 1) = 0 -> 0',
        'fd_seek(3, -5, 2) = 0 -> 1099511627776',
        'clock_time_get(1, 1000) = 0',
        'proc_exit(3) = ?',
    ])


def check_policy():
    kernel = Kernel("examples/hooks/policy.wasm", "prefix=/out/,budget=100")
    for fd, name in [(3, "/"), (4, "/out"), (5, ".")]:
        address, length = kernel.string(name)
        kernel.exit("fd_prestat_dir_name", 0, fd, address, length)
    read_rights, write_rights = 0x2 | (1 << 10) | (1 << 26), 1 << 6
    verdicts = []

    def path_open(directory, path, oflags=0, rights=read_rights, fdflags=0, new_fd=None):
        address, length = kernel.string(path)
        arguments = (directory, 0, address, length, oflags, rights, 0, fdflags, kernel.u32(new_fd or 0))
        verdict = kernel.enter("path_open", *arguments)
        verdicts.append((path, verdict))
        if verdict == 0 and new_fd is not None:
            kernel.exit("path_open", 0, *arguments)

    path_open(3, "out/report.txt", oflags=1)
    path_open(3, "etc/passwd", oflags=1)
    path_open(3, "etc/passwd")
    path_open(3, "outside/x", oflags=8)
    path_open(3, "out//./a/../b", rights=write_rights)
    path_open(4, "../etc/x", fdflags=1)
    path_open(4, "sub", new_fd=7)
    path_open(5, "out/x", oflags=4)
    path_open(9, "x", oflags=1)
    expect("path_open verdicts", verdicts, [
        ("out/report.txt", 0), ("etc/passwd", 63), ("etc/passwd", 0), ("outside/x", 63), ("out//./a/../b", 0),
        ("../etc/x", 63), ("sub", 0), ("out/x", 0), ("x", 63)])

    def path_call(call, *pieces):
        arguments = []
        for piece in pieces:
            arguments += kernel.string(piece) if isinstance(piece, str) else [piece]
        return kernel.enter(call, *arguments)

    expect("mkdir in the opened subdirectory", path_call("path_create_directory", 7, "x"), 0)
    expect("unlink above the preopen", path_call("path_unlink_file", 7, "../../x"), 63)
    expect("rename to outside", path_call("path_rename", 4, "a", 3, "tmp/a"), 63)
    expect("rename inside", path_call("path_rename", 4, "a", 3, "out/b"), 0)
    expect("symlink's new path outside", path_call("path_symlink", "/out/a", 3, "tmp/l"), 63)
    expect("link's new path inside", path_call("path_link", 3, 0, "etc/hosts", 4, "hosts"), 0)
    expect("set times outside", path_call("path_filestat_set_times", 3, 0, "etc/hosts", 0, 0, 3), 63)
    expect("remove directory outside", path_call("path_remove_directory", 3, "var"), 63)

    kernel.exit("sock_accept", 0, 3, 0, kernel.u32(6))
    iovecs, count = kernel.iovecs(b"x" * 60)
    expect("first send", kernel.enter("sock_send", 6, iovecs, count, 0, kernel.u32()), 0)
    kernel.exit("sock_send", 0, 6, iovecs, count, 0, kernel.u32(60))
    iovecs, count = kernel.iovecs(b"y" * 50)
    expect("send over the budget", kernel.enter("sock_send", 6, iovecs, count, 0, kernel.u32()), 19)
    iovecs, count = kernel.iovecs(b"z" * 40)
    expect("fd_write to the socket within the budget", kernel.enter("fd_write", 6, iovecs, count, kernel.u32()), 0)
    kernel.exit("fd_write", 0, 6, iovecs, count, kernel.u32(40))
    iovecs, count = kernel.iovecs(b"!")
    expect("fd_write to the socket over the budget", kernel.enter("fd_write", 6, iovecs, count, kernel.u32()), 19)
    iovecs, count = kernel.iovecs(b"." * 1000)
    expect("fd_write to stdout", kernel.enter("fd_write", 1, iovecs, count, kernel.u32()), 0)
    expect("policy lines", kernel.lines(), [
        'policy: denied path_open "/etc/passwd": outside /out',
        'policy: denied path_open "/outside/x": outside /out',
        'policy: denied path_open "../etc/x" in "/out": escapes its preopen',
        'policy: denied path_open "x" in fd 9: not a directory the policy knows',
        'policy: denied path_unlink_file "../../x" in "/out/sub": escapes its preopen',
        'policy: denied path_rename "/tmp/a": outside /out',
        'policy: denied path_symlink "/tmp/l": outside /out',
        'policy: denied path_filestat_set_times "/etc/hosts": outside /out',
        'policy: denied path_remove_directory "/var": outside /out',
        'policy: denied sock_send of 50 bytes: over the budget of 100 (60 sent)',
        'policy: denied fd_write of 1 bytes: over the budget of 100 (100 sent)',
    ])


def ones_complement_sum(data):
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def check_pcap():
    kernel = Kernel("examples/hooks/pcap.wasm", "port=8080")
    request = b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + bytes(range(256)) * 390 + b"x" * 160
    kernel.exit("sock_accept", 0, 3, 0, kernel.u32(5))
    kernel.transfer("sock_recv", 5, request)
    kernel.transfer("fd_read", 0, b"not a socket")
    kernel.transfer("sock_send", 5, response)
    kernel.exit("fd_close", 0, 5)
    kernel.transfer("sock_send", 5, b"after the close")
    capture = bytes(kernel.output)
    kernel.exit("sock_accept", 0, 3, 0, kernel.u32(6))
    kernel.transfer("sock_recv", 6, b"u" * (4 << 20))

    magic, major, minor, _, _, snaplen, linktype = struct.unpack("<IHHiIII", capture[:24])
    expect("pcap file header", (magic, major, minor, linktype), (0xA1B2C3D4, 2, 4, 101))
    offset, packets = 24, []
    while offset < len(capture):
        seconds, microseconds, included, original = struct.unpack("<IIII", capture[offset:offset + 16])
        packet = capture[offset + 16:offset + 16 + included]
        assert included == original <= snaplen and len(packet) == included, "a truncated record"
        expect("timestamp", (seconds, microseconds), (1_700_000_000, 123_456))
        expect("IP header checksum", ones_complement_sum(packet[:20]), 0xFFFF)
        source_port, destination_port, sequence, acknowledged, _, flags = struct.unpack("!HHIIBB", packet[20:34])
        packets.append((packet[12:16] == bytes([10, 0, 0, 1]), flags, sequence, acknowledged, packet[40:]))
        offset += 16 + included
    # (from the client, TCP flags, payload length)
    expect("segments", [(client, flags, len(payload)) for client, flags, _, _, payload in packets], [
        (True, 0x02, 0), (False, 0x12, 0), (True, 0x10, 0), (True, 0x18, len(request)),
        (False, 0x18, 65000), (False, 0x18, len(response) - 65000),
        (False, 0x11, 0), (True, 0x11, 0), (False, 0x10, 0)])
    expect("client bytes", b"".join(p for client, _, _, _, p in packets if client), request)
    expect("server bytes", b"".join(p for client, _, _, _, p in packets if not client), response)
    # Each segment's sequence number follows the sender's previous one; each ACK names the other side's next byte.
    next_byte = {True: None, False: None}
    for client, flags, sequence, acknowledged, payload in packets:
        if next_byte[client] is not None:
            expect("sequence number", sequence, next_byte[client])
        if flags & 0x10 and next_byte[not client] is not None:
            expect("acknowledgement", acknowledged, next_byte[not client])
        next_byte[client] = (sequence + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF

    with tempfile.NamedTemporaryFile(suffix=".pcap") as file:
        file.write(capture)
        file.flush()
        result = subprocess.run(["tcpdump", "-nn", "-v", "-r", file.name], capture_output=True, text=True)
        expect("tcpdump's exit status", result.returncode, 0)
        expect("packets tcpdump read", result.stdout.count(" IP (tos "), len(packets))
        expect("IP checksums tcpdump found bad", result.stdout.count("bad cksum"), 0)
        expect("the first segment", "10.0.0.1.49152 > 10.0.0.2.8080: Flags [S]" in result.stdout, True)


def main():
    check_trace()
    check_policy()
    check_pcap()
    for hook, fuel in sorted(most_fuel.items()):
        print(f"{hook}: at most {fuel:,} fuel an event")
        if fuel > DEFAULT_FUEL // 10:
            failures.append(f"{hook} took {fuel:,} fuel in one event")
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"check_hooks: {'all checks passed' if not failures else f'{len(failures)} failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
