"""Columnar row sets and the landing-file writers (JSONL, CSV, Parquet), all vectorized.

A ``Frame`` holds an entity's rows as numeric numpy arrays (ids as integers, timestamps as
epoch seconds, enums as codes into small string tables). Strings are only built per export-day
slice when a file is written, with numpy byte matrices turned into Arrow string arrays without
a Python loop per row. Everything here is deterministic: no clocks, no threads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DAY = 86_400
_LUT = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_NULL_STR = pa.scalar(None, pa.string())


_LUT2 = np.array([[48 + a, 48 + b] for a in range(10) for b in range(10)], dtype=np.uint8)
_HEX2 = np.array([[_LUT[a], _LUT[b]] for a in range(16) for b in range(16)], dtype=np.uint8)


def _digits(vals: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as an (n, width) uint8 matrix."""
    v = vals.astype(np.int64, copy=True)
    out = np.empty((len(v), width), dtype=np.uint8)
    i = width
    while i >= 2:
        v, r = np.divmod(v, 100)
        out[:, i - 2 : i] = _LUT2[r]
        i -= 2
    if i == 1:
        out[:, 0] = _LUT[v % 10]
    return out


# 4 hex digits of every 16-bit value (built at import: worker threads share it read-only)
_HEX4 = np.concatenate([_HEX2[np.arange(65536) >> 8], _HEX2[np.arange(65536) & 255]], axis=1)


def _hex16(vals: np.ndarray) -> np.ndarray:
    """16 lower-case hex digits of uint64 values as an (n, 16) uint8 matrix."""
    b = vals.astype(">u8").view(">u2").astype(np.intp).reshape(len(vals), 4)
    return _HEX4[b].reshape(len(vals), 16)


def fixed_strings(pieces: list, n: int) -> pa.StringArray:
    """Concatenate literal byte strings and (n, w) uint8 digit matrices into one string array."""
    widths = [len(p) if isinstance(p, bytes) else p.shape[1] for p in pieces]
    total = sum(widths)
    buf = np.empty((n, total), dtype=np.uint8)
    pos = 0
    for p, w in zip(pieces, widths, strict=True):
        if isinstance(p, bytes):
            buf[:, pos : pos + w] = np.frombuffer(p, dtype=np.uint8)
        else:
            buf[:, pos : pos + w] = p
        pos += w
    offsets = np.arange(0, (n + 1) * total, total, dtype=np.int32) if n else np.zeros(1, np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1)))


def _mask_nulls(arr: pa.Array, null: np.ndarray | None) -> pa.Array:
    if null is None or not null.any():
        return arr
    return pc.if_else(pa.array(~null), arr, pa.scalar(None, arr.type))


def _civil(days: np.ndarray):
    d64 = days.astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    y = months.astype(np.int64) // 12 + 1970
    m = months.astype(np.int64) % 12 + 1
    d = (d64 - months).astype(np.int64) + 1
    return y, m, d


def _sod_table() -> np.ndarray:
    """'HH:MM:SS' for every second of a day, as an (86400, 8) uint8 matrix."""
    sod = np.arange(DAY)
    hh, rem = np.divmod(sod, 3600)
    mi, ss = np.divmod(rem, 60)
    colon = np.full((DAY, 1), ord(":"), np.uint8)
    return np.concatenate([_LUT2[hh], colon, _LUT2[mi], colon, _LUT2[ss]], axis=1)


_SOD = _sod_table()


