// Output written before a trap must reach stdout.
#include "check.h"

int main(void) {
    write_string(1, "before the trap\n");
    __builtin_trap();
}
