from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
STALENESS_POLICY_FAIL_CLOSED: StalenessPolicy
STALENESS_POLICY_SERVE_DEFAULT: StalenessPolicy
STALENESS_POLICY_SERVE_FLAGGED: StalenessPolicy
STALENESS_POLICY_UNSPECIFIED: StalenessPolicy
VALUE_STATUS_DEFAULTED: ValueStatus
VALUE_STATUS_NOT_FOUND: ValueStatus
VALUE_STATUS_NULL_VALUE: ValueStatus
VALUE_STATUS_OUTSIDE_TTL: ValueStatus
VALUE_STATUS_PRESENT: ValueStatus
VALUE_STATUS_UNSPECIFIED: ValueStatus
VALUE_TYPE_BOOL: ValueType
VALUE_TYPE_BYTES: ValueType
VALUE_TYPE_DOUBLE: ValueType
VALUE_TYPE_EMBEDDING: ValueType
VALUE_TYPE_FLOAT: ValueType
VALUE_TYPE_INT32: ValueType
VALUE_TYPE_INT64: ValueType
VALUE_TYPE_INT64_LIST: ValueType
VALUE_TYPE_STRING: ValueType
VALUE_TYPE_STRING_LIST: ValueType
VALUE_TYPE_TIMESTAMP: ValueType
VALUE_TYPE_UNSPECIFIED: ValueType

