"""Contacts (the people texted and called) and the labels put on them over time.

State left on the world for later builders: ``n_contacts``, ``contact_account``,
``contact_created``, ``contact_first`` (first contact index of each account) and
``contact_count`` (contacts per account), ``contact_name_in_body`` (first-name code used in
template bodies, "no name" included) and ``contact_dead_number`` (every message to it
hard-bounces).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datagen import text
from datagen.frames import DAY, ArrowCol, EnumCol, Frame, IdCol, fixed_strings
from datagen.frames import _digits as digits
from datagen.world import (
    ACCOUNT_IDS,
    ACCOUNT_IDS_WITH_UNKNOWN,
    ACCOUNT_SHARES,
    ACCOUNTS,
    DIRT,
    N_DAYS,
    UK,
    World,
)

CONTACT_SOURCES = ["import", "manual", "keyword", "api", "web_form"]


def build_contacts(world: World) -> None:
    """Contacts spread over the accounts by activity share, with phones in many formats.

    Every draw comes from the one "contacts" stream, in the order of the steps below.
    """
    rng = world.rng("contacts")
    start = world.period_start
    account, created = _place_contacts(world, rng)
    n = len(account)
    first_name = rng.integers(0, len(text.FIRST_NAMES), n)
    no_name = rng.random(n) < 0.06
    world.contact_name_in_body = np.where(no_name, len(text.FIRST_NAMES), first_name)
    last_name = rng.integers(0, len(text.LAST_NAMES), n)
    world.contact_dead_number = rng.random(n) < 0.015  # every message to it hard-bounces
    phone = _contact_phones(world, rng, account)
    rows, updated, deleted, has_email = _contact_versions(world, rng, created)
    n_rows = len(rows)
    email = _emails(first_name[rows], last_name[rows], rows, has_email)
    source = rng.choice(5, n, p=[0.5, 0.15, 0.05, 0.15, 0.15])[rows]
    account_codes = account[rows].copy()
    account_codes[world.dirt_mask(rng, n_rows, 0.2)] = len(ACCOUNTS)
    export = np.where(updated < start, 0, world.export_day(rng, np.maximum(updated, start))).astype(
        np.int16
    )
    world.frames["contacts"] = Frame(
        "contacts",
        {
            "contact_id": IdCol(rows, "con_"),
            "account_id": EnumCol(account_codes, ACCOUNT_IDS_WITH_UNKNOWN),
            "phone": ArrowCol(phone.take(pa.array(rows))),
            "first_name": EnumCol(world.contact_name_in_body[rows], [*text.FIRST_NAMES, None]),
            "last_name": EnumCol(last_name[rows], text.LAST_NAMES),
            "email": ArrowCol(email),
            "source": EnumCol(source, CONTACT_SOURCES),
            "created_at": world.ts(rng, created[rows], account[rows]),
            "updated_at": world.ts(rng, updated, account[rows]),
            "deleted_at": world.ts(rng, np.maximum(deleted, 0), account[rows], null=deleted < 0),
        },
        export,
    )
    world.add_redeliveries("contacts", rng, n_rows, export, 0.5)


def _place_contacts(world: World, rng) -> tuple[np.ndarray, np.ndarray]:
    """Each contact's account (by the accounts' activity shares, numbered account by account)
    and when it was created: over half before the period, the rest in business hours."""
    start = world.period_start
    n = max(len(ACCOUNTS) * 50, world.n_messages // 10)
    counts = np.floor(ACCOUNT_SHARES / ACCOUNT_SHARES.sum() * n).astype(np.int64)
    counts[0] += n - counts.sum()
    account = np.repeat(np.arange(len(ACCOUNTS)), counts)
    world.contact_first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    world.contact_count = counts
    before_period = rng.random(n) < 0.55
    created = np.where(
        before_period,
        start - rng.integers(DAY, 400 * DAY, n),
        world.business_time(rng, account, rng.integers(0, N_DAYS, n), 8, 21),
    )
    world.contact_account, world.contact_created, world.n_contacts = account, created, n
    return account, created


def _contact_phones(world: World, rng, account: np.ndarray) -> pa.Array:
    """Each contact's phone as typed: a local or other area code of the account, in one of the
    US formats (a few with letters: dirt), UK contacts in national or E.164 form."""
    n = len(account)
    index_in_account = np.arange(n) - world.contact_first[account]
    subscriber = 2_000_000 + (index_in_account * 7919) % 8_000_000
    area = np.array([spec[5][0] for spec in ACCOUNTS])[account]
    other_area = np.array([spec[5][-1] for spec in ACCOUNTS])[account]
    area = np.where(rng.random(n) < 0.3, other_area, area)
    style = rng.choice(7, n, p=[0.5, 0.15, 0.1, 0.08, 0.07, 0.05, 0.05]).astype(np.int8)
    uk = account == UK
    style[uk] = np.where(rng.random(uk.sum()) < 0.85, 9, 8)
    us = np.flatnonzero(~uk)
    style[us[world.dirt_mask(rng, len(us), 0.5)]] = 7
    return _phones(style, area, subscriber, rng)


def _contact_versions(world: World, rng, created: np.ndarray):
    """The contact rows exported: every contact, then later updates (6%) and deletions (0.5%)
    within the period. Returns each row's contact, updated and deleted time (-1: not deleted)
    and whether it has an email (an update always does)."""
    start, end = world.period_start, world.period_end
    n = len(created)
    updated_rows = np.flatnonzero(rng.random(n) < 0.06)
    deleted_rows = np.flatnonzero(rng.random(n) < 0.005)
    rows = np.concatenate([np.arange(n), updated_rows, deleted_rows])
    updated_at = np.maximum(created[updated_rows], start) + rng.integers(
        DAY, 60 * DAY, len(updated_rows)
    )
    deleted_at = np.maximum(created[deleted_rows], start) + rng.integers(
        DAY, 90 * DAY, len(deleted_rows)
    )
    keep = np.concatenate([np.ones(n, bool), updated_at < end, deleted_at < end])
    updated = np.concatenate([created, updated_at, deleted_at])[keep]
    deleted = np.concatenate([np.full(n + len(updated_rows), -1), deleted_at])[keep]
    has_email = np.concatenate(
        [rng.random(n) < 0.6, np.ones(len(updated_rows), bool), rng.random(len(deleted_rows)) < 0.6]
    )[keep]
    return rows[keep], updated, deleted, has_email


def _emails(first_name, last_name, rows, has_email) -> pa.Array:
    """first.last<contact number>@example.com, or null where the row has no email."""
    first_lower = pa.array([x.lower() for x in text.FIRST_NAMES])
    last_lower = pa.array([x.lower().replace("'", "") for x in text.LAST_NAMES])
    email = pc.binary_join_element_wise(
        first_lower.take(pa.array(first_name)),
        ".",
        last_lower.take(pa.array(last_name)),
        pc.cast(pa.array(rows), pa.string()),
        "@example.com",
        "",
    )
    return pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string()))


def _phones(style, area, subscriber, rng) -> pa.Array:
    """Phone texts per style: 0-6 US formats, 7 letters (dirt), 8-9 UK national / E.164."""
    n = len(style)
    order = np.argsort(style, kind="stable")
    counts = np.bincount(style, minlength=10)
    parts, pos = [], 0
    words = np.frombuffer(
        b"".join(w.encode() for w in DIRT["letter_phone_words"]), np.uint8
    ).reshape(-1, 4)
    for kind, count in enumerate(counts):
        rows = order[pos : pos + count]
        pos += count
        area3 = digits(area[rows], 3)
        exchange3 = digits(subscriber[rows] // 10000, 3)
        line4 = digits(subscriber[rows], 4)
        pieces = {
            0: [b"+1", area3, exchange3, line4],
            1: [b"(", area3, b") ", exchange3, b"-", line4],
            2: [area3, b"-", exchange3, b"-", line4],
            3: [area3, b".", exchange3, b".", line4],
            4: [b"1", area3, exchange3, line4],
            5: [b"+1 ", area3, b" ", exchange3, b" ", line4],
            6: [area3, exchange3, line4],
            7: [area3, b"-", exchange3, b"-", words[rng.integers(0, len(words), count)]],
            8: [b"07", digits(subscriber[rows] % 1000, 3), b" ", digits(subscriber[rows], 6)],
            9: [b"+447", digits(subscriber[rows] % 1000, 3), digits(subscriber[rows], 6)],
        }[kind]
        parts.append(fixed_strings(pieces, count))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n)
    return pa.concat_arrays(parts).take(pa.array(inverse))


def build_contact_labels(world: World) -> None:
    """Labels added to about a third of the contacts, some removed later."""
    rng = world.rng("labels")
    start, end = world.period_start, world.period_end
    labeled = np.flatnonzero(rng.random(world.n_contacts) < 0.35)
    account = world.contact_account[labeled]
    label = account * world.labels_per_account + rng.integers(
        0, world.labels_per_account, len(labeled)
    )
    user = world.user_matrix[account, rng.integers(0, world.users_per_account, len(labeled))]
    added_at = np.maximum(world.contact_created[labeled], start) + rng.integers(
        600, 100 * DAY, len(labeled)
    )
    removed = rng.random(len(labeled)) < 0.15
    removed_at = added_at + rng.integers(3600, 30 * DAY, len(labeled))
    removals = np.flatnonzero(removed & (removed_at < end))
    added = added_at < end
    contact = np.concatenate([labeled[added], labeled[removals]])
    event_account = np.concatenate([account[added], account[removals]])
    event_label = np.concatenate([label[added], label[removals]])
    event_user = np.concatenate([user[added], user[removals]])
    occurred = np.concatenate([added_at[added], removed_at[removals]])
    action = np.concatenate([np.zeros(added.sum(), np.int8), np.ones(len(removals), np.int8)])
    world.frames["contact_labels"] = Frame(
        "contact_labels",
        {
            "event_id": IdCol(np.arange(len(contact)) + 1, "cle_"),
            "account_id": EnumCol(event_account, ACCOUNT_IDS),
            "contact_id": IdCol(contact, "con_"),
            "label_id": IdCol(event_label + 1, "lbl_"),
            "action": EnumCol(action, ["added", "removed"]),
            "user_id": IdCol(event_user + 1, "usr_"),
            "occurred_at": world.ts(rng, occurred, event_account),
        },
        world.export_day(rng, occurred),
    )
