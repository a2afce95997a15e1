"""A local stand-in for the Stripe API, served over HTTP on loopback.

The real `stripe` SDK is pointed at it through settings.STRIPE_API_BASE (no SDK function is
patched). It keeps state (customers, subscriptions, Checkout and portal sessions, invoices),
answers with objects built from Stripe's real shapes in ../shared/data/stripe/fixtures3.json,
records every request, honours idempotency keys, and offers helpers to drive a subscription
the way Stripe would and to build signed webhook deliveries.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

FIXTURES_PATH = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "stripe" / "fixtures3.json"
)
SHAPES: dict[str, dict[str, Any]] = json.loads(FIXTURES_PATH.read_text())["resources"]

API_KEY = "sk_test_x"
WEBHOOK_SECRET = "whsec_test"
PRICE_MONTHLY = "price_cercle_essentiel_month"
PRICE_YEARLY = "price_cercle_essentiel_year"


def shape(kind: str) -> dict[str, Any]:
    """A fresh deep copy of Stripe's object of this type."""
    return copy.deepcopy(SHAPES[kind])


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form-encoded Stripe parameters (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...]
    idempotency_key: str | None

    @property
    def data(self) -> dict[str, Any]:
        return nest(list(self.params))


@dataclass(frozen=True)
class Delivery:
    """A webhook delivery: the raw body and its Stripe-Signature header."""

    payload: bytes
    signature: str
    event: dict[str, Any]

    def __repr__(self) -> str:  # short, for hypothesis' falsifying examples
        obj = self.event["data"]["object"]
        return f"<{self.event['type']} {obj.get('id')} {obj.get('status')} {self.event['id']}>"


class StripeError(Exception):
    def __init__(self, status: int, message: str, code: str = "", param: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.param = status, code, param

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "type": "idempotency_error" if self.code == "idempotency_error"
                else "invalid_request_error",
                "code": self.code or None,
                "message": str(self),
                "param": self.param or None,
            }
        }


