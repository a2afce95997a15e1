"""B1 — provisioning: creating an association by cloning the template schema vs by migrations.

All paths do the same work around the schema (association row, domain, first board
membership); only how the schema gets its tables differs:

- clone: tenants.services.association_provision, which runs our cercle_clone_schema() SQL
  function on `tenant_template` in the signup transaction (what the product does);
- migrations: django-tenants' usual path — the rows, CREATE SCHEMA, then
  `migrate_schemas --tenant --schema=<schema>` on the empty schema, then the membership;
- DDL replay (informative, when pg_dump is available): the template's DDL captured once with
  pg_dump and replayed with the new schema's name, in one transaction like the clone.

Each is measured with a small and a large number of associations already present (the
catalogue grows by ~300 relations per association). Samples of the paths are interleaved, and
the small level is measured half before and half after the large one, so that drift in the
machine's load hits every figure alike. Each measured association is removed right after its
sample, so the count stays put.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.common import (
    BENCH_PREFIX,
    SCHEMA_BATCH,
    Report,
    associations_drop,
    bench_owner,
    catalog_vacuum,
    ms,
    percentile,
    timed,
)

CLONE_P50_TARGET_MS = 300.0
SPEEDUP_TARGET = 5.0
GROWTH_TARGET = 1.5
WARMUP = 2  # samples per path and measuring pass that are not counted (cold caches)
VACUUM_EVERY = 10  # rounds of samples between two (untimed) catalogue vacuums
PRE_SLUG = f"{BENCH_PREFIX}pre-"


@dataclass(frozen=True)
class Plan:
    small: int
    large: int
    samples: dict[str, int]  # per path and level


FULL = Plan(small=10, large=1000, samples={"clone": 50, "migrations": 20, "ddl": 20})
QUICK = Plan(small=10, large=60, samples={"clone": 6, "migrations": 4, "ddl": 4})
LABELS = {"clone": "Clone", "migrations": "Migrations", "ddl": "DDL replay"}


def _relations(schema: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s",
            [schema],
        )
        return int(cursor.fetchone()[0])


def associations_present() -> int:
    from tenants.models import Association

    return Association.objects.exclude(schema_name="public").count()


def template_ddl() -> str | None:
    """The template schema as SQL (pg_dump), or None when pg_dump is missing or refuses
    (e.g. a server newer than the client, as with the embedded PostgreSQL)."""
    from django.conf import settings

    from tenants.schemas import template_schema_name

    url = os.environ.get("DATABASE_URL") or settings.DATABASE_URL
    try:
        out = subprocess.run(
            ["pg_dump", url, f"--schema={template_schema_name()}", "--no-owner",
             "--no-privileges", "--no-comments", "--inserts"],
            capture_output=True, text=True, check=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = []
    for line in out.stdout.splitlines():
        if line.startswith(("\\", "--", "SELECT pg_catalog.set_config('search_path'")):
            # psql meta-commands (\restrict), comments, and the search_path change: every
            # name in the dump is schema-qualified, and Django owns the connection's path.
            continue
        # Session settings must not outlive the transaction.
        lines.append(re.sub(r"^SET (?!LOCAL)", "SET LOCAL ", line))
    return "\n".join(lines)


def schema_from_ddl(ddl: str, target: str) -> None:
    """Create schema `target` by replaying the template's DDL, on the caller's transaction."""
    from django.db import connection

    from tenants.schemas import template_schema_name

    if not target.startswith("a_bench_"):
        raise ValueError(f"refusing to create schema {target!r}")
    pattern = re.compile(rf"\b{re.escape(template_schema_name())}\b")
    with connection.cursor() as cursor:
        cursor.execute(pattern.sub(target, ddl))


def prebuild(start: int, stop: int, ddl: str | None) -> None:
    """Bench associations number start..stop-1, fast: rows in bulk, SCHEMA_BATCH schemas per
    transaction, each created by DDL replay or, without pg_dump, by the clone function
    (slower: it queries the whole catalogue). Either way each gets the template's relations."""
    from django.db import connection, transaction

    from tenants.models import Association, Domain
    from tenants.schemas import schema_clone, template_schema_name

    for batch_start in range(start, stop, SCHEMA_BATCH):
        numbers = range(batch_start, min(stop, batch_start + SCHEMA_BATCH))
        with transaction.atomic():
            associations = Association.objects.bulk_create(
                Association(
                    name=f"Bench {n}", slug=f"{PRE_SLUG}{n:05d}", schema_name=f"a_bench_pre_{n:05d}"
                )
                for n in numbers
            )
            Domain.objects.bulk_create(
                Domain(domain=a.host, tenant=a, is_primary=True) for a in associations
            )
            for association in associations:
                if ddl is None:
                    schema_clone(source=template_schema_name(), target=association.schema_name)
                else:
                    schema_from_ddl(ddl, association.schema_name)
        connection.set_schema_to_public()


