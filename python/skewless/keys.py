"""Entity keys: canonical bytes, their hash and partition (docs/cluster.md, sections 1-2)."""

from __future__ import annotations

import struct
from collections.abc import Sequence

import xxhash

_INT64 = struct.Struct("<q")
_U32 = struct.Struct("<I")


def canonical_key_bytes(parts: Sequence[int | str]) -> bytes:
    """The canonical bytes of a key whose parts are in the view's key order: per int64 part
    `01` and 8 bytes little-endian; per string part `02`, its UTF-8 length as 4 bytes
    little-endian and the UTF-8 bytes (no normalization)."""
    out = bytearray()
    for part in parts:
        if isinstance(part, str):
            encoded = part.encode("utf-8")
            out += b"\x02"
            out += _U32.pack(len(encoded))
            out += encoded
        elif isinstance(part, int) and not isinstance(part, bool):
            out += b"\x01"
            out += _INT64.pack(part)
        else:
            raise TypeError(f"a key part is an int (int64 join key) or a str (string join key), not {type(part).__name__}")
    return bytes(out)


def key_hash(parts: Sequence[int | str]) -> int:
    """XXH64 of the canonical bytes, seed 0: the routing hash."""
    return int(xxhash.xxh64_intdigest(canonical_key_bytes(parts), 0))


def partition_of(parts: Sequence[int | str], partition_count: int) -> int:
    """The partition of a key among `partition_count` (P): its hash mod P."""
    return key_hash(parts) % partition_count
