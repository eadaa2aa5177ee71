"""Load landing files into the raw schema, one file at a time, idempotently.

Every file found under `<landing>/<entity>/<YYYY-MM-DD>/` gets a row in `raw._load_ledger`:
loaded (with its row count), rejected (with a reason naming the file and what is wrong) or
duplicate (the same bytes already loaded under another name). A file whose content was already
loaded is skipped, so loading the same landing folder twice changes nothing.

Raw tables keep every contract column as text (dbt's staging does the typing, so a bad value is
set aside with a reason instead of failing the load), keep columns outside the contract in
`_extra` as a JSON object, and record where each row came from.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.landing.contract import ENTITIES, LANDING_FORMATS, MAX_JSON_LINE_BYTES, Entity

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._load_ledger"
_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    entity: str
    export_date: date | None
    problem: str | None = None  # set when the file's place in the landing tree is wrong
    readable: bool = True  # False: rejected without opening it (a link out, a linked folder)


@dataclass(frozen=True)
class FileLoad:
    file_path: str
    entity: str
    export_date: date | None
    status: str  # loaded | rejected | duplicate | skipped (already in the ledger)
    rows_loaded: int
    reason: str | None


def discover(landing: Path) -> list[LandingFile]:
    """Every entry under the landing root, with its entity and export day, in a stable order.

    Links are not followed into folders, and a file is read only when its real path is inside
    the landing root: a linked folder and a link leading elsewhere are listed (so the ledger
    records their rejection) but never opened.
    """
    landing = Path(landing)
    root = landing.resolve()
    found = []
    for folder, subfolders, names in os.walk(landing):  # does not descend into linked folders
        folder_path = Path(folder)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in list(subfolders):
            if (folder_path / name).is_symlink():
                subfolders.remove(name)
                found.append(_landing_entry(landing, folder_path / name, root, linked_folder=True))
        for name in names:
            if not name.startswith("."):  # editor and OS droppings, not exports
                found.append(_landing_entry(landing, folder_path / name, root))
    return sorted(found, key=lambda f: f.relative_path)


def _landing_entry(
    landing: Path, path: Path, root: Path, linked_folder: bool = False
) -> LandingFile:
    relative = path.relative_to(landing)
    parts = relative.parts
    entity = parts[0] if len(parts) > 1 else ""
    # A file's day is its folder; a linked day folder is recorded under its own day.
    day_part = parts[1] if len(parts) == (2 if linked_folder else 3) else None
    day = _parse_day(day_part) if day_part else None
    unsafe = _unsafe(path, root, linked_folder)
    if unsafe:
        return LandingFile(path, relative.as_posix(), entity, day, unsafe, readable=False)
    problem = None
    if len(parts) != 3:
        problem = "not in <entity>/<YYYY-MM-DD>/<file>"
    elif entity not in ENTITIES:
        problem = f"unknown entity folder '{entity}'"
    elif day is None:
        problem = f"export day folder '{parts[1]}' is not a YYYY-MM-DD date"
    elif path.suffix.lower() not in LANDING_FORMATS:
        problem = f"unsupported format '{path.suffix}' (expected .jsonl, .csv or .parquet)"
    return LandingFile(path, relative.as_posix(), entity, day, problem)


def _unsafe(path: Path, root: Path, linked_folder: bool) -> str | None:
    """Why the entry must not be opened at all, or None when reading it is safe."""
    if linked_folder:
        return f"is a link to the folder {path.resolve()}; linked folders are not followed"
    real = path.resolve()
    if not real.is_relative_to(root):
        return f"is a link to {real}, outside the landing root; it is not read"
    if not real.is_file():  # a dangling link, a pipe, a device: nothing to load, may block
        return "is not a regular file"
    return None


def _parse_day(text: str) -> date | None:
    if not _DAY_FOLDER.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger and one raw table per entity, so every dbt source exists from day one."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(
        f"""
        create table if not exists {LEDGER} (
            file_id varchar not null,
            file_path varchar not null,
            entity varchar,
            export_date date,
            file_format varchar,
            file_bytes bigint,
            rows_loaded bigint,
            status varchar not null,
            reason varchar,
            loaded_at timestamp not null,
            load_id varchar,
            primary key (file_id, file_path)
        )
        """
    )
    # Ledgers written before load_id existed gain the column instead of breaking the insert.
    con.execute(f"alter table {LEDGER} add column if not exists load_id varchar")
    for entity in ENTITIES.values():
        columns = ", ".join(f'"{c}" varchar' for c in entity.columns)
        con.execute(
            f"""
            create table if not exists {RAW_SCHEMA}.{entity.name} (
                {columns},
                _extra varchar,
                _file_id varchar not null,
                _file_path varchar not null,
                _row_number bigint not null,
                _export_date date not null,
                _loaded_at timestamp not null
            )
            """
        )


def load_landing(
    landing: Path,
    warehouse: Path,
    export_dates: Iterable[date] | None = None,
    entities: Iterable[str] | None = None,
    progress: Callable[[FileLoad, int, int], None] | None = None,
    load_id: str | None = None,
) -> list[FileLoad]:
    """Load every new file under `landing` (optionally only some days or entities).

    `load_id` (the Dagster run id, say) is written to each ledger row this call adds.
    """
    landing = Path(landing)
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    files = discover(landing)
    if export_dates is not None:
        wanted_days = set(export_dates)
        # A misplaced file has no day; whichever load sees it first records its rejection.
        files = [f for f in files if f.export_date in wanted_days or f.export_date is None]
    if entities is not None:
        wanted_entities = set(entities)
        files = [f for f in files if f.entity in wanted_entities or f.entity not in ENTITIES]

    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    results = []
    with duckdb.connect(str(warehouse)) as con:
        con.execute("set TimeZone = 'UTC'")
        ensure_raw_schema(con)
        for done, landing_file in enumerate(files, start=1):
            result = _load_file(con, landing_file, load_id)
            results.append(result)
            if progress:
                progress(result, done, len(files))
    return results


def _load_file(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, load_id: str | None
) -> FileLoad:
    path = landing_file.relative_path
    # An entry that must not be opened is measured by its own link, and named by its path.
    size = (
        landing_file.path.stat() if landing_file.readable else landing_file.path.lstat()
    ).st_size
    # Landed files are immutable, so a path already in the ledger with the same size is done;
    # this spares hashing every file again on every hourly refresh.
    if con.execute(
        f"select 1 from {LEDGER} where file_path = ? and file_bytes = ?", [path, size]
    ).fetchone():
        return FileLoad(path, landing_file.entity, landing_file.export_date, "skipped", 0, None)
    file_id = _sha256(landing_file.path) if landing_file.readable else _unread_id(path)
    already = con.execute(
        f"select file_path from {LEDGER} where file_id = ? order by loaded_at, file_path", [file_id]
    ).fetchall()
    if path in {row[0] for row in already}:
        return FileLoad(path, landing_file.entity, landing_file.export_date, "skipped", 0, None)

    def record(status: str, rows: int, reason: str | None) -> FileLoad:
        con.execute(
            f"""insert into {LEDGER} (file_id, file_path, entity, export_date, file_format,
                file_bytes, rows_loaded, status, reason, loaded_at, load_id)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                file_id,
                path,
                landing_file.entity or None,
                landing_file.export_date,
                landing_file.path.suffix.lower().lstrip(".") or None,
                size,
                rows,
                status,
                reason,
                _utc_now(),
                load_id,
            ],
        )
        return FileLoad(path, landing_file.entity, landing_file.export_date, status, rows, reason)

    if already:
        return record("duplicate", 0, f"same content as {already[0][0]}, already loaded")
    if landing_file.problem:
        return record("rejected", 0, f"{path}: {landing_file.problem}")

    entity = ENTITIES[landing_file.entity]
    con.execute("begin transaction")
    try:
        rows = _insert_rows(con, landing_file, entity, file_id)
        result = record("loaded", rows, None)
        con.execute("commit")
    except _Rejected as rejection:
        con.execute("rollback")
        result = record("rejected", 0, f"{path}: {rejection}")
    except duckdb.Error as error:
        con.execute("rollback")
        result = record("rejected", 0, f"{path}: cannot be parsed: {_parse_error(error)}")
    return result


