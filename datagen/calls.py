"""Calls: outbound and inbound, ring and talk times, answering machines, forwarded calls.

State left on the world: ``calls`` (columns ``account``, ``contact``, ``at`` (start),
``end``, ``outcome`` (-1 none), ``campaign`` (-1 none), ``n``), read by the leads.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from datagen import text
from datagen.frames import ArrowCol, EnumCol, Frame, IdCol
from datagen.world import (
    ACCOUNT_IDS_WITH_UNKNOWN,
    ACCOUNT_SHARES,
    ACCOUNTS,
    DIRT,
    N_DAYS,
    World,
    lognormal,
)

STATUSES = ["completed", "busy", "no-answer", "failed", "canceled"]
COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED = range(len(STATUSES))
ANSWERED_BY = ["human", "machine", "unknown"]
HUMAN, MACHINE = 0, 1
OUTCOMES = [
    "lead",
    "deal_closed",
    "left_voicemail",
    "not_interested",
    "wrong_number",
    "call_back",
    *text.CALL_OUTCOMES_FREE_TEXT,
]
LEAD, DEAL_CLOSED, LEFT_VOICEMAIL = 0, 1, 2


def _outcome_shares(n: int) -> np.ndarray:
    # the six named outcomes, then the free-text ones sharing the rest equally
    shares = np.array([0.12, 0.03, 0.08, 0.25, 0.06, 0.14] + [0.32 / (n - 6)] * (n - 6))
    return shares / shares.sum()


# One function: all draws come from the one "calls" stream in a fixed order, and the child calls
# of forwarded calls are joined to their parents' columns.
def build_calls(world: World) -> None:
    """Calls during business hours; a fifth of inbound ones ring through to a user's mobile."""
    rng = world.rng("calls")
    n = max(200, world.n_messages // 10)
    account = rng.choice(len(ACCOUNTS), n, p=ACCOUNT_SHARES / ACCOUNT_SHARES.sum())
    contact = world.contact_first[account] + (rng.random(n) * world.contact_count[account]).astype(
        np.int64
    )
    inbound = rng.random(n) < 0.25
    user = world.user_matrix[account, (rng.random(n) * world.users_per_account).astype(np.int64)]
    start = world.business_time(rng, account, rng.integers(0, N_DAYS, n), 8, 20)
    start = np.maximum(start, world.contact_created[contact] + 300)
    kept = start < world.period_end - 3600
    account, contact, inbound, user, start = (
        account[kept],
        contact[kept],
        inbound[kept],
        user[kept],
        start[kept],
    )
    n = len(account)
    # campaign calls: a standard campaign of the account, for part of the outbound calls
    standard = world.standard_campaigns_by_account
    standard_count = np.array([len(x) for x in standard])
    standard_matrix = np.full((len(ACCOUNTS), standard_count.max()), -1)
    for i, campaigns in enumerate(standard):
        standard_matrix[i, : len(campaigns)] = campaigns
    campaign = np.where(
        ~inbound & (rng.random(n) < 0.4),
        standard_matrix[account, (rng.random(n) * standard_count[account]).astype(np.int64)],
        -1,
    )
    number = np.where(
        inbound, world.lead_numbers[account, rng.integers(0, 3, n)], world.member_number[user]
    )
    status = np.where(
        inbound,
        rng.choice(5, n, p=[0.72, 0.04, 0.22, 0.01, 0.01]),
        rng.choice(5, n, p=[0.52, 0.08, 0.32, 0.04, 0.04]),
    )
    answered = status == COMPLETED
    answered_by = np.where(inbound, HUMAN, rng.choice(3, n, p=[0.7, 0.25, 0.05]))
    ring = rng.integers(3, 30, n)
    talk = lognormal(rng, 85, 1.1, n, 5, 3 * 3600)
    draw = rng.random(n)
    # talk times of exactly 89, 90 and 91 s: the edges of the 90-second KPIs
    talk = np.where(draw < 0.03, 90, np.where(draw < 0.06, 91, np.where(draw < 0.08, 89, talk)))
    talk = np.where(answered_by == MACHINE, rng.integers(15, 45, n), talk)
    answered_at = start + ring
    end = np.where(
        answered,
        answered_at + talk,
        np.where(
            status == NO_ANSWER, start + rng.integers(25, 45, n), start + rng.integers(1, 6, n)
        ),
    )
    end_null = (status == FAILED) & (rng.random(n) < 0.5)
    forwarded = inbound & (rng.random(n) < 0.2)
    outcome = rng.choice(len(OUTCOMES), n, p=_outcome_shares(len(OUTCOMES)))
    outcome = np.where(
        answered & (answered_by == MACHINE),
        np.where(rng.random(n) < 0.7, LEFT_VOICEMAIL, -1),
        outcome,
    )
    outcome = np.where(answered & (answered_by != MACHINE) & (rng.random(n) < 0.4), -1, outcome)
    outcome = np.where(
        ~answered,
        np.where((status == NO_ANSWER) & (rng.random(n) < 0.05), LEFT_VOICEMAIL, -1),
        outcome,
    )
    # child calls of forwarded calls
    parent = np.flatnonzero(forwarded)
    n_children = len(parent)
    child = n + np.arange(n_children)
    child_status = np.where(rng.random(n_children) < 0.75, COMPLETED, NO_ANSWER)
    child_start = start[parent] + rng.integers(1, 4, n_children)
    child_answered_at = child_start + rng.integers(3, 20, n_children)
    child_talk = lognormal(rng, 100, 1.0, n_children, 5, 3600)
    child_end = np.where(
        child_status == COMPLETED, child_answered_at + child_talk, child_start + 30
    )
    all_status = np.concatenate([status, child_status])
    all_start = np.concatenate([start, child_start])
    all_answered_at = np.concatenate([answered_at, child_answered_at])
    all_end = np.concatenate([end, child_end])
    # the parent of a forwarded call ends when the child ends, and is answered if it is
    all_end[parent] = np.maximum(all_end[parent], child_end)
    all_status[parent] = np.where(child_status == COMPLETED, COMPLETED, all_status[parent])
    all_answered = all_status == COMPLETED
    all_answered_at[parent] = np.where(
        child_status == COMPLETED, child_answered_at, all_answered_at[parent]
    )
    all_account = np.concatenate([account, account[parent]])
    all_contact = np.concatenate([contact, contact[parent]])
    direction = np.concatenate([(~inbound).astype(np.int8), np.ones(n_children, np.int8)])
    total = n + n_children
    direction[world.dirt_mask(rng, total, 0.1)] = 2
    account_code = all_account.astype(np.int16).copy()
    account_code[world.dirt_mask(rng, total, 0.1)] = len(ACCOUNTS)
    bad_ts = np.where(world.dirt_mask(rng, total, 0.1), rng.integers(1, 4, total), 0)
    backwards = np.zeros(total, bool)  # dirt: ends before it starts
    eligible = np.flatnonzero(all_answered & (bad_ts == 0))
    backwards[eligible[world.dirt_mask(rng, len(eligible), 0.3)]] = True
    all_end = np.where(backwards, all_start - rng.integers(10, 600, total), all_end)
    all_outcome = np.concatenate([outcome, np.full(n_children, -1)])
    all_campaign = np.concatenate([campaign, np.full(n_children, -1)])
    forwarded_to = np.concatenate([np.where(forwarded, user, -1), np.full(n_children, -1)])
    mobiles = pa.array([*world.user_mobiles, None])
    world.calls = dict(
        account=all_account,
        contact=all_contact,
        at=all_start,
        end=all_end,
        outcome=all_outcome,
        campaign=all_campaign,
        n=total,
    )
    export = world.export_day(rng, np.maximum(all_end, all_start))
    # an inbound call nobody answered has no user; a child call is the forwarding user's
    all_user = np.concatenate([np.where(inbound & (status != COMPLETED), -1, user), user[parent]])
    all_number = np.concatenate([number, world.member_number[user[parent]]])
    world.frames["calls"] = Frame(
        "calls",
        {
            "call_id": IdCol(np.concatenate([np.arange(n), child]), "CA", hexed=True),
            "account_id": EnumCol(account_code, ACCOUNT_IDS_WITH_UNKNOWN),
            "direction": EnumCol(direction, ["inbound", "outbound", DIRT["unknown_direction"]]),
            "started_at": world.ts(rng, all_start, all_account, bad=bad_ts.astype(np.int8)),
            "contact_id": IdCol(all_contact, "con_"),
            "phone_number_id": IdCol(all_number + 1, "pn_"),
            "user_id": IdCol(np.where(all_user >= 0, all_user + 1, -1), "usr_"),
            "campaign_id": IdCol(np.where(all_campaign >= 0, all_campaign + 1, -1), "cmp_"),
            "answered_at": world.ts(rng, all_answered_at, all_account, null=~all_answered),
            "ended_at": world.ts(
                rng,
                all_end,
                all_account,
                null=np.concatenate([end_null, np.zeros(n_children, bool)]),
            ),
            "status": EnumCol(all_status, STATUSES),
            "answered_by": EnumCol(
                np.where(all_answered, np.concatenate([answered_by, np.zeros(n_children, int)]), 3),
                [*ANSWERED_BY, None],
            ),
            "forwarded_to": ArrowCol(
                mobiles.take(
                    pa.array(
                        np.where(forwarded_to >= 0, forwarded_to, -1)
                        % (len(world.user_mobiles) + 1)
                    )
                )
            ),
            "parent_call_id": IdCol(np.concatenate([np.full(n, -1), parent]), "CA", hexed=True),
            "outcome": EnumCol(
                np.where(all_outcome >= 0, all_outcome, len(OUTCOMES)), [*OUTCOMES, None]
            ),
        },
        export,
    )
    world.add_redeliveries("calls", rng, total, export, 0.5)
