"""B7 — calendar feed: a member's personal iCalendar feed holding 500 events, recurring ones
included (weekly and monthly series with cancelled and edited dates).

Events are bulk-created in an association; gunicorn (2 sync workers) serves the real app; a
second process (bench/loadgen.py) requests `/events/feed/<token>.ics` with a fresh connection
per request. In this process, Django's test client counts the feed's queries and times it
without HTTP, both rendered from scratch (after an edit, and with every cache empty) and cached.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "platform"),
                    str(Path(__file__).resolve().parents[1])]

from bench.b4_feed import Gunicorn, server_ready  # noqa: E402  (same server as B4)
from bench.common import ROOT, Report, associations_drop, bench_owner, ms, percentile  # noqa: E402

SLUG = "bench-calendar"
EVENTS = 500
RECURRING = 60
P95_TARGET_MS = 100.0


def populate() -> tuple[object, int, str]:
    """The association, its owner's user id and calendar token."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from shared_apps.events import services
    from shared_apps.events.models import Event, Occurrence
    from shared_apps.events.recurrence import Freq, Recurrence, rule_for
    from shared_apps.spaces.models import Space, Visibility
    from tenants.services import association_provision

    owner = bench_owner()
    association = association_provision(name="Bench calendar", slug=SLUG, owner=owner)
    with tenant_context(association):
        default = Space.objects.get(is_default=True)
        private = Space.objects.create(name="Bureau", slug="bureau",
                                       visibility=Visibility.PRIVATE)
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        events = []
        for n in range(EVENTS):
            start = now + timedelta(days=n % 200 - 60, hours=n % 5)
            rule, until = "", None
            if n < RECURRING:
                freq = [Freq.WEEKLY, Freq.MONTHLY_DATE, Freq.MONTHLY_WEEKDAY][n % 3]
                recurrence = Recurrence(freq=freq, interval=1 + n % 2,
                                        count=None if n % 2 else 20,
                                        until=(start + timedelta(days=300)).date()
                                        if n % 2 else None)
                local = start.astimezone(timezone.get_current_timezone()).replace(tzinfo=None)
                rule, until = rule_for(recurrence, local), recurrence.until
            events.append(Event(
                space=private if n % 10 == 9 else default, author_id=owner.pk,
                title=f"Événement {n}", description=f"Description de l'événement {n}. " * 3,
                starts_at=start, ends_at=start + timedelta(hours=2), location="12 rue de la Paix",
                time_zone="Europe/Paris", rrule=rule, repeat_until=until,
                description_html=f"<p>Description {n}</p>",
            ))
        created = Event.objects.bulk_create(events)
        rows = []
        for event in created[:RECURRING]:
            for k, moment in enumerate(services.expand(
                rule=event.rrule, until=event.repeat_until, starts_at=event.starts_at,
                zone_name=event.time_zone,
            )):
                if k in (2, 5):
                    rows.append(Occurrence(event=event, original_start=moment,
                                           starts_at=moment, ends_at=moment + timedelta(hours=2),
                                           cancelled=k == 2, modified=k == 5,
                                           title="Modifié" if k == 5 else ""))
        Occurrence.objects.bulk_create(rows)
        token = services.calendar_token_of(user_id=owner.pk).token
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.set_schema_to_public()
    return association, owner.pk, token


