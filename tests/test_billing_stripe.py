"""Billing against a local Stripe stand-in (real SDK over HTTP): webhook intake, checkout,
portal, invoices, Stripe down, billing off, failed processing and replay, reconciliation.

Every test using `stripe_standin` ends by checking every request sent to the stand-in: one
line item at most, quantity 1, flat prices only.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from billing.models import Notice, Subscription, WebhookEvent
from billing.services import webhook_replay
from billing.tasks import process_webhook_event, reconcile_all
from tenants.models import Association, AssociationStatus

from .stripe_standin import (
    PRICE_MONTHLY,
    PRICE_YEARLY,
    Delivery,
    StripeStandIn,
    stripe_standin_fixture,  # noqa: F401 — registers the `stripe_standin` fixture
)
from .world import client_at, login_at

WEBHOOK = "/billing/webhook/"


def post_webhook(delivery: Delivery, signature: str | None = "") -> HttpResponse:
    extra = {}
    header = delivery.signature if signature == "" else signature
    if header is not None:
        extra["HTTP_STRIPE_SIGNATURE"] = header
    return client_at(None).post(
        WEBHOOK, data=delivery.payload, content_type="application/json", **extra
    )


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    """Post a signed delivery and run what it queued after commit (the processing task)."""

    def run(delivery: Delivery) -> HttpResponse:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(delivery)
        return response

    return run


def alpha_sub(world: Any) -> Subscription:  # noqa: ANN401
    return Subscription.objects.get(association=world.alpha)


def alpha(world: Any) -> Association:  # noqa: ANN401
    return Association.objects.get(pk=world.alpha.pk)


def checkout(client: Client, interval: str = "month") -> HttpResponse:
    return client.post("/billing/checkout/", {"plan": "essentiel", "interval": interval})


def session_of(standin: StripeStandIn, response: HttpResponse) -> dict[str, Any]:
    assert response.status_code == 302
    session_id = response["Location"].rsplit("/", 1)[1]
    assert response["Location"] == standin.sessions[session_id]["url"]
    assert response["Location"].startswith(standin.url + "/")
    return standin.sessions[session_id]


def subscribed(standin: StripeStandIn, signed_in: Any, deliver: Any) -> dict[str, Any]:  # noqa: ANN401
    """Alice subscribes monthly and pays; the checkout.session.completed webhook lands."""
    session = session_of(standin, checkout(signed_in("alpha", "alice")))
    session, sub = standin.checkout_complete(session["id"])
    assert deliver(standin.delivery("checkout.session.completed", session)).status_code == 200
    return sub


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def translated(response: HttpResponse, text: str) -> str:
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return gettext(text)


# --- Webhook intake ---------------------------------------------------------------------------


def test_bad_missing_or_stale_signature_is_refused_and_nothing_stored(
    stripe_standin: StripeStandIn,
) -> None:
    sub = stripe_standin.subscription_create(customer_id="cus_x", price_id=PRICE_MONTHLY)
    good = stripe_standin.delivery("customer.subscription.updated", sub)
    now = int(time.time())
    other = stripe_standin.delivery("customer.subscription.updated", sub)
    refused = {
        "missing": None,
        "empty": "",
        "wrong secret": stripe_standin.sign(good.payload, secret="whsec_other"),
        "stale (301 s)": stripe_standin.sign(good.payload, timestamp=now - 301),
        "timestamp altered": good.signature.replace(
            good.signature.split(",")[0], f"t={now + 5}"
        ),
        "another payload's": other.signature,
        "garbled": "t=abc,v1=zz",
    }
    for name, header in refused.items():
        if header == "":
            response = client_at(None).post(
                WEBHOOK, data=good.payload, content_type="application/json",
                HTTP_STRIPE_SIGNATURE="",
            )
        else:
            response = post_webhook(good, signature=header)
        assert response.status_code == 400, name
    tampered = Delivery(good.payload.replace(b"active", b"canceled"), good.signature, good.event)
    assert post_webhook(tampered).status_code == 400
    assert WebhookEvent.objects.count() == 0
    assert stripe_standin.requests == []  # nothing was processed either

    # Within the 300 s tolerance the same event is accepted.
    recent = stripe_standin.sign(good.payload, timestamp=now - 280)
    assert post_webhook(good, signature=recent).status_code == 200
    assert WebhookEvent.objects.filter(stripe_event_id=good.event["id"]).count() == 1


def test_valid_event_is_stored_processed_and_duplicates_processed_once(
    stripe_standin: StripeStandIn, world, signed_in, deliver  # noqa: ANN001
) -> None:
    session = session_of(stripe_standin, checkout(signed_in("alpha", "alice")))
    session, sub = stripe_standin.checkout_complete(session["id"])
    delivery = stripe_standin.delivery("checkout.session.completed", session)

    assert deliver(delivery).status_code == 200
    event = WebhookEvent.objects.get(stripe_event_id=delivery.event["id"])
    assert event.type == "checkout.session.completed"
    assert event.payload == json.loads(delivery.payload)
    assert event.state == WebhookEvent.State.PROCESSED and event.attempts == 1
    ours = alpha_sub(world)
    assert (ours.stripe_subscription_id, ours.stripe_status) == (sub["id"], "active")
    assert ours.stripe_customer_id == session["customer"]
    assert (ours.plan.code, ours.interval, ours.amount_cents) == ("essentiel", "month", 2900)
    assert alpha(world).status == AssociationStatus.ACTIVE
    assert len(stripe_standin.calls("GET", "/v1/subscriptions")) == 1

    # Stripe retries the same event (signed afresh), twice.
    for _ in range(2):
        assert deliver(stripe_standin.resigned(delivery)).status_code == 200
    assert WebhookEvent.objects.filter(stripe_event_id=delivery.event["id"]).count() == 1
    assert WebhookEvent.objects.get(pk=event.pk).attempts == 1
    assert len(stripe_standin.calls("GET", "/v1/subscriptions")) == 1  # processed once


def test_unknown_event_type_is_stored_and_acknowledged(
    stripe_standin: StripeStandIn, world, deliver  # noqa: ANN001
) -> None:
    customer = {"object": "customer", "id": "cus_unknown", "metadata": {}}
    event = stripe_standin.event("customer.tax_id.created", customer)
    payload = json.dumps(event).encode()
    delivery = Delivery(payload, stripe_standin.sign(payload), event)
    assert deliver(delivery).status_code == 200
    stored = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert (stored.type, stored.state) == ("customer.tax_id.created", "processed")
    assert stripe_standin.requests == []  # nothing to re-read for an event we do not handle


def test_payment_failed_emails_once_per_invoice_attempt(
    stripe_standin: StripeStandIn, world, signed_in, deliver  # noqa: ANN001
) -> None:
    sub = subscribed(stripe_standin, signed_in, deliver)
    stripe_standin.subscription_set(sub["id"], status="past_due")
    invoice = stripe_standin.invoice_create(sub["id"], status="open", attempt_count=1)
    mail.outbox.clear()
    for _ in range(2):  # two distinct events about the same attempt
        response = deliver(stripe_standin.delivery("invoice.payment_failed", invoice))
        assert response.status_code == 200
    assert Notice.objects.filter(kind="payment_failed").count() == 1
    assert [m.to for m in mail.outbox] == [[world.users["alice"].email]]
    stripe_standin.invoice_set(invoice["id"], attempt_count=2)
    assert deliver(stripe_standin.delivery("invoice.payment_failed", invoice)).status_code == 200
    assert Notice.objects.filter(kind="payment_failed").count() == 2
    assert len(mail.outbox) == 2
    assert alpha(world).status == AssociationStatus.PAST_DUE


# --- Checkout, portal, billing page -----------------------------------------------------------


def test_checkout_creates_one_customer_and_one_flat_line_item(
    stripe_standin: StripeStandIn, world, signed_in  # noqa: ANN001
) -> None:
    alice = signed_in("alpha", "alice")
    page = alice.get("/billing/")
    assert page.status_code == 200
    assert b'name="plan" value="essentiel"' in page.content

    first = session_of(stripe_standin, checkout(alice, "month"))
    second = session_of(stripe_standin, checkout(alice, "year"))
    assert len(stripe_standin.customers) == 1
    [customer_call] = stripe_standin.calls("POST", "/v1/customers")
    assert customer_call.idempotency_key
    assert customer_call.data["metadata"] == {"association_id": str(world.alpha.pk)}
    customer_id = next(iter(stripe_standin.customers))
    assert alpha_sub(world).stripe_customer_id == customer_id

    calls = stripe_standin.calls("POST", "/v1/checkout/sessions")
    assert len(calls) == 2
    for call, price in zip(calls, (PRICE_MONTHLY, PRICE_YEARLY), strict=True):
        data = call.data
        assert data["line_items"] == [{"price": price, "quantity": "1"}]
        assert (data["mode"], data["locale"], data["allow_promotion_codes"]) == (
            "subscription", "fr", "true",
        )
        assert data["customer"] == customer_id
        assert data["client_reference_id"] == str(world.alpha.pk)
        assert data["success_url"].endswith("/billing/?checkout=success")
        assert call.idempotency_key
    assert calls[0].idempotency_key != calls[1].idempotency_key
    assert (first["customer"], second["customer"]) == (customer_id, customer_id)

    # Our write of the customer id lost (e.g. a crash right after Stripe answered): the
    # idempotency key makes Stripe hand back the same customer rather than a second one.
    Subscription.objects.filter(association=world.alpha).update(stripe_customer_id="")
    session_of(stripe_standin, checkout(alice))
    customer_calls = stripe_standin.calls("POST", "/v1/customers")
    assert len(customer_calls) == 2
    assert customer_calls[0].idempotency_key == customer_calls[1].idempotency_key
    assert len(stripe_standin.customers) == 1
    assert alpha_sub(world).stripe_customer_id == customer_id


def test_only_the_board_reaches_billing(
    stripe_standin: StripeStandIn, world, signed_in  # noqa: ANN001
) -> None:
    for key in ("arthur", "agnes", "amir", "sam"):
        client = signed_in("alpha", key)
        assert client.get("/billing/").status_code == 404, key
        assert client.get("/billing/status/").status_code == 404, key
        assert checkout(client).status_code == 404, key
        assert client.post("/billing/portal/").status_code == 404, key
    # Bob is the board of beta, not a member of alpha: he never reaches alpha's billing.
    for attempt in (
        lambda c: c.get("/billing/"), checkout, lambda c: c.post("/billing/portal/")
    ):
        bob = login_at(client_at(world.alpha), world.alpha, world.users["bob"])
        assert attempt(bob).status_code == 403  # the "not a member" page, signed out
    assert stripe_standin.requests == []
    assert signed_in("alpha", "alice").get("/billing/").status_code == 200


def test_portal_redirects_to_the_portal_session(
    stripe_standin: StripeStandIn, world, signed_in  # noqa: ANN001
) -> None:
    alice = signed_in("alpha", "alice")
    # No customer yet: nothing to manage, a message instead of a Stripe call.
    response = alice.post("/billing/portal/", follow=True)
    assert response.redirect_chain[0] == ("/billing/", 302)
    assert messages_of(response) == [
        translated(response, "Subscribe first: there is no payment method to manage yet.")
    ]
    assert stripe_standin.requests == []

    session_of(stripe_standin, checkout(alice))
    response = alice.post("/billing/portal/")
    assert response.status_code == 302
    [portal] = stripe_standin.portal_sessions.values()
    assert response["Location"] == portal["url"]
    [call] = stripe_standin.calls("POST", "/v1/billing_portal/sessions")
    assert call.data["customer"] == alpha_sub(world).stripe_customer_id
    assert call.data["return_url"] == "http://alpha.localhost/billing/"
    assert call.idempotency_key


def test_after_checkout_the_page_confirms_then_turns_active(
    stripe_standin: StripeStandIn, world, signed_in, deliver  # noqa: ANN001
) -> None:
    alice = signed_in("alpha", "alice")
    session = session_of(stripe_standin, checkout(alice))
    page = alice.get("/billing/?checkout=success")
    assert page.status_code == 200
    pending = translated(page, "Payment being confirmed…")
    assert pending in page.content.decode()
    assert 'hx-get="/billing/status/?checkout=success"' in page.content.decode()

    # Paid on Stripe, webhook not landed yet: still confirming.
    session, _sub = stripe_standin.checkout_complete(session["id"])
    partial = alice.get("/billing/status/?checkout=success")
    assert pending in partial.content.decode() and "hx-trigger" in partial.content.decode()

    completed = stripe_standin.delivery("checkout.session.completed", session)
    assert deliver(completed).status_code == 200
    partial = alice.get("/billing/status/?checkout=success", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200
    assert translated(partial, "Thank you! Your subscription is active.") in html
    assert pending not in html and "hx-trigger" not in html  # polling stops
    assert alpha(world).status == AssociationStatus.ACTIVE


def test_invoices_come_from_stripe_with_pdf_links(
    stripe_standin: StripeStandIn, world, signed_in, deliver  # noqa: ANN001
) -> None:
    sub = subscribed(stripe_standin, signed_in, deliver)
    second = stripe_standin.invoice_create(sub["id"], status="open")
    html = signed_in("alpha", "alice").get("/billing/").content.decode()
    for invoice in stripe_standin.invoices.values():
        assert invoice["number"] in html
        assert f'href="{invoice["invoice_pdf"]}"' in html
    assert second["invoice_pdf"].startswith(stripe_standin.url)
    [call] = stripe_standin.calls("GET", "/v1/invoices")
    assert call.data["customer"] == alpha_sub(world).stripe_customer_id


def test_stripe_down_checkout_shows_a_message_and_makes_nothing(
    stripe_standin: StripeStandIn, world, signed_in, settings  # noqa: ANN001
) -> None:
    alice = signed_in("alpha", "alice")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # bound, never listening: connections are refused
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed}"
        response = alice.post(
            "/billing/checkout/", {"plan": "essentiel", "interval": "month"}, follow=True
        )
    assert response.redirect_chain[-1] == ("/billing/", 302)
    unavailable = translated(response, "The payment service did not answer. Please try again.")
    assert unavailable in messages_of(response)
    assert alpha_sub(world).stripe_customer_id == ""
    assert stripe_standin.requests == []

    # Stripe answers the customer but fails on the session: a message, no session; the
    # customer kept is the one the next attempt reuses.
    settings.STRIPE_API_BASE = stripe_standin.url
    stripe_standin.failing.add("/v1/checkout/sessions")
    response = alice.post(
        "/billing/checkout/", {"plan": "essentiel", "interval": "month"}, follow=True
    )
    assert unavailable in messages_of(response)
    assert stripe_standin.sessions == {}
    stripe_standin.failing.clear()
    session_of(stripe_standin, checkout(alice))
    assert len(stripe_standin.customers) == 1
    assert alpha(world).status == AssociationStatus.TRIAL

    # Invoices cannot be listed while Stripe is down: the page says so and still renders.
    stripe_standin.stop()
    page = alice.get("/billing/")
    assert page.status_code == 200
    assert translated(page, "The invoices cannot be shown right now. Please try again later.") in (
        page.content.decode()
    )


def test_billing_off_without_keys(world, signed_in, settings) -> None:  # noqa: ANN001
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    alice = signed_in("alpha", "alice")
    assert alice.get("/billing/").status_code == 404
    assert alice.get("/billing/status/").status_code == 404
    assert checkout(alice).status_code == 404
    assert alice.post("/billing/portal/").status_code == 404
    payload = b'{"id": "evt_off", "type": "invoice.paid"}'
    response = client_at(None).post(
        WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=0"
    )
    assert response.status_code == 404
    assert WebhookEvent.objects.count() == 0


# --- Failures, replay, reconciliation ---------------------------------------------------------


def test_failed_processing_is_recorded_and_replayed(
    stripe_standin: StripeStandIn, world, signed_in, django_capture_on_commit_callbacks  # noqa: ANN001
) -> None:
    session = session_of(stripe_standin, checkout(signed_in("alpha", "alice")))
    session, _sub = stripe_standin.checkout_complete(session["id"])
    delivery = stripe_standin.delivery("checkout.session.completed", session)
    stripe_standin.failing.add("/v1/subscriptions")
    # Without a worker (tests run Celery eagerly) the failure is recorded, not raised: the
    # webhook was acknowledged and the event waits for a retry or an operator's replay.
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(delivery).status_code == 200
    event = WebhookEvent.objects.get(stripe_event_id=delivery.event["id"])
    assert event.state == WebhookEvent.State.FAILED
    assert "StripeUnavailable" in event.error and "unknown error" in event.error
    assert (event.attempts, event.claimed_at) == (1, None)  # released for the next attempt
    assert process_webhook_event.delay(event.pk).get() is False  # a retry, still failing
    event.refresh_from_db()
    assert (event.state, event.attempts) == ("failed", 2)
    assert alpha(world).status == AssociationStatus.TRIAL

    stripe_standin.failing.clear()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(event=event)
    event.refresh_from_db()
    assert (event.state, event.error, event.attempts) == ("processed", "", 3)
    assert alpha_sub(world).stripe_status == "active"
    assert alpha(world).status == AssociationStatus.ACTIVE


def test_reconcile_all_resyncs_after_a_lost_webhook(
    stripe_standin: StripeStandIn, world, signed_in, deliver  # noqa: ANN001
) -> None:
    sub = subscribed(stripe_standin, signed_in, deliver)
    assert alpha(world).status == AssociationStatus.ACTIVE
    beta_before = Association.objects.get(pk=world.beta.pk).status

    stripe_standin.subscription_set(sub["id"], status="past_due")  # its webhook never came
    assert reconcile_all() == 1  # alpha is the only association with a Stripe customer
    assert alpha_sub(world).stripe_status == "past_due"
    assert alpha(world).status == AssociationStatus.PAST_DUE
    assert alpha(world).access_until is not None

    stripe_standin.subscription_set(sub["id"], status="canceled")
    reconcile_all()
    assert alpha_sub(world).stripe_status == "canceled"
    assert alpha(world).is_read_only()
    assert Association.objects.get(pk=world.beta.pk).status == beta_before


def test_no_second_subscription_while_one_is_live(
    stripe_standin: StripeStandIn, world, signed_in, deliver  # noqa: ANN001
) -> None:
    """One flat subscription per association: while one is live, Checkout is refused (the
    board manages it in the portal), by the page and by the API alike."""
    sub = subscribed(stripe_standin, signed_in, deliver)
    alice = signed_in("alpha", "alice")
    response = alice.post(
        "/billing/checkout/", {"plan": "essentiel", "interval": "year"}, follow=True
    )
    assert response.redirect_chain == [("/billing/", 302)]
    api = alice.post(
        "/api/v1/billing/checkout/", {"plan": "essentiel", "interval": "year"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert len(stripe_standin.calls("POST", "/v1/checkout/sessions")) == 1  # the first only

    # Stripe canceled it and that webhook was lost: our copy still says active. Checkout
    # looks at Stripe again and lets the board subscribe anew.
    stripe_standin.subscription_set(sub["id"], status="canceled")
    assert alpha_sub(world).stripe_status == "active"
    session_of(stripe_standin, checkout(alice, "year"))
    assert alpha_sub(world).stripe_status == "canceled"
    assert len(stripe_standin.calls("POST", "/v1/checkout/sessions")) == 2
