"""B8 — page rendering: every main workspace page, server time, against ui.md's budget.

One association with a few hundred members and a season of content, written through the
features' own services (as members would): spaces, announcements, discussions with replies,
events (some weekly), polls, surveys and field feedback. Each page — the lists and one detail
page of each kind — is requested in this process through Django's handler (no HTTP, no
network) by a board member (who sees everything) and by a member of a few spaces; the
figure is the slower of the two. ui.md: "Pages render on the server in ≤ 50 ms."
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta

from bench.common import Report, associations_drop, bench_owner, ms, percentile

SLUG = "bench-pages"
USER_DOMAIN = "bench-pages.invalid"
P95_TARGET_MS = 50.0


@dataclass(frozen=True)
class Plan:
    members: int
    spaces: int
    announcements: int
    threads: int
    replies: int  # per thread
    events: int
    polls: int
    surveys: int
    feedback: int
    requests: int  # timed per page and member, after WARMUP


FULL = Plan(members=300, spaces=12, announcements=120, threads=60, replies=10, events=60,
            polls=25, surveys=10, feedback=120, requests=40)
QUICK = Plan(members=100, spaces=6, announcements=30, threads=15, replies=5, events=15,
             polls=6, surveys=3, feedback=30, requests=8)
WARMUP = 3


def users_drop() -> None:
    from tenants.accounts.models import User

    User.objects.filter(email__endswith=f"@{USER_DOMAIN}").delete()


def populate(plan: Plan) -> tuple[object, dict[str, int], dict[str, str]]:
    """The association and its content; returns (association, {"board", "member"} user ids,
    {label: detail page URL})."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from shared_apps.discussions.services import message_reply, thread_create
    from shared_apps.events.recurrence import Freq, Recurrence
    from shared_apps.events.services import event_create
    from shared_apps.feedback.models import ItemKind
    from shared_apps.feedback.services import item_report, theme_create
    from shared_apps.members.models import Membership, MembershipStatus, Role
    from shared_apps.news.services import announcement_publish
    from shared_apps.polls.models import PollKind
    from shared_apps.polls.services import poll_create
    from shared_apps.spaces.models import SpaceMembership, SpaceMembershipStatus, Visibility
    from shared_apps.spaces.selectors import space_default
    from shared_apps.spaces.services import space_create
    from shared_apps.surveys.models import QuestionKind
    from shared_apps.surveys.services import QuestionSpec, survey_create
    from tenants.accounts.models import User
    from tenants.services import association_provision

    rng = random.Random(8)
    owner = bench_owner()
    association = association_provision(name="Bench pages", slug=SLUG, owner=owner)
    users = User.objects.bulk_create([
        User(email=f"m{n}@{USER_DOMAIN}", full_name=f"Membre {n}", password="!")
        for n in range(plan.members - 1)
    ], batch_size=1000)
    ids = [u.pk for u in users]
    now = timezone.now()
    urls: dict[str, str] = {}
    with tenant_context(association):
        Membership.objects.bulk_create([
            Membership(user_id=pk, role=Role.STAFF if n < 3 else Role.MEMBER,
                       status=MembershipStatus.ACTIVE, activated_at=now)
            for n, pk in enumerate(ids)
        ], batch_size=1000)
        staff, member = ids[0], ids[10]
        everyone = space_default()
        kinds = [Visibility.OPEN, Visibility.ON_REQUEST, Visibility.PRIVATE]
        spaces = [
            space_create(actor_id=owner.pk, name=f"Groupe {n}", visibility=kinds[n % 3],
                         description="Un groupe de travail de l’association.",
                         moderator_user_ids=[staff])
            for n in range(plan.spaces)
        ]
        rows = set()
        for pk in ids[3:]:
            for space in rng.sample(spaces, min(3, len(spaces))):
                rows.add((space.pk, pk))
        rows |= {(space.pk, member) for space in spaces[:3]}
        SpaceMembership.objects.bulk_create([
            SpaceMembership(space_id=s, user_id=u, status=SpaceMembershipStatus.ACTIVE)
            for s, u in rows
        ], batch_size=5000, ignore_conflicts=True)
        where = [everyone, *spaces]
        for n in range(plan.announcements):
            announcement = announcement_publish(
                author_id=staff, space=where[n % len(where)], pinned=n == 0,
                title=f"Annonce {n} : réunion des bénévoles",
                body="Ordre du jour : **budget**, fête de quartier, permanences. " * 5,
            )
            if n == 0:  # the detail pages measured: things every member can see
                urls["announcement"] = f"/news/{announcement.pk}/"
        for n in range(plan.threads):
            thread = thread_create(space=spaces[n % len(spaces)], author_id=staff,
                                   title=f"Sujet {n} : organisation du stand",
                                   body="Qui est disponible samedi matin ?")
            for r in range(plan.replies):
                message_reply(thread=thread, author_id=ids[3 + (n * plan.replies + r) % 50],
                              body=f"Réponse {r} : je peux venir de 9 h à 11 h.")
            if n == 0:
                urls["thread"] = f"/discussions/t/{thread.pk}/"
        for n in range(plan.events):
            start = (now + timedelta(days=n % 45, hours=n % 5)).replace(minute=0, second=0,
                                                                       microsecond=0)
            event = event_create(
                author_id=staff, space=where[n % len(where)], title=f"Événement {n}",
                starts_at=start, ends_at=start + timedelta(hours=2),
                location="Maison des associations", capacity=30 if n % 3 == 0 else None,
                recurrence=Recurrence(freq=Freq.WEEKLY, count=10) if n % 6 == 0 else None,
                invite=False,
            )
            if n == 0:
                urls["event"] = f"/events/{event.pk}/"
        for n in range(plan.polls):
            poll = poll_create(
                author_id=staff, space=where[n % len(where)], kind=PollKind.SINGLE,
                question=f"Sondage {n} : quel thème pour la fête ?",
                options=["Les années 80", "Le tour du monde", "Le cirque"],
                deadline=now + timedelta(days=10),
            )
            if n == 0:
                urls["poll"] = f"/polls/{poll.pk}/"
        for n in range(plan.surveys):
            survey = survey_create(
                author_id=staff, space=everyone, title=f"Enquête {n}", open_now=True,
                introduction="Cinq minutes pour nous aider.",
                questions=[
                    QuestionSpec(kind=QuestionKind.SCALE, label="Satisfaction", required=True,
                                 scale_min=1, scale_max=5),
                    QuestionSpec(kind=QuestionKind.MULTIPLE, label="Activités",
                                 choices=["Jardin", "Devoirs", "Repair café"]),
                    QuestionSpec(kind=QuestionKind.LONG_TEXT, label="Une idée ?"),
                ],
            )
            if n == 0:
                urls["survey"] = f"/surveys/{survey.pk}/"
        theme = theme_create(name="Local et matériel")
        for n in range(plan.feedback):
            item = item_report(
                reporter_id=ids[3 + n % 100], kind=ItemKind.PROBLEM, theme_id=theme.pk,
                title=f"Remontée {n} : le chauffage du local",
                description="La salle du fond reste froide pendant les permanences.",
            )
        urls["feedback item"] = f"/feedback/{item.item.pk}/"
        urls["space"] = f"/spaces/{spaces[0].slug}/"
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.set_schema_to_public()
    return association, {"board": owner.pk, "member": member}, urls


