"""Load landing files into the raw schema, idempotently.

Every file found under `<landing>/<entity>/<YYYY-MM-DD>/` gets a row in `raw._load_ledger`:
loaded (with its row count), rejected (with a reason naming the file and what is wrong) or
duplicate (the same bytes already loaded under another name). A file whose content was already
loaded is skipped, so loading the same landing folder twice changes nothing.

Raw tables keep every contract column as text (dbt's staging does the typing, so a bad value is
set aside with a reason instead of failing the load), keep columns outside the contract in
`_extra` as a JSON object, and record where each row came from. Finding the files is
`discovery`'s job, reading one file `reading`'s and many at once `batch`'s; this module keeps
the ledger and decides what is read, together or alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import Path

import duckdb

from orchestration import warehouse_connection
from orchestration.landing.batch import BatchFile, batches, insert_group, layouts, rows_by_path
from orchestration.landing.contract import ENTITIES, Entity
from orchestration.landing.discovery import LandingFile, discover
from orchestration.landing.reading import Rejected, check_required, read_source, row_selects

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._load_ledger"
# Threads hashing new files while DuckDB inserts (hashlib lets go of the GIL as it hashes).
HASHING_THREADS = 2


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
    with warehouse_connection.connect(warehouse) as con:
        # A batch can take seconds; DuckDB's own bar would draw over the caller's progress.
        con.execute("set enable_progress_bar = false")
        ensure_raw_schema(con)
        return _Load(con, load_id, len(files), progress).run(files)


@dataclass(frozen=True)
class _Decided:
    """A file's ledger row, decided without reading its rows."""

    landing_file: LandingFile
    file_id: str
    size: int
    status: str
    rows: int
    reason: str | None


