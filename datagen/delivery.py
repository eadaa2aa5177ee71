"""Delivery events of every message (webhook callbacks) and clicks on tracked links.

State left on the world: ``message_outcome`` (per message: -1 inbound, else one of
``OUTCOMES``), used by the clicks (only delivered messages are clicked).
"""

from __future__ import annotations

import numpy as np

from datagen import text
from datagen.frames import DAY, EnumCol, Frame, IdCol, IntCol
from datagen.world import INBOUND, N_DAYS, OUTBOUND, RowBuffer, World, lognormal

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
    "deliverd",  # the dirt status (DIRT["unknown_status"])
]
QUEUED, SENDING, SENT, DELIVERED, UNDELIVERED, FAILED, CANCELED, RECEIVED, READ, BAD_STATUS = range(
    10
)
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
# What becomes of an outbound message, with its share; soft bounces are retried hourly.
OUTCOMES = [
    ("delivered", 0.931),
    ("carrier_block", 0.012),
    ("hard_bounce", 0.01),
    ("soft_then_delivered", 0.018),
    ("soft_then_failed", 0.014),
    ("opted_out", 0.008),  # 21610
    ("other_failure", 0.004),
    ("canceled", 0.003),
]
(
    DELIVERED_OK,
    CARRIER_BLOCK,
    HARD_BOUNCE,
    SOFT_THEN_DELIVERED,
    SOFT_THEN_FAILED,
    OPTED_OUT,
    OTHER_FAILURE,
    CANCELED_OUTCOME,
) = range(len(OUTCOMES))
MAX_RETRIES = 48


def build_message_events(world: World) -> None:
    """queued/sent/delivered/read, carrier blocks, bounces with retries, received.

    Every event is drawn from the one "events" stream: the outcome of each outbound message
    first, then the events that follow from it, in the order of the steps below.
    """
    rng = world.rng("events")
    messages = world.messages
    outbound = np.flatnonzero(messages["outbound"] == OUTBOUND)
    outcome = _outcomes(world, rng, outbound)
    events = _OutboundEvents(outbound)
    final, final_at = _first_attempt_events(world, rng, events, outcome)
    _soft_bounce_retries(world, rng, events, outcome, final, final_at)
    inbound = np.flatnonzero(messages["outbound"] == INBOUND)
    events.rows.add(len(inbound), message=inbound, status=RECEIVED, at=messages["at"][inbound])
    world.message_outcome = np.full(len(messages["at"]), -1)
    world.message_outcome[outbound] = outcome
    _add_events_frame(world, rng, events.rows.done())


def _outcomes(world: World, rng, outbound: np.ndarray) -> np.ndarray:
    """What becomes of each outbound message (``OUTCOMES``): the spammy template is blocked
    about a third of the time, a dead number always hard-bounces."""
    n = len(outbound)
    template = world.messages["template"][outbound]
    spammy = (template >= 0) & world.template_is_spammy[np.maximum(template, 0)]
    outcome = rng.choice(len(OUTCOMES), n, p=np.array([share for _name, share in OUTCOMES]))
    outcome = np.where(spammy & (rng.random(n) < 0.35), CARRIER_BLOCK, outcome)
    sent_at = world.messages["at"][outbound]
    outcome = _carrier_block_spike(world, sent_at, template, spammy, outcome)
    return np.where(
        world.contact_dead_number[world.messages["contact"][outbound]], HARD_BOUNCE, outcome
    )


class _OutboundEvents:
    """The event rows, added for the outbound messages (``outbound``) a mask selects."""

    def __init__(self, outbound: np.ndarray):
        self.outbound = outbound
        self.rows = RowBuffer(
            message=np.int64(0),
            status=np.int8(0),
            at=np.int64(0),
            error=np.int8(0),
            attempt=np.int16(0),
        )

    def add(self, mask, status, when, error=0, attempt=0) -> None:
        rows = np.flatnonzero(mask)
        self.rows.add(
            len(rows),
            message=self.outbound[rows],
            status=status if np.ndim(status) == 0 else status[rows],
            at=when[rows],
            error=error if np.ndim(error) == 0 else error[rows],
            attempt=attempt if np.ndim(attempt) == 0 else attempt[rows],
        )


