"""The offline store over the protocol: training sets (GET_HISTORICAL_FEATURES, docs/protocol.md
section 18) into pandas, and ingestion (INGEST, section 19) of DataFrames, Parquet and CSV files.

Columns travel as numpy arrays here: a training set of a million label rows is decoded page by
page into arrays and assembled once, never row by row."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._proto import features_pb2
from .errors import SkewlessError, StatusCode
from .values import TYPE_NAMES, decode_values, encode_values, micros_to_datetime

if TYPE_CHECKING:
    import pandas

#: Label rows per uploaded chunk, at most; fewer when string keys are long.
LABEL_CHUNK_ROWS = 262_144
#: Rows per ingestion batch, at most; fewer when rows are wide.
INGEST_BATCH_ROWS = 65_536
#: What one chunk or batch may weigh, well under the default 16 MiB frame limit.
TARGET_BYTES = 4 * 1024 * 1024
#: Label rows asked for per page (the node also keeps a page under 8 MiB).
PAGE_ROWS = 1_048_576

_STATUS_CATEGORIES = ["UNSPECIFIED", "PRESENT", "NOT_FOUND", "NULL_VALUE", "OUTSIDE_TTL", "DEFAULTED"]

_NUMPY_TYPES: dict[int, tuple[str, Any]] = {
    features_pb2.VALUE_TYPE_BOOL: ("bool_values", np.bool_),
    features_pb2.VALUE_TYPE_INT32: ("int32_values", np.int32),
    features_pb2.VALUE_TYPE_INT64: ("int64_values", np.int64),
    features_pb2.VALUE_TYPE_FLOAT: ("float_values", np.float32),
    features_pb2.VALUE_TYPE_DOUBLE: ("double_values", np.float64),
    features_pb2.VALUE_TYPE_TIMESTAMP: ("timestamp_values", np.int64),
}


@dataclass
class IngestResult:
    """What an ingestion stored: every row, in one manifest swap (all or nothing)."""

    feature_view: str
    rows: int
    segments_written: int
    #: The created time of rows that gave none: when the ingestion began.
    ingestion_time: _dt.datetime


class _Column:
    """One feature's pages, kept as arrays until the end."""

    def __init__(self, feature: str, value_type: int) -> None:
        self.feature = feature
        self.value_type = value_type
        self.statuses: list[np.ndarray] = []
        self.values: list[Any] = []

    def add(self, column: features_pb2.FeatureColumn) -> None:
        statuses = np.array(column.statuses, dtype=np.int8)
        self.statuses.append(statuses)
        numeric = _NUMPY_TYPES.get(self.value_type)
        if numeric is not None:
            self.values.append(np.array(getattr(column.values, numeric[0]), dtype=numeric[1]))
        else:
            # In a training set only PRESENT carries a value (an OUTSIDE_TTL row's is a placeholder).
            present = features_pb2.VALUE_STATUS_PRESENT
            self.values.append(decode_values(self.value_type, column.values, [present if s == present else 0 for s in statuses.tolist()]))

    def to_pandas(self) -> Any:
        import pandas as pd

        statuses = np.concatenate(self.statuses) if self.statuses else np.zeros(0, dtype=np.int8)
        missing = statuses != features_pb2.VALUE_STATUS_PRESENT
        kind = TYPE_NAMES.get(self.value_type)
        if self.value_type in _NUMPY_TYPES:
            values = np.concatenate(self.values) if self.values else np.zeros(0, dtype=_NUMPY_TYPES[self.value_type][1])
            if kind == "bool":
                return pd.arrays.BooleanArray(values, missing)
            if kind in ("int32", "int64"):
                return pd.arrays.IntegerArray(values, missing)
            if kind in ("float", "double"):
                return pd.arrays.FloatingArray(values, missing)
            times = values.astype("datetime64[us]")
            times[missing] = np.datetime64("NaT")
            return pd.DatetimeIndex(times).tz_localize("UTC")
        flat: list[Any] = [v for page in self.values for v in page]
        if kind == "string":
            return pd.array(flat, dtype="string")
        series = pd.Series([None] * len(flat), dtype=object)
        for row, value in enumerate(flat):
            if value is not None:
                series.iat[row] = value
        return series.to_numpy()

    def status_column(self) -> Any:
        import pandas as pd

        codes = np.concatenate(self.statuses) if self.statuses else np.zeros(0, dtype=np.int8)
        return pd.Categorical.from_codes(codes, categories=_STATUS_CATEGORIES)


