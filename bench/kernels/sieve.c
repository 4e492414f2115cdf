// Sieve of Eratosthenes over [0, limit): byte loads and stores in linear memory.
#define EXPORT(name) __attribute__((export_name(name)))
#define MAX_LIMIT (1u << 24)

static unsigned char composite[MAX_LIMIT];

// Sieves `limit` numbers (capped at MAX_LIMIT) `rounds` times so one call runs long enough to time.
EXPORT("sieve") unsigned run_sieve(unsigned limit) {
    if (limit > MAX_LIMIT) limit = MAX_LIMIT;
    unsigned checksum = 0;
    for (unsigned round = 0; round < 8; round++) {
        for (unsigned i = 0; i < limit; i++) composite[i] = 0;
        unsigned count = 0;
        for (unsigned i = 2; i < limit; i++) {
            if (composite[i]) continue;
            count++;
            checksum = checksum * 31 + i;
            for (unsigned long long j = (unsigned long long)i * i; j < limit; j += i) composite[j] = 1;
        }
        checksum += count;
    }
    return checksum;
}
