"""What one published copy holds, written into a fresh DuckDB file (``publishing`` renames it
into place): every table and view of the marts and reference schemas as a table, PII columns
nulled, the held-back accounts' rows taken from the copy published before, the descriptions
carried over, and the notes a reader needs (``_published_tables``, ``_masked_columns``,
``_held_back_accounts`` in schema main).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orchestration import warehouse_connection
from orchestration.published_changes import Source, update_rows

PUBLISHED_SCHEMAS = ("marts", "reference")
MANIFEST = "_published_tables"  # in schema main: one row per published table, with its row count
# Written in DuckDB's v1.0 storage format, so BI drivers that bundle DuckDB 1.x (1.0 or later)
# read it too; the default format of DuckDB 2.0 is unreadable to them.
STORAGE_VERSION = "v1.0.0"
MASKED = "_masked_columns"  # in schema main: every column nulled in this copy (dbt tag `pii`)
HELD_BACK = "_held_back_accounts"  # in schema main: accounts kept at their previous snapshot
# Columns that name an account a row is about besides its own account_id: the account
# hierarchy's. A held-back account that was never published has no rows in the copy, so no
# roll-up may list it either (a report over its parent then asked for an account that was not
# there: "account 'acc_104' does not exist", found at M on a first refresh).
ACCOUNT_REFERENCES = ("ancestor_account_id", "descendant_account_id")

ColumnTypes = dict[tuple[str, str], dict[str, str]]  # (schema, table) -> {column: type}


def write_copy(
    warehouse: Path,
    temp: Path,
    published_at: datetime,
    pii: Mapping[tuple[str, str], set[str]],
    held_back: dict[str, str],
    previous: Path | None,
    base: bool = False,
) -> tuple[dict[str, int], list[str], int | None]:
    """Fill ``temp`` from ``warehouse``; ``previous`` is the copy published before, read for the
    held-back accounts. With ``base``, ``temp`` is a file copy of ``previous`` and each table
    whose columns are unchanged only takes its changed rows (published_changes.py); otherwise
    ``temp`` is a new file. Returns rows per "schema.table", the masked columns and, with
    ``base``, the rows deleted and inserted (None without)."""
    tables: dict[str, int] = {}
    masked: list[str] = []
    changed = 0 if base else None
    # The copy is this connection's main database; the warehouse is attached read-only. A
    # table's rows have no order (the warehouse's own are built unordered, profiles.yml); keeping
    # the order of the rows read cost 9 % of a whole copy's CPU at 1 M (13.6 -> 12.4 s, twice).
    with warehouse_connection.connect(
        temp, storage_compatibility_version=STORAGE_VERSION, preserve_insertion_order="false"
    ) as con:
        con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        sources = _attach_marts_file(con, warehouse)
        if previous is not None:
            con.execute("attach ? as previous (read_only)", [str(previous)])
        types = _column_types(con, *sources)
        old_types = _column_types(con, "previous") if previous is not None else {}
        copied = _column_types(con, _main(con)) if base else {}
        absent = _never_published(con, held_back, old_types)
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {_ident(schema)}")
        con.execute("begin")
        _drop_unpublished(con, copied, types)
        for catalog, schema, table, comment, is_view in _relations(con, sources):
            hidden = pii.get((schema, table), set())
            columns = (types[(schema, table)], old_types.get((schema, table), {}))
            copy = _TableCopy(catalog, schema, table, columns, hidden, held_back, absent)
            # A view has no row ids to take changed rows by: it is written whole.
            rows, moved = copy.write(con, None if is_view else copied.get((schema, table)))
            if changed is not None:
                changed += moved
            if comment or base:  # a copied table's description may have gone since
                con.execute(f"comment on table {_name(schema, table)} is {_literal(comment)}")
            tables[f"{schema}.{table}"] = rows
            masked += [f"{schema}.{table}.{c}" for c in columns[0] if c in hidden]
        _copy_column_comments(con, pii, base, sources)
        _write_notes(con, masked, held_back, published_at)
        _write_manifest(con, tables, published_at)
        con.execute("commit")
        for source in sources:
            con.execute(f"detach {source}")
        if previous is not None:
            con.execute("detach previous")
        con.execute("checkpoint")
    return tables, masked, changed


def _main(con) -> str:
    """The name of the connection's own database (the copy being written)."""
    return con.execute("select current_database()").fetchone()[0]


def _drop_unpublished(con, copied: ColumnTypes, types: ColumnTypes) -> None:
    """The tables a copied file holds that the warehouse no longer publishes."""
    for schema, table in sorted(set(copied) - set(types)):
        con.execute(f"drop table {_name(schema, table)}")


