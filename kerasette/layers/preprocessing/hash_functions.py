"""The hash functions behind Keras's ``Hashing`` and ``HashedCrossing``, bit for bit:
FarmHash's Fingerprint64 (through the ``pyfarmhash`` package), SipHash-2-4 with a
128-bit key (for a ``salt``), and TensorFlow's ``FingerprintCat64`` combiner."""
from __future__ import annotations

_M64 = (1 << 64) - 1
_KMUL = 0xC6A4A7935BD1E995
CROSS_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash key


def fingerprint64(data: bytes) -> int:
    """FarmHash Fingerprint64 of ``data`` (an unsigned 64-bit int)."""
    try:
        import farmhash
    except ImportError as e:
        raise ImportError("Hashing and HashedCrossing compute FarmHash with the pyfarmhash package: "
                          "pip install kerasette[hashing]") from e
    return farmhash.fingerprint64(data)


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & _M64


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _M64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _M64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _M64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _M64
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(key0: int, key1: int, data: bytes) -> int:
    """SipHash-2-4 (Aumasson & Bernstein) of ``data`` under the key ``(key0, key1)``."""
    v = [key0 ^ 0x736F6D6570736575, key1 ^ 0x646F72616E646F6D,
         key0 ^ 0x6C7967656E657261, key1 ^ 0x7465646279746573]
    n = len(data)
    end = n - n % 8
    words = [int.from_bytes(data[i:i + 8], "little") for i in range(0, end, 8)]
    words.append(((n & 0xFF) << 56) | int.from_bytes(data[end:], "little"))
    for m in words:
        v[3] ^= m
        v = list(_sip_round(*_sip_round(*v)))
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        v = list(_sip_round(*v))
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _shift_mix(x):
    return x ^ (x >> 47)


def fingerprint_cat64(fp1: int, fp2: int) -> int:
    """TensorFlow's ``FingerprintCat64``: combine two 64-bit fingerprints (order matters)."""
    result = fp1 ^ _KMUL
    result ^= (_shift_mix((fp2 * _KMUL) & _M64) * _KMUL) & _M64
    result = (result * _KMUL) & _M64
    result = (_shift_mix(result) * _KMUL) & _M64
    return _shift_mix(result)
