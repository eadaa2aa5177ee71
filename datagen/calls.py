"""Calls: outbound and inbound, ring and talk times, answering machines, forwarded calls.

State left on the world: ``calls`` (columns ``account``, ``contact``, ``at`` (start),
``end``, ``outcome`` (-1 none), ``campaign`` (-1 none), ``n``), read by the leads.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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


def build_calls(world: World) -> None:
    """Calls during business hours; a fifth of inbound ones ring through to a user's mobile.

    Every draw comes from the one "calls" stream, so the steps below keep their order.
    """
    rng = world.rng("calls")
    calls = _received_and_dialed(world, rng)
    calls = _with_forwarded_legs(world, rng, calls)
    _add_dirt(world, rng, calls)
    world.calls = dict(
        account=calls.account,
        contact=calls.contact,
        at=calls.start,
        end=calls.end,
        outcome=calls.outcome,
        campaign=calls.campaign,
        n=len(calls.account),
    )
    export = world.export_day(rng, np.maximum(calls.end, calls.start))
    world.frames["calls"] = _calls_frame(world, rng, calls, export)
    world.add_redeliveries("calls", rng, len(calls.account), export, 0.5)


@dataclass
class _Calls:
    """One column per field, one row per call: the calls received or dialed, then (once joined)
    the child calls that forwarded inbound calls rang on a user's mobile."""

    account: np.ndarray
    contact: np.ndarray
    direction: np.ndarray  # 0 inbound, 1 outbound, 2 the unknown-direction dirt
    user: np.ndarray  # -1: none (an inbound call nobody answered)
    number: np.ndarray
    campaign: np.ndarray  # -1: none
    start: np.ndarray
    answered_at: np.ndarray
    end: np.ndarray
    end_null: np.ndarray  # ended_at not exported
    status: np.ndarray
    answered_by: np.ndarray
    outcome: np.ndarray  # -1: none
    forwarded_to: np.ndarray  # the user whose mobile a forwarded call rang, else -1
    parent: np.ndarray  # a child call's parent call, else -1
    account_code: np.ndarray | None = None  # the account as exported (dirt: unknown account)
    bad_ts: np.ndarray | None = None  # 1..3: started_at spoiled with that bad timestamp


def _received_and_dialed(world: World, rng) -> _Calls:
    """The calls themselves, a quarter inbound: who, when, how they went and their outcome."""
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
    campaign = _call_campaigns(world, rng, account, inbound)
    number = np.where(
        inbound, world.lead_numbers[account, rng.integers(0, 3, n)], world.member_number[user]
    )
    status, answered_by, answered_at, end = _ring_and_talk(rng, inbound, start)
    end_null = (status == FAILED) & (rng.random(n) < 0.5)
    forwarded = inbound & (rng.random(n) < 0.2)
    return _Calls(
        account=account,
        contact=contact,
        direction=(~inbound).astype(np.int8),
        # an inbound call nobody answered has no user
        user=np.where(inbound & (status != COMPLETED), -1, user),
        number=number,
        campaign=campaign,
        start=start,
        answered_at=answered_at,
        end=end,
        end_null=end_null,
        status=status,
        answered_by=answered_by,
        outcome=_call_outcomes(rng, status, answered_by),
        forwarded_to=np.where(forwarded, user, -1),
        parent=np.full(n, -1),
    )


def _call_campaigns(world: World, rng, account: np.ndarray, inbound: np.ndarray) -> np.ndarray:
    """A standard campaign of the account for part of the outbound calls (-1: none)."""
    n = len(account)
    standard = world.standard_campaigns_by_account
    standard_count = np.array([len(x) for x in standard])
    standard_matrix = np.full((len(ACCOUNTS), standard_count.max()), -1)
    for i, campaigns in enumerate(standard):
        standard_matrix[i, : len(campaigns)] = campaigns
    return np.where(
        ~inbound & (rng.random(n) < 0.4),
        standard_matrix[account, (rng.random(n) * standard_count[account]).astype(np.int64)],
        -1,
    )


def _ring_and_talk(rng, inbound: np.ndarray, start: np.ndarray):
    """Each call's status, who answered (a person or a machine), when it was answered and when
    it ended."""
    n = len(inbound)
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
    return status, answered_by, answered_at, end


def _call_outcomes(rng, status: np.ndarray, answered_by: np.ndarray) -> np.ndarray:
    """The outcome a user logged (-1: none): voicemail for most machine answers and a few
    unanswered calls, nothing for part of the answered ones."""
    n = len(status)
    answered = status == COMPLETED
    outcome = rng.choice(len(OUTCOMES), n, p=_outcome_shares(len(OUTCOMES)))
    outcome = np.where(
        answered & (answered_by == MACHINE),
        np.where(rng.random(n) < 0.7, LEFT_VOICEMAIL, -1),
        outcome,
    )
    outcome = np.where(answered & (answered_by != MACHINE) & (rng.random(n) < 0.4), -1, outcome)
    return np.where(
        ~answered,
        np.where((status == NO_ANSWER) & (rng.random(n) < 0.05), LEFT_VOICEMAIL, -1),
        outcome,
    )


