"""The whole subscription lifecycle through webhooks from the Stripe stand-in:
trialing → active → past due → canceled → resubscribed, delivered in order, shuffled and with
duplicates (property-based), and one event delivered twice at the same moment.

Processing re-reads Stripe, so whatever the order, our copy must end as the stand-in holds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from billing import stripe_gateway as gateway
from billing.models import Notice, Subscription, WebhookEvent
from billing.services import webhook_process
from tenants.models import Association, AssociationStatus
from tenants.routing import routing_cache_clear

from .stripe_standin import (
    PRICE_MONTHLY,
    Delivery,
    StripeStandIn,
    standin_serving,
    stripe_standin_fixture,  # noqa: F401 — registers the `stripe_standin` fixture
)
from .world import PASSWORD, client_at

WEBHOOK = "/billing/webhook/"
STEPS = ("trialing", "active", "past_due", "canceled", "resubscribed")


@dataclass
class Run:
    """One lifecycle of alpha's subscription on the stand-in."""

    standin: StripeStandIn
    association: Association
    alice: Client  # board
    amir: Client  # member
    capture: Any
    board_email: str
    http_checks: bool = True
    first_sub: str = ""
    second_sub: str = ""
    deliveries: dict[str, list[Delivery]] = field(default_factory=dict)

    def deliver(self, delivery: Delivery) -> None:
        """Post the delivery (signed afresh, as Stripe does for each attempt) and run what it
        queued after commit."""
        with self.capture(execute=True):
            response = client_at(None).post(
                WEBHOOK,
                data=delivery.payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=self.standin.sign(delivery.payload),
            )
        assert response.status_code == 200

    def checkout(self) -> str:
        response = self.alice.post("/billing/checkout/", {"plan": "essentiel", "interval": "month"})
        assert response.status_code == 302, response.status_code
        session_id = response["Location"].rsplit("/", 1)[1]
        assert response["Location"] == self.standin.sessions[session_id]["url"]
        return session_id

    # Each step sets the state on the stand-in and returns the events Stripe sends for it,
    # each carrying the object as it was at that moment.

    def step(self, name: str) -> list[Delivery]:
        s = self.standin
        if name == "trialing":
            session, sub = s.checkout_complete(self.checkout(), status="trialing")
            self.first_sub = sub["id"]
            made = [
                s.delivery("checkout.session.completed", session),
                s.delivery("customer.subscription.created", sub),
            ]
        elif name == "active":
            sub = s.subscription_set(self.first_sub, status="active")
            invoice = s.invoice_create(self.first_sub, status="paid")
            made = [
                s.delivery("invoice.paid", invoice),
                s.delivery("customer.subscription.updated", sub),
            ]
        elif name == "past_due":
            sub = s.subscription_set(self.first_sub, status="past_due")
            invoice = s.invoice_create(self.first_sub, status="open", attempt_count=1)
            made = [
                s.delivery("invoice.payment_failed", invoice),
                s.delivery("customer.subscription.updated", sub),
            ]
        elif name == "canceled":
            sub = s.subscription_set(self.first_sub, status="canceled")
            made = [s.delivery("customer.subscription.deleted", sub)]
        else:  # resubscribed: the board subscribes again from the billing page
            session, sub = s.checkout_complete(self.checkout(), status="active")
            self.second_sub = sub["id"]
            made = [
                s.delivery("checkout.session.completed", session),
                s.delivery("customer.subscription.created", sub),
                s.delivery("invoice.paid", {"object": "invoice", "id": session["invoice"]}),
            ]
        self.deliveries[name] = made
        return made

    def all_deliveries(self) -> list[Delivery]:
        return [d for name in STEPS for d in self.deliveries.get(name, [])]

    def fresh(self) -> Association:
        return Association.objects.get(pk=self.association.pk)


def build_run(
    standin: StripeStandIn, world: Any, signed_in: Any, capture: Any, *, http_checks: bool = True  # noqa: ANN401
) -> Run:
    return Run(
        standin=standin,
        association=world.alpha,
        alice=signed_in("alpha", "alice"),
        amir=signed_in("alpha", "amir"),
        capture=capture,
        board_email=world.users["alice"].email,
        http_checks=http_checks,
    )


@contextmanager
def fresh_example(standin: StripeStandIn) -> Iterator[None]:
    """One hypothesis example: a blank Stripe account, and every database change rolled back
    afterwards (a savepoint inside the test's transaction)."""
    routing_cache_clear()  # the per-process map may hold alpha as a previous example left it
    standin.reset()
    mail.outbox.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    routing_cache_clear()


# --- What each step must give -----------------------------------------------------------------

EXPECTED = {
    # step: (association status, read-only, banner for the board, banner for a member)
    "trialing": (AssociationStatus.TRIAL, False, None, None),
    "active": (AssociationStatus.ACTIVE, False, None, None),
    "past_due": (AssociationStatus.PAST_DUE, False, "past_due", None),
    "canceled": (AssociationStatus.READ_ONLY, True, "read_only", "read_only"),
    "resubscribed": (AssociationStatus.ACTIVE, False, None, None),
}