def unbuild(start: int, stop: int) -> None:
    """Remove pre-built associations number start..stop-1."""
    associations_drop([f"{PRE_SLUG}{n:05d}" for n in range(start, stop)])


def provision_by_clone(slug: str) -> None:
    from tenants.services import association_provision

    association_provision(name=f"Bench {slug}", slug=slug, owner=bench_owner())


def provision_by_migrations(slug: str) -> None:
    """django-tenants' usual path: rows, an empty schema, every tenant migration."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from shared_apps.members.models import MembershipStatus, Role
    from shared_apps.members.services import membership_create
    from tenants.address import schema_name_for
    from tenants.models import Association, Domain

    owner = bench_owner()
    schema = schema_name_for(slug)
    with transaction.atomic():
        association = Association.objects.create(
            name=f"Bench {slug}", slug=slug, schema_name=schema
        )
        Domain.objects.create(domain=association.host, tenant=association, is_primary=True)
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    with tenant_context(association):
        membership_create(user=owner, role=Role.BOARD, status=MembershipStatus.ACTIVE)
    connection.set_schema_to_public()


def provision_by_ddl(slug: str, ddl: str) -> None:
    """Like association_provision, with the schema made by DDL replay instead of cloning."""
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from shared_apps.members.models import MembershipStatus, Role
    from shared_apps.members.services import membership_create
    from tenants.address import schema_name_for
    from tenants.models import Association, Domain

    owner = bench_owner()
    schema = schema_name_for(slug)
    try:
        with transaction.atomic():
            association = Association.objects.create(
                name=f"Bench {slug}", slug=slug, schema_name=schema
            )
            Domain.objects.create(domain=association.host, tenant=association, is_primary=True)
            schema_from_ddl(ddl, schema)
            with tenant_context(association):
                membership_create(user=owner, role=Role.BOARD, status=MembershipStatus.ACTIVE)
    finally:
        connection.set_schema_to_public()


def measure(
    tag: str, samples: dict[str, int], ddl: str | None
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Interleaved samples of every path; each new association is removed after its sample.
    Returns the timings (ms) per path and the relation count of one schema per path."""
    from django.db import connection

    from tenants.address import schema_name_for
    from tenants.schemas import template_schema_name

    paths: dict[str, Callable[[str], None]] = {
        "clone": provision_by_clone,
        "migrations": provision_by_migrations,
    }
    if ddl is not None:
        paths["ddl"] = lambda slug: provision_by_ddl(slug, ddl)
    timings: dict[str, list[float]] = {name: [] for name in paths}
    relations = {"template": _relations(template_schema_name())}
    for i in range(WARMUP + max(samples[name] for name in paths)):
        if i % VACUUM_EVERY == 0:
            catalog_vacuum()
        for name, provision in paths.items():
            if i >= WARMUP + samples[name]:
                continue
            slug = f"{BENCH_PREFIX}{name[0]}{tag}-{i}"
            elapsed = timed(lambda slug=slug, provision=provision: provision(slug))
            if i >= WARMUP:
                timings[name].append(elapsed)
            relations[name] = _relations(schema_name_for(slug))
            associations_drop([slug])
        connection.set_schema_to_public()
    return timings, relations