def in_process(association: object, token: str, requests: int) -> dict[str, object]:
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import F
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from shared_apps.events import feeds
    from shared_apps.events.models import CalendarToken, CalendarVersion, Event
    from shared_apps.events.services import VERSION_KEY
    from shared_apps.spaces.selectors import space_readable_ids

    client = Client(HTTP_HOST=association.host)
    path = f"/events/feed/{token}.ics"
    out: dict[str, object] = {"cold": [], "warm": [], "scratch": []}
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    out["vevents"] = response.content.count(b"BEGIN:VEVENT")
    out["bytes"] = len(response.content)
    with tenant_context(association):
        owner_id = CalendarToken.objects.get(token=token).user_id
        event_ids = list(Event.objects.order_by("id").values_list("id", flat=True))
    connection.set_schema_to_public()
    edits = iter(range(10**9))

    def block_keys() -> list[str]:  # call in the association's context
        events, exceptions = feeds.feed_events(space_readable_ids(user_id=owner_id))
        return [feeds.block_key(e, exceptions.get(e.pk, []), f"http://{association.host}")
                for e in events]

    def forget(blocks: bool = False) -> None:
        """A change: the events version moves (whole feeds are stale) and one event is edited
        (its cached VEVENT block too); `blocks`: every per-event block forgotten as well."""
        with tenant_context(association):
            Event.objects.filter(pk=event_ids[next(edits) % len(event_ids)]).update(
                sequence=F("sequence") + 1)
            CalendarVersion.objects.update_or_create(pk=1, defaults={"version": time.time_ns()})
            cache.delete(VERSION_KEY)
            if blocks:
                cache.delete_many(block_keys())
        connection.set_schema_to_public()

    forget(blocks=True)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    out["queries_cold"] = len(ctx.captured_queries)
    with tenant_context(association):
        keys = block_keys()
        out["blocks"], out["blocks_cached"] = len(keys), len(cache.get_many(keys))
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    out["queries_warm"] = len(ctx.captured_queries)
    for _ in range(max(requests // 10, 5)):
        forget(blocks=True)
        start = time.perf_counter()
        client.get(path)
        out["scratch"].append((time.perf_counter() - start) * 1000)
    for _ in range(max(requests // 2, 10)):
        forget()
        start = time.perf_counter()
        client.get(path)
        out["cold"].append((time.perf_counter() - start) * 1000)
    for _ in range(requests):
        start = time.perf_counter()
        client.get(path)
        out["warm"].append((time.perf_counter() - start) * 1000)
    return out


def load(port: int, host: str, path: str, requests: int) -> dict:
    import json

    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(port),
         "--host-header", host, "--path", path, "--requests", str(requests),
         "--concurrency", "2", "--seconds", "300", "--expect-in", "BEGIN:VCALENDAR"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=400,
    )
    return json.loads(out.stdout)


def run(quick: bool = False) -> Report:
    requests, warmup, inproc_n = (150, 30, 50) if quick else (1000, 100, 300)
    started = time.perf_counter()
    report = Report(
        title="B7 — calendar feed",
        description=(
            f"One association with {EVENTS} events ({RECURRING} recurring: weekly, every other "
            "week, monthly by date and by weekday, with cancelled and edited dates; a tenth in "
            "a private space), bulk-created. gunicorn (2 sync workers, the real app) serves a "
            "member's personal feed `/events/feed/<token>.ics`; load from a separate process "
            f"with 2 threads, a new connection per request, {requests} measured requests after "
            f"{warmup} warm-up; nearest-rank percentiles. The feed is cached per member under "
            "the association's events version (bumped by every change) and assembled from "
            "each event's serialised VEVENT, cached under a digest of its data. In process: "
            "the feed rebuilt after a change (version bumped, one event edited: its VEVENT "
            "serialised again, the others' read from the cache), and with every cache empty "
            "(first build: all 500 serialised)."
        ),
    )
    associations_drop([SLUG])
    try:
        t0 = time.perf_counter()
        association, _owner, token = populate()
        report.notes.append(f"Data created in {time.perf_counter() - t0:.1f} s.")
        inproc = in_process(association, token, inproc_n)
        report.add("VEVENTs in the feed (with overrides)", str(inproc["vevents"]))
        report.add("Feed size", f"{inproc['bytes'] / 1024:.0f} KB")
        report.add("Queries, rendered / cached", f"{inproc['queries_cold']} / "
                   f"{inproc['queries_warm']}", "constant, ≤ 8",
                   inproc["queries_cold"] <= 8)
        assert inproc["blocks_cached"] == inproc["blocks"], "the feed did not cache its blocks"
        p95_rebuilt = percentile(inproc["cold"], 95)
        report.add("Uncached feed p95 (in process: rebuilt after an edit)", ms(p95_rebuilt),
                   f"≤ {P95_TARGET_MS:.0f} ms", p95_rebuilt <= P95_TARGET_MS)
        report.add("Every cache empty p95 (in process: all VEVENTs serialised)",
                   ms(percentile(inproc["scratch"], 95)))
        report.add("Cached p95 (in process)", ms(percentile(inproc["warm"], 95)))
        path = f"/events/feed/{token}.ics"
        with tempfile.TemporaryDirectory(prefix="cercle-b7-") as tmp:
            server = Gunicorn(Path(tmp))
            try:
                server_ready(server, association.host)
                load(server.port, association.host, path, warmup)
                result = load(server.port, association.host, path, requests)
                latencies = result["latencies_ms"]
                if result["errors"]:
                    report.notes.append(f"errors: {result['first_errors']}")
                p95 = percentile(latencies, 95) if latencies else float("inf")
                report.add("Feed p50 (HTTP, under load)",
                           ms(percentile(latencies, 50)) if latencies else "—")
                report.add("Feed p95 (HTTP, under load)", ms(p95), f"≤ {P95_TARGET_MS:.0f} ms",
                           p95 <= P95_TARGET_MS)
                report.add("Failed requests", str(result["errors"]), "0", result["errors"] == 0)
            finally:
                server.stop()
    finally:
        associations_drop([SLUG])
    report.seconds = time.perf_counter() - started
    return report


if __name__ == "__main__":
    from bench.common import django_setup

    django_setup()
    print(run(quick="--quick" in sys.argv).text())
