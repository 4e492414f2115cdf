// Top-down merge sort of pseudo-random integers: loads, stores, branches and recursion.
#define EXPORT(name) __attribute__((export_name(name)))
#define MAX_COUNT (1u << 21)

static unsigned values[MAX_COUNT];
static unsigned scratch[MAX_COUNT];

static void sort(unsigned *items, unsigned *buffer, unsigned count) {
    if (count < 2) return;
    unsigned half = count / 2;
    sort(items, buffer, half);
    sort(items + half, buffer, count - half);
    unsigned left = 0, right = half, out = 0;
    while (left < half && right < count) buffer[out++] = items[left] <= items[right] ? items[left++] : items[right++];
    while (left < half) buffer[out++] = items[left++];
    while (right < count) buffer[out++] = items[right++];
    for (unsigned i = 0; i < count; i++) items[i] = buffer[i];
}

// Sorts `count` values (capped at MAX_COUNT) and returns an order-sensitive checksum of the result.
EXPORT("mergesort") unsigned run_mergesort(unsigned count) {
    if (count > MAX_COUNT) count = MAX_COUNT;
    unsigned state = 12345;
    for (unsigned i = 0; i < count; i++) {
        state = state * 1103515245u + 12345u;
        values[i] = state >> 8;
    }
    sort(values, scratch, count);
    unsigned checksum = 0;
    for (unsigned i = 0; i < count; i++) {
        if (i > 0 && values[i - 1] > values[i]) return 0;
        checksum = checksum * 31 + values[i];
    }
    return checksum;
}
