"""Billing emails to board administrators: trial reminders 7 and 2 days before the end, failed
payments once per invoice attempt, cancellation and access back; each once, each in the
recipient's language, text and HTML, with a link to the workspace's billing page.

No Stripe call: Subscription fields are set directly and the notice paths are driven as a
processed webhook would drive them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from billing.models import Notice, StripeStatus, Subscription, WebhookEvent
from billing.services import _event_notices, _notice_after_commit, access_recompute
from billing.tasks import billing_daily
from shared_apps.members.models import Role
from shared_apps.members.services import membership_create
from tenants.accounts.models import User
from tenants.models import Association
from tenants.services import workspace_url

from .world import World

FIXTURES = Path("/work/shared/data/stripe/fixtures3.json")
BOARD = {"alice@world.test", "fiona@world.test"}  # alpha's board once Fiona has joined it


@pytest.fixture
def billing_on(settings) -> None:  # noqa: ANN001 — pytest-django's settings fixture
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: no call may leave


@pytest.fixture
def board(world: World) -> Iterator[None]:
    """Alpha's board: Alice reads English, Fiona (joined for the test) reads French."""
    User.objects.filter(pk=world.users["alice"].pk).update(language="en")
    fiona = User.objects.create_user(
        email="fiona@world.test", password="x-pass-123456", full_name="Fiona Board",
        language="fr",
    )
    with tenant_context(world.alpha):
        membership_create(user=fiona, role=Role.BOARD)
    mail.outbox.clear()
    yield


def _alpha(world: World) -> Association:
    return Association.objects.get(pk=world.alpha.pk)


def _set(world: World, **fields: object) -> None:
    Subscription.objects.filter(association=world.alpha).update(**fields)


def _subject(kind: str, language: str, association: Association) -> str:
    with translation.override(language):
        return render_to_string(
            f"billing/email/{kind}_subject.txt", {"association": association}
        ).strip()


def _by_recipient() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for message in mail.outbox:
        (recipient,) = message.to
        assert recipient not in found, f"two emails to {recipient}"
        found[recipient] = message
    return found


def check_board_email(world: World, kind: str) -> None:
    """Exactly one `kind` email per board member, in their language, complete."""
    alpha = _alpha(world)
    messages = _by_recipient()
    assert set(messages) == BOARD  # Arthur, Agnès, Amir and Sam get nothing
    english, french = _subject(kind, "en", alpha), _subject(kind, "fr", alpha)
    assert english != french, f"{kind}: the French subject is not translated"
    assert messages["alice@world.test"].subject == english
    assert messages["fiona@world.test"].subject == french
    billing_url = workspace_url(alpha, "/billing/")
    for message in messages.values():
        assert "Alpha" in message.subject
        assert billing_url in message.body
        ((html, mimetype),) = message.alternatives
        assert mimetype == "text/html"
        assert f'href="{billing_url}"' in html
        assert "<html" in html and "Alpha" in html


