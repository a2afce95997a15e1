"""B5 — digest fan-out: the daily digest task for 1,000 members of one association.

Members and their notifications (three each, of daily-digest categories, one of them in a
private space the member belongs to) are bulk-created; the task function runs in this process
in the association's schema, emails going to Django's in-memory backend. Run for 250, 500 and
1,000 members to check the time grows linearly with the number of members.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "platform"),
                    str(Path(__file__).resolve().parents[1])]

from bench.common import Report, associations_drop, bench_owner  # noqa: E402

SLUG = "bench-digest"
USER_DOMAIN = "bench-digest.invalid"
TOTAL_TARGET_S = 60.0
LINEARITY_TARGET = 1.5  # seconds per member at the largest size vs the smallest


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    per_member: int
    repeats: int  # runs per size (the fastest counts: less noise from the machine)


FULL = Plan(sizes=(250, 500, 1000), per_member=3, repeats=3)
QUICK = Plan(sizes=(250, 500, 1000), per_member=3, repeats=1)


def users_drop() -> None:
    from tenants.accounts.models import User

    User.objects.filter(email__endswith=f"@{USER_DOMAIN}").delete()


def populate(members: int) -> tuple[object, list[int], int]:
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from shared_apps.members.models import Membership, MembershipStatus, Role
    from shared_apps.spaces.models import (
        Space,
        SpaceMembership,
        SpaceMembershipStatus,
        Visibility,
    )
    from tenants.accounts.models import User
    from tenants.services import association_provision

    association = association_provision(name="Bench digest", slug=SLUG, owner=bench_owner())
    users = User.objects.bulk_create([
        User(email=f"m{n}@{USER_DOMAIN}", full_name=f"Membre {n}", password="!",
             language="en" if n % 3 == 0 else "")
        for n in range(members)
    ], batch_size=1000)
    user_ids = [u.pk for u in users]
    with tenant_context(association):
        Membership.objects.bulk_create([
            Membership(user_id=pk, role=Role.MEMBER, status=MembershipStatus.ACTIVE,
                       activated_at=timezone.now())
            for pk in user_ids
        ], batch_size=1000)
        space = Space.objects.create(name="Bureau", slug="bureau",
                                     visibility=Visibility.PRIVATE)
        SpaceMembership.objects.bulk_create([
            SpaceMembership(space=space, user_id=pk, status=SpaceMembershipStatus.ACTIVE)
            for pk in user_ids
        ], batch_size=1000)
    from django.db import connection

    connection.set_schema_to_public()
    return association, user_ids, space.pk


def notifications_for(user_ids: list[int], per_member: int, space_id: int) -> None:
    from shared_apps.notifications.models import Category, Notification

    rng = random.Random(5)
    kinds = [Category.ANNOUNCEMENT, Category.MEMBERS]
    Notification.objects.bulk_create([
        Notification(
            user_id=pk, category=kinds[i % 2], text=f"Annonce {i} : assemblée générale",
            url=f"/news/{rng.randint(1, 500)}/", space_id=space_id if i == 0 else None,
        )
        for pk in user_ids for i in range(per_member)
    ], batch_size=5000)


def run(quick: bool = False) -> Report:
    from django.core import mail
    from django.db import connection
    from django.test.utils import override_settings
    from django_tenants.utils import tenant_context

    from shared_apps.notifications.models import Notification
    from shared_apps.notifications.tasks import notifications_digest_daily

    plan = QUICK if quick else FULL
    started = time.perf_counter()
    largest = max(plan.sizes)
    report = Report(
        title="B5 — digest fan-out",
        description=(
            f"`notifications_digest_daily` run directly in one association's schema for "
            f"{', '.join(f'{s:,}' for s in plan.sizes)} members, {plan.per_member} pending "
            "notifications each (daily-digest categories; one in a private space the member "
            "belongs to), one email per member (HTML and text, unsubscribe headers) to Django's "
            f"in-memory email backend; best of {plan.repeats} run(s) per size."
        ),
    )
    associations_drop([SLUG])
    users_drop()
    seconds: dict[int, float] = {}
    try:
        association, user_ids, space_id = populate(largest)
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ):
            for size in plan.sizes:
                best = float("inf")
                for _ in range(plan.repeats):
                    with tenant_context(association):
                        Notification.objects.all().delete()
                        notifications_for(user_ids[:size], plan.per_member, space_id)
                        mail.outbox = []
                        start = time.perf_counter()
                        sent = notifications_digest_daily()
                        elapsed = time.perf_counter() - start
                    if sent != size or len(mail.outbox) != size:
                        raise RuntimeError(f"{size} members: {sent} digests, "
                                           f"{len(mail.outbox)} emails")
                    best = min(best, elapsed)
                seconds[size] = best
                report.add(f"{size:,} members: worker time", f"{best:.2f} s "
                           f"({best / size * 1000:.2f} ms per member)")
            sample = mail.outbox[0]
        connection.set_schema_to_public()
        total = seconds[largest]
        report.add(f"Total worker time for {largest:,} members", f"{total:.2f} s",
                   f"≤ {TOTAL_TARGET_S:.0f} s", total <= TOTAL_TARGET_S)
        smallest = min(plan.sizes)
        ratio = (seconds[largest] / largest) / (seconds[smallest] / smallest)
        report.add(f"Time per member, {largest:,} vs {smallest:,} members", f"{ratio:.2f}×",
                   f"≤ {LINEARITY_TARGET}× (linear)", ratio <= LINEARITY_TARGET)
        report.add(f"Time ratio {largest:,} / {smallest:,} members",
                   f"{seconds[largest] / seconds[smallest]:.2f} (linear: "
                   f"{largest / smallest:.0f})")
        report.notes.append(
            f"Sample email: subject “{sample.subject}”, {len(sample.body)} characters of text, "
            f"headers {sorted(sample.extra_headers)}."
        )
    finally:
        associations_drop([SLUG])
        users_drop()
    report.seconds = time.perf_counter() - started
    return report
