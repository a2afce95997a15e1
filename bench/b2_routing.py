"""B2 — routing overhead: the same tiny view served with and without tenant routing.

Two gunicorn servers (2 sync workers each) run bench.b2_app: one with Cercle's full
middleware (bench.settings_b2_tenant), one with the routing middleware removed
(bench.settings_b2_notenant). A second process (bench/loadgen.py) loads one server at a
time over loopback; rounds alternate between the servers so drift hits both sides.

Inside one process, Django's test client and CaptureQueriesContext count, per warm routed
request, the queries on the routing tables and the `SET search_path` statements.

    python bench/b2_routing.py --count-queries 200 --host bench-routing.localhost
runs only that count (with DJANGO_SETTINGS_MODULE=bench.settings_b2_tenant) and prints JSON.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run directly: make the repository importable
    sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "platform"),
                    str(Path(__file__).resolve().parents[1])]

from bench.common import ROOT, Report, associations_drop, bench_owner, ms, percentile

SLUG = "bench-routing"
OVERHEAD_PCT_TARGET = 10.0
OVERHEAD_MS_TARGET = 0.5
ROUTING_TABLES = ("tenants_domain", "tenants_association")


@dataclass(frozen=True)
class Plan:
    rounds: int
    requests: int  # per round and side
    warmup: int
    concurrency: int
    query_requests: int
    pairs: int  # in-process timing: routed/baseline request pairs


FULL = Plan(rounds=10, requests=1000, warmup=300, concurrency=4, query_requests=500, pairs=3000)
QUICK = Plan(rounds=2, requests=200, warmup=50, concurrency=4, query_requests=50, pairs=200)


# --- in-process query count -------------------------------------------------------------------


def count_queries(host: str, requests: int) -> dict[str, object]:
    """Per-request counts over `requests` warm routed requests, plus one cold request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tenants.routing import routing_cache_clear

    client = Client()

    def one() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/ping/", HTTP_HOST=host)
        if response.status_code != 200 or response.content != b"pong":
            raise RuntimeError(f"/ping/ at {host}: HTTP {response.status_code}")
        return [q["sql"] for q in ctx.captured_queries]

    routing_cache_clear()
    cold = one()
    for _ in range(3):
        one()
    routing: list[int] = []
    set_path: list[int] = []
    total: list[int] = []
    example: list[str] = []
    for _ in range(requests):
        sql = one()
        example = sql
        routing.append(sum(1 for s in sql if any(t in s for t in ROUTING_TABLES)))
        set_path.append(sum(1 for s in sql if s.lstrip().upper().startswith("SET SEARCH_PATH")))
        total.append(len(sql))
    return {
        "requests": requests,
        "cold_routing_queries": sum(1 for s in cold if any(t in s for t in ROUTING_TABLES)),
        "routing_queries": [min(routing), max(routing)],
        "set_search_path": [min(set_path), max(set_path)],
        "queries": [min(total), max(total)],
        "example": example,
    }


def time_in_process(host: str, pairs: int) -> dict[str, list[float]]:
    """Per-request time through Django's handler (test client, no HTTP), routed vs the same
    stack without the routing middleware, in one process and interleaved request by request,
    so the machine's load hits both sides alike."""
    import time as clock

    from django.conf import settings
    from django.test import Client, override_settings

    from bench.settings_b2_notenant import ROUTING_MIDDLEWARE

    routed, baseline = Client(), Client()
    routed.handler.load_middleware()
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != ROUTING_MIDDLEWARE]):
        baseline.handler.load_middleware()  # the chain is built once, from these settings
    times: dict[str, list[float]] = {"routed": [], "baseline": []}
    for i in range(pairs + 100):
        order = [("routed", routed), ("baseline", baseline)]
        for name, client in order if i % 2 else reversed(order):
            start = clock.perf_counter()
            response = client.get("/ping/", HTTP_HOST=host)
            elapsed = (clock.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{name} /ping/: HTTP {response.status_code}")
            if i >= 100:  # the first 100 pairs warm up
                times[name].append(elapsed)
    return times


def _count_in_subprocess(host: str, requests: int, pairs: int) -> dict[str, object]:
    env = _env("bench.settings_b2_tenant")
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--count-queries", str(requests),
         "--time-pairs", str(pairs), "--host", host],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(f"query count failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- servers and load -------------------------------------------------------------------------


def _env(settings_module: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        CERCLE_ENV="development",
        DEBUG="0",
        LOG_LEVEL="WARNING",
    )
    return env


def _free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 8000:
            return port


class Server:
    """gunicorn serving bench.b2_app with one settings module, on a free loopback port."""

    def __init__(self, settings_module: str, log_dir: Path) -> None:
        self.settings_module = settings_module
        self.port = _free_port()
        self.log = log_dir / f"{settings_module.rsplit('.', 1)[-1]}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "bench.b2_app:application", "-w", "2",
                 "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5"],
                env=_env(settings_module), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )

    def wait_ready(self, host: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/ping/", headers={"Host": host}
        )
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"{self.settings_module} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def load(server: Server, host: str, requests: int, concurrency: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(server.port),
         "--host-header", host, "--path", "/ping/", "--requests", str(requests),
         "--concurrency", str(concurrency), "--seconds", "120"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=180,
    )
    return json.loads(out.stdout)