def label_chunks(keys: dict[str, np.ndarray | list[Any]], times: np.ndarray) -> Iterator[tuple[int, int]]:
    """(start, stop) of label chunks that stay under TARGET_BYTES."""
    rows = len(times)
    per_row = 10 + sum(10 if isinstance(v, np.ndarray) and v.dtype.kind in "iu" else 24 for v in keys.values())
    for values in keys.values():
        if not (isinstance(values, np.ndarray) and values.dtype.kind in "iu") and rows:
            sample = values[: min(rows, 1000)]
            per_row += max(0, int(sum(len(str(v).encode()) for v in sample) / len(sample)) - 19)
    step = max(1, min(LABEL_CHUNK_ROWS, TARGET_BYTES // per_row))
    start = 0
    while True:
        stop = min(rows, start + step)
        yield start, stop
        if stop >= rows:
            return
        start = stop


def key_column(request_entities: Any, name: str, values: np.ndarray | list[Any]) -> None:
    """Adds an EntityKeyColumn: int64 for integer keys, string for str keys."""
    column = request_entities.add(join_key=name)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        column.int64_values.extend(values.astype(np.int64, copy=False).tolist())
        return
    plain = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if plain and all(isinstance(v, str) for v in plain):
        column.string_values.extend(plain)
    elif all(isinstance(v, int) and not isinstance(v, bool) for v in plain):
        column.int64_values.extend(plain)
    else:
        bad = next(v for v in plain if not (isinstance(v, (int, str)) and not isinstance(v, bool)))
        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"join key '{name}' holds {bad!r} ({type(bad).__name__}): keys are int (int64) or str (string)")


def time_array(values: Any, what: str) -> np.ndarray:
    """A column of times as int64 microseconds since the epoch. Datetimes (naive ones are
    UTC) and ISO-8601 strings are converted; integers are taken as microseconds, as
    `fsctl ingest` and `fsctl historical` read them (the node refuses values that look like
    seconds, milliseconds or nanoseconds)."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.dtype.kind in "iu":
        ints: np.ndarray = series.to_numpy(dtype=np.int64)
        return ints
    if series.dtype.kind == "f":
        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{what}: times are datetimes, ISO-8601 strings or integer microseconds, not floats")
    try:
        converted = pd.to_datetime(series, utc=True, format="ISO8601") if series.dtype == object else series
        if getattr(converted.dt, "tz", None) is None:
            converted = converted.dt.tz_localize("UTC")
    except (ValueError, TypeError, AttributeError) as error:
        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{what}: {error}") from error
    if converted.isna().any():
        row = int(np.flatnonzero(converted.isna().to_numpy())[0])
        raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"{what}: row {row} has no time")
    micros: np.ndarray = converted.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]").astype(np.int64)
    return micros


def read_pages(
    pages: Iterator[features_pb2.GetHistoricalFeaturesResponse],
) -> tuple[list[_Column], dict[str, list[np.ndarray]], list[str]]:
    """Every page of a query's answer, as arrays per feature and per view."""
    columns: list[_Column] = []
    views: dict[str, list[np.ndarray]] = {}
    warnings: list[str] = []
    for page in pages:
        warnings.extend(page.warnings)
        if not columns:
            columns = [_Column(c.feature, c.type) for c in page.features]
        for column, answer in zip(columns, page.features):
            column.add(answer)
        for view in page.views:
            views.setdefault(view.feature_view, []).append(np.array(view.event_time_micros, dtype=np.int64))
    return columns, views, warnings


def training_frame(labels: pandas.DataFrame, columns: list[_Column], views: dict[str, list[np.ndarray]], status: bool) -> pandas.DataFrame:
    """The label rows as given, then per feature its values (named by field, or view__field
    when two views share the field name) and `NAME__status`, then per view `VIEW__event_time`
    (`VIEW@N__event_time` when two versions are in the set): the columns of `fsctl historical`."""
    import pandas as pd

    out = {str(name): labels[name].to_numpy() for name in labels.columns}
    fields = [c.feature.partition(":")[2] for c in columns]
    for column, field in zip(columns, fields):
        view = column.feature.partition(":")[0].partition("@")[0]
        name = f"{view}__{field}" if fields.count(field) > 1 else field
        out[name] = column.to_pandas()
        if status:
            out[f"{name}__status"] = column.status_column()
    names = [v.partition("@")[0] for v in views]
    for view, pieces in views.items():
        plain = view.partition("@")[0]
        times = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        stamps = times.astype("datetime64[us]")
        stamps[times == 0] = np.datetime64("NaT")
        out[f"{view if names.count(plain) > 1 else plain}__event_time"] = pd.DatetimeIndex(stamps).tz_localize("UTC")
    return pd.DataFrame(out, index=labels.index)


def ingest_batches(frame: pandas.DataFrame, rows_per_batch: int) -> Iterator[pandas.DataFrame]:
    for start in range(0, len(frame), rows_per_batch):
        yield frame.iloc[start : start + rows_per_batch]


def batch_rows_for(frame: pandas.DataFrame) -> int:
    """Rows per ingestion batch for rows like `frame`'s: under TARGET_BYTES."""
    sample = frame.head(256)
    per_row = 32
    for name in sample.columns:
        series = sample[name]
        if series.dtype.kind in "biuf" or str(series.dtype).startswith("datetime"):
            per_row += 10
        elif len(series):
            per_row += 8 + int(sum(_weight(v) for v in series) / len(series))
    return max(1, min(INGEST_BATCH_ROWS, TARGET_BYTES // per_row))


def _weight(value: Any) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 8
    if isinstance(value, (list, tuple)):
        return 10 * len(value) + 4
    return 10


def encode_frame_column(value_type: int, dimension: int, series: Any, field: str) -> tuple[features_pb2.ValueColumn, list[int]]:
    """A DataFrame column as a ValueColumn and its null rows: numeric columns in one step,
    others value by value."""
    import pandas as pd

    numeric = _NUMPY_TYPES.get(value_type)
    if numeric is not None and value_type != features_pb2.VALUE_TYPE_TIMESTAMP and series.dtype.kind in ("b" if numeric[1] is np.bool_ else "iuf"):
        mask = series.isna().to_numpy()
        null_rows = np.flatnonzero(mask).tolist()
        array = series.to_numpy(dtype=np.float64 if series.dtype.kind == "f" else None, na_value=0) if mask.any() else series.to_numpy()
        if numeric[1] in (np.int32, np.int64) and series.dtype.kind == "f":
            finite = array[~mask]
            if not np.all(np.mod(finite, 1) == 0):
                row = int(np.flatnonzero((np.mod(array, 1) != 0) & ~mask)[0])
                raise ValueError(f"field '{field}' ({TYPE_NAMES[value_type]}), row {row}: {array[row]!r} is not an integer")
        column = features_pb2.ValueColumn()
        getattr(column, numeric[0]).extend(array.astype(numeric[1]).tolist())
        return column, null_rows
    if value_type == features_pb2.VALUE_TYPE_TIMESTAMP and str(series.dtype).startswith("datetime64"):
        mask = series.isna().to_numpy()
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        micros = utc.to_numpy(dtype="datetime64[us]").astype(np.int64)
        micros[mask] = 0
        column = features_pb2.ValueColumn()
        column.timestamp_values.extend(micros.tolist())
        return column, np.flatnonzero(mask).tolist()
    values = series.tolist() if isinstance(series, pd.Series) else list(series)
    return encode_values(value_type, dimension, [v.item() if isinstance(v, np.generic) else v for v in values], field)


def read_table(source: str | os.PathLike[str], batch_rows: int = INGEST_BATCH_ROWS) -> Iterator[pandas.DataFrame]:
    """A Parquet file (.parquet, .pq) or a CSV file, in DataFrames of at most `batch_rows`
    rows, through pyarrow: the file is never read whole."""
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=batch_rows):
                yield batch.to_pandas()
        return
    if suffix in (".csv", ".tsv", ".txt"):
        import pyarrow.csv as pacsv

        options = pacsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
        # As fsctl ingest reads CSV: an empty unquoted cell is null, a quoted "" an empty string.
        convert = pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=False)
        reader = pacsv.open_csv(path, parse_options=options, read_options=pacsv.ReadOptions(block_size=TARGET_BYTES), convert_options=convert)
        for batch in reader:
            frame = batch.to_pandas()
            for start in range(0, len(frame), batch_rows):
                yield frame.iloc[start : start + batch_rows]
        return
    raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"cannot tell the format of '{path}' from its name: ingest reads .parquet, .pq, .csv and .tsv files, or a DataFrame")


def micros_datetime(micros: int) -> _dt.datetime:
    return micros_to_datetime(micros)


__all__ = ["IngestResult", "Sequence"]
