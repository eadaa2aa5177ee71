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
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datagen import text as T
from datagen.frames import (
    DAY,
    ArrowCol,
    EnumCol,
    Frame,
    IdCol,
    IntCol,
    TsCol,
    fixed_strings,
    py_frame,
    write_file,
)
from datagen.frames import _digits as digits

SCALES = {"demo": 250_000, "M": 10_000_000, "L": 100_000_000}
N_DAYS = 120
# Above SHARD_MESSAGES messages (scale L) the data is generated in independent shards of at
# most that size, one after the other, so memory stays that of one shard (~4-5 GB): accounts,
# users, inboxes, numbers, labels, templates and campaigns are shared (same seed stream, written
# once); contacts and everything per contact get a shard's own stream and ids offset by
# shard * SHARD_ID_STRIDE; a shard's files are named <entity>-<day>-pNN.<ext>.
SHARD_MESSAGES = 12_000_000
SHARD_ID_STRIDE = 1_000_000_000
SHARED_STAGES = ("dimensions", "campaigns")
SHARED_ENTITIES = (
    "accounts",
    "users",
    "inboxes",
    "phone_numbers",
    "labels",
    "templates",
    "campaigns",
    "campaign_steps",
    "campaign_senders",
)
SHARDED_ID_PREFIXES = ("con_", "enr_", "SM", "EV", "clk_", "CA", "opt_", "lead_", "deal_", "cle_")
WRITE_THREADS = 2  # files are encoded by two worker threads (one per core here)
ENTITIES = [
    "accounts",
    "users",
    "inboxes",
    "phone_numbers",
    "contacts",
    "labels",
    "contact_labels",
    "templates",
    "campaigns",
    "campaign_steps",
    "campaign_senders",
    "campaign_enrollments",
    "messages",
    "message_events",
    "link_clicks",
    "calls",
    "opt_events",
    "leads",
    "deals",
]

BAD_TIMESTAMPS = ["2026-13-45T25:61:00Z", "yesterday", "not a date"]
UNKNOWN_ACCOUNT = "acc_999"
DIRT = {
    "unknown_direction": "outbond",
    "unknown_status": "deliverd",
    "bad_timestamps": BAD_TIMESTAMPS,
    "unknown_account": UNKNOWN_ACCOUNT,
    "letter_phone_words": ["CALL", "HOME", "SELL", "BUYS"],
    "malformed_files": [
        "messages/*/messages-retry-broken.jsonl",
        "message_events/*/message_events-corrupt.jsonl",
        "contacts/*/contacts-missing-phone.csv",
    ],
    "redelivery_files": "*/*/*-redelivery.jsonl",
}

# id, parent, name, time zone, share of activity, area codes, billing anchor day
ACCOUNTS = [
    ("acc_100", None, "Lakeside Realty Group", "America/Chicago", 0.26, (312, 773), 15),
    ("acc_101", "acc_100", "Lakeside — Denver office", "America/Denver", 0.2, (720, 303), 1),
    ("acc_102", "acc_100", "Lakeside — New York office", "America/New_York", 0.2, (212, 646), 10),
    (
        "acc_103",
        "acc_100",
        "Lakeside — Los Angeles office",
        "America/Los_Angeles",
        0.14,
        (213, 310),
        20,
    ),
    ("acc_104", "acc_100", "Lakeside — London desk", "Europe/London", 0.06, (44,), 5),
    ("acc_105", "acc_101", "Lakeside — Phoenix team", "America/Phoenix", 0.14, (602, 480), 28),
]
UK = 4  # index of the London account

# message columns
MSG_COLS = [
    "message_id",
    "account_id",
    "contact_id",
    "direction",
    "created_at",
    "phone_number_id",
    "inbox_id",
    "user_id",
    "campaign_id",
    "enrollment_id",
    "template_id",
    "step_number",
    "send_type",
    "body",
    "media_count",
    "num_segments",
    "price",
    "price_unit",
]
SEND_TYPES = [None, "blast", "manual", "automation", "keyword_reply"]
BLAST, MANUAL, AUTOMATION, KEYWORD_REPLY = 1, 2, 3, 4
STATUSES = [
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "canceled",
    "received",
    "read",
    "deliverd",
]
Q, SENDING, SENT, DELIVERED, UNDELIV, FAILED, CANCELED, RECEIVED, READ, BAD_STATUS = range(10)
ERROR_CODES = [
    None,
    "30007",
    "30034",
    "30032",
    "30004",
    "30018",
    "30003",
    "30008",
    "30017",
    "30022",
    "30005",
    "30006",
    "21211",
    "21614",
    "21610",
    "30010",
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


def _n_messages(scale: str | int) -> int:
    if isinstance(scale, int):
        if scale < 1000:
            raise ValueError("scale as an int is a number of messages (at least 1000)")
        return scale
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use one of {sorted(SCALES)} or an int")
    return SCALES[scale]


class _Buf:
    """Accumulates column arrays for one entity; add() returns the new rows' indices."""

    def __init__(self, **defaults):
        self.defaults = defaults
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in defaults}
        self.n = 0

    def add(self, n: int, **cols) -> np.ndarray:
        for k, default in self.defaults.items():
            v = cols.pop(k, default)
            dtype = np.asarray(default).dtype
            arr = np.asarray(v)
            arr = np.full(n, v, dtype=dtype) if arr.ndim == 0 else arr.astype(dtype, copy=False)
            self.parts[k].append(arr)
        if cols:
            raise KeyError(f"unknown columns {sorted(cols)}")
        idx = np.arange(self.n, self.n + n)
        self.n += n
        return idx

    def done(self) -> dict[str, np.ndarray]:
        """Concatenate the columns once; the parts are released to keep memory down."""
        out = {}
        for k in list(self.parts):
            v = self.parts.pop(k)
            out[k] = np.concatenate(v) if v else np.zeros(0, np.asarray(self.defaults[k]).dtype)
        return out


def _lognormal(rng, median: float, sigma: float, n: int, lo: float, hi: float) -> np.ndarray:
    return np.clip(rng.lognormal(math.log(median), sigma, n), lo, hi).astype(np.int64)