PAGES = {
    "home (feed)": "/", "spaces": "/spaces/", "news": "/news/", "discussions": "/discussions/",
    "documents": "/documents/", "events": "/events/", "polls": "/polls/",
    "surveys": "/surveys/", "feedback": "/feedback/", "members": "/members/",
    "notifications": "/notifications/", "me": "/me/", "search": "/search/?q=réunion",
}


def measure(association: object, users: dict[str, int], urls: dict[str, str],
            requests: int) -> dict[str, tuple[list[float], set[int]]]:
    """Per page: server times (ms) of both members, and the query counts seen."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from tenants.accounts.models import User

    pages = {**PAGES, **{f"{label} (detail)": url for label, url in urls.items()}}
    results: dict[str, tuple[list[float], set[int]]] = {p: ([], set()) for p in pages}
    for who, user_id in users.items():
        client = Client(HTTP_HOST=association.host, HTTP_ACCEPT_LANGUAGE="fr")
        with tenant_context(association):
            client.force_login(User.objects.get(pk=user_id))
        connection.set_schema_to_public()
        for label, url in pages.items():
            if who == "member" and label == "feedback item (detail)":
                continue  # a board page: members see their own reports only
            for _ in range(WARMUP):
                response = client.get(url)
                assert response.status_code == 200, (who, url, response.status_code)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            results[label][1].add(len(ctx.captured_queries))
            for _ in range(requests):
                start = time.perf_counter()
                client.get(url)
                results[label][0].append((time.perf_counter() - start) * 1000)
    return results


def run(quick: bool = False) -> Report:
    plan = QUICK if quick else FULL
    started = time.perf_counter()
    report = Report(
        title="B8 — page rendering",
        description=(
            f"One association with {plan.members} members, {plan.spaces} spaces, "
            f"{plan.announcements} announcements, {plan.threads} threads of "
            f"{plan.replies} replies, {plan.events} events (one in six weekly), {plan.polls} "
            f"polls, {plan.surveys} surveys and {plan.feedback} feedback items, written "
            "through the services. Each page is requested through Django's handler in this "
            f"process (no HTTP) by a board member and by a member of 3 spaces, {WARMUP} "
            f"warm-up then {plan.requests} timed requests each; the figure is the p95 of both "
            "together (nearest rank); queries counted on one request per member."
        ),
    )
    associations_drop([SLUG])
    users_drop()
    try:
        t0 = time.perf_counter()
        association, users, urls = populate(plan)
        seconds = time.perf_counter() - t0
        report.notes.append(f"Data created through the services in {seconds:.1f} s.")
        results = measure(association, users, urls, plan.requests)
        for label, (times, queries) in results.items():
            p95 = percentile(times, 95)
            report.add(f"{label}: p95 (queries {'–'.join(map(str, sorted(queries)))})",
                       ms(p95), f"≤ {P95_TARGET_MS:.0f} ms", p95 <= P95_TARGET_MS)
    finally:
        associations_drop([SLUG])
        users_drop()
    report.seconds = time.perf_counter() - started
    return report
