"""Feast's types and values, and Skewless's (docs/feast.md, "Types")."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
from feast.field import Field as FeastField
from feast.protos.feast.types.Value_pb2 import Value as ValueProto
from feast.value_type import ValueType as FeastValueType

from .._proto import features_pb2
from ..values import EPOCH, to_micros

#: Feast's value types that Skewless stores, and as what; FLOAT_LIST becomes an embedding of
#: the field's `vector_length`.
FEAST_TO_SKEWLESS: dict[FeastValueType, str] = {
    FeastValueType.BOOL: "bool",
    FeastValueType.INT32: "int32",
    FeastValueType.INT64: "int64",
    FeastValueType.FLOAT: "float",
    FeastValueType.DOUBLE: "double",
    FeastValueType.STRING: "string",
    FeastValueType.BYTES: "bytes",
    FeastValueType.UNIX_TIMESTAMP: "timestamp",
    FeastValueType.INT64_LIST: "int64_list",
    FeastValueType.STRING_LIST: "string_list",
}

#: Feast's smallest int64, its "no timestamp" in unix_timestamp_val.
_NULL_TIMESTAMP = -9223372036854775808


def skewless_type(field: FeastField) -> str:
    """The Skewless type of a Feast field, or ValueError saying why there is none."""
    value_type = field.dtype.to_value_type()
    if value_type == FeastValueType.FLOAT_LIST:
        if not field.vector_length:
            raise ValueError(
                f"Feast's Array(Float32) field '{field.name}' has no vector_length: Skewless stores it as embedding[N], "
                "so give the Field a vector_length=N"
            )
        return f"embedding[{field.vector_length}]"
    name = FEAST_TO_SKEWLESS.get(value_type)
    if name is None:
        raise ValueError(f"Feast's type {field.dtype} has no Skewless equivalent (types: docs/feature-repo.md)")
    return name


def from_value_proto(value: ValueProto) -> Any:
    """A Feast Value as the Python value the Skewless client writes; None when unset."""
    kind = value.WhichOneof("val")
    if kind is None or kind == "null_val":
        return None
    raw = getattr(value, kind)
    if kind == "unix_timestamp_val":
        return None if raw == _NULL_TIMESTAMP else EPOCH + _dt.timedelta(seconds=raw)
    if kind == "float_list_val":
        return np.asarray(raw.val, dtype=np.float32)
    if kind.endswith("_list_val"):
        return list(raw.val)
    if kind == "float_val" or kind == "double_val":
        return float(raw)
    return raw


def to_value_proto(value_type: int, value: Any) -> ValueProto:
    """A value the Skewless client read, as the Feast Value of its type."""
    if value is None:
        return ValueProto()
    if value_type == features_pb2.VALUE_TYPE_BOOL:
        return ValueProto(bool_val=value)
    if value_type == features_pb2.VALUE_TYPE_INT32:
        return ValueProto(int32_val=value)
    if value_type == features_pb2.VALUE_TYPE_INT64:
        return ValueProto(int64_val=value)
    if value_type == features_pb2.VALUE_TYPE_FLOAT:
        return ValueProto(float_val=value)
    if value_type == features_pb2.VALUE_TYPE_DOUBLE:
        return ValueProto(double_val=value)
    if value_type == features_pb2.VALUE_TYPE_STRING:
        return ValueProto(string_val=value)
    if value_type == features_pb2.VALUE_TYPE_BYTES:
        return ValueProto(bytes_val=value)
    if value_type == features_pb2.VALUE_TYPE_TIMESTAMP:
        return ValueProto(unix_timestamp_val=to_micros(value, "a timestamp") // 1_000_000)
    proto = ValueProto()
    if value_type == features_pb2.VALUE_TYPE_EMBEDDING:
        proto.float_list_val.val.extend(float(v) for v in value)
    elif value_type == features_pb2.VALUE_TYPE_INT64_LIST:
        proto.int64_list_val.val.extend(value)
    elif value_type == features_pb2.VALUE_TYPE_STRING_LIST:
        proto.string_list_val.val.extend(value)
    else:
        raise ValueError(f"Skewless value type {value_type} has no Feast equivalent here")
    return proto
