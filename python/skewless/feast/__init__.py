"""Skewless as a Feast online store.

In a Feast repo's `feature_store.yaml`:

```yaml
online_store:
  type: skewless.feast.SkewlessOnlineStore
  seeds: ["127.0.0.1:7421"]
```

Against nodes that serve TLS or require authentication (docs/feast.md, "Secured nodes"):
`tls_ca_file`, `tls_cert_file` and `tls_key_file` (mutual TLS), `tls_server_name`, and `token`
(an API key or a JWT), or `token_env_var`, the environment variable that holds it.

`feast apply` checks (in `update`) that the Skewless nodes serve every feature view of the
repo with the same fields, keys and types: the views are declared in Skewless's own repo,
which `python -m skewless.feast.convert` writes from the Feast definitions (docs/feast.md).
`feast materialize` writes through the nodes' durable write path (`online_write_batch`),
and `get_online_features` reads through them (`online_read`): each view's rows are one
routed request, TTLs and statuses applied by the node.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Literal

from feast import Entity, FeatureView, RepoConfig
from feast.infra.online_stores.online_store import OnlineStore
from feast.protos.feast.types.EntityKey_pb2 import EntityKey as EntityKeyProto
from feast.protos.feast.types.Value_pb2 import Value as ValueProto
from feast.repo_config import FeastConfigBaseModel

from ..client import Client
from ..definitions import Description
from ..errors import SkewlessError, StatusCode
from ..tls import TLS
from ..values import HAS_VALUE, UTC, datetimes_of
from .types import from_value_proto, skewless_type, value_proto_maker

__all__ = ["SkewlessOnlineStore", "SkewlessOnlineStoreConfig"]


class SkewlessOnlineStoreConfig(FeastConfigBaseModel):
    """`online_store:` of feature_store.yaml for Skewless."""

    type: Literal["skewless.feast.SkewlessOnlineStore"] = "skewless.feast.SkewlessOnlineStore"
    #: Addresses (host:port) of a node, or of some nodes of a cluster.
    seeds: list[str]
    #: The deadline of each call, in seconds.
    timeout_seconds: float = 10.0
    #: Rows per write batch in `feast materialize` (one idempotency key each).
    write_batch_rows: int = 4096
    #: Speak TLS to the nodes, trusting the system's roots (implied by any tls_ option).
    tls: bool = False
    #: PEM CA certificates that sign the nodes' certificates (default: the system's roots).
    tls_ca_file: str | None = None
    #: A PEM client certificate, for nodes that require one (mutual TLS), with tls_key_file.
    tls_cert_file: str | None = None
    #: The unencrypted PEM private key of tls_cert_file.
    tls_key_file: str | None = None
    #: The name the nodes' certificates must hold (default: the host of each address).
    tls_server_name: str | None = None
    #: The bearer token sent in each connection's handshake: an API key or a JWT.
    token: str | None = None
    #: The environment variable holding the token, when `token` is not given (as Feast's
    #: OIDC client settings name it).
    token_env_var: str | None = None

    def client_token(self) -> str | None:
        """`token`, else the value of `token_env_var` (an error if that is unset)."""
        if self.token:
            return self.token
        if self.token_env_var:
            value = os.environ.get(self.token_env_var)
            if not value:
                raise SkewlessError(
                    StatusCode.INVALID_ARGUMENT,
                    f"online_store.token_env_var names ${self.token_env_var}, which is not set: export the API key or JWT in it",
                )
            return value
        return None

    def client_tls(self) -> TLS | None:
        """The client's TLS settings, None for plain TCP."""
        if not (self.tls or self.tls_ca_file or self.tls_cert_file or self.tls_key_file or self.tls_server_name):
            return None
        return TLS(ca_file=self.tls_ca_file, cert_file=self.tls_cert_file, key_file=self.tls_key_file, server_name=self.tls_server_name)


_clients: dict[tuple[object, ...], Client] = {}
_clients_lock = threading.Lock()


def _client(config: RepoConfig) -> Client:
    online: SkewlessOnlineStoreConfig = config.online_store
    tls = online.client_tls()
    token = online.client_token()
    key = (tuple(online.seeds), online.timeout_seconds, online.write_batch_rows, tls, token)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = Client(
                seeds=list(online.seeds),
                timeout=online.timeout_seconds,
                write_batch_rows=online.write_batch_rows,
                tls=tls,
                token=token,
            )
            _clients[key] = client
        return client


