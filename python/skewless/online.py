"""The answer of `Client.get_online_features`: per feature, a value, a status and the event
time of the stored row, for every entity row."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import SkewlessError, StatusCode
from .values import HAS_VALUE, STATUS_NAMES, TYPE_NAMES, micros_to_datetime

if TYPE_CHECKING:
    import pandas


@dataclass
class FeatureColumn:
    """One feature for every entity row, in request order."""

    #: The name it was asked by ("view:field", or the service's "view@version:field").
    name: str
    #: The reference as the node resolved it: "view@version:field".
    feature: str
    #: The wire type (`skewless.v1.ValueType`).
    value_type: int
    #: The values; None where the entity has none (status NOT_FOUND or NULL_VALUE).
    values: list[Any]
    #: `skewless.v1.ValueStatus` numbers.
    status_codes: list[int]
    #: The stored row's event time, microseconds since the epoch; 0 where there is no row.
    event_time_micros: list[int]

    @property
    def type(self) -> str:
        return TYPE_NAMES.get(self.value_type, str(self.value_type))

    @property
    def statuses(self) -> list[str]:
        """PRESENT, NOT_FOUND, NULL_VALUE, OUTSIDE_TTL or DEFAULTED per row
        (docs/protocol.md section 10)."""
        return [STATUS_NAMES.get(code, f"UNKNOWN_{code}") for code in self.status_codes]

    @property
    def event_times(self) -> list[_dt.datetime | None]:
        """When the stored row's values were true (UTC), also for a default served for a
        null or stale field; None where the entity has no row."""
        return [micros_to_datetime(t) if t else None for t in self.event_time_micros]


class OnlineFeatures:
    """Feature values for N entity rows. `features[name]` (or `result[name]`) gives a
    `FeatureColumn`; a name may be given as asked, as resolved ("view@version:field"), or
    as "view:field" when that is unambiguous."""

    def __init__(self, entities: dict[str, list[Any]], row_count: int, columns: list[FeatureColumn]) -> None:
        self.entities = entities
        self.row_count = row_count
        self.columns = columns
        self._index: dict[str, int] = {}
        for position, column in enumerate(columns):
            self._index.setdefault(column.name, position)
        for position, column in enumerate(columns):
            self._index.setdefault(column.feature, position)
            view, _, field = column.feature.partition(":")
            self._index.setdefault(f"{view.partition('@')[0]}:{field}", position)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def __len__(self) -> int:
        return self.row_count

    def __getitem__(self, name: str) -> FeatureColumn:
        position = self._index.get(name)
        if position is None:
            raise SkewlessError(StatusCode.NOT_FOUND, f"the answer has no feature '{name}'; it has: {', '.join(self.names)}")
        return self.columns[position]

    def __iter__(self) -> Iterator[FeatureColumn]:
        return iter(self.columns)

    def values(self, name: str) -> list[Any]:
        return self[name].values

    def statuses(self, name: str) -> list[str]:
        return self[name].statuses

    def event_times(self, name: str) -> list[_dt.datetime | None]:
        return self[name].event_times

    def rows(self) -> list[dict[str, Any]]:
        """One dict per entity row: its keys, then each feature's value."""
        out = []
        for row in range(self.row_count):
            record = {key: values[row] for key, values in self.entities.items()}
            for column in self.columns:
                record[column.name] = column.values[row]
            out.append(record)
        return out

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns: the entity keys, then per feature NAME its values, `NAME__status` and
        `NAME__event_time` (datetimes, None where there is no row)."""
        out: dict[str, list[Any]] = {key: list(values) for key, values in self.entities.items()}
        for column in self.columns:
            out[column.name] = column.values
            out[f"{column.name}__status"] = column.statuses
            out[f"{column.name}__event_time"] = column.event_times
        return out

    def to_pandas(self) -> pandas.DataFrame:
        """A DataFrame with the columns of `to_dict`. Values use pandas' nullable types
        (Int64, Float32, boolean, ...) so that a missing value is NA, never a made-up 0;
        timestamps and event times are UTC datetimes (NaT where none); embeddings are
        float32 numpy arrays, lists are lists."""
        import pandas as pd

        data: dict[str, Any] = {key: list(values) for key, values in self.entities.items()}
        for column in self.columns:
            data[column.name] = _pandas_column(column)
            data[f"{column.name}__status"] = pd.array(column.statuses, dtype="string")
            data[f"{column.name}__event_time"] = pd.to_datetime(
                [t if t else None for t in column.event_time_micros], unit="us", utc=True
            )
        return pd.DataFrame(data, index=pd.RangeIndex(self.row_count))

    def __repr__(self) -> str:
        return f"OnlineFeatures({self.row_count} rows x {len(self.columns)} features: {', '.join(self.names)})"


_PANDAS_TYPES = {"bool": "boolean", "int32": "Int32", "int64": "Int64", "float": "Float32", "double": "Float64", "string": "string"}


def _pandas_column(column: FeatureColumn) -> Any:
    import pandas as pd

    dtype = _PANDAS_TYPES.get(column.type)
    if dtype is not None:
        return pd.array(column.values, dtype=dtype)
    if column.type == "timestamp":
        return pd.to_datetime(column.values, utc=True)
    values = pd.Series([None] * len(column.values), dtype=object)
    for row, value in enumerate(column.values):
        values.iat[row] = value
    return values


def merge_rows(row_count: int, pieces: Sequence[tuple[Sequence[int], FeatureColumn]], name: str) -> FeatureColumn:
    """One column of N rows from the columns of sub-requests, each for some rows."""
    first = pieces[0][1]
    if len(pieces) == 1 and list(pieces[0][0]) == list(range(row_count)):
        first.name = name
        return first
    values: list[Any] = [None] * row_count
    statuses = [0] * row_count
    times = [0] * row_count
    for rows, column in pieces:
        for position, row in enumerate(rows):
            values[row] = column.values[position]
            statuses[row] = column.status_codes[position]
            times[row] = column.event_time_micros[position]
    return FeatureColumn(name, first.feature, first.value_type, values, statuses, times)


__all__ = ["FeatureColumn", "OnlineFeatures", "HAS_VALUE"]
