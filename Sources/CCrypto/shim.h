// OpenSSL's SHA-256 (libcrypto): it uses the CPU's SHA extensions where there are any, ten times the speed of
// portable code. SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but SHA256_CTX is a
// plain C struct, which keeps SHA256Hasher a value type, and runs the same accelerated block function.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
