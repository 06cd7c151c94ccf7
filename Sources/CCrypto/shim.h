// The parts of the system's OpenSSL 3 libcrypto that ChatKitCrypto uses: Ed25519 and X25519 through
// EVP_PKEY, ChaCha20-Poly1305 through EVP_CIPHER, HKDF through EVP_PKEY_HKDF, SHA-256/512 and HMAC
// through EVP, random bytes and a constant-time comparison. Nothing is written by hand.
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