def run(quick: bool = False) -> Report:
    from django.db import connection

    from tenants.services import association_provision

    plan = QUICK if quick else FULL
    started = time.perf_counter()
    report = Report(
        title="B2 — routing overhead",
        description=(
            "Latency of `GET /ping/` (one `SELECT 1`, 4-byte body) at a workspace host, through "
            "Cercle's full middleware stack with tenant routing vs the same stack without the "
            "routing middleware; gunicorn, 2 sync workers per side; load from a separate process "
            f"with {plan.concurrency} threads over loopback, a new connection per request; "
            f"{plan.rounds} alternating round(s) of {plan.requests} requests per side after "
            f"{plan.warmup} warm-up requests; nearest-rank percentiles."
        ),
    )
    associations_drop([SLUG])
    association = association_provision(name="Bench routing", slug=SLUG, owner=bench_owner())
    connection.set_schema_to_public()
    host = association.host

    counts = _count_in_subprocess(host, plan.query_requests, plan.pairs)
    low, high = counts["routing_queries"]
    report.add(f"Routing queries per warm request ({counts['requests']} requests)",
               f"{low}" if low == high else f"{low}–{high}", "0", high == 0)
    low, high = counts["set_search_path"]
    report.add("`SET search_path` per warm request", f"{low}" if low == high else f"{low}–{high}",
               "exactly 1", low == high == 1)
    report.notes.append(
        f"Queries per warm routed request: {counts['queries'][0]}–{counts['queries'][1]} "
        f"({'; '.join(counts['example'])}). The first request after clearing the routing map "
        f"made {counts['cold_routing_queries']} routing query (the domain lookup)."
    )

    samples: dict[str, list[float]] = {"routed": [], "baseline": []}
    round_p50: dict[str, list[str]] = {"routed": [], "baseline": []}
    errors = 0
    with tempfile.TemporaryDirectory(prefix="cercle-b2-") as tmp:
        servers = {
            "routed": Server("bench.settings_b2_tenant", Path(tmp)),
            "baseline": Server("bench.settings_b2_notenant", Path(tmp)),
        }
        try:
            for server in servers.values():
                server.wait_ready(host)
            for server in servers.values():
                load(server, host, plan.warmup, plan.concurrency)
            for round_number in range(plan.rounds):
                order = ["routed", "baseline"] if round_number % 2 == 0 else ["baseline", "routed"]
                for side in order:
                    result = load(servers[side], host, plan.requests, plan.concurrency)
                    samples[side] += result["latencies_ms"]
                    if result["latencies_ms"]:
                        round_p50[side].append(f"{percentile(result['latencies_ms'], 50):.2f}")
                    errors += int(result["errors"])
                    if result["errors"]:
                        report.notes.append(f"{side} errors: {result['first_errors']}")
        finally:
            for server in servers.values():
                server.stop()
    associations_drop([SLUG])

    routed50, base50 = percentile(samples["routed"], 50), percentile(samples["baseline"], 50)
    routed95, base95 = percentile(samples["routed"], 95), percentile(samples["baseline"], 95)
    report.add("Routed p50", ms(routed50))
    report.add("Routed p95", ms(routed95))
    report.add("Baseline (no tenancy) p50", ms(base50))
    report.add("Baseline (no tenancy) p95", ms(base95))
    over_ms = routed50 - base50
    over_pct = over_ms / base50 * 100
    report.add("Routing overhead at p50", f"{over_ms:+.2f} ms ({over_pct:+.1f} %)",
               f"≤ {OVERHEAD_PCT_TARGET:.0f} % or ≤ {OVERHEAD_MS_TARGET} ms",
               over_pct <= OVERHEAD_PCT_TARGET or over_ms <= OVERHEAD_MS_TARGET)
    report.add("Routing overhead at p95", f"{routed95 - base95:+.2f} ms "
               f"({(routed95 - base95) / base95 * 100:+.1f} %)")
    report.add("Failed requests", str(errors), "0", errors == 0)
    inproc = counts["in_process_ms"]
    in_routed, in_base = percentile(inproc["routed"], 50), percentile(inproc["baseline"], 50)
    report.add("In-process (no HTTP) routed p50", ms(in_routed))
    report.add("In-process (no HTTP) baseline p50", ms(in_base))
    report.add("In-process routing overhead at p50",
               f"{in_routed - in_base:+.2f} ms ({(in_routed - in_base) / in_base * 100:+.1f} %)")
    report.notes.append(
        f"In-process figures: {len(inproc['routed'])} pairs of requests through Django's "
        "handler (test client, same settings), routed and baseline alternating request by "
        "request in one process — less exposed to the machine's load than the HTTP figures."
    )
    report.notes.append(
        f"Requests measured: {len(samples['routed'])} routed, {len(samples['baseline'])} "
        f"baseline. p50 per round (ms): routed {', '.join(round_p50['routed'])}; "
        f"baseline {', '.join(round_p50['baseline'])}."
    )
    report.seconds = time.perf_counter() - started
    return report


def _main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--count-queries", type=int, required=True)
    parser.add_argument("--time-pairs", type=int, default=0)
    parser.add_argument("--host", required=True)
    args = parser.parse_args()
    from bench.common import django_setup

    django_setup("bench.settings_b2_tenant")
    result = count_queries(args.host, args.count_queries)
    if args.time_pairs:
        result["in_process_ms"] = time_in_process(args.host, args.time_pairs)
    print(json.dumps(result))


if __name__ == "__main__":
    _main()
