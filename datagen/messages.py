"""Messages: campaign steps, replies and what they trigger, and inbox conversations.

Conversations are built as columns in ``world.message_rows`` (one ``RowBuffer``); what a reply
sets off elsewhere is collected at the same time: opt-outs and opt-ins in ``world.opt_rows``
(finished by ``datagen.leads``), leads from text conversations in ``world.lead_rows``.

State left on the world: ``messages`` (the finished message columns: ``account``, ``contact``,
``outbound``, ``at``, ``number``, ``user``, ``campaign``, ``enrollment``, ``template``, ``step``,
``send_type``, ``body``, ``media``), besides the two buffers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datagen.campaigns import pool_bodies
from datagen.conversations import conversation, inbox_conversations
from datagen.frames import DAY, EnumCol, Frame, IdCol, IntCol
from datagen.world import (
    ACCOUNT_IDS_WITH_UNKNOWN,
    ACCOUNTS,
    AUTOMATION,
    BLAST,
    DIRT,
    INBOUND,
    KEYWORD_REPLY,
    OUTBOUND,
    SEND_TYPES,
    RowBuffer,
    World,
    lognormal,
)

OPT_OUT, OPT_IN = 0, 1
OPT_METHODS = ["keyword", "ai_filter", "manual", "management_page", "import", "carrier"]
LEAD_CHANNELS = [None, "sms", "call"]
NO_TIME = np.iinfo(np.int64).max  # "never": a reply that does not happen
# kinds of a campaign reply, with their share and the body pool they are drawn from
REPLY_KINDS = ["ordinary", "stop", "lang", "help", "mms"]
REPLY_SHARES = [0.64, 0.15, 0.08, 0.03, 0.10]
ORDINARY, STOP, OPT_OUT_LANGUAGE, HELP, MMS = range(5)


def build_messages(world: World) -> None:
    """Campaign conversations, inbox conversations, then the message columns."""
    world.message_rows = RowBuffer(
        account=np.int16(0),
        contact=np.int64(0),
        outbound=np.int8(OUTBOUND),
        at=np.int64(0),
        number=np.int32(0),
        user=np.int32(-1),
        campaign=np.int32(-1),
        enrollment=np.int64(-1),
        template=np.int32(-1),
        step=np.int8(0),
        send_type=np.int8(0),
        body=np.int32(0),
        media=np.int8(0),
    )
    world.opt_rows = RowBuffer(
        contact=np.int64(0),
        account=np.int16(0),
        direction=np.int8(0),
        method=np.int8(0),
        at=np.int64(0),
        campaign=np.int32(-1),
        enrollment=np.int64(-1),
        message=np.int64(-1),
        user=np.int32(-1),
    )
    world.lead_rows = RowBuffer(
        contact=np.int64(0),
        account=np.int16(0),
        at=np.int64(0),
        channel=np.int8(0),
        campaign=np.int32(-1),
        message=np.int64(-1),
        call=np.int64(-1),
    )
    rng = world.rng("messages")
    replies = _campaign_steps(world, rng)
    _campaign_replies(world, rng, *replies)
    inbox_conversations(world, world.rng("inbox"))
    _message_columns(world)


def _campaign_steps(world: World, rng):
    """The keyword openers and every step sent before the contact replies.

    Returns the enrollments that reply, when, and each enrollment's sending number.
    """
    enrollments = world.enrollments
    campaign, contact, at = enrollments["campaign"], enrollments["contact"], enrollments["at"]
    account = enrollments["account"]
    n = len(campaign)
    keyword = world.campaign_is_keyword[campaign]
    member_number = world.member_number[np.maximum(enrollments["user"], 0)]
    number = np.where(keyword, np.array(world.campaign_number)[campaign], member_number)
    rows = world.message_rows

    # keyword campaigns start with the contact texting the keyword
    opener = np.flatnonzero(keyword)
    rows.add(
        len(opener),
        account=account[opener],
        contact=contact[opener],
        outbound=INBOUND,
        at=at[opener] - 2,
        number=number[opener],
        campaign=campaign[opener],
        enrollment=opener,
        body=pool_bodies(world, rng, "keyword", len(opener)),
    )

    # reply time: after one of the steps, log-normal delay
    p_reply = np.where(keyword, 0.35, 0.2) * ~world.contact_dead_number[contact]
    replies = rng.random(n) < p_reply
    step_count = world.campaign_step_count[campaign]
    # which step the reply follows: later steps are likelier when there are more of them
    reply_step = np.minimum(
        (rng.random(n) * np.array([1.0, 1.6, 2.0])[step_count - 1]).astype(int), step_count - 1
    )
    step_at = at[:, None] + world.step_delay_minutes[campaign] * 60 + rng.integers(1, 90, (n, 3))
    step_at[:, 1:] += rng.integers(0, 4 * 3600, (n, 2))
    reply_at = step_at[np.arange(n), reply_step] + lognormal(rng, 2400, 1.6, n, 20, 5 * DAY)
    reply_at = np.where(replies, reply_at, NO_TIME)
    steps_sent = _add_steps_sent(world, step_at, reply_at, number)
    replies &= (reply_at < world.period_end) & (steps_sent > 0)
    return np.flatnonzero(replies), reply_at, number


def _add_steps_sent(
    world: World, step_at: np.ndarray, reply_at: np.ndarray, number: np.ndarray
) -> np.ndarray:
    """Every step each enrollment is sent before its contact replies (and within the period);
    returns how many steps each enrollment was sent."""
    campaign, contact = world.enrollments["campaign"], world.enrollments["contact"]
    account = world.enrollments["account"]
    keyword = world.campaign_is_keyword[campaign]
    step_count = world.campaign_step_count[campaign]
    steps_sent = np.zeros(len(campaign), dtype=np.int64)
    for j in range(3):
        sent = np.flatnonzero(
            (j < step_count) & (step_at[:, j] < np.minimum(reply_at, world.period_end))
        )
        steps_sent[sent] = j + 1
        send_type = np.where(keyword[sent], KEYWORD_REPLY if j == 0 else AUTOMATION, BLAST)
        template = world.step_template[campaign[sent], j]
        world.message_rows.add(
            len(sent),
            account=account[sent],
            contact=contact[sent],
            at=step_at[sent, j],
            number=number[sent],
            campaign=campaign[sent],
            enrollment=sent,
            template=template,
            step=j + 1,
            send_type=send_type,
            body=world.template_first_body[template] + world.contact_name_in_body[contact[sent]],
        )
    return steps_sent


@dataclass
class _Replies:
    """The contacts' replies to campaign steps, one row per replying enrollment."""

    enrollment: np.ndarray
    account: np.ndarray
    contact: np.ndarray
    campaign: np.ndarray
    user: np.ndarray  # the enrollment's assigned sender
    number: np.ndarray  # the number the campaign texts from
    at: np.ndarray
    kind: np.ndarray  # index into REPLY_KINDS
    message: np.ndarray  # the reply's message row

    @property
    def about(self) -> dict[str, np.ndarray]:
        """What an opt event or automation is about: the enrollment in its campaign."""
        return dict(
            account=self.account,
            contact=self.contact,
            campaign=self.campaign,
            enrollment=self.enrollment,
        )


