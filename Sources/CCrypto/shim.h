// The parts of the system's OpenSSL 3 libcrypto that ChatKitCrypto uses: Ed25519 through EVP_PKEY,
// SHA-256 and HMAC through EVP, random bytes and a constant-time comparison. Nothing is written by hand.
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