def _with_forwarded_legs(world: World, rng, calls: _Calls) -> _Calls:
    """The calls followed by a child call for each forwarded one (ringing the forwarding user's
    mobile); the parent ends when its child ends, and is answered if the child is."""
    parent = np.flatnonzero(calls.forwarded_to >= 0)
    n = len(parent)
    status = np.where(rng.random(n) < 0.75, COMPLETED, NO_ANSWER)
    start = calls.start[parent] + rng.integers(1, 4, n)
    answered_at = start + rng.integers(3, 20, n)
    talk = lognormal(rng, 100, 1.0, n, 5, 3600)
    end = np.where(status == COMPLETED, answered_at + talk, start + 30)
    forwarding_user = calls.forwarded_to[parent]
    children = _Calls(
        account=calls.account[parent],
        contact=calls.contact[parent],
        direction=np.ones(n, np.int8),
        user=forwarding_user,  # a child call is the forwarding user's
        number=world.member_number[forwarding_user],
        campaign=np.full(n, -1),
        start=start,
        answered_at=answered_at,
        end=end,
        end_null=np.zeros(n, bool),
        status=status,
        answered_by=np.zeros(n, int),
        outcome=np.full(n, -1),
        forwarded_to=np.full(n, -1),
        parent=parent,
    )
    # (account_code and bad_ts are the dirt's, added once every call is there)
    joined = _Calls(
        **{
            f.name: np.concatenate([getattr(calls, f.name), getattr(children, f.name)])
            for f in fields(_Calls)
            if getattr(calls, f.name) is not None
        }
    )
    joined.end[parent] = np.maximum(joined.end[parent], end)
    joined.status[parent] = np.where(status == COMPLETED, COMPLETED, joined.status[parent])
    joined.answered_at[parent] = np.where(
        status == COMPLETED, answered_at, joined.answered_at[parent]
    )
    return joined


def _add_dirt(world: World, rng, calls: _Calls) -> None:
    """Unknown directions and accounts, bad start timestamps, calls that end before they start."""
    total = len(calls.account)
    calls.direction[world.dirt_mask(rng, total, 0.1)] = 2
    calls.account_code = calls.account.astype(np.int16).copy()
    calls.account_code[world.dirt_mask(rng, total, 0.1)] = len(ACCOUNTS)
    calls.bad_ts = np.where(world.dirt_mask(rng, total, 0.1), rng.integers(1, 4, total), 0)
    backwards = np.zeros(total, bool)  # dirt: ends before it starts
    eligible = np.flatnonzero((calls.status == COMPLETED) & (calls.bad_ts == 0))
    backwards[eligible[world.dirt_mask(rng, len(eligible), 0.3)]] = True
    calls.end = np.where(backwards, calls.start - rng.integers(10, 600, total), calls.end)


def _calls_frame(world: World, rng, calls: _Calls, export: np.ndarray) -> Frame:
    answered = calls.status == COMPLETED
    mobiles = pa.array([*world.user_mobiles, None])
    return Frame(
        "calls",
        {
            "call_id": IdCol(np.arange(len(calls.account)), "CA", hexed=True),
            "account_id": EnumCol(calls.account_code, ACCOUNT_IDS_WITH_UNKNOWN),
            "direction": EnumCol(
                calls.direction, ["inbound", "outbound", DIRT["unknown_direction"]]
            ),
            "started_at": world.ts(
                rng, calls.start, calls.account, bad=calls.bad_ts.astype(np.int8)
            ),
            "contact_id": IdCol(calls.contact, "con_"),
            "phone_number_id": IdCol(calls.number + 1, "pn_"),
            "user_id": IdCol(np.where(calls.user >= 0, calls.user + 1, -1), "usr_"),
            "campaign_id": IdCol(np.where(calls.campaign >= 0, calls.campaign + 1, -1), "cmp_"),
            "answered_at": world.ts(rng, calls.answered_at, calls.account, null=~answered),
            "ended_at": world.ts(rng, calls.end, calls.account, null=calls.end_null),
            "status": EnumCol(calls.status, STATUSES),
            "answered_by": EnumCol(np.where(answered, calls.answered_by, 3), [*ANSWERED_BY, None]),
            "forwarded_to": ArrowCol(
                mobiles.take(pa.array(calls.forwarded_to % (len(world.user_mobiles) + 1)))
            ),
            "parent_call_id": IdCol(calls.parent, "CA", hexed=True),
            "outcome": EnumCol(
                np.where(calls.outcome >= 0, calls.outcome, len(OUTCOMES)), [*OUTCOMES, None]
            ),
        },
        export,
    )
