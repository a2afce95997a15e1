"""Access follows the subscription: the pure rule (access_compute) over every combination, and
what access_recompute stores on the association (trial, grants, extensions, suspensions).

No Stripe call here: Subscription fields are set directly, as a resync from Stripe would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from billing.access import GRACE_PERIOD, TRIAL_LENGTH, access_compute
from billing.models import Plan, StripeStatus, Subscription
from billing.services import BillingError, access_recompute, plan_grant, trial_extend
from tenants.models import Association, AssociationStatus
from tenants.services import association_reactivate, association_suspend, signup_association

from .world import World

NOW = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
TRIAL_RUNNING = NOW + timedelta(days=10)  # our trial ends in ten days
TRIAL_OVER = NOW - timedelta(days=1)  # our trial ended yesterday
PAST_DUE_SINCE = {
    1: NOW,  # day 1 of the grace period: the payment failed just now
    15: NOW - timedelta(days=14),  # day 15: the 14 days are over
}

TRIAL, ACTIVE, PAST_DUE, READ_ONLY = "trial", "active", "past_due", "read_only"

# Billing on, no grant: (Stripe status, our trial, past-due day) → (status, read-only).
# Written out by hand from the issue; past_due rows carry the day of the grace period.
BILLING_ON: dict[tuple[str, str, int | None], tuple[str, bool]] = {
    ("", "running", None): (TRIAL, False),  # no card yet: our free trial
    ("", "over", None): (READ_ONLY, True),  # trial expired without a subscription
    ("trialing", "running", None): (TRIAL, False),  # Stripe's own trial: full access
    ("trialing", "over", None): (TRIAL, False),
    ("active", "running", None): (ACTIVE, False),
    ("active", "over", None): (ACTIVE, False),
    ("past_due", "running", 1): (PAST_DUE, False),  # grace period: full access, banner
    ("past_due", "over", 1): (PAST_DUE, False),
    ("past_due", "running", 15): (PAST_DUE, True),  # grace period over: read-only
    ("past_due", "over", 15): (PAST_DUE, True),
    ("unpaid", "running", None): (READ_ONLY, True),
    ("unpaid", "over", None): (READ_ONLY, True),
    ("canceled", "running", None): (READ_ONLY, True),
    ("canceled", "over", None): (READ_ONLY, True),
    ("incomplete", "running", None): (TRIAL, False),  # first payment pending: still our trial
    ("incomplete", "over", None): (READ_ONLY, True),
    ("incomplete_expired", "running", None): (READ_ONLY, True),
    ("incomplete_expired", "over", None): (READ_ONLY, True),
    ("paused", "running", None): (READ_ONLY, True),
    ("paused", "over", None): (READ_ONLY, True),
}
# A grant wins over everything (billing on or off); billing off without a grant is full access.
GRANTED = (ACTIVE, False)
BILLING_OFF = (TRIAL, False)

CASES = [
    (stripe_status, granted, billing, trial, day)
    for (stripe_status, trial, day) in BILLING_ON
    for granted in (False, True)
    for billing in (True, False)
]


def test_the_table_covers_every_stripe_status():
    # A new Stripe status must be given its row above before the table passes.
    assert {status for status, _trial, _day in BILLING_ON} == set(StripeStatus.values)
    assert len(CASES) == 80


def _sub(stripe_status: str, granted: bool, trial: str, day: int | None) -> Subscription:
    return Subscription(
        trial_ends_at=TRIAL_RUNNING if trial == "running" else TRIAL_OVER,
        granted=granted,
        stripe_status=stripe_status,
        past_due_since=PAST_DUE_SINCE[day] if day else None,
        canceled_at=NOW - timedelta(days=3) if stripe_status == "canceled" else None,
    )


@pytest.mark.parametrize(("stripe_status", "granted", "billing", "trial", "day"), CASES)
def test_access_compute(
    stripe_status: str, granted: bool, billing: bool, trial: str, day: int | None
):
    if granted:
        expected = GRANTED
    elif not billing:
        expected = BILLING_OFF
    else:
        expected = BILLING_ON[(stripe_status, trial, day)]
    access = access_compute(
        _sub(stripe_status, granted, trial, day), billing_enabled=billing, now=NOW
    )
    assert (access.status, access.read_only_at(NOW)) == expected


def test_until_is_when_full_access_ends():
    running = access_compute(_sub("", False, "running", None), billing_enabled=True, now=NOW)
    assert running.until == TRIAL_RUNNING
    assert not running.read_only_at(TRIAL_RUNNING - timedelta(seconds=1))
    assert running.read_only_at(TRIAL_RUNNING)  # read-only from the very end of the trial
    grace = access_compute(_sub("past_due", False, "over", 1), billing_enabled=True, now=NOW)
    assert grace.until == NOW + GRACE_PERIOD == NOW + timedelta(days=14)
    # Day 14 (one second before the end) is still full access.
    assert not grace.read_only_at(NOW + timedelta(days=14) - timedelta(seconds=1))
    for sub in (_sub("active", False, "over", None), _sub("", True, "over", None)):
        assert access_compute(sub, billing_enabled=True, now=NOW).until is None
    # A past-due subscription seen before its date was recorded starts its grace period now.
    unknown = access_compute(_sub("past_due", False, "over", None), billing_enabled=True, now=NOW)
    assert (unknown.status, unknown.until) == (PAST_DUE, NOW + timedelta(days=14))


# --- What access_recompute stores -------------------------------------------------------------


@pytest.fixture
def billing_on(settings) -> None:  # noqa: ANN001 — pytest-django's settings fixture
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: no call may leave


def _set(association: Association, **fields: object) -> None:
    Subscription.objects.filter(association=association).update(**fields)


def _fresh(association: Association) -> Association:
    return Association.objects.get(pk=association.pk)


def test_recompute_stores_status_and_access_until(world: World, billing_on: None):
    alpha = world.alpha
    now = timezone.now()
    trial_end = now + timedelta(days=5)
    _set(alpha, trial_ends_at=trial_end)
    assert access_recompute(association_id=alpha.pk, now=now)[1] == TRIAL
    stored = _fresh(alpha)
    assert (stored.status, stored.access_until) == (TRIAL, trial_end)
    assert not stored.is_read_only(now)

    # The trial ends: read-only, from the end of the trial.
    ended = now - timedelta(hours=1)
    _set(alpha, trial_ends_at=ended)
    assert access_recompute(association_id=alpha.pk, now=now) == (TRIAL, READ_ONLY)
    stored = _fresh(alpha)
    assert (stored.status, stored.access_until) == (READ_ONLY, ended)
    assert stored.is_read_only(now)

    # Subscribed: full access with no end in sight.
    _set(alpha, stripe_status=StripeStatus.ACTIVE, stripe_subscription_id="sub_alpha")
    assert access_recompute(association_id=alpha.pk, now=now) == (READ_ONLY, ACTIVE)
    stored = _fresh(alpha)
    assert (stored.status, stored.access_until) == (ACTIVE, None)
    assert not stored.is_read_only(now)

    # A failed payment: full access for 14 days, then read-only without another recompute.
    _set(alpha, stripe_status=StripeStatus.PAST_DUE, past_due_since=now)
    assert access_recompute(association_id=alpha.pk, now=now) == (ACTIVE, PAST_DUE)
    stored = _fresh(alpha)
    assert (stored.status, stored.access_until) == (PAST_DUE, now + timedelta(days=14))
    assert not stored.is_read_only(now + timedelta(days=13))
    assert stored.is_read_only(now + timedelta(days=14))


def test_recompute_with_billing_off_gives_full_access(world: World):
    alpha = world.alpha
    _set(alpha, trial_ends_at=timezone.now() - timedelta(days=90))
    access_recompute(association_id=alpha.pk)
    stored = _fresh(alpha)
    assert (stored.status, stored.access_until) == (TRIAL, None)
    assert not stored.is_read_only()


def test_recompute_keeps_an_operator_suspension(world: World, billing_on: None):
    alpha = world.alpha
    association_suspend(association=_fresh(alpha), reason="abuse report")
    _set(alpha, trial_ends_at=timezone.now() - timedelta(days=1))
    access_recompute(association_id=alpha.pk)
    stored = _fresh(alpha)
    assert stored.status == AssociationStatus.SUSPENDED
    assert stored.status_before_suspension == READ_ONLY  # billing's status, kept underneath

    # Resubscribing while suspended changes what lies underneath, not the suspension.
    _set(alpha, stripe_status=StripeStatus.ACTIVE, stripe_subscription_id="sub_alpha")
    access_recompute(association_id=alpha.pk)
    stored = _fresh(alpha)
    assert (stored.status, stored.status_before_suspension) == (
        AssociationStatus.SUSPENDED, ACTIVE
    )

    # Reactivated by the operator: billing's status comes back.
    association_reactivate(association=stored)
    assert _fresh(alpha).status == ACTIVE


def test_a_new_association_starts_a_30_day_trial(world: World, billing_on: None):
    before = timezone.now()
    signup = signup_association(
        name="Nouvelle Asso", slug="nouvelle-asso", owner=world.user("sam")
    )
    association = _fresh(signup.association)
    sub = Subscription.objects.get(association=association)
    assert TRIAL_LENGTH == timedelta(days=30)
    assert sub.trial_ends_at == association.created_at + timedelta(days=30)
    assert before + timedelta(days=30) <= sub.trial_ends_at <= timezone.now() + timedelta(days=30)
    assert not sub.granted and sub.stripe_status == StripeStatus.NONE
    assert sub.stripe_customer_id == ""  # no card, no Stripe customer during the trial
    assert (association.status, association.access_until) == (TRIAL, sub.trial_ends_at)
    assert not association.is_read_only()


def test_trial_extend(world: World, billing_on: None):
    alpha = world.alpha
    _set(alpha, trial_ends_at=timezone.now() - timedelta(days=3))
    access_recompute(association_id=alpha.pk)
    assert _fresh(alpha).is_read_only()

    # An expired trial is extended from today, not from its past end.
    start = timezone.now()
    sub = trial_extend(association=_fresh(alpha), days=10)
    assert start + timedelta(days=10) <= sub.trial_ends_at <= timezone.now() + timedelta(days=10)
    stored = _fresh(alpha)
    assert (stored.status, stored.access_until) == (TRIAL, sub.trial_ends_at)
    assert not stored.is_read_only()

    # A running trial is extended from its end.
    end = sub.trial_ends_at
    assert trial_extend(association=stored, days=5).trial_ends_at == end + timedelta(days=5)
    assert _fresh(alpha).access_until == end + timedelta(days=5)

    for days in (0, -1, 366):
        with pytest.raises(BillingError):
            trial_extend(association=stored, days=days)
    assert Subscription.objects.get(association=alpha).trial_ends_at == end + timedelta(days=5)


def test_plan_grant_gives_full_access_and_withdrawing_takes_it_back(
    world: World, billing_on: None
):
    alpha = world.alpha
    plan = Plan.objects.create(code="partenaire", name="Partenaire", price_monthly_cents=900)
    _set(alpha, trial_ends_at=timezone.now() - timedelta(days=40))
    access_recompute(association_id=alpha.pk)
    assert _fresh(alpha).status == READ_ONLY

    sub = plan_grant(association=_fresh(alpha), plan=plan, note="  Fédération partenaire  ")
    assert (sub.granted, sub.plan_id, sub.grant_note) == (True, plan.pk, "Fédération partenaire")
    stored = _fresh(alpha)
    assert (stored.status, stored.access_until) == (ACTIVE, None)
    assert not stored.is_read_only()

    sub = plan_grant(association=stored, plan=None)
    assert (sub.granted, sub.grant_note) == (False, "")
    stored = _fresh(alpha)
    assert stored.status == READ_ONLY and stored.is_read_only()
