// OpenSSL's libcrypto (Debian's libssl-dev) for SHA-256 only: its assembly uses the CPU's SHA extensions.
#include <openssl/sha.h>
