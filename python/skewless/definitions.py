"""What a node serves (DESCRIBE, docs/protocol.md section 6): entities, feature views and
feature services, and the resolution of feature references against them."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from ._proto import features_pb2
from .errors import SkewlessError, StatusCode
from .values import decode_values, type_name

_STALENESS = {
    features_pb2.STALENESS_POLICY_SERVE_FLAGGED: "serve_flagged",
    features_pb2.STALENESS_POLICY_SERVE_DEFAULT: "serve_default",
    features_pb2.STALENESS_POLICY_FAIL_CLOSED: "fail_closed",
}


@dataclass(frozen=True)
class JoinKey:
    name: str
    #: "int64" or "string".
    type: str


@dataclass(frozen=True)
class Entity:
    name: str
    join_keys: tuple[JoinKey, ...]
    description: str = ""


@dataclass(frozen=True)
class Field:
    name: str
    #: The repo's type name: "float", "int64_list", "embedding[64]", ...
    type: str
    #: The wire type (`skewless.v1.ValueType`).
    value_type: int
    #: The dimension of an embedding; 0 for other types.
    dimension: int = 0
    #: Whether the field declares a default, and which.
    has_default: bool = False
    default: Any = None
    description: str = ""


@dataclass(frozen=True)
class FeatureView:
    name: str
    version: int
    #: The view's entities, in declared order.
    entities: tuple[str, ...]
    #: The view's key: its entities' join keys, concatenated in that order.
    join_keys: tuple[JoinKey, ...]
    fields: tuple[Field, ...]
    ttl: _dt.timedelta
    #: "serve_flagged", "serve_default" or "fail_closed".
    staleness: str
    owner: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    #: Rows this view version holds on the node that answered.
    entity_rows: int = 0

    @property
    def qualified_name(self) -> str:
        return f"{self.name}@{self.version}"

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise SkewlessError(
            StatusCode.NOT_FOUND,
            f"feature view '{self.qualified_name}' has no field '{name}'; its fields: {', '.join(f.name for f in self.fields)}",
        )


@dataclass(frozen=True)
class FeatureService:
    name: str
    #: Feature references as written in the repo ("view:field" or "view@version:field").
    features: tuple[str, ...]
    description: str = ""
    owner: str = ""


@dataclass(frozen=True)
class ResolvedFeature:
    view: FeatureView
    field: Field

    @property
    def qualified_name(self) -> str:
        return f"{self.view.qualified_name}:{self.field.name}"


@dataclass(frozen=True)
class Description:
    """A node's feature repo, as DESCRIBE gives it."""

    project: str
    entities: tuple[Entity, ...]
    feature_views: tuple[FeatureView, ...]
    feature_services: tuple[FeatureService, ...]

    @staticmethod
    def from_proto(response: features_pb2.DescribeResponse) -> Description:
        entities = tuple(
            Entity(e.name, tuple(JoinKey(k.name, type_name(k.type)) for k in e.join_keys), e.description) for e in response.entities
        )
        by_name = {e.name: e for e in entities}
        views = []
        for v in response.feature_views:
            fields = []
            for f in v.fields:
                has_default = f.HasField("default_value")
                default = None
                if has_default:
                    default = decode_values(f.type, f.default_value, [features_pb2.VALUE_STATUS_PRESENT])[0]
                fields.append(Field(f.name, type_name(f.type, f.embedding_dimension), f.type, f.embedding_dimension, has_default, default, f.description))
            join_keys = tuple(key for entity in v.entities for key in (by_name[entity].join_keys if entity in by_name else ()))
            views.append(
                FeatureView(
                    v.name, v.version, tuple(v.entities), join_keys, tuple(fields), _dt.timedelta(seconds=v.ttl_seconds),
                    _STALENESS.get(v.staleness_policy, "unknown"), v.owner, v.description, dict(v.tags), v.entity_rows,
                )
            )
        services = tuple(FeatureService(s.name, tuple(s.features), s.description, s.owner) for s in response.feature_services)
        return Description(response.project, entities, tuple(views), services)

    def view(self, reference: str) -> FeatureView:
        """A view by "name" (its latest version) or "name@version"."""
        name, at, version_text = reference.partition("@")
        versions = [v for v in self.feature_views if v.name == name]
        if not versions:
            known = sorted({v.name for v in self.feature_views})
            raise SkewlessError(StatusCode.NOT_FOUND, f"no feature view '{name}'; the repo has: {', '.join(known)}")
        if not at:
            return max(versions, key=lambda v: v.version)
        if not version_text.isdigit() or int(version_text) < 1:
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"'{reference}' is not view@version with a positive version")
        for v in versions:
            if v.version == int(version_text):
                return v
        raise SkewlessError(
            StatusCode.NOT_FOUND, f"feature view '{name}' has no version {version_text}; its versions: {', '.join(str(v.version) for v in versions)}"
        )

    def resolve(self, reference: str) -> ResolvedFeature:
        """A feature reference "view:field" or "view@version:field"."""
        view_part, colon, field_name = reference.partition(":")
        if not colon or not view_part or not field_name:
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"'{reference}' is not a feature reference: write view:field or view@version:field")
        view = self.view(view_part)
        return ResolvedFeature(view, view.field(field_name))

    def service(self, name: str) -> FeatureService:
        for s in self.feature_services:
            if s.name == name:
                return s
        raise SkewlessError(
            StatusCode.NOT_FOUND, f"no feature service '{name}'; the repo has: {', '.join(s.name for s in self.feature_services) or 'none'}"
        )
