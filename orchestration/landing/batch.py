"""Read many landing files of one entity and format in one DuckDB statement.

One statement per file cost more than the reading itself on a demo landing (1,724 files, most a
few hundred kilobytes): each file paid a JSON key scan, a transaction and its commit, an insert
and its ledger row. Here an entity's new files are grouped by layout (the same column names as
written, and for Parquet the same types), and each group is read with DuckDB's multi-file
readers, which name each row's file (`filename`), so rows keep their file's id, path, export day
and row number exactly as a one-file read gives them.

Row numbers: a text file's rows are numbered in the order they are read (`row_number() over ()`
with insertion order preserved, as for one file); DuckDB's multi-file scans emit the files in
list order, each file's rows together, so a row's number in its file is its number in the scan
less the number of the file's first row, plus one. Parquet numbers its rows itself.

A file whose reading fails must be rejected with the reason a read of it alone gives, so this
module only reads; the loader falls back to one file at a time when a batch fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.landing.contract import MAX_JSON_LINE_BYTES, Entity
from orchestration.landing.discovery import LandingFile
from orchestration.landing.reading import (
    Rejected,
    check_required,
    csv_header,
    quoted,
    row_selects,
    sql_string,
)

# DuckDB's multi-file readers add a column with this name; a Parquet file having its own column
# of that name is read alone.
FILENAME = "filename"


@dataclass(frozen=True)
class BatchFile:
    landing_file: LandingFile
    file_id: str
    size: int

    @property
    def path(self) -> str:
        return str(self.landing_file.path)


# A batch's files are read together and its rows inserted before the commit: bounding its bytes
# bounds the memory a batch needs (its text rows are numbered in one window).
BATCH_BYTES = 64 * 1024 * 1024
BATCH_FILES = 500


def batches(files: list[BatchFile]):
    """The files in order, in batches of at most BATCH_BYTES and BATCH_FILES."""
    chunk, size = [], 0
    for f in files:
        if chunk and (size + f.size > BATCH_BYTES or len(chunk) == BATCH_FILES):
            yield chunk
            chunk, size = [], 0
        chunk.append(f)
        size += f.size
    if chunk:
        yield chunk


def rows_by_path(con, table: str, files: list[BatchFile], loaded_at) -> dict[str, int]:
    """Rows each file of a batch inserted (its content is new, so its id names only them)."""
    return dict(
        con.execute(
            f"""select _file_path, count(*) from {table}
                where _loaded_at = ? and _file_id in (select unnest(?::varchar[]))
                group by _file_path""",
            [loaded_at, [f.file_id for f in files]],
        ).fetchall()
    )


@dataclass
class Layouts:
    """A batch's files by layout, and the files that are not read in a batch."""

    groups: dict[tuple, list[BatchFile]]  # layout (column names as written, ...) -> its files
    rejected: dict[str, str]  # path -> why the whole file breaks the contract (read ok)
    alone: list[BatchFile]  # read one at a time, for a reason only a read of it alone gives


def layouts(
    con: duckdb.DuckDBPyConnection, entity: Entity, suffix: str, files: list[BatchFile]
) -> Layouts:
    """Each file's column names as written, grouped; raises duckdb.Error when one is unreadable."""
    found = Layouts({}, {}, [])
    jsonl_names: dict[str, list[str]] = {}
    if suffix == ".jsonl":
        jsonl_names, alone = _jsonl_keys(con, files)
        found.alone.extend(alone)
    for batch_file in files:
        if batch_file in found.alone:
            continue
        try:
            layout = _layout(con, suffix, batch_file, jsonl_names)
            check_required(list(layout[0]), entity)
        except Rejected as rejection:
            found.rejected[batch_file.path] = str(rejection)
            continue
        if suffix == ".parquet" and FILENAME in {n.lower() for n in layout[0]}:
            found.alone.append(batch_file)
            continue
        found.groups.setdefault(layout, []).append(batch_file)
    return found


def _layout(con, suffix: str, batch_file: BatchFile, jsonl_names: dict) -> tuple:
    if suffix == ".jsonl":
        return (tuple(jsonl_names.get(batch_file.path, ())),)
    if suffix == ".csv":
        return (tuple(csv_header(batch_file.landing_file.path)),)
    described = con.execute(
        f"describe select * from read_parquet({sql_string(batch_file.path)})"
    ).fetchall()
    return tuple(row[0] for row in described), tuple(row[1] for row in described)


