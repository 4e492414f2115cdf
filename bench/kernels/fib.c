// Recursive Fibonacci: call-heavy, no memory traffic.
#define EXPORT(name) __attribute__((export_name(name)))

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

EXPORT("fib") unsigned run_fib(unsigned n) { return fib(n); }