class AntiEntropyStatus(_message.Message):
    __slots__ = ["enabled", "last_full_pass_micros", "partitions_compared", "partitions_differing", "partitions_unverifiable", "passes", "rows_repaired"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    LAST_FULL_PASS_MICROS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_COMPARED_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_DIFFERING_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_UNVERIFIABLE_FIELD_NUMBER: _ClassVar[int]
    PASSES_FIELD_NUMBER: _ClassVar[int]
    ROWS_REPAIRED_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    last_full_pass_micros: int
    partitions_compared: int
    partitions_differing: int
    partitions_unverifiable: int
    passes: int
    rows_repaired: int
    def __init__(self, enabled: bool = ..., partitions_compared: _Optional[int] = ..., partitions_differing: _Optional[int] = ..., rows_repaired: _Optional[int] = ..., last_full_pass_micros: _Optional[int] = ..., partitions_unverifiable: _Optional[int] = ..., passes: _Optional[int] = ...) -> None: ...

class DescribeRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DescribeResponse(_message.Message):
    __slots__ = ["entities", "feature_services", "feature_views", "project"]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[EntityDescription]
    feature_services: _containers.RepeatedCompositeFieldContainer[FeatureServiceDescription]
    feature_views: _containers.RepeatedCompositeFieldContainer[FeatureViewDescription]
    project: str
    def __init__(self, entities: _Optional[_Iterable[_Union[EntityDescription, _Mapping]]] = ..., feature_views: _Optional[_Iterable[_Union[FeatureViewDescription, _Mapping]]] = ..., feature_services: _Optional[_Iterable[_Union[FeatureServiceDescription, _Mapping]]] = ..., project: _Optional[str] = ...) -> None: ...

class Embedding(_message.Message):
    __slots__ = ["data", "dimension", "lz4"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    LZ4_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    dimension: int
    lz4: bool
    def __init__(self, dimension: _Optional[int] = ..., lz4: bool = ..., data: _Optional[bytes] = ...) -> None: ...

class EntityDescription(_message.Message):
    __slots__ = ["description", "join_keys", "name"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    JOIN_KEYS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    description: str
    join_keys: _containers.RepeatedCompositeFieldContainer[JoinKeyDescription]
    name: str
    def __init__(self, name: _Optional[str] = ..., join_keys: _Optional[_Iterable[_Union[JoinKeyDescription, _Mapping]]] = ..., description: _Optional[str] = ...) -> None: ...

class EntityKeyColumn(_message.Message):
    __slots__ = ["int64_values", "join_key", "string_values"]
    INT64_VALUES_FIELD_NUMBER: _ClassVar[int]
    JOIN_KEY_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUES_FIELD_NUMBER: _ClassVar[int]
    int64_values: _containers.RepeatedScalarFieldContainer[int]
    join_key: str
    string_values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, join_key: _Optional[str] = ..., int64_values: _Optional[_Iterable[int]] = ..., string_values: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportRowsRequest(_message.Message):
    __slots__ = ["buckets", "cursor", "feature_view", "include_row_digests", "max_rows", "partitions"]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ROW_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    MAX_ROWS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedScalarFieldContainer[int]
    cursor: bytes
    feature_view: str
    include_row_digests: bool
    max_rows: int
    partitions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, feature_view: _Optional[str] = ..., partitions: _Optional[_Iterable[int]] = ..., cursor: _Optional[bytes] = ..., max_rows: _Optional[int] = ..., buckets: _Optional[_Iterable[int]] = ..., include_row_digests: bool = ...) -> None: ...

class ExportRowsResponse(_message.Message):
    __slots__ = ["columns", "created_time_micros", "entities", "epoch", "event_time_micros", "next_cursor", "row_digests"]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    ROW_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedCompositeFieldContainer[WriteColumn]
    created_time_micros: _containers.RepeatedScalarFieldContainer[int]
    entities: _containers.RepeatedCompositeFieldContainer[EntityKeyColumn]
    epoch: int
    event_time_micros: _containers.RepeatedScalarFieldContainer[int]
    next_cursor: bytes
    row_digests: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, entities: _Optional[_Iterable[_Union[EntityKeyColumn, _Mapping]]] = ..., event_time_micros: _Optional[_Iterable[int]] = ..., created_time_micros: _Optional[_Iterable[int]] = ..., columns: _Optional[_Iterable[_Union[WriteColumn, _Mapping]]] = ..., next_cursor: _Optional[bytes] = ..., epoch: _Optional[int] = ..., row_digests: _Optional[_Iterable[int]] = ...) -> None: ...

class FeatureColumn(_message.Message):
    __slots__ = ["event_time_micros", "feature", "statuses", "type", "values"]
    EVENT_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    event_time_micros: _containers.RepeatedScalarFieldContainer[int]
    feature: str
    statuses: _containers.RepeatedScalarFieldContainer[ValueStatus]
    type: ValueType
    values: ValueColumn
    def __init__(self, feature: _Optional[str] = ..., type: _Optional[_Union[ValueType, str]] = ..., statuses: _Optional[_Iterable[_Union[ValueStatus, str]]] = ..., event_time_micros: _Optional[_Iterable[int]] = ..., values: _Optional[_Union[ValueColumn, _Mapping]] = ...) -> None: ...

class FeatureList(_message.Message):
    __slots__ = ["features"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, features: _Optional[_Iterable[str]] = ...) -> None: ...

class FeatureServiceDescription(_message.Message):
    __slots__ = ["description", "features", "name", "owner"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    description: str
    features: _containers.RepeatedScalarFieldContainer[str]
    name: str
    owner: str
    def __init__(self, name: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ..., owner: _Optional[str] = ...) -> None: ...

class FeatureViewDescription(_message.Message):
    __slots__ = ["description", "entities", "entity_rows", "fields", "name", "owner", "staleness_policy", "tags", "ttl_seconds", "version"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ROWS_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    STALENESS_POLICY_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    description: str
    entities: _containers.RepeatedScalarFieldContainer[str]
    entity_rows: int
    fields: _containers.RepeatedCompositeFieldContainer[FieldDescription]
    name: str
    owner: str
    staleness_policy: StalenessPolicy
    tags: _containers.ScalarMap[str, str]
    ttl_seconds: int
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., entities: _Optional[_Iterable[str]] = ..., fields: _Optional[_Iterable[_Union[FieldDescription, _Mapping]]] = ..., ttl_seconds: _Optional[int] = ..., staleness_policy: _Optional[_Union[StalenessPolicy, str]] = ..., owner: _Optional[str] = ..., description: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., entity_rows: _Optional[int] = ...) -> None: ...

class FieldDescription(_message.Message):
    __slots__ = ["default_value", "description", "embedding_dimension", "name", "type"]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    default_value: ValueColumn
    description: str
    embedding_dimension: int
    name: str
    type: ValueType
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[ValueType, str]] = ..., embedding_dimension: _Optional[int] = ..., default_value: _Optional[_Union[ValueColumn, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class GetClusterMapRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetClusterMapResponse(_message.Message):
    __slots__ = ["caught_up_partitions", "epoch", "loaded_partitions", "map_json", "node_id"]
    CAUGHT_UP_PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    LOADED_PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    MAP_JSON_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    caught_up_partitions: _containers.RepeatedScalarFieldContainer[int]
    epoch: int
    loaded_partitions: _containers.RepeatedScalarFieldContainer[int]
    map_json: bytes
    node_id: str
    def __init__(self, map_json: _Optional[bytes] = ..., epoch: _Optional[int] = ..., node_id: _Optional[str] = ..., loaded_partitions: _Optional[_Iterable[int]] = ..., caught_up_partitions: _Optional[_Iterable[int]] = ...) -> None: ...

class GetHistoricalFeaturesRequest(_message.Message):
    __slots__ = ["as_of_known_time", "cancel", "cursor", "entities", "feature_service", "features", "label_time_micros", "max_rows", "more_labels"]
    AS_OF_KNOWN_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    LABEL_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    MAX_ROWS_FIELD_NUMBER: _ClassVar[int]
    MORE_LABELS_FIELD_NUMBER: _ClassVar[int]
    as_of_known_time: bool
    cancel: bool
    cursor: bytes
    entities: _containers.RepeatedCompositeFieldContainer[EntityKeyColumn]
    feature_service: str
    features: FeatureList
    label_time_micros: _containers.RepeatedScalarFieldContainer[int]
    max_rows: int
    more_labels: bool
    def __init__(self, feature_service: _Optional[str] = ..., features: _Optional[_Union[FeatureList, _Mapping]] = ..., entities: _Optional[_Iterable[_Union[EntityKeyColumn, _Mapping]]] = ..., label_time_micros: _Optional[_Iterable[int]] = ..., as_of_known_time: bool = ..., more_labels: bool = ..., cursor: _Optional[bytes] = ..., max_rows: _Optional[int] = ..., cancel: bool = ...) -> None: ...

class GetHistoricalFeaturesResponse(_message.Message):
    __slots__ = ["features", "first_row", "label_rows", "next_cursor", "views", "warnings"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FIRST_ROW_FIELD_NUMBER: _ClassVar[int]
    LABEL_ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedCompositeFieldContainer[FeatureColumn]
    first_row: int
    label_rows: int
    next_cursor: bytes
    views: _containers.RepeatedCompositeFieldContainer[ViewEventTimes]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, features: _Optional[_Iterable[_Union[FeatureColumn, _Mapping]]] = ..., views: _Optional[_Iterable[_Union[ViewEventTimes, _Mapping]]] = ..., first_row: _Optional[int] = ..., label_rows: _Optional[int] = ..., next_cursor: _Optional[bytes] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class GetOnlineFeaturesRequest(_message.Message):
    __slots__ = ["entities", "feature_service", "features", "request_id", "served_service"]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SERVED_SERVICE_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[EntityKeyColumn]
    feature_service: str
    features: FeatureList
    request_id: str
    served_service: str
    def __init__(self, feature_service: _Optional[str] = ..., features: _Optional[_Union[FeatureList, _Mapping]] = ..., entities: _Optional[_Iterable[_Union[EntityKeyColumn, _Mapping]]] = ..., request_id: _Optional[str] = ..., served_service: _Optional[str] = ...) -> None: ...

class GetOnlineFeaturesResponse(_message.Message):
    __slots__ = ["features"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedCompositeFieldContainer[FeatureColumn]
    def __init__(self, features: _Optional[_Iterable[_Union[FeatureColumn, _Mapping]]] = ...) -> None: ...

class HandshakeRequest(_message.Message):
    __slots__ = ["bearer_token", "client_name", "protocol_version"]
    BEARER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_NAME_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    bearer_token: str
    client_name: str
    protocol_version: int
    def __init__(self, protocol_version: _Optional[int] = ..., client_name: _Optional[str] = ..., bearer_token: _Optional[str] = ...) -> None: ...

class HandshakeResponse(_message.Message):
    __slots__ = ["max_frame_bytes", "max_in_flight_per_connection", "node_id", "principal", "protocol_version", "rate_limit_per_second", "server_version"]
    MAX_FRAME_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_PER_CONNECTION_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    max_frame_bytes: int
    max_in_flight_per_connection: int
    node_id: str
    principal: str
    protocol_version: int
    rate_limit_per_second: int
    server_version: str
    def __init__(self, protocol_version: _Optional[int] = ..., node_id: _Optional[str] = ..., server_version: _Optional[str] = ..., max_frame_bytes: _Optional[int] = ..., max_in_flight_per_connection: _Optional[int] = ..., principal: _Optional[str] = ..., rate_limit_per_second: _Optional[int] = ...) -> None: ...

class HealthRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class HealthResponse(_message.Message):
    __slots__ = ["anti_entropy", "entity_rows", "feature_views", "freshness", "materializing", "node_id", "open_connections", "served_log", "status", "uptime_seconds", "watermarks"]
    class ServingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    ANTI_ENTROPY_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ROWS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    MATERIALIZING_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    SERVED_LOG_FIELD_NUMBER: _ClassVar[int]
    SERVING_STATUS_DRAINING: HealthResponse.ServingStatus
    SERVING_STATUS_SERVING: HealthResponse.ServingStatus
    SERVING_STATUS_UNSPECIFIED: HealthResponse.ServingStatus
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WATERMARKS_FIELD_NUMBER: _ClassVar[int]
    anti_entropy: AntiEntropyStatus
    entity_rows: int
    feature_views: int
    freshness: _containers.RepeatedCompositeFieldContainer[ViewFreshness]
    materializing: MaterializationProgress
    node_id: str
    open_connections: int
    served_log: ServedLogStatus
    status: HealthResponse.ServingStatus
    uptime_seconds: int
    watermarks: _containers.RepeatedCompositeFieldContainer[ViewWatermark]
    def __init__(self, status: _Optional[_Union[HealthResponse.ServingStatus, str]] = ..., node_id: _Optional[str] = ..., uptime_seconds: _Optional[int] = ..., entity_rows: _Optional[int] = ..., feature_views: _Optional[int] = ..., open_connections: _Optional[int] = ..., watermarks: _Optional[_Iterable[_Union[ViewWatermark, _Mapping]]] = ..., materializing: _Optional[_Union[MaterializationProgress, _Mapping]] = ..., freshness: _Optional[_Iterable[_Union[ViewFreshness, _Mapping]]] = ..., anti_entropy: _Optional[_Union[AntiEntropyStatus, _Mapping]] = ..., served_log: _Optional[_Union[ServedLogStatus, _Mapping]] = ...) -> None: ...

class IngestRequest(_message.Message):
    __slots__ = ["cancel", "columns", "commit", "created_time_micros", "cursor", "entities", "event_time_micros", "feature_view"]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    cancel: bool
    columns: _containers.RepeatedCompositeFieldContainer[WriteColumn]
    commit: bool
    created_time_micros: _containers.RepeatedScalarFieldContainer[int]
    cursor: bytes
    entities: _containers.RepeatedCompositeFieldContainer[EntityKeyColumn]
    event_time_micros: _containers.RepeatedScalarFieldContainer[int]
    feature_view: str
    def __init__(self, feature_view: _Optional[str] = ..., entities: _Optional[_Iterable[_Union[EntityKeyColumn, _Mapping]]] = ..., event_time_micros: _Optional[_Iterable[int]] = ..., created_time_micros: _Optional[_Iterable[int]] = ..., columns: _Optional[_Iterable[_Union[WriteColumn, _Mapping]]] = ..., cursor: _Optional[bytes] = ..., commit: bool = ..., cancel: bool = ...) -> None: ...

class IngestResponse(_message.Message):
    __slots__ = ["committed", "feature_view", "ingestion_time_micros", "next_cursor", "rows_received", "segments_written"]
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    INGESTION_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    ROWS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    committed: bool
    feature_view: str
    ingestion_time_micros: int
    next_cursor: bytes
    rows_received: int
    segments_written: int
    def __init__(self, feature_view: _Optional[str] = ..., rows_received: _Optional[int] = ..., next_cursor: _Optional[bytes] = ..., committed: bool = ..., segments_written: _Optional[int] = ..., ingestion_time_micros: _Optional[int] = ...) -> None: ...

class Int64List(_message.Message):
    __slots__ = ["values"]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, values: _Optional[_Iterable[int]] = ...) -> None: ...

class JoinKeyDescription(_message.Message):
    __slots__ = ["name", "type"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: ValueType
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[ValueType, str]] = ...) -> None: ...

class MaterializationProgress(_message.Message):
    __slots__ = ["entities_written", "feature_view", "views_done", "views_total"]
    ENTITIES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    VIEWS_DONE_FIELD_NUMBER: _ClassVar[int]
    VIEWS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    entities_written: int
    feature_view: str
    views_done: int
    views_total: int
    def __init__(self, feature_view: _Optional[str] = ..., views_done: _Optional[int] = ..., views_total: _Optional[int] = ..., entities_written: _Optional[int] = ...) -> None: ...

class MaterializeRequest(_message.Message):
    __slots__ = ["as_of_micros", "feature_views", "full"]
    AS_OF_MICROS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    FULL_FIELD_NUMBER: _ClassVar[int]
    as_of_micros: int
    feature_views: _containers.RepeatedScalarFieldContainer[str]
    full: bool
    def __init__(self, feature_views: _Optional[_Iterable[str]] = ..., full: bool = ..., as_of_micros: _Optional[int] = ...) -> None: ...

class MaterializeResponse(_message.Message):
    __slots__ = ["elapsed_micros", "views"]
    ELAPSED_MICROS_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    elapsed_micros: int
    views: _containers.RepeatedCompositeFieldContainer[ViewWatermark]
    def __init__(self, views: _Optional[_Iterable[_Union[ViewWatermark, _Mapping]]] = ..., elapsed_micros: _Optional[int] = ...) -> None: ...

class PartitionDigest(_message.Message):
    __slots__ = ["bucket_digests", "bucket_row_counts", "digest", "feature_view", "partition", "row_count"]
    BUCKET_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_ROW_COUNTS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    bucket_digests: _containers.RepeatedScalarFieldContainer[int]
    bucket_row_counts: _containers.RepeatedScalarFieldContainer[int]
    digest: int
    feature_view: str
    partition: int
    row_count: int
    def __init__(self, feature_view: _Optional[str] = ..., partition: _Optional[int] = ..., row_count: _Optional[int] = ..., digest: _Optional[int] = ..., bucket_row_counts: _Optional[_Iterable[int]] = ..., bucket_digests: _Optional[_Iterable[int]] = ...) -> None: ...

class PartitionDigestRequest(_message.Message):
    __slots__ = ["feature_view", "include_buckets", "partitions"]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    feature_view: str
    include_buckets: bool
    partitions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, feature_view: _Optional[str] = ..., partitions: _Optional[_Iterable[int]] = ..., include_buckets: bool = ...) -> None: ...

class PartitionDigestResponse(_message.Message):
    __slots__ = ["digests", "epoch", "node_id"]
    DIGESTS_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    digests: _containers.RepeatedCompositeFieldContainer[PartitionDigest]
    epoch: int
    node_id: str
    def __init__(self, digests: _Optional[_Iterable[_Union[PartitionDigest, _Mapping]]] = ..., epoch: _Optional[int] = ..., node_id: _Optional[str] = ...) -> None: ...

class ServedLogStatus(_message.Message):
    __slots__ = ["bytes_on_disk", "bytes_written", "dropped_queue_full", "dropped_write_failed", "enabled", "files_deleted", "queued_bytes", "queued_records", "records_logged", "rows_logged"]
    BYTES_ON_DISK_FIELD_NUMBER: _ClassVar[int]
    BYTES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    DROPPED_QUEUE_FULL_FIELD_NUMBER: _ClassVar[int]
    DROPPED_WRITE_FAILED_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FILES_DELETED_FIELD_NUMBER: _ClassVar[int]
    QUEUED_BYTES_FIELD_NUMBER: _ClassVar[int]
    QUEUED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_LOGGED_FIELD_NUMBER: _ClassVar[int]
    ROWS_LOGGED_FIELD_NUMBER: _ClassVar[int]
    bytes_on_disk: int
    bytes_written: int
    dropped_queue_full: int
    dropped_write_failed: int
    enabled: bool
    files_deleted: int
    queued_bytes: int
    queued_records: int
    records_logged: int
    rows_logged: int
    def __init__(self, enabled: bool = ..., records_logged: _Optional[int] = ..., rows_logged: _Optional[int] = ..., bytes_written: _Optional[int] = ..., dropped_queue_full: _Optional[int] = ..., dropped_write_failed: _Optional[int] = ..., queued_records: _Optional[int] = ..., queued_bytes: _Optional[int] = ..., bytes_on_disk: _Optional[int] = ..., files_deleted: _Optional[int] = ...) -> None: ...

class SetClusterMapRequest(_message.Message):
    __slots__ = ["map_json"]
    MAP_JSON_FIELD_NUMBER: _ClassVar[int]
    map_json: bytes
    def __init__(self, map_json: _Optional[bytes] = ...) -> None: ...

class SetClusterMapResponse(_message.Message):
    __slots__ = ["epoch"]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    def __init__(self, epoch: _Optional[int] = ...) -> None: ...

class StringList(_message.Message):
    __slots__ = ["values"]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class ValueColumn(_message.Message):
    __slots__ = ["bool_values", "bytes_values", "double_values", "embedding_values", "float_values", "int32_values", "int64_list_values", "int64_values", "string_list_values", "string_values", "timestamp_values"]
    BOOL_VALUES_FIELD_NUMBER: _ClassVar[int]
    BYTES_VALUES_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUES_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_VALUES_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUES_FIELD_NUMBER: _ClassVar[int]
    INT32_VALUES_FIELD_NUMBER: _ClassVar[int]
    INT64_LIST_VALUES_FIELD_NUMBER: _ClassVar[int]
    INT64_VALUES_FIELD_NUMBER: _ClassVar[int]
    STRING_LIST_VALUES_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_VALUES_FIELD_NUMBER: _ClassVar[int]
    bool_values: _containers.RepeatedScalarFieldContainer[bool]
    bytes_values: _containers.RepeatedScalarFieldContainer[bytes]
    double_values: _containers.RepeatedScalarFieldContainer[float]
    embedding_values: _containers.RepeatedCompositeFieldContainer[Embedding]
    float_values: _containers.RepeatedScalarFieldContainer[float]
    int32_values: _containers.RepeatedScalarFieldContainer[int]
    int64_list_values: _containers.RepeatedCompositeFieldContainer[Int64List]
    int64_values: _containers.RepeatedScalarFieldContainer[int]
    string_list_values: _containers.RepeatedCompositeFieldContainer[StringList]
    string_values: _containers.RepeatedScalarFieldContainer[str]
    timestamp_values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, bool_values: _Optional[_Iterable[bool]] = ..., int32_values: _Optional[_Iterable[int]] = ..., int64_values: _Optional[_Iterable[int]] = ..., float_values: _Optional[_Iterable[float]] = ..., double_values: _Optional[_Iterable[float]] = ..., string_values: _Optional[_Iterable[str]] = ..., bytes_values: _Optional[_Iterable[bytes]] = ..., timestamp_values: _Optional[_Iterable[int]] = ..., embedding_values: _Optional[_Iterable[_Union[Embedding, _Mapping]]] = ..., int64_list_values: _Optional[_Iterable[_Union[Int64List, _Mapping]]] = ..., string_list_values: _Optional[_Iterable[_Union[StringList, _Mapping]]] = ...) -> None: ...

class ViewEventTimes(_message.Message):
    __slots__ = ["event_time_micros", "feature_view"]
    EVENT_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    event_time_micros: _containers.RepeatedScalarFieldContainer[int]
    feature_view: str
    def __init__(self, feature_view: _Optional[str] = ..., event_time_micros: _Optional[_Iterable[int]] = ...) -> None: ...

class ViewFreshness(_message.Message):
    __slots__ = ["feature_view", "log_oldest_unsealed_micros", "log_unsealed_bytes", "log_unsealed_records", "newest_arrival_micros", "newest_event_time_micros", "reads_defaulted", "reads_not_found", "reads_null", "reads_outside_ttl", "reads_present", "rows_logged"]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    LOG_OLDEST_UNSEALED_MICROS_FIELD_NUMBER: _ClassVar[int]
    LOG_UNSEALED_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOG_UNSEALED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEWEST_ARRIVAL_MICROS_FIELD_NUMBER: _ClassVar[int]
    NEWEST_EVENT_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    READS_DEFAULTED_FIELD_NUMBER: _ClassVar[int]
    READS_NOT_FOUND_FIELD_NUMBER: _ClassVar[int]
    READS_NULL_FIELD_NUMBER: _ClassVar[int]
    READS_OUTSIDE_TTL_FIELD_NUMBER: _ClassVar[int]
    READS_PRESENT_FIELD_NUMBER: _ClassVar[int]
    ROWS_LOGGED_FIELD_NUMBER: _ClassVar[int]
    feature_view: str
    log_oldest_unsealed_micros: int
    log_unsealed_bytes: int
    log_unsealed_records: int
    newest_arrival_micros: int
    newest_event_time_micros: int
    reads_defaulted: int
    reads_not_found: int
    reads_null: int
    reads_outside_ttl: int
    reads_present: int
    rows_logged: int
    def __init__(self, feature_view: _Optional[str] = ..., newest_event_time_micros: _Optional[int] = ..., newest_arrival_micros: _Optional[int] = ..., log_unsealed_records: _Optional[int] = ..., log_unsealed_bytes: _Optional[int] = ..., log_oldest_unsealed_micros: _Optional[int] = ..., rows_logged: _Optional[int] = ..., reads_present: _Optional[int] = ..., reads_not_found: _Optional[int] = ..., reads_null: _Optional[int] = ..., reads_outside_ttl: _Optional[int] = ..., reads_defaulted: _Optional[int] = ...) -> None: ...

class ViewWatermark(_message.Message):
    __slots__ = ["entities_written", "feature_view", "rows_scanned", "watermark_micros"]
    ENTITIES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    ROWS_SCANNED_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_MICROS_FIELD_NUMBER: _ClassVar[int]
    entities_written: int
    feature_view: str
    rows_scanned: int
    watermark_micros: int
    def __init__(self, feature_view: _Optional[str] = ..., watermark_micros: _Optional[int] = ..., rows_scanned: _Optional[int] = ..., entities_written: _Optional[int] = ...) -> None: ...

class WriteColumn(_message.Message):
    __slots__ = ["field", "null_rows", "values"]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    NULL_ROWS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    field: str
    null_rows: _containers.RepeatedScalarFieldContainer[int]
    values: ValueColumn
    def __init__(self, field: _Optional[str] = ..., values: _Optional[_Union[ValueColumn, _Mapping]] = ..., null_rows: _Optional[_Iterable[int]] = ...) -> None: ...

class WriteFeaturesRequest(_message.Message):
    __slots__ = ["columns", "created_time_micros", "entities", "event_time_micros", "feature_view", "idempotency_key", "log_node", "log_sequence", "map_epoch", "replica_apply"]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LOG_NODE_FIELD_NUMBER: _ClassVar[int]
    LOG_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MAP_EPOCH_FIELD_NUMBER: _ClassVar[int]
    REPLICA_APPLY_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedCompositeFieldContainer[WriteColumn]
    created_time_micros: _containers.RepeatedScalarFieldContainer[int]
    entities: _containers.RepeatedCompositeFieldContainer[EntityKeyColumn]
    event_time_micros: _containers.RepeatedScalarFieldContainer[int]
    feature_view: str
    idempotency_key: bytes
    log_node: str
    log_sequence: int
    map_epoch: int
    replica_apply: bool
    def __init__(self, feature_view: _Optional[str] = ..., entities: _Optional[_Iterable[_Union[EntityKeyColumn, _Mapping]]] = ..., event_time_micros: _Optional[_Iterable[int]] = ..., created_time_micros: _Optional[_Iterable[int]] = ..., columns: _Optional[_Iterable[_Union[WriteColumn, _Mapping]]] = ..., map_epoch: _Optional[int] = ..., idempotency_key: _Optional[bytes] = ..., replica_apply: bool = ..., log_node: _Optional[str] = ..., log_sequence: _Optional[int] = ...) -> None: ...

class WriteFeaturesResponse(_message.Message):
    __slots__ = ["accepted_time_micros", "duplicate", "min_replicas_applied", "replicas_missed", "rows_ignored_older", "rows_written"]
    ACCEPTED_TIME_MICROS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    MIN_REPLICAS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_MISSED_FIELD_NUMBER: _ClassVar[int]
    ROWS_IGNORED_OLDER_FIELD_NUMBER: _ClassVar[int]
    ROWS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    accepted_time_micros: int
    duplicate: bool
    min_replicas_applied: int
    replicas_missed: _containers.RepeatedScalarFieldContainer[str]
    rows_ignored_older: int
    rows_written: int
    def __init__(self, rows_written: _Optional[int] = ..., rows_ignored_older: _Optional[int] = ..., duplicate: bool = ..., accepted_time_micros: _Optional[int] = ..., min_replicas_applied: _Optional[int] = ..., replicas_missed: _Optional[_Iterable[str]] = ...) -> None: ...

class ValueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ValueStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class StalenessPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