def run(quick: bool = False) -> Report:
    plan = QUICK if quick else FULL
    started = time.perf_counter()
    ddl = template_ddl()
    paths = [name for name in plan.samples if name != "ddl" or ddl is not None]
    report = Report(
        title="B1 — provisioning an association",
        description=(
            "Wall time of one provisioning (association row, domain, schema, first board "
            "membership) by cloning `tenant_template` (the product's path) vs by running the "
            "tenant migrations on an empty schema"
            + (" vs by replaying the template's DDL (informative)" if ddl else "")
            + "; per level "
            + ", ".join(f"{plan.samples[name]} {LABELS[name].lower()}" for name in paths)
            + f" samples, after {WARMUP} warm-up samples per path and pass; the small level is "
            "measured in two passes, before and after the large one; nearest-rank percentiles."
        ),
    )
    results: dict[int, dict[str, list[float]]] = {plan.small: {}, plan.large: {}}
    relations: dict[str, int] = {}

    def measure_level(level: int, tag: str, share: float) -> None:
        wanted = {name: max(1, round(count * share)) for name, count in plan.samples.items()}
        print(f"  B1: {associations_present()} associations present, measuring…", flush=True)
        timings, found = measure(tag, wanted, ddl)
        relations.update(found)
        for name, values in timings.items():
            results[level].setdefault(name, []).extend(values)

    def build(start: int, stop: int) -> None:
        build_started = time.perf_counter()
        prebuild(start, stop, ddl)
        seconds = time.perf_counter() - build_started
        report.notes.append(
            f"Built {stop - start} pre-existing associations in {seconds:.1f} s "
            f"({seconds * 1000 / max(stop - start, 1):.0f} ms each, {SCHEMA_BATCH} per "
            f"transaction, schemas by {'DDL replay' if ddl else 'the clone function'}); "
            f"{associations_present()} associations present."
        )

    build(0, plan.small)
    measure_level(plan.small, f"{plan.small}a", 0.5)
    build(plan.small, plan.large)
    measure_level(plan.large, f"{plan.large}", 1.0)
    teardown_started = time.perf_counter()
    unbuild(plan.small, plan.large)
    report.notes.append(
        f"Dropped {plan.large - plan.small} of them again in "
        f"{time.perf_counter() - teardown_started:.1f} s to measure the small level's 2nd pass."
    )
    measure_level(plan.small, f"{plan.small}b", 0.5)
    unbuild(0, plan.small)
    report.notes.append(
        "Relations per schema: "
        + ", ".join(f"{LABELS.get(name, name).lower()} {n}" for name, n in relations.items())
        + " (every path builds the same schema)."
    )

    for level in (plan.small, plan.large):
        p50 = {name: percentile(values, 50) for name, values in results[level].items()}
        report.add(f"Clone p50 @ {level}", ms(p50["clone"]), f"≤ {CLONE_P50_TARGET_MS:.0f} ms",
                   p50["clone"] <= CLONE_P50_TARGET_MS)
        report.add(f"Clone p95 @ {level}", ms(percentile(results[level]["clone"], 95)))
        for name in paths[1:]:
            report.add(f"{LABELS[name]} p50 @ {level}", ms(p50[name]))
            report.add(f"{LABELS[name]} p95 @ {level}", ms(percentile(results[level][name], 95)))
        speedup = p50["migrations"] / p50["clone"]
        report.add(f"Migrations p50 ÷ clone p50 @ {level}", f"{speedup:.2f}×",
                   f"≥ {SPEEDUP_TARGET:.0f}×", speedup >= SPEEDUP_TARGET)
        if "ddl" in p50:
            report.add(f"Migrations p50 ÷ DDL replay p50 @ {level}",
                       f"{p50['migrations'] / p50['ddl']:.2f}×")
    growth = percentile(results[plan.large]["clone"], 50) / percentile(
        results[plan.small]["clone"], 50
    )
    report.add(f"Clone p50 @ {plan.large} ÷ clone p50 @ {plan.small}", f"{growth:.2f}×",
               f"≤ {GROWTH_TARGET}×", growth <= GROWTH_TARGET)
    if "ddl" in paths:
        ddl_growth = percentile(results[plan.large]["ddl"], 50) / percentile(
            results[plan.small]["ddl"], 50
        )
        report.add(f"DDL replay p50 @ {plan.large} ÷ @ {plan.small}", f"{ddl_growth:.2f}×")
    report.seconds = time.perf_counter() - started
    return report
