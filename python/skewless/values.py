"""Values in columns (docs/protocol.md, sections 9, 10 and 12): Python values to and from
`ValueColumn`s, statuses, times and embeddings."""

from __future__ import annotations

import datetime as _dt
import math
import struct
from collections.abc import Sequence
from typing import Any

import lz4.block
import numpy as np

from ._proto import features_pb2

UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)

#: ValueType numbers to the type names of the feature repo (docs/feature-repo.md).
TYPE_NAMES: dict[int, str] = {
    features_pb2.VALUE_TYPE_BOOL: "bool",
    features_pb2.VALUE_TYPE_INT32: "int32",
    features_pb2.VALUE_TYPE_INT64: "int64",
    features_pb2.VALUE_TYPE_FLOAT: "float",
    features_pb2.VALUE_TYPE_DOUBLE: "double",
    features_pb2.VALUE_TYPE_STRING: "string",
    features_pb2.VALUE_TYPE_BYTES: "bytes",
    features_pb2.VALUE_TYPE_TIMESTAMP: "timestamp",
    features_pb2.VALUE_TYPE_EMBEDDING: "embedding",
    features_pb2.VALUE_TYPE_INT64_LIST: "int64_list",
    features_pb2.VALUE_TYPE_STRING_LIST: "string_list",
}

#: The array of a ValueColumn that holds each type.
_ARRAYS: dict[int, str] = {
    features_pb2.VALUE_TYPE_BOOL: "bool_values",
    features_pb2.VALUE_TYPE_INT32: "int32_values",
    features_pb2.VALUE_TYPE_INT64: "int64_values",
    features_pb2.VALUE_TYPE_FLOAT: "float_values",
    features_pb2.VALUE_TYPE_DOUBLE: "double_values",
    features_pb2.VALUE_TYPE_STRING: "string_values",
    features_pb2.VALUE_TYPE_BYTES: "bytes_values",
    features_pb2.VALUE_TYPE_TIMESTAMP: "timestamp_values",
    features_pb2.VALUE_TYPE_EMBEDDING: "embedding_values",
    features_pb2.VALUE_TYPE_INT64_LIST: "int64_list_values",
    features_pb2.VALUE_TYPE_STRING_LIST: "string_list_values",
}

#: Value statuses as every output of this package spells them: the protocol's names without
#: the `VALUE_STATUS_` prefix, as `fsctl historical --status` writes them.
STATUS_NAMES: dict[int, str] = {
    features_pb2.VALUE_STATUS_PRESENT: "PRESENT",
    features_pb2.VALUE_STATUS_NOT_FOUND: "NOT_FOUND",
    features_pb2.VALUE_STATUS_NULL_VALUE: "NULL_VALUE",
    features_pb2.VALUE_STATUS_OUTSIDE_TTL: "OUTSIDE_TTL",
    features_pb2.VALUE_STATUS_DEFAULTED: "DEFAULTED",
}
#: Statuses whose row holds a value (the stored one, a stale one flagged, or the default).
HAS_VALUE = frozenset({features_pb2.VALUE_STATUS_PRESENT, features_pb2.VALUE_STATUS_OUTSIDE_TTL, features_pb2.VALUE_STATUS_DEFAULTED})


def type_name(value_type: int, dimension: int = 0) -> str:
    name = TYPE_NAMES.get(value_type)
    if name is None:
        raise ValueError(f"value type {value_type} is not known to this client: upgrade the skewless package")
    return f"embedding[{dimension}]" if name == "embedding" and dimension else name


def micros_to_datetime(micros: int) -> _dt.datetime:
    return EPOCH + _dt.timedelta(microseconds=micros)


def to_micros(value: Any, what: str) -> int:
    """A point in time as microseconds since the epoch. Takes `datetime` (naive ones are
    UTC), `pandas.Timestamp`, `numpy.datetime64` and ISO-8601 strings; refuses numbers,
    whose unit (seconds, milliseconds, microseconds) cannot be told."""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError(f"{what} is missing (NaT)")
        return int(value.astype("datetime64[us]").astype(np.int64))
    if isinstance(value, str):
        text = value.strip()
        try:
            value = _dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError as error:
            raise ValueError(f"{what} '{value}' is not an ISO-8601 time such as 2026-01-31T12:00:00Z") from error
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        delta: _dt.timedelta = value - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, _dt.date):
        return to_micros(_dt.datetime(value.year, value.month, value.day, tzinfo=UTC), what)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        raise TypeError(
            f"{what} is the number {value}: give a datetime (or pandas Timestamp, or ISO-8601 string), "
            "since a number could be seconds, milliseconds or microseconds since the epoch"
        )
    raise TypeError(f"{what} is a {type(value).__name__}, not a datetime")


def decode_embedding(embedding: features_pb2.Embedding) -> np.ndarray:
    """An `Embedding` as a float32 array, decompressing an LZ4 block (a bare block without
    a size prefix, docs/protocol.md section 12)."""
    size = 4 * embedding.dimension
    data = embedding.data
    if embedding.lz4:
        data = lz4.block.decompress(data, uncompressed_size=size)
    if len(data) != size:
        raise ValueError(f"an embedding of dimension {embedding.dimension} holds {len(data)} bytes, not {size}")
    return np.frombuffer(data, dtype="<f4")