class _Rejected(Exception):
    """The file is readable but breaks the contract as a whole."""


def _insert_rows(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, entity: Entity, file_id: str
) -> int:
    if landing_file.path.stat().st_size == 0:
        return 0
    source = _read_source(con, landing_file)
    columns = _contract_columns(source.names, entity)
    missing = sorted(c for c in entity.required if c not in columns)
    if missing:
        raise _Rejected(f"missing required column(s): {', '.join(missing)}")

    contract_columns = [
        f"{source.values[columns[c]]} as {_quoted(c)}"
        if c in columns
        else f"cast(null as varchar) as {_quoted(c)}"
        for c in entity.columns
    ]
    # Columns outside the contract keep their names exactly as written (JSON keys are case
    # sensitive, so `Message_ID` beside `message_id` is a key of its own).
    extras = [i for i in range(len(source.names)) if i not in columns.values()]
    extra_json = (
        "json_object("
        + ", ".join(f"{_sql_string(source.names[i])}, {source.values[i]}" for i in extras)
        + ")::varchar"
        if extras
        else "cast(null as varchar)"
    )
    # Parquet numbers its rows itself, so its scan may run out of order in parallel; text
    # formats are numbered by row_number() over the scan, which needs the file's order kept.
    con.execute(f"set preserve_insertion_order = {str(not source.numbers_rows).lower()}")
    row_number = "file_row_number + 1" if source.numbers_rows else "row_number() over ()"
    inserted = con.execute(
        f"""
        insert into {RAW_SCHEMA}.{entity.name}
        select
            {", ".join(contract_columns)},
            {extra_json} as _extra,
            ? as _file_id,
            ? as _file_path,
            {row_number} as _row_number,
            cast(? as date) as _export_date,
            cast(? as timestamp) as _loaded_at
        from {source.relation}
        """,
        [file_id, landing_file.relative_path, landing_file.export_date, _utc_now()],
    )
    return inserted.fetchone()[0]


