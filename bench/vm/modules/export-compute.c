// CPU-bound exports for --invoke, VM vs in-process.
__attribute__((export_name("fib"))) long long fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((export_name("mix"))) double mix(int a, long long b, float c, double d) {
    return a + (double)b + c * d;
}

__attribute__((export_name("divide"))) int divide(int a, int b) {
    return a / b;
}

__attribute__((export_name("nothing"))) void nothing(void) {}
