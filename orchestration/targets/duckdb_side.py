"""Writing a target's built schemas into the warehouse's DuckDB file, whatever the engine.

One transaction replaces every mirrored schema: a reader opening the file afterwards sees the
whole new build, and a copy cut short leaves the file as it was. Each relation becomes a table
(a view over the target would point at another engine), with its descriptions. The engine
modules only say where a relation's rows are and how DuckDB reads them (`reader`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

BUILT_ON = "_built_on"  # in schema main: the engine the mirrored schemas were built on, and when


@dataclass
class Relation:
    schema: str
    name: str
    comment: str | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, DuckDB type)
    column_comments: dict[str, str] = field(default_factory=dict)
    data: Path | None = None  # where the engine module left its rows

    @property
    def quoted(self) -> str:
        return f"{_ident(self.schema)}.{_ident(self.name)}"


def replace_schemas(
    con: duckdb.DuckDBPyConnection,
    schemas: Iterable[str],
    relations: list[Relation],
    reader: Callable[[Relation], str],
    target: str,
) -> dict[str, int]:
    """Drop `schemas` in the DuckDB file and fill them with `relations`, read through
    `reader(relation)` (a DuckDB table function call); rows per "schema.table"."""
    con.execute("set TimeZone = 'UTC'")
    rows: dict[str, int] = {}
    con.execute("begin")
    try:
        for schema in schemas:
            con.execute(f"drop schema if exists {_ident(schema)} cascade")
            con.execute(f"create schema {_ident(schema)}")
        for relation in relations:
            con.execute(f"create table {relation.quoted} as select * from {reader(relation)}")
            _describe(con, relation)
            rows[f"{relation.schema}.{relation.name}"] = con.execute(
                f"select count(*) from {relation.quoted}"
            ).fetchone()[0]
        con.execute(
            f"create or replace table main.{BUILT_ON} as "
            "select ? as target, current_timestamp::timestamp as mirrored_at_utc",
            [target],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows


def _describe(con: duckdb.DuckDBPyConnection, relation: Relation) -> None:
    if relation.comment:
        con.execute(f"comment on table {relation.quoted} is {_literal(relation.comment)}")
    for column, comment in relation.column_comments.items():
        con.execute(f"comment on column {relation.quoted}.{_ident(column)} is {_literal(comment)}")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
