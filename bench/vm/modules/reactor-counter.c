// A reactor (built with -mexec-model=reactor): its _initialize runs the constructor, and `next` is invoked after it,
// for VM snapshots taken after initialization. Every restored run's first `next` returns 101.
static int counter;

__attribute__((constructor)) static void setUp(void) {
    counter = 100;
}

__attribute__((export_name("next"))) int next(void) {
    return ++counter;
}
