/* A hook that imports a WASI function: swiftlet must refuse to load it (a hook reaches nothing but swiftlet_hook). */
#include <stdint.h>
#include <swiftlet/hook.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("sched_yield"))) int32_t yield(void);

static int32_t judge(uint32_t call, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) {
    (void)call, (void)arguments;
    return yield();
}
SWIFTLET_HOOK_ON_CALL_ENTER(judge)