def _campaign_replies(world: World, rng, replying, reply_at_all, number_all) -> None:
    """Each reply and what it sets off: opt-outs, automations, conversations, leads. Every kind's
    consequences draw from the one "messages" stream, in this order."""
    replies = _add_replies(world, rng, replying, reply_at_all[replying], number_all[replying])
    _stop_replies(world, rng, replies)
    _opt_out_language_replies(world, rng, replies)
    _automation(world, replies.kind == HELP, replies.about, replies.number, replies.at + 2, "help")
    _conversing_replies(world, rng, replies)


def _add_replies(world: World, rng, replying, reply_at, number) -> _Replies:
    """The reply messages: a kind each (ordinary, STOP, opt-out language, HELP, MMS), a body from
    its pool; the platform supplies the campaign on about half of them."""
    enrollments = world.enrollments
    account = enrollments["account"][replying]
    contact = enrollments["contact"][replying]
    campaign = enrollments["campaign"][replying]
    n = len(replying)
    kind = rng.choice(5, n, p=REPLY_SHARES)
    body = np.zeros(n, dtype=np.int32)
    for k, pool in enumerate(REPLY_KINDS):
        of_kind = kind == k
        body[of_kind] = pool_bodies(world, rng, pool, of_kind.sum())
    media = np.where(kind == MMS, rng.integers(1, 3, n), 0)
    attributed = rng.random(n) < 0.5  # the platform supplies campaign_id on the reply
    message = world.message_rows.add(
        n,
        account=account,
        contact=contact,
        outbound=INBOUND,
        at=reply_at,
        number=number,
        campaign=np.where(attributed, campaign, -1),
        enrollment=np.where(attributed, replying, -1),
        body=body,
        media=media,
    )
    user = enrollments["user"][replying]
    return _Replies(replying, account, contact, campaign, user, number, reply_at, kind, message)


