// Dense matrix multiply C = A B of N x N doubles, in the i-k-j order, repeated until about N^3 * 4 multiply-adds:
// loads and stores streaming through rows of B and C, a floating-point multiply-add per element.
// Usage: matmul N; prints the trace of C and a checksum of its first row.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 64;
    double *a = malloc((size_t)n * n * sizeof(double)), *b = malloc((size_t)n * n * sizeof(double));
    double *c = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 16.0 - 0.5;
            b[i * n + j] = (double)((i * 5 + j * 11) % 13) / 12.0 - 0.25;
        }
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < n; i++) {
            double *row = c + (size_t)i * n;
            for (int k = 0; k < n; k++) {
                double scale = a[i * n + k] + round * 0.125;
                const double *bRow = b + (size_t)k * n;
                for (int j = 0; j < n; j++) row[j] += scale * bRow[j];
            }
        }
    }
    double trace = 0, first = 0;
    for (int i = 0; i < n; i++) trace += c[i * n + i];
    for (int j = 0; j < n; j++) first += c[j] * (j + 1);
    printf("trace %.6f, row %.6f\n", trace, first);
    return 0;
}
