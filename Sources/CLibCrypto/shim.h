// OpenSSL's libcrypto (Debian's libssl-dev) for SHA-256 only: its assembly uses the CPU's SHA extensions. The
// low-level SHA256_Init/Update/Final, deprecated in OpenSSL 3 for the EVP interface, are what it is used for: the
// one-shot SHA256() goes through EVP, which loads openssl.cnf and initializes providers (~10 ms in every run).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
