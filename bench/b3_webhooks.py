"""B3 — webhook intake: time to acknowledge signed Stripe events under a steady load.

gunicorn (2 workers x 4 threads) serves the real app with billing on, pointed at the tests'
local Stripe stand-in (tests/stripe_standin.py, served from this process); a Celery worker
processes the events through Redis. A second process posts signed events at a fixed rate:
new events, some of an unhandled type, and duplicates of events already sent. Afterwards
every event must be stored once (zero lost) and processed once (the stand-in counts the
re-reads of the subscription: one per unique handled event, so zero processed twice).

    python bench/b3_webhooks.py --send FILE --port P --rate R   (the sender process)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "platform"),
                    str(Path(__file__).resolve().parents[1])]

from bench.common import ROOT, Report, bench_owner, ms, percentile  # noqa: E402

SLUG = "bench-webhooks"
P95_TARGET_MS = 50.0


@dataclass(frozen=True)
class Plan:
    rate: int  # events per second
    seconds: int
    duplicate_share: float
    unhandled_share: float


FULL = Plan(rate=200, seconds=15, duplicate_share=0.2, unhandled_share=0.1)
QUICK = Plan(rate=200, seconds=3, duplicate_share=0.2, unhandled_share=0.1)


# --- the sender (its own process) -------------------------------------------------------------


def send(path: str, port: int, rate: int) -> None:
    deliveries = [json.loads(line) for line in Path(path).read_text().splitlines() if line]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    tickets = iter(range(len(deliveries)))
    ticket_lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def worker() -> None:
        import http.client

        while True:
            with ticket_lock:
                index = next(tickets, None)
            if index is None:
                return
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = deliveries[index]["payload"].encode()
            begin = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request(
                    "POST", "/billing/webhook/", body=body,
                    headers={
                        "Host": "localhost",
                        "Content-Type": "application/json",
                        "Stripe-Signature": deliveries[index]["signature"],
                    },
                )
                status = conn.getresponse().status
                conn.close()
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - begin) * 1000
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"latencies_ms": latencies, "statuses": statuses,
                      "seconds": time.perf_counter() - start}))


# --- the benchmark ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def run(quick: bool = False) -> Report:
    plan = QUICK if quick else FULL
    report = Report(
        "B3 — webhook intake",
        f"Signed Stripe events posted at {plan.rate}/s for {plan.seconds} s by a second process "
        f"({plan.duplicate_share:.0%} duplicates, {plan.unhandled_share:.0%} of an unhandled "
        "type) to gunicorn (2 workers × 4 threads); a Celery worker processes them through "
        "Redis against the local Stripe stand-in. Time to acknowledge, and every event stored "
        "and processed exactly once.",
    )
    started = time.perf_counter()
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        report.notes.append("Not run: B3 needs REDIS_URL (a real Celery worker and broker).")
        report.add("Intake p95", "not run", f"≤ {P95_TARGET_MS:.0f} ms", None)
        return report

    from django.conf import settings
    from django.db import connection

    from billing.models import Plan as BillingPlan
    from billing.models import Subscription, WebhookEvent
    from tenants.services import association_provision
    from tests.stripe_standin import PRICE_MONTHLY, PRICE_YEARLY, StripeStandIn

    standin = StripeStandIn()
    standin.start()
    standin.price_add(PRICE_MONTHLY, unit_amount=2900, interval="month")
    standin.price_add(PRICE_YEARLY, unit_amount=29000, interval="year")
    billing_plan = BillingPlan.objects.create(
        code="bench-plan", name="Bench", price_monthly_cents=2900, price_yearly_cents=29000,
        stripe_price_monthly=PRICE_MONTHLY, stripe_price_yearly=PRICE_YEARLY,
    )
    association = association_provision(name="Bench webhooks", slug=SLUG, owner=bench_owner())
    customer = standin._customer_create({"email": "bench@bench.invalid",
                                         "metadata": {"association_id": str(association.pk)}})
    subscription = standin.subscription_create(
        customer_id=customer["id"], price_id=PRICE_MONTHLY, status="active",
        metadata={"association_id": str(association.pk)},
    )
    Subscription.objects.filter(association=association).update(
        stripe_customer_id=customer["id"], stripe_subscription_id=subscription["id"]
    )

    # The deliveries: new events, some unhandled, and duplicates of earlier ones.
    rng = random.Random(42)
    total = plan.rate * plan.seconds
    unique: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    handled_ids: set[str] = set()
    for _ in range(total):
        if unique and rng.random() < plan.duplicate_share:
            deliveries.append(rng.choice(unique))
            continue
        if rng.random() < plan.unhandled_share:
            delivery = standin.delivery("customer.updated", customer)
        else:
            delivery = standin.delivery("customer.subscription.updated", subscription)
            handled_ids.add(delivery.event["id"])
        item = {"payload": delivery.payload.decode(), "signature": delivery.signature,
                "id": delivery.event["id"]}
        unique.append(item)
        deliveries.append(item)
    unique_ids = {item["id"] for item in unique}
    reads_before = len(standin.calls("GET", "/v1/subscriptions"))

    port = _free_port()
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        DJANGO_SETTINGS_MODULE="cercle.settings",
        CERCLE_ENV="development",
        DEBUG="0",
        STRIPE_SECRET_KEY=standin.api_key,
        STRIPE_WEBHOOK_SECRET=standin.webhook_secret,
        STRIPE_API_BASE=standin.url,
        LOG_LEVEL="WARNING",
    )
    processes: list[subprocess.Popen[bytes]] = []
    feed = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
    try:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cercle.wsgi", "-w", "2", "-k", "gthread",
             "--threads", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
            env=env, cwd=ROOT,
        ))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cercle", "worker", "-l", "warning",
             "--concurrency", "2", "--without-gossip", "--without-mingle"],
            env=env, cwd=ROOT / "platform",
        ))
        _wait_http(port, time.monotonic() + 30)
        feed.write("\n".join(json.dumps(d) for d in deliveries))
        feed.close()
        sender = subprocess.run(
            [sys.executable, str(Path(__file__)), "--send", feed.name, "--port", str(port),
             "--rate", str(plan.rate)],
            env=env, capture_output=True, text=True, check=True, timeout=plan.seconds + 120,
        )
        result = json.loads(sender.stdout.strip().splitlines()[-1])
        # Wait for the worker to drain the queue.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pending = WebhookEvent.objects.filter(stripe_event_id__in=unique_ids).exclude(
                state=WebhookEvent.State.PROCESSED
            ).count()
            if pending == 0:
                break
            time.sleep(0.5)
        connection.set_schema_to_public()
        stored = WebhookEvent.objects.filter(stripe_event_id__in=unique_ids)
        stored_count = stored.count()
        processed = stored.filter(state=WebhookEvent.State.PROCESSED).count()
        reads = len(standin.calls("GET", "/v1/subscriptions")) - reads_before
        latencies = result["latencies_ms"]
        non_200 = sum(v for k, v in result["statuses"].items() if k != "200")

        report.add("Events posted", f"{len(deliveries)} ({len(unique)} unique)")
        report.add("Intake p50", ms(percentile(latencies, 50)))
        report.add("Intake p95", ms(percentile(latencies, 95)), f"≤ {P95_TARGET_MS:.0f} ms",
                   percentile(latencies, 95) <= P95_TARGET_MS)
        report.add("Answers other than 200", str(non_200), "0", non_200 == 0)
        report.add("Lost (unique events not stored)", str(len(unique_ids) - stored_count), "0",
                   stored_count == len(unique_ids))
        report.add("Not processed after drain", str(stored_count - processed), "0",
                   processed == stored_count)
        report.add("Processed twice (subscription re-reads − unique handled events)",
                   str(reads - len(handled_ids)), "0", reads == len(handled_ids))
        report.notes.append(
            f"Sender achieved {len(deliveries) / result['seconds']:.0f} events/s over "
            f"{result['seconds']:.1f} s; Redis at {settings.REDIS_URL or redis_url}."
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        standin.stop()
        os.unlink(feed.name)
        connection.set_schema_to_public()
        WebhookEvent.objects.filter(stripe_event_id__in=unique_ids).delete()
        billing_plan.subscription_set.update(plan=None)
        billing_plan.delete()
    report.seconds = time.perf_counter() - started
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--send", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=int, required=True)
    args = parser.parse_args()
    send(args.send, args.port, args.rate)
