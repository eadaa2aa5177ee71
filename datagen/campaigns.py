"""Templates, campaigns (steps, senders) and enrollments, and the message body table.

State left on the world for later builders:

- ``body_table`` (every message body text; messages carry a code into it), ``body_pools``
  (name -> (first code, size) of the reply/manual/automation pools), ``automation_body``
  (automation name -> code), ``body_segments`` (SMS segments of each body);
- templates: ``template_first_body`` (code of the template's first personalised body),
  ``template_is_spammy``, ``template_has_link``, ``template_link`` (URL or None);
- campaigns: ``campaign_account``, ``campaign_is_keyword``, ``campaign_launch`` (-1 for a
  draft), ``campaign_window`` (enrolment window, seconds), ``campaign_audience_share``,
  ``campaign_senders`` (user indices), ``campaign_number`` (the keyword number),
  ``standard_campaigns_by_account``, ``step_template`` / ``step_delay_minutes`` (campaigns x 3)
  and ``campaign_step_count``;
- ``enrollments``: columns ``campaign``, ``contact``, ``at``, ``account``, ``user``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from datagen import text
from datagen.frames import DAY, ExportedRows, Frame, IdCol, py_frame
from datagen.world import ACCOUNT_IDS, ACCOUNT_SHARES, ACCOUNTS, N_DAYS, World, iso_utc

MAX_STEPS = 3
FOLLOWUP_DELAYS_MINUTES = [0, 2 * 1440, 5 * 1440]


def build_campaigns(world: World) -> None:
    """Templates, then campaigns with their steps and senders, then the body pools."""
    rng = world.rng("campaigns")
    templates_by_kind = _build_templates(world)
    _build_campaign_rows(world, rng, templates_by_kind)
    _build_body_pools(world)


def _build_templates(world: World) -> list[dict[str, list[int]]]:
    """Every template of ``text.TEMPLATE_DEFS`` per account; returns its indices by kind."""
    start = world.period_start
    world.body_table = []
    rows, export_days = [], []
    kinds, links, first_body = [], [], []
    by_kind_per_account: list[dict[str, list[int]]] = []
    for account in range(len(ACCOUNTS)):
        by_kind: dict[str, list[int]] = {}
        for k, (name, body, kind, link) in enumerate(text.TEMPLATE_DEFS):
            template = len(rows)
            body = body.replace("{agent}", text.AGENTS[account])
            created = start - 40 * DAY + account * DAY + k * 600
            rows.append(
                {
                    "template_id": f"tpl_{template + 1}",
                    "account_id": ACCOUNT_IDS[account],
                    "name": name,
                    "body": body,
                    "created_at": iso_utc(created),
                    "updated_at": iso_utc(created),
                    "deleted_at": None,
                }
            )
            export_days.append(0)
            # one body per first name (and "no name"), in the contacts' name-code order
            first_body.append(len(world.body_table))
            for first_name in [*text.FIRST_NAMES, text.NO_NAME]:
                world.body_table.append(body.replace("{first_name}", first_name))
            kinds.append(kind)
            links.append(link)
            by_kind.setdefault(kind, []).append(template)
        by_kind_per_account.append(by_kind)
    # one template edited mid-period and one deleted
    edited = dict(rows[6])
    edited["body"] = edited["body"].replace("this month", "this season")
    edited["updated_at"] = iso_utc(start + 50 * DAY + 5000)
    rows.append(edited)
    export_days.append(50)
    deleted = dict(rows[len(text.TEMPLATE_DEFS) + 3])
    deleted["deleted_at"] = deleted["updated_at"] = iso_utc(start + 90 * DAY + 7000)
    rows.append(deleted)
    export_days.append(90)
    world.frames["templates"] = py_frame("templates", rows, export_days)
    world.template_first_body = np.array(first_body)
    world.template_is_spammy = np.array(kinds) == "spammy"
    world.template_link = links
    world.template_has_link = np.array([link is not None for link in links])
    return by_kind_per_account


@dataclass
class _Campaign:
    """One campaign as planned: what the rows say and what later builders read."""

    account: int
    campaign_type: str  # standard, keyword or draft
    name: str
    launch: int | None  # None: a draft, never launched
    window: int  # seconds during which contacts are enrolled
    templates: list[int]  # one per step
    delays: list[int]  # minutes, one per step
    share: float  # of the account's contacts it aims to enroll
    keyword: str | None


def _build_campaign_rows(world: World, rng, templates_by_kind) -> None:
    """Per account: standard campaigns (more with scale), one or two keyword ones, a draft; each
    campaign's rows, re-exports, steps and senders are drawn from the one "campaigns" stream in
    campaign order."""
    n_standard = 5 + round(2 * math.log2(max(world.scale_factor, 1)))
    tables = {name: ExportedRows() for name in ("campaigns", "campaign_steps", "campaign_senders")}
    planned: list[_Campaign] = []
    senders_of = []
    world.standard_campaigns_by_account = []
    for account in range(len(ACCOUNTS)):
        specs = [("standard", i) for i in range(n_standard)] + [("keyword", 0)]
        if account in (0, 2):
            specs.append(("keyword", 1))
        specs.append(("draft", 0))
        standard = []
        for campaign_type, i in specs:
            kinds = templates_by_kind[account]
            plan = _plan_campaign(world, rng, account, campaign_type, i, n_standard, kinds)
            if campaign_type == "standard":
                standard.append(len(planned))
            senders_of.append(_add_campaign_rows(world, rng, tables, len(planned), plan))
            planned.append(plan)
        world.standard_campaigns_by_account.append(standard)
    for entity, table in tables.items():
        world.frames[entity] = table.frame(entity)
    world.campaign_account = np.array([c.account for c in planned])
    world.campaign_is_keyword = np.array([c.campaign_type == "keyword" for c in planned])
    world.campaign_launch = [c.launch if c.launch is not None else -1 for c in planned]
    world.campaign_window = [c.window for c in planned]
    world.campaign_audience_share = [c.share for c in planned]
    world.campaign_senders = senders_of
    world.campaign_number = [world.lead_numbers[c.account, 0] for c in planned]
    world.step_template = np.full((len(planned), MAX_STEPS), -1)
    world.step_delay_minutes = np.zeros((len(planned), MAX_STEPS), dtype=np.int64)
    world.campaign_step_count = np.zeros(len(planned), dtype=np.int64)
    for campaign, c in enumerate(planned):
        world.campaign_step_count[campaign] = len(c.templates)
        for j, (template, delay) in enumerate(zip(c.templates, c.delays, strict=True)):
            world.step_template[campaign, j] = template
            world.step_delay_minutes[campaign, j] = delay


def _plan_campaign(
    world: World, rng, account: int, campaign_type: str, i: int, n_standard: int, kinds
) -> _Campaign:
    """The ``i``-th campaign of its type for an account: standard ones launch spread over the
    period (account 0's second one with the spammy template), keyword ones run all along."""
    start, end = world.period_start, world.period_end
    if campaign_type == "standard":
        launch = start + int((i + 0.5) / n_standard * (N_DAYS - 10) * DAY)
        launch += int(rng.integers(-3 * DAY, 3 * DAY))
        launch = max(launch, start - 5 * DAY)
        window = int(rng.integers(4, 25)) * DAY
        n_steps = int(rng.choice([1, 2, 3], p=[0.2, 0.4, 0.4]))
        first = kinds["intro"][int(rng.integers(len(kinds["intro"])))]
        if account == 0 and i == 1:
            first = kinds["spammy"][0]
        return _Campaign(
            account, campaign_type,
            name=f"{text.TEMPLATE_DEFS[first % len(text.TEMPLATE_DEFS)][0]} #{i + 1}",
            launch=launch, window=window,
            templates=[first] + [kinds["followup"][(i + j) % 3] for j in range(n_steps - 1)],
            delays=FOLLOWUP_DELAYS_MINUTES[:n_steps],
            share=float(rng.uniform(0.35, 0.85)), keyword=None,
        )  # fmt: skip
    if campaign_type == "keyword":
        launch = start - 10 * DAY + i * 40 * DAY
        keyword = text.KEYWORDS[(account + i) % len(text.KEYWORDS)]
        return _Campaign(
            account, campaign_type, name=f"Keyword {keyword}", launch=launch,
            window=end - launch, templates=[kinds["keyword_reply"][0], kinds["followup"][0]],
            delays=[0, 1440], share=0.04, keyword=keyword,
        )  # fmt: skip
    return _Campaign(
        account, campaign_type, name="Spring mailer (draft)", launch=None, window=0,
        templates=[kinds["intro"][0]], delays=[0], share=0.0, keyword=None,
    )  # fmt: skip


def _add_campaign_rows(
    world: World, rng, tables: dict[str, ExportedRows], campaign: int, c: _Campaign
) -> np.ndarray:
    """The campaign's row (re-exported when it completes), its steps and its senders (one
    removed half-way when there are three or more); returns the senders (user indices)."""
    start, end = world.period_start, world.period_end
    created = (c.launch if c.launch is not None else start + 60 * DAY) - int(
        rng.integers(3600, 3 * DAY)
    )
    ended = None if c.launch is None else c.launch + c.window + c.delays[-1] * 60 + 2 * DAY
    status = "draft" if c.launch is None else "completed" if ended < end else "active"
    row = {
        "campaign_id": f"cmp_{campaign + 1}",
        "account_id": ACCOUNT_IDS[c.account],
        "name": c.name,
        "campaign_type": "keyword" if c.campaign_type == "keyword" else "standard",
        "keyword": c.keyword,
        "status": "active" if status == "completed" else status,
        "created_at": iso_utc(created),
        "launched_at": iso_utc(c.launch) if c.launch is not None else None,
        "ended_at": None,
        "updated_at": iso_utc(c.launch or created),
    }
    created_day = int(np.clip((created - start) // DAY, 0, N_DAYS - 1))
    tables["campaigns"].add(row, created_day)
    if status == "completed":  # re-export when it ends
        completed = {**row, "status": "completed", "ended_at": iso_utc(ended)}
        completed["updated_at"] = iso_utc(ended)
        tables["campaigns"].add(completed, int(np.clip((ended - start) // DAY + 1, 0, N_DAYS - 1)))
    for j, (template, delay) in enumerate(zip(c.templates, c.delays, strict=True)):
        step = {
            "campaign_id": f"cmp_{campaign + 1}",
            "step_number": j + 1,
            "template_id": f"tpl_{template + 1}",
            "delay_minutes": delay,
        }
        tables["campaign_steps"].add(step, created_day)
    users = world.users_by_account[c.account]
    chosen = users[
        rng.choice(len(users), int(rng.integers(1, min(4, len(users)) + 1)), replace=False)
    ]
    chosen.sort()
    senders = tables["campaign_senders"]
    for j, user in enumerate(chosen):
        sender = {
            "campaign_id": f"cmp_{campaign + 1}",
            "user_id": f"usr_{user + 1}",
            "added_at": iso_utc(created + 60 + j),
            "removed_at": None,
        }
        senders.add(sender, created_day)
    if len(chosen) >= 3 and c.launch is not None:  # one sender removed half-way
        removed_at = min(c.launch + c.window // 2, end - DAY)
        removal = {**senders.rows[-1], "removed_at": iso_utc(removed_at)}
        senders.add(removal, int(np.clip((removed_at - start) // DAY + 1, 0, N_DAYS - 1)))
    return chosen


def _build_body_pools(world: World) -> None:
    """Append the reply, keyword, manual and automation texts to the body table."""
    world.body_pools = {}
    for key, items in (
        ("ordinary", text.REPLY_ORDINARY),
        ("stop", text.REPLY_STOP),
        ("lang", text.REPLY_OPTOUT_LANGUAGE),
        ("help", text.REPLY_HELP),
        ("start", text.REPLY_START),
        ("mms", text.REPLY_MMS),
        ("keyword", text.KEYWORD_TEXTS),
        ("manual", text.MANUAL_BODIES),
        ("auto", list(text.AUTOMATION_BODIES.values())),
    ):
        world.body_pools[key] = (len(world.body_table), len(items))
        world.body_table.extend(items)
    first_automation = world.body_pools["auto"][0]
    world.automation_body = {
        name: first_automation + i for i, name in enumerate(text.AUTOMATION_BODIES)
    }
    world.body_segments = np.array([text.segment_count(body) for body in world.body_table])


def pool_bodies(world: World, rng, pool: str, n: int) -> np.ndarray:
    """``n`` body codes drawn uniformly from one pool of the body table."""
    first, size = world.body_pools[pool]
    return (first + rng.integers(0, size, n)).astype(np.int32)


def build_enrollments(world: World) -> None:
    """Enroll a sample (without repeats) of each launched campaign's account contacts; every
    campaign's enrollments come from the one "enrollments" stream, in campaign order."""
    rng = world.rng("enrollments")
    end = world.period_end
    target = 0.86 * world.n_messages / 2.5  # ~2.5 messages per enrollment, 14% inbox-only
    by_campaign, by_contact, by_time = [], [], []
    for campaign in range(len(world.campaign_account)):
        account = world.campaign_account[campaign]
        launch = world.campaign_launch[campaign]
        if launch < 0:
            continue
        audience = world.contact_count[account]
        size = _audience_size(world, campaign, target)
        contacts = world.contact_first[account] + rng.choice(
            audience, min(size, audience), replace=False
        )
        contacts.sort()
        at = _enrollment_times(world, rng, campaign, len(contacts))
        at = np.maximum(at, world.contact_created[contacts] + 600)
        in_period = at < end - 600
        by_campaign.append(np.full(in_period.sum(), campaign))
        by_contact.append(contacts[in_period])
        by_time.append(at[in_period])
    campaign = np.concatenate(by_campaign)
    contact = np.concatenate(by_contact)
    at = np.concatenate(by_time)
    n = len(campaign)
    account = world.campaign_account[campaign]
    sender_count = np.array([len(s) for s in world.campaign_senders])
    sender_matrix = np.full((len(sender_count), sender_count.max()), -1)
    for c, senders in enumerate(world.campaign_senders):
        sender_matrix[c, : len(senders)] = senders
    user = sender_matrix[campaign, (rng.random(n) * sender_count[campaign]).astype(np.int64)]
    world.enrollments = dict(campaign=campaign, contact=contact, at=at, account=account, user=user)
    world.frames["campaign_enrollments"] = Frame(
        "campaign_enrollments",
        {
            "enrollment_id": IdCol(np.arange(n), "enr_"),
            "campaign_id": IdCol(campaign + 1, "cmp_"),
            "contact_id": IdCol(contact, "con_"),
            "assigned_user_id": IdCol(user + 1, "usr_"),
            "enrolled_at": world.ts(rng, at, account),
        },
        world.export_day(rng, at),
    )


def _audience_size(world: World, campaign: int, target: float) -> int:
    """How many contacts a campaign enrolls: a keyword campaign its share of the account's
    contacts; a standard one its share of the enrollments the scale calls for (``target``),
    shared out over the account's standard campaigns. At least 5."""
    account = world.campaign_account[campaign]
    audience = world.contact_count[account]
    share = world.campaign_audience_share[campaign]
    if world.campaign_is_keyword[campaign]:
        size = int(audience * share)
    else:
        standard = world.standard_campaigns_by_account[account]
        total = sum(world.campaign_audience_share[x] for x in standard)
        # (kept in this order of operations: the sizes are floats truncated to ints)
        enrolled_share = (
            share / total * target * ACCOUNT_SHARES[account] / ACCOUNT_SHARES.sum() / audience
        )
        size = int(min(0.9, enrolled_share) * audience)
    return max(size, 5)


def _enrollment_times(world: World, rng, campaign: int, size: int) -> np.ndarray:
    """When each of ``size`` contacts enrolls: a keyword campaign's any time after launch in US
    daytime, a standard one's in business hours within the campaign's window."""
    start, end = world.period_start, world.period_end
    launch = world.campaign_launch[campaign]
    if world.campaign_is_keyword[campaign]:
        at = launch + rng.integers(0, end - launch, size)
        second_of_day = (at - start) % DAY
        return at - second_of_day + rng.integers(13 * 3600, 27 * 3600, size)  # US daytime
    day = (launch - start) // DAY + rng.integers(0, world.campaign_window[campaign] // DAY, size)
    at = world.business_time(rng, np.full(size, world.campaign_account[campaign]), day, 9, 19)
    return np.maximum(at, launch + 60)
