"""The generated world's fixed facts and the state the domain builders share.

``World`` holds one shard's clock (the ``N_DAYS`` period), its seeded random streams and the
columns every domain builder leaves for the next (who the contacts are, which campaigns run,
which messages were sent). The builders (``datagen.accounts``, ``datagen.campaigns``,
``datagen.messages``, ``datagen.delivery``, ``datagen.calls``, ``datagen.leads``) fill it in
the order ``datagen.generate`` runs them; each reads only what an earlier one wrote.

Indices, not ids: an account, user, contact, campaign or message is its position in the
world's arrays (0-based); ids (``usr_1``, ``con_0``, ``SM...``) are only spelled when a file is
written (``datagen.frames``).
"""

from __future__ import annotations

import math
import zlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from datagen.frames import DAY, Frame, IdCol, TsCol

SCALES = {"demo": 250_000, "M": 10_000_000, "L": 100_000_000}
N_DAYS = 120
# Stages whose random stream is the same in every shard (the dimensions are drawn without
# randomness), and the entities every shard shares, written by shard 0 only; per-shard entities
# get their ids offset by shard * SHARD_ID_STRIDE so that shards never share an id.
SHARED_STAGES = ("campaigns",)
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
SHARD_ID_STRIDE = 1_000_000_000
SHARDED_ID_PREFIXES = ("con_", "enr_", "SM", "EV", "clk_", "CA", "opt_", "lead_", "deal_", "cle_")
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
ACCOUNT_IDS = [account[0] for account in ACCOUNTS]
ACCOUNT_IDS_WITH_UNKNOWN = [*ACCOUNT_IDS, UNKNOWN_ACCOUNT]  # the last code is the dirt account
ACCOUNT_SHARES = np.array([account[4] for account in ACCOUNTS])

# message codes every message builder shares: direction and send type
INBOUND, OUTBOUND = 0, 1
SEND_TYPES = [None, "blast", "manual", "automation", "keyword_reply"]
BLAST, MANUAL, AUTOMATION, KEYWORD_REPLY = 1, 2, 3, 4