def _iso_matrix(epoch: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DDTHH:MM:SS' of epoch seconds as an (n, 19) uint8 matrix."""
    days, sod = np.divmod(epoch.astype(np.int64), DAY)
    d0 = int(days.min())
    span = np.arange(d0, int(days.max()) + 1)
    y, m, d = _civil(span)
    dash = np.full((len(span), 1), ord("-"), np.uint8)
    date_tab = np.concatenate(
        [
            _digits(y, 4),
            dash,
            _LUT2[m],
            dash,
            _LUT2[d],
            np.full((len(span), 1), ord("T"), np.uint8),
        ],
        axis=1,
    )
    return np.concatenate([date_tab[days - d0], _SOD[sod]], axis=1)


def iso_strings(epoch: np.ndarray, suffix: bytes = b"Z") -> pa.StringArray:
    n = len(epoch)
    if n == 0:
        return pa.array([], pa.string())
    pieces = [_iso_matrix(epoch)]
    if suffix:
        pieces.append(suffix)
    return fixed_strings(pieces, n)


def iso_mixed(epoch: np.ndarray, style: np.ndarray, offset: np.ndarray) -> pa.StringArray:
    """ISO strings per row style: 0 'Z', 1 local time with '+hh:mm' offset, 2 naive (UTC)."""
    n = len(epoch)
    if n == 0:
        return pa.array([], pa.string())
    off = np.where(style == 1, offset, 0).astype(np.int64)
    base = _iso_matrix(epoch + off)
    sign = np.where(off < 0, ord("-"), ord("+")).astype(np.uint8)
    oh, om = np.divmod(np.abs(off) // 60, 60)
    suffix = np.concatenate(
        [sign[:, None], _LUT2[oh], np.full((n, 1), ord(":"), np.uint8), _LUT2[om]], axis=1
    )
    suffix[style == 0, 0] = ord("Z")
    widths = np.where(style == 0, 20, np.where(style == 1, 25, 19))
    mat = np.concatenate([base, suffix], axis=1)
    data = mat[np.arange(25)[None, :] < widths[:, None]]
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(widths, out=offsets[1:])
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _json_quote(arr: pa.Array) -> pa.Array:
    return pc.fill_null(pc.binary_join_element_wise('"', arr, '"', ""), "null")


# ---------------------------------------------------------------------------------- columns


class Col:
    def arrow(self, idx: np.ndarray) -> pa.Array:  # pragma: no cover - interface
        raise NotImplementedError

    def json(self, idx: np.ndarray) -> pa.Array:
        return _json_quote(self.arrow(idx))


@dataclass
class IdCol(Col):
    """Integer ids rendered as prefix + decimal, or prefix + 16 scrambled hex digits (-1 = null)."""

    ints: np.ndarray
    prefix: str
    hexed: bool = False
    offset: int = 0  # added to every id (keeps the ids of generator shards apart)

    def arrow(self, idx):
        v = self.ints[idx]
        null = v < 0
        if self.offset:
            v = np.where(null, v, v + self.offset)
        if self.hexed:
            x = v.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x1F2E3D4C5B6A7988)
            arr = fixed_strings([self.prefix.encode(), _hex16(x)], len(v))
        else:
            arr = pc.binary_join_element_wise(self.prefix, pc.cast(pa.array(v), pa.string()), "")
        return _mask_nulls(arr, null)


@dataclass
class TsCol(Col):
    """Epoch seconds rendered ISO-8601: style 0 = 'Z', 1 = local offset (+-hh:mm), 2 = naive UTC.

    ``bad`` (codes into ``bad_table``, 0 = none) replaces a value with a broken timestamp.
    """

    epoch: np.ndarray
    null: np.ndarray | None = None
    style: np.ndarray | None = None
    offset: np.ndarray | None = None
    bad: np.ndarray | None = None
    bad_table: list[str] = field(default_factory=list)

    def arrow(self, idx):
        e = self.epoch[idx]
        if self.style is None:
            arr = iso_strings(e)
        else:
            arr = iso_mixed(e, self.style[idx], self.offset[idx])
        if self.bad is not None:
            b = self.bad[idx]
            if b.any():
                table = pa.array(["", *self.bad_table])
                arr = pc.if_else(pa.array(b > 0), table.take(pa.array(b)), arr)
        null = None if self.null is None else self.null[idx]
        return _mask_nulls(arr, null)


@dataclass
class EnumCol(Col):
    """Codes into a small table of strings (None entries are nulls); also used for bodies."""

    codes: np.ndarray
    table: list

    def __post_init__(self):
        self._arr = pa.array(self.table, pa.string())
        self._json = pa.array(
            [json.dumps(t, ensure_ascii=False) if t is not None else "null" for t in self.table]
        )

        vals = [t for t in self.table if t is not None]
        pos = {v: i for i, v in enumerate(dict.fromkeys(vals))}
        self._remap = np.array([pos.get(t, -1) for t in self.table], dtype=np.int32)
        self._dict = pa.array(list(pos), pa.string())

    def arrow(self, idx):
        return self._arr.take(pa.array(self.codes[idx]))

    def arrow_dict(self, idx):
        """Dictionary-encoded (cheap for Parquet: the strings are written once per file)."""
        c = self._remap[self.codes[idx]]
        return pa.DictionaryArray.from_arrays(pa.array(c, mask=c < 0), self._dict)

    def json(self, idx):
        return self._json.take(pa.array(self.codes[idx]))


@dataclass
class IntCol(Col):
    vals: np.ndarray
    null: np.ndarray | None = None

    def arrow(self, idx):
        arr = pa.array(self.vals[idx].astype(np.int64))
        return _mask_nulls(arr, None if self.null is None else self.null[idx])

    def json(self, idx):
        return pc.fill_null(pc.cast(self.arrow(idx), pa.string()), "null")


@dataclass
class ArrowCol(Col):
    """A prebuilt Arrow string array (phones, emails, ...)."""

    arr: pa.Array

    def arrow(self, idx):
        return self.arr.take(pa.array(idx))

    def json(self, idx):
        arr = self.arrow(idx)
        if pa.types.is_string(arr.type):
            return _json_quote(arr)
        return pc.fill_null(pc.cast(arr, pa.string()), "null")


@dataclass
class PyCol(Col):
    """Small entities: plain Python values (str, int, bool or None)."""

    values: list

    def arrow(self, idx):
        vals = [self.values[i] for i in idx]
        if any(isinstance(v, bool) for v in vals):
            return pa.array(vals, pa.bool_())
        if any(isinstance(v, int) for v in vals):
            return pa.array(vals, pa.int64())
        return pa.array(vals, pa.string())

    def json(self, idx):
        return pa.array([json.dumps(self.values[i], ensure_ascii=False) for i in idx], pa.string())


@dataclass
class Frame:
    entity: str
    cols: dict[str, Col]
    export_day: np.ndarray  # day index (0 = first day of the data) of the export folder
    n: int = 0

    def __post_init__(self):
        self.n = len(self.export_day)


def py_frame(entity: str, rows: list[dict], export_day: list[int]) -> Frame:
    cols = {k: PyCol([r[k] for r in rows]) for k in rows[0]} if rows else {}
    return Frame(entity, cols, np.asarray(export_day, dtype=np.int16))


@dataclass
class ExportedRows:
    """Rows of one small entity built one by one (Python dicts), with each row's export day."""

    rows: list[dict] = field(default_factory=list)
    days: list[int] = field(default_factory=list)

    def add(self, row: dict, day: int) -> dict:
        self.rows.append(row)
        self.days.append(day)
        return row

    def frame(self, entity: str) -> Frame:
        return py_frame(entity, self.rows, self.days)


# ---------------------------------------------------------------------------------- writers


def to_table(frame: Frame, idx: np.ndarray, columns: list[str], dictionary=False) -> pa.Table:
    cols = {}
    for c in columns:
        col = frame.cols[c]
        cols[c] = col.arrow_dict(idx) if dictionary and isinstance(col, EnumCol) else col.arrow(idx)
    return pa.table(cols)


def jsonl_bytes(frame: Frame, idx: np.ndarray, columns: list[str]) -> bytes:
    if len(idx) == 0:
        return b""
    args: list = []
    for i, c in enumerate(columns):
        args.append(("{" if i == 0 else ", ") + json.dumps(c) + ": ")
        args.append(frame.cols[c].json(idx))
    args.append("}\n")
    lines = pc.binary_join_element_wise(*args, "")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(
        lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4
    )
    data = lines.buffers()[2]
    return data.to_pybytes()[offsets[0] : offsets[-1]]


def write_file(path: Path, fmt: str, frame: Frame, idx: np.ndarray, columns: list[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        path.write_bytes(jsonl_bytes(frame, idx, columns))
    elif fmt == "csv":
        table = to_table(frame, idx, columns)
        pacsv.write_csv(table, str(path), pacsv.WriteOptions(quoting_style="needed"))
    elif fmt == "parquet":
        table = to_table(frame, idx, columns, dictionary=True)
        enums = [c for c in columns if isinstance(frame.cols[c], EnumCol | IntCol)]
        pq.write_table(
            table, str(path), compression="snappy", use_dictionary=enums, write_statistics=False
        )
    else:  # pragma: no cover
        raise ValueError(fmt)
    return path.stat().st_size
