"""Dagster's SQLite storage, with one engine per database file instead of one per write.

A refresh writes about 1,700 Dagster events (a planned and a reported event per dbt model and
test, the tests being asset checks). Dagster's SQLite event log builds a new SQLAlchemy engine
for every write: each statement is compiled afresh and each connection is opened and closed, and
closing the last connection to a file in WAL mode checkpoints it (an fsync). That cost ~9 ms of
CPU per event (~15 s a refresh) and, on a disk, 20 ms or more of waiting each. Keeping the engine,
with its statement cache and pooled connections, does the same writes for ~3 ms of CPU and no
checkpoint per event. What is stored, where, and how other processes read it do not change: the
files and schema are Dagster's own, so `dagster dev` and older homes read them as before.

It also answers "does the index have table X?" from that engine, remembering a yes. Dagster asks
before storing every asset check event (`supports_asset_checks`), ~1,700 times a refresh, and
built a new engine and SQLite connection for each answer.

And it stores a batch of events in one transaction per database file. Creating a run logs a
"planned" event per asset and asset check it will execute (~930 a refresh), each a commit to the
run's file and one or two to the index, before the first step starts. Dagster sends them as one
batch when DAGSTER_EVENT_BATCH_SIZE is set (`BATCH_SIZE_ENV`, which `enable_event_batches` sets)
and hands the batch to `store_event_batch`, which its SQLite storage answers one event at a time.
Here the batch is the same statements through the same code, one commit per file: a failure rolls
the whole batch back, and Dagster then stores the events one by one as without batches.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine

# Dagster batches the planned events of a new run when this is above 0, flushing every that many.
BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """The run-sharded SQLite event log, keeping an engine per shard (run or index)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: dict = {}
        self._engines_lock = threading.Lock()
        self._index_tables: set[str] = set()  # tables the index is known to have
        self._local = threading.local()  # .batch: the _Batch this thread is storing, if any
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str):
        # Same shape as Dagster's own `_connect`, holding the same lock, but the engine outlives
        # the connection. SQLAlchemy pools a file database's connections (QueuePool).
        batch = getattr(self._local, "batch", None)
        if batch is not None:  # inside store_event_batch: the lock is held, one transaction a file
            if shard not in batch.connections:
                conn = batch.stack.enter_context(self._engine(shard).connect())
                batch.stack.enter_context(conn.begin())
                batch.connections[shard] = conn
            yield batch.connections[shard]
            return
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def store_event_batch(self, events: Sequence) -> None:
        """Dagster's `store_event` for each event, every write to a file in one transaction,
        committed at the end (all or nothing)."""
        with self._db_lock, ExitStack() as stack:
            self._local.batch = _Batch(stack)
            try:
                for event in events:
                    self.store_event(event)
            finally:
                self._local.batch = None

    def _engine(self, shard: str):
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                sqlalchemy.event.listen(engine, "connect", _sync_at_checkpoints)
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                self._engines[shard] = engine
            return engine

    def has_table(self, table_name: str) -> bool:
        # A yes is kept: Dagster's migrations only ever add tables to the index, and wiping it
        # empties them without dropping any. Not under `_db_lock`, which a caller may hold (wipe
        # asks while it holds a connection); SQLite lets this read beside that connection.
        if table_name in self._index_tables:
            return True
        with self._engine(INDEX_SHARD_NAME).connect() as conn:
            found = bool(conn.dialect.has_table(conn, table_name))
        if found:
            self._index_tables.add(table_name)
        return found

    def _dispose_engines(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
            self._index_tables.clear()

    def wipe(self) -> None:
        self._dispose_engines()  # the files are deleted: no connection may stay open on them
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)


class _Batch:
    """The connections a batch opened, one per file (shard), each in a transaction that its
    stack commits at the batch's end, or rolls back on an error."""

    def __init__(self, stack: ExitStack):
        self.stack, self.connections = stack, {}


def enable_event_batches() -> None:
    """Let Dagster hand a new run's planned events to `store_event_batch` as one batch (more
    than a refresh plans: one flush at the batch's end). A value the user set is kept."""
    os.environ.setdefault(BATCH_SIZE_ENV, "100000")


def _sync_at_checkpoints(dbapi_connection, _record) -> None:
    """SQLite's `synchronous = NORMAL`: in WAL mode (Dagster's), a commit is written to the log
    but synced to disk only at checkpoints, not at every commit. A killed refresh loses nothing
    committed (the log is in the OS's cache); a power cut may lose the last few events, never
    the file's integrity. With the default FULL, each of a refresh's ~4,700 event commits (run
    shard and index) waited for the disk: 4.5 ms each on this machine's disk, ~20 s a refresh."""
    dbapi_connection.execute("pragma synchronous = normal")


def storage_config(home: Path) -> str:
    """The dagster.yaml block that makes a Dagster home's event log this one (runs and schedules
    keep Dagster's defaults, in the same folders as ever)."""
    return (
        "event_log_storage:\n"
        f"  module: {__name__}\n"
        f"  class: {PooledSqliteEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {json.dumps(str(home / 'history' / 'runs'))}\n"
    )
