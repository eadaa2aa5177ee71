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

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.landing.contract import ENTITIES, LANDING_FORMATS, Entity

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


@dataclass(frozen=True)
class FileLoad:
    file_path: str
    entity: str
    export_date: date | None
    status: str  # loaded | rejected | duplicate | skipped (already in the ledger)
    rows_loaded: int
    reason: str | None


def discover(landing: Path) -> list[LandingFile]:
    """Every file under the landing root, with its entity and export day, in a stable order."""
    found = []
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        relative = path.relative_to(landing)
        parts = relative.parts
        if any(part.startswith(".") for part in parts):
            continue  # editor and OS droppings, not exports
        entity = parts[0] if len(parts) > 1 else ""
        day = _parse_day(parts[1]) if len(parts) == 3 else None
        problem = None
        if len(parts) != 3:
            problem = "not in <entity>/<YYYY-MM-DD>/<file>"
        elif entity not in ENTITIES:
            problem = f"unknown entity folder '{entity}'"
        elif day is None:
            problem = f"export day folder '{parts[1]}' is not a YYYY-MM-DD date"
        elif path.suffix.lower() not in LANDING_FORMATS:
            problem = f"unsupported format '{path.suffix}' (expected .jsonl, .csv or .parquet)"
        found.append(LandingFile(path, relative.as_posix(), entity, day, problem))
    return found


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
    # Landed files are immutable, so a path already in the ledger with the same size is done;
    # this spares hashing every file again on every hourly refresh.
    if con.execute(
        f"select 1 from {LEDGER} where file_path = ? and file_bytes = ?",
        [path, landing_file.path.stat().st_size],
    ).fetchone():
        return FileLoad(path, landing_file.entity, landing_file.export_date, "skipped", 0, None)
    file_id = _sha256(landing_file.path)
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
                landing_file.path.stat().st_size,
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
        result = record("rejected", 0, f"{path}: cannot be parsed: {_first_line(error)}")
    return result


class _Rejected(Exception):
    """The file is readable but breaks the contract as a whole."""


def _insert_rows(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, entity: Entity, file_id: str
) -> int:
    if landing_file.path.stat().st_size == 0:
        return 0
    file_columns = _file_columns(con, landing_file)
    by_contract_name = {}
    for column in file_columns:
        by_contract_name.setdefault(column.strip().lower(), column)
    missing = sorted(c for c in entity.required if c not in by_contract_name)
    if missing:
        raise _Rejected(f"missing required column(s): {', '.join(missing)}")

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    contract_columns = [
        f"cast({quoted(by_contract_name[c])} as varchar) as {quoted(c)}"
        if c in by_contract_name
        else f"cast(null as varchar) as {quoted(c)}"
        for c in entity.columns
    ]
    known = {by_contract_name[c] for c in entity.columns if c in by_contract_name}
    extras = [c for c in file_columns if c not in known]
    extra_json = (
        "to_json(struct_pack("
        + ", ".join(f"{quoted(c)} := cast({quoted(c)} as varchar)" for c in extras)
        + "))::varchar"
        if extras
        else "cast(null as varchar)"
    )
    # Parquet numbers its rows itself, so its scan may run out of order in parallel; text
    # formats are numbered by row_number() over the scan, which needs the file's order kept.
    is_parquet = landing_file.path.suffix.lower() == ".parquet"
    row_number = "file_row_number + 1" if is_parquet else "row_number() over ()"
    con.execute(f"set preserve_insertion_order = {str(not is_parquet).lower()}")
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
        from {_reader(landing_file, file_columns)}
        """,
        [file_id, landing_file.relative_path, landing_file.export_date, _utc_now()],
    )
    return inserted.fetchone()[0]


def _file_columns(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> list[str]:
    path = _sql_string(landing_file.path)
    suffix = landing_file.path.suffix.lower()
    if suffix == ".jsonl":
        # Keys can differ line to line, so the column set is the union of every object's keys
        # (a line that is not an object fails the load itself, which reads records only).
        keys = con.execute(
            f"""
            select distinct unnest(json_keys(json)) as key
            from read_json_objects({path}, format = 'newline_delimited')
            order by key
            """
        ).fetchall()
        return [k[0] for k in keys]
    relation = con.sql(f"select * from {_reader(landing_file, None)} limit 0")
    return [c for c in relation.columns if c != "file_row_number"]  # the reader's, not the file's


def _reader(landing_file: LandingFile, columns: list[str] | None) -> str:
    path = _sql_string(landing_file.path)
    suffix = landing_file.path.suffix.lower()
    if suffix == ".csv":
        return (
            f"read_csv({path}, header = true, delim = ',', quote = '\"', escape = '\"',"
            " all_varchar = true, strict_mode = true, null_padding = false)"
        )
    if suffix == ".parquet":
        return f"read_parquet({path}, file_row_number = true)"
    assert columns is not None, "JSONL needs its key set first"
    typed = ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in columns)
    return f"read_json({path}, format = 'newline_delimited', records = true, columns = {{{typed}}})"


def _sql_string(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:500]


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
