"""Reminders the day before a poll or survey closes: to those who have not answered, once per
deadline, never to another association; and the hourly beat entries that send them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.notifications.models import Category, Notification
from shared_apps.polls import services as polls
from shared_apps.polls.models import Poll, PollKind
from shared_apps.polls.tasks import polls_deadline_reminders_all
from shared_apps.spaces.models import Visibility
from shared_apps.surveys import services as surveys
from shared_apps.surveys.models import Survey
from shared_apps.surveys.tasks import surveys_deadline_reminders_all

from .test_polls import ALPHA_KEYS, ask, date_poll, make_space, option_ids, uid
from .test_surveys import create as create_survey
from .test_surveys import respond
from .world import World

pytestmark = pytest.mark.usefixtures("english")


def reminded(text_start: str) -> list[int]:
    """Who got a reminder (their user ids, sorted)."""
    return sorted(Notification.objects.filter(
        category=Category.POLLS, text__startswith=text_start
    ).values_list("user_id", flat=True))


def age(model: type[Poll] | type[Survey], pk: int, field: str, days: float) -> None:
    """Pretend the poll or survey was opened `days` ago."""
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(days=days)})


def test_a_poll_reminds_those_who_have_not_voted_once(world: World):
    with tenant_context(world.alpha):
        poll = ask(world, deadline=timezone.now() + timedelta(hours=20))
        age(Poll, poll.pk, "created_at", 3)
        polls.vote_cast(poll=poll, user_id=uid(world, "amir"), choices=option_ids(poll)[:1])
        assert polls.deadline_reminders_send() == 3
        expected = sorted(uid(world, k) for k in ALPHA_KEYS if k not in ("alice", "amir"))
        assert reminded("Last day to vote") == expected
        # Each reminder carries the member's own vote link.
        links = Notification.objects.filter(text__startswith="Last day to vote")
        assert all(n.url.startswith("/polls/vote/") for n in links)
        assert len({n.url for n in links}) == 3
        # Idempotent: the next hourly run sends nothing.
        assert polls.deadline_reminders_send() == 0
        # A new deadline gets its own reminder.
        polls.poll_update(poll=poll, question=poll.question,
                          deadline=timezone.now() + timedelta(hours=10))
        assert polls.deadline_reminders_send() == 3


def test_a_poll_is_not_reminded_too_early_too_late_or_when_short_or_closed(world: World):
    with tenant_context(world.alpha):
        far = ask(world, question="Far", deadline=timezone.now() + timedelta(days=3))
        short = ask(world, question="Short", deadline=timezone.now() + timedelta(hours=20))
        closed = ask(world, question="Closed", deadline=timezone.now() + timedelta(hours=20))
        endless = ask(world, question="Endless")
        for poll in (far, closed, endless):
            age(Poll, poll.pk, "created_at", 3)
        assert short.deadline - short.created_at < polls.REMIND_BEFORE
        polls.poll_close(poll=closed)
        assert polls.deadline_reminders_send() == 0
        # Two days later the far one is due.
        later = timezone.now() + timedelta(days=2, hours=1)
        assert polls.deadline_reminders_send(now=later) == len(ALPHA_KEYS) - 1


def test_a_date_poll_reminder_asks_when_one_can_come(world: World):
    with tenant_context(world.alpha):
        poll = date_poll(world)
        Poll.objects.filter(pk=poll.pk).update(
            deadline=timezone.now() + timedelta(hours=5),
            created_at=timezone.now() - timedelta(days=2),
        )
        assert poll.kind == PollKind.DATE
        assert polls.deadline_reminders_send() == len(ALPHA_KEYS) - 1
        assert reminded("Last day to say when you can come")


def test_a_poll_in_a_space_reminds_only_its_members(world: World):
    with tenant_context(world.alpha):
        space = make_space(world, "garden", Visibility.PRIVATE, ["alice", "agnes", "amir"])
        poll = ask(world, space=space, deadline=timezone.now() + timedelta(hours=3))
        age(Poll, poll.pk, "created_at", 2)
        assert polls.deadline_reminders_send() == 2
        assert reminded("Last day to vote") == sorted(uid(world, k) for k in ("agnes", "amir"))


def test_a_survey_reminds_those_who_have_not_responded_once(world: World):
    with tenant_context(world.alpha):
        survey = create_survey(world, closes_at=timezone.now() + timedelta(hours=12))
        age(Survey, survey.pk, "opened_at", 5)
        respond(world, survey, "agnes")
        assert surveys.deadline_reminders_send() == 3
        expected = sorted(uid(world, k) for k in ALPHA_KEYS if k not in ("alice", "agnes"))
        assert reminded("Last day to respond") == expected
        assert surveys.deadline_reminders_send() == 0
        # A draft, a survey opened an hour ago, or one closed by hand: no reminder.
        draft = create_survey(world, title="Draft", open_now=False,
                              closes_at=timezone.now() + timedelta(hours=12))
        fresh = create_survey(world, title="Fresh", closes_at=timezone.now() + timedelta(hours=12))
        shut = create_survey(world, title="Shut", closes_at=timezone.now() + timedelta(hours=12))
        age(Survey, shut.pk, "opened_at", 5)
        surveys.survey_close(survey=shut)
        assert draft.is_draft and fresh.pk
        assert surveys.deadline_reminders_send() == 0
        # Moving the deadline resets the reminder (from the instance loaded before the reminder
        # went out: the update reads the row again, so it keeps when the survey was opened).
        surveys.survey_update(survey=survey, title=survey.title, introduction="",
                              results_to_respondents=False,
                              closes_at=timezone.now() + timedelta(hours=6))
        assert surveys.deadline_reminders_send() == 3


def test_the_hourly_tasks_remind_in_each_association_and_never_across(world: World):
    from tenants.models import Association

    # Each association's reminders are written in its own language (beta: French).
    Association.objects.filter(pk=world.beta.pk).update(language="fr")
    with tenant_context(world.alpha):
        poll = ask(world, question="Alpha poll", deadline=timezone.now() + timedelta(hours=8))
        age(Poll, poll.pk, "created_at", 2)
        survey = create_survey(world, title="Alpha survey",
                               closes_at=timezone.now() + timedelta(hours=8))
        age(Survey, survey.pk, "opened_at", 2)
    with tenant_context(world.beta):
        beta_poll = ask(world, "bob", question="Beta poll",
                        deadline=timezone.now() + timedelta(hours=8))
        age(Poll, beta_poll.pk, "created_at", 2)
    connection.set_schema_to_public()
    # Alpha: 5 members but the author; beta: 5 members but the author.
    assert polls_deadline_reminders_all() == 4 + 4
    assert surveys_deadline_reminders_all() == 4
    with tenant_context(world.alpha):
        assert {n.text for n in Notification.objects.filter(text__startswith="Last day")} == {
            "Last day to vote: Alpha poll", "Last day to respond: Alpha survey"}
    with tenant_context(world.beta):  # in French, beta's language
        texts = {n.text for n in Notification.objects.filter(text__startswith="Dernier jour")}
        assert texts == {"Dernier jour pour voter\u00a0: Beta poll"}
        assert set(Notification.objects.filter(text__startswith="Dernier jour")
                   .values_list("user_id", flat=True)) == {
            uid(world, k) for k in ("berta", "boris", "bella", "sam")}
        assert not Notification.objects.filter(text__contains="Alpha").exists()
    connection.set_schema_to_public()
    assert polls_deadline_reminders_all() == 0 and surveys_deadline_reminders_all() == 0


def test_read_only_associations_get_no_poll_or_survey_reminders(world: World):
    from tenants.models import Association, AssociationStatus

    with tenant_context(world.beta):
        poll = ask(world, "bob", question="Beta poll", deadline=timezone.now() + timedelta(hours=8))
        age(Poll, poll.pk, "created_at", 2)
    Association.objects.filter(pk=world.beta.pk).update(status=AssociationStatus.READ_ONLY)
    connection.set_schema_to_public()
    assert polls_deadline_reminders_all() == 0  # members there cannot vote
    with tenant_context(world.beta):
        assert Poll.objects.get(pk=poll.pk).reminded_at is None


def test_every_beat_entry_names_a_registered_task():
    from cercle.celery import app
    from django.conf import settings

    app.loader.import_default_modules()
    registered = set(app.tasks)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in registered, name
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "shared_apps.polls.tasks.polls_deadline_reminders_all" in tasks
    assert "shared_apps.surveys.tasks.surveys_deadline_reminders_all" in tasks
