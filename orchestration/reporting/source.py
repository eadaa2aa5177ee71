"""Which DuckDB file a report reads, and the read-only connection to it."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration import settings, warehouse_connection


class ReportError(ValueError):
    """A report that cannot be produced as asked (bad view, filter, bucket or warehouse)."""


class UnknownFilterValue(ReportError):
    """A filter names an account, campaign, template or tracker that does not exist in scope."""


def _published_copy(warehouse: Path) -> Path:
    """The published copy of the marts beside ``warehouse`` (the rule of
    orchestration.publishing.published_path, repeated here so that the CLI does not import
    Dagster; a test keeps the two equal)."""
    explicit = os.environ.get("COMMS_WAREHOUSE_PUBLISHED")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return warehouse.parent / "published" / f"{warehouse.stem}_marts.duckdb"


def _full_copy(warehouse: Path) -> Path:
    """The unmasked published copy (orchestration.publishing.full_copy_path's rule)."""
    published = _published_copy(warehouse)
    return published.with_name(f"{published.stem}_full{published.suffix}")


def source_path(warehouse: str | os.PathLike | None = None) -> Path:
    """The DuckDB file a report reads: an explicit path as given (a warehouse or a published
    copy); else a published copy of the default warehouse (COMMS_WAREHOUSE_PATH or the repo's),
    since a running refresh locks the warehouse itself: the unmasked copy when it exists and
    this caller may read it (file permissions make a privileged reader), else the PII-masked
    one; else that warehouse."""
    if warehouse is not None:
        return Path(warehouse).expanduser().resolve()
    default = settings.warehouse_path()
    full = _full_copy(default)
    if full.exists() and os.access(full, os.R_OK):
        return full
    published = _published_copy(default)
    return published if published.exists() else default


def connect(warehouse: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file ``source_path(warehouse)`` names."""
    path = source_path(warehouse)
    if not path.exists():
        raise ReportError(f"warehouse {path} does not exist (run `comms-warehouse refresh`)")
    try:
        con = warehouse_connection.connect(path, read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise ReportError(
            f"{path} is locked by a running refresh; read its published copy "
            f"({_published_copy(path)}) instead"
        ) from error
    return con