def _attach_marts_file(con, warehouse: Path) -> tuple[str, ...]:
    """Attach the warehouse's marts file (read-only, as WAREHOUSE_MARTS) when it has one;
    returns the catalogs the published tables are read from."""
    marts = warehouse_connection.marts_path(warehouse)
    if not marts.exists():
        return ("warehouse",)
    con.execute(f"attach ? as {WAREHOUSE_MARTS} (read_only)", [str(marts)])
    return ("warehouse", WAREHOUSE_MARTS)


# Not "warehouse_marts": the copy's own catalog is named after its file, and a warehouse named
# warehouse.duckdb publishes to .warehouse_marts.duckdb.<pid>.tmp (catalog warehouse_marts).
WAREHOUSE_MARTS = "warehouse_marts_file"


def _relations(con, sources: tuple[str, ...]) -> list[tuple[str, str, str, str | None, bool]]:
    """(catalog, schema, name, description, whether a view) of every table and view the copy
    publishes, read from the ``sources`` catalogs."""
    return con.execute(
        """
        select database_name, schema_name, table_name, comment, false
        from duckdb_tables()
        where database_name in ? and schema_name in ?
        union all
        select database_name, schema_name, view_name, comment, true
        from duckdb_views()
        where database_name in ? and schema_name in ? and not internal
        order by 2, 3
        """,
        [list(sources), list(PUBLISHED_SCHEMAS)] * 2,
    ).fetchall()


@dataclass(frozen=True)
class _TableCopy:
    """One table of the copy (a view is materialized: the copy must not point back into the
    warehouse): the held-back accounts' rows come from the previous copy, and no row names an
    ``absent`` account (ACCOUNT_REFERENCES). ``catalog``: the warehouse's file that holds it;
    ``columns``: the table's columns in the warehouse and in the previous copy."""

    catalog: str
    schema: str
    table: str
    columns: tuple[dict[str, str], dict[str, str]]
    hidden: set[str]
    held_back: dict[str, str]
    absent: list[str]

    def write(self, con, copied: dict[str, str] | None) -> tuple[int, int]:
        """Write the table; ``copied``: its columns in the copied file (None: not there, or
        not to be updated row by row).
        Returns its rows and the rows deleted and inserted to bring a copied table up to date
        (all its rows when it was written whole)."""
        name, new_columns = _name(self.schema, self.table), self.columns[0]
        moved = None
        if copied == new_columns:
            moved = update_rows(con, name, [_ident(c) for c in new_columns], *self._sources())
        if moved is None:
            con.execute(f"drop table if exists {name}")
            self._create(con, name)
        rows = con.execute(f"select count(*) from {name}").fetchone()[0]
        return rows, rows if moved is None else sum(moved)

    def _conditions(self) -> tuple[list[str], list]:
        """The warehouse rows the copy takes: not the held-back accounts', none naming an
        absent account."""
        new_columns = self.columns[0]
        conditions = [
            f"({column} is null or not list_contains(?, {column}))"
            for column in ACCOUNT_REFERENCES
            if self.absent and column in new_columns
        ]
        params: list = [self.absent] * len(conditions)
        if self.held_back and "account_id" in new_columns:
            conditions.append(_NOT_HELD)
            params.append(sorted(self.held_back))
        return conditions, params

    def _sources(self) -> tuple[Source, tuple[str, list]]:
        """What update_rows needs: the warehouse's rows, and which of the copy's it may touch."""
        conditions, params = self._conditions()
        where = " where " + " and ".join(conditions) if conditions else ""
        new_columns = self.columns[0]
        selected = _select_list(new_columns, new_columns, self.hidden)
        source = Source(f"{self.catalog}.{_name(self.schema, self.table)}", selected, where, params)
        if self.held_back and "account_id" in new_columns:
            return source, (f" where {_NOT_HELD}", [sorted(self.held_back)])
        return source, ("", [])

    def _create(self, con, name: str) -> None:
        """The table written whole: the rows update_rows would start from, and the held-back
        accounts' rows from the previous copy."""
        new_columns, old_columns = self.columns
        source, _ = self._sources()
        query = f"select {source.select_list} from {source.relation}{source.where}"
        params = list(source.params)
        if self.held_back and "account_id" in new_columns and "account_id" in old_columns:
            # The held-back accounts' rows as last published (masked there already).
            query += (
                f" union all select {_select_list(new_columns, old_columns, self.hidden)} "
                f"from previous.{name} where list_contains(?, account_id)"
            )
            params.append(sorted(self.held_back))
        con.execute(f"create table {name} as {query}", params)


_NOT_HELD = "(account_id is null or not list_contains(?, account_id))"


