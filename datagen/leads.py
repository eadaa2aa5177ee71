"""Opt events, leads and deals: what became of the contacts.

Opt events and leads collected while the conversations were built (``world.opt_rows``,
``world.lead_rows``) are completed with the ones that have no message: imports, the management
page, carrier deactivations; leads from calls and by hand; deals closing some leads.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datagen.calls import DEAL_CLOSED, LEAD
from datagen.frames import DAY, ArrowCol, EnumCol, Frame, IdCol
from datagen.messages import LEAD_CHANNELS, OPT_IN, OPT_METHODS, OPT_OUT
from datagen.world import ACCOUNT_IDS, World

IMPORT, MANAGEMENT_PAGE, CARRIER = (
    OPT_METHODS.index(m) for m in ("import", "management_page", "carrier")
)
CALL_CHANNEL = LEAD_CHANNELS.index("call")
NO_CHANNEL = LEAD_CHANNELS.index(None)


def build_opt_events_leads_deals(world: World) -> None:
    """One stage: the three share the "opt-leads" random stream, in this order."""
    rng = world.rng("opt-leads")
    _build_opt_events(world, rng)
    call_deal = _build_leads(world, rng)
    _build_deals(world, rng, call_deal)


def _build_opt_events(world: World, rng) -> None:
    _add_imported_opt_events(world, rng)
    _add_later_opt_events(world, rng)
    columns = world.opt_rows.done()
    n_events = len(columns["at"])
    export = world.export_day(rng, columns["at"])
    world.frames["opt_events"] = Frame(
        "opt_events",
        {
            "opt_event_id": IdCol(np.arange(n_events) + 1, "opt_"),
            "account_id": EnumCol(columns["account"], ACCOUNT_IDS),
            "contact_id": IdCol(columns["contact"], "con_"),
            "direction": EnumCol(columns["direction"], ["opt_out", "opt_in"]),
            "method": EnumCol(columns["method"], OPT_METHODS),
            "occurred_at": world.ts(rng, columns["at"], columns["account"]),
            "campaign_id": IdCol(
                np.where(columns["campaign"] >= 0, columns["campaign"] + 1, -1), "cmp_"
            ),
            "enrollment_id": IdCol(columns["enrollment"], "enr_"),
            "message_id": IdCol(columns["message"], "SM", hexed=True),
            "user_id": IdCol(np.where(columns["user"] >= 0, columns["user"] + 1, -1), "usr_"),
        },
        export,
    )
    world.add_redeliveries("opt_events", rng, n_events, export, 0.5)


def _add_imported_opt_events(world: World, rng) -> None:
    """Contacts imported during the period opted out or in when imported."""
    n = world.n_contacts
    created = world.contact_created
    imported = created >= world.period_start
    for direction, p in ((OPT_OUT, 0.01), (OPT_IN, 0.04)):
        contact = np.flatnonzero(imported & (rng.random(n) < p))
        world.opt_rows.add(
            len(contact),
            contact=contact,
            account=world.contact_account[contact],
            direction=direction,
            method=IMPORT,
            at=created[contact],
        )


def _add_later_opt_events(world: World, rng) -> None:
    """Opt-outs and opt-ins on the management page (by a user), and carrier deactivations."""
    n = world.n_contacts
    account = world.contact_account
    for direction, method, p in (
        (OPT_OUT, MANAGEMENT_PAGE, 0.006),
        (OPT_IN, MANAGEMENT_PAGE, 0.002),
        (OPT_OUT, CARRIER, 0.003),
    ):
        contact = np.flatnonzero(rng.random(n) < p)
        at = np.maximum(world.contact_created[contact], world.period_start) + rng.integers(
            3600, 100 * DAY, len(contact)
        )
        in_period = at < world.period_end
        contact, at = contact[in_period], at[in_period]
        user = (
            world.user_matrix[
                account[contact], rng.integers(0, world.users_per_account, len(contact))
            ]
            if method == MANAGEMENT_PAGE
            else -1
        )
        world.opt_rows.add(
            len(contact),
            contact=contact,
            account=account[contact],
            direction=direction,
            method=method,
            at=at,
            user=user,
        )


def _build_leads(world: World, rng) -> np.ndarray:
    """Leads from calls, plus a few created by hand without a channel.

    Returns, per lead, whether its call closed a deal on the spot.
    """
    call_deal = _add_call_leads(world, rng)
    by_hand = _add_leads_by_hand(world, rng)
    call_deal = np.concatenate([call_deal, np.zeros(by_hand, bool)])
    columns = world.lead_rows.done()
    world.leads = columns
    n = len(columns["at"])
    export = world.export_day(rng, columns["at"])
    # a column outside the contract, which the loader keeps in _extra
    external_ref = pa.array([None, "crm-7781", "hubspot:12"]).take(
        pa.array(rng.choice(3, n, p=[0.8, 0.1, 0.1]))
    )
    world.frames["leads"] = Frame(
        "leads",
        {
            "lead_id": IdCol(np.arange(n) + 1, "lead_"),
            "account_id": EnumCol(columns["account"], ACCOUNT_IDS),
            "contact_id": IdCol(columns["contact"], "con_"),
            "created_at": world.ts(rng, columns["at"], columns["account"]),
            "channel": EnumCol(columns["channel"], LEAD_CHANNELS),
            "campaign_id": IdCol(
                np.where(columns["campaign"] >= 0, columns["campaign"] + 1, -1), "cmp_"
            ),
            "message_id": IdCol(columns["message"], "SM", hexed=True),
            "call_id": IdCol(columns["call"], "CA", hexed=True),
            "external_ref": ArrowCol(external_ref),
        },
        export,
    )
    return call_deal


def _add_call_leads(world: World, rng) -> np.ndarray:
    """A lead a while after each call whose outcome was a lead or a deal closed; returns, per
    lead so far (those from texting first), whether its call closed a deal on the spot."""
    calls = world.calls
    rows = world.lead_rows
    outcome = calls["outcome"]
    call = np.flatnonzero(
        ((outcome == LEAD) | (outcome == DEAL_CLOSED)) & (calls["end"] > calls["at"])
    )
    at = calls["end"][call] + rng.integers(60, 1800, len(call))
    in_period = at < world.period_end
    call, at = call[in_period], at[in_period]
    rows.add(
        len(call),
        contact=calls["contact"][call],
        account=calls["account"][call],
        at=at,
        channel=CALL_CHANNEL,
        campaign=calls["campaign"][call],
        call=call,
    )
    call_deal = np.zeros(rows.n, bool)
    call_deal[-len(call) :] = (outcome[call] == DEAL_CLOSED) if len(call) else False
    return call_deal


def _add_leads_by_hand(world: World, rng) -> int:
    """A few leads a user created by hand, without a channel; returns how many."""
    n_by_hand = max(3, world.n_contacts // 500)
    contact = rng.integers(0, world.n_contacts, n_by_hand)
    at = np.maximum(world.contact_created[contact], world.period_start) + rng.integers(
        3600, 90 * DAY, n_by_hand
    )
    in_period = at < world.period_end
    world.lead_rows.add(
        int(in_period.sum()),
        contact=contact[in_period],
        account=world.contact_account[contact][in_period],
        at=at[in_period],
        channel=NO_CHANNEL,
    )
    return int(in_period.sum())


def _build_deals(world: World, rng, call_deal: np.ndarray) -> None:
    """Calls marked deal_closed close the same day; other leads close later."""
    leads = world.leads
    p_won = np.where(call_deal, 1.0, np.where(leads["channel"] == CALL_CHANNEL, 0.25, 0.18))
    won = np.flatnonzero(rng.random(len(leads["at"])) < p_won)
    closed_at = leads["at"][won] + np.where(
        call_deal[won],
        rng.integers(600, 6 * 3600, len(won)),
        rng.integers(DAY, 45 * DAY, len(won)),
    )
    in_period = closed_at < world.period_end
    won, closed_at = won[in_period], closed_at[in_period]
    n = len(won)
    cents = rng.integers(5_000_000, 60_000_000, n) // 100 * 100
    amount = pc.binary_join_element_wise(
        pc.cast(pa.array(cents // 100), pa.string()),
        ".",
        pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"),
        "",
    )
    world.frames["deals"] = Frame(
        "deals",
        {
            "deal_id": IdCol(np.arange(n) + 1, "deal_"),
            "lead_id": IdCol(won + 1, "lead_"),
            "account_id": EnumCol(leads["account"][won], ACCOUNT_IDS),
            "closed_at": world.ts(rng, closed_at, leads["account"][won]),
            "amount": ArrowCol(amount),
        },
        world.export_day(rng, closed_at),
    )
