"""Conversations: the back-and-forth of a thread, and inbox conversations outside campaigns.

Both add to ``world.message_rows`` (see ``datagen.messages``, which runs them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datagen.campaigns import pool_bodies
from datagen.frames import DAY
from datagen.world import (
    ACCOUNT_SHARES,
    ACCOUNTS,
    INBOUND,
    MANUAL,
    N_DAYS,
    World,
    lognormal,
)


def inbox_conversations(world: World, rng) -> None:
    """Conversations outside campaigns, through the shared tracking numbers."""
    n = int(0.045 * world.n_messages)
    account = rng.choice(len(ACCOUNTS), n, p=ACCOUNT_SHARES / ACCOUNT_SHARES.sum())
    contact = world.contact_first[account] + (rng.random(n) * world.contact_count[account]).astype(
        np.int64
    )
    user = world.user_matrix[account, (rng.random(n) * world.users_per_account).astype(np.int64)]
    number = world.lead_numbers[account, rng.integers(0, 3, n)]
    number = np.where(rng.random(n) < 0.15, world.support_number[account], number)
    at = world.business_time(rng, account, rng.integers(0, N_DAYS, n), 8, 21)
    at = np.maximum(at, world.contact_created[contact] + 600)
    kept = (at < world.period_end - 60) & ~world.contact_dead_number[contact]
    account, contact, user, number, at = (
        account[kept],
        contact[kept],
        user[kept],
        number[kept],
        at[kept],
    )
    n = len(account)
    team_first = rng.random(n) < 0.2  # the team texts first, the contact answers
    team_first_at = at - lognormal(rng, 7200, 1.0, n, 120, 2 * DAY)
    first = np.flatnonzero(team_first)
    world.message_rows.add(
        len(first),
        account=account[first],
        contact=contact[first],
        at=team_first_at[first],
        number=number[first],
        user=user[first],
        send_type=MANUAL,
        body=pool_bodies(world, rng, "manual", len(first)),
    )
    first_body = np.where(
        rng.random(n) < 0.03,
        pool_bodies(world, rng, "stop", n),
        pool_bodies(world, rng, "ordinary", n),
    )
    conversation(
        world,
        rng,
        account,
        contact,
        user,
        number,
        np.full(n, -1),
        np.full(n, -1),
        at,
        reply_sent=False,
        first_body=first_body,
    )


def conversation(
    world: World,
    rng,
    account,
    contact,
    user,
    number,
    campaign,
    enrollment,
    inbound_at,
    reply_sent,
    first_body=None,
) -> None:
    """Back-and-forth: inbound, maybe a double text, a manual answer (or none), repeat.

    ``reply_sent``: the first inbound text is already a message (a campaign reply). Every round
    draws from the caller's stream in the order below.
    """
    threads = _Threads(account, contact, user, number, campaign, enrollment)
    end = world.period_end
    n = len(account)
    active = np.ones(n, bool)
    at = inbound_at.copy()
    for round_ in range(4):
        live = np.flatnonzero(active & (at < end))
        if len(live) == 0:
            break
        m = len(live)
        if round_ > 0 or not reply_sent:
            body = (
                first_body[live]
                if round_ == 0 and first_body is not None
                else pool_bodies(world, rng, "ordinary", m)
            )
            media = np.where(rng.random(m) < 0.04, 1, 0)
            threads.text_in(world, live, at[live], body, media=media)
        double = rng.random(m) < 0.15
        double_at = at[live] + lognormal(rng, 60, 1.0, m, 3, 3600)
        doubles = np.flatnonzero(double & (double_at < end))
        body = pool_bodies(world, rng, "ordinary", len(doubles))
        threads.text_in(world, live[doubles], double_at[doubles], body)
        answered = rng.random(m) < 0.8
        answer_at = at[live] + lognormal(rng, 420, 1.7, m, 10, 3 * DAY)
        answer_at = np.where(double, np.maximum(answer_at, double_at + 5), answer_at)
        answers = np.flatnonzero(answered & (answer_at < end))
        body = pool_bodies(world, rng, "manual", len(answers))
        threads.answer(world, live[answers], answer_at[answers], body)
        goes_on = np.zeros(n, bool)
        goes_on[live] = answered & (rng.random(m) < 0.45)
        next_at = at.copy()
        next_at[live] = answer_at + lognormal(rng, 1800, 1.5, m, 20, 2 * DAY)
        at = next_at
        active = goes_on


@dataclass
class _Threads:
    """The conversations under way: per thread, who talks through which number, and the
    campaign enrollment it continues (-1: none)."""

    account: np.ndarray
    contact: np.ndarray
    user: np.ndarray
    number: np.ndarray
    campaign: np.ndarray
    enrollment: np.ndarray

    def text_in(self, world: World, threads: np.ndarray, at, body, **media) -> None:
        """The contact texts in (``media``: the MMS count, when the text may have some)."""
        world.message_rows.add(
            len(threads),
            account=self.account[threads],
            contact=self.contact[threads],
            outbound=INBOUND,
            at=at,
            number=self.number[threads],
            body=body,
            **media,
        )

    def answer(self, world: World, threads: np.ndarray, at, body) -> None:
        """The user answers by hand."""
        world.message_rows.add(
            len(threads),
            account=self.account[threads],
            contact=self.contact[threads],
            at=at,
            number=self.number[threads],
            user=self.user[threads],
            campaign=self.campaign[threads],
            enrollment=self.enrollment[threads],
            send_type=MANUAL,
            body=body,
        )
