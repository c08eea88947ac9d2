"""`Client`: reads, writes and definitions of a Skewless node or cluster, over the protocol of
docs/protocol.md, routed as docs/cluster.md says."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ._proto import features_pb2
from .cluster_map import ClusterMap, Endpoint
from .connection import ConnectionPool, Method, NodeConnection
from .definitions import Description, FeatureView, ResolvedFeature
from .errors import RETRYABLE, SkewlessError, StatusCode
from .online import FeatureColumn, OnlineFeatures, merge_rows
from .tls import TLS
from ._requests import (
    Entities,
    Rows,
    _decode_read,
    _entity_columns,
    _partition_of,
    _partitions,
    _pause,
    _plain,
    _read_request,
    _row_columns,
)
from .values import encode_values, micros_to_datetime, to_micros

if TYPE_CHECKING:
    import datetime as _dt

    import pandas

T = TypeVar("T")


#: How long a node that failed is tried after the others (docs/client.md).
SUSPECT_SECONDS = 2.0
#: Map changes followed within one call before giving up.
MAX_MAP_CHANGES = 8


@dataclass
class WriteResult:
    """The acknowledgement of a write, summed over its batches (docs/write-log.md): every
    row is durable in the offline store and was applied on every live replica except
    those in `replicas_missed` (they catch up from the write log)."""

    rows: int = 0
    batches: int = 0
    rows_written: int = 0
    rows_ignored_older: int = 0
    #: Batches the store had already accepted under their idempotency key (a retry).
    duplicate_batches: int = 0
    #: The fewest replicas that applied any one row (R when none was missed).
    min_replicas_applied: int = 0
    replicas_missed: list[str] = field(default_factory=list)
    #: When the write log accepted each batch: the created time of its rows (UTC).
    accepted_times: list[_dt.datetime] = field(default_factory=list)


class SkewlessWarning(UserWarning):
    """A problem the node reported that is not an error (labels whose keys match no row)."""


class Client:
    """A client of one Skewless node or of a cluster.

    `Client("127.0.0.1:7421")` talks to one node; `Client(seeds=["h1:7421", "h2:7421"])`
    (or one address of a cluster node) reads the cluster map from the first seed that
    answers and routes every key to its partition's replicas: reads spread over the
    replicas and fail over to the next one, writes go to a coordinator that logs and
    replicates them; a wrong-shard answer refreshes the map and re-routes, all within the
    call's timeout.

    Connections are opened on first use, kept and reused; `close()` (or a `with` block)
    closes them. A client may be shared by threads.

    Against secured nodes (docs/client.md, "From Python"): `tls=TLS(ca_file=...)` speaks TLS
    to every node (seeds, routed reads and writes, map refreshes), checking each node's
    certificate against `ca_file` and the host dialled (or `TLS.server_name`), and presents a
    client certificate when `TLS.cert_file` and `key_file` are given (mutual TLS); `token=` (an
    API key or a JWT) is sent in every connection's handshake. `principal` is who the nodes
    took the client for. A refused certificate is `UNAVAILABLE` ("TLS with HOST:PORT failed:
    ..."), a refused or missing credential `UNAUTHENTICATED`, a request the repo's grants do
    not allow `PERMISSION_DENIED` naming what was denied; none is worth a retry.
    """

    def __init__(
        self,
        address: str | Sequence[str] | None = None,
        *,
        seeds: Sequence[str] | None = None,
        timeout: float = 10.0,
        connect_timeout: float = 2.0,
        max_attempts: int = 3,
        max_rows_per_request: int = 10_000,
        write_batch_rows: int = 4096,
        tls: TLS | None = None,
        token: str | None = None,
    ) -> None:
        addresses: list[str] = []
        if isinstance(address, str):
            addresses.append(address)
        elif address is not None:
            addresses.extend(address)
        addresses.extend(seeds or [])
        if not addresses:
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, "give the address of a node, or a cluster's seeds: Client('127.0.0.1:7421')")
        self.seeds = [Endpoint.parse(a) for a in addresses]
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.max_rows_per_request = max_rows_per_request
        self.write_batch_rows = write_batch_rows
        self.tls = tls
        self._pool = ConnectionPool(connect_timeout, tls=tls, token=token or None)
        self._lock = threading.Lock()
        self._discovered = False
        self._map: ClusterMap | None = None
        self._description: Description | None = None
        self._suspects: dict[Endpoint, float] = {}
        self._rotation = itertools.count()

    # MARK: - Lifecycle

    def close(self) -> None:
        """Closes every connection. Later calls fail."""
        self._pool.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def principal(self) -> str | None:
        """Who the nodes took this client for (the handshake's principal: an API key's name, a
        JWT's subject, a client certificate's common name); "" when the nodes do not require
        authentication, None before the first connection."""
        return self._pool.principal

    @property
    def rate_limit_per_second(self) -> int | None:
        """The requests a second the nodes let this client's principal send (each node over
        all its connections; 0: no limit), as the last handshake said; None before the first
        connection. A request over it is answered RESOURCE_EXHAUSTED, retried after a pause."""
        return self._pool.rate_limit_per_second

    @property
    def cluster_map(self) -> ClusterMap | None:
        """The map calls are routed by; None for a standalone node (or before the first call)."""
        return self._map

    # MARK: - Definitions

    def describe(self, *, timeout: float | None = None, reload: bool = False) -> Description:
        """The node's feature repo: entities, feature views (every version) and services."""
        deadline = self._deadline(timeout)
        if self._description is not None and not reload:
            return self._description
        payload = self._any_node(Method.DESCRIBE, b"", deadline)
        description = Description.from_proto(features_pb2.DescribeResponse.FromString(payload))
        self._description = description
        return description

    def health(self, *, timeout: float | None = None) -> dict[str, features_pb2.HealthResponse]:
        """Every node's HEALTH (docs/protocol.md section 6), by node id."""
        deadline = self._deadline(timeout)
        out: dict[str, features_pb2.HealthResponse] = {}
        for endpoint in self._all_nodes(deadline):
            answer = features_pb2.HealthResponse.FromString(self._pool.call(endpoint, Method.HEALTH, b"", deadline))
            out[answer.node_id or str(endpoint)] = answer
        return out

    def materialize(self, views: Sequence[str] = (), *, full: bool = False, timeout: float | None = 600.0) -> list[features_pb2.MaterializeResponse]:
        """Loads the latest rows from the offline store into every node (each its own
        partitions): MATERIALIZE, docs/operations.md."""
        deadline = self._deadline(timeout)
        request = features_pb2.MaterializeRequest(feature_views=list(views), full=full).SerializeToString()
        return [
            features_pb2.MaterializeResponse.FromString(self._pool.call(endpoint, Method.MATERIALIZE, request, deadline))
            for endpoint in self._all_nodes(deadline)
        ]

    # MARK: - Reads

    def get_online_features(
        self,
        features: str | Sequence[str] | None = None,
        entities: Entities = None,
        *,
        service: str | None = None,
        timeout: float | None = None,
    ) -> OnlineFeatures:
        """The features of `entities` as the online store serves them now: values, statuses
        (with TTLs, defaults and staleness policies applied by the node) and event times.

        `features` is a feature service's name (a str) or a list of "view:field" /
        "view@version:field" references; or pass `service=`. `entities` gives every join key
        the features need: `{"user_id": [1, 2]}`, `[{"user_id": 1}, {"user_id": 2}]` or a
        DataFrame. Rows come back in the same order."""
        if service is None and isinstance(features, str):
            service, features = features, None
        if (service is None) == (features is None):
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, "give a feature service's name or a list of features (view:field), not both or neither")
        names = None if features is None else list(features)
        if names is not None and not names:
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, "the list of features is empty: name at least one (view:field)")
        columns, row_count = _entity_columns(entities)
        deadline = self._deadline(timeout)
        topology = self._topology(deadline)
        if topology is None:
            read = self._read_standalone(service, names, columns, row_count, deadline)
        else:
            read = self._read_cluster(service, names, columns, row_count, deadline)
        if names is not None:
            for column, name in zip(read, names):
                column.name = name
        return OnlineFeatures(columns, row_count, read)

    def _read_standalone(self, service: str | None, names: list[str] | None, columns: dict[str, list[Any]], row_count: int, deadline: float) -> list[FeatureColumn]:
        if row_count <= self.max_rows_per_request:  # one request, its answer as it comes
            return _decode_read(self._any_node(Method.GET_ONLINE_FEATURES, _read_request(service, names, columns), deadline), row_count)
        chunks = [range(start, min(start + self.max_rows_per_request, row_count)) for start in range(0, row_count, self.max_rows_per_request)] or [range(0)]
        pieces: list[list[tuple[Sequence[int], FeatureColumn]]] = []
        for rows in chunks:
            request = _read_request(service, names, {k: v[rows.start : rows.stop] for k, v in columns.items()} if len(chunks) > 1 else columns)
            payload = self._any_node(Method.GET_ONLINE_FEATURES, request, deadline)
            decoded = _decode_read(payload, len(rows))
            if not pieces:
                pieces = [[] for _ in decoded]
            for index, column in enumerate(decoded):
                pieces[index].append((rows, column))
        return [merge_rows(row_count, p, p[0][1].feature) for p in pieces]

    def _read_cluster(self, service: str | None, names: list[str] | None, columns: dict[str, list[Any]], row_count: int, deadline: float) -> list[FeatureColumn]:
        description = self.describe(timeout=deadline - time.monotonic())
        try:
            resolved = [description.resolve(r) for r in (description.service(service).features if service else names or [])]
        except SkewlessError as error:
            if error.code != StatusCode.NOT_FOUND:
                raise
            description = self.describe(timeout=deadline - time.monotonic(), reload=True)
            resolved = [description.resolve(r) for r in (description.service(service).features if service else names or [])]
        # Features grouped by the key they route by (their view's join keys, in view order).
        groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for position, feature in enumerate(resolved):
            groups.setdefault(tuple((k.name, k.type) for k in feature.view.join_keys), []).append(position)
        out: list[FeatureColumn | None] = [None] * len(resolved)
        for key, positions in groups.items():
            whole_service = service if len(groups) == 1 else None
            features = [resolved[p] for p in positions]
            group_columns = self._read_group(whole_service, features, key, columns, row_count, deadline)
            for position, column in zip(positions, group_columns):
                out[position] = column
        return [c for c in out if c is not None]

    def _read_group(
        self,
        service: str | None,
        features: list[ResolvedFeature],
        key: tuple[tuple[str, str], ...],
        columns: dict[str, list[Any]],
        row_count: int,
        deadline: float,
    ) -> list[FeatureColumn]:
        """The rows of one routing group, from their partitions' replicas."""
        names = [f.qualified_name for f in features]
        key_columns = {}
        for name, kind in key:
            if name not in columns:
                raise SkewlessError(
                    StatusCode.INVALID_ARGUMENT,
                    f"the entities have no column for join key '{name}' ({kind}), which {features[0].view.qualified_name} needs: give every join key the requested features need",
                )
            key_columns[name] = columns[name]
        if row_count == 0:
            payload = self._any_node(Method.GET_ONLINE_FEATURES, _read_request(service, None if service else names, key_columns), deadline)
            return [FeatureColumn(n, c.feature, c.value_type, [], [], []) for n, c in zip(names, _decode_read(payload, 0))]
        keys = [name for name, _ in key]
        for name, kind in key:
            expected = int if kind == "int64" else str
            for row, value in enumerate(key_columns[name]):
                if not isinstance(value, expected) or isinstance(value, bool):
                    raise SkewlessError(
                        StatusCode.INVALID_ARGUMENT, f"join key '{name}' is {kind} but entity row {row} gives {value!r} ({type(value).__name__})"
                    )
        pieces: list[list[tuple[Sequence[int], FeatureColumn]]] = [[] for _ in features]
        excluded: dict[int, set[str]] = {}
        pending = list(range(row_count))
        map_changes = 0
        attempt = 1
        cluster_map = self._require_map(deadline)
        partitions = _partitions(key_columns, keys, pending, cluster_map.partition_count)
        rotation = next(self._rotation)
        last_error: SkewlessError | None = None
        while pending:
            # Route each pending row to the first replica of its partition not tried yet.
            by_node: dict[str, list[int]] = {}
            exhausted: list[int] = []
            for row in pending:
                partition = partitions[row]
                tried = excluded.get(row, set())
                order = [n for n in cluster_map.read_order(partition, rotation) if n not in tried]
                if not order:
                    exhausted.append(row)
                    continue
                fresh = [n for n in order if not self._is_suspect(cluster_map.endpoints[n])]
                by_node.setdefault((fresh or order)[0], []).append(row)
            if exhausted:
                attempt += 1
                if attempt > self.max_attempts or time.monotonic() >= deadline:
                    partition = partitions[exhausted[0]]
                    raise SkewlessError(
                        last_error.code if last_error else StatusCode.UNAVAILABLE,
                        f"every replica of partition {partition} was tried ({attempt - 1} attempts); last: {last_error.message if last_error else 'none answered'}",
                        node=last_error.node if last_error else None,
                    )
                _pause(attempt, deadline)
                for row in exhausted:
                    excluded.pop(row, None)
                pending = sorted(set(pending))
                continue
            outcomes = self._fan_out(service, names, by_node, key_columns, cluster_map, deadline)
            pending = []
            refresh_from: Endpoint | None = None
            for node, rows, outcome in outcomes:
                if isinstance(outcome, SkewlessError):
                    error = outcome
                    if error.code == StatusCode.ABORTED and error.wrong_shard is not None:
                        refresh_from = cluster_map.endpoints[node]
                    elif error.code in RETRYABLE:
                        self._mark_suspect(cluster_map.endpoints[node])
                    else:
                        raise error
                    last_error = error
                    for row in rows:
                        excluded.setdefault(row, set()).add(node)
                    pending.extend(rows)
                else:
                    for index, column in enumerate(outcome):
                        pieces[index].append((rows, column))
            if refresh_from is not None and map_changes < MAX_MAP_CHANGES:
                map_changes += 1
                newer = self._refresh_map(refresh_from, deadline)
                if newer is not None and newer.epoch != cluster_map.epoch:
                    cluster_map = newer
                    partitions = _partitions(key_columns, keys, range(row_count), cluster_map.partition_count)
                    for row in pending:
                        excluded.pop(row, None)
            if pending and time.monotonic() >= deadline:
                raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, f"the read did not complete within the timeout; last: {last_error}")
        return [merge_rows(row_count, p, name) for p, name in zip(pieces, names)]

    def _fan_out(
        self,
        service: str | None,
        names: list[str],
        by_node: dict[str, list[int]],
        key_columns: dict[str, list[Any]],
        cluster_map: ClusterMap,
        deadline: float,
    ) -> list[tuple[str, list[int], list[FeatureColumn] | SkewlessError]]:
        """Sends each node its rows (in requests of at most `max_rows_per_request` rows), all
        before reading any answer, and collects every answer or error."""
        sent: list[tuple[str, list[int], NodeConnection | None, int | SkewlessError]] = []
        for node, rows in by_node.items():
            endpoint = cluster_map.endpoints[node]
            for start in range(0, len(rows), self.max_rows_per_request):
                chunk = rows[start : start + self.max_rows_per_request]
                request = _read_request(service, None if service else names, {k: [v[r] for r in chunk] for k, v in key_columns.items()})
                try:
                    connection = self._pool.acquire(endpoint, deadline)
                except SkewlessError as error:
                    sent.append((node, chunk, None, error))
                    continue
                try:
                    sent.append((node, chunk, connection, connection.send(Method.GET_ONLINE_FEATURES, request, deadline)))
                except SkewlessError as error:
                    sent.append((node, chunk, None, error))
        outcomes: list[tuple[str, list[int], list[FeatureColumn] | SkewlessError]] = []
        for node, chunk, lent, request_id in sent:
            if lent is None or isinstance(request_id, SkewlessError):
                assert isinstance(request_id, SkewlessError)
                outcomes.append((node, chunk, request_id))
                continue
            connection = lent
            try:
                payload = connection.receive(request_id, deadline)
                outcomes.append((node, chunk, _decode_read(payload, len(chunk))))
            except SkewlessError as error:
                outcomes.append((node, chunk, error))
            except BaseException:
                connection.close()
                raise
            finally:
                self._pool.release(connection)
        return outcomes

    # MARK: - Writes

    def write(
        self,
        view: str,
        data: Rows,
        *,
        event_time: str = "event_time",
        timeout: float | None = None,
        idempotency_keys: Sequence[bytes] | None = None,
    ) -> WriteResult:
        """Writes rows to feature view `view` ("name" or "name@version") through the node's
        write path: each batch is acknowledged only once it is durable in the offline store
        and applied on the live replicas (docs/write-log.md).

        `data` is a DataFrame, a list of row dicts or a dict of columns, with the view's join
        keys, an `event_time` column (datetimes; naive ones are UTC) and any of the view's
        fields (a field without a column is null in every row; None, NaN, NA and NaT are
        null). Rows go in batches of `write_batch_rows`, each with its own random
        idempotency key, sent again unchanged on every retry, so a batch is stored once
        however often it is retried (pass `idempotency_keys`, one per batch, to choose them:
        for example a stream's offsets)."""
        deadline = self._deadline(timeout)
        columns, row_count = _row_columns(data)
        definition = self.describe(timeout=deadline - time.monotonic()).view(view)
        if event_time not in columns:
            hint = ""
            if "event_timestamp" in columns:
                hint = " (this looks like a Feast table: pass event_time='event_timestamp')"
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the rows have no '{event_time}' column{hint}: give each row's event time")
        key_names = [k.name for k in definition.join_keys]
        for name in key_names:
            if name not in columns:
                raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the rows have no column for join key '{name}' of {definition.qualified_name}")
        fields = [c for c in columns if c not in key_names and c != event_time]
        for name in fields:
            if name == "created_timestamp" or name == "created_time":
                raise SkewlessError(
                    StatusCode.INVALID_ARGUMENT,
                    f"column '{name}': a written row's created time is the time the write log accepts it; drop the column (fsctl ingest keeps created times for backfills)",
                )
            definition.field(name)  # NOT_FOUND, listing the view's fields
        batches = [range(s, min(s + self.write_batch_rows, row_count)) for s in range(0, row_count, self.write_batch_rows)]
        if idempotency_keys is not None and len(idempotency_keys) != len(batches):
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{len(idempotency_keys)} idempotency keys for {len(batches)} batches of {self.write_batch_rows} rows")
        result = WriteResult(min_replicas_applied=0)
        for index, rows in enumerate(batches):
            request = self._write_request(definition, columns, key_names, event_time, fields, rows)
            request.idempotency_key = idempotency_keys[index] if idempotency_keys is not None else os.urandom(16)
            first_key = [columns[k][rows.start] for k in key_names]
            answer = self._write_batch(request, first_key, deadline)
            result.rows += len(rows)
            result.batches += 1
            result.rows_written += answer.rows_written
            result.rows_ignored_older += answer.rows_ignored_older
            result.duplicate_batches += int(answer.duplicate)
            result.min_replicas_applied = answer.min_replicas_applied if index == 0 else min(result.min_replicas_applied, answer.min_replicas_applied)
            result.replicas_missed.extend(n for n in answer.replicas_missed if n not in result.replicas_missed)
            result.accepted_times.append(micros_to_datetime(answer.accepted_time_micros))
        return result

    #: Another name for `write`, for streams.
    push = write

    def _write_request(
        self, definition: FeatureView, columns: dict[str, list[Any]], key_names: list[str], event_time: str, fields: list[str], rows: range
    ) -> features_pb2.WriteFeaturesRequest:
        request = features_pb2.WriteFeaturesRequest(feature_view=definition.qualified_name)
        for key in definition.join_keys:
            values = columns[key.name][rows.start : rows.stop]
            column = request.entities.add(join_key=key.name)
            expected = int if key.type == "int64" else str
            for offset, value in enumerate(values):
                if not isinstance(value, expected) or isinstance(value, bool):
                    raise SkewlessError(
                        StatusCode.INVALID_ARGUMENT, f"join key '{key.name}' is {key.type} but row {rows.start + offset} gives {value!r} ({type(value).__name__})"
                    )
            (column.int64_values if key.type == "int64" else column.string_values).extend(values)
        try:
            request.event_time_micros.extend(to_micros(v, f"row {rows.start + i}'s {event_time}") for i, v in enumerate(columns[event_time][rows.start : rows.stop]))
        except (TypeError, ValueError) as error:
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, str(error)) from error
        for name in fields:
            spec = definition.field(name)
            try:
                value_column, null_rows = encode_values(spec.value_type, spec.dimension, columns[name][rows.start : rows.stop], name)
            except (TypeError, ValueError) as error:
                raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{definition.qualified_name}: {error}") from error
            request.columns.add(field=name, values=value_column, null_rows=null_rows)
        return request

    def _write_batch(self, request: features_pb2.WriteFeaturesRequest, first_key: list[Any], deadline: float) -> features_pb2.WriteFeaturesResponse:
        """One batch to its coordinator: the first replica of its first row's partition,
        then the others, then any node; the same request (and idempotency key) each time."""
        last_error: SkewlessError | None = None
        map_changes = 0
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                _pause(attempt, deadline)
            while True:
                topology = self._topology(deadline)
                if topology is None:
                    order = list(self.seeds)
                else:
                    request.map_epoch = topology.epoch
                    targets = topology.write_targets(_partition_of(first_key, topology.partition_count))
                    order = [topology.endpoints[n] for n in targets]
                    order += [topology.endpoints[n] for n in topology.node_ids if n not in targets]
                order = [e for e in order if not self._is_suspect(e)] + [e for e in order if self._is_suspect(e)]
                payload = request.SerializeToString()
                refresh: Endpoint | None = None
                for endpoint in order:
                    if time.monotonic() >= deadline:
                        break
                    try:
                        answer = self._pool.call(endpoint, Method.WRITE_FEATURES, payload, deadline)
                        return features_pb2.WriteFeaturesResponse.FromString(answer)
                    except SkewlessError as error:
                        last_error = error
                        if error.code == StatusCode.ABORTED:
                            refresh = endpoint
                            break
                        if error.code not in RETRYABLE:
                            raise
                        # Maybe logged, maybe not: the same key sent elsewhere is stored once.
                        self._mark_suspect(endpoint)
                if refresh is not None and map_changes < MAX_MAP_CHANGES and time.monotonic() < deadline:
                    map_changes += 1
                    self._refresh_map(refresh, deadline)
                    continue
                break
            if time.monotonic() >= deadline:
                break
        raise SkewlessError(
            last_error.code if last_error and last_error.code != StatusCode.ABORTED else StatusCode.UNAVAILABLE,
            f"no node accepted the write; last: {last_error.message if last_error else 'none answered within the timeout'}",
            node=last_error.node if last_error else None,
        )

    # MARK: - The offline store

    def get_historical_features(
        self,
        entity_df: Any,
        features: str | Sequence[str] | None = None,
        *,
        service: str | None = None,
        as_of_known_time: bool = False,
        timestamp_column: str | None = None,
        status: bool = True,
        timeout: float | None = 3600.0,
    ) -> pandas.DataFrame:
        """A point-in-time-correct training set (docs/point-in-time.md), built by a node from
        its offline store (GET_HISTORICAL_FEATURES): for each label row of `entity_df`, the
        values its views held at the row's time, never later ones.

        `entity_df` has the join keys of the features' views and a time column:
        `timestamp_column`, else `timestamp`, else Feast's `event_timestamp` (datetimes, or
        integer microseconds). The answer has `entity_df`'s columns and rows as given, then per
        feature its value (named by field; `view__field` when two views share a field name;
        missing values are NA) and `FIELD__status` (PRESENT, NOT_FOUND, NULL_VALUE,
        OUTSIDE_TTL), then per view `VIEW__event_time`, the event time of the row chosen for
        each label (NaT where none), as `fsctl historical` writes them. Warnings of the node
        (labels whose keys match no row of a view) are issued as `SkewlessWarning`s and kept
        in `attrs["skewless_warnings"]`."""
        import warnings as _warnings

        import pandas as pd

        from . import history

        if service is None and isinstance(features, str):
            service, features = features, None
        if (service is None) == (features is None):
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, "give a feature service's name or a list of features (view:field), not both or neither")
        names = None if features is None else list(features)
        labels = entity_df if isinstance(entity_df, pd.DataFrame) else pd.DataFrame(entity_df)
        deadline = self._deadline(timeout)
        time_column = timestamp_column or next((c for c in ("timestamp", "event_timestamp") if c in labels.columns), None)
        if time_column is None or time_column not in labels.columns:
            raise SkewlessError(
                StatusCode.INVALID_ARGUMENT,
                f"the labels have no time column ({timestamp_column or 'timestamp, or event_timestamp'}): every label row needs the time its features are wanted at; name it with timestamp_column=",
            )
        description = self.describe(timeout=deadline - time.monotonic())
        references = description.service(service).features if service else names or []
        join_keys: list[str] = []
        for reference in references:
            for key in description.resolve(reference).view.join_keys:
                if key.name not in join_keys:
                    join_keys.append(key.name)
        for key_name in join_keys:
            if key_name not in labels.columns:
                raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the labels have no column for join key '{key_name}', which the requested features need")
        keys = {k: (labels[k].to_numpy() if labels[k].dtype.kind in "iu" else [_plain(v) for v in labels[k].tolist()]) for k in join_keys}
        times = history.time_array(labels[time_column], f"label column '{time_column}'")

        def query(connection: NodeConnection) -> bytes:
            cursor = b""
            answer = features_pb2.GetHistoricalFeaturesResponse()
            chunks = list(history.label_chunks(keys, times))
            for index, (start, stop) in enumerate(chunks):
                request = features_pb2.GetHistoricalFeaturesRequest(
                    cursor=cursor, more_labels=index < len(chunks) - 1, max_rows=history.PAGE_ROWS, as_of_known_time=as_of_known_time
                )
                if not cursor:
                    if service is not None:
                        request.feature_service = service
                    else:
                        request.features.features.extend(names or [])
                for name, values in keys.items():
                    history.key_column(request.entities, name, values[start:stop])
                request.label_time_micros.extend(times[start:stop].tolist())
                answer = features_pb2.GetHistoricalFeaturesResponse.FromString(
                    connection.call(Method.GET_HISTORICAL_FEATURES, request.SerializeToString(), deadline)
                )
                cursor = answer.next_cursor
            pages.append(answer)
            while cursor:
                request = features_pb2.GetHistoricalFeaturesRequest(cursor=cursor, max_rows=history.PAGE_ROWS)
                answer = features_pb2.GetHistoricalFeaturesResponse.FromString(
                    connection.call(Method.GET_HISTORICAL_FEATURES, request.SerializeToString(), deadline)
                )
                pages.append(answer)
                cursor = answer.next_cursor
            return b""

        pages: list[features_pb2.GetHistoricalFeaturesResponse] = []

        def attempt(endpoint: Endpoint) -> bytes:
            pages.clear()
            return self._pool.with_connection(endpoint, deadline, query)

        self._on_any_node(attempt, deadline)
        columns, views, warnings = history.read_pages(iter(pages))
        frame = history.training_frame(labels, columns, views, status)
        for warning in warnings:
            _warnings.warn(warning, SkewlessWarning, stacklevel=2)
        frame.attrs["skewless_warnings"] = warnings
        return frame

    def ingest(
        self,
        view: str,
        data: Any,
        *,
        event_time: str | None = None,
        created_time: str | None = None,
        timeout: float | None = 3600.0,
    ) -> Any:
        """Adds rows to a feature view's history in the offline store (INGEST), all or
        nothing, as `fsctl ingest` does: a DataFrame, a Parquet file (.parquet, .pq) or a CSV
        file (read in batches through pyarrow, never whole), or an iterable of DataFrames.

        Columns: the view's join keys; the event time (`event_time`, else `event_time` or
        Feast's `event_timestamp`); optionally a created time (`created_time`, else
        `created_time` or Feast's `created_timestamp`; without one, rows get the time the
        ingestion began); and any of the view's fields. Times are datetimes, ISO-8601 strings or
        integer microseconds; the node refuses numbers that look like seconds or milliseconds.
        The rows reach the online store with the next MATERIALIZE (`materialize()`).
        Returns an `IngestResult`."""
        import pandas as pd

        from . import history

        deadline = self._deadline(timeout)
        definition = self.describe(timeout=deadline - time.monotonic()).view(view)
        if isinstance(data, pd.DataFrame):
            frames: Iterable[pd.DataFrame] = history.ingest_batches(data, history.batch_rows_for(data))
        elif isinstance(data, (str, os.PathLike)):
            frames = history.read_table(data)
        else:
            frames = data
        key_names = [k.name for k in definition.join_keys]
        state: dict[str, Any] = {"cursor": b"", "rows": 0, "times": None}

        def columns_of(frame: pd.DataFrame) -> tuple[str, str | None, list[str]]:
            event = event_time or next((c for c in ("event_time", "event_timestamp") if c in frame.columns), None)
            if event is None or event not in frame.columns:
                raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the rows have no event time column ({event_time or 'event_time, or event_timestamp'}): give each row's event time")
            created = created_time or next((c for c in ("created_time", "created_timestamp") if c in frame.columns), None)
            if created is not None and created not in frame.columns:
                raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the rows have no column '{created}'")
            for key_name in key_names:
                if key_name not in frame.columns:
                    raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the rows have no column for join key '{key_name}' of {definition.qualified_name}")
            fields = [str(c) for c in frame.columns if c not in key_names and c != event and c != created]
            for name in fields:
                definition.field(name)
            return event, created, fields

        def send(connection: NodeConnection, request: features_pb2.IngestRequest) -> features_pb2.IngestResponse:
            payload = request.SerializeToString()
            for attempt in range(1, self.max_attempts + 1):
                try:
                    return features_pb2.IngestResponse.FromString(connection.call(Method.INGEST, payload, deadline))
                except SkewlessError as error:
                    # A lost answer: the same batch with the same cursor is recognised, not added twice.
                    if error.code not in (StatusCode.UNAVAILABLE, StatusCode.DEADLINE_EXCEEDED) or attempt == self.max_attempts or not connection.closed:
                        raise
                    _pause(attempt + 1, deadline)
                    connection = self._pool.acquire(connection.endpoint, deadline)
                    state["connection"] = connection
            raise AssertionError("unreachable")

        def ingestion(connection: NodeConnection) -> bytes:
            state["connection"] = connection
            answer = features_pb2.IngestResponse()
            for frame in frames:
                if len(frame) == 0:
                    continue
                event, created, fields = columns_of(frame)
                request = features_pb2.IngestRequest(cursor=state["cursor"])
                if not state["cursor"]:
                    request.feature_view = definition.qualified_name
                for key in definition.join_keys:
                    values = frame[key.name]
                    history.key_column(request.entities, key.name, values.to_numpy() if values.dtype.kind in "iu" else [_plain(v) for v in values.tolist()])
                request.event_time_micros.extend(history.time_array(frame[event], f"column '{event}'").tolist())
                if created is not None:
                    request.created_time_micros.extend(history.time_array(frame[created], f"column '{created}'").tolist())
                for name in fields:
                    spec = definition.field(name)
                    try:
                        column, null_rows = history.encode_frame_column(spec.value_type, spec.dimension, frame[name], name)
                    except (TypeError, ValueError) as error:
                        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{definition.qualified_name}: {error}") from error
                    request.columns.add(field=name, values=column, null_rows=null_rows)
                answer = send(state["connection"], request)
                state["cursor"] = answer.next_cursor
                state["rows"] = answer.rows_received
            request = features_pb2.IngestRequest(cursor=state["cursor"], commit=True)
            if not state["cursor"]:
                request.feature_view = definition.qualified_name
            answer = send(state["connection"], request)
            if not answer.committed:
                raise SkewlessError(StatusCode.INTERNAL, f"the node answered the commit of {definition.qualified_name} without committing")
            state["answer"] = answer
            return b""

        endpoint = self._any_endpoint(deadline)
        try:
            self._pool.with_connection(endpoint, deadline, ingestion)
        except BaseException:
            self._cancel_ingestion(endpoint, state["cursor"])
            raise
        answer = state["answer"]
        return history.IngestResult(answer.feature_view, int(answer.rows_received), int(answer.segments_written), micros_to_datetime(answer.ingestion_time_micros))

    def _cancel_ingestion(self, endpoint: Endpoint, cursor: bytes) -> None:
        """Ends an ingestion that failed half way, storing nothing (best effort: the node
        also ends it after 60 s idle)."""
        if not cursor:
            return
        try:
            self._pool.call(endpoint, Method.INGEST, features_pb2.IngestRequest(cursor=cursor, cancel=True).SerializeToString(), time.monotonic() + 2.0)
        except SkewlessError:
            pass

    def _any_endpoint(self, deadline: float) -> Endpoint:
        topology = self._topology(deadline)
        order = list(self.seeds) if topology is None else [topology.endpoints[n] for n in topology.node_ids if n not in topology.down]
        fresh = [e for e in order if not self._is_suspect(e)]
        return (fresh or order or self.seeds)[0]

    def _on_any_node(self, call: Callable[[Endpoint], T], deadline: float) -> T:
        """`call` on one node after another (those that failed lately last) until one
        succeeds or fails for a reason another node would share."""
        last_error: SkewlessError | None = None
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                _pause(attempt, deadline)
            topology = self._topology(deadline)
            order = list(self.seeds) if topology is None else [topology.endpoints[n] for n in topology.node_ids]
            order = [e for e in order if not self._is_suspect(e)] + [e for e in order if self._is_suspect(e)]
            for endpoint in order:
                if time.monotonic() >= deadline:
                    break
                try:
                    return call(endpoint)
                except SkewlessError as error:
                    if error.code not in RETRYABLE and error.code != StatusCode.FAILED_PRECONDITION or "offline store" in error.message:
                        raise
                    if error.code != StatusCode.FAILED_PRECONDITION:
                        self._mark_suspect(endpoint)
                    last_error = error
            if time.monotonic() >= deadline:
                break
        if last_error is not None:
            raise last_error
        raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, "the call's timeout passed before any node was asked")

    # MARK: - Nodes and the map

    def _deadline(self, timeout: float | None) -> float:
        return time.monotonic() + (self.timeout if timeout is None else timeout)

    def _topology(self, deadline: float) -> ClusterMap | None:
        """The map to route by, or None for a standalone node; read from the seeds on first use."""
        if not self._discovered:
            self._discover(deadline)
        return self._map

    def _require_map(self, deadline: float) -> ClusterMap:
        topology = self._topology(deadline)
        assert topology is not None
        return topology

    def _discover(self, deadline: float) -> None:
        errors: list[SkewlessError] = []
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                _pause(attempt, deadline)
            for endpoint in self.seeds:
                try:
                    answer = features_pb2.GetClusterMapResponse.FromString(self._pool.call(endpoint, Method.GET_CLUSTER_MAP, b"", deadline))
                except SkewlessError as error:
                    if error.code not in RETRYABLE:
                        raise
                    errors.append(error)
                    continue
                with self._lock:
                    if answer.map_json:
                        self._map = ClusterMap.from_json(answer.map_json, str(endpoint))
                    self._discovered = True
                return
            if time.monotonic() >= deadline:
                break
        raise SkewlessError(
            StatusCode.UNAVAILABLE,
            f"no seed answered ({', '.join(str(s) for s in self.seeds)}): {errors[-1].message if errors else 'no time left'}",
            node=errors[-1].node if errors else None,
        )

    def _refresh_map(self, preferred: Endpoint | None, deadline: float) -> ClusterMap | None:
        """Reads the map again, from `preferred` first, then the map's other nodes and the
        seeds; keeps the newest epoch seen."""
        current = self._map
        candidates: list[Endpoint] = [preferred] if preferred else []
        if current is not None:
            candidates += [current.endpoints[n] for n in current.node_ids]
        candidates += self.seeds
        seen: set[Endpoint] = set()
        for endpoint in candidates:
            if endpoint in seen or time.monotonic() >= deadline:
                continue
            seen.add(endpoint)
            try:
                answer = features_pb2.GetClusterMapResponse.FromString(self._pool.call(endpoint, Method.GET_CLUSTER_MAP, b"", min(deadline, time.monotonic() + 2.0)))
            except SkewlessError:
                continue
            if not answer.map_json:
                continue
            if current is None or answer.epoch > current.epoch:
                with self._lock:
                    if self._map is None or answer.epoch > self._map.epoch:
                        self._map = ClusterMap.from_json(answer.map_json, str(endpoint))
                return self._map
            if endpoint == preferred:
                continue  # the node that refused is behind: ask the others
            return current
        return current

    def _all_nodes(self, deadline: float) -> list[Endpoint]:
        topology = self._topology(deadline)
        if topology is None:
            return [self.seeds[0]]
        return [topology.endpoints[n] for n in topology.node_ids]

    def _any_node(self, method: int, payload: bytes, deadline: float) -> bytes:
        """A request any node can answer, to the nodes in turn (those that failed lately last)."""
        last_error: SkewlessError | None = None
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                _pause(attempt, deadline)
            topology = self._topology(deadline)
            order = list(self.seeds) if topology is None else [topology.endpoints[n] for n in topology.node_ids if n not in topology.down]
            if topology is not None:
                order += [topology.endpoints[n] for n in topology.node_ids if n in topology.down]
            order = [e for e in order if not self._is_suspect(e)] + [e for e in order if self._is_suspect(e)]
            for endpoint in order:
                if time.monotonic() >= deadline:
                    break
                try:
                    return self._pool.call(endpoint, method, payload, deadline)
                except SkewlessError as error:
                    if error.code not in RETRYABLE:
                        raise
                    self._mark_suspect(endpoint)
                    last_error = error
            if time.monotonic() >= deadline:
                break
        if last_error is not None:
            raise last_error
        raise SkewlessError(StatusCode.DEADLINE_EXCEEDED, "the call's timeout passed before any node was asked")

    def _mark_suspect(self, endpoint: Endpoint) -> None:
        with self._lock:
            self._suspects[endpoint] = time.monotonic() + SUSPECT_SECONDS

    def _is_suspect(self, endpoint: Endpoint) -> bool:
        until = self._suspects.get(endpoint)
        return until is not None and until > time.monotonic()


__all__ = ["Client", "SkewlessWarning", "WriteResult", "Entities", "Rows"]
