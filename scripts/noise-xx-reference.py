#!/usr/bin/env python3
"""An independent Noise XX (25519, SHA-256) in Python's `cryptography`, to check ChatKit's own.

It prints the run of NoiseTests.swift (the cacophony vector's keys, prologue and payloads) for
ChaChaPoly, which must equal cacophony's published vector, and for AESGCM, which NoiseTests.swift checks
ChatKit's AES-256-GCM sessions against. Run: python3 scripts/noise-xx-reference.py"""
import hashlib, hmac, struct, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305, AESGCM
from cryptography.hazmat.primitives import serialization
def pub(priv): return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def dh(priv, p): return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(p))
def hmac256(k, d): return hmac.new(k, d, hashlib.sha256).digest()
def hkdf(ck, ikm, n):
    t = hmac256(ck, ikm); o1 = hmac256(t, b'\x01'); o2 = hmac256(t, o1 + b'\x02')
    return (o1, o2) if n == 2 else (o1, o2, hmac256(t, o2 + b'\x03'))
class CS:
    def __init__(s, cipher): s.k=None; s.n=0; s.cipher=cipher
    def nonce(s):
        return b'\0'*4 + (struct.pack('<Q', s.n) if s.cipher=='ChaChaPoly' else struct.pack('>Q', s.n))
    def enc(s, ad, pt):
        if s.k is None: return pt
        a = ChaCha20Poly1305(s.k) if s.cipher=='ChaChaPoly' else AESGCM(s.k)
        c = a.encrypt(s.nonce(), pt, ad); s.n += 1; return c
    def dec(s, ad, ct):
        if s.k is None: return ct
        a = ChaCha20Poly1305(s.k) if s.cipher=='ChaChaPoly' else AESGCM(s.k)
        p = a.decrypt(s.nonce(), ct, ad); s.n += 1; return p
class SS:
    def __init__(s, cipher, prologue):
        name = ('Noise_XX_25519_%s_SHA256' % cipher).encode()
        s.h = name.ljust(32, b'\0') if len(name) <= 32 else hashlib.sha256(name).digest()
        s.ck = s.h; s.cs = CS(cipher); s.cipher=cipher; s.mixhash(prologue)
    def mixhash(s, d): s.h = hashlib.sha256(s.h + d).digest()
    def mixkey(s, ikm): s.ck, k = hkdf(s.ck, ikm, 2); s.cs = CS(s.cipher); s.cs.k = k
    def eah(s, pt): c = s.cs.enc(s.h, pt); s.mixhash(c); return c
    def dah(s, c): p = s.cs.dec(s.h, c); s.mixhash(c); return p
    def split(s):
        a, b = hkdf(s.ck, b'', 2); c1 = CS(s.cipher); c1.k = a; c2 = CS(s.cipher); c2.k = b; return c1, c2
def run(cipher, prologue, i_s, i_e, r_s, r_e, payloads):
    I = SS(cipher, prologue); R = SS(cipher, prologue); out = []
    # -> e
    e = pub(i_e); I.mixhash(e); m = e + I.eah(payloads[0]); out.append(m)
    R.mixhash(m[:32]); re = m[:32]; R.dah(m[32:])
    # <- e, ee, s, es
    e2 = pub(r_e); R.mixhash(e2); R.mixkey(dh(r_e, re)); s_ = R.eah(pub(r_s)); R.mixkey(dh(r_s, re)); m = e2 + s_ + R.eah(payloads[1]); out.append(m)
    I.mixhash(m[:32]); I.mixkey(dh(i_e, m[:32])); rs = I.dah(m[32:80]); I.mixkey(dh(i_e, rs)); I.dah(m[80:])
    # -> s, se
    s_ = I.eah(pub(i_s)); I.mixkey(dh(i_s, m[:32])); m3 = s_ + I.eah(payloads[2]); out.append(m3)
    is_ = R.dah(m3[:48]); R.mixkey(dh(r_e, is_)); R.dah(m3[48:])
    assert I.h == R.h
    i1, i2 = I.split(); r1, r2 = R.split()
    for k, p in enumerate(payloads[3:]):
        out.append((r2 if k % 2 == 0 else i1).enc(b'', p))
    return out, I.h
if __name__ == '__main__':
    b = bytes.fromhex
    payloads = [b(x) for x in ["4c756477696720766f6e204d69736573","4d757272617920526f746862617264","462e20412e20486179656b","4361726c204d656e676572","4a65616e2d426170746973746520536179","457567656e2042f6686d20766f6e2042617765726b"]]
    args = (b("4a6f686e2047616c74"), b("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1"), b("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a"), b("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893"), b("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b"), payloads)
    for cipher in ['ChaChaPoly', 'AESGCM']:
        out, h = run(cipher, *args)
        print(cipher, 'h', h.hex())
        for m in out: print(m.hex())