def encode_embedding(vector: Any, dimension: int) -> features_pb2.Embedding:
    """A vector as an `Embedding`: LZ4-compressed when that saves at least 12.5 % (as the
    node stores it), raw otherwise."""
    array = np.asarray(vector, dtype="<f4")
    if array.ndim != 1 or array.shape[0] != dimension:
        raise ValueError(f"an embedding of this field has {dimension} values, not {array.shape[0] if array.ndim == 1 else array.shape}")
    raw = array.tobytes()
    compressed = lz4.block.compress(raw, store_size=False)
    if len(compressed) * 8 <= len(raw) * 7:
        return features_pb2.Embedding(dimension=dimension, lz4=True, data=compressed)
    return features_pb2.Embedding(dimension=dimension, lz4=False, data=raw)


def decode_values(value_type: int, column: features_pb2.ValueColumn, statuses: Sequence[int]) -> list[Any]:
    """The values of a column, one per row; None where the status says there is none."""
    array = _ARRAYS.get(value_type)
    if array is None:
        raise ValueError(f"value type {value_type} is not known to this client: upgrade the skewless package")
    raw = getattr(column, array)
    count = len(statuses)
    if len(raw) != count:
        raise ValueError(f"a column of {TYPE_NAMES[value_type]} holds {len(raw)} values for {count} rows")
    if value_type == features_pb2.VALUE_TYPE_TIMESTAMP:
        values: list[Any] = [micros_to_datetime(v) for v in raw]
    elif value_type == features_pb2.VALUE_TYPE_EMBEDDING:
        values = [decode_embedding(e) if s in HAS_VALUE else None for e, s in zip(raw, statuses)]
    elif value_type in (features_pb2.VALUE_TYPE_INT64_LIST, features_pb2.VALUE_TYPE_STRING_LIST):
        values = [list(v.values) for v in raw]
    else:
        values = list(raw)
    if all(s in HAS_VALUE for s in statuses):
        return values
    return [v if s in HAS_VALUE else None for v, s in zip(values, statuses)]


def is_missing(value: Any) -> bool:
    """None, pandas' NA / NaT, or a float NaN: no value (null)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (np.floating,)):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    kind = type(value).__name__
    return kind in ("NAType", "NaTType")


_INT32 = struct.Struct("<i")


def encode_values(value_type: int, dimension: int, values: Sequence[Any], field: str) -> tuple[features_pb2.ValueColumn, list[int]]:
    """A column of Python values for a write, and its null rows (None, NaN, NA, NaT)."""
    column = features_pb2.ValueColumn()
    null_rows: list[int] = []
    out: list[Any] = []
    kind = TYPE_NAMES.get(value_type)

    def bad(row: int, value: Any, expected: str) -> ValueError:
        return ValueError(f"field '{field}' ({type_name(value_type, dimension)}), row {row}: {value!r} is not {expected}")

    for row, value in enumerate(values):
        if kind in ("int64_list", "string_list", "embedding"):
            missing = value is None or (not isinstance(value, (list, tuple, np.ndarray)) and is_missing(value))
        else:
            missing = is_missing(value)
        if missing:
            null_rows.append(row)
            value = None
        if kind == "bool":
            if value is not None and not isinstance(value, (bool, np.bool_)):
                raise bad(row, value, "a bool")
            out.append(bool(value) if value is not None else False)
        elif kind in ("int32", "int64"):
            if value is not None and (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) and not (isinstance(value, (float, np.floating)) and float(value).is_integer())):
                raise bad(row, value, "an integer")
            number = int(value) if value is not None else 0
            limit = 2**31 if kind == "int32" else 2**63
            if not -limit <= number < limit:
                raise bad(row, value, f"within {kind}'s range")
            out.append(number)
        elif kind in ("float", "double"):
            if value is not None and (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))):
                raise bad(row, value, "a number")
            out.append(float(value) if value is not None else 0.0)
        elif kind == "string":
            if value is not None and not isinstance(value, str):
                raise bad(row, value, "a str")
            out.append(value if value is not None else "")
        elif kind == "bytes":
            if value is not None and not isinstance(value, (bytes, bytearray, memoryview)):
                raise bad(row, value, "bytes")
            out.append(bytes(value) if value is not None else b"")
        elif kind == "timestamp":
            try:
                out.append(to_micros(value, f"field '{field}', row {row},") if value is not None else 0)
            except (TypeError, ValueError) as error:
                raise ValueError(str(error)) from error
        elif kind == "embedding":
            if value is None:
                out.append(features_pb2.Embedding(dimension=dimension))
            else:
                try:
                    out.append(encode_embedding(value, dimension))
                except (TypeError, ValueError) as error:
                    raise ValueError(f"field '{field}', row {row}: {error}") from error
        elif kind == "int64_list":
            items = [] if value is None else list(value)
            if any(isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)) for i in items):
                raise bad(row, value, "a list of integers")
            out.append(features_pb2.Int64List(values=[int(i) for i in items]))
        elif kind == "string_list":
            items = [] if value is None else list(value)
            if any(not isinstance(i, str) for i in items):
                raise bad(row, value, "a list of str")
            out.append(features_pb2.StringList(values=items))
        else:
            raise ValueError(f"field '{field}' has value type {value_type}, which this client does not know: upgrade the skewless package")
    getattr(column, _ARRAYS[value_type]).extend(out)
    return column, null_rows