def banner_in(html: str) -> str | None:
    for kind in ("read_only", "past_due", "trial_ending"):
        if f"banner banner-{kind}" in html:
            return kind
    return None


def assert_access(run: Run, step: str, *, through_http: bool = True) -> None:
    status, read_only, board_banner, member_banner = EXPECTED[step]
    association = run.fresh()
    assert association.status == status, (step, association.status)
    assert association.is_read_only() == read_only, step
    if step == "past_due":
        until = association.access_until
        assert until is not None
        assert timedelta(days=13, hours=23) < until - timezone.now() <= timedelta(days=14)
    elif not read_only:
        assert association.access_until is None, step
    if not through_http:
        return
    # Reads always work; the banners say what the state is.
    for client, banner in ((run.alice, board_banner), (run.amir, member_banner)):
        home = client.get("/")
        assert home.status_code == 200
        assert banner_in(home.content.decode()) == banner, step
    # Writes: refused with a clear message while read-only, by the web and by the API.
    write = run.amir.post("/me/", {"full_name": "Amir Member", "language": "fr"})
    api_write = run.amir.post("/api/v1/me/", {}, content_type="application/json")
    if read_only:
        assert write.status_code == 403
        assert api_write.status_code == 403 and api_write.json()["code"] == "read_only"
    else:
        assert write.status_code in (200, 302), (step, write.status_code)
        assert api_write.status_code != 403 or api_write.json().get("code") != "read_only"
    # The board always reaches the billing page (to subscribe again when read-only).
    assert run.alice.get("/billing/").status_code == 200


def assert_ends_as_stripe_holds(run: Run) -> None:
    held = run.standin.subscriptions[run.second_sub]
    ours = Subscription.objects.select_related("plan").get(association=run.association)
    assert ours.stripe_subscription_id == held["id"] == run.second_sub
    assert ours.stripe_status == held["status"] == "active"
    assert ours.stripe_customer_id == held["customer"]
    period_end = held["items"]["data"][0]["current_period_end"]
    assert ours.current_period_end == datetime.fromtimestamp(period_end, tz=UTC)
    assert (ours.plan.code, ours.amount_cents, ours.past_due_since) == ("essentiel", 2900, None)
    association = run.fresh()
    assert association.status == AssociationStatus.ACTIVE
    assert not association.is_read_only() and association.access_until is None
    # Every event is stored once and processed.
    ids = {d.event["id"] for d in run.all_deliveries()}
    events = WebhookEvent.objects.filter(stripe_event_id__in=ids)
    assert events.count() == len(ids)
    assert set(events.values_list("state", flat=True)) == {"processed"}
    assert set(events.values_list("attempts", flat=True)) == {1}


def emails(run: Run, kind: str) -> list[mail.EmailMessage]:
    """Emails of this kind, recognised by their subject in the recipient's language."""
    from tenants.accounts.models import User

    found = []
    for message in mail.outbox:
        recipient = User.objects.get(email=message.to[0])
        with translation.override(recipient.language or run.association.language or "fr"):
            subject = render_to_string(
                f"billing/email/{kind}_subject.txt", {"association": run.association}
            ).strip()
        if message.subject == subject:
            found.append(message)
    return found


def run_in_order(run: Run, extra: Callable[[str, list[Delivery]], list[Delivery]]) -> None:
    """Each step in turn: set the state, deliver its events (and whatever `extra` adds:
    duplicates, stale redeliveries of earlier steps), then check the access it gives."""
    board = [run.board_email]
    for step in STEPS:
        made = run.step(step)
        for delivery in made + extra(step, made):
            run.deliver(delivery)
        assert_access(run, step, through_http=run.http_checks)
        if step == "past_due":
            assert [m.to for m in emails(run, "payment_failed")] == [board]
        if step == "canceled":
            assert [m.to for m in emails(run, "canceled")] == [board]
            assert emails(run, "access_back") == []
    assert_ends_as_stripe_holds(run)
    # Access came back once: one email to the board, however often events were delivered.
    assert [m.to for m in emails(run, "access_back")] == [board]
    assert [m.to for m in emails(run, "payment_failed")] == [board]
    assert [m.to for m in emails(run, "canceled")] == [board]
    assert len(mail.outbox) == 3
    assert Notice.objects.filter(association=run.association, kind="access_back").count() == 1


# --- In order, shuffled, with duplicates ------------------------------------------------------


def test_lifecycle_in_order_gives_the_right_access_at_each_step(
    stripe_standin: StripeStandIn, world, signed_in, django_capture_on_commit_callbacks  # noqa: ANN001
) -> None:
    mail.outbox.clear()
    run = build_run(stripe_standin, world, signed_in, django_capture_on_commit_callbacks)
    run_in_order(run, lambda step, made: [])
    # Each event was processed once: one re-read of Stripe per delivery.
    assert len(stripe_standin.calls("GET", "/v1/subscriptions")) == len(run.all_deliveries())