def _first_attempt_events(world: World, rng, events: _OutboundEvents, outcome: np.ndarray):
    """Each outbound message's events up to its first final status (none yet for the newest:
    pending). Returns which messages have a final status, and when."""
    sent_at = world.messages["at"][events.outbound]
    n = len(sent_at)
    end = world.period_end
    draw = rng.random(n)
    events.add(draw < 0.35, QUEUED, sent_at)  # 'queued' callbacks for some messages
    canceled = outcome == CANCELED_OUTCOME
    events.add(canceled, CANCELED, sent_at + 1)
    hard_code = rng.choice([10, 11, 12, 13], n, p=[0.5, 0.15, 0.2, 0.15])
    never_sent = (outcome == HARD_BOUNCE) & (hard_code >= 12)  # 21211/21614 fail before sending
    handed_at = sent_at + rng.integers(1, 4, n)
    # pending: the newest messages have no final status yet
    pending = sent_at > end - 2 * 3600
    sends = ~canceled & ~never_sent & (outcome != OPTED_OUT)
    events.add(sends & (handed_at < end), SENT, handed_at)
    final = ~pending
    final_at = handed_at + lognormal(rng, 6, 0.8, n, 1, 600)
    events.add(final & (outcome == DELIVERED_OK), DELIVERED, final_at)
    read = final & (outcome == DELIVERED_OK) & (rng.random(n) < 0.05)
    events.add(read, READ, final_at + lognormal(rng, 900, 1.5, n, 5, DAY))
    block_code = rng.choice([1, 2, 3, 4, 5], n, p=[0.75, 0.1, 0.05, 0.05, 0.05])
    block_status = np.where(rng.random(n) < 0.8, UNDELIVERED, FAILED)
    events.add(final & (outcome == CARRIER_BLOCK), block_status, final_at, block_code)
    events.add(final & (outcome == HARD_BOUNCE) & ~never_sent, UNDELIVERED, final_at, hard_code)
    events.add(final & never_sent, FAILED, sent_at + 1, hard_code)
    events.add(final & (outcome == OPTED_OUT), FAILED, sent_at + 1, ERROR_CODES.index("21610"))
    other_code = np.where(draw < 0.5, ERROR_CODES.index("30010"), 0)
    events.add(final & (outcome == OTHER_FAILURE), UNDELIVERED, final_at, other_code)
    return final, final_at


def _soft_bounce_retries(
    world: World,
    rng,
    events: _OutboundEvents,
    outcome: np.ndarray,
    final: np.ndarray,
    final_at: np.ndarray,
) -> None:
    """Soft bounces retried hourly (``attempt`` counts the retries) until delivered or given up."""
    outbound, end = events.outbound, world.period_end
    bounced = final & ((outcome == SOFT_THEN_DELIVERED) | (outcome == SOFT_THEN_FAILED))
    soft = np.flatnonzero(bounced)
    soft_code = rng.choice([6, 7, 8, 9], len(soft), p=[0.6, 0.2, 0.1, 0.1])
    code_of = np.zeros(len(outbound), np.int8)
    code_of[soft] = soft_code
    events.add(bounced, UNDELIVERED, final_at, code_of)
    tries = np.minimum(1 + rng.geometric(0.4, len(soft)), MAX_RETRIES)
    tries = np.where(rng.random(len(soft)) < 0.03, MAX_RETRIES, tries)
    of_try = np.repeat(np.arange(len(soft)), tries)
    attempt = np.arange(len(of_try)) - np.repeat(np.cumsum(tries) - tries, tries) + 1
    try_at = final_at[soft][of_try] + attempt * 3600 + rng.integers(-120, 120, len(of_try))
    last = attempt == tries[of_try]
    delivered_at_last = (outcome[soft] == SOFT_THEN_DELIVERED)[of_try] & last
    in_period = try_at < end
    try_message = outbound[soft][of_try]
    failed_try = in_period & ~delivered_at_last
    events.rows.add(
        int(failed_try.sum()),
        message=try_message[failed_try],
        status=UNDELIVERED,
        at=try_at[failed_try],
        error=soft_code[of_try][failed_try],
        attempt=attempt[failed_try],
    )
    good_try = in_period & delivered_at_last
    for status, delay in ((SENT, 0), (DELIVERED, 5)):
        events.rows.add(
            int(good_try.sum()),
            message=try_message[good_try],
            status=status,
            at=try_at[good_try] + delay,
            attempt=attempt[good_try],
        )