class _Load:
    """One call's load: decide what each file is from the ledger (one read of it), then read
    the new files of each entity and format in batches, one transaction per batch.

    Every ledger row and raw row of a call carries the call's time, so "the first file with this
    content" (ledger order: loaded_at, then path) is the first in landing order, as when files
    were loaded one at a time in that order.
    """

    def __init__(self, con, load_id: str | None, total: int, progress) -> None:
        self.con, self.load_id, self.total, self.progress = con, load_id, total, progress
        self.loaded_at = utc_now()
        self.results: dict[str, FileLoad] = {}

    def run(self, files: list[LandingFile]) -> list[FileLoad]:
        """Entity folder by entity folder, in landing order (so the first of two files with
        the same bytes is still the first in that order), while threads hash the new files
        ahead: hashing every new file first held up the first insert by 3.5 s at M."""
        known_sizes, paths_by_id = _ledger_state(self.con)
        # An entry that must not be opened is measured by its own link, and named by path.
        sizes = {
            f.relative_path: (f.path.stat() if f.readable else f.path.lstat()).st_size
            for f in files
        }
        # Landed files are immutable, so a path already in the ledger with the same size is
        # done; this spares hashing every file again on every hourly refresh.
        new = []
        for f in files:
            if (f.relative_path, sizes[f.relative_path]) in known_sizes:
                self._skip(f)
            else:
                new.append(f)
        with ThreadPoolExecutor(HASHING_THREADS) as pool:
            try:
                ids = {f.relative_path: pool.submit(_sha256, f.path) for f in new if f.readable}
                for _, folder in groupby(new, key=lambda f: f.relative_path.split("/")[0]):
                    decided, to_read = self._decide(list(folder), sizes, ids, paths_by_id)
                    self._record(decided)
                    for (entity, suffix), batch_files in to_read.items():
                        for chunk in batches(batch_files):
                            self._load_batch(ENTITIES[entity], suffix, chunk)
            finally:
                pool.shutdown(cancel_futures=True)
        return [self.results[f.relative_path] for f in files]

    def _decide(self, files: list[LandingFile], sizes: dict, ids: dict, paths_by_id: dict):
        """Duplicate, misplaced and empty files, and the files to read by entity and format,
        with the rules of a file-at-a-time load: the same bytes as a file already recorded (in
        the ledger or earlier in this call) are a duplicate of the first of them."""
        decided: list[_Decided] = []
        to_read: dict[tuple[str, str], list[BatchFile]] = {}
        for landing_file in files:
            path, size = landing_file.relative_path, sizes[landing_file.relative_path]
            file_id = ids[path].result() if landing_file.readable else _unread_id(path)
            same_content = paths_by_id.setdefault(file_id, [])
            if path in same_content:
                self._skip(landing_file)
                continue
            same_content.append(path)
            if len(same_content) > 1:
                reason = f"same content as {same_content[0]}, already loaded"
                decided.append(_Decided(landing_file, file_id, size, "duplicate", 0, reason))
            elif landing_file.problem:
                reason = f"{path}: {landing_file.problem}"
                decided.append(_Decided(landing_file, file_id, size, "rejected", 0, reason))
            elif size == 0:
                decided.append(_Decided(landing_file, file_id, size, "loaded", 0, None))
            else:
                key = (landing_file.entity, landing_file.path.suffix.lower())
                to_read.setdefault(key, []).append(BatchFile(landing_file, file_id, size))
        return decided, to_read

    def _load_batch(self, entity: Entity, suffix: str, files: list[BatchFile]) -> None:
        """Load files in one transaction; when DuckDB cannot read them together, split them,
        down to one file read alone, whose rejection names what is wrong with it."""
        self.con.execute("begin transaction")
        try:
            found = layouts(self.con, entity, suffix, files)
            table = f"{RAW_SCHEMA}.{entity.name}"
            for layout, group in found.groups.items():
                insert_group(self.con, table, entity, suffix, layout, group, self.loaded_at)
            rows = rows_by_path(self.con, table, files, self.loaded_at)
            done = []
            for f in files:
                if f.path in found.rejected:
                    reason = f"{f.landing_file.relative_path}: {found.rejected[f.path]}"
                    done.append(_Decided(f.landing_file, f.file_id, f.size, "rejected", 0, reason))
                elif f not in found.alone:
                    count = rows.get(f.landing_file.relative_path, 0)
                    done.append(_Decided(f.landing_file, f.file_id, f.size, "loaded", count, None))
            self._record(done)
            self.con.execute("commit")
        except duckdb.Error as error:
            self.con.execute("rollback")
            # DuckDB's error usually names the file it could not read: that one is read alone
            # and the rest again together; otherwise halves, down to single files.
            if len(files) == 1:
                self._load_alone(entity, files[0])
                return
            named = [f for f in files if f'"{f.path}"' in str(error)]
            if len(named) == 1:
                self._load_alone(entity, named[0])
                parts = [[f for f in files if f is not named[0]]]
            else:
                half = len(files) // 2
                parts = [files[:half], files[half:]]
            for part in parts:
                self._load_batch(entity, suffix, part)
            return
        for f in found.alone:
            self._load_alone(entity, f)

    def _load_alone(self, entity: Entity, batch_file: BatchFile) -> None:
        """One file read on its own, as every file was before batches: a file that cannot be
        read is rejected with DuckDB's reason for it."""
        landing_file, path = batch_file.landing_file, batch_file.landing_file.relative_path

        def record(status: str, rows: int, reason: str | None) -> None:
            self._record(
                [_Decided(landing_file, batch_file.file_id, batch_file.size, status, rows, reason)]
            )

        self.con.execute("begin transaction")
        try:
            rows = _insert_rows(self.con, landing_file, entity, batch_file.file_id, self.loaded_at)
            record("loaded", rows, None)
            self.con.execute("commit")
        except Rejected as rejection:
            self.con.execute("rollback")
            record("rejected", 0, f"{path}: {rejection}")
        except duckdb.Error as error:
            self.con.execute("rollback")
            record("rejected", 0, f"{path}: cannot be parsed: {_parse_error(error)}")

    def _record(self, decided: list[_Decided]) -> None:
        """Ledger rows for `decided`, in one statement."""
        if not decided:
            return
        columns = {
            "file_id": ("varchar", [d.file_id for d in decided]),
            "file_path": ("varchar", [d.landing_file.relative_path for d in decided]),
            "entity": ("varchar", [d.landing_file.entity or None for d in decided]),
            "export_date": ("date", [d.landing_file.export_date for d in decided]),
            "file_format": ("varchar", [_file_format(d.landing_file) for d in decided]),
            "file_bytes": ("bigint", [d.size for d in decided]),
            "rows_loaded": ("bigint", [d.rows for d in decided]),
            "status": ("varchar", [d.status for d in decided]),
            "reason": ("varchar", [d.reason for d in decided]),
        }
        self.con.execute(
            f"""insert into {LEDGER} ({", ".join(columns)}, loaded_at, load_id)
                select {", ".join(f"unnest(?::{kind}[])" for kind, _ in columns.values())},
                    cast(? as timestamp), ?""",
            [values for _, values in columns.values()] + [self.loaded_at, self.load_id],
        )
        for d in decided:
            f = d.landing_file
            self._done(
                FileLoad(f.relative_path, f.entity, f.export_date, d.status, d.rows, d.reason)
            )

    def _skip(self, landing_file: LandingFile) -> None:
        """Already in the ledger: nothing to record."""
        f = landing_file
        self._done(FileLoad(f.relative_path, f.entity, f.export_date, "skipped", 0, None))

    def _done(self, result: FileLoad) -> None:
        self.results[result.file_path] = result
        if self.progress:
            self.progress(result, len(self.results), self.total)


def _ledger_state(con: duckdb.DuckDBPyConnection) -> tuple[set, dict[str, list[str]]]:
    """(path, size) of every ledger row, and each content's paths, first recorded first."""
    rows = con.execute(
        f"select file_path, file_bytes, file_id from {LEDGER} order by loaded_at, file_path"
    ).fetchall()
    paths_by_id: dict[str, list[str]] = {}
    for path, _size, file_id in rows:
        paths_by_id.setdefault(file_id, []).append(path)
    return {(path, size) for path, size, _ in rows}, paths_by_id


def _file_format(landing_file: LandingFile) -> str | None:
    return landing_file.path.suffix.lower().lstrip(".") or None


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    entity: Entity,
    file_id: str,
    loaded_at: datetime,
) -> int:
    """Insert one file's rows, read on its own."""
    source = read_source(con, landing_file)
    check_required(source.names, entity)
    selects, extra_json = row_selects(source.names, source.values, entity)
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
        [file_id, landing_file.relative_path, landing_file.export_date, loaded_at],
    )
    return inserted.fetchone()[0]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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


def utc_now() -> datetime:
    """The clock `_loaded_at` is stamped with: UTC, without a zone. The data tests' watermark
    (orchestration/dbt/test_scope.py) is read from it too, so the two compare."""
    return datetime.now(UTC).replace(tzinfo=None)