def _contract_columns(names: list[str], entity: Entity) -> dict[str, int]:
    """Contract column -> position of the file column holding it.

    Names match ignoring case and surrounding spaces; when several do, the exact name wins,
    else the first in the file, so the choice never depends on anything but the file.
    """
    chosen: dict[str, int] = {}
    for position, name in enumerate(names):
        contract_name = name.strip().lower()
        if contract_name not in entity.columns:
            continue
        current = chosen.get(contract_name)
        if current is None or (name == contract_name and names[current] != contract_name):
            chosen[contract_name] = position
    return chosen


@dataclass(frozen=True)
class _Source:
    names: list[str]  # the file's column names (keys), exactly as written
    values: list[str]  # an SQL expression reading each column as text
    relation: str  # the FROM clause
    numbers_rows: bool  # the relation has file_row_number (0-based)


def _read_source(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> _Source:
    """How to read a file: its column names as written and an expression for each.

    Columns are read by position (CSV) or by exact key (JSONL), never by a SQL identifier,
    because identifiers ignore case and two names differing only by case would collide.
    """
    path = _sql_string(landing_file.path)
    suffix = landing_file.path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_source(con, path)
    if suffix == ".csv":
        names = _csv_header(landing_file.path)
        positional = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
        # No sniffing: the contract fixes the dialect, and a row that breaks it is reported
        # with its line instead of as a dialect the sniffer could not guess.
        relation = (
            f"read_csv({path}, header = true, delim = ',', quote = '\"', escape = '\"',"
            f" auto_detect = false, columns = {{{positional}}}, strict_mode = true,"
            " null_padding = false)"
        )
        return _Source(names, [f"c{i}" for i in range(len(names))], relation, False)
    relation = f"read_parquet({path}, file_row_number = true)"
    names = [c for c in con.sql(f"select * from {relation} limit 0").columns]
    names = [c for c in names if c != "file_row_number"]  # the reader's, not the file's
    return _Source(names, [f"cast({_quoted(c)} as varchar)" for c in names], relation, True)


def _jsonl_source(con: duckdb.DuckDBPyConnection, path: str) -> _Source:
    relation = (
        f"read_json_objects({path}, format = 'newline_delimited',"
        f" maximum_object_size = {MAX_JSON_LINE_BYTES})"
    )
    # Keys can differ line to line, so the column set is the union of every object's keys.
    first_non_object, kind, keys = con.execute(
        f"""
        with lines as (
            select row_number() over () as line, json_type(json) as kind, json from {relation}
        )
        select
            min(line) filter (where kind <> 'OBJECT'),
            arg_min(kind, line) filter (where kind <> 'OBJECT'),
            list_sort(list_distinct(flatten(list(json_keys(json)) filter (where kind = 'OBJECT'))))
        from lines
        """
    ).fetchone()
    if first_non_object is not None:
        raise _Rejected(f"line {first_non_object}: Expected OBJECT, found {kind}")
    keys = keys or []
    if not keys:
        return _Source([], [], relation, False)
    # One extraction of every key at once (each line parsed once); a JSON pointer names one key
    # exactly, whatever its case or characters.
    pointers = ", ".join(_sql_string("/" + k.replace("~", "~0").replace("/", "~1")) for k in keys)
    relation = f"(select json_extract_string(json, [{pointers}]) as record from {relation})"
    values = [f"record[{i}]" for i in range(1, len(keys) + 1)]
    return _Source(keys, values, relation, False)


def _csv_header(path: Path) -> list[str]:
    """The header row as written (RFC 4180 quoting), read before DuckDB sees the file."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            return []
        except (csv.Error, UnicodeDecodeError) as error:
            raise _Rejected(f"line 1: the header cannot be read: {error}") from error


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _unread_id(relative_path: str) -> str:
    """The ledger id of an entry rejected without reading it: its path, not its content."""
    return "unread:" + hashlib.sha256(relative_path.encode()).hexdigest()


def _parse_error(error: duckdb.Error) -> str:
    """DuckDB's reason, with the line it names; never the line's content (it may hold PII)."""
    text = str(error).strip()
    csv_line = re.search(r"CSV Error on Line: (\d+)", text)
    if csv_line:
        detail = [ln for ln in text.splitlines() if ln.startswith("Expected Number of Columns")]
        return f"line {csv_line.group(1)}: " + (detail[0] if detail else _first_line(error))
    return _first_line(error)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:500]


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
