"""A watermark kept in the warehouse itself: the instant through which some work passed on this
warehouse's rows, and the fingerprint of what decided that work then. The data tests'
(orchestration/dbt/test_scope.py) and the reference checks' (orchestration/formula_checks/
changes.py) are each the one row of a table of their own; kept in the warehouse, a copied or
restored warehouse carries the watermarks of its own rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import warehouse_connection


@dataclass(frozen=True)
class Watermark:
    table: str  # schema-qualified
    column: str  # the instant's column; the other is `fingerprint`

    def read(self, con: duckdb.DuckDBPyConnection, fingerprint: str) -> dt.datetime | None:
        """The recorded instant, if it was recorded under ``fingerprint``; None when none was
        recorded yet or what decided the work has changed since."""
        try:
            row = con.execute(f"select {self.column}, fingerprint from {self.table}").fetchone()
        except duckdb.CatalogException:
            return None
        return row[0] if row and row[1] == fingerprint else None

    def record(self, warehouse: Path, through: dt.datetime, fingerprint: str) -> None:
        """The work passed on the rows through ``through``, decided by ``fingerprint``."""
        with warehouse_connection.connect(warehouse) as con:
            con.execute(
                f"create table if not exists {self.table} "
                f"({self.column} timestamp not null, fingerprint varchar not null)"
            )
            con.execute("begin")
            con.execute(f"delete from {self.table}")
            con.execute(f"insert into {self.table} values (?, ?)", [through, fingerprint])
            con.execute("commit")