class SkewlessOnlineStore(OnlineStore):
    """Feast's online store interface over a Skewless node or cluster."""

    def online_write_batch(
        self,
        config: RepoConfig,
        table: FeatureView,
        data: list[tuple[EntityKeyProto, dict[str, ValueProto], _dt.datetime, _dt.datetime | None]],
        progress: Callable[[int], Any] | None,
    ) -> None:
        """Feast's rows through Skewless's write path: durable in the offline store, then
        applied on every replica, before this returns. Feast's created times are not sent:
        a written row's created time is when the write log accepted it."""
        if not data:
            return
        client = _client(config)
        view = client.describe().view(table.name)
        columns: dict[str, list[Any]] = {k.name: [] for k in view.join_keys}
        columns["event_time"] = []
        features = [feature.name for feature in table.features]
        for name in features:
            view.field(name)  # NOT_FOUND, naming the view's fields, if Skewless's view lacks it
        for name in features:
            columns[name] = []
        for entity_key, values, event_time, _created in data:
            key = dict(zip(entity_key.join_keys, entity_key.entity_values))
            for join_key in view.join_keys:
                if join_key.name not in key:
                    raise SkewlessError(
                        StatusCode.INVALID_ARGUMENT,
                        f"Feast's row for {table.name} has no join key '{join_key.name}' (it has {', '.join(entity_key.join_keys)}): "
                        "the Skewless view's keys must be the Feast view's join keys (python -m skewless.feast.convert)",
                    )
                columns[join_key.name].append(from_value_proto(key[join_key.name]))
            columns["event_time"].append(event_time if event_time.tzinfo else event_time.replace(tzinfo=UTC))
            for name in features:
                value = values.get(name)
                columns[name].append(None if value is None else from_value_proto(value))
        client.write(view.qualified_name, columns)
        if progress is not None:
            progress(len(data))

    def online_read(
        self,
        config: RepoConfig,
        table: FeatureView,
        entity_keys: list[EntityKeyProto],
        requested_features: list[str] | None = None,
    ) -> list[tuple[_dt.datetime | None, dict[str, ValueProto] | None]]:
        """One routed read of `table`'s features for `entity_keys`. An entity without a row
        is (None, None), as Feast expects; a null field is an empty Value; a value served
        stale under `serve_flagged`, or a declared default, is returned as served."""
        if not entity_keys:
            return []
        client = _client(config)
        names = requested_features or [f.name for f in table.features]
        join_keys = list(entity_keys[0].join_keys)
        entities: dict[str, list[Any]] = {k: [] for k in join_keys}
        for entity_key in entity_keys:
            for name, value in zip(entity_key.join_keys, entity_key.entity_values):
                entities[name].append(from_value_proto(value))
        answer = client.get_online_features([f"{table.name}:{n}" for n in names], entities)
        columns = answer.columns
        # Per feature: its name, how a value becomes a Feast Value (chosen once per column),
        # its values and statuses.
        plan = [(name, value_proto_maker(column.value_type), column.values, column.status_codes) for name, column in zip(names, columns)]
        times = [column.event_time_micros for column in columns]
        # A row's event time: the newest of its fields' (they are one view's, so they agree).
        newest = times[0] if len(times) == 1 or all(t == times[0] for t in times) else [max(row) for row in zip(*times)]
        when = datetimes_of(newest, {0: None})
        out: list[tuple[_dt.datetime | None, dict[str, ValueProto] | None]] = []
        for row in range(len(entity_keys)):
            if newest[row] == 0:
                out.append((None, None))
                continue
            record: dict[str, ValueProto] = {}
            for name, make, values, statuses in plan:
                record[name] = make(values[row]) if statuses[row] in HAS_VALUE else ValueProto()
            out.append((when[row], record))
        return out

    def update(
        self,
        config: RepoConfig,
        tables_to_delete: Sequence[FeatureView],
        tables_to_keep: Sequence[FeatureView],
        entities_to_delete: Sequence[Entity],
        entities_to_keep: Sequence[Entity],
        partial: bool,
    ) -> None:
        """`feast apply`: Skewless's views are declared in its own repo, which the nodes
        load, so nothing is created here; this checks that the nodes serve every view Feast
        keeps, with its join keys and its features' types, and refuses the apply (naming
        each difference) when they do not. Views Feast deletes keep their history in
        Skewless's offline store."""
        if not tables_to_keep:
            return
        description = _client(config).describe(reload=True)
        problems = [p for table in tables_to_keep for p in check_view(description, table)]
        if problems:
            raise SkewlessError(
                StatusCode.FAILED_PRECONDITION,
                "the Skewless nodes do not serve this Feast repo's views as declared:\n  - " + "\n  - ".join(problems)
                + "\nWrite the Skewless definitions from the Feast repo with `python -m skewless.feast.convert FEAST_REPO --out DIR`,"
                " start (or restart) the nodes with `fsnode --repo DIR`, then run `feast apply` again (docs/feast.md).",
            )

    def teardown(self, config: RepoConfig, tables: Sequence[FeatureView], entities: Sequence[Entity]) -> None:
        """`feast teardown`: nothing to remove. Skewless's rows are its offline store's history
        (the source of truth), which Feast does not own."""
        key = (tuple(config.online_store.seeds), config.online_store.timeout_seconds, config.online_store.write_batch_rows)
        with _clients_lock:
            client = _clients.pop(key, None)
        if client is not None:
            client.close()


def check_view(description: Description, table: FeatureView) -> list[str]:
    """What differs between a Feast view and the Skewless view of the same name."""
    try:
        view = description.view(table.name)
    except SkewlessError:
        return [f"no feature view '{table.name}' in Skewless's repo"]
    problems = []
    feast_keys = [c.name for c in table.entity_columns]
    skewless_keys = [k.name for k in view.join_keys]
    if sorted(feast_keys) != sorted(skewless_keys):
        problems.append(f"{table.name}: Feast's join keys are {feast_keys}, Skewless's {skewless_keys}")
    for feature in table.features:
        try:
            field = view.field(feature.name)
        except SkewlessError:
            problems.append(f"{table.name}: Skewless's view {view.qualified_name} has no field '{feature.name}'")
            continue
        try:
            expected = skewless_type(feature)
        except ValueError as error:
            problems.append(f"{table.name}.{feature.name}: {error}")
            continue
        if expected != field.type:
            problems.append(f"{table.name}.{feature.name}: Feast's type is {feature.dtype} ({expected} in Skewless), Skewless's field is {field.type}")
    return problems
