"""Read one landing file as text columns: its column names exactly as written and an SQL
expression reading each, whatever the format (.jsonl, .csv, .parquet).

A file that is readable but breaks the contract as a whole (a line that is not a JSON object, an
unreadable CSV header) raises `Rejected` with the reason the ledger records.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.landing.contract import MAX_JSON_LINE_BYTES, Entity
from orchestration.landing.discovery import LandingFile


class Rejected(Exception):
    """The file is readable but breaks the contract as a whole."""


def contract_columns(names: list[str], entity: Entity) -> dict[str, int]:
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
class Source:
    names: list[str]  # the file's column names (keys), exactly as written
    values: list[str]  # an SQL expression reading each column as text
    relation: str  # the FROM clause
    numbers_rows: bool  # the relation has file_row_number (0-based)


def read_source(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> Source:
    """How to read a file: its column names as written and an expression for each.

    Columns are read by position (CSV) or by exact key (JSONL), never by a SQL identifier,
    because identifiers ignore case and two names differing only by case would collide.
    """
    path = sql_string(landing_file.path)
    suffix = landing_file.path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_source(con, path)
    if suffix == ".csv":
        names = csv_header(landing_file.path)
        positional = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
        # No sniffing: the contract fixes the dialect, and a row that breaks it is reported
        # with its line instead of as a dialect the sniffer could not guess.
        relation = (
            f"read_csv({path}, header = true, delim = ',', quote = '\"', escape = '\"',"
            f" auto_detect = false, columns = {{{positional}}}, strict_mode = true,"
            " null_padding = false)"
        )
        return Source(names, [f"c{i}" for i in range(len(names))], relation, False)
    relation = f"read_parquet({path}, file_row_number = true)"
    names = [c for c in con.sql(f"select * from {relation} limit 0").columns]
    names = [c for c in names if c != "file_row_number"]  # the reader's, not the file's
    return Source(names, [f"cast({quoted(c)} as varchar)" for c in names], relation, True)


def _jsonl_source(con: duckdb.DuckDBPyConnection, path: str) -> Source:
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
        raise Rejected(f"line {first_non_object}: Expected OBJECT, found {kind}")
    keys = keys or []
    if not keys:
        return Source([], [], relation, False)
    # One extraction of every key at once (each line parsed once); a JSON pointer names one key
    # exactly, whatever its case or characters.
    pointers = ", ".join(sql_string("/" + k.replace("~", "~0").replace("/", "~1")) for k in keys)
    relation = f"(select json_extract_string(json, [{pointers}]) as record from {relation})"
    values = [f"record[{i}]" for i in range(1, len(keys) + 1)]
    return Source(keys, values, relation, False)


def check_required(names: list[str], entity: Entity) -> None:
    """Reject a file whose columns lack a required contract column."""
    columns = contract_columns(names, entity)
    missing = sorted(c for c in entity.required if c not in columns)
    if missing:
        raise Rejected(f"missing required column(s): {', '.join(missing)}")


def row_selects(names: list[str], values: list[str], entity: Entity) -> tuple[list[str], str]:
    """The select list of a raw row (every contract column as text, in contract order) and the
    expression of its `_extra` JSON (the other columns), from a file's names and their values."""
    columns = contract_columns(names, entity)
    selects = [
        f"{values[columns[c]]} as {quoted(c)}"
        if c in columns
        else f"cast(null as varchar) as {quoted(c)}"
        for c in entity.columns
    ]
    # Columns outside the contract keep their names exactly as written (JSON keys are case
    # sensitive, so `Message_ID` beside `message_id` is a key of its own).
    extras = [i for i in range(len(names)) if i not in columns.values()]
    extra_json = (
        "json_object("
        + ", ".join(f"{sql_string(names[i])}, {values[i]}" for i in extras)
        + ")::varchar"
        if extras
        else "cast(null as varchar)"
    )
    return selects, extra_json


def csv_header(path: Path) -> list[str]:
    """The header row as written (RFC 4180 quoting), read before DuckDB sees the file."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            return []
        except (csv.Error, UnicodeDecodeError) as error:
            raise Rejected(f"line 1: the header cannot be read: {error}") from error


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_string(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"
