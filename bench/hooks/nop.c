// The benchmark's NOP hook: allows every call and does nothing else, so what it costs is the kernel's entry into a hook.
#include <swiftlet/hook.h>

static int32_t allow(uint32_t call, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) {
    (void)call;
    (void)arguments;
    return SWIFTLET_HOOK_ALLOW;
}
SWIFTLET_HOOK_ON_CALL_ENTER(allow)