class _Generator:
    def __init__(
        self,
        n_messages: int,
        seed: int,
        end_date: date,
        dirt_rate: float,
        shard: int = 0,
        total_messages: int | None = None,
    ):
        self.N = n_messages
        self.shard = shard
        self.seed = seed
        self.dirt = dirt_rate
        self.end_date = end_date
        self.start_date = end_date - timedelta(days=N_DAYS - 1)
        self.t0 = int(datetime(*self.start_date.timetuple()[:3], tzinfo=UTC).timestamp())
        self.t_end = self.t0 + N_DAYS * DAY
        self.s = (total_messages or n_messages) / SCALES["demo"]
        self.frames: dict[str, Frame] = {}
        self.dups: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # redelivered rows
        self.same_file_dups: dict[str, np.ndarray] = {}
        self._offsets()

    # ------------------------------------------------------------------ helpers
    def rng(self, name: str) -> np.random.Generator:
        key = [self.seed, zlib.crc32(name.encode())]
        if self.shard and name not in SHARED_STAGES:
            key.append(self.shard)
        return np.random.default_rng(np.random.SeedSequence(key))

    def offset_ids(self) -> None:
        """Shift the ids of per-shard entities so that shards never share an id."""
        if not self.shard:
            return
        for frame in self.frames.values():
            for col in frame.cols.values():
                if isinstance(col, IdCol) and col.prefix in SHARDED_ID_PREFIXES:
                    col.offset = self.shard * SHARD_ID_STRIDE

    def _offsets(self):
        # UTC offset (seconds) of each account at noon UTC of each day index -1 .. N_DAYS+1
        self.off = np.zeros((len(ACCOUNTS), N_DAYS + 3), dtype=np.int64)
        for a, acc in enumerate(ACCOUNTS):
            tz = ZoneInfo(acc[3])
            for d in range(-1, N_DAYS + 2):
                t = datetime.fromtimestamp(self.t0 + d * DAY + DAY // 2, UTC)
                self.off[a, d + 1] = int(t.astimezone(tz).utcoffset().total_seconds())

    def offset_at(self, acct: np.ndarray, epoch: np.ndarray) -> np.ndarray:
        d = np.clip((epoch - self.t0) // DAY, -1, N_DAYS + 1) + 1
        return self.off[np.clip(acct, 0, len(ACCOUNTS) - 1), d]

    def local_time(self, acct, day, sec) -> np.ndarray:
        """UTC epoch of local second-of-day ``sec`` on day index ``day`` for account ``acct``."""
        d = np.clip(day, -1, N_DAYS + 1) + 1
        return self.t0 + day.astype(np.int64) * DAY + sec - self.off[acct, d]

    def business_time(self, rng, acct, day, start_h=9, end_h=19) -> np.ndarray:
        sec = rng.integers(start_h * 3600, end_h * 3600, len(acct))
        return self.local_time(acct, day, sec)

    def export_day(self, rng, epoch: np.ndarray, mean_lag: float = 3 * 3600) -> np.ndarray:
        lag = np.minimum(rng.exponential(mean_lag, len(epoch)), 30 * 3600).astype(np.int64)
        return np.clip((epoch + lag - self.t0) // DAY, 0, N_DAYS - 1).astype(np.int16)

    def ts(self, rng, epoch, acct, null=None, bad=None) -> TsCol:
        """Timestamps: ~5% written with the account's local offset, ~2% naive, the rest 'Z'."""
        n = len(epoch)
        style = np.zeros(n, np.int8)
        offset = np.zeros(n, np.int32)
        if n:
            pos = rng.integers(0, n, rng.binomial(n, 0.07))
            style[pos] = np.where(rng.random(len(pos)) < 0.7, 1, 2)
            sel = np.flatnonzero(style == 1)
            offset[sel] = self.offset_at(acct[sel], epoch[sel])
        return TsCol(
            epoch, null=null, style=style, offset=offset, bad=bad, bad_table=BAD_TIMESTAMPS
        )

    def dirt_mask(self, rng, n: int, rate: float) -> np.ndarray:
        """Rows to spoil: about ``rate * dirt_rate`` of them, and at least one when dirt is on."""
        mask = np.zeros(n, bool)
        if self.dirt <= 0 or n == 0:
            return mask
        mask[rng.integers(0, n, max(1, rng.binomial(n, min(1.0, rate * self.dirt))))] = True
        return mask

    def add_dups(self, entity: str, rng, n: int, export_day: np.ndarray, rate: float = 1.0):
        """Re-export a fraction of rows in a later day's redelivery file."""
        sel = np.flatnonzero(self.dirt_mask(rng, n, rate))
        later = np.minimum(export_day[sel] + rng.integers(1, 4, len(sel)), N_DAYS - 1)
        keep = later > export_day[sel]
        self.dups[entity] = (sel[keep], later[keep].astype(np.int16))

    # ------------------------------------------------------------------ dimensions
    def dimensions(self):
        rng = self.rng("dimensions")
        t0 = self.t0
        A = len(ACCOUNTS)
        n_users = max(4, round(4 * math.sqrt(self.s)))
        created0 = t0 - 300 * DAY

        def iso(t: int) -> str:
            return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        # expected monthly credits per account, so that allowances are sometimes exceeded
        monthly = self.N / (N_DAYS / 30.4) * 1.25
        acc_rows, acc_days = [], []
        for a, (aid, parent, name, tz, w, _codes, anchor) in enumerate(ACCOUNTS):
            created = created0 + a * 7 * DAY
            row = {
                "account_id": aid,
                "parent_account_id": parent,
                "name": name,
                "time_zone": tz,
                "monthly_credit_allowance": int(round(monthly * w * 0.95, -2)),
                "billing_cycle_anchor_day": anchor,
                "created_at": iso(created),
                "updated_at": iso(created),
            }
            acc_rows.append(row)
            acc_days.append(0)
        # the London desk's allowance was raised mid-period: a re-export with a later updated_at
        upd = dict(acc_rows[UK])
        upd["monthly_credit_allowance"] = int(upd["monthly_credit_allowance"] * 1.5)
        upd["updated_at"] = iso(t0 + 45 * DAY + 3600 * 15)
        acc_rows.append(upd)
        acc_days.append(45)
        self.frames["accounts"] = py_frame("accounts", acc_rows, acc_days)

        # users, member inboxes, shared inboxes, phone numbers
        users, inboxes, numbers = [], [], []
        u_days, i_days, n_days = [], [], []
        self.users_of: list[np.ndarray] = []
        self.member_pn: list[int] = []  # phone number of each user's member inbox
        self.member_ibx: list[int] = []
        self.tracking_of: list[list[int]] = []  # tracking number indices per account
        self.number_inbox: list[int] = []
        self.user_mobile: list[str] = []
        pn_seq = 0
        number_rows: dict[int, dict] = {}
        for a, (aid, _p, name, _tz, _w, codes, _anchor) in enumerate(ACCOUNTS):
            ids = []
            for k in range(n_users):
                u = a * n_users + k
                created = created0 + a * 7 * DAY + k * 3600
                role = "admin" if k == 0 else ("owner" if a == 0 and k == 1 else "member")
                users.append(
                    {
                        "user_id": f"usr_{u + 1}",
                        "account_id": aid,
                        "full_name": T.USER_NAMES[u % len(T.USER_NAMES)],
                        "role": role,
                        "created_at": iso(created),
                        "updated_at": iso(created),
                        "deactivated_at": None,
                    }
                )
                u_days.append(0)
                ids.append(u)
                ibx = len(inboxes)
                inboxes.append(
                    {
                        "inbox_id": f"ibx_{ibx + 1}",
                        "account_id": aid,
                        "name": f"{T.USER_NAMES[u % len(T.USER_NAMES)]}'s inbox",
                        "inbox_type": "member",
                        "owner_user_id": f"usr_{u + 1}",
                        "created_at": iso(created + 60),
                        "updated_at": iso(created + 60),
                    }
                )
                i_days.append(0)
                numbers.append(
                    self._number_row(
                        pn_seq, aid, codes, f"usr_{u + 1} line", ibx, "local", False, created + 120
                    )
                )
                number_rows[pn_seq] = numbers[-1]
                n_days.append(0)
                self.member_pn.append(pn_seq)
                self.member_ibx.append(ibx)
                self.number_inbox.append(ibx)
                pn_seq += 1
                self.user_mobile.append(f"+1{codes[0] if a != UK else 312}555{1000 + u:04d}")
            # one user per account leaves mid-period (re-export with deactivated_at)
            leaver = dict(users[ids[-1]])
            leaver["deactivated_at"] = iso(t0 + (60 + a) * DAY + 50_000)
            leaver["updated_at"] = leaver["deactivated_at"]
            users.append(leaver)
            u_days.append(60 + a)
            self.users_of.append(np.array(ids))
            trk = []
            city = name.split("— ")[-1]
            for kind, sources in (
                ("leads", ("Google Ads", "Zillow listing", "Yard signs")),
                ("support", ("Main line",)),
            ):
                ibx = len(inboxes)
                created = created0 + a * 7 * DAY + 7200
                inboxes.append(
                    {
                        "inbox_id": f"ibx_{ibx + 1}",
                        "account_id": aid,
                        "name": f"{city} {kind}",
                        "inbox_type": "shared",
                        "owner_user_id": None,
                        "created_at": iso(created),
                        "updated_at": iso(created),
                    }
                )
                i_days.append(0)
                for j, src in enumerate(sources):
                    ntype = "toll_free" if kind == "support" and a != UK else "local"
                    numbers.append(
                        self._number_row(
                            pn_seq,
                            aid,
                            codes,
                            f"{city} {src}",
                            ibx,
                            ntype,
                            kind == "leads",
                            created + j,
                        )
                    )
                    number_rows[pn_seq] = numbers[-1]
                    n_days.append(0)
                    trk.append(pn_seq)
                    self.number_inbox.append(ibx)
                    pn_seq += 1
            self.tracking_of.append(trk)
            # a released tracking number (re-export with released_at)
            rel = dict(number_rows[trk[2]])
            rel["released_at"] = iso(t0 + (80 + a) * DAY + 40_000)
            rel["updated_at"] = rel["released_at"]
            numbers.append(rel)
            n_days.append(80 + a)
        # the Denver shared inbox is renamed later
        ren = dict(inboxes[self.number_inbox[self.tracking_of[1][0]]])
        ren["name"] = ren["name"] + " (new)"
        ren["updated_at"] = iso(t0 + 30 * DAY + 3600)
        inboxes.append(ren)
        i_days.append(30)
        self.n_users = n_users
        self.frames["users"] = py_frame("users", users, u_days)
        self.frames["inboxes"] = py_frame("inboxes", inboxes, i_days)
        self.frames["phone_numbers"] = py_frame("phone_numbers", numbers, n_days)
        self.member_pn = np.array(self.member_pn)
        self.member_ibx = np.array(self.member_ibx)
        self.number_inbox = np.array(self.number_inbox)
        self.trk_mat = np.array([t[:3] for t in self.tracking_of])  # (A, 3) leads numbers
        self.support_pn = np.array([t[3] for t in self.tracking_of])

        # labels
        labels, l_days = [], []
        names = ["Hot lead", "Follow up", "Not interested", "Investor", "Do not call", "Seller"]
        for a in range(A):
            for k, nm in enumerate(names):
                created = created0 + a * 7 * DAY + 86_000 + k
                labels.append(
                    {
                        "label_id": f"lbl_{len(labels) + 1}",
                        "account_id": ACCOUNTS[a][0],
                        "name": nm,
                        "created_at": iso(created),
                        "updated_at": iso(created),
                        "deleted_at": None,
                    }
                )
                l_days.append(0)
        dele = dict(labels[5])
        dele["deleted_at"] = dele["updated_at"] = iso(t0 + 70 * DAY + 1000)
        labels.append(dele)
        l_days.append(70)
        self.n_labels_per_acct = len(names)
        self.frames["labels"] = py_frame("labels", labels, l_days)
        self.iso = iso
        del rng

    def _number_row(self, k, aid, codes, friendly, ibx, ntype, tracking, created):
        iso = datetime.fromtimestamp(int(created), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if codes == (44,):
            e164 = f"+44770090{k % 10000:04d}"
        elif ntype == "toll_free":
            e164 = f"+1833555{k % 10000:04d}"
        else:
            e164 = f"+1{codes[k % len(codes)]}555{k % 10000:04d}"
        return {
            "phone_number_id": f"pn_{k + 1}",
            "account_id": aid,
            "e164": e164,
            "friendly_name": friendly,
            "inbox_id": f"ibx_{ibx + 1}",
            "number_type": ntype,
            "is_tracking_number": tracking,
            "created_at": iso,
            "updated_at": iso,
            "released_at": None,
        }

    # ------------------------------------------------------------------ templates, campaigns
    def campaigns(self):
        rng = self.rng("campaigns")
        iso, t0 = self.iso, self.t0
        nn = len(T.FIRST_NAMES) + 1
        self.body_table: list[str] = []
        tpl_rows, tpl_days = [], []
        self.tpl_kind: list[str] = []
        self.tpl_link: list[str | None] = []
        self.tpl_body0: list[int] = []  # offset of the template's bodies in body_table
        tpl_of: list[dict[str, list[int]]] = []
        for a in range(len(ACCOUNTS)):
            kinds: dict[str, list[int]] = {}
            for k, (name, body, kind, link) in enumerate(T.TEMPLATE_DEFS):
                t = len(tpl_rows)
                body = body.replace("{agent}", T.AGENTS[a])
                created = t0 - 40 * DAY + a * DAY + k * 600
                tpl_rows.append(
                    {
                        "template_id": f"tpl_{t + 1}",
                        "account_id": ACCOUNTS[a][0],
                        "name": name,
                        "body": body,
                        "created_at": iso(created),
                        "updated_at": iso(created),
                        "deleted_at": None,
                    }
                )
                tpl_days.append(0)
                self.tpl_body0.append(len(self.body_table))
                for fn in [*T.FIRST_NAMES, T.NO_NAME]:
                    self.body_table.append(body.replace("{first_name}", fn))
                self.tpl_kind.append(kind)
                self.tpl_link.append(link)
                kinds.setdefault(kind, []).append(t)
            tpl_of.append(kinds)
        # one template edited mid-period and one deleted
        ed = dict(tpl_rows[6])
        ed["body"] = ed["body"].replace("this month", "this season")
        ed["updated_at"] = iso(t0 + 50 * DAY + 5000)
        tpl_rows.append(ed)
        tpl_days.append(50)
        de = dict(tpl_rows[len(T.TEMPLATE_DEFS) + 3])
        de["deleted_at"] = de["updated_at"] = iso(t0 + 90 * DAY + 7000)
        tpl_rows.append(de)
        tpl_days.append(90)
        self.frames["templates"] = py_frame("templates", tpl_rows, tpl_days)
        assert all(len(x) == nn for x in [[*T.FIRST_NAMES, T.NO_NAME]])
        self.tpl_kind_arr = np.array(self.tpl_kind)
        self.tpl_body0 = np.array(self.tpl_body0)
        self.tpl_spammy = self.tpl_kind_arr == "spammy"
        self.tpl_has_link = np.array([x is not None for x in self.tpl_link])

        # campaigns: per account standard campaigns (count grows slowly with scale), one or two
        # keyword campaigns and a draft
        n_std = 5 + round(2 * math.log2(max(self.s, 1)))
        camp, c_days, steps, s_days, senders, snd_days = [], [], [], [], [], []
        self.camp_acct, self.camp_kw, self.camp_launch, self.camp_window = [], [], [], []
        self.camp_size_frac, self.camp_steps, self.camp_senders, self.camp_pn = [], [], [], []
        self.std_of: list[list[int]] = []
        for a in range(len(ACCOUNTS)):
            kinds = tpl_of[a]
            std_list = []
            specs = [("standard", i) for i in range(n_std)] + [("keyword", 0)]
            if a in (0, 2):
                specs.append(("keyword", 1))
            specs.append(("draft", 0))
            for ctype, i in specs:
                c = len(self.camp_acct)
                if ctype == "standard":
                    launch = t0 + int((i + 0.5) / n_std * (N_DAYS - 10) * DAY)
                    launch += int(rng.integers(-3 * DAY, 3 * DAY))
                    launch = max(launch, t0 - 5 * DAY)
                    window = int(rng.integers(4, 25)) * DAY
                    n_steps = int(rng.choice([1, 2, 3], p=[0.2, 0.4, 0.4]))
                    first = kinds["intro"][int(rng.integers(len(kinds["intro"])))]
                    if a == 0 and i == 1:
                        first = kinds["spammy"][0]
                    name = f"{T.TEMPLATE_DEFS[first % len(T.TEMPLATE_DEFS)][0]} #{i + 1}"
                    tpls = [first] + [kinds["followup"][(i + j) % 3] for j in range(n_steps - 1)]
                    delays = [0, 2 * 1440, 5 * 1440][:n_steps]
                    frac = float(rng.uniform(0.35, 0.85))
                    keyword = None
                elif ctype == "keyword":
                    launch = t0 - 10 * DAY + i * 40 * DAY
                    window = self.t_end - launch
                    n_steps = 2
                    tpls = [kinds["keyword_reply"][0], kinds["followup"][0]]
                    delays = [0, 1440]
                    frac = 0.04
                    keyword = T.KEYWORDS[(a + i) % len(T.KEYWORDS)]
                    name = f"Keyword {keyword}"
                else:
                    launch, window, n_steps, tpls, delays, frac, keyword = (
                        None,
                        0,
                        1,
                        [kinds["intro"][0]],
                        [0],
                        0.0,
                        None,
                    )
                    name = "Spring mailer (draft)"
                created = (launch if launch is not None else t0 + 60 * DAY) - int(
                    rng.integers(3600, 3 * DAY)
                )
                end = None if launch is None else launch + window + delays[-1] * 60 + 2 * DAY
                status = (
                    "draft" if launch is None else "completed" if end < self.t_end else "active"
                )
                upd = end if status == "completed" else (launch or created)
                camp.append(
                    {
                        "campaign_id": f"cmp_{c + 1}",
                        "account_id": ACCOUNTS[a][0],
                        "name": name,
                        "campaign_type": "keyword" if ctype == "keyword" else "standard",
                        "keyword": keyword,
                        "status": "active" if status == "completed" else status,
                        "created_at": iso(created),
                        "launched_at": iso(launch) if launch is not None else None,
                        "ended_at": None,
                        "updated_at": iso(launch or created),
                    }
                )
                cday = int(np.clip((created - t0) // DAY, 0, N_DAYS - 1))
                c_days.append(cday)
                if status == "completed":  # re-export when it ends
                    done = dict(camp[-1])
                    done.update(status="completed", ended_at=iso(end), updated_at=iso(upd))
                    camp.append(done)
                    c_days.append(int(np.clip((end - t0) // DAY + 1, 0, N_DAYS - 1)))
                for j, (tp, dl) in enumerate(zip(tpls, delays, strict=True)):
                    steps.append(
                        {
                            "campaign_id": f"cmp_{c + 1}",
                            "step_number": j + 1,
                            "template_id": f"tpl_{tp + 1}",
                            "delay_minutes": dl,
                        }
                    )
                    s_days.append(cday)
                users = self.users_of[a]
                k = int(rng.integers(1, min(4, len(users)) + 1))
                snd = users[rng.choice(len(users), k, replace=False)]
                snd.sort()
                for j, u in enumerate(snd):
                    senders.append(
                        {
                            "campaign_id": f"cmp_{c + 1}",
                            "user_id": f"usr_{u + 1}",
                            "added_at": iso(created + 60 + j),
                            "removed_at": None,
                        }
                    )
                    snd_days.append(cday)
                if k >= 3 and launch is not None:  # one sender removed half-way
                    rem = dict(senders[-1])
                    t_rem = min(launch + window // 2, self.t_end - DAY)
                    rem["removed_at"] = iso(t_rem)
                    senders.append(rem)
                    snd_days.append(int(np.clip((t_rem - t0) // DAY + 1, 0, N_DAYS - 1)))
                self.camp_acct.append(a)
                self.camp_kw.append(ctype == "keyword")
                self.camp_launch.append(launch if launch is not None else -1)
                self.camp_window.append(window)
                self.camp_size_frac.append(frac)
                self.camp_steps.append(list(zip(tpls, delays, strict=True)))
                self.camp_senders.append(snd)
                self.camp_pn.append(self.trk_mat[a, 0])
                if ctype == "standard":
                    std_list.append(c)
            self.std_of.append(std_list)
        self.frames["campaigns"] = py_frame("campaigns", camp, c_days)
        self.frames["campaign_steps"] = py_frame("campaign_steps", steps, s_days)
        self.frames["campaign_senders"] = py_frame("campaign_senders", senders, snd_days)
        self.camp_acct = np.array(self.camp_acct)
        self.camp_kw = np.array(self.camp_kw)
        nc = len(camp)
        del nc
        C = len(self.camp_acct)
        self.step_tpl = np.full((C, 3), -1)
        self.step_delay = np.zeros((C, 3), dtype=np.int64)
        self.n_steps = np.zeros(C, dtype=np.int64)
        for c, st in enumerate(self.camp_steps):
            self.n_steps[c] = len(st)
            for j, (tp, dl) in enumerate(st):
                self.step_tpl[c, j] = tp
                self.step_delay[c, j] = dl
        # message pools appended to the body table
        self.pool: dict[str, tuple[int, int]] = {}
        for key, items in (
            ("ordinary", T.REPLY_ORDINARY),
            ("stop", T.REPLY_STOP),
            ("lang", T.REPLY_OPTOUT_LANGUAGE),
            ("help", T.REPLY_HELP),
            ("start", T.REPLY_START),
            ("mms", T.REPLY_MMS),
            ("keyword", T.KEYWORD_TEXTS),
            ("manual", T.MANUAL_BODIES),
            ("auto", list(T.AUTOMATION_BODIES.values())),
        ):
            self.pool[key] = (len(self.body_table), len(items))
            self.body_table.extend(items)
        self.auto_code = {k: self.pool["auto"][0] + i for i, k in enumerate(T.AUTOMATION_BODIES)}
        self.body_seg = np.array([T.segment_count(b) for b in self.body_table])

    def pool_codes(self, rng, key: str, n: int) -> np.ndarray:
        start, size = self.pool[key]
        return (start + rng.integers(0, size, n)).astype(np.int32)

    # ------------------------------------------------------------------ contacts
    def contacts(self):
        rng = self.rng("contacts")
        n = max(len(ACCOUNTS) * 50, self.N // 10)
        w = np.array([a[4] for a in ACCOUNTS])
        counts = np.floor(w / w.sum() * n).astype(np.int64)
        counts[0] += n - counts.sum()
        acct = np.repeat(np.arange(len(ACCOUNTS)), counts)
        self.c_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.c_count = counts
        local = np.arange(n) - self.c_start[acct]
        pre = rng.random(n) < 0.55
        created = np.where(
            pre,
            self.t0 - rng.integers(DAY, 400 * DAY, n),
            self.business_time(rng, acct, rng.integers(0, N_DAYS, n), 8, 21),
        )
        self.c_acct, self.c_created, self.c_n = acct, created, n
        self.c_name = rng.integers(0, len(T.FIRST_NAMES), n)
        no_name = rng.random(n) < 0.06
        self.c_name_code = np.where(no_name, len(T.FIRST_NAMES), self.c_name)  # for bodies
        last = rng.integers(0, len(T.LAST_NAMES), n)
        self.c_bad = rng.random(n) < 0.015  # dead numbers: every message hard-bounces
        # phones
        sub = 2_000_000 + (local * 7919) % 8_000_000
        codes_by_acct = [a[5] for a in ACCOUNTS]
        area = np.array([codes_by_acct[a][0] for a in range(len(ACCOUNTS))])[acct]
        alt = np.array([codes_by_acct[a][-1] for a in range(len(ACCOUNTS))])[acct]
        area = np.where(rng.random(n) < 0.3, alt, area)
        style = rng.choice(7, n, p=[0.5, 0.15, 0.1, 0.08, 0.07, 0.05, 0.05]).astype(np.int8)
        uk = acct == UK
        style[uk] = np.where(rng.random(uk.sum()) < 0.85, 9, 8)
        us = np.flatnonzero(~uk)
        style[us[self.dirt_mask(rng, len(us), 0.5)]] = 7
        self.c_phone = self._phones(style, area, sub, rng)
        self.c_e164_area, self.c_sub = area, sub
        # contact rows incl. later updates and deletions
        upd = np.flatnonzero(rng.random(n) < 0.06)
        dele = np.flatnonzero(rng.random(n) < 0.005)
        rows = np.concatenate([np.arange(n), upd, dele])
        t_upd = np.maximum(created[upd], self.t0) + rng.integers(DAY, 60 * DAY, len(upd))
        t_del = np.maximum(created[dele], self.t0) + rng.integers(DAY, 90 * DAY, len(dele))
        keep = np.concatenate([np.ones(n, bool), t_upd < self.t_end, t_del < self.t_end])
        rows = rows[keep]
        updated = np.concatenate([created, t_upd, t_del])[keep]
        deleted = np.concatenate([np.full(n + len(upd), -1), t_del])[keep]
        m = len(rows)
        has_email = np.concatenate(
            [rng.random(n) < 0.6, np.ones(len(upd), bool), rng.random(len(dele)) < 0.6]
        )[keep]
        fl = pa.array([x.lower() for x in T.FIRST_NAMES])
        ll = pa.array([x.lower().replace("'", "") for x in T.LAST_NAMES])
        email = pc.binary_join_element_wise(
            fl.take(pa.array(self.c_name[rows])),
            ".",
            ll.take(pa.array(last[rows])),
            pc.cast(pa.array(rows), pa.string()),
            "@example.com",
            "",
        )
        email = pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string()))
        sources = ["import", "manual", "keyword", "api", "web_form"]
        src = rng.choice(5, n, p=[0.5, 0.15, 0.05, 0.15, 0.15])[rows]
        acct_codes = acct[rows].copy()
        bad_acct = self.dirt_mask(rng, m, 0.2)
        acct_codes[bad_acct] = len(ACCOUNTS)
        exp = np.where(
            updated < self.t0, 0, self.export_day(rng, np.maximum(updated, self.t0))
        ).astype(np.int16)
        first = [*T.FIRST_NAMES, None]
        self.frames["contacts"] = Frame(
            "contacts",
            {
                "contact_id": IdCol(rows, "con_"),
                "account_id": EnumCol(acct_codes, [a[0] for a in ACCOUNTS] + [UNKNOWN_ACCOUNT]),
                "phone": ArrowCol(self.c_phone.take(pa.array(rows))),
                "first_name": EnumCol(self.c_name_code[rows], first),
                "last_name": EnumCol(last[rows], T.LAST_NAMES),
                "email": ArrowCol(email),
                "source": EnumCol(src, sources),
                "created_at": self.ts(rng, created[rows], acct[rows]),
                "updated_at": self.ts(rng, updated, acct[rows]),
                "deleted_at": self.ts(rng, np.maximum(deleted, 0), acct[rows], null=deleted < 0),
            },
            exp,
        )
        self.add_dups("contacts", rng, m, exp, 0.5)

    def _phones(self, style, area, sub, rng) -> pa.Array:
        n = len(style)
        order = np.argsort(style, kind="stable")
        counts = np.bincount(style, minlength=10)
        parts, pos = [], 0
        words = np.frombuffer(
            b"".join(w.encode() for w in DIRT["letter_phone_words"]), np.uint8
        ).reshape(-1, 4)
        for s, c in enumerate(counts):
            sel = order[pos : pos + c]
            pos += c
            a3, e3, l4 = digits(area[sel], 3), digits(sub[sel] // 10000, 3), digits(sub[sel], 4)
            p = {
                0: [b"+1", a3, e3, l4],
                1: [b"(", a3, b") ", e3, b"-", l4],
                2: [a3, b"-", e3, b"-", l4],
                3: [a3, b".", e3, b".", l4],
                4: [b"1", a3, e3, l4],
                5: [b"+1 ", a3, b" ", e3, b" ", l4],
                6: [a3, e3, l4],
                7: [a3, b"-", e3, b"-", words[rng.integers(0, len(words), c)]],
                8: [b"07", digits(sub[sel] % 1000, 3), b" ", digits(sub[sel], 6)],
                9: [b"+447", digits(sub[sel] % 1000, 3), digits(sub[sel], 6)],
            }[s]
            parts.append(fixed_strings(p, c))
        inv = np.empty_like(order)
        inv[order] = np.arange(n)
        return pa.concat_arrays(parts).take(pa.array(inv))

    # ------------------------------------------------------------------ enrollments + messages
    def messages(self):
        rng = self.rng("enrollments")
        t_end = self.t_end
        # enrollments per standard campaign: a sample without repeats of the account's contacts
        target_enr = 0.86 * self.N / 2.5  # ~2.5 messages per enrollment, 14% inbox-only
        e_c, e_k, e_t = [], [], []
        w = np.array([a[4] for a in ACCOUNTS])
        for c in range(len(self.camp_acct)):
            a = self.camp_acct[c]
            launch = self.camp_launch[c]
            if launch < 0:
                continue
            pool = self.c_count[a]
            if self.camp_kw[c]:
                k = int(pool * self.camp_size_frac[c])
            else:
                std = self.std_of[a]
                total = sum(self.camp_size_frac[x] for x in std)
                k = int(
                    min(0.9, self.camp_size_frac[c] / total * target_enr * w[a] / w.sum() / pool)
                    * pool
                )
            k = max(k, 5)
            who = self.c_start[a] + rng.choice(pool, min(k, pool), replace=False)
            who.sort()
            k = len(who)
            if self.camp_kw[c]:
                t = launch + rng.integers(0, t_end - launch, k)
                sec = (t - self.t0) % DAY
                t = t - sec + rng.integers(13 * 3600, 27 * 3600, k)  # daytime in the US
            else:
                day = (launch - self.t0) // DAY + rng.integers(0, self.camp_window[c] // DAY, k)
                t = self.business_time(rng, np.full(k, a), day, 9, 19)
                t = np.maximum(t, launch + 60)
            t = np.maximum(t, self.c_created[who] + 600)
            ok = t < t_end - 600
            e_c.append(np.full(ok.sum(), c))
            e_k.append(who[ok])
            e_t.append(t[ok])
        ec, ek, et = np.concatenate(e_c), np.concatenate(e_k), np.concatenate(e_t)
        E = len(ec)
        ea = self.camp_acct[ec]
        n_snd = np.array([len(s) for s in self.camp_senders])
        snd_mat = np.full((len(n_snd), n_snd.max()), -1)
        for c, s in enumerate(self.camp_senders):
            snd_mat[c, : len(s)] = s
        eu = snd_mat[ec, (rng.random(E) * n_snd[ec]).astype(np.int64)]
        self.enr = dict(c=ec, k=ek, t=et, a=ea, u=eu)
        kw = self.camp_kw[ec]
        self.frames["campaign_enrollments"] = Frame(
            "campaign_enrollments",
            {
                "enrollment_id": IdCol(np.arange(E), "enr_"),
                "campaign_id": IdCol(ec + 1, "cmp_"),
                "contact_id": IdCol(ek, "con_"),
                "assigned_user_id": IdCol(eu + 1, "usr_"),
                "enrolled_at": self.ts(rng, et, ea),
            },
            self.export_day(rng, et),
        )

        M = _Buf(
            a=np.int16(0),
            k=np.int64(0),
            d=np.int8(1),
            t=np.int64(0),
            pn=np.int32(0),
            u=np.int32(-1),
            c=np.int32(-1),
            e=np.int64(-1),
            tpl=np.int32(-1),
            step=np.int8(0),
            st=np.int8(0),
            body=np.int32(0),
            media=np.int8(0),
        )
        OB = _Buf(
            k=np.int64(0),
            a=np.int16(0),
            dirn=np.int8(0),
            method=np.int8(0),
            t=np.int64(0),
            c=np.int32(-1),
            e=np.int64(-1),
            m=np.int64(-1),
            u=np.int32(-1),
        )
        L = _Buf(
            k=np.int64(0),
            a=np.int16(0),
            t=np.int64(0),
            ch=np.int8(0),
            c=np.int32(-1),
            m=np.int64(-1),
            call=np.int64(-1),
        )
        self.M, self.OB, self.L = M, OB, L
        rng = self.rng("messages")
        member_pn = self.member_pn[np.maximum(eu, 0)]
        kw_pn = np.array(self.camp_pn)[ec]
        pn = np.where(kw, kw_pn, member_pn)
        e_idx = np.arange(E)

        # keyword campaigns start with the contact texting the keyword
        sel = np.flatnonzero(kw)
        M.add(
            len(sel),
            a=ea[sel],
            k=ek[sel],
            d=0,
            t=et[sel] - 2,
            pn=pn[sel],
            c=ec[sel],
            e=sel,
            body=self.pool_codes(rng, "keyword", len(sel)),
        )

        # reply time: after one of the steps, log-normal delay
        p_reply = np.where(kw, 0.35, 0.2) * ~self.c_bad[ek]
        replier = rng.random(E) < p_reply
        ns = self.n_steps[ec]
        r_step = np.minimum((rng.random(E) * np.array([1.0, 1.6, 2.0])[ns - 1]).astype(int), ns - 1)
        step_t = et[:, None] + self.step_delay[ec] * 60 + rng.integers(1, 90, (E, 3))
        step_t[:, 1:] += rng.integers(0, 4 * 3600, (E, 2))
        t_reply = step_t[e_idx, r_step] + _lognormal(rng, 2400, 1.6, E, 20, 5 * DAY)
        t_reply = np.where(replier, t_reply, np.iinfo(np.int64).max)
        sent_steps = np.zeros(E, dtype=np.int64)
        for j in range(3):
            ok = (j < ns) & (step_t[:, j] < np.minimum(t_reply, t_end))
            sel = np.flatnonzero(ok)
            sent_steps[sel] = j + 1
            st = np.where(kw[sel], KEYWORD_REPLY if j == 0 else AUTOMATION, BLAST)
            tpl = self.step_tpl[ec[sel], j]
            M.add(
                len(sel),
                a=ea[sel],
                k=ek[sel],
                t=step_t[sel, j],
                pn=pn[sel],
                c=ec[sel],
                e=sel,
                tpl=tpl,
                step=j + 1,
                st=st,
                body=self.tpl_body0[tpl] + self.c_name_code[ek[sel]],
            )
        replier &= (t_reply < t_end) & (sent_steps > 0)
        rs = np.flatnonzero(replier)
        kind = rng.choice(5, len(rs), p=[0.64, 0.15, 0.08, 0.03, 0.10])  # ord stop lang help mms
        body = np.zeros(len(rs), dtype=np.int32)
        for kk, key in enumerate(["ordinary", "stop", "lang", "help", "mms"]):
            m = kind == kk
            body[m] = self.pool_codes(rng, key, m.sum())
        media = np.where(kind == 4, rng.integers(1, 3, len(rs)), 0)
        platform = rng.random(len(rs)) < 0.5  # platform supplies campaign_id on the reply
        tr = t_reply[rs]
        rmsg = M.add(
            len(rs),
            a=ea[rs],
            k=ek[rs],
            d=0,
            t=tr,
            pn=pn[rs],
            c=np.where(platform, ec[rs], -1),
            e=np.where(platform, rs, -1),
            body=body,
            media=media,
        )
        base = dict(a=ea[rs], k=ek[rs], c=ec[rs], e=rs)
        # STOP keyword: keyword opt-out + confirmation; some come back with START later
        m = kind == 1
        self._opt(m, base, 0, "keyword", tr + 1, rmsg)
        conf = m & (rng.random(len(rs)) < 0.7)
        self._auto(conf, base, pn[rs], tr + 2, "unsubscribed")
        back = m & (rng.random(len(rs)) < 0.1)
        t_back = tr + rng.integers(DAY, 20 * DAY, len(rs))
        back &= t_back < t_end
        smsg = M.add(
            int(back.sum()),
            a=ea[rs][back],
            k=ek[rs][back],
            d=0,
            t=t_back[back],
            pn=pn[rs][back],
            body=self.pool_codes(rng, "start", int(back.sum())),
        )
        full = np.full(len(rs), -1)
        full[back] = smsg
        self._opt(
            back,
            dict(a=ea[rs], k=ek[rs], c=np.full(len(rs), -1), e=np.full(len(rs), -1)),
            1,
            "keyword",
            t_back + 1,
            full,
        )
        self._auto(back, base, pn[rs], t_back + 2, "resubscribed")
        # opt-out language: the AI filter catches most, the sender opts the rest out manually
        m = kind == 2
        ai = m & (rng.random(len(rs)) < 0.65)
        self._opt(ai, base, 0, "ai_filter", tr + rng.integers(2, 30, len(rs)), rmsg)
        man = m & ~ai
        t_man = tr + _lognormal(rng, 900, 1.5, len(rs), 30, 3 * DAY)
        self._opt(man & (t_man < t_end), base, 0, "manual", t_man, np.full(len(rs), -1), u=eu[rs])
        self._auto(kind == 3, base, pn[rs], tr + 2, "help")
        # ordinary answers and MMS: a conversation with the assigned sender
        conv = (kind == 0) | (kind == 4)
        self._auto(
            conv & (rng.random(len(rs)) < 0.25),
            base,
            pn[rs],
            tr + rng.integers(3, 15, len(rs)),
            "thanks",
        )
        cv = np.flatnonzero(conv)
        self._thread(
            rng,
            ea[rs][cv],
            ek[rs][cv],
            eu[rs][cv],
            pn[rs][cv],
            ec[rs][cv],
            rs[cv],
            tr[cv],
            first_done=True,
        )
        lead = conv & (rng.random(len(rs)) < 0.14)
        t_lead = tr + _lognormal(rng, 3 * 3600, 1.2, len(rs), 60, 5 * DAY)
        lead &= t_lead < t_end
        L.add(
            int(lead.sum()),
            k=ek[rs][lead],
            a=ea[rs][lead],
            t=t_lead[lead],
            ch=1,
            c=ec[rs][lead],
            m=rmsg[lead],
        )
        late_out = conv & ~lead & (rng.random(len(rs)) < 0.04)
        t_lo = tr + _lognormal(rng, 2 * DAY, 1.0, len(rs), 3600, 20 * DAY)
        self._opt(
            late_out & (t_lo < t_end), base, 0, "manual", t_lo, np.full(len(rs), -1), u=eu[rs]
        )

        # inbox conversations outside campaigns, through the shared tracking numbers
        rng = self.rng("inbox")
        n_in = int(0.045 * self.N)
        a = rng.choice(len(ACCOUNTS), n_in, p=w / w.sum())
        k = self.c_start[a] + (rng.random(n_in) * self.c_count[a]).astype(np.int64)
        u = self.users_of_mat()[a, (rng.random(n_in) * self.n_users).astype(np.int64)]
        pn_in = self.trk_mat[a, rng.integers(0, 3, n_in)]
        pn_in = np.where(rng.random(n_in) < 0.15, self.support_pn[a], pn_in)
        t = self.business_time(rng, a, rng.integers(0, N_DAYS, n_in), 8, 21)
        t = np.maximum(t, self.c_created[k] + 600)
        ok = (t < t_end - 60) & ~self.c_bad[k]
        a, k, u, pn_in, t = a[ok], k[ok], u[ok], pn_in[ok], t[ok]
        n_in = len(a)
        outbound_first = rng.random(n_in) < 0.2
        t_first = t - _lognormal(rng, 7200, 1.0, n_in, 120, 2 * DAY)
        sel = np.flatnonzero(outbound_first)
        M.add(
            len(sel),
            a=a[sel],
            k=k[sel],
            t=t_first[sel],
            pn=pn_in[sel],
            u=u[sel],
            st=MANUAL,
            body=self.pool_codes(rng, "manual", len(sel)),
        )
        first_body = np.where(
            rng.random(n_in) < 0.03,
            self.pool_codes(rng, "stop", n_in),
            self.pool_codes(rng, "ordinary", n_in),
        )
        self._thread(
            rng,
            a,
            k,
            u,
            pn_in,
            np.full(n_in, -1),
            np.full(n_in, -1),
            t,
            first_done=False,
            first_body=first_body,
        )
        self._build_messages()

    def users_of_mat(self) -> np.ndarray:
        return np.stack(self.users_of)

    def _opt(self, mask, base, dirn, method, t, msg, u=None):
        methods = ["keyword", "ai_filter", "manual", "management_page", "import", "carrier"]
        sel = np.flatnonzero(mask)
        self.OB.add(
            len(sel),
            k=base["k"][sel],
            a=base["a"][sel],
            dirn=dirn,
            method=methods.index(method),
            t=t[sel],
            c=base["c"][sel],
            e=base["e"][sel],
            m=msg[sel],
            u=-1 if u is None else u[sel],
        )

    def _auto(self, mask, base, pn, t, which):
        sel = np.flatnonzero(mask & (t < self.t_end))
        self.M.add(
            len(sel),
            a=base["a"][sel],
            k=base["k"][sel],
            t=t[sel],
            pn=pn[sel],
            c=base["c"][sel],
            e=base["e"][sel],
            st=AUTOMATION,
            body=self.auto_code[which],
        )

    def _thread(self, rng, a, k, u, pn, c, e, t_in, first_done, first_body=None):
        """Back-and-forth: inbound, maybe a double text, a manual answer (or none), repeat."""
        M, t_end = self.M, self.t_end
        n = len(a)
        active = np.ones(n, bool)
        t = t_in.copy()
        for r in range(4):
            sel = np.flatnonzero(active & (t < t_end))
            if len(sel) == 0:
                break
            if r > 0 or not first_done:
                body = (
                    first_body[sel]
                    if r == 0 and first_body is not None
                    else self.pool_codes(rng, "ordinary", len(sel))
                )
                media = np.where(rng.random(len(sel)) < 0.04, 1, 0)
                M.add(
                    len(sel), a=a[sel], k=k[sel], d=0, t=t[sel], pn=pn[sel], body=body, media=media
                )
            m = len(sel)
            dbl = rng.random(m) < 0.15
            t_dbl = t[sel] + _lognormal(rng, 60, 1.0, m, 3, 3600)
            ds = np.flatnonzero(dbl & (t_dbl < t_end))
            M.add(
                len(ds),
                a=a[sel][ds],
                k=k[sel][ds],
                d=0,
                t=t_dbl[ds],
                pn=pn[sel][ds],
                body=self.pool_codes(rng, "ordinary", len(ds)),
            )
            answered = rng.random(m) < 0.8
            t_out = t[sel] + _lognormal(rng, 420, 1.7, m, 10, 3 * DAY)
            t_out = np.where(dbl, np.maximum(t_out, t_dbl + 5), t_out)
            os_ = np.flatnonzero(answered & (t_out < t_end))
            s2 = sel[os_]
            M.add(
                len(os_),
                a=a[s2],
                k=k[s2],
                t=t_out[os_],
                pn=pn[s2],
                u=u[s2],
                c=c[s2],
                e=e[s2],
                st=MANUAL,
                body=self.pool_codes(rng, "manual", len(os_)),
            )
            cont = np.zeros(n, bool)
            cont[sel] = answered & (rng.random(m) < 0.45)
            nxt = t.copy()
            nxt[sel] = t_out + _lognormal(rng, 1800, 1.5, m, 20, 2 * DAY)
            t = nxt
            active = cont

    def _build_messages(self):
        rng = self.rng("messages-columns")
        m = self.M.done()
        self.msg = m
        n = len(m["t"])
        out = m["d"] == 1
        seg = self.body_seg[m["body"]]
        mms = m["media"] > 0
        reported = np.where(mms, 1, seg)
        r = rng.random(n)
        reported = np.where(r < 0.01, reported + 1, reported)
        seg_null = (r > 0.96) | (~out & (r > 0.5) & (r < 0.55))
        price_tab = [None] + [f"-{0.0079 * i:.4f}" for i in range(1, 16)] + ["-0.0200"]
        price = np.where(mms, 16, np.minimum(seg, 15))
        price = np.where((~out & (r < 0.5)) | (r > 0.985), 0, price)
        direction = m["d"].astype(np.int8).copy()
        acct = m["a"].astype(np.int16).copy()
        bad_dir = self.dirt_mask(rng, n, 0.2)
        direction[bad_dir] = 2
        bad_acct = self.dirt_mask(rng, n, 0.1)
        acct[bad_acct] = len(ACCOUNTS)
        bad_ts = np.where(self.dirt_mask(rng, n, 0.2), rng.integers(1, 4, n), 0).astype(np.int8)
        inbox = self.number_inbox[m["pn"]]
        exp = self.export_day(rng, m["t"])
        self.msg_exp = exp
        self.frames["messages"] = Frame(
            "messages",
            {
                "message_id": IdCol(np.arange(n), "SM", hexed=True),
                "account_id": EnumCol(acct, [x[0] for x in ACCOUNTS] + [UNKNOWN_ACCOUNT]),
                "contact_id": IdCol(m["k"], "con_"),
                "direction": EnumCol(direction, ["inbound", "outbound", DIRT["unknown_direction"]]),
                "created_at": self.ts(rng, m["t"], m["a"], bad=bad_ts),
                "phone_number_id": IdCol(m["pn"].astype(np.int64) + 1, "pn_"),
                "inbox_id": IdCol(inbox.astype(np.int64) + 1, "ibx_"),
                "user_id": IdCol(np.where(m["u"] >= 0, m["u"] + 1, -1), "usr_"),
                "campaign_id": IdCol(np.where(m["c"] >= 0, m["c"] + 1, -1), "cmp_"),
                "enrollment_id": IdCol(m["e"], "enr_"),
                "template_id": IdCol(np.where(m["tpl"] >= 0, m["tpl"] + 1, -1), "tpl_"),
                "step_number": IntCol(m["step"], null=m["step"] == 0),
                "send_type": EnumCol(m["st"], SEND_TYPES),
                "body": EnumCol(m["body"], self.body_table),
                "media_count": IntCol(m["media"]),
                "num_segments": IntCol(reported, null=seg_null),
                "price": EnumCol(price, price_tab),
                "price_unit": EnumCol((price > 0).astype(np.int8), [None, "USD"]),
            },
            exp,
        )
        self.add_dups("messages", rng, n, exp, 0.5)

    # ------------------------------------------------------------------ delivery events
    def events(self):
        rng = self.rng("events")
        m = self.msg
        n = len(m["t"])
        t_end = self.t_end
        out = np.flatnonzero(m["d"] == 1)
        t = m["t"][out]
        tpl = m["tpl"][out]
        spam = (tpl >= 0) & self.tpl_spammy[np.maximum(tpl, 0)]
        # outcome: 0 delivered, 1 carrier block, 2 hard, 3 soft->delivered, 4 soft->failed,
        #          5 opted out (21610), 6 other failure, 7 canceled
        p = np.array([0.931, 0.012, 0.01, 0.018, 0.014, 0.008, 0.004, 0.003])
        oc = rng.choice(8, len(out), p=p)
        oc = np.where(spam & (rng.random(len(out)) < 0.35), 1, oc)
        oc = np.where(self.c_bad[m["k"][out]], 2, oc)
        E = _Buf(m=np.int64(0), s=np.int8(0), t=np.int64(0), err=np.int8(0), att=np.int16(0))
        self.E = E
        r = rng.random(len(out))

        def add(mask, status, when, err=0, att=0):
            sel = np.flatnonzero(mask)
            E.add(
                len(sel),
                m=out[sel],
                s=status if np.ndim(status) == 0 else status[sel],
                t=when[sel],
                err=err if np.ndim(err) == 0 else err[sel],
                att=att if np.ndim(att) == 0 else att[sel],
            )

        add(r < 0.35, Q, t)  # 'queued' callbacks for some messages
        canceled = oc == 7
        add(canceled, CANCELED, t + 1)
        hard_code = rng.choice([10, 11, 12, 13], len(out), p=[0.5, 0.15, 0.2, 0.15])
        hard_nosend = (oc == 2) & (hard_code >= 12)  # 21211/21614 fail before sending
        t_sent = t + rng.integers(1, 4, len(out))
        # pending: the newest messages have no final status yet
        pending = t > t_end - 2 * 3600
        sends = ~canceled & ~hard_nosend & (oc != 5)
        add(sends & (t_sent < t_end), SENT, t_sent)
        fin = ~pending
        t_fin = t_sent + _lognormal(rng, 6, 0.8, len(out), 1, 600)
        add(fin & (oc == 0), DELIVERED, t_fin)
        read = fin & (oc == 0) & (rng.random(len(out)) < 0.05)
        add(read, READ, t_fin + _lognormal(rng, 900, 1.5, len(out), 5, DAY))
        cb_code = rng.choice([1, 2, 3, 4, 5], len(out), p=[0.75, 0.1, 0.05, 0.05, 0.05])
        cb_status = np.where(rng.random(len(out)) < 0.8, UNDELIV, FAILED)
        add(fin & (oc == 1), cb_status, t_fin, cb_code)
        add(fin & (oc == 2) & ~hard_nosend, UNDELIV, t_fin, hard_code)
        add(fin & hard_nosend, FAILED, t + 1, hard_code)
        add(fin & (oc == 5), FAILED, t + 1, 14)
        add(fin & (oc == 6), UNDELIV, t_fin, np.where(r < 0.5, 15, 0))
        # soft bounces retried hourly; attempt counts retries
        soft = np.flatnonzero(fin & ((oc == 3) | (oc == 4)))
        soft_code = rng.choice([6, 7, 8, 9], len(soft), p=[0.6, 0.2, 0.1, 0.1])
        add_soft = np.zeros(len(out), np.int8)
        add_soft[soft] = soft_code
        add(fin & ((oc == 3) | (oc == 4)), UNDELIV, t_fin, add_soft)
        tries = np.minimum(1 + rng.geometric(0.4, len(soft)), 48)
        tries = np.where(rng.random(len(soft)) < 0.03, 48, tries)
        rep = np.repeat(np.arange(len(soft)), tries)
        att = np.arange(len(rep)) - np.repeat(np.cumsum(tries) - tries, tries) + 1
        t_try = t_fin[soft][rep] + att * 3600 + rng.integers(-120, 120, len(rep))
        last = att == tries[rep]
        ok_del = (oc[soft] == 3)[rep] & last
        keep = t_try < t_end
        s_out = out[soft][rep]
        sel = keep & ~ok_del
        E.add(
            int(sel.sum()),
            m=s_out[sel],
            s=UNDELIV,
            t=t_try[sel],
            err=soft_code[rep][sel],
            att=att[sel],
        )
        sel = keep & ok_del
        E.add(int(sel.sum()), m=s_out[sel], s=SENT, t=t_try[sel], att=att[sel])
        E.add(int(sel.sum()), m=s_out[sel], s=DELIVERED, t=t_try[sel] + 5, att=att[sel])
        # inbound: received
        inn = np.flatnonzero(m["d"] == 0)
        E.add(len(inn), m=inn, s=RECEIVED, t=m["t"][inn])
        ev = E.done()
        ne = len(ev["t"])
        self.msg_outcome = np.full(n, -1)
        self.msg_outcome[out] = oc
        self.msg_final_t = np.zeros(n, np.int64)
        self.msg_final_t[out] = t_fin
        status = ev["s"].copy()
        status[self.dirt_mask(rng, ne, 0.1)] = BAD_STATUS
        bad_ts = np.where(self.dirt_mask(rng, ne, 0.1), rng.integers(1, 4, ne), 0).astype(np.int8)
        exp = self.export_day(rng, ev["t"], 2 * 3600)
        late = self.dirt_mask(rng, ne, 1.0)
        exp = np.where(late, np.minimum(exp + rng.integers(2, 7, ne), N_DAYS - 1), exp)
        acct = self.msg["a"][ev["m"]]
        self.frames["message_events"] = Frame(
            "message_events",
            {
                "event_id": IdCol(np.arange(ne), "EV", hexed=True),
                "message_id": IdCol(ev["m"], "SM", hexed=True),
                "status": EnumCol(status, STATUSES),
                "occurred_at": self.ts(rng, ev["t"], acct, bad=bad_ts),
                "error_code": EnumCol(ev["err"], ERROR_CODES),
                "attempt": IntCol(ev["att"]),
            },
            exp.astype(np.int16),
        )
        self.same_file_dups["message_events"] = np.flatnonzero(self.dirt_mask(rng, ne, 1.0))
        self.add_dups("message_events", rng, ne, exp, 0.5)

    # ------------------------------------------------------------------ link clicks
    def clicks(self):
        rng = self.rng("clicks")
        m = self.msg
        tpl = m["tpl"]
        cand = np.flatnonzero((tpl >= 0) & np.isin(self.msg_outcome, [0, 3]))
        cand = cand[self.tpl_has_link[tpl[cand]]]
        p = np.where(self.tpl_spammy[tpl[cand]], 0.03, 0.12)
        clicked = cand[rng.random(len(cand)) < p]
        reps = np.minimum(rng.geometric(0.6, len(clicked)), 8)
        rep = np.repeat(clicked, reps)
        nth = np.arange(len(rep)) - np.repeat(np.cumsum(reps) - reps, reps)
        t = m["t"][rep] + 30 + _lognormal(rng, 1200, 2.0, len(rep), 5, 5 * DAY)
        t = t + nth * _lognormal(rng, 3600, 2.0, len(rep), 10, 3 * DAY)
        keep = t < self.t_end
        rep, t = rep[keep], t[keep]
        nc = len(rep)
        t_rep = tpl[rep]
        urls = [u for u in self.tpl_link]
        exp = self.export_day(rng, t)
        self.frames["link_clicks"] = Frame(
            "link_clicks",
            {
                "click_id": IdCol(np.arange(nc), "clk_"),
                "message_id": IdCol(rep, "SM", hexed=True),
                "link_id": IdCol(t_rep + 1, "lnk_"),
                "url": EnumCol(t_rep, urls),
                "clicked_at": self.ts(rng, t, m["a"][rep]),
                "user_agent": EnumCol(rng.integers(0, len(T.USER_AGENTS), nc), T.USER_AGENTS),
            },
            exp,
        )
        self.add_dups("link_clicks", rng, nc, exp, 0.5)

    # ------------------------------------------------------------------ calls
    def calls(self):
        rng = self.rng("calls")
        n = max(200, self.N // 10)
        w = np.array([x[4] for x in ACCOUNTS])
        a = rng.choice(len(ACCOUNTS), n, p=w / w.sum())
        k = self.c_start[a] + (rng.random(n) * self.c_count[a]).astype(np.int64)
        inbound = rng.random(n) < 0.25
        u = self.users_of_mat()[a, (rng.random(n) * self.n_users).astype(np.int64)]
        t = self.business_time(rng, a, rng.integers(0, N_DAYS, n), 8, 20)
        t = np.maximum(t, self.c_created[k] + 300)
        ok = t < self.t_end - 3600
        a, k, inbound, u, t = a[ok], k[ok], inbound[ok], u[ok], t[ok]
        n = len(a)
        # campaign calls: a standard campaign of the account, for part of the outbound calls
        std_n = np.array([len(x) for x in self.std_of])
        std_mat = np.full((len(ACCOUNTS), std_n.max()), -1)
        for i, x in enumerate(self.std_of):
            std_mat[i, : len(x)] = x
        camp = np.where(
            ~inbound & (rng.random(n) < 0.4),
            std_mat[a, (rng.random(n) * std_n[a]).astype(np.int64)],
            -1,
        )
        pn = np.where(inbound, self.trk_mat[a, rng.integers(0, 3, n)], self.member_pn[u])
        # status
        st_names = ["completed", "busy", "no-answer", "failed", "canceled"]
        st = np.where(
            inbound,
            rng.choice(5, n, p=[0.72, 0.04, 0.22, 0.01, 0.01]),
            rng.choice(5, n, p=[0.52, 0.08, 0.32, 0.04, 0.04]),
        )
        answered = st == 0
        ab_names = ["human", "machine", "unknown"]
        ab = np.where(inbound, 0, rng.choice(3, n, p=[0.7, 0.25, 0.05]))
        ring = rng.integers(3, 30, n)
        talk = _lognormal(rng, 85, 1.1, n, 5, 3 * 3600)
        r = rng.random(n)
        talk = np.where(r < 0.03, 90, np.where(r < 0.06, 91, np.where(r < 0.08, 89, talk)))
        talk = np.where(ab == 1, rng.integers(15, 45, n), talk)
        t_ans = t + ring
        t_end_call = np.where(
            answered,
            t_ans + talk,
            np.where(st == 2, t + rng.integers(25, 45, n), t + rng.integers(1, 6, n)),
        )
        end_null = (st == 3) & (rng.random(n) < 0.5)
        # forwarding: a part of the inbound calls ring through to a user's mobile (child call)
        fwd = inbound & (rng.random(n) < 0.2)
        oc_names = [
            "lead",
            "deal_closed",
            "left_voicemail",
            "not_interested",
            "wrong_number",
            "call_back",
            *T.CALL_OUTCOMES_FREE_TEXT,
        ]
        oc = rng.choice(len(oc_names), n, p=self._outcome_p(len(oc_names)))
        oc = np.where(answered & (ab == 1), np.where(rng.random(n) < 0.7, 2, -1), oc)
        oc = np.where(answered & (ab != 1) & (rng.random(n) < 0.4), -1, oc)
        oc = np.where(~answered, np.where((st == 2) & (rng.random(n) < 0.05), 2, -1), oc)
        ids = np.arange(n)
        # child calls of forwarded calls
        fsel = np.flatnonzero(fwd)
        nf = len(fsel)
        child = n + np.arange(nf)
        c_st = np.where(rng.random(nf) < 0.75, 0, 2)
        c_t = t[fsel] + rng.integers(1, 4, nf)
        c_ans = c_t + rng.integers(3, 20, nf)
        c_talk = _lognormal(rng, 100, 1.0, nf, 5, 3600)
        c_end = np.where(c_st == 0, c_ans + c_talk, c_t + 30)
        st_all = np.concatenate([st, c_st])
        ans_all = st_all == 0
        t_all = np.concatenate([t, c_t])
        ans_t = np.concatenate([t_ans, c_ans])
        end_t = np.concatenate([t_end_call, c_end])
        # the parent of a forwarded call ends when the child ends
        end_t[fsel] = np.maximum(end_t[fsel], c_end)
        st_all[fsel] = np.where(c_st == 0, 0, st_all[fsel])
        ans_all = st_all == 0
        ans_t[fsel] = np.where(c_st == 0, c_ans, ans_t[fsel])
        a_all = np.concatenate([a, a[fsel]])
        k_all = np.concatenate([k, k[fsel]])
        dirn = np.concatenate([(~inbound).astype(np.int8), np.ones(nf, np.int8)])
        total = n + nf
        dirn[self.dirt_mask(rng, total, 0.1)] = 2
        acct = a_all.astype(np.int16).copy()
        acct[self.dirt_mask(rng, total, 0.1)] = len(ACCOUNTS)
        bad_ts = np.where(self.dirt_mask(rng, total, 0.1), rng.integers(1, 4, total), 0)
        backwards = np.zeros(total, bool)
        eligible = np.flatnonzero(ans_all & (bad_ts == 0))
        backwards[eligible[self.dirt_mask(rng, len(eligible), 0.3)]] = True
        end_t = np.where(backwards, t_all - rng.integers(10, 600, total), end_t)
        oc_all = np.concatenate([oc, np.full(nf, -1)])
        fwd_to = np.concatenate([np.where(fwd, u, -1), np.full(nf, -1)])
        mob = pa.array([*self.user_mobile, None])
        self.call = dict(
            a=a_all,
            k=k_all,
            t=t_all,
            end=end_t,
            oc=oc_all,
            camp=np.concatenate([camp, np.full(nf, -1)]),
            n=total,
        )
        exp = self.export_day(rng, np.maximum(end_t, t_all))
        u_all = np.concatenate([np.where(inbound & (st != 0), -1, u), u[fsel]])
        c_all = np.concatenate([camp, np.full(nf, -1)])
        self.frames["calls"] = Frame(
            "calls",
            {
                "call_id": IdCol(np.concatenate([ids, child]), "CA", hexed=True),
                "account_id": EnumCol(acct, [x[0] for x in ACCOUNTS] + [UNKNOWN_ACCOUNT]),
                "direction": EnumCol(dirn, ["inbound", "outbound", DIRT["unknown_direction"]]),
                "started_at": self.ts(rng, t_all, a_all, bad=bad_ts.astype(np.int8)),
                "contact_id": IdCol(k_all, "con_"),
                "phone_number_id": IdCol(np.concatenate([pn, self.member_pn[u[fsel]]]) + 1, "pn_"),
                "user_id": IdCol(np.where(u_all >= 0, u_all + 1, -1), "usr_"),
                "campaign_id": IdCol(np.where(c_all >= 0, c_all + 1, -1), "cmp_"),
                "answered_at": self.ts(rng, ans_t, a_all, null=~ans_all),
                "ended_at": self.ts(
                    rng, end_t, a_all, null=np.concatenate([end_null, np.zeros(nf, bool)])
                ),
                "status": EnumCol(st_all, st_names),
                "answered_by": EnumCol(
                    np.where(ans_all, np.concatenate([ab, np.zeros(nf, int)]), 3), [*ab_names, None]
                ),
                "forwarded_to": ArrowCol(
                    mob.take(
                        pa.array(np.where(fwd_to >= 0, fwd_to, -1) % (len(self.user_mobile) + 1))
                    )
                ),
                "parent_call_id": IdCol(np.concatenate([np.full(n, -1), fsel]), "CA", hexed=True),
                "outcome": EnumCol(np.where(oc_all >= 0, oc_all, len(oc_names)), [*oc_names, None]),
            },
            exp,
        )
        self.add_dups("calls", rng, total, exp, 0.5)

    @staticmethod
    def _outcome_p(n: int) -> np.ndarray:
        p = np.array([0.12, 0.03, 0.08, 0.25, 0.06, 0.14] + [0.32 / (n - 6)] * (n - 6))
        return p / p.sum()

    # ------------------------------------------------------------------ opt events, leads, deals
    def opt_leads_deals(self):
        rng = self.rng("opt-leads")
        OB, L = self.OB, self.L
        t_end = self.t_end
        n = self.c_n
        k = np.arange(n)
        a = self.c_acct
        created = self.c_created
        # import: opted out / in when imported (during the period)
        during = created >= self.t0
        for dirn, p in ((0, 0.01), (1, 0.04)):
            sel = np.flatnonzero(during & (rng.random(n) < p))
            OB.add(len(sel), k=sel, a=a[sel], dirn=dirn, method=4, t=created[sel])
        # management page (by a user) and carrier deactivations
        users = self.users_of_mat()
        for dirn, method, p in ((0, 3, 0.006), (1, 3, 0.002), (0, 5, 0.003)):
            sel = np.flatnonzero(rng.random(n) < p)
            t = np.maximum(created[sel], self.t0) + rng.integers(3600, 100 * DAY, len(sel))
            keep = t < t_end
            sel, t = sel[keep], t[keep]
            u = users[a[sel], rng.integers(0, self.n_users, len(sel))] if method == 3 else -1
            OB.add(len(sel), k=sel, a=a[sel], dirn=dirn, method=method, t=t, u=u)
        del k
        o = OB.done()
        no = len(o["t"])
        methods = ["keyword", "ai_filter", "manual", "management_page", "import", "carrier"]
        exp = self.export_day(rng, o["t"])
        self.frames["opt_events"] = Frame(
            "opt_events",
            {
                "opt_event_id": IdCol(np.arange(no) + 1, "opt_"),
                "account_id": EnumCol(o["a"], [x[0] for x in ACCOUNTS]),
                "contact_id": IdCol(o["k"], "con_"),
                "direction": EnumCol(o["dirn"], ["opt_out", "opt_in"]),
                "method": EnumCol(o["method"], methods),
                "occurred_at": self.ts(rng, o["t"], o["a"]),
                "campaign_id": IdCol(np.where(o["c"] >= 0, o["c"] + 1, -1), "cmp_"),
                "enrollment_id": IdCol(o["e"], "enr_"),
                "message_id": IdCol(o["m"], "SM", hexed=True),
                "user_id": IdCol(np.where(o["u"] >= 0, o["u"] + 1, -1), "usr_"),
            },
            exp,
        )
        self.add_dups("opt_events", rng, no, exp, 0.5)

        # leads from calls, plus a few created by hand without a channel
        c = self.call
        oc = c["oc"]
        sel = np.flatnonzero(((oc == 0) | (oc == 1)) & (c["end"] > c["t"]))
        t = c["end"][sel] + rng.integers(60, 1800, len(sel))
        keep = t < t_end
        sel, t = sel[keep], t[keep]
        L.add(len(sel), k=c["k"][sel], a=c["a"][sel], t=t, ch=2, c=c["camp"][sel], call=sel)
        call_deal = np.zeros(L.n, bool)
        call_deal[-len(sel) :] = (oc[sel] == 1) if len(sel) else False
        nm = max(3, self.c_n // 500)
        sel = rng.integers(0, n, nm)
        t = np.maximum(created[sel], self.t0) + rng.integers(3600, 90 * DAY, nm)
        keep = t < t_end
        L.add(int(keep.sum()), k=sel[keep], a=a[sel][keep], t=t[keep], ch=0)
        call_deal = np.concatenate([call_deal, np.zeros(int(keep.sum()), bool)])
        ld = L.done()
        nl = len(ld["t"])
        exp = self.export_day(rng, ld["t"])
        ext = pa.array([None, "crm-7781", "hubspot:12"]).take(
            pa.array(rng.choice(3, nl, p=[0.8, 0.1, 0.1]))
        )
        self.frames["leads"] = Frame(
            "leads",
            {
                "lead_id": IdCol(np.arange(nl) + 1, "lead_"),
                "account_id": EnumCol(ld["a"], [x[0] for x in ACCOUNTS]),
                "contact_id": IdCol(ld["k"], "con_"),
                "created_at": self.ts(rng, ld["t"], ld["a"]),
                "channel": EnumCol(ld["ch"], [None, "sms", "call"]),
                "campaign_id": IdCol(np.where(ld["c"] >= 0, ld["c"] + 1, -1), "cmp_"),
                "message_id": IdCol(ld["m"], "SM", hexed=True),
                "call_id": IdCol(ld["call"], "CA", hexed=True),
                "external_ref": ArrowCol(ext),
            },
            exp,
        )
        # deals: calls marked deal_closed close the same day; other leads close later
        p = np.where(call_deal, 1.0, np.where(ld["ch"] == 2, 0.25, 0.18))
        won = np.flatnonzero(rng.random(nl) < p)
        t = ld["t"][won] + np.where(
            call_deal[won],
            rng.integers(600, 6 * 3600, len(won)),
            rng.integers(DAY, 45 * DAY, len(won)),
        )
        keep = t < t_end
        won, t = won[keep], t[keep]
        nd = len(won)
        cents = rng.integers(5_000_000, 60_000_000, nd) // 100 * 100
        amount = pc.binary_join_element_wise(
            pc.cast(pa.array(cents // 100), pa.string()),
            ".",
            pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"),
            "",
        )
        self.frames["deals"] = Frame(
            "deals",
            {
                "deal_id": IdCol(np.arange(nd) + 1, "deal_"),
                "lead_id": IdCol(won + 1, "lead_"),
                "account_id": EnumCol(ld["a"][won], [x[0] for x in ACCOUNTS]),
                "closed_at": self.ts(rng, t, ld["a"][won]),
                "amount": ArrowCol(amount),
            },
            self.export_day(rng, t),
        )

    # ------------------------------------------------------------------ label history
    def contact_labels(self):
        rng = self.rng("labels")
        n = self.c_n
        sel = np.flatnonzero(rng.random(n) < 0.35)
        a = self.c_acct[sel]
        lab = a * self.n_labels_per_acct + rng.integers(0, self.n_labels_per_acct, len(sel))
        u = self.users_of_mat()[a, rng.integers(0, self.n_users, len(sel))]
        t = np.maximum(self.c_created[sel], self.t0) + rng.integers(600, 100 * DAY, len(sel))
        rem = rng.random(len(sel)) < 0.15
        t_rem = t + rng.integers(3600, 30 * DAY, len(sel))
        rs = np.flatnonzero(rem & (t_rem < self.t_end))
        ok = t < self.t_end
        k = np.concatenate([sel[ok], sel[rs]])
        acct = np.concatenate([a[ok], a[rs]])
        labs = np.concatenate([lab[ok], lab[rs]])
        users = np.concatenate([u[ok], u[rs]])
        tt = np.concatenate([t[ok], t_rem[rs]])
        action = np.concatenate([np.zeros(ok.sum(), np.int8), np.ones(len(rs), np.int8)])
        m = len(k)
        self.frames["contact_labels"] = Frame(
            "contact_labels",
            {
                "event_id": IdCol(np.arange(m) + 1, "cle_"),
                "account_id": EnumCol(acct, [x[0] for x in ACCOUNTS]),
                "contact_id": IdCol(k, "con_"),
                "label_id": IdCol(labs + 1, "lbl_"),
                "action": EnumCol(action, ["added", "removed"]),
                "user_id": IdCol(users + 1, "usr_"),
                "occurred_at": self.ts(rng, tt, acct),
            },
            self.export_day(rng, tt),
        )

    # ------------------------------------------------------------------ writing
    def fmt(self, entity: str, day: int) -> str:
        """File format of an entity's export on a day: a mix, Parquet for big entities at scale."""
        big = self.N >= 1_000_000
        if entity in ("contacts", "calls"):
            return "csv"
        if entity in ("messages", "message_events"):
            if big:
                return "jsonl" if day % 30 == 3 else "parquet"
            return "parquet" if day % 10 == 5 else "jsonl"
        if big and entity in (
            "link_clicks",
            "campaign_enrollments",
            "contact_labels",
            "opt_events",
        ):
            return "jsonl" if day % 30 == 4 else "parquet"
        return "jsonl"

    def submit(self, out: Path, entity: str, pool: ThreadPoolExecutor, sharded: bool) -> list:
        """Queue an entity's files (one per export day, plus redelivery files) for writing.

        Files are independent and each file's bytes depend only on its rows, so worker threads
        can encode them (Arrow and numpy release the GIL) while the next entity is generated,
        and the output stays deterministic.
        """
        if self.shard and entity in SHARED_ENTITIES:
            return []
        days = [self.start_date + timedelta(days=d) for d in range(N_DAYS)]
        part = f"-p{self.shard:02d}" if sharded else ""
        frame = self.frames[entity]
        cols = list(frame.cols)
        rows = np.arange(frame.n)
        same = self.same_file_dups.get(entity)
        if same is not None and len(same):
            rows = np.concatenate([rows, same])
        order = rows[np.argsort(frame.export_day[rows], kind="stable")]
        bounds = np.searchsorted(frame.export_day[order], np.arange(N_DAYS + 1))
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int16))
        dup_rows, dup_days = self.dups.get(entity, empty)
        dorder = np.argsort(dup_days, kind="stable")
        dup_rows, dup_days = dup_rows[dorder], dup_days[dorder]
        dbounds = np.searchsorted(dup_days, np.arange(N_DAYS + 1))
        jobs = []
        for d in range(N_DAYS):
            folder = out / entity / days[d].isoformat()
            stamp = days[d].strftime("%Y%m%d")
            idx = order[bounds[d] : bounds[d + 1]]
            if len(idx):
                ext = self.fmt(entity, d)
                path = folder / f"{entity}-{stamp}{part}.{ext}"
                jobs.append(
                    (entity, len(idx), pool.submit(write_file, path, ext, frame, idx, cols))
                )
            didx = dup_rows[dbounds[d] : dbounds[d + 1]]
            if len(didx):
                path = folder / f"{entity}-{stamp}{part}-redelivery.jsonl"
                fut = pool.submit(write_file, path, "jsonl", frame, didx, cols)
                jobs.append((entity, len(didx), fut))
        return jobs

    def _malformed(self, out: Path, summary):
        rng = self.rng("malformed")
        days = [self.start_date + timedelta(days=d) for d in range(N_DAYS)]
        # a messages export that was cut off mid-line and padded with garbage; its complete
        # lines repeat rows of the same day's regular file
        d = N_DAYS // 2
        frame = self.frames["messages"]
        idx = np.flatnonzero(frame.export_day == d)[:50]
        from datagen.frames import jsonl_bytes

        good = jsonl_bytes(frame, idx, list(frame.cols))
        last = jsonl_bytes(frame, idx[-1:], list(frame.cols))
        data = good + last[: len(last) // 2] + b"\n" + rng.bytes(64) + b"\n"
        path = out / "messages" / days[d].isoformat() / "messages-retry-broken.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        # binary garbage in a delivery-events file
        d = N_DAYS // 3
        path = out / "message_events" / days[d].isoformat() / "message_events-corrupt.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + rng.bytes(512))
        # a contacts CSV without the required 'phone' column (rows repeat landed rows)
        d = N_DAYS // 4
        frame = self.frames["contacts"]
        idx = np.flatnonzero(frame.export_day == 0)[:20]
        cols = [c for c in frame.cols if c != "phone"]
        path = out / "contacts" / days[d].isoformat() / "contacts-missing-phone.csv"
        summary.bytes += write_file(path, "csv", frame, idx, cols)
        summary.files += 3
        summary.bytes += sum(
            (out / e / days[dd].isoformat() / f).stat().st_size
            for e, dd, f in (
                ("messages", N_DAYS // 2, "messages-retry-broken.jsonl"),
                ("message_events", N_DAYS // 3, "message_events-corrupt.jsonl"),
            )
        )


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
    n = _n_messages(scale)
    if not 0 <= dirt_rate < 0.5:
        raise ValueError("dirt_rate must be in [0, 0.5)")
    end = end_date or datetime.now(UTC).date()
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
    shards = max(1, math.ceil(n / SHARD_MESSAGES))
    summary = GenerationSummary(
        out_dir=out_dir,
        scale=str(scale),
        seed=seed,
        start_date=end - timedelta(days=N_DAYS - 1),
        end_date=end,
        dirt_rate=dirt_rate,
    )
    jobs: list = []

    def report_writes():
        if progress and jobs:
            progress("write", sum(f.done() for _e, _n, f in jobs), len(jobs))

    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        for shard in range(shards):
            size = n // shards + (1 if shard < n % shards else 0)
            g = _Generator(size, seed, end, dirt_rate, shard=shard, total_messages=n)
            stages = [
                (g.dimensions, ("accounts", "users", "inboxes", "phone_numbers", "labels")),
                (g.campaigns, ("templates", "campaigns", "campaign_steps", "campaign_senders")),
                (g.contacts, ("contacts",)),
                (g.messages, ("campaign_enrollments", "messages")),
                (g.events, ("message_events",)),
                (g.clicks, ("link_clicks",)),
                (g.calls, ("calls",)),
                (g.opt_leads_deals, ("opt_events", "leads", "deals")),
                (g.contact_labels, ("contact_labels",)),
            ]
            for i, (fn, entities) in enumerate(stages):
                if progress:
                    progress("generate", shard * len(stages) + i, shards * len(stages))
                fn()
                g.offset_ids()
                for entity in entities:
                    jobs.extend(g.submit(out_dir, entity, pool, shards > 1))
                report_writes()
            if progress:
                progress("generate", (shard + 1) * len(stages), shards * len(stages))
            if dirt_rate > 0 and shard == 0:
                g._malformed(out_dir, summary)
            # wait for this shard's files before the next shard allocates its arrays
            for k, (entity, rows, fut) in enumerate(jobs):
                summary.bytes += fut.result()
                summary.files += 1
                summary.rows[entity] = summary.rows.get(entity, 0) + rows
                if progress and (k % 50 == 0 or k == len(jobs) - 1):
                    progress("write", k + 1, len(jobs))
            jobs.clear()
            del g
    summary.rows = {e: summary.rows.get(e, 0) for e in ENTITIES}
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary
