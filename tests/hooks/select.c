/* A hook that selects its calls: it hears only path_open on entry (and denies it with ACCES) and no call on exit, so
 * its output must hold one line per path_open and nothing from its exit handler. */
#include <stdint.h>
#include <swiftlet/hook.h>
#include <wasi/api.h>

static int32_t judge(uint32_t call, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) {
    (void)arguments;
    static const char line[] = "enter path_open\n";
    if (call != SWIFTLET_HOOK_CALL_PATH_OPEN) swiftlet_hook_emit("unselected enter\n", 17);
    swiftlet_hook_emit(line, sizeof line - 1);
    return __WASI_ERRNO_ACCES;
}
SWIFTLET_HOOK_ON_CALL_ENTER(judge)
SWIFTLET_HOOK_SELECT_CALL_ENTER(SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_OPEN))

static void observe(uint32_t call, uint32_t error, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) {
    (void)call, (void)error, (void)arguments;
    swiftlet_hook_emit("exit\n", 5);
}
SWIFTLET_HOOK_ON_CALL_EXIT(observe)
SWIFTLET_HOOK_SELECT_CALL_EXIT(0)
