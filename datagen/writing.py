"""Landing files: one per entity and export day, redelivery files, and the malformed ones."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import numpy as np

from datagen.frames import jsonl_bytes, write_file
from datagen.world import N_DAYS, SHARED_ENTITIES, World

LARGE_MESSAGES = 1_000_000  # from this many messages the big entities are mostly Parquet


def file_format(n_messages: int, entity: str, day: int) -> str:
    """File format of an entity's export on a day: a mix, Parquet for big entities at scale."""
    large = n_messages >= LARGE_MESSAGES
    if entity in ("contacts", "calls"):
        return "csv"
    if entity in ("messages", "message_events"):
        if large:
            return "jsonl" if day % 30 == 3 else "parquet"
        return "parquet" if day % 10 == 5 else "jsonl"
    if large and entity in (
        "link_clicks",
        "campaign_enrollments",
        "contact_labels",
        "opt_events",
    ):
        return "jsonl" if day % 30 == 4 else "parquet"
    return "jsonl"


def submit_entity_files(
    world: World, out: Path, entity: str, pool: ThreadPoolExecutor, sharded: bool
) -> list:
    """Queue an entity's files (one per export day, plus redelivery files) for writing.

    Files are independent and each file's bytes depend only on its rows, so worker threads
    can encode them (Arrow and numpy release the GIL) while the next entity is generated,
    and the output stays deterministic. Returns (entity, rows, future of bytes written).
    """
    if world.shard and entity in SHARED_ENTITIES:
        return []
    days = [world.start_date + timedelta(days=d) for d in range(N_DAYS)]
    part = f"-p{world.shard:02d}" if sharded else ""
    frame = world.frames[entity]
    columns = list(frame.cols)
    rows = np.arange(frame.n)
    repeats = world.same_file_repeats.get(entity)
    if repeats is not None and len(repeats):
        rows = np.concatenate([rows, repeats])
    order = rows[np.argsort(frame.export_day[rows], kind="stable")]
    bounds = np.searchsorted(frame.export_day[order], np.arange(N_DAYS + 1))
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int16))
    again_rows, again_days = world.redelivered.get(entity, empty)
    again_order = np.argsort(again_days, kind="stable")
    again_rows, again_days = again_rows[again_order], again_days[again_order]
    again_bounds = np.searchsorted(again_days, np.arange(N_DAYS + 1))
    jobs = []
    for d in range(N_DAYS):
        folder = out / entity / days[d].isoformat()
        stamp = days[d].strftime("%Y%m%d")
        day_rows = order[bounds[d] : bounds[d + 1]]
        if len(day_rows):
            ext = file_format(world.n_messages, entity, d)
            path = folder / f"{entity}-{stamp}{part}.{ext}"
            future = pool.submit(write_file, path, ext, frame, day_rows, columns)
            jobs.append((entity, len(day_rows), future))
        day_again = again_rows[again_bounds[d] : again_bounds[d + 1]]
        if len(day_again):
            path = folder / f"{entity}-{stamp}{part}-redelivery.jsonl"
            future = pool.submit(write_file, path, "jsonl", frame, day_again, columns)
            jobs.append((entity, len(day_again), future))
    return jobs


def write_malformed_files(world: World, out: Path) -> tuple[int, int]:
    """The three malformed files of ``DIRT["malformed_files"]``; returns (files, bytes)."""
    rng = world.rng("malformed")
    days = [world.start_date + timedelta(days=d) for d in range(N_DAYS)]
    written = 0
    # a messages export that was cut off mid-line and padded with garbage; its complete
    # lines repeat rows of the same day's regular file
    d = N_DAYS // 2
    frame = world.frames["messages"]
    rows = np.flatnonzero(frame.export_day == d)[:50]
    good = jsonl_bytes(frame, rows, list(frame.cols))
    last = jsonl_bytes(frame, rows[-1:], list(frame.cols))
    data = good + last[: len(last) // 2] + b"\n" + rng.bytes(64) + b"\n"
    path = out / "messages" / days[d].isoformat() / "messages-retry-broken.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    written += len(data)
    # binary garbage in a delivery-events file
    d = N_DAYS // 3
    data = b"\x89PNG\r\n\x1a\n" + rng.bytes(512)
    path = out / "message_events" / days[d].isoformat() / "message_events-corrupt.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    written += len(data)
    # a contacts CSV without the required 'phone' column (rows repeat landed rows)
    d = N_DAYS // 4
    frame = world.frames["contacts"]
    rows = np.flatnonzero(frame.export_day == 0)[:20]
    columns = [c for c in frame.cols if c != "phone"]
    path = out / "contacts" / days[d].isoformat() / "contacts-missing-phone.csv"
    written += write_file(path, "csv", frame, rows, columns)
    return 3, written
