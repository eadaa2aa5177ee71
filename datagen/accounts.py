"""Accounts and people: accounts, users, inboxes, phone numbers, labels, contacts, label history.

State left on the world for later builders:

- ``users_by_account`` (arrays of user indices), ``user_matrix`` (accounts x users),
  ``users_per_account``, ``user_mobiles`` (E.164 mobile per user, for forwarded calls);
- ``member_number`` (phone number of each user's member inbox), ``inbox_of_number``,
  ``lead_numbers`` (accounts x 3 tracking numbers), ``support_number`` (per account);
- ``labels_per_account``;
- contacts: ``n_contacts``, ``contact_account``, ``contact_created``, ``contact_first``
  (first contact index of each account) and ``contact_count`` (contacts per account),
  ``contact_name_in_body`` (first-name code used in template bodies, "no name" included) and
  ``contact_dead_number`` (every message to it hard-bounces).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datagen import text
from datagen.frames import (
    DAY,
    ArrowCol,
    EnumCol,
    Frame,
    IdCol,
    fixed_strings,
    py_frame,
)
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
    iso_utc,
)

LABEL_NAMES = ["Hot lead", "Follow up", "Not interested", "Investor", "Do not call", "Seller"]
CONTACT_SOURCES = ["import", "manual", "keyword", "api", "web_form"]


def build_dimensions(world: World) -> None:
    """Accounts, users with their member inboxes and numbers, shared inboxes, labels.

    Rows are few (tens), so they are Python dicts; later versions of a record (a raised
    allowance, a deactivated user, a released number, a renamed inbox, a deleted label) are
    re-exports with a later ``updated_at`` in a later day's folder.
    """
    users_per_account = max(4, round(4 * math.sqrt(world.scale_factor)))
    _build_accounts(world)
    _build_users_inboxes_numbers(world, users_per_account)
    _build_labels(world)


def _created_base(world: World) -> int:
    # the dimensions were created before the period: 300 days before it starts
    return world.period_start - 300 * DAY


def _build_accounts(world: World) -> None:
    start = world.period_start
    # expected monthly credits per account, so that allowances are sometimes exceeded
    monthly = world.n_messages / (N_DAYS / 30.4) * 1.25
    rows, export_days = [], []
    for account, (account_id, parent, name, zone, share, _codes, anchor) in enumerate(ACCOUNTS):
        created = _created_base(world) + account * 7 * DAY
        rows.append(
            {
                "account_id": account_id,
                "parent_account_id": parent,
                "name": name,
                "time_zone": zone,
                "monthly_credit_allowance": int(round(monthly * share * 0.95, -2)),
                "billing_cycle_anchor_day": anchor,
                "created_at": iso_utc(created),
                "updated_at": iso_utc(created),
            }
        )
        export_days.append(0)
    # the London desk's allowance was raised mid-period: a re-export with a later updated_at
    raised = dict(rows[UK])
    raised["monthly_credit_allowance"] = int(raised["monthly_credit_allowance"] * 1.5)
    raised["updated_at"] = iso_utc(start + 45 * DAY + 3600 * 15)
    rows.append(raised)
    export_days.append(45)
    world.frames["accounts"] = py_frame("accounts", rows, export_days)


# One function because users, inboxes and numbers are numbered together in one pass (a user's
# member inbox and number follow the user; the shared inboxes follow the account's users).
def _build_users_inboxes_numbers(world: World, users_per_account: int) -> None:
    start, created_base = world.period_start, _created_base(world)
    users, inboxes, numbers = [], [], []
    user_days, inbox_days, number_days = [], [], []
    users_by_account: list[np.ndarray] = []
    member_number: list[int] = []  # phone number of each user's member inbox
    tracking_by_account: list[list[int]] = []  # tracking number indices per account
    inbox_of_number: list[int] = []
    user_mobiles: list[str] = []
    number_seq = 0
    number_rows: dict[int, dict] = {}
    for account, (account_id, _p, name, _tz, _w, codes, _anchor) in enumerate(ACCOUNTS):
        account_users = []
        for k in range(users_per_account):
            user = account * users_per_account + k
            created = created_base + account * 7 * DAY + k * 3600
            role = "admin" if k == 0 else ("owner" if account == 0 and k == 1 else "member")
            full_name = text.USER_NAMES[user % len(text.USER_NAMES)]
            users.append(
                {
                    "user_id": f"usr_{user + 1}",
                    "account_id": account_id,
                    "full_name": full_name,
                    "role": role,
                    "created_at": iso_utc(created),
                    "updated_at": iso_utc(created),
                    "deactivated_at": None,
                }
            )
            user_days.append(0)
            account_users.append(user)
            inbox = len(inboxes)
            inboxes.append(
                {
                    "inbox_id": f"ibx_{inbox + 1}",
                    "account_id": account_id,
                    "name": f"{full_name}'s inbox",
                    "inbox_type": "member",
                    "owner_user_id": f"usr_{user + 1}",
                    "created_at": iso_utc(created + 60),
                    "updated_at": iso_utc(created + 60),
                }
            )
            inbox_days.append(0)
            numbers.append(
                _number_row(
                    number_seq,
                    account_id,
                    codes,
                    f"usr_{user + 1} line",
                    inbox,
                    "local",
                    False,
                    created + 120,
                )
            )
            number_rows[number_seq] = numbers[-1]
            number_days.append(0)
            member_number.append(number_seq)
            inbox_of_number.append(inbox)
            number_seq += 1
            area = codes[0] if account != UK else 312
            user_mobiles.append(f"+1{area}555{1000 + user:04d}")
        # one user per account leaves mid-period (re-export with deactivated_at)
        leaver = dict(users[account_users[-1]])
        leaver["deactivated_at"] = iso_utc(start + (60 + account) * DAY + 50_000)
        leaver["updated_at"] = leaver["deactivated_at"]
        users.append(leaver)
        user_days.append(60 + account)
        users_by_account.append(np.array(account_users))
        tracking = []
        city = name.split("— ")[-1]
        for kind, sources in (
            ("leads", ("Google Ads", "Zillow listing", "Yard signs")),
            ("support", ("Main line",)),
        ):
            inbox = len(inboxes)
            created = created_base + account * 7 * DAY + 7200
            inboxes.append(
                {
                    "inbox_id": f"ibx_{inbox + 1}",
                    "account_id": account_id,
                    "name": f"{city} {kind}",
                    "inbox_type": "shared",
                    "owner_user_id": None,
                    "created_at": iso_utc(created),
                    "updated_at": iso_utc(created),
                }
            )
            inbox_days.append(0)
            for j, source in enumerate(sources):
                number_type = "toll_free" if kind == "support" and account != UK else "local"
                numbers.append(
                    _number_row(
                        number_seq,
                        account_id,
                        codes,
                        f"{city} {source}",
                        inbox,
                        number_type,
                        kind == "leads",
                        created + j,
                    )
                )
                number_rows[number_seq] = numbers[-1]
                number_days.append(0)
                tracking.append(number_seq)
                inbox_of_number.append(inbox)
                number_seq += 1
        tracking_by_account.append(tracking)
        # a released tracking number (re-export with released_at)
        released = dict(number_rows[tracking[2]])
        released["released_at"] = iso_utc(start + (80 + account) * DAY + 40_000)
        released["updated_at"] = released["released_at"]
        numbers.append(released)
        number_days.append(80 + account)
    # the Denver shared inbox is renamed later
    renamed = dict(inboxes[inbox_of_number[tracking_by_account[1][0]]])
    renamed["name"] = renamed["name"] + " (new)"
    renamed["updated_at"] = iso_utc(start + 30 * DAY + 3600)
    inboxes.append(renamed)
    inbox_days.append(30)
    world.frames["users"] = py_frame("users", users, user_days)
    world.frames["inboxes"] = py_frame("inboxes", inboxes, inbox_days)
    world.frames["phone_numbers"] = py_frame("phone_numbers", numbers, number_days)
    world.users_per_account = users_per_account
    world.users_by_account = users_by_account
    world.user_matrix = np.stack(users_by_account)
    world.user_mobiles = user_mobiles
    world.member_number = np.array(member_number)
    world.inbox_of_number = np.array(inbox_of_number)
    world.lead_numbers = np.array([t[:3] for t in tracking_by_account])  # (accounts, 3)
    world.support_number = np.array([t[3] for t in tracking_by_account])


def _number_row(k, account_id, codes, friendly, inbox, number_type, tracking, created) -> dict:
    if codes == (44,):
        e164 = f"+44770090{k % 10000:04d}"
    elif number_type == "toll_free":
        e164 = f"+1833555{k % 10000:04d}"
    else:
        e164 = f"+1{codes[k % len(codes)]}555{k % 10000:04d}"
    return {
        "phone_number_id": f"pn_{k + 1}",
        "account_id": account_id,
        "e164": e164,
        "friendly_name": friendly,
        "inbox_id": f"ibx_{inbox + 1}",
        "number_type": number_type,
        "is_tracking_number": tracking,
        "created_at": iso_utc(created),
        "updated_at": iso_utc(created),
        "released_at": None,
    }


def _build_labels(world: World) -> None:
    labels, export_days = [], []
    for account in range(len(ACCOUNTS)):
        for k, name in enumerate(LABEL_NAMES):
            created = _created_base(world) + account * 7 * DAY + 86_000 + k
            labels.append(
                {
                    "label_id": f"lbl_{len(labels) + 1}",
                    "account_id": ACCOUNT_IDS[account],
                    "name": name,
                    "created_at": iso_utc(created),
                    "updated_at": iso_utc(created),
                    "deleted_at": None,
                }
            )
            export_days.append(0)
    deleted = dict(labels[5])
    deleted["deleted_at"] = deleted["updated_at"] = iso_utc(world.period_start + 70 * DAY + 1000)
    labels.append(deleted)
    export_days.append(70)
    world.labels_per_account = len(LABEL_NAMES)
    world.frames["labels"] = py_frame("labels", labels, export_days)


# One function: every draw below comes from the one "contacts" stream in a fixed order, and the
# rows, their later versions and their columns are built together from it.
def build_contacts(world: World) -> None:
    """Contacts spread over the accounts by activity share, with phones in many formats."""
    rng = world.rng("contacts")
    start, end = world.period_start, world.period_end
    n = max(len(ACCOUNTS) * 50, world.n_messages // 10)
    counts = np.floor(ACCOUNT_SHARES / ACCOUNT_SHARES.sum() * n).astype(np.int64)
    counts[0] += n - counts.sum()
    account = np.repeat(np.arange(len(ACCOUNTS)), counts)
    world.contact_first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    world.contact_count = counts
    index_in_account = np.arange(n) - world.contact_first[account]
    before_period = rng.random(n) < 0.55
    created = np.where(
        before_period,
        start - rng.integers(DAY, 400 * DAY, n),
        world.business_time(rng, account, rng.integers(0, N_DAYS, n), 8, 21),
    )
    world.contact_account, world.contact_created, world.n_contacts = account, created, n
    first_name = rng.integers(0, len(text.FIRST_NAMES), n)
    no_name = rng.random(n) < 0.06
    world.contact_name_in_body = np.where(no_name, len(text.FIRST_NAMES), first_name)
    last_name = rng.integers(0, len(text.LAST_NAMES), n)
    world.contact_dead_number = rng.random(n) < 0.015  # every message to it hard-bounces
    # phones
    subscriber = 2_000_000 + (index_in_account * 7919) % 8_000_000
    area = np.array([spec[5][0] for spec in ACCOUNTS])[account]
    other_area = np.array([spec[5][-1] for spec in ACCOUNTS])[account]
    area = np.where(rng.random(n) < 0.3, other_area, area)
    style = rng.choice(7, n, p=[0.5, 0.15, 0.1, 0.08, 0.07, 0.05, 0.05]).astype(np.int8)
    uk = account == UK
    style[uk] = np.where(rng.random(uk.sum()) < 0.85, 9, 8)
    us = np.flatnonzero(~uk)
    style[us[world.dirt_mask(rng, len(us), 0.5)]] = 7
    phone = _phones(style, area, subscriber, rng)
    # contact rows incl. later updates and deletions
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
    rows = rows[keep]
    updated = np.concatenate([created, updated_at, deleted_at])[keep]
    deleted = np.concatenate([np.full(n + len(updated_rows), -1), deleted_at])[keep]
    n_rows = len(rows)
    has_email = np.concatenate(
        [rng.random(n) < 0.6, np.ones(len(updated_rows), bool), rng.random(len(deleted_rows)) < 0.6]
    )[keep]
    first_lower = pa.array([x.lower() for x in text.FIRST_NAMES])
    last_lower = pa.array([x.lower().replace("'", "") for x in text.LAST_NAMES])
    email = pc.binary_join_element_wise(
        first_lower.take(pa.array(first_name[rows])),
        ".",
        last_lower.take(pa.array(last_name[rows])),
        pc.cast(pa.array(rows), pa.string()),
        "@example.com",
        "",
    )
    email = pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string()))
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
