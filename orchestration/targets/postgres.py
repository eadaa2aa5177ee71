"""Copy what dbt built on PostgreSQL into the warehouse's DuckDB file (see the package doc).

Each table and view of the mirrored schemas leaves PostgreSQL by `COPY ... TO STDOUT` as CSV and
enters DuckDB through `read_csv` with the column types PostgreSQL reports, mapped to DuckDB's
(`duckdb_type`). Both speak the same CSV: an unquoted empty field is null, a quoted one an empty
string (`allow_quoted_nulls = false`), and doubles print in their shortest exact form
(PostgreSQL 12 and later), so every value arrives as it was. The descriptions dbt persisted there
(`persist_docs`) come along, so the published copy carries them as on DuckDB.

Connection settings are libpq's (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD), as for the
`postgres` dbt target.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from orchestration import warehouse_connection
from orchestration.targets.duckdb_side import Relation, replace_schemas

# PostgreSQL's information_schema.columns.data_type -> DuckDB's type; numeric takes its
# precision and scale (`duckdb_type`).
_TYPES = {
    "text": "varchar",
    "character varying": "varchar",
    "character": "varchar",
    "smallint": "smallint",
    "integer": "integer",
    "bigint": "bigint",
    "real": "float",
    "double precision": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "interval": "interval",
    "uuid": "uuid",
}


def duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    """The DuckDB type holding a PostgreSQL column's values exactly."""
    if data_type == "numeric":
        # Unconstrained numeric (e.g. a sum of bigints) has no declared precision: DuckDB's
        # widest decimal keeps whole numbers exact; a contract declares a precise one.
        return f"decimal({precision},{scale})" if precision else "decimal(38,9)"
    if data_type not in _TYPES:
        raise ValueError(f"PostgreSQL type {data_type!r} has no DuckDB mapping here")
    return _TYPES[data_type]


def mirror_from_postgres(
    warehouse: Path, schemas: Mapping[str, str], dsn: str = ""
) -> dict[str, int]:
    """Replace `schemas` (schema -> prefix of the relation names copied) in the DuckDB file
    `warehouse` by PostgreSQL's; rows per "schema.table"."""
    import psycopg2  # the `postgres` extra; DuckDB-only installs never import it

    with (
        psycopg2.connect(dsn) as source,
        source.cursor() as cursor,
        tempfile.TemporaryDirectory(prefix="comms-mirror-") as folder,
    ):
        cursor.execute("set TimeZone = 'UTC'")
        relations = _relations(cursor, schemas)
        for relation in relations:
            relation.data = Path(folder) / f"{relation.schema}.{relation.name}.csv"
            with relation.data.open("w", encoding="utf-8") as handle:
                cursor.copy_expert(
                    f"copy (select * from {relation.quoted}) to stdout with (format csv)", handle
                )
        with warehouse_connection.connect(warehouse) as con:
            return replace_schemas(con, schemas, relations, _read_csv, "postgres")


def _read_csv(relation: Relation) -> str:
    types = ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}': '{t}'" for c, t in relation.columns)
    return (
        f"read_csv('{relation.data}', header = false, columns = {{{types}}},"
        " allow_quoted_nulls = false, auto_detect = false)"
    )


def _relations(cursor, schemas: Mapping[str, str]) -> list[Relation]:
    """The tables and views `schemas` names, with columns (DuckDB types) and descriptions."""
    cursor.execute(
        """
        select c.table_schema, c.table_name, c.column_name, c.data_type,
               c.numeric_precision, c.numeric_scale,
               obj_description(format('%%I.%%I', c.table_schema, c.table_name)::regclass),
               col_description(format('%%I.%%I', c.table_schema, c.table_name)::regclass,
                               c.ordinal_position)
        from information_schema.columns as c
        where c.table_schema = any(%s)
        order by c.table_schema, c.table_name, c.ordinal_position
        """,
        (list(schemas),),
    )
    found: dict[tuple[str, str], Relation] = {}
    for (
        schema,
        table,
        column,
        data_type,
        precision,
        scale,
        comment,
        column_comment,
    ) in cursor.fetchall():
        if not table.startswith(schemas[schema]):
            continue
        relation = found.setdefault((schema, table), Relation(schema, table, comment))
        relation.columns.append((column, duckdb_type(data_type, precision, scale)))
        if column_comment:
            relation.column_comments[column] = column_comment
    return list(found.values())