def iso_utc(epoch: int) -> str:
    """An epoch second as the ISO-8601 'Z' text the dimension exports carry."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def lognormal(rng, median: float, sigma: float, n: int, lo: float, hi: float) -> np.ndarray:
    """Integer log-normal durations (seconds) around ``median``, clipped to [lo, hi]."""
    return np.clip(rng.lognormal(math.log(median), sigma, n), lo, hi).astype(np.int64)


class RowBuffer:
    """Accumulates one entity's column arrays; ``add`` returns the new rows' indices.

    A column left out of ``add`` takes its default (``-1`` means "none" for references).
    """

    def __init__(self, **defaults):
        self.defaults = defaults
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in defaults}
        self.n = 0

    def add(self, n: int, **columns) -> np.ndarray:
        for name, default in self.defaults.items():
            value = columns.pop(name, default)
            dtype = np.asarray(default).dtype
            array = np.asarray(value)
            array = (
                np.full(n, value, dtype=dtype)
                if array.ndim == 0
                else array.astype(dtype, copy=False)
            )
            self.parts[name].append(array)
        if columns:
            raise KeyError(f"unknown columns {sorted(columns)}")
        indices = np.arange(self.n, self.n + n)
        self.n += n
        return indices

    def done(self) -> dict[str, np.ndarray]:
        """Concatenate the columns once; the parts are released to keep memory down."""
        out = {}
        for name in list(self.parts):
            parts = self.parts.pop(name)
            out[name] = (
                np.concatenate(parts)
                if parts
                else np.zeros(0, np.asarray(self.defaults[name]).dtype)
            )
        return out


class World:
    """One shard's clock, random streams, finished frames and cross-domain state.

    The builders add their state as attributes (documented in each builder module); the
    helpers here are the ones several domains use: random streams per stage, local business
    hours, export days, timestamp styles and dirt.
    """

    def __init__(
        self,
        n_messages: int,
        seed: int,
        end_date: date,
        dirt_rate: float,
        shard: int = 0,
        total_messages: int | None = None,
    ):
        self.n_messages = n_messages
        self.shard = shard
        self.seed = seed
        self.dirt_rate = dirt_rate
        self.end_date = end_date
        self.start_date = end_date - timedelta(days=N_DAYS - 1)
        self.period_start = int(datetime(*self.start_date.timetuple()[:3], tzinfo=UTC).timestamp())
        self.period_end = self.period_start + N_DAYS * DAY
        # how many times the demo scale the whole run is (shards share it): sizes the
        # dimensions that grow with scale (users, campaigns)
        self.scale_factor = (total_messages or n_messages) / SCALES["demo"]
        self.frames: dict[str, Frame] = {}
        # rows re-exported in a later day's redelivery file: (row indices, export days)
        self.redelivered: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # rows repeated inside their own file (webhook retries)
        self.same_file_repeats: dict[str, np.ndarray] = {}
        self.utc_offsets = self._utc_offsets()

    def rng(self, stage: str) -> np.random.Generator:
        """The random stream of one stage: the same seed and stage always draw the same."""
        key = [self.seed, zlib.crc32(stage.encode())]
        if self.shard and stage not in SHARED_STAGES:
            key.append(self.shard)
        return np.random.default_rng(np.random.SeedSequence(key))

    def offset_ids(self) -> None:
        """Shift the ids of per-shard entities so that shards never share an id."""
        if not self.shard:
            return
        for frame in self.frames.values():
            for column in frame.cols.values():
                if isinstance(column, IdCol) and column.prefix in SHARDED_ID_PREFIXES:
                    column.offset = self.shard * SHARD_ID_STRIDE

    def _utc_offsets(self) -> np.ndarray:
        # UTC offset (seconds) of each account at noon UTC of each day index -1 .. N_DAYS+1
        offsets = np.zeros((len(ACCOUNTS), N_DAYS + 3), dtype=np.int64)
        for account, spec in enumerate(ACCOUNTS):
            zone = ZoneInfo(spec[3])
            for day in range(-1, N_DAYS + 2):
                noon = datetime.fromtimestamp(self.period_start + day * DAY + DAY // 2, UTC)
                offsets[account, day + 1] = int(noon.astimezone(zone).utcoffset().total_seconds())
        return offsets

    def offset_at(self, account: np.ndarray, epoch: np.ndarray) -> np.ndarray:
        day = np.clip((epoch - self.period_start) // DAY, -1, N_DAYS + 1) + 1
        return self.utc_offsets[np.clip(account, 0, len(ACCOUNTS) - 1), day]

    def local_time(self, account, day, second_of_day) -> np.ndarray:
        """UTC epoch of a local second of day on day index ``day`` for each account."""
        offset_day = np.clip(day, -1, N_DAYS + 1) + 1
        return (
            self.period_start
            + day.astype(np.int64) * DAY
            + second_of_day
            - self.utc_offsets[account, offset_day]
        )

    def business_time(self, rng, account, day, start_hour=9, end_hour=19) -> np.ndarray:
        second_of_day = rng.integers(start_hour * 3600, end_hour * 3600, len(account))
        return self.local_time(account, day, second_of_day)

    def export_day(self, rng, epoch: np.ndarray, mean_lag: float = 3 * 3600) -> np.ndarray:
        """Day index a row is exported: after a lag of hours, within the period."""
        lag = np.minimum(rng.exponential(mean_lag, len(epoch)), 30 * 3600).astype(np.int64)
        return np.clip((epoch + lag - self.period_start) // DAY, 0, N_DAYS - 1).astype(np.int16)

    def ts(self, rng, epoch, account, null=None, bad=None) -> TsCol:
        """Timestamps: ~5% written with the account's local offset, ~2% naive, the rest 'Z'."""
        n = len(epoch)
        style = np.zeros(n, np.int8)
        offset = np.zeros(n, np.int32)
        if n:
            picked = rng.integers(0, n, rng.binomial(n, 0.07))
            style[picked] = np.where(rng.random(len(picked)) < 0.7, 1, 2)
            with_offset = np.flatnonzero(style == 1)
            offset[with_offset] = self.offset_at(account[with_offset], epoch[with_offset])
        return TsCol(
            epoch, null=null, style=style, offset=offset, bad=bad, bad_table=BAD_TIMESTAMPS
        )

    def dirt_mask(self, rng, n: int, rate: float) -> np.ndarray:
        """Rows to spoil: about ``rate * dirt_rate`` of them, and at least one when dirt is on."""
        mask = np.zeros(n, bool)
        if self.dirt_rate <= 0 or n == 0:
            return mask
        spoiled = max(1, rng.binomial(n, min(1.0, rate * self.dirt_rate)))
        mask[rng.integers(0, n, spoiled)] = True
        return mask

    def add_redeliveries(self, entity, rng, n: int, export_day: np.ndarray, rate: float = 1.0):
        """Re-export a fraction of rows in a later day's redelivery file."""
        rows = np.flatnonzero(self.dirt_mask(rng, n, rate))
        later = np.minimum(export_day[rows] + rng.integers(1, 4, len(rows)), N_DAYS - 1)
        keep = later > export_day[rows]
        self.redelivered[entity] = (rows[keep], later[keep].astype(np.int16))