def _never_published(con, held_back: Mapping[str, str], old_types: ColumnTypes) -> list[str]:
    """The held-back accounts the previous copy does not hold (all of them on a first publish):
    they keep no snapshot, so the copy leaves them out altogether."""
    if not held_back:
        return []
    if ("marts", "dim_accounts") not in old_types:
        return sorted(held_back) if not old_types else []
    published = {
        account
        for (account,) in con.execute(
            "select account_id from previous.marts.dim_accounts where list_contains(?, account_id)",
            [sorted(held_back)],
        ).fetchall()
    }
    return sorted(set(held_back) - published)


def _copy_column_comments(
    con, pii: Mapping[tuple[str, str], set[str]], base: bool, sources: tuple[str, ...]
) -> None:
    """The warehouse's column descriptions, a masked column's saying so; in a copied file
    (``base``) only those that differ from the copy's, a description gone included."""
    columns = con.execute(
        """
        select w.schema_name, w.table_name, w.column_name, w.comment, c.comment
        from duckdb_columns() as w
        left join duckdb_columns() as c
            on c.database_name = current_database() and c.schema_name = w.schema_name
            and c.table_name = w.table_name and c.column_name = w.column_name
        where w.database_name in ? and w.schema_name in ?
            and (w.comment is not null or (? and c.comment is not null))
        """,
        [list(sources), list(PUBLISHED_SCHEMAS), base],
    ).fetchall()
    for schema, table, column, comment, current in columns:
        if comment is not None and column in pii.get((schema, table), set()):
            comment = f"{comment} (PII: null in this copy; the full copy holds it)"
        if base and comment == current:
            continue
        con.execute(
            f"comment on column {_name(schema, table)}.{_ident(column)} is {_literal(comment)}"
        )


def _column_types(con, *databases: str) -> ColumnTypes:
    """(schema, table) -> {column: type}, in column order, for the published schemas of the
    ``databases`` (catalogs)."""
    found: ColumnTypes = {}
    for schema, table, column, data_type in con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where database_name in ? and schema_name in ? order by schema_name, table_name, "
        "column_index",
        [list(databases), list(PUBLISHED_SCHEMAS)],
    ).fetchall():
        found.setdefault((schema, table), {})[column] = data_type
    return found


def _select_list(wanted: dict[str, str], available: dict[str, str], masked: set[str]) -> str:
    """The columns ``wanted`` (name -> type) from a table having ``available``: a masked or
    missing column is a typed null (an older snapshot may lack a column added since)."""
    return ", ".join(
        f"{_ident(c)}"
        if c in available and c not in masked
        else f"cast(null as {t}) as {_ident(c)}"
        for c, t in wanted.items()
    )


def _write_notes(con, masked: list[str], held_back: dict[str, str], published_at) -> None:
    """What a reader of this copy should know: which columns are masked, which accounts held."""
    con.execute(
        f"create or replace table main.{MASKED} (table_schema varchar, table_name varchar, "
        "column_name varchar)"
    )
    if masked:
        con.executemany(
            f"insert into main.{MASKED} values (?, ?, ?)", [m.split(".", 2) for m in masked]
        )
    con.execute(
        f"comment on table main.{MASKED} is 'Columns dbt tags pii, null in this copy (the full "
        "copy, published with COMMS_WAREHOUSE_PUBLISH_FULL=1, holds them).'"
    )
    con.execute(
        f"create or replace table main.{HELD_BACK} (account_id varchar, reason varchar, "
        "published_at timestamp)"
    )
    if held_back:
        con.executemany(
            f"insert into main.{HELD_BACK} values (?, ?, ?)",
            [(account, reason, published_at) for account, reason in sorted(held_back.items())],
        )
    con.execute(
        f"comment on table main.{HELD_BACK} is 'Accounts a failed check named at this "
        "publication: their rows are those of the copy published before (none if there was "
        "none); every other account is current.'"
    )


def _write_manifest(con, tables: dict[str, int], published_at: datetime) -> None:
    """Every table with its row count, so a reader can check it sees one complete snapshot."""
    con.execute(
        f"create or replace table main.{MANIFEST} (table_schema varchar, table_name varchar, "
        "row_count bigint, published_at timestamp)"
    )
    con.executemany(
        f"insert into main.{MANIFEST} values (?, ?, ?, ?)",
        [(*key.split(".", 1), rows, published_at) for key, rows in tables.items()],
    )
    con.execute(
        f"comment on table main.{MANIFEST} is 'Every table of this published copy with its "
        "row count at publication (UTC time published_at): a reader can check it sees one "
        "complete snapshot.'"
    )


def _name(schema: str, table: str) -> str:
    return f"{_ident(schema)}.{_ident(table)}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"
