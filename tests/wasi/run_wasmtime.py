"""Runs a WASI command module under wasmtime (PyPI `wasmtime`), with swiftlet's `run` options.

usage: run_wasmtime.py [--dir HOST[::GUEST]]... [--env NAME=VALUE]... MODULE [ARGS...]
argv[0] is MODULE as given, as swiftlet passes it. The exit status is proc_exit's; a trap prints
`Error: wasm trap: ...` and exits 134, as swiftlet does.
"""
import sys

import wasmtime


def main(arguments):
    directories, environment = [], []
    while arguments and arguments[0] in ("--dir", "--env"):
        option, value = arguments[0], arguments[1]
        arguments = arguments[2:]
        (directories if option == "--dir" else environment).append(value)
    module_path = arguments[0]
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    config = wasmtime.WasiConfig()
    config.argv = arguments
    config.env = [variable.split("=", 1) for variable in environment]
    config.inherit_stdin()
    config.inherit_stdout()
    config.inherit_stderr()
    for mapping in directories:
        host, _, guest = mapping.partition("::")
        config.preopen_dir(host, guest or host)
    store.set_wasi(config)
    instance = linker.instantiate(store, wasmtime.Module.from_file(engine, module_path))
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as exit:
        return exit.code
    except wasmtime.WasmtimeError as error:
        print(f"Error: wasm trap: {error}", file=sys.stderr)
        return 134
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
