"""A fast QR code encoder (byte mode, level M, one fixed mask) as a numpy module matrix: client labels, server pages.

Why not `qrcode`/`segno`: they choose the mask by scoring all eight (about 6 ms a code) and place modules
one by one in Python (about 2 ms even with the mask and version fixed). Here everything that depends only
on the version (function patterns, the zig-zag order of the data modules, the mask) is computed once and
cached, so a code costs a Reed-Solomon pass and one numpy scatter: roughly 0.1 ms. The output is the
same, module for module, as `qrcode` with `mask_pattern=FIXED_MASK` and the same version (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

#: The mask every code uses. Choosing per code (the standard's penalty score) only improves scanning of
#: pathological payloads; our payloads are short URLs and the tests decode every one.
FIXED_MASK = 2
MAX_VERSION = 40

# Error correction level M (15 % recovery): per version, EC codewords per block and number of blocks.
_ECC_PER_BLOCK_M = (
    10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
    26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
)  # fmt: skip
_BLOCKS_M = (
    1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
    17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
)  # fmt: skip
_FORMAT_BITS_M = 0b00

# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


class PayloadTooLong(ValueError):
    """The text does not fit in a version-40 QR code."""


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@cache
def _rs_tables(degree: int) -> tuple[int, ...]:
    """For each byte value f, the generator polynomial times f packed in an int (one byte a coefficient).

    The remainder register is then a single Python int: shifting and XOR-ing a whole row is one operation.
    """
    gen = [1]  # coefficients, highest power first, of prod (x - a^i)
    for i in range(degree):
        nxt = [0] * (len(gen) + 1)
        for j, c in enumerate(gen):
            nxt[j] ^= c
            nxt[j + 1] ^= _gf_mul(c, _EXP[i])
        gen = nxt
    rows = []
    for f in range(256):
        packed = 0
        for c in gen[1:]:
            packed = (packed << 8) | _gf_mul(c, f)
        rows.append(packed)
    return tuple(rows)


def _rs_remainder(data: bytes, degree: int) -> bytes:
    table = _rs_tables(degree)
    shift = 8 * (degree - 1)
    mask = (1 << (8 * degree)) - 1
    reg = 0
    for byte in data:
        reg = ((reg << 8) & mask) ^ table[byte ^ (reg >> shift)]
    return reg.to_bytes(degree, "big")


def _raw_modules(version: int) -> int:
    """Modules left for data and EC after the function patterns."""
    result = (16 * version + 128) * version + 64
    if version >= 2:
        count = version // 7 + 2
        result -= (25 * count - 10) * count - 55
        if version >= 7:
            result -= 36
    return result


def data_capacity(version: int) -> int:
    """Data codewords of a version at level M."""
    return _raw_modules(version) // 8 - _ECC_PER_BLOCK_M[version - 1] * _BLOCKS_M[version - 1]


def version_for(payload: bytes, minimum: int = 1) -> int:
    """The smallest version (at least `minimum`) whose byte mode holds the payload."""
    for version in range(max(1, minimum), MAX_VERSION + 1):
        count_bits = 8 if version <= 9 else 16
        if 4 + count_bits + 8 * len(payload) <= 8 * data_capacity(version):
            return version
    raise PayloadTooLong(f"二维码内容过长（{len(payload)} 字节）")


def _alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    size = version * 4 + 17
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    return [6, *reversed([size - 7 - i * step for i in range(count - 1)])]


def _bch(value: int, bits: int, poly: int, poly_degree: int) -> int:
    rem = value
    for _ in range(poly_degree):
        rem = (rem << 1) ^ ((rem >> (poly_degree - 1)) * poly)
    return (value << poly_degree) | (rem & ((1 << poly_degree) - 1))


def _mask(kind: int, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    y, x = row, col
    mask: np.ndarray  # numpy types `==` as Any
    match kind:
        case 0:
            mask = (x + y) % 2 == 0
        case 1:
            mask = y % 2 == 0
        case 2:
            mask = x % 3 == 0
        case 3:
            mask = (x + y) % 3 == 0
        case 4:
            mask = (x // 3 + y // 2) % 2 == 0
        case 5:
            mask = x * y % 2 + x * y % 3 == 0
        case 6:
            mask = (x * y % 2 + x * y % 3) % 2 == 0
        case 7:
            mask = ((x + y) % 2 + x * y % 3) % 2 == 0
        case _:
            raise ValueError(f"mask {kind}")
    return mask


@dataclass(frozen=True)
class _Template:
    """What is the same for every code of one version and mask."""

    base: np.ndarray  # bool, function patterns and format/version info drawn
    rows: np.ndarray  # data modules in placement order
    cols: np.ndarray
    mask: np.ndarray  # bool, the mask at those modules


@cache
def _template(version: int, mask: int) -> _Template:
    size = version * 4 + 17
    dark = np.zeros((size, size), dtype=bool)
    reserved = np.zeros((size, size), dtype=bool)

    def put(row: int, col: int, value: bool) -> None:
        dark[row, col] = value
        reserved[row, col] = True

    for i in range(size):  # timing patterns
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for r0, c0 in ((0, 0), (0, size - 7), (size - 7, 0)):  # finders with their separators
        for dr in range(-1, 8):
            for dc in range(-1, 8):
                r, c = r0 + dr, c0 + dc
                if 0 <= r < size and 0 <= c < size:
                    ring = max(abs(dr - 3), abs(dc - 3))
                    put(r, c, ring not in (2, 4))
    positions = _alignment_positions(version)
    last = len(positions) - 1
    for i, r in enumerate(positions):
        for j, c in enumerate(positions):
            if (i, j) in ((0, 0), (0, last), (last, 0)):
                continue
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    put(r + dr, c + dc, max(abs(dr), abs(dc)) != 1)
    fmt = _bch((_FORMAT_BITS_M << 3) | mask, 15, 0x537, 10) ^ 0x5412
    bit = [bool((fmt >> i) & 1) for i in range(15)]
    for i in range(6):
        put(i, 8, bit[i])
    put(7, 8, bit[6])
    put(8, 8, bit[7])
    put(8, 7, bit[8])
    for i in range(9, 15):
        put(8, 14 - i, bit[i])
    for i in range(8):
        put(8, size - 1 - i, bit[i])
    for i in range(8, 15):
        put(size - 15 + i, 8, bit[i])
    put(size - 8, 8, True)  # the dark module
    if version >= 7:
        info = _bch(version, 18, 0x1F25, 12)
        for i in range(18):
            a, b = size - 11 + i % 3, i // 3
            put(b, a, bool((info >> i) & 1))
            put(a, b, bool((info >> i) & 1))

    rows: list[int] = []
    cols: list[int] = []
    right = size - 1
    upward = True
    while right >= 1:
        if right == 6:
            right = 5
        for k in range(size):
            r = size - 1 - k if upward else k
            for c in (right, right - 1):
                if not reserved[r, c]:
                    rows.append(r)
                    cols.append(c)
        upward = not upward
        right -= 2
    r_arr = np.array(rows, dtype=np.intp)
    c_arr = np.array(cols, dtype=np.intp)
    return _Template(dark, r_arr, c_arr, _mask(mask, r_arr, c_arr))


def _codewords(payload: bytes, version: int) -> bytes:
    """Data plus EC codewords, interleaved as they are placed."""
    capacity = data_capacity(version)
    count_bits = 8 if version <= 9 else 16
    bits = (0b0100 << count_bits) | len(payload)
    nbits = 4 + count_bits
    bits = (bits << (8 * len(payload))) | int.from_bytes(payload, "big")
    nbits += 8 * len(payload)
    terminator = min(4, 8 * capacity - nbits)
    bits <<= terminator
    nbits += terminator
    pad_to_byte = -nbits % 8
    bits <<= pad_to_byte
    nbits += pad_to_byte
    data = bytearray(bits.to_bytes(nbits // 8, "big"))
    data.extend((b"\xec\x11" * capacity)[: capacity - len(data)])  # pad codewords

    blocks_n = _BLOCKS_M[version - 1]
    ecc_len = _ECC_PER_BLOCK_M[version - 1]
    raw = _raw_modules(version) // 8
    short_count = blocks_n - raw % blocks_n
    short_len = raw // blocks_n - ecc_len
    # Interleaved: byte i of every block in turn (short blocks have one byte less), then the EC bytes.
    out = bytearray(raw)
    pos = 0
    for b in range(blocks_n):
        length = short_len + (0 if b < short_count else 1)
        block = bytes(data[pos : pos + length])
        pos += length
        out[b : blocks_n * short_len : blocks_n] = block[:short_len]
        if length > short_len:
            out[blocks_n * short_len + b - short_count] = block[-1]
        out[capacity + b :: blocks_n] = _rs_remainder(block, ecc_len)
    return bytes(out)


def qr_matrix(text: str, *, version: int | None = None, mask: int = FIXED_MASK) -> np.ndarray:
    """The module matrix (True = dark, no quiet zone) of `text` encoded as UTF-8 bytes.

    `version` None picks the smallest that fits; a given version that is too small is raised against.
    """
    payload = text.encode("utf-8")
    needed = version_for(payload)
    if version is None:
        version = needed
    elif version < needed:
        raise PayloadTooLong(f"二维码内容过长，版本 {version} 放不下（至少需要版本 {needed}）")
    tpl = _template(version, mask)
    stream = np.unpackbits(np.frombuffer(_codewords(payload, version), dtype=np.uint8))
    bits = np.zeros(len(tpl.rows), dtype=bool)  # remainder bits stay light
    bits[: len(stream)] = stream.astype(bool)
    matrix = tpl.base.copy()
    matrix[tpl.rows, tpl.cols] = bits ^ tpl.mask
    return matrix
