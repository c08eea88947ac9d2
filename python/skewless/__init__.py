"""Skewless from Python: online reads and writes, definitions, and (with `skewless.feast`) a
Feast online store, over the Skewless protocol (docs/protocol.md)."""

from .client import Client, SkewlessWarning, WriteResult
from .history import IngestResult
from .cluster_map import ClusterMap, Endpoint
from .definitions import Description, Entity, FeatureService, FeatureView, Field, JoinKey
from .errors import SkewlessError, StatusCode, WrongShard
from .tls import TLS
from .keys import canonical_key_bytes, key_hash, partition_of
from .online import FeatureColumn, OnlineFeatures
from .values import STATUS_NAMES

__version__ = "0.1.0"

__all__ = [
    "Client",
    "IngestResult",
    "SkewlessWarning",
    "ClusterMap",
    "Description",
    "Endpoint",
    "Entity",
    "FeatureColumn",
    "FeatureService",
    "FeatureView",
    "Field",
    "JoinKey",
    "OnlineFeatures",
    "STATUS_NAMES",
    "SkewlessError",
    "StatusCode",
    "TLS",
    "WriteResult",
    "WrongShard",
    "canonical_key_bytes",
    "key_hash",
    "partition_of",
]
