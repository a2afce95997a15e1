"""The one module that talks to Stripe.

Every call has a timeout and network retries; every create carries an idempotency key.
Callers must not hold a database lock while calling here (a slow Stripe must never block
other requests on our rows).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import stripe
from django.conf import settings

TIMEOUT = (5, 20)  # connect, read (seconds)


class StripeUnavailable(Exception):
    """Stripe did not answer as expected; the caller shows a clear message and retries later."""


class SignatureInvalid(Exception):
    pass


_client: stripe.StripeClient | None = None


def client() -> stripe.StripeClient:
    global _client
    if _client is None or getattr(_client, "_cercle_key", None) != _config_key():
        base = settings.STRIPE_API_BASE
        _client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": base} if base else None,
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=TIMEOUT),
        )
        _client._cercle_key = _config_key()  # type: ignore[attr-defined]
    return _client


def _config_key() -> str:
    return f"{settings.STRIPE_SECRET_KEY}|{settings.STRIPE_API_BASE}"


def _idempotency_key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _call(fn, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN001
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc


def customer_create(*, association_id: int, name: str, email: str) -> str:
    customer = _call(
        client().v1.customers.create,
        params={
            "name": name,
            "email": email,
            "metadata": {"association_id": str(association_id)},
            "preferred_locales": ["fr"],
        },
        options={"idempotency_key": _idempotency_key("customer", association_id)},
    )
    return customer.id


def checkout_session_create(
    *,
    customer_id: str,
    price_id: str,
    association_id: int,
    success_url: str,
    cancel_url: str,
    attempt: str,
) -> str:
    """A Checkout session for one flat subscription: exactly one line item, quantity 1."""
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer": customer_id,
        "line_items": [{"price": price_id, "quantity": 1}],
        "locale": "fr",
        "allow_promotion_codes": True,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(association_id),
        "subscription_data": {"metadata": {"association_id": str(association_id)}},
    }
    if settings.STRIPE_AUTOMATIC_TAX:
        params["automatic_tax"] = {"enabled": True}
        params["customer_update"] = {"address": "auto", "name": "auto"}
    session = _call(
        client().v1.checkout.sessions.create,
        params=params,
        options={
            "idempotency_key": _idempotency_key("checkout", association_id, price_id, attempt)
        },
    )
    return session.url


def portal_session_create(*, customer_id: str, return_url: str, attempt: str) -> str:
    session = _call(
        client().v1.billing_portal.sessions.create,
        params={"customer": customer_id, "return_url": return_url, "locale": "fr"},
        options={"idempotency_key": _idempotency_key("portal", customer_id, attempt)},
    )
    return session.url


def subscription_retrieve(subscription_id: str) -> dict[str, Any]:
    return _call(client().v1.subscriptions.retrieve, subscription_id).to_dict()


def subscriptions_for_customer(customer_id: str) -> list[dict[str, Any]]:
    page = _call(
        client().v1.subscriptions.list,
        params={"customer": customer_id, "status": "all", "limit": 10},
    )
    return [item.to_dict() for item in page.data]


def invoices_for_customer(customer_id: str, limit: int = 12) -> list[dict[str, Any]]:
    page = _call(client().v1.invoices.list, params={"customer": customer_id, "limit": limit})
    return [item.to_dict() for item in page.data]


def event_verify(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, if the signature over the raw body is valid and at most 300 s old."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature or "", settings.STRIPE_WEBHOOK_SECRET, 300
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise SignatureInvalid(str(exc)) from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise SignatureInvalid("not an event")
    return event
