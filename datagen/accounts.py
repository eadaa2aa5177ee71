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
from dataclasses import dataclass, field

import numpy as np

from datagen import text
from datagen.frames import DAY, ExportedRows, py_frame
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


@dataclass
class _Directory:
    """Users, inboxes and phone numbers, numbered in the order they are added (a user's member
    inbox and number follow the user; an account's shared inboxes follow its users)."""

    users: ExportedRows = field(default_factory=ExportedRows)
    inboxes: ExportedRows = field(default_factory=ExportedRows)
    numbers: ExportedRows = field(default_factory=ExportedRows)
    number_rows: list[dict] = field(default_factory=list)  # first row of each number
    inbox_of_number: list[int] = field(default_factory=list)
    member_number: list[int] = field(default_factory=list)  # each user's member inbox number
    user_mobiles: list[str] = field(default_factory=list)  # E.164, for forwarded calls

    def add_inbox(self, account_id: str, name: str, owner: str | None, created: int) -> int:
        inbox = len(self.inboxes.rows)
        row = {
            "inbox_id": f"ibx_{inbox + 1}",
            "account_id": account_id,
            "name": name,
            "inbox_type": "member" if owner else "shared",
            "owner_user_id": owner,
            "created_at": iso_utc(created),
            "updated_at": iso_utc(created),
        }
        self.inboxes.add(row, 0)
        return inbox

    def add_number(self, account_id, codes, friendly, inbox, number_type, tracking, created) -> int:
        number = len(self.number_rows)
        row = _number_row(
            number, account_id, codes, friendly, inbox, number_type, tracking, created
        )
        self.number_rows.append(self.numbers.add(row, 0))
        self.inbox_of_number.append(inbox)
        return number


def _build_users_inboxes_numbers(world: World, users_per_account: int) -> None:
    start = world.period_start
    directory = _Directory()
    users_by_account, tracking_by_account = [], []
    for account in range(len(ACCOUNTS)):
        users_by_account.append(_add_members(world, directory, account, users_per_account))
        tracking = _add_shared_inboxes(world, directory, account)
        tracking_by_account.append(tracking)
        # a released tracking number (re-export with released_at)
        released = dict(directory.number_rows[tracking[2]])
        released["released_at"] = iso_utc(start + (80 + account) * DAY + 40_000)
        released["updated_at"] = released["released_at"]
        directory.numbers.add(released, 80 + account)
    # the Denver shared inbox is renamed later
    renamed = dict(directory.inboxes.rows[directory.inbox_of_number[tracking_by_account[1][0]]])
    renamed["name"] = renamed["name"] + " (new)"
    renamed["updated_at"] = iso_utc(start + 30 * DAY + 3600)
    directory.inboxes.add(renamed, 30)
    world.frames["users"] = directory.users.frame("users")
    world.frames["inboxes"] = directory.inboxes.frame("inboxes")
    world.frames["phone_numbers"] = directory.numbers.frame("phone_numbers")
    world.users_per_account = users_per_account
    world.users_by_account = users_by_account
    world.user_matrix = np.stack(users_by_account)
    world.user_mobiles = directory.user_mobiles
    world.member_number = np.array(directory.member_number)
    world.inbox_of_number = np.array(directory.inbox_of_number)
    world.lead_numbers = np.array([t[:3] for t in tracking_by_account])  # (accounts, 3)
    world.support_number = np.array([t[3] for t in tracking_by_account])


def _add_members(
    world: World, directory: _Directory, account: int, users_per_account: int
) -> np.ndarray:
    """The account's users (an admin first; account 0's second is its owner), each with a member
    inbox, a number and a mobile; the last one leaves mid-period. Returns the user indices."""
    account_id, _p, _name, _tz, _w, codes, _anchor = ACCOUNTS[account]
    account_users = []
    for k in range(users_per_account):
        user = account * users_per_account + k
        created = _created_base(world) + account * 7 * DAY + k * 3600
        role = "admin" if k == 0 else ("owner" if account == 0 and k == 1 else "member")
        full_name = text.USER_NAMES[user % len(text.USER_NAMES)]
        row = {
            "user_id": f"usr_{user + 1}",
            "account_id": account_id,
            "full_name": full_name,
            "role": role,
            "created_at": iso_utc(created),
            "updated_at": iso_utc(created),
            "deactivated_at": None,
        }
        directory.users.add(row, 0)
        account_users.append(user)
        inbox = directory.add_inbox(
            account_id, f"{full_name}'s inbox", f"usr_{user + 1}", created + 60
        )
        directory.member_number.append(
            directory.add_number(
                account_id, codes, f"usr_{user + 1} line", inbox, "local", False, created + 120
            )
        )
        area = codes[0] if account != UK else 312
        directory.user_mobiles.append(f"+1{area}555{1000 + user:04d}")
    # one user per account, its last, leaves mid-period (re-export with deactivated_at)
    leaver = dict(row)
    leaver["deactivated_at"] = iso_utc(world.period_start + (60 + account) * DAY + 50_000)
    leaver["updated_at"] = leaver["deactivated_at"]
    directory.users.add(leaver, 60 + account)
    return np.array(account_users)


def _add_shared_inboxes(world: World, directory: _Directory, account: int) -> list[int]:
    """The account's shared inboxes: leads (three tracking numbers, one per lead source) and
    support (toll-free outside the UK). Returns the numbers, the three lead ones first."""
    account_id, _p, name, _tz, _w, codes, _anchor = ACCOUNTS[account]
    city = name.split("— ")[-1]
    tracking = []
    for kind, sources in (
        ("leads", ("Google Ads", "Zillow listing", "Yard signs")),
        ("support", ("Main line",)),
    ):
        created = _created_base(world) + account * 7 * DAY + 7200
        inbox = directory.add_inbox(account_id, f"{city} {kind}", None, created)
        for j, source in enumerate(sources):
            number_type = "toll_free" if kind == "support" and account != UK else "local"
            tracking.append(
                directory.add_number(
                    account_id, codes, f"{city} {source}", inbox, number_type, kind == "leads",
                    created + j,
                )
            )  # fmt: skip
    return tracking


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
