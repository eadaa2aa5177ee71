"""Throwaway PostgreSQL for the engine comparison and `make bench TARGET=postgres`: a server
from scripts/postgres.sh and databases of their own on a server, both gone afterwards.

Servers and databases are named by libpq's variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE), as the `postgres` dbt target reads them.
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

from orchestration import settings

SCRIPT = settings.PROJECT_DIR / "scripts" / "postgres.sh"
_DSN_KEYS = {"PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password"}


def dsn(variables: dict[str, str], database: str) -> str:
    """The libpq connection string of `database` on the server `variables` name."""
    pairs = [f"{_DSN_KEYS[k]}={v}" for k, v in variables.items() if k in _DSN_KEYS and v]
    return " ".join([*pairs, f"dbname={database}"])


@contextlib.contextmanager
def throwaway_server(folder: Path) -> Iterator[dict[str, str]]:
    """Start scripts/postgres.sh's server with its data in `folder`; yield its variables (a
    server started as root runs as `postgres`, which must reach the folder); stop it after."""
    started = subprocess.run(
        [str(SCRIPT), "start", str(folder)], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        raise RuntimeError(f"scripts/postgres.sh start failed: {started.stderr}")
    # One line: export PGHOST=... PGPORT=... PGUSER=... PGDATABASE=...
    variables = dict(pair.split("=", 1) for pair in started.stdout.split()[1:])
    try:
        yield variables
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder)], capture_output=True, check=False)


@contextlib.contextmanager
def fresh_database(server: dict[str, str], prefix: str) -> Iterator[dict[str, str]]:
    """A new, empty database on `server`, dropped afterwards; yields the variables naming it."""
    import psycopg2  # the `postgres` extra

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    server = {k: v for k, v in server.items() if k != "PGDATABASE"}
    admin = psycopg2.connect(dsn(server, "postgres"))
    admin.autocommit = True
    admin.cursor().execute(f"create database {name}")
    try:
        yield {**server, "PGDATABASE": name}
    finally:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
        admin.close()