@pytest.fixture
def run(django_capture_on_commit_callbacks) -> Callable[..., Any]:  # noqa: ANN001
    """Run `fn` and then what it queued for after commit (the emails, sent eagerly)."""

    def runner(fn: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return runner


# --- Trial reminders ----------------------------------------------------------------------------


def test_trial_reminders_7_and_2_days_before_the_end_once_each(
    world: World, billing_on: None, board: None, run  # noqa: ANN001
):
    now = timezone.now()
    # Outside both windows: nothing.
    for days_left in (8, 7.5, 5, 3, 0.5):
        _set(world, trial_ends_at=now + timedelta(days=days_left))
        run(billing_daily)
        assert not mail.outbox, days_left

    end = now + timedelta(days=6, hours=12)  # the daily run 7 days before the end
    _set(world, trial_ends_at=end)
    assert run(billing_daily) == 1
    check_board_email(world, "trial_ending")
    mail.outbox.clear()
    run(billing_daily)  # a second run the same day
    assert not mail.outbox

    _set(world, trial_ends_at=now + timedelta(days=1, hours=12))  # 2 days before the end
    assert run(billing_daily) == 1
    check_board_email(world, "trial_ending")
    mail.outbox.clear()
    run(billing_daily)
    assert not mail.outbox
    assert Notice.objects.filter(association=world.alpha, kind="trial_ending").count() == 2


def test_no_trial_reminder_for_subscribed_or_granted(
    world: World, billing_on: None, board: None, run  # noqa: ANN001
):
    end = timezone.now() + timedelta(days=6, hours=12)
    _set(world, trial_ends_at=end, stripe_status=StripeStatus.ACTIVE, stripe_subscription_id="s1")
    run(billing_daily)
    _set(world, stripe_status="", stripe_subscription_id="", granted=True)
    run(billing_daily)
    assert not mail.outbox


# --- Payment failed -----------------------------------------------------------------------------


def _invoice_event(world: World, invoice_id: str, attempt: int) -> WebhookEvent:
    """A stored invoice.payment_failed event, in Stripe's real shape."""
    resources = json.loads(FIXTURES.read_text())["resources"]
    invoice = copy.deepcopy(resources["invoice"])
    invoice.update(
        id=invoice_id, attempt_count=attempt, customer="cus_alpha", attempted=True, paid=False
    )
    event = copy.deepcopy(resources["event"])
    event.update(
        id=f"evt_{invoice_id}_{attempt}",
        type="invoice.payment_failed",
        data={"object": invoice},
    )
    return WebhookEvent.objects.create(
        stripe_event_id=event["id"], type=event["type"], payload=event
    )


def test_payment_failed_once_per_invoice_attempt(
    world: World, billing_on: None, board: None, run  # noqa: ANN001
):
    _set(world, stripe_customer_id="cus_alpha")
    event = _invoice_event(world, "in_alpha_1", attempt=1)
    invoice = event.payload["data"]["object"]
    run(_event_notices, event=event, obj=invoice, association_id=world.alpha.pk)
    check_board_email(world, "payment_failed")
    mail.outbox.clear()

    # The same attempt again (Stripe delivered it twice, or the notice path ran twice).
    run(_event_notices, event=event, obj=invoice, association_id=world.alpha.pk)
    run(
        _notice_after_commit,
        association=_alpha(world),
        kind="payment_failed",
        key="payment_failed:in_alpha_1:1",
    )
    assert not mail.outbox

    # Stripe's next attempt on the same invoice fails too: a new notice.
    retry = _invoice_event(world, "in_alpha_1", attempt=2)
    run(
        _event_notices,
        event=retry,
        obj=retry.payload["data"]["object"],
        association_id=world.alpha.pk,
    )
    check_board_email(world, "payment_failed")


# --- Canceled and access back -------------------------------------------------------------------


def test_canceled_email_once(world: World, billing_on: None, board: None, run):  # noqa: ANN001
    _set(
        world,
        stripe_status=StripeStatus.CANCELED,
        stripe_subscription_id="sub_alpha",
        canceled_at=timezone.now(),
    )
    run(access_recompute, association_id=world.alpha.pk)
    check_board_email(world, "canceled")
    mail.outbox.clear()
    run(access_recompute, association_id=world.alpha.pk)
    run(billing_daily)
    assert not mail.outbox


def test_access_back_once_when_read_only_ends(
    world: World, billing_on: None, board: None, run  # noqa: ANN001
):
    now = timezone.now()
    _set(world, trial_ends_at=now - timedelta(days=1))
    run(access_recompute, association_id=world.alpha.pk, now=now)
    assert _alpha(world).is_read_only(now)
    assert not mail.outbox  # the trial simply ended: no access_back, no canceled

    later = now + timedelta(minutes=5)
    _set(world, stripe_status=StripeStatus.ACTIVE, stripe_subscription_id="sub_alpha")
    run(access_recompute, association_id=world.alpha.pk, now=later)
    check_board_email(world, "access_back")
    mail.outbox.clear()

    # Recomputing while already active sends nothing more.
    run(access_recompute, association_id=world.alpha.pk, now=later + timedelta(minutes=1))
    run(billing_daily)
    assert not mail.outbox


def test_access_back_after_grace_period_read_only(
    world: World, billing_on: None, board: None, run  # noqa: ANN001
):
    now = timezone.now()
    _set(
        world,
        stripe_status=StripeStatus.PAST_DUE,
        stripe_subscription_id="sub_alpha",
        past_due_since=now - timedelta(days=15),
    )
    run(access_recompute, association_id=world.alpha.pk, now=now)
    assert _alpha(world).is_read_only(now)
    assert not mail.outbox
    _set(world, stripe_status=StripeStatus.ACTIVE, past_due_since=None)
    run(access_recompute, association_id=world.alpha.pk, now=now + timedelta(seconds=2))
    check_board_email(world, "access_back")


# --- Billing off ---------------------------------------------------------------------------------


def test_billing_off_sends_no_billing_email(world: World, board: None, run):  # noqa: ANN001
    now = timezone.now()
    _set(world, trial_ends_at=now + timedelta(days=6, hours=12))
    run(billing_daily)
    _set(world, trial_ends_at=now + timedelta(days=1, hours=12))
    run(billing_daily)
    _set(world, trial_ends_at=now - timedelta(days=1))
    run(access_recompute, association_id=world.alpha.pk)
    _set(world, stripe_status=StripeStatus.ACTIVE, stripe_subscription_id="sub_alpha")
    run(access_recompute, association_id=world.alpha.pk)
    # A subscription canceled before billing was turned off (self-hosting after a trial run).
    _set(world, stripe_status=StripeStatus.CANCELED, canceled_at=now)
    run(access_recompute, association_id=world.alpha.pk)
    assert not mail.outbox
