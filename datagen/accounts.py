"""Accounts and their people: accounts, users, inboxes, phone numbers, labels.

State left on the world for later builders:

- ``users_by_account`` (arrays of user indices), ``user_matrix`` (accounts x users),
  ``users_per_account``, ``user_mobiles`` (E.164 mobile per user, for forwarded calls);
- ``member_number`` (phone number of each user's member inbox), ``inbox_of_number``,
  ``lead_numbers`` (accounts x 3 tracking numbers), ``support_number`` (per account);
- ``labels_per_account``.
"""

from __future__ import annotations

import math

import numpy as np

from datagen import text
from datagen.frames import (
    DAY,
    py_frame,
)
from datagen.world import (
    ACCOUNT_IDS,
    ACCOUNTS,
    N_DAYS,
    UK,
    World,
    iso_utc,
)

LABEL_NAMES = ["Hot lead", "Follow up", "Not interested", "Investor", "Do not call", "Seller"]


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
