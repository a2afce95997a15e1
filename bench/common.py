"""Shared pieces of the benchmarks: Django setup, statistics, machine details, clean-up.

Everything a benchmark creates uses an address starting with BENCH_PREFIX (and the one
account BENCH_OWNER_EMAIL), so clean-up removes exactly that and nothing else, even after
a run that crashed half-way.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_PREFIX = "bench-"
BENCH_SCHEMA_PREFIX = "a_bench_"
BENCH_OWNER_EMAIL = "bench-owner@bench.invalid"
# Schemas created or dropped per transaction: each holds a lock per relation until commit,
# and the lock table is shared with everyone else on the server.
SCHEMA_BATCH = 4  # a schema holds hundreds of tables, indexes and sequences: each a lock to hold


def django_setup(settings_module: str = "cercle.settings") -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ.setdefault("CERCLE_ENV", "development")
    import django

    django.setup()


# --- statistics -------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: p95 of 20 samples is the 19th)."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(fn: Callable[[], Any]) -> float:
    """Wall time of fn() in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


@dataclass
class Figure:
    """One reported figure: a measured value, or a check against a target."""

    name: str
    value: str
    target: str = ""
    passed: bool | None = None  # None: informative only

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "—"
        return "PASS" if self.passed else "FAIL"


@dataclass
class Report:
    title: str
    description: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, name: str, value: str, target: str = "", passed: bool | None = None) -> None:
        self.figures.append(Figure(name, value, target, passed))

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", self.description, ""]
        lines += ["| Figure | Value | Target | Result |", "|---|---|---|---|"]
        for fig in self.figures:
            lines.append(f"| {fig.name} | {fig.value} | {fig.target or '—'} | {fig.verdict} |")
        lines.append("")
        for note in self.notes:
            lines.append(f"- {note}")
        lines.append(f"- Benchmark wall time: {self.seconds:.0f} s")
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        width = max((len(f.name) for f in self.figures), default=10)
        out = [f"== {self.title} ({self.seconds:.0f} s)"]
        for fig in self.figures:
            target = f"  [target {fig.target}: {fig.verdict}]" if fig.target else ""
            out.append(f"  {fig.name:<{width}}  {fig.value}{target}")
        out += [f"  * {note}" for note in self.notes]
        return "\n".join(out)


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


# --- machine ----------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}{' (uncommitted changes in the tree)' if dirty else ''}"


def machine_info() -> dict[str, str]:
    """CPU, cores, RAM, PostgreSQL, Python and commit: what the figures depend on."""
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    return {
        "CPU": _cpu_model(),
        "Cores": str(os.cpu_count()),
        "RAM": _ram(),
        "PostgreSQL": f"{pg_version} (autovacuum {autovacuum})",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "OS": f"{platform.system()} {platform.release()}",
        "Git commit": _git_commit(),
    }


# --- bench-owned associations -----------------------------------------------------------------


def bench_owner() -> Any:
    from tenants.accounts.models import User

    user = User.objects.filter(email=BENCH_OWNER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(email=BENCH_OWNER_EMAIL, password=None)
    return user


def schemas_drop(names: Sequence[str]) -> None:
    """Drop bench schemas, SCHEMA_BATCH per transaction."""
    from django.db import connection, transaction

    for name in names:
        if not name.startswith(BENCH_SCHEMA_PREFIX):
            raise ValueError(f"refusing to drop schema {name!r}")
    connection.set_schema_to_public()
    for start in range(0, len(names), SCHEMA_BATCH):
        batch = names[start : start + SCHEMA_BATCH]
        quoted = ", ".join(f'"{name}"' for name in batch)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")


def associations_drop(slugs: Sequence[str] | None = None) -> int:
    """Remove bench associations (all of them when `slugs` is None): rows and schemas."""
    from django.db import connection, transaction

    from tenants.models import Association

    connection.set_schema_to_public()
    query = Association.objects.filter(slug__startswith=BENCH_PREFIX)
    if slugs is not None:
        query = query.filter(slug__in=list(slugs))
    schemas = list(query.values_list("schema_name", flat=True))
    with transaction.atomic():
        query.delete()
    schemas_drop(schemas)
    return len(schemas)


def bench_cleanup() -> int:
    """Remove every bench association, orphan bench schema and the bench account."""
    from django.db import connection

    from tenants.accounts.models import User

    count = associations_drop()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
            [BENCH_SCHEMA_PREFIX.replace("_", "\\_") + "%"],
        )
        orphans = [row[0] for row in cursor.fetchall()]
    schemas_drop(orphans)
    User.objects.filter(email=BENCH_OWNER_EMAIL).delete()
    return count + len(orphans)


# The catalogue tables that creating and dropping schemas churns.
CATALOG_TABLES = (
    "pg_attribute", "pg_class", "pg_constraint", "pg_depend", "pg_namespace", "pg_type",
    "pg_index", "pg_attrdef", "pg_sequence",
)


def catalog_vacuum() -> None:
    """VACUUM ANALYZE the catalogue, outside any transaction (untimed).

    Every created-then-dropped schema leaves thousands of dead catalogue rows, which slow
    clone_schema()'s catalogue queries down; autovacuum would clear them in production, but it
    may be off or lagging on a benchmark server. Without superuser rights PostgreSQL skips
    the tables with a warning, which is harmless.
    """
    from django.db import connection

    tables = ", ".join(f"pg_catalog.{name}" for name in CATALOG_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
