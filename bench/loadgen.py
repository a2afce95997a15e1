"""A small HTTP load generator for B2, run as its own process: N requests to one URL over
loopback from C threads (a fresh connection each, as gunicorn's sync workers close them),
bounded by a request count and a deadline. Prints JSON: latencies (ms), errors, seconds.

    python bench/loadgen.py --port 8123 --host-header bench-routing.localhost --path /ping/
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host-header", required=True)
    parser.add_argument("--path", default="/ping/")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120.0, help="deadline for the run")
    parser.add_argument("--expect", default="pong", help="body every answer must have")
    parser.add_argument("--expect-in", default="",
                        help="instead of --expect: text every answer's body must contain")
    parser.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                        help="extra request header (a session cookie, say); repeatable")
    args = parser.parse_args()
    headers = {"Host": args.host_header}
    for header in args.header:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    contains = args.expect_in.encode()

    tickets = itertools.count()  # next() on a count is atomic under the GIL
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + args.seconds
    expected = args.expect.encode()

    def worker() -> None:
        while next(tickets) < args.requests and time.perf_counter() < deadline:
            begin = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
                conn.request("GET", args.path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                conn.close()
                ok = response.status == 200 and (
                    contains in body if contains else body == expected
                )
                problem = "" if ok else f"HTTP {response.status}: {body[:80]!r}"
            except OSError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - begin) * 1000
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({
        "latencies_ms": latencies,
        "errors": len(errors),
        "first_errors": errors[:5],
        "seconds": time.perf_counter() - started,
    }))


if __name__ == "__main__":
    main()