def _stop_replies(world: World, rng, r: _Replies) -> None:
    """STOP keyword: keyword opt-out + confirmation; some come back with START later."""
    n = len(r.at)
    stop = r.kind == STOP
    _opt(world, stop, r.about, OPT_OUT, "keyword", r.at + 1, r.message)
    confirmed = stop & (rng.random(n) < 0.7)
    _automation(world, confirmed, r.about, r.number, r.at + 2, "unsubscribed")
    back = stop & (rng.random(n) < 0.1)
    back_at = r.at + rng.integers(DAY, 20 * DAY, n)
    back &= back_at < world.period_end
    start_message = world.message_rows.add(
        int(back.sum()),
        account=r.account[back],
        contact=r.contact[back],
        outbound=INBOUND,
        at=back_at[back],
        number=r.number[back],
        body=pool_bodies(world, rng, "start", int(back.sum())),
    )
    start_of_reply = np.full(n, -1)
    start_of_reply[back] = start_message
    outside_campaign = dict(
        account=r.account, contact=r.contact, campaign=np.full(n, -1), enrollment=np.full(n, -1)
    )
    _opt(world, back, outside_campaign, OPT_IN, "keyword", back_at + 1, start_of_reply)
    _automation(world, back, r.about, r.number, back_at + 2, "resubscribed")


def _opt_out_language_replies(world: World, rng, r: _Replies) -> None:
    """Opt-out language: the AI filter catches most, the sender opts the rest out manually."""
    n = len(r.at)
    language = r.kind == OPT_OUT_LANGUAGE
    filtered = language & (rng.random(n) < 0.65)
    filtered_at = r.at + rng.integers(2, 30, n)
    _opt(world, filtered, r.about, OPT_OUT, "ai_filter", filtered_at, r.message)
    by_hand = language & ~filtered
    by_hand_at = r.at + lognormal(rng, 900, 1.5, n, 30, 3 * DAY)
    no_message = np.full(n, -1)
    by_hand &= by_hand_at < world.period_end
    _opt(world, by_hand, r.about, OPT_OUT, "manual", by_hand_at, no_message, r.user)


def _conversing_replies(world: World, rng, r: _Replies) -> None:
    """Ordinary answers and MMS: a conversation with the assigned sender, sometimes a thank-you
    first, sometimes a lead, and a few opt out by hand later."""
    n = len(r.at)
    end = world.period_end
    conversing = (r.kind == ORDINARY) | (r.kind == MMS)
    thanked = conversing & (rng.random(n) < 0.25)
    _automation(world, thanked, r.about, r.number, r.at + rng.integers(3, 15, n), "thanks")
    talk = np.flatnonzero(conversing)
    conversation(
        world, rng, r.account[talk], r.contact[talk], r.user[talk], r.number[talk],
        r.campaign[talk], r.enrollment[talk], r.at[talk], reply_sent=True,
    )  # fmt: skip
    lead = conversing & (rng.random(n) < 0.14)
    lead_at = r.at + lognormal(rng, 3 * 3600, 1.2, n, 60, 5 * DAY)
    lead &= lead_at < end
    world.lead_rows.add(
        int(lead.sum()),
        contact=r.contact[lead],
        account=r.account[lead],
        at=lead_at[lead],
        channel=LEAD_CHANNELS.index("sms"),
        campaign=r.campaign[lead],
        message=r.message[lead],
    )
    late_opt_out = conversing & ~lead & (rng.random(n) < 0.04)
    late_at = r.at + lognormal(rng, 2 * DAY, 1.0, n, 3600, 20 * DAY)
    late_opt_out &= late_at < end
    _opt(world, late_opt_out, r.about, OPT_OUT, "manual", late_at, np.full(n, -1), r.user)


