// Takeuchi's function, the classic call-heavy benchmark: three-way recursion with almost no work per call, summed
// over a few starting triples. Usage: tak N; prints the sum of tak(N - k, N / 2 - k, 0) for k = 0..3 and the calls.
#include <stdio.h>
#include <stdlib.h>

static unsigned long long calls;

__attribute__((noinline)) static int tak(int x, int y, int z) {
    calls++;
    if (y >= x) return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 18;
    int sum = 0;
    for (int k = 0; k < 4; k++) sum += tak(n - k, n / 2 - k, 0);
    printf("%d (%llu calls)\n", sum, calls);
    return 0;
}
