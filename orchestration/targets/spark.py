"""Copy what dbt built on the local Spark into the warehouse's DuckDB file (see the package doc).

Spark's catalog lives in the dbt process's memory (profiles.yml), so once the build has ended its
tables are only their Parquet folders, `<spark dir>/tables/<schema>.db/<name>`
(macros/cross_db/spark_location.sql names them), and DuckDB reads each folder straight from
disk. Which folders: the models and seeds of the mirrored schemas that the project's manifest
lists, so a folder left by a model since removed is not copied back, and a listed one without a
folder is an error naming it. Their descriptions come from the same manifest (the comments Spark
held died with its catalog). Spark writes timestamps as UTC-adjusted instants (profiles.yml),
which DuckDB reads as `timestamp with time zone`: they become the plain UTC `timestamp` a DuckDB
build holds, so every reader after the build sees the types it sees on DuckDB.

Before the build, `spark_scale` sizes Spark's JVM for the rows it will read (profiles.yml's
`spark` target reads COMMS_SPARK_SCALE when dbt starts the JVM): on the test worlds a node's
cost is its planning, at demo scale its rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import duckdb

from orchestration import warehouse_connection
from orchestration.targets.duckdb_side import Relation, replace_schemas

# Raw Parquet bytes from which a build is `large`: the 3,000-message test world holds 0.7 MB
# (its build is planning: C1 and interpreted expressions cost least), the demo's 250 k messages
# 37 MB (its build is rows: C2, compiled expressions and a 3 GB heap cost least).
LARGE_RAW_BYTES = 8 * 2**20
SCALE_VARIABLE = "COMMS_SPARK_SCALE"


def spark_scale(spark_folder: Path) -> str:
    """`small` or `large`: the size of a build over `spark_folder/raw`, by its Parquet bytes
    (profiles.yml: what each size changes)."""
    raw = sum(f.stat().st_size for f in (spark_folder / "raw").rglob("*.parquet"))
    return "large" if raw >= LARGE_RAW_BYTES else "small"


def mirror_from_spark(
    warehouse: Path, schemas: Mapping[str, str], spark_folder: Path, manifest: Path
) -> dict[str, int]:
    """Replace `schemas` (schema -> prefix of the relation names copied) in the DuckDB file
    `warehouse` by the tables under `spark_folder/tables`; rows per "schema.table"."""
    relations = built_relations(manifest, schemas, spark_folder / "tables")
    with warehouse_connection.connect(warehouse) as con:
        for relation in relations:
            relation.columns = _parquet_columns(con, relation)
        return replace_schemas(con, schemas, relations, _read_parquet, "spark")


def built_relations(manifest: Path, schemas: Mapping[str, str], tables: Path) -> list[Relation]:
    """The manifest's models and seeds in `schemas` (name starting with the schema's prefix),
    each with its Parquet folder and descriptions."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    relations, missing = [], []
    for node in sorted(nodes, key=lambda n: (n["schema"], n["alias"])):
        schema, name = node["schema"], node["alias"]
        if node["resource_type"] not in ("model", "seed") or schema not in schemas:
            continue
        if not name.startswith(schemas[schema]):
            continue
        folder = tables / f"{schema}.db" / name
        if not any(folder.glob("*.parquet")):
            missing.append(str(folder))
            continue
        columns = node.get("columns", {}).values()
        comments = {c["name"]: c["description"] for c in columns if c.get("description")}
        description = node.get("description") or None
        relations.append(Relation(schema, name, description, [], comments, folder))
    if missing:
        raise FileNotFoundError(
            "Spark left no Parquet files for these tables (a view, or a build cut short?): "
            + ", ".join(missing)
        )
    return relations


def _parquet_columns(con: duckdb.DuckDBPyConnection, relation: Relation) -> list[tuple[str, str]]:
    """(name, DuckDB type) as read from the folder, an instant as a UTC `timestamp`."""
    described = con.execute(f"describe select * from {_files(relation)}").fetchall()
    return [
        (name, "timestamp" if kind == "TIMESTAMP WITH TIME ZONE" else kind)
        for name, kind, *_ in described
    ]


def _read_parquet(relation: Relation) -> str:
    typed = ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in relation.columns)
    return f"(select {typed} from {_files(relation)})"


def _files(relation: Relation) -> str:
    # Spark's part files; its _SUCCESS marker and .crc checksums are not Parquet.
    return f"read_parquet('{relation.data}/*.parquet')"
