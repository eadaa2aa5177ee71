"""Synthetic landing data for comms_warehouse, per ../shared/raw-contract.md.

``generate(out_dir, scale, seed, end_date, dirt_rate)`` writes all 19 entities as
``<out>/<entity>/<YYYY-MM-DD>/<name>.jsonl|.csv|.parquet`` covering ``N_DAYS`` days that end on
``end_date`` (UTC). The same arguments give byte-identical files: every random draw comes from a
numpy Generator seeded by (seed, stage name), rows are built as numpy arrays (no Python loop per
row) and written single-threaded in a fixed order.

What the data contains (so KPIs get non-trivial values):

- accounts: admin ``acc_100`` (America/Chicago) with sub-accounts acc_101 (America/Denver),
  acc_102 (America/New_York), acc_103 (America/Los_Angeles), acc_104 (Europe/London) and the
  sub-sub-account acc_105 (America/Phoenix, under acc_101); allowance and billing anchor day set.
  A US DST change (first Sunday of November, second Sunday of March) falls inside the default
  120 days ending today.
- users (one deactivated per account, re-exported), member inboxes (one per user) and shared
  inboxes, phone numbers (member numbers, tracking numbers, a toll-free one, one released).
- labels (one deleted later) and contact_labels added and removed.
- templates: short GSM, long GSM (>160 chars), emoji (UCS-2), GSM extension chars (€ [ ] { } ~
  ^ | \\), long UCS-2; a spammy template ("FREE CASH blast") that carriers block ~35% of the time;
  templates with tracked links (link_id ``lnk_<template number>``).
- campaigns: standard (multi-step, delay_minutes) and keyword (started by an inbound keyword,
  answered by a ``keyword_reply``), a never-launched draft per account; campaign_senders (some
  removed later); enrollments.
- messages: step blasts, manual replies by users (log-normal delays, seconds to days), automations
  (thanks / unsubscribed / help / resubscribed), keyword replies; inbound answers, exact STOP-type
  keywords, opt-out language, HELP, START, MMS (media_count > 0); inbox conversations without a
  campaign through shared tracking numbers. Inbound campaign replies carry the platform's
  campaign_id about half of the time. num_segments: the platform's count, ~4% null, ~1% wrong.
- message_events: queued/sent/delivered (+ some read), carrier blocks (30007, 30034, ...), soft
  bounces (30003, ...) retried hourly with ``attempt`` 1..n (about half delivered on a retry),
  hard bounces (30005, 30006, 21211, 21614; contacts with a dead number bounce every message, so
  several reach 3 hard bounces), 21610 opted-out, other failures (30010), canceled, pending
  (recent messages), ``received`` for inbound.
- link_clicks with repeated clicks by the same contact; calls (outbound/inbound, ring and talk
  times, machine answers, no-answer/busy/failed/canceled, talk times around 90 s incl. exactly 90
  and 91 s, inbound calls forwarded to a user's mobile with a child call ``parent_call_id``,
  outcomes incl. free text); opt_events (keyword, ai_filter, manual with campaign/enrollment,
  management_page, import, carrier; opt-ins); leads (sms with message_id, call with call_id, a
  few without channel) and deals with amounts.
- Timestamps are ISO-8601, mostly ``Z``; ~5% carry the account's local offset (``-05:00``), ~2%
  are naive (UTC). Contacts' phones come in many formats: ``+17205550199``, ``(720) 555-0199``,
  ``720-555-0199``, ``720.555.0199``, ``17205550199``, ``+1 720 555 0199``, ``7205550199``; UK
  contacts in E.164 or national ``07...`` form.
- Export days: a row lands in the UTC day it was exported (created day or the next); dimension
  snapshots land on the first day, updates (later ``updated_at``) in later folders.

Files and ids:

- one file per entity per export day, ``<entity>-<YYYYMMDD>.<ext>``; contacts and calls are CSV;
  below 1M messages the rest is JSONL except messages/message_events on every tenth day (Parquet);
  from 1M messages messages, message_events, link_clicks, campaign_enrollments, contact_labels and
  opt_events are Parquet (enums dictionary-encoded, integers int64, timestamps as ISO strings)
  except one JSONL day in thirty.
- ids: ``acc_1xx``, ``usr_N``, ``ibx_N``, ``pn_N``, ``lbl_N``, ``tpl_N``, ``cmp_N``, ``lnk_N``
  (one per template link), ``con_N``/``enr_N`` (from 0), ``clk_N``, ``opt_N``, ``lead_N``,
  ``deal_N``, ``cle_N``; messages ``SM``, events ``EV`` and calls ``CA`` + 16 hex digits.
- above ``SHARD_MESSAGES`` (scale L) the data is made in shards one after the other (memory stays
  that of one shard); shard files are named ``<entity>-<YYYYMMDD>-pNN.<ext>``.
- ``progress(stage, done, total)`` reports two stages: ``generate`` and ``write``.

Code: this module runs the domain builders in order on a ``datagen.world.World`` (one per
shard): ``accounts`` (accounts, users, inboxes, numbers, labels), ``contacts`` (and their
labels), ``campaigns`` (templates, campaigns, enrollments), ``messages`` (campaign messages
and replies, with ``conversations`` for the threads), ``delivery`` (message events, link
clicks), ``calls``, ``leads`` (opt events, leads, deals); ``writing`` turns frames into files.

Dirt (at ``dirt_rate``, default 1%; none when 0). ``DIRT`` lists the exact markers:

- duplicates: exact repeats of message_events inside the same file (webhook retries), and
  re-exports of messages, message_events, calls, contacts, link_clicks, opt_events in a later
  day's ``*-redelivery.jsonl`` file;
- late delivery events: message_events exported 2-6 days after they happened (out of order);
- unknown enums: messages.direction ``outbond``, message_events.status ``deliverd``,
  calls.direction ``outbond``;
- bad timestamps (``2026-13-45T25:61:00Z``, ``yesterday``, ``not a date``) in messages.created_at,
  message_events.occurred_at, calls.started_at;
- unknown account ``acc_999`` in messages, calls and contacts;
- phones that cannot be normalized (letters: ``720-555-CALL``);
- calls that end before they start (ended_at < started_at);
- malformed files: ``messages/<day>/messages-retry-broken.jsonl`` (valid lines copied from that
  day, then a truncated JSON line and binary garbage), ``message_events/<day>/
  message_events-corrupt.jsonl`` (binary garbage) and ``contacts/<day>/
  contacts-missing-phone.csv`` (a required column missing; its rows repeat rows landed
  elsewhere, so rejecting these files loses nothing);
- an extra column (``external_ref``) in leads, which the loader keeps in ``_extra``.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from datagen.accounts import build_dimensions
from datagen.calls import build_calls
from datagen.campaigns import build_campaigns, build_enrollments
from datagen.contacts import build_contact_labels, build_contacts
from datagen.delivery import build_link_clicks, build_message_events
from datagen.leads import build_opt_events_leads_deals
from datagen.messages import build_messages
from datagen.world import ENTITIES, N_DAYS, SCALES, World
from datagen.writing import submit_entity_files, write_malformed_files

# Above SHARD_MESSAGES messages (scale L) the data is generated in independent shards of at
# most that size, one after the other, so memory stays that of one shard (~4-5 GB): accounts,
# users, inboxes, numbers, labels, templates and campaigns are shared (same seed stream, written
# once); contacts and everything per contact get a shard's own stream and ids offset by
# shard * SHARD_ID_STRIDE; a shard's files are named <entity>-<day>-pNN.<ext>.
SHARD_MESSAGES = 12_000_000
WRITE_THREADS = 2  # files are encoded by two worker threads (one per core here)
# Builders in the order they run (each reads what the earlier ones left on the world), with
# the entities whose frames are complete once it has run.
STAGES = [
    (build_dimensions, ("accounts", "users", "inboxes", "phone_numbers", "labels")),
    (build_campaigns, ("templates", "campaigns", "campaign_steps", "campaign_senders")),
    (build_contacts, ("contacts",)),
    (build_enrollments, ("campaign_enrollments",)),
    (build_messages, ("messages",)),
    (build_message_events, ("message_events",)),
    (build_link_clicks, ("link_clicks",)),
    (build_calls, ("calls",)),
    (build_opt_events_leads_deals, ("opt_events", "leads", "deals")),
    (build_contact_labels, ("contact_labels",)),
]


@dataclass
class GenerationSummary:
    out_dir: Path
    scale: str
    seed: int
    start_date: date
    end_date: date
    dirt_rate: float
    rows: dict[str, int] = field(default_factory=dict)  # rows written per entity (incl. dirt)
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0


def n_messages_of(scale: str | int) -> int:
    if isinstance(scale, int):
        if scale < 1000:
            raise ValueError("scale as an int is a number of messages (at least 1000)")
        return scale
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use one of {sorted(SCALES)} or an int")
    return SCALES[scale]


def generate(
    out_dir: Path,
    scale: str | int = "demo",
    seed: int = 42,
    end_date: date | None = None,
    dirt_rate: float = 0.01,
    progress: Callable[[str, int, int], None] | None = None,
    overwrite: bool = False,
) -> GenerationSummary:
    """Write synthetic landing files for every raw entity under ``out_dir``.

    ``scale``: "demo" (~250k messages), "M" (10M), "L" (100M) or a number of messages; contacts
    and calls are about a tenth of the messages each. ``end_date`` (default: today, UTC) is the
    last day of the ``N_DAYS`` covered. Existing entity folders under ``out_dir`` are an error
    unless ``overwrite`` (then they are replaced), so that a directory never mixes two runs.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    n = n_messages_of(scale)
    if not 0 <= dirt_rate < 0.5:
        raise ValueError("dirt_rate must be in [0, 0.5)")
    end = end_date or datetime.now(UTC).date()
    _prepare_out_dir(out_dir, overwrite)
    shards = max(1, math.ceil(n / SHARD_MESSAGES))
    summary = GenerationSummary(
        out_dir=out_dir,
        scale=str(scale),
        seed=seed,
        start_date=end - timedelta(days=N_DAYS - 1),
        end_date=end,
        dirt_rate=dirt_rate,
    )
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        for shard in range(shards):
            size = n // shards + (1 if shard < n % shards else 0)
            world = World(size, seed, end, dirt_rate, shard=shard, total_messages=n)
            jobs = _build_and_submit(world, out_dir, pool, shard, shards, progress)
            if dirt_rate > 0 and shard == 0:
                files, written = write_malformed_files(world, out_dir)
                summary.files += files
                summary.bytes += written
            # wait for this shard's files before the next shard allocates its arrays
            _count_written(jobs, summary, progress)
            del world
    summary.rows = {e: summary.rows.get(e, 0) for e in ENTITIES}
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _build_and_submit(
    world: World, out_dir: Path, pool, shard: int, shards: int, progress
) -> list[tuple[str, int, Future]]:
    """Run every stage on a shard's world, handing each finished entity to the writers while
    the next stage builds; returns the writers' jobs (entity, rows, future bytes written)."""
    jobs: list[tuple[str, int, Future]] = []
    for i, (build, entities) in enumerate(STAGES):
        if progress:
            progress("generate", shard * len(STAGES) + i, shards * len(STAGES))
        build(world)
        world.offset_ids()
        for entity in entities:
            jobs.extend(submit_entity_files(world, out_dir, entity, pool, shards > 1))
        if progress and jobs:
            progress("write", sum(f.done() for _e, _n, f in jobs), len(jobs))
    if progress:
        progress("generate", (shard + 1) * len(STAGES), shards * len(STAGES))
    return jobs


def _prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    """An output folder without landing data: existing entity folders are an error unless
    ``overwrite`` (then they are removed), so that a folder never mixes two runs."""
    existing = [e for e in ENTITIES if (out_dir / e).exists()]
    if existing:
        if not overwrite:
            raise FileExistsError(
                f"{out_dir} already holds landing data ({', '.join(existing[:3])}...); "
                "choose an empty directory or pass overwrite=True"
            )
        for e in existing:
            shutil.rmtree(out_dir / e)
    out_dir.mkdir(parents=True, exist_ok=True)


def _count_written(jobs: list, summary: GenerationSummary, progress) -> None:
    """Wait for the files submitted to the writers and add them to the summary."""
    for k, (entity, rows, fut) in enumerate(jobs):
        summary.bytes += fut.result()
        summary.files += 1
        summary.rows[entity] = summary.rows.get(entity, 0) + rows
        if progress and (k % 50 == 0 or k == len(jobs) - 1):
            progress("write", k + 1, len(jobs))