def _add_events_frame(world: World, rng, columns: dict[str, np.ndarray]) -> None:
    """The message_events frame, with its dirt: unknown statuses, bad timestamps, events
    exported days late, repeats inside a file and redeliveries."""
    n_events = len(columns["at"])
    status = columns["status"].copy()
    status[world.dirt_mask(rng, n_events, 0.1)] = BAD_STATUS
    bad_ts = np.where(world.dirt_mask(rng, n_events, 0.1), rng.integers(1, 4, n_events), 0).astype(
        np.int8
    )
    export = world.export_day(rng, columns["at"], 2 * 3600)
    late = world.dirt_mask(rng, n_events, 1.0)  # exported 2-6 days late, out of order
    export = np.where(late, np.minimum(export + rng.integers(2, 7, n_events), N_DAYS - 1), export)
    account = world.messages["account"][columns["message"]]
    world.frames["message_events"] = Frame(
        "message_events",
        {
            "event_id": IdCol(np.arange(n_events), "EV", hexed=True),
            "message_id": IdCol(columns["message"], "SM", hexed=True),
            "status": EnumCol(status, STATUSES),
            "occurred_at": world.ts(rng, columns["at"], account, bad=bad_ts),
            "error_code": EnumCol(columns["error"], ERROR_CODES),
            "attempt": IntCol(columns["attempt"]),
        },
        export.astype(np.int16),
    )
    world.same_file_repeats["message_events"] = np.flatnonzero(world.dirt_mask(rng, n_events, 1.0))
    world.add_redeliveries("message_events", rng, n_events, export, 0.5)


def _carrier_block_spike(world: World, sent_at, template, spammy, outcome) -> np.ndarray:
    """The anomaly alert's demo case: on the period's last day, half the messages of one
    ordinary template are carrier-blocked (its baseline is the ordinary ~1 %), so
    mart_carrier_block_anomalies flags that template, and the number sending most of them.
    The template is the non-spammy one with the most messages in the last 24 h; its own
    random stream leaves every other draw of the data as it was."""
    last_day = (sent_at >= world.period_end - DAY) & (template >= 0) & ~spammy
    if not last_day.any():
        return outcome
    chosen = np.bincount(template[last_day]).argmax()
    hit = last_day & (template == chosen) & (world.rng("anomaly").random(len(outcome)) < 0.5)
    return np.where(hit, CARRIER_BLOCK, outcome)


def build_link_clicks(world: World) -> None:
    """Clicks on delivered template links, some contacts clicking several times."""
    rng = world.rng("clicks")
    messages = world.messages
    template = messages["template"]
    delivered = np.isin(world.message_outcome, [DELIVERED_OK, SOFT_THEN_DELIVERED])
    candidates = np.flatnonzero((template >= 0) & delivered)
    candidates = candidates[world.template_has_link[template[candidates]]]
    p_click = np.where(world.template_is_spammy[template[candidates]], 0.03, 0.12)
    clicked = candidates[rng.random(len(candidates)) < p_click]
    repeats = np.minimum(rng.geometric(0.6, len(clicked)), 8)
    message = np.repeat(clicked, repeats)
    nth = np.arange(len(message)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    at = messages["at"][message] + 30 + lognormal(rng, 1200, 2.0, len(message), 5, 5 * DAY)
    at = at + nth * lognormal(rng, 3600, 2.0, len(message), 10, 3 * DAY)
    in_period = at < world.period_end
    message, at = message[in_period], at[in_period]
    n = len(message)
    link = template[message]  # one tracked link per template
    export = world.export_day(rng, at)
    world.frames["link_clicks"] = Frame(
        "link_clicks",
        {
            "click_id": IdCol(np.arange(n), "clk_"),
            "message_id": IdCol(message, "SM", hexed=True),
            "link_id": IdCol(link + 1, "lnk_"),
            "url": EnumCol(link, list(world.template_link)),
            "clicked_at": world.ts(rng, at, messages["account"][message]),
            "user_agent": EnumCol(rng.integers(0, len(text.USER_AGENTS), n), text.USER_AGENTS),
        },
        export,
    )
    world.add_redeliveries("link_clicks", rng, n, export, 0.5)