class StripeStandIn:
    def __init__(self, api_key: str = API_KEY, webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.prices: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.session_items: dict[str, list[dict[str, Any]]] = {}
        self.portal_sessions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        # Idempotency key → (parameters, status, body), as Stripe replays a keyed POST.
        self._idempotent: dict[str, tuple[tuple[tuple[str, str], ...], int, dict[str, Any]]] = {}
        self.failing: set[str] = set()  # path prefixes answered with a 500
        self._ids = itertools.count(1)
        self._created = itertools.count(int(time.time()))  # strictly increasing `created`
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- Server -------------------------------------------------------------------------

    def start(self) -> str:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: stop() really stops

            def do_GET(self) -> None:  # noqa: N802
                standin._serve(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                standin._serve(self, "POST")

            def do_DELETE(self) -> None:  # noqa: N802
                standin._serve(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        pairs = parse_qsl(body if method == "POST" else parts.query, keep_blank_values=True)
        key = handler.headers.get("Idempotency-Key")
        recorded = Recorded(method, parts.path, tuple(pairs), key)
        with self.lock:
            self.requests.append(recorded)
            status, answer, replayed = self._answer(recorded, handler.headers.get("Authorization"))
        raw = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        handler.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
        if status >= 500:
            handler.send_header("Stripe-Should-Retry", "false")
        if key:
            handler.send_header("Idempotency-Key", key)
        if replayed:
            handler.send_header("Idempotent-Replayed", "true")
        handler.end_headers()
        handler.wfile.write(raw)

    def _answer(
        self, req: Recorded, authorization: str | None
    ) -> tuple[int, dict[str, Any], bool]:
        if authorization != f"Bearer {self.api_key}":
            return 401, StripeError(401, "Invalid API Key provided").body(), False
        if any(req.path.startswith(prefix) for prefix in self.failing):
            return 500, StripeError(500, "An unknown error occurred", "api_error").body(), False
        if req.method == "POST" and req.idempotency_key:
            stored = self._idempotent.get(req.idempotency_key)
            if stored is not None:
                if stored[0] != req.params:
                    error = StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.",
                        "idempotency_error",
                    )
                    return 400, error.body(), False
                return stored[1], copy.deepcopy(stored[2]), True
        try:
            status, answer = 200, self._route(req)
        except StripeError as exc:
            status, answer = exc.status, exc.body()
        except Exception as exc:  # noqa: BLE001 — a stand-in bug must show, not hang the SDK
            status, answer = 500, StripeError(500, f"stand-in: {exc!r}", "api_error").body()
        if req.method == "POST" and req.idempotency_key and status < 500:
            self._idempotent[req.idempotency_key] = (req.params, status, copy.deepcopy(answer))
        return status, answer, False

    def _route(self, req: Recorded) -> dict[str, Any]:
        data = req.data
        routes = {
            ("POST", "/v1/customers"): self._customer_create,
            ("POST", "/v1/checkout/sessions"): self._checkout_create,
            ("POST", "/v1/billing_portal/sessions"): self._portal_create,
            ("GET", "/v1/subscriptions"): self._subscription_list,
            ("GET", "/v1/invoices"): self._invoice_list,
        }
        route = routes.get((req.method, req.path))
        if route is not None:
            return route(data)
        match = re.fullmatch(r"/v1/subscriptions/([A-Za-z0-9_]+)", req.path)
        if req.method == "GET" and match:
            return copy.deepcopy(self._get(self.subscriptions, match.group(1), "subscription"))
        raise StripeError(404, f"Unrecognized request URL ({req.method}: {req.path}).")

    # --- Endpoints ----------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_standin{next(self._ids):06d}"

    @staticmethod
    def _get(store: dict[str, dict[str, Any]], object_id: str, kind: str) -> dict[str, Any]:
        if object_id not in store:
            raise StripeError(404, f"No such {kind}: '{object_id}'", "resource_missing", "id")
        return store[object_id]

    def _customer_create(self, data: dict[str, Any]) -> dict[str, Any]:
        customer = shape("customer")
        customer.update(
            id=self._new_id("cus"),
            created=next(self._created),
            name=data.get("name"),
            email=data.get("email"),
            metadata=data.get("metadata") or {},
            preferred_locales=data.get("preferred_locales") or [],
            currency=None,
            discount=None,
        )
        self.customers[customer["id"]] = customer
        return copy.deepcopy(customer)

    def _checkout_create(self, data: dict[str, Any]) -> dict[str, Any]:
        customer = self._get(self.customers, data.get("customer", ""), "customer")
        items = data.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeError(400, "Missing required param: line_items.", "parameter_missing")
        for item in items:
            self._get(self.prices, item.get("price", ""), "price")
        session = shape("checkout.session")
        session_id = self._new_id("cs_test")
        price = self.prices[items[0]["price"]]
        amount = sum(
            int(self.prices[i["price"]]["unit_amount"]) * int(i.get("quantity") or 1)
            for i in items
        )
        session.update(
            id=session_id,
            created=next(self._created),
            expires_at=int(time.time()) + 86400,
            mode=data.get("mode"),
            customer=customer["id"],
            customer_email=None,
            locale=data.get("locale"),
            allow_promotion_codes=data.get("allow_promotion_codes") == "true",
            success_url=data.get("success_url"),
            cancel_url=data.get("cancel_url"),
            client_reference_id=data.get("client_reference_id"),
            metadata=data.get("metadata") or {},
            url=f"{self.url}/c/pay/{session_id}",
            status="open",
            payment_status="unpaid",
            payment_intent=None,
            subscription=None,
            invoice=None,
            currency=price["currency"],
            amount_subtotal=amount,
            amount_total=amount,
        )
        session["automatic_tax"]["enabled"] = (data.get("automatic_tax") or {}).get(
            "enabled"
        ) == "true"
        self.sessions[session_id] = session
        self.session_items[session_id] = items
        # Kept aside: what Checkout will put on the subscription it creates.
        session["_subscription_data"] = data.get("subscription_data") or {}
        return self._public(session)

    def _portal_create(self, data: dict[str, Any]) -> dict[str, Any]:
        customer = self._get(self.customers, data.get("customer", ""), "customer")
        portal = shape("billing_portal.session")
        portal_id = self._new_id("bps")
        portal.update(
            id=portal_id,
            created=next(self._created),
            customer=customer["id"],
            flow=None,
            livemode=False,
            locale=data.get("locale"),
            return_url=data.get("return_url"),
            url=f"{self.url}/p/session/{portal_id}",
        )
        self.portal_sessions[portal_id] = portal
        return copy.deepcopy(portal)

    @staticmethod
    def _list(objects: list[dict[str, Any]], path: str, limit: str | None) -> dict[str, Any]:
        ordered = sorted(objects, key=lambda o: o["created"], reverse=True)  # newest first
        count = int(limit or 10)
        return {
            "object": "list",
            "data": copy.deepcopy(ordered[:count]),
            "has_more": len(ordered) > count,
            "url": path,
        }

    def _subscription_list(self, data: dict[str, Any]) -> dict[str, Any]:
        wanted = data.get("status")

        def listed(sub: dict[str, Any]) -> bool:
            # Like Stripe: without status=all, canceled subscriptions are left out.
            if wanted == "all":
                return True
            return sub["status"] == wanted if wanted else sub["status"] != "canceled"

        customer = data.get("customer")
        found = [
            s for s in self.subscriptions.values()
            if (customer is None or s["customer"] == customer) and listed(s)
        ]
        return self._list(found, "/v1/subscriptions", data.get("limit"))

    def _invoice_list(self, data: dict[str, Any]) -> dict[str, Any]:
        customer = data.get("customer")
        found = [i for i in self.invoices.values() if customer in (None, i["customer"])]
        return self._list(found, "/v1/invoices", data.get("limit"))

    @staticmethod
    def _public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}

    def reset(self) -> None:
        """A blank Stripe account (prices kept); recorded requests are kept for the final
        check."""
        with self.lock:
            for store in (
                self.customers, self.subscriptions, self.sessions, self.session_items,
                self.portal_sessions, self.invoices, self._idempotent,
            ):
                store.clear()
            self.failing.clear()

    # --- Driving state the way Stripe would ---------------------------------------------

    def price_add(
        self, price_id: str, *, unit_amount: int, interval: str, currency: str = "eur"
    ) -> dict[str, Any]:
        """A flat recurring price: per unit, no tiers, no quantity transform."""
        price = shape("price")
        price.update(
            id=price_id,
            created=next(self._created),
            currency=currency,
            unit_amount=unit_amount,
            unit_amount_decimal=str(unit_amount),
            billing_scheme="per_unit",
            tiers_mode=None,
            transform_quantity=None,
            custom_unit_amount=None,
            product="prod_cercle",
            type="recurring",
        )
        price["recurring"].update(interval=interval, interval_count=1, usage_type="licensed")
        with self.lock:
            self.prices[price_id] = price
        return price

    def subscription_create(
        self,
        *,
        customer_id: str,
        price_id: str,
        status: str = "active",
        metadata: dict[str, Any] | None = None,
        period_days: int = 30,
    ) -> dict[str, Any]:
        with self.lock:
            price = copy.deepcopy(self._get(self.prices, price_id, "price"))
            now = int(time.time())
            sub = shape("subscription")
            sub_id = self._new_id("sub")
            created = next(self._created)
            item = sub["items"]["data"][0]
            item.update(
                id=self._new_id("si"),
                created=created,
                price=price,
                quantity=1,
                subscription=sub_id,
                current_period_start=now,
                current_period_end=now + period_days * 86400,
                billing_thresholds=None,
            )
            # The legacy `plan` mirrors the price (flat, per unit).
            item["plan"].update(
                id=price_id,
                amount=price["unit_amount"],
                amount_decimal=str(price["unit_amount"]),
                billing_scheme="per_unit",
                currency=price["currency"],
                interval=price["recurring"]["interval"],
                interval_count=1,
                livemode=False,
                product=price["product"],
                transform_usage=None,
            )
            sub["items"]["data"] = [item]
            sub["items"]["url"] = f"/v1/subscription_items?subscription={sub_id}"
            sub.update(
                id=sub_id,
                created=created,
                start_date=now,
                billing_cycle_anchor=now,
                customer=customer_id,
                currency=price["currency"],
                status=status,
                metadata=metadata or {},
                cancel_at=None,
                cancel_at_period_end=False,
                canceled_at=None,
                ended_at=None,
                trial_start=now if status == "trialing" else None,
                trial_end=now + period_days * 86400 if status == "trialing" else None,
                latest_invoice=None,
                next_pending_invoice_item_invoice=None,
                pause_collection=None,
                pending_update=None,
                pending_invoice_item_interval=None,
                transfer_data=None,
                schedule=None,
                billing_thresholds=None,
            )
            self.subscriptions[sub_id] = sub
            return copy.deepcopy(sub)

    def subscription_set(
        self,
        sub_id: str,
        *,
        status: str | None = None,
        current_period_end: int | None = None,
        cancel_at_period_end: bool | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            sub = self._get(self.subscriptions, sub_id, "subscription")
            now = int(time.time())
            if status is not None:
                if sub["status"] == "trialing" and status != "trialing":
                    sub["trial_end"] = now
                sub["status"] = status
                if status == "canceled":
                    sub["canceled_at"] = sub["canceled_at"] or now
                    sub["ended_at"] = now
            if current_period_end is not None:
                sub["items"]["data"][0]["current_period_end"] = current_period_end
            if cancel_at_period_end is not None:
                sub["cancel_at_period_end"] = cancel_at_period_end
                period_end = sub["items"]["data"][0]["current_period_end"]
                sub["cancel_at"] = period_end if cancel_at_period_end else None
                sub["canceled_at"] = now if cancel_at_period_end else None
            return copy.deepcopy(sub)

    def checkout_complete(
        self, session_id: str, *, status: str = "active"
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The customer paid on Checkout: a subscription on the session's one line item, its
        first invoice paid, the session complete. Returns (session, subscription)."""
        with self.lock:
            session = self._get(self.sessions, session_id, "checkout.session")
            item = self.session_items[session_id][0]
            sub = self.subscription_create(
                customer_id=session["customer"],
                price_id=item["price"],
                status=status,
                metadata=(session["_subscription_data"] or {}).get("metadata") or {},
            )
            invoice = self.invoice_create(sub["id"], status="paid")
            session.update(
                status="complete",
                payment_status="paid" if status == "active" else "no_payment_required",
                subscription=sub["id"],
                invoice=invoice["id"],
            )
            self.subscriptions[sub["id"]]["latest_invoice"] = invoice["id"]
            return self._public(session), copy.deepcopy(self.subscriptions[sub["id"]])

    def invoice_create(
        self, sub_id: str, *, status: str = "paid", attempt_count: int = 1
    ) -> dict[str, Any]:
        with self.lock:
            sub = self._get(self.subscriptions, sub_id, "subscription")
            price = sub["items"]["data"][0]["price"]
            amount = int(price["unit_amount"])
            invoice = shape("invoice")
            invoice_id = self._new_id("in")
            number = f"CERCLE-{len(self.invoices) + 1:04d}"
            line = invoice["lines"]["data"][0]
            line.update(
                id=self._new_id("il"),
                amount=amount,
                currency=price["currency"],
                description="Cercle",
                invoice=invoice_id,
                quantity=1,
                subscription=sub_id,
            )
            invoice["lines"].update(data=[line], url=f"/v1/invoices/{invoice_id}/lines")
            paid = status == "paid"
            invoice.update(
                id=invoice_id,
                number=number,
                created=next(self._created),
                customer=sub["customer"],
                currency=price["currency"],
                subscription=sub_id,
                parent={
                    "quote_details": None,
                    "subscription_details": {"metadata": sub["metadata"], "subscription": sub_id},
                    "type": "subscription_details",
                },
                billing_reason="subscription_cycle",
                status=status,
                attempted=True,
                attempt_count=attempt_count,
                subtotal=amount,
                subtotal_excluding_tax=amount,
                total=amount,
                total_excluding_tax=amount,
                amount_due=amount,
                amount_paid=amount if paid else 0,
                amount_remaining=0 if paid else amount,
                invoice_pdf=f"{self.url}/invoice/{invoice_id}/pdf",
                hosted_invoice_url=f"{self.url}/i/{invoice_id}",
                last_finalization_error=None,
                from_invoice=None,
            )
            self.invoices[invoice_id] = invoice
            return copy.deepcopy(invoice)

    def invoice_set(
        self, invoice_id: str, *, status: str | None = None, attempt_count: int | None = None
    ) -> dict[str, Any]:
        with self.lock:
            invoice = self._get(self.invoices, invoice_id, "invoice")
            if status is not None:
                invoice["status"] = status
                paid = status == "paid"
                invoice["amount_paid"] = invoice["total"] if paid else 0
                invoice["amount_remaining"] = 0 if paid else invoice["total"]
            if attempt_count is not None:
                invoice["attempt_count"] = attempt_count
            return copy.deepcopy(invoice)

    def current(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The object as the stand-in holds it now."""
        stores = {
            "subscription": self.subscriptions,
            "invoice": self.invoices,
            "checkout.session": self.sessions,
            "customer": self.customers,
        }
        with self.lock:
            return self._public(stores[obj["object"]][obj["id"]])

    # --- Webhooks -----------------------------------------------------------------------

    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = shape("event")
        event.update(
            id=f"evt_{uuid.uuid4().hex[:24]}",
            type=type_,
            created=int(time.time()),
            api_version="2025-06-30.basil",
            livemode=False,
            pending_webhooks=1,
            request={"id": None, "idempotency_key": None},
            data={"object": self._public(obj)},
        )
        return event

    def sign(
        self, payload: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> str:
        """Stripe's scheme: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.payload")>."""
        t = int(time.time()) if timestamp is None else timestamp
        mac = hmac.new(
            (secret or self.webhook_secret).encode(), f"{t}.".encode() + payload, hashlib.sha256
        )
        return f"t={t},v1={mac.hexdigest()}"

    def delivery(self, type_: str, obj: dict[str, Any], **sign: Any) -> Delivery:
        """A signed delivery of a new event about `obj` (its current state is sent)."""
        event = self.event(type_, self.current(obj) if obj.get("id") else obj)
        payload = json.dumps(event).encode()
        return Delivery(payload, self.sign(payload, **sign), event)

    def resigned(self, delivery: Delivery) -> Delivery:
        """The same event delivered again later (Stripe signs every attempt afresh)."""
        return Delivery(delivery.payload, self.sign(delivery.payload), delivery.event)

    # --- Checks -------------------------------------------------------------------------

    def calls(self, method: str, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def assert_flat_requests(self) -> None:
        """Every request ever sent carries at most one line item, every quantity is 1 and
        every price is one of the flat prices (never tiered, never per seat)."""
        with self.lock:
            requests = list(self.requests)
        for req in requests:
            for key, value in req.params:
                if re.search(r"(^|\[)quantity\]?$", key):
                    assert value == "1", f"quantity {value!r} sent in {req.method} {req.path}"
                if re.search(r"(^|\[)price\]?$", key):
                    price = self.prices.get(value)
                    assert price is not None, f"unknown price {value!r} in {req.path}"
                    assert price["billing_scheme"] == "per_unit" and not price["tiers_mode"]
            for list_key in ("line_items", "items"):
                items = req.data.get(list_key)
                if items is not None:
                    assert isinstance(items, list) and len(items) == 1, (
                        f"{len(items)} {list_key} sent in {req.method} {req.path}"
                    )
                    assert items[0].get("quantity", "1") == "1"


@contextmanager
def standin_serving(settings: Any) -> Iterator[StripeStandIn]:  # noqa: ANN401
    """A running stand-in with billing switched on and pointed at it; afterwards every
    recorded request is checked to be one flat line item of quantity 1."""
    standin = StripeStandIn()
    standin.start()
    standin.price_add(PRICE_MONTHLY, unit_amount=2900, interval="month")
    standin.price_add(PRICE_YEARLY, unit_amount=29000, interval="year")
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = standin.url
    try:
        yield standin
    finally:
        standin.stop()
    standin.assert_flat_requests()


def plan_create() -> Any:  # noqa: ANN401
    from billing.models import Plan

    return Plan.objects.create(
        code="essentiel",
        name="Essentiel",
        price_monthly_cents=2900,
        price_yearly_cents=29000,
        stripe_price_monthly=PRICE_MONTHLY,
        stripe_price_yearly=PRICE_YEARLY,
    )


@pytest.fixture(name="stripe_standin")
def stripe_standin_fixture(settings: Any, world: Any) -> Iterator[StripeStandIn]:  # noqa: ANN401
    """The stand-in running, billing on, and a plan with its Stripe prices (in the test's
    transaction)."""
    with standin_serving(settings) as standin:
        standin.plan = plan_create()  # type: ignore[attr-defined]
        yield standin