def _jsonl_keys(con, files: list[BatchFile]) -> tuple[dict[str, list[str]], list[BatchFile]]:
    """Every file's keys (the union over its objects), in one scan of all of them. A file with a
    line that is not an object is left to a read of it alone, which names the line.

    A file's objects share a few key lists, so the distinct lists are gathered before they are
    flattened: a quarter less CPU on the demo's message files than gathering one per line."""
    rows = con.execute(
        f"""
        select
            filename,
            count(*) filter (where json_type(json) <> 'OBJECT'),
            list_sort(list_distinct(flatten(
                list(distinct json_keys(json)) filter (where json_type(json) = 'OBJECT')
            )))
        from {_jsonl_relation(files)}
        group by filename
        """
    ).fetchall()
    names = {path: keys or [] for path, _, keys in rows}
    not_objects = {path for path, bad, _ in rows if bad}
    return names, [f for f in files if f.path in not_objects]


def _jsonl_relation(files: list[BatchFile]) -> str:
    return (
        f"read_json_objects({_path_list(files)}, format = 'newline_delimited',"
        f" maximum_object_size = {MAX_JSON_LINE_BYTES}, filename = true)"
    )


def insert_group(
    con: duckdb.DuckDBPyConnection,
    table: str,
    entity: Entity,
    suffix: str,
    layout: tuple,
    files: list[BatchFile],
    loaded_at,
) -> None:
    """Insert the rows of files sharing one layout, each row naming its file, in one statement."""
    names = list(layout[0])
    values, relation, numbers_rows = _source(suffix, names, files)
    selects, extra_json = row_selects(names, values, entity)
    row_number = (
        "file_row_number + 1"
        if numbers_rows
        else "_scan_row - min(_scan_row) over (partition by filename) + 1"
    )
    # Parquet's own numbering lets its scan run out of order in parallel; text needs it kept.
    con.execute(f"set preserve_insertion_order = {str(not numbers_rows).lower()}")
    con.execute(
        f"""
        insert into {table}
        with scan as (select *, row_number() over () as _scan_row from {relation})
        select
            {", ".join(selects)},
            {extra_json} as _extra,
            landed._landing_file_id as _file_id,
            landed._landing_file_path as _file_path,
            {row_number} as _row_number,
            landed._landing_export_date as _export_date,
            cast(? as timestamp) as _loaded_at
        from scan
        join (
            select
                unnest(?::varchar[]) as filename,
                unnest(?::varchar[]) as _landing_file_id,
                unnest(?::varchar[]) as _landing_file_path,
                unnest(?::date[]) as _landing_export_date
        ) as landed using (filename)
        """,
        [
            loaded_at,
            [f.path for f in files],
            [f.file_id for f in files],
            [f.landing_file.relative_path for f in files],
            [_day(f) for f in files],
        ],
    )


def _source(suffix: str, names: list[str], files: list[BatchFile]) -> tuple[list[str], str, bool]:
    """(an SQL expression reading each column as text, the FROM clause, whether it numbers rows),
    read by position (CSV) or exact key (JSONL) as `reading.read_source` reads one file."""
    paths = _path_list(files)
    if suffix == ".jsonl":
        pointers = ", ".join(
            sql_string("/" + k.replace("~", "~0").replace("/", "~1")) for k in names
        )
        record = f"json_extract_string(json, [{pointers}]) as record, " if names else ""
        relation = f"(select {record}filename from {_jsonl_relation(files)})"
        return [f"record[{i}]" for i in range(1, len(names) + 1)], relation, False
    if suffix == ".csv":
        positional = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
        relation = (
            f"read_csv({paths}, header = true, delim = ',', quote = '\"', escape = '\"',"
            f" auto_detect = false, columns = {{{positional}}}, strict_mode = true,"
            " null_padding = false, filename = true)"
        )
        return [f"c{i}" for i in range(len(names))], relation, False
    relation = f"read_parquet({paths}, file_row_number = true, filename = true)"
    return [f"cast({quoted(c)} as varchar)" for c in names], relation, True


def _path_list(files: list[BatchFile]) -> str:
    return "[" + ", ".join(sql_string(f.path) for f in files) + "]"


def _day(batch_file: BatchFile) -> date | None:
    return batch_file.landing_file.export_date