def _opt(world: World, mask, about, direction, method, at, message, user=None) -> None:
    """Opt events for the masked rows of ``about`` (account, contact, campaign, enrollment)."""
    rows = np.flatnonzero(mask)
    world.opt_rows.add(
        len(rows),
        contact=about["contact"][rows],
        account=about["account"][rows],
        direction=direction,
        method=OPT_METHODS.index(method),
        at=at[rows],
        campaign=about["campaign"][rows],
        enrollment=about["enrollment"][rows],
        message=message[rows],
        user=-1 if user is None else user[rows],
    )


def _automation(world: World, mask, about, number, at, which: str) -> None:
    """Automatic texts (thanks, unsubscribed, help, resubscribed) sent within the period."""
    rows = np.flatnonzero(mask & (at < world.period_end))
    world.message_rows.add(
        len(rows),
        account=about["account"][rows],
        contact=about["contact"][rows],
        at=at[rows],
        number=number[rows],
        campaign=about["campaign"][rows],
        enrollment=about["enrollment"][rows],
        send_type=AUTOMATION,
        body=world.automation_body[which],
    )


def _message_columns(world: World) -> None:
    """The messages frame: platform segment counts and prices, dirt, export days."""
    rng = world.rng("messages-columns")
    columns = world.message_rows.done()
    world.messages = columns
    n = len(columns["at"])
    outbound = columns["outbound"] == OUTBOUND
    segments = world.body_segments[columns["body"]]
    mms = columns["media"] > 0
    reported = np.where(mms, 1, segments)
    draw = rng.random(n)
    reported = np.where(draw < 0.01, reported + 1, reported)  # ~1% wrong platform counts
    segments_null = (draw > 0.96) | (~outbound & (draw > 0.5) & (draw < 0.55))
    price_table = [None] + [f"-{0.0079 * i:.4f}" for i in range(1, 16)] + ["-0.0200"]
    price = np.where(mms, 16, np.minimum(segments, 15))
    price = np.where((~outbound & (draw < 0.5)) | (draw > 0.985), 0, price)
    direction = columns["outbound"].astype(np.int8).copy()
    account = columns["account"].astype(np.int16).copy()
    direction[world.dirt_mask(rng, n, 0.2)] = 2
    account[world.dirt_mask(rng, n, 0.1)] = len(ACCOUNTS)
    bad_ts = np.where(world.dirt_mask(rng, n, 0.2), rng.integers(1, 4, n), 0).astype(np.int8)
    inbox = world.inbox_of_number[columns["number"]]
    export = world.export_day(rng, columns["at"])

    def optional(ref: str) -> np.ndarray:
        return np.where(columns[ref] >= 0, columns[ref] + 1, -1)

    world.frames["messages"] = Frame(
        "messages",
        {
            "message_id": IdCol(np.arange(n), "SM", hexed=True),
            "account_id": EnumCol(account, ACCOUNT_IDS_WITH_UNKNOWN),
            "contact_id": IdCol(columns["contact"], "con_"),
            "direction": EnumCol(direction, ["inbound", "outbound", DIRT["unknown_direction"]]),
            "created_at": world.ts(rng, columns["at"], columns["account"], bad=bad_ts),
            "phone_number_id": IdCol(columns["number"].astype(np.int64) + 1, "pn_"),
            "inbox_id": IdCol(inbox.astype(np.int64) + 1, "ibx_"),
            "user_id": IdCol(optional("user"), "usr_"),
            "campaign_id": IdCol(optional("campaign"), "cmp_"),
            "enrollment_id": IdCol(columns["enrollment"], "enr_"),
            "template_id": IdCol(optional("template"), "tpl_"),
            "step_number": IntCol(columns["step"], null=columns["step"] == 0),
            "send_type": EnumCol(columns["send_type"], SEND_TYPES),
            "body": EnumCol(columns["body"], world.body_table),
            "media_count": IntCol(columns["media"]),
            "num_segments": IntCol(reported, null=segments_null),
            "price": EnumCol(price, price_table),
            "price_unit": EnumCol((price > 0).astype(np.int8), [None, "USD"]),
        },
        export,
    )
    world.add_redeliveries("messages", rng, n, export, 0.5)
