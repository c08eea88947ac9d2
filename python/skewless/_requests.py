"""What the client sends and receives, apart from where it sends it: entity rows and rows to
write as columns, GET_ONLINE_FEATURES requests and answers, and the pause between attempts."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xxhash

from ._proto import features_pb2
from .errors import SkewlessError, StatusCode
from .keys import canonical_key_bytes
from .online import FeatureColumn
from .values import decode_values

if TYPE_CHECKING:
    import pandas

#: Entity rows: a dict of key columns, a list of row dicts, or a pandas DataFrame.
Entities = Any
#: Rows to write: a pandas DataFrame, a list of row dicts or a dict of columns.
Rows = Any


def _pause(attempt: int, deadline: float) -> None:
    """The pause before attempt `attempt` (2, 3, ...): 10 ms doubling, at most 320 ms, never
    past the deadline."""
    pause = min(0.32, 0.01 * 2 ** (attempt - 2))
    time.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def _partition_of(parts: Sequence[Any], partition_count: int) -> int:
    return int(xxhash.xxh64_intdigest(canonical_key_bytes(parts), 0)) % partition_count


def _partitions(columns: Mapping[str, list[Any]], keys: list[str], rows: Iterable[int], partition_count: int) -> dict[int, int]:
    if len(keys) == 1:
        values = columns[keys[0]]
        return {row: _partition_of((values[row],), partition_count) for row in rows}
    return {row: _partition_of([columns[k][row] for k in keys], partition_count) for row in rows}


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _entity_columns(entities: Entities) -> tuple[dict[str, list[Any]], int]:
    """Entity rows as key columns (Python ints and strs) and their count."""
    columns = _columns(entities, "entities")
    for name, values in columns.items():
        columns[name] = [_plain(v) for v in values]
    counts = {len(v) for v in columns.values()}
    if len(counts) > 1:
        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the entity key columns have different lengths: {({k: len(v) for k, v in columns.items()})}")
    return columns, counts.pop() if counts else 0


def _row_columns(data: Rows) -> tuple[dict[str, list[Any]], int]:
    columns = _columns(data, "rows")
    counts = {len(v) for v in columns.values()}
    if len(counts) > 1:
        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"the columns have different lengths: {({k: len(v) for k, v in columns.items()})}")
    for name, values in columns.items():
        columns[name] = [_plain(v) for v in values]
    return columns, counts.pop() if counts else 0


def _columns(data: Any, what: str) -> dict[str, list[Any]]:
    if data is None:
        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"no {what} given")
    if hasattr(data, "to_dict") and hasattr(data, "columns"):  # a pandas DataFrame
        frame: pandas.DataFrame = data
        out: dict[str, list[Any]] = {}
        for name in frame.columns:
            series = frame[name]
            if str(series.dtype).startswith("datetime64"):
                out[str(name)] = list(series.to_numpy(dtype="datetime64[us]")) if series.dt.tz is None else list(series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]"))
            else:
                out[str(name)] = series.tolist()
        return out
    if isinstance(data, Mapping):
        return {str(k): list(v) for k, v in data.items()}
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        rows = list(data)
        if not rows:
            return {}
        names: list[str] = []
        for row in rows:
            if not isinstance(row, Mapping):
                raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{what}: a list of dicts, a dict of columns or a DataFrame, not a list of {type(row).__name__}")
            for k in row:
                if k not in names:
                    names.append(str(k))
        return {name: [row.get(name) for row in rows] for name in names}
    raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{what}: a list of dicts, a dict of columns or a DataFrame, not {type(data).__name__}")


def _read_request(service: str | None, names: list[str] | None, columns: Mapping[str, list[Any]]) -> bytes:
    request = features_pb2.GetOnlineFeaturesRequest()
    if service is not None:
        request.feature_service = service
    else:
        request.features.features.extend(names or [])
    for name, values in columns.items():
        column = request.entities.add(join_key=name)
        if values and all(isinstance(v, str) for v in values):
            column.string_values.extend(values)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            column.int64_values.extend(values)
        else:
            bad = next(v for v in values if not (isinstance(v, (int, str)) and not isinstance(v, bool)))
            kinds = {type(v).__name__ for v in values}
            raise SkewlessError(
                StatusCode.INVALID_ARGUMENT,
                f"join key '{name}' mixes {', '.join(sorted(kinds))}: a key column is all int (int64 keys) or all str (string keys); {bad!r} is neither"
                if len(kinds) > 1
                else f"join key '{name}' holds {type(bad).__name__} values: keys are int (int64) or str (string)",
            )
    return request.SerializeToString()


def _decode_read(payload: bytes, row_count: int) -> list[FeatureColumn]:
    response = features_pb2.GetOnlineFeaturesResponse.FromString(payload)
    out = []
    for column in response.features:
        statuses = [int(s) for s in column.statuses]
        if len(statuses) != row_count:
            raise SkewlessError(StatusCode.INTERNAL, f"the node answered {len(statuses)} rows of '{column.feature}' for {row_count} entity rows")
        if any(s not in (1, 2, 3, 4, 5) for s in statuses):
            raise SkewlessError(StatusCode.INTERNAL, f"the node sent a value status this client does not know for '{column.feature}': upgrade the skewless package")
        try:
            values = decode_values(column.type, column.values, statuses)
        except ValueError as error:
            raise SkewlessError(StatusCode.INTERNAL, f"'{column.feature}': {error}") from error
        out.append(FeatureColumn(column.feature, column.feature, column.type, values, statuses, list(column.event_time_micros)))
    return out
