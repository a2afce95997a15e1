"""B4 — activity feed: an association with 1,000 members, 50 spaces and 20,000 activities.

Data is bulk-created (users, memberships, space memberships, activities). gunicorn (2 sync
workers) serves the real app; a second process (bench/loadgen.py) requests the feed page
(`/`) and the API (`/api/v1/feed/`) as a signed-in member, with a fresh connection per
request. In this process, Django's test client counts the queries of pages 1–3 for members
with few and many readable spaces (the count must not change) and times requests without
HTTP (server time alone).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "platform"),
                    str(Path(__file__).resolve().parents[1])]

from bench.b2_routing import _env, _free_port  # noqa: E402  (B2's gunicorn environment)
from bench.common import ROOT, Report, associations_drop, bench_owner, ms, percentile  # noqa: E402

SLUG = "bench-feed"
USER_DOMAIN = "bench-feed.invalid"
P95_TARGET_MS = 50.0


@dataclass(frozen=True)
class Plan:
    members: int
    spaces: int
    activities: int
    requests: int  # per endpoint, measured
    warmup: int
    concurrency: int
    in_process: int  # requests per endpoint timed in this process


FULL = Plan(members=1000, spaces=50, activities=20_000, requests=1000, warmup=100,
            concurrency=2, in_process=300)
QUICK = Plan(members=1000, spaces=50, activities=20_000, requests=150, warmup=30,
             concurrency=2, in_process=50)


def users_drop() -> None:
    from tenants.accounts.models import User

    User.objects.filter(email__endswith=f"@{USER_DOMAIN}").delete()


def populate(plan: Plan) -> tuple[object, dict[str, int]]:
    """The association and its data; returns (association, {"many": uid, "few": uid})."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from shared_apps.members.models import Membership, MembershipStatus, Role
    from shared_apps.notifications.models import Activity
    from shared_apps.spaces.models import (
        Space,
        SpaceMembership,
        SpaceMembershipStatus,
        Visibility,
    )
    from tenants.accounts.models import User
    from tenants.services import association_provision

    rng = random.Random(4)
    association = association_provision(name="Bench feed", slug=SLUG, owner=bench_owner())
    users = User.objects.bulk_create([
        User(email=f"m{n}@{USER_DOMAIN}", full_name=f"Membre {n}", password="!")
        for n in range(plan.members - 1)
    ], batch_size=1000)
    user_ids = [u.pk for u in users]
    with tenant_context(association):
        Membership.objects.bulk_create([
            Membership(user_id=pk, role=Role.MEMBER, status=MembershipStatus.ACTIVE,
                       activated_at=timezone.now())
            for pk in user_ids
        ], batch_size=1000)
        kinds = [Visibility.OPEN, Visibility.ON_REQUEST, Visibility.PRIVATE]
        spaces = list(Space.objects.filter(is_default=True)) + Space.objects.bulk_create([
            Space(name=f"Espace {n}", slug=f"espace-{n}", visibility=kinds[n % 3])
            for n in range(plan.spaces - 1)
        ])
        # Each member in 3–8 spaces; "many" belongs to every space, "few" to none.
        many, few = user_ids[0], user_ids[1]
        rows = {(s.pk, many) for s in spaces[1:]}
        for pk in user_ids[2:]:
            for space in rng.sample(spaces[1:], rng.randint(3, 8)):
                rows.add((space.pk, pk))
        SpaceMembership.objects.bulk_create([
            SpaceMembership(space_id=s, user_id=u, status=SpaceMembershipStatus.ACTIVE)
            for s, u in rows
        ], batch_size=5000)
        now = timezone.now()
        verbs = [("news.published", "news.announcement"),
                 ("discussions.replied", "discussions.message"),
                 ("discussions.started", "discussions.thread"),
                 ("documents.uploaded", "documents.file")]
        Activity.objects.bulk_create([
            Activity(
                space_id=None if n % 25 == 0 else rng.choice(spaces).pk,
                actor_id=rng.choice(user_ids),
                verb=verbs[n % 4][0], target_type=verbs[n % 4][1], target_id=n,
                summary=f"Activité {n} : un message ou une annonce de quelques mots",
                url=f"/discussions/{n}/", pinned=n % 2000 == 0,
                created_at=now - timedelta(seconds=n * 60 + rng.randint(0, 59)),
            )
            for n in range(plan.activities)
        ], batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give
    connection.set_schema_to_public()
    return association, {"many": many, "few": few}


def session_cookie(association: object, user_id: int) -> str:
    from django.conf import settings
    from django.test import Client
    from django_tenants.utils import tenant_context

    from tenants.accounts.models import User

    client = Client()
    with tenant_context(association):
        client.force_login(User.objects.get(pk=user_id))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def in_process(association: object, users: dict[str, int], requests: int) -> dict[str, object]:
    """Queries per page (pages 1–3, both members) and server time without HTTP."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from tenants.accounts.models import User

    counts: dict[str, list[int]] = {"/": [], "/api/v1/feed/": []}
    times: dict[str, list[float]] = {"/": [], "/api/v1/feed/": []}
    items = 0
    for who, user_id in users.items():
        client = Client(HTTP_HOST=association.host)
        with tenant_context(association):
            client.force_login(User.objects.get(pk=user_id))
        connection.set_schema_to_public()
        for path in counts:
            client.get(path)  # warm-up
            cursor = ""
            for _page in range(3):
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(f"{path}?cursor={cursor}" if cursor else path)
                assert response.status_code == 200, (path, response.status_code)
                counts[path].append(len(ctx.captured_queries))
                if path == "/":
                    # No template instrumentation outside tests: read the "load more" link.
                    html = response.content.decode()
                    found = re.search(r'href="\?cursor=([^"&]+)"', html)
                    cursor = unquote(found[1]) if found else ""
                    items = html.count('<li class="list-row') - (1 if found else 0)
                else:
                    cursor = response.json()["next_cursor"] or ""
            if who == "many":
                for _ in range(requests):
                    start = time.perf_counter()
                    client.get(path)
                    times[path].append((time.perf_counter() - start) * 1000)
    return {"counts": counts, "times": times, "items": items}


def load(port: int, host: str, path: str, cookie: str, plan: Plan, count: int) -> dict:
    import json

    expect = "What" if path == "/" else '"results"'
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(port),
         "--host-header", host, "--path", path, "--requests", str(count),
         "--concurrency", str(plan.concurrency), "--seconds", "300",
         "--header", f"Cookie: {cookie}", "--header", "Accept-Language: en",
         "--expect-in", expect],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=400,
    )
    return json.loads(out.stdout)


def run(quick: bool = False) -> Report:
    plan = QUICK if quick else FULL
    started = time.perf_counter()
    report = Report(
        title="B4 — activity feed",
        description=(
            f"One association with {plan.members:,} members, {plan.spaces} spaces (open, on "
            f"request, private; members in 3–8 each) and {plan.activities:,} activities, "
            "bulk-created. gunicorn (2 sync workers, the real app) serves the feed page `/` "
            "and `GET /api/v1/feed/` (20 entries a page) to a member of every space; load from "
            f"a separate process with {plan.concurrency} threads, a new connection per "
            f"request, {plan.requests} measured requests per endpoint after {plan.warmup} "
            "warm-up; nearest-rank percentiles. Query counts and in-process times (Django's "
            "handler without HTTP) from the benchmark process."
        ),
    )
    associations_drop([SLUG])
    users_drop()
    try:
        t0 = time.perf_counter()
        association, users = populate(plan)
        report.notes.append(f"Data created in {time.perf_counter() - t0:.1f} s.")
        inproc = in_process(association, users, plan.in_process)
        for path, label in (("/", "Feed page"), ("/api/v1/feed/", "Feed API")):
            values = inproc["counts"][path]  # [member 1: p1, p2, p3, member 2: p1, p2, p3]
            # The first page also records the visit (unread markers); the next ones do not.
            first, later = values[0::3], values[1::3] + values[2::3]
            constant = len(set(first)) == 1 and len(set(later)) == 1
            report.add(f"{label}: queries, first page / next pages (two members)",
                       f"{'–'.join(map(str, sorted(set(first))))} / "
                       f"{'–'.join(map(str, sorted(set(later))))}", "constant", constant)
        cookie = session_cookie(association, users["many"])
        with tempfile.TemporaryDirectory(prefix="cercle-b4-") as tmp:
            server = Gunicorn(Path(tmp))
            try:
                server_ready(server, association.host)
                for path, label in (("/", "Feed page"), ("/api/v1/feed/", "Feed API")):
                    load(server.port, association.host, path, cookie, plan, plan.warmup)
                    result = load(server.port, association.host, path, cookie, plan,
                                  plan.requests)
                    latencies = result["latencies_ms"]
                    if result["errors"]:
                        report.notes.append(f"{label} errors: {result['first_errors']}")
                    p95 = percentile(latencies, 95) if latencies else float("inf")
                    report.add(f"{label} p50 (HTTP, under load)",
                               ms(percentile(latencies, 50)) if latencies else "—")
                    report.add(f"{label} p95 (HTTP, under load)", ms(p95),
                               f"≤ {P95_TARGET_MS:.0f} ms", p95 <= P95_TARGET_MS)
                    report.add(f"{label} failed requests", str(result["errors"]), "0",
                               result["errors"] == 0)
                    times = inproc["times"][path]
                    report.add(f"{label} p95 in process (no HTTP, no load)",
                               ms(percentile(times, 95)))
            finally:
                server.stop()
        report.notes.append(
            "The HTTP figures include loopback connection set-up and the load generator "
            "sharing the machine's cores; they are an upper bound of the server time."
        )
    finally:
        associations_drop([SLUG])
        users_drop()
    report.seconds = time.perf_counter() - started
    return report


class Gunicorn:
    """The real app (cercle.wsgi) under gunicorn, 2 sync workers, as B2 runs its servers."""

    def __init__(self, log_dir: Path) -> None:
        self.port = _free_port()
        self.log = log_dir / "gunicorn.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "cercle.wsgi:application", "-w", "2",
                 "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5"],
                env=_env("cercle.settings"), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_ready(server: Gunicorn, host: str, timeout: float = 60.0) -> None:
    """Wait for gunicorn: /healthz answers without a session."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}/healthz",
                                             headers={"Host": host})
            with urllib.request.urlopen(request, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start:\n{server.log.read_text()[-3000:]}")

