/* A hook that misbehaves as its CONFIG says, for the tests that nothing it does can crash the guest kernel, hang the
 * run or change the application:
 *   trap      traps entering path_open            loop     never returns entering path_open
 *   verdict   returns 12345 entering path_open    reads    reads outside the application's and its own memory,
 *   grow      grows its memory without end                 emitting what each read returned
 *   exit-trap traps in every call_exit            end      ends the run at the first path_open
 * Only path_open for the first three, so that the application starts (wasi-libc's start-up gives up when its first
 * calls fail) and can report what it saw. */
#include <stdint.h>
#include <string.h>
#include <swiftlet/hook.h>

static char mode[16];

static void start(void) {
    int32_t length = swiftlet_hook_config(mode, sizeof mode - 1);
    mode[length > 0 && length < (int32_t)sizeof mode ? length : 0] = 0;
}
SWIFTLET_HOOK_ON_INIT(start)

static void emit_number(const char *label, int32_t value) {
    char text[32];
    size_t length = strlen(label);
    memcpy(text, label, length);
    if (value < 0) { text[length++] = '-'; value = -value; }
    char digits[12];
    int count = 0;
    do { digits[count++] = (char)('0' + value % 10); value /= 10; } while (value > 0);
    while (count > 0) text[length++] = digits[--count];
    text[length++] = '\n';
    swiftlet_hook_emit(text, (uint32_t)length);
}

static volatile uint32_t sink;

static int32_t judge(uint32_t call, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) {
    (void)arguments;
    if (call == SWIFTLET_HOOK_CALL_PATH_OPEN) {
        if (strcmp(mode, "trap") == 0) __builtin_trap();
        if (strcmp(mode, "loop") == 0) for (;;) sink++;
        if (strcmp(mode, "verdict") == 0) return 12345;
        if (strcmp(mode, "end") == 0) return SWIFTLET_HOOK_END_RUN;
    }
    if (strcmp(mode, "grow") == 0) {
        while (__builtin_wasm_memory_grow(0, 1024) != (unsigned long)-1) {}
    }
    if (strcmp(mode, "reads") == 0) {
        static char buffer[16];
        emit_number("beyond application: ", swiftlet_hook_read_memory(0xFFFFFFF0u, 16, buffer));
        emit_number("too long: ", swiftlet_hook_read_memory(0, SWIFTLET_HOOK_READ_MEMORY_LIMIT + 1, buffer));
        emit_number("beyond hook: ", swiftlet_hook_read_memory(0, 16, (void *)0xFFFFFFF0u));
        emit_number("data outside a data event: ", swiftlet_hook_read_data(0, 16, buffer));
        emit_number("emit beyond hook: ", swiftlet_hook_emit((void *)0xFFFFFFF0u, 64));
        emit_number("config beyond hook: ", swiftlet_hook_config((char *)0xFFFFFFF0u, 64));
    }
    return SWIFTLET_HOOK_ALLOW;
}
SWIFTLET_HOOK_ON_CALL_ENTER(judge)

static void observe(uint32_t call, uint32_t error, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) {
    (void)call, (void)error, (void)arguments;
    if (strcmp(mode, "exit-trap") == 0) __builtin_trap();
}
SWIFTLET_HOOK_ON_CALL_EXIT(observe)