LIFECYCLE_SETTINGS = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@LIFECYCLE_SETTINGS
@given(data=st.data())
def test_lifecycle_in_order_with_duplicates_and_stale_redeliveries(
    stripe_standin: StripeStandIn, world, signed_in, django_capture_on_commit_callbacks,  # noqa: ANN001
    data: st.DataObject,
) -> None:
    with fresh_example(stripe_standin):
        run = build_run(
            stripe_standin, world, signed_in, django_capture_on_commit_callbacks,
            http_checks=False,  # the HTTP side of each step is checked in the test above
        )

        def extra(step: str, made: list[Delivery]) -> list[Delivery]:
            # Stripe retries this step's events, and late copies of earlier ones arrive.
            earlier = run.all_deliveries()
            return data.draw(
                st.lists(st.sampled_from(earlier), max_size=4), label=f"redelivered at {step}"
            )

        run_in_order(run, extra)


@LIFECYCLE_SETTINGS
@given(data=st.data())
def test_lifecycle_shuffled_with_duplicates_ends_as_stripe_holds(
    stripe_standin: StripeStandIn, world, signed_in, django_capture_on_commit_callbacks,  # noqa: ANN001
    data: st.DataObject,
) -> None:
    with fresh_example(stripe_standin):
        run = build_run(stripe_standin, world, signed_in, django_capture_on_commit_callbacks)
        for step in STEPS:
            run.step(step)  # Stripe moves on; no event has landed yet
        made = run.all_deliveries()
        duplicated = data.draw(st.lists(st.sampled_from(made), max_size=len(made)))
        for delivery in data.draw(st.permutations(made + duplicated), label="delivery order"):
            run.deliver(delivery)
        assert_ends_as_stripe_holds(run)
        assert_access(run, "resubscribed")
        # The payment failure is told once; the state never went read-only on our side, so
        # there is neither a "canceled" nor an "access back" email.
        kinds = sorted(Notice.objects.filter(association=run.association).values_list(
            "kind", flat=True
        ))
        assert kinds == ["payment_failed"]
        assert [m.to for m in mail.outbox] == [[run.board_email]]


# --- Concurrent deliveries of one event -------------------------------------------------------


def test_two_concurrent_deliveries_of_one_event_process_it_once(committed, settings) -> None:  # noqa: ANN001
    from tenants.accounts.models import User
    from tenants.services import association_provision

    with standin_serving(settings) as standin:
        connection.set_schema_to_public()
        owner = User.objects.create_user(email="treasurer@example.test", password=PASSWORD)
        association = association_provision(name="Concurrence", slug="concurrence", owner=owner)
        customer = gateway.customer_create(
            association_id=association.pk, name=association.name, email=owner.email
        )
        Subscription.objects.filter(association=association).update(stripe_customer_id=customer)
        event_ids: list[str] = []
        try:
            for status in ("active", "past_due", "active"):
                sub = standin.subscription_create(
                    customer_id=customer, price_id=PRICE_MONTHLY, status=status,
                    metadata={"association_id": str(association.pk)},
                )
                delivery = standin.delivery("customer.subscription.updated", sub)
                event_ids.append(delivery.event["id"])
                before = len(standin.calls("GET", "/v1/subscriptions"))
                statuses = _post_at_once(delivery, copies=2)
                assert statuses == [200, 200]  # no 500, both acknowledged
                event = WebhookEvent.objects.get(stripe_event_id=delivery.event["id"])
                assert (event.state, event.attempts) == ("processed", 1)
                assert len(standin.calls("GET", "/v1/subscriptions")) == before + 1
                ours = Subscription.objects.get(association=association)
                assert (ours.stripe_subscription_id, ours.stripe_status) == (sub["id"], status)
                standin.subscription_set(sub["id"], status="canceled")

            # Two workers handed the same stored event at once: one claims it, one does not.
            stored = WebhookEvent.objects.get(stripe_event_id=event_ids[-1])
            WebhookEvent.objects.filter(pk=stored.pk).update(state="pending", claimed_at=None)
            claims = _run_at_once(lambda: webhook_process(event_pk=stored.pk), copies=2)
            assert sorted(claims) == [False, True]
            assert WebhookEvent.objects.get(pk=stored.pk).attempts == 2
        finally:
            WebhookEvent.objects.filter(stripe_event_id__in=event_ids).delete()


def _run_at_once(work: Callable[[], Any], copies: int) -> list[Any]:  # noqa: ANN401
    """Run `work` in `copies` threads released together; each thread its own connection."""
    barrier = threading.Barrier(copies)
    results: list[Any] = [None] * copies

    def runner(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work()
        except Exception as exc:  # noqa: BLE001 — reported to the test below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def _post_at_once(delivery: Delivery, copies: int) -> list[int]:
    def post() -> int:
        return client_at(None).post(
            WEBHOOK, data=delivery.payload, content_type="application/json",
            HTTP_STRIPE_SIGNATURE=delivery.signature,
        ).status_code

    return _run_at_once(post, copies)
