// Spectral norm of the infinite matrix A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1), by power iteration on
// A^T A (the Computer Language Benchmarks Game's kernel): floating-point divisions, multiply-adds and a call per
// matrix element. Usage: spectralnorm N; prints the norm to 9 digits.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double element(int i, int j) {
    return 1.0 / ((double)((i + j) * (i + j + 1) / 2 + i + 1));
}

static void multiplyA(const double *v, double *out, int n) {
    for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += element(i, j) * v[j];
        out[i] = sum;
    }
}

static void multiplyAt(const double *v, double *out, int n) {
    for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += element(j, i) * v[j];
        out[i] = sum;
    }
}

static void multiplyAtA(const double *v, double *out, double *scratch, int n) {
    multiplyA(v, scratch, n);
    multiplyAt(scratch, out, n);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    double *u = malloc(n * sizeof(double)), *v = malloc(n * sizeof(double)), *t = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) u[i] = 1;
    for (int iteration = 0; iteration < 10; iteration++) {
        multiplyAtA(u, v, t, n);
        multiplyAtA(v, u, t, n);
    }
    double uv = 0, vv = 0;
    for (int i = 0; i < n; i++) {
        uv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("%.9f\n", sqrt(uv / vv));
    return 0;
}
