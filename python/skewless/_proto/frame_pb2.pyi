from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

ABORTED: StatusCode
ALREADY_EXISTS: StatusCode
CANCELLED: StatusCode
DATA_LOSS: StatusCode
DEADLINE_EXCEEDED: StatusCode
DESCRIPTOR: _descriptor.FileDescriptor
FAILED_PRECONDITION: StatusCode
INTERNAL: StatusCode
INVALID_ARGUMENT: StatusCode
METHOD_DESCRIBE: Method
METHOD_EXPORT_ROWS: Method
METHOD_GET_CLUSTER_MAP: Method
METHOD_GET_HISTORICAL_FEATURES: Method
METHOD_GET_ONLINE_FEATURES: Method
METHOD_HANDSHAKE: Method
METHOD_HEALTH: Method
METHOD_INGEST: Method
METHOD_MATERIALIZE: Method
METHOD_PARTITION_DIGEST: Method
METHOD_SET_CLUSTER_MAP: Method
METHOD_UNSPECIFIED: Method
METHOD_WRITE_FEATURES: Method
NOT_FOUND: StatusCode
OK: StatusCode
OUT_OF_RANGE: StatusCode
PERMISSION_DENIED: StatusCode
RESOURCE_EXHAUSTED: StatusCode
UNAUTHENTICATED: StatusCode
UNAVAILABLE: StatusCode
UNIMPLEMENTED: StatusCode
UNKNOWN: StatusCode

class RequestFrame(_message.Message):
    __slots__ = ["method", "payload", "request_id", "timeout_micros"]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MICROS_FIELD_NUMBER: _ClassVar[int]
    method: Method
    payload: bytes
    request_id: int
    timeout_micros: int
    def __init__(self, request_id: _Optional[int] = ..., method: _Optional[_Union[Method, str]] = ..., timeout_micros: _Optional[int] = ..., payload: _Optional[bytes] = ...) -> None: ...

class ResponseFrame(_message.Message):
    __slots__ = ["payload", "request_id", "status"]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    request_id: int
    status: Status
    def __init__(self, request_id: _Optional[int] = ..., status: _Optional[_Union[Status, _Mapping]] = ..., payload: _Optional[bytes] = ...) -> None: ...

class Status(_message.Message):
    __slots__ = ["code", "message", "wrong_shard"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WRONG_SHARD_FIELD_NUMBER: _ClassVar[int]
    code: StatusCode
    message: str
    wrong_shard: WrongShard
    def __init__(self, code: _Optional[_Union[StatusCode, str]] = ..., message: _Optional[str] = ..., wrong_shard: _Optional[_Union[WrongShard, _Mapping]] = ...) -> None: ...

class WrongShard(_message.Message):
    __slots__ = ["epoch", "partitions"]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    partitions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, epoch: _Optional[int] = ..., partitions: _Optional[_Iterable[int]] = ...) -> None: ...

class Method(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class StatusCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
