"""Load landing files into the raw schema, one file at a time, idempotently.

Every file found under `<landing>/<entity>/<YYYY-MM-DD>/` gets a row in `raw._load_ledger`:
loaded (with its row count), rejected (with a reason naming the file and what is wrong) or
duplicate (the same bytes already loaded under another name). A file whose content was already
loaded is skipped, so loading the same landing folder twice changes nothing.

Raw tables keep every contract column as text (dbt's staging does the typing, so a bad value is
set aside with a reason instead of failing the load), keep columns outside the contract in
`_extra` as a JSON object, and record where each row came from. Finding the files is
`discovery`'s job and reading each format `reading`'s; this module keeps the ledger and inserts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.landing.contract import ENTITIES, Entity
from orchestration.landing.discovery import LandingFile, discover
from orchestration.landing.reading import (
    Rejected,
    contract_columns,
    quoted,
    read_source,
    sql_string,
)

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._load_ledger"


@dataclass(frozen=True)
class FileLoad:
    file_path: str
    entity: str
    export_date: date | None
    status: str  # loaded | rejected | duplicate | skipped (already in the ledger)
    rows_loaded: int
    reason: str | None


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
    except Rejected as rejection:
        con.execute("rollback")
        result = record("rejected", 0, f"{path}: {rejection}")
    except duckdb.Error as error:
        con.execute("rollback")
        result = record("rejected", 0, f"{path}: cannot be parsed: {_parse_error(error)}")
    return result


def _insert_rows(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, entity: Entity, file_id: str
) -> int:
    if landing_file.path.stat().st_size == 0:
        return 0
    source = read_source(con, landing_file)
    columns = contract_columns(source.names, entity)
    missing = sorted(c for c in entity.required if c not in columns)
    if missing:
        raise Rejected(f"missing required column(s): {', '.join(missing)}")

    selects = [
        f"{source.values[columns[c]]} as {quoted(c)}"
        if c in columns
        else f"cast(null as varchar) as {quoted(c)}"
        for c in entity.columns
    ]
    # Columns outside the contract keep their names exactly as written (JSON keys are case
    # sensitive, so `Message_ID` beside `message_id` is a key of its own).
    extras = [i for i in range(len(source.names)) if i not in columns.values()]
    extra_json = (
        "json_object("
        + ", ".join(f"{sql_string(source.names[i])}, {source.values[i]}" for i in extras)
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
            {", ".join(selects)},
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
