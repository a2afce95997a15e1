"""Run Cercle's benchmarks and append the results to docs/benchmarks.md.

    make bench                      # every benchmark, full size (half an hour)
    make bench ARGS="b1 --quick"    # one benchmark, few samples (smoke test)

Expects a migrated database (devenv.py's bench step migrates first) in DATABASE_URL and
PYTHONPATH=platform:. . Pass --no-write to print without touching docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the root, on the path
    sys.path.insert(0, str(ROOT))
if str(ROOT / "platform") not in sys.path:
    sys.path.insert(0, str(ROOT / "platform"))

from bench.common import Report, bench_cleanup, django_setup, machine_info  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
# name → module with run(quick: bool) -> Report
BENCHMARKS = {
    "b1": "bench.b1_provisioning",
    "b2": "bench.b2_routing",
    "b3": "bench.b3_webhooks",
    "b4": "bench.b4_feed",
    "b5": "bench.b5_digest",
    "b6": "bench.b6_search",
    "b7": "bench.b7_calendar",
    "b8": "bench.b8_pages",
}


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def _section(reports: list[Report], machine: dict[str, str], quick: bool, seconds: float) -> str:
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    kind = "quick run (smoke test, fewer samples — not comparable)" if quick else "full run"
    lines = [f"## Run of {stamp} — {kind}", ""]
    lines += [f"- **{key}**: {value}" for key, value in machine.items()]
    lines += [f"- **Total wall time**: {seconds:.0f} s", ""]
    for report in reports:
        lines.append(report.markdown())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer samples, for a smoke test")
    parser.add_argument("--no-write", action="store_true", help="do not append to the doc")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {BENCHMARKS}")

    django_setup()
    import importlib

    started = time.perf_counter()
    leftovers = bench_cleanup()
    if leftovers:
        print(f"Removed {leftovers} associations/schemas left by an earlier run.")
    machine = machine_info()
    print("Machine: " + "; ".join(f"{k}: {v}" for k, v in machine.items()), flush=True)
    reports: list[Report] = []
    try:
        for name in names:
            print(f"Running {name}{' (quick)' if args.quick else ''}…", flush=True)
            module = importlib.import_module(BENCHMARKS[name])
            load_before = _load()
            report = module.run(quick=args.quick)
            report.notes.append(
                f"Load average (1 min) before / after: {load_before} / {_load()} "
                f"on {os.cpu_count()} cores (other work on the machine skews the figures)."
            )
            print(report.text(), flush=True)
            reports.append(report)
    finally:
        bench_cleanup()
    seconds = time.perf_counter() - started
    if not args.no_write:
        with DOC.open("a", encoding="utf-8") as doc:
            doc.write("\n" + _section(reports, machine, args.quick, seconds))
        print(f"Results appended to {DOC.relative_to(ROOT)}")
    failed = [f.name for r in reports for f in r.figures if f.passed is False]
    print(f"Done in {seconds:.0f} s.")
    if failed:
        print("Targets missed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
