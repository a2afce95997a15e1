"""Events services: creation and checks, the permission table, recurrence (weekly, every other
week, monthly by date and by weekday, until/count, daylight saving), exceptions and edits of
one date / the following / all, RSVPs with capacity and waiting list (also under concurrent
answers), deadlines, reminders, cancellations telling those who answered, search index."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.events import policy, services
from shared_apps.events.models import Answer, Event, Occurrence, Reminder, Rsvp
from shared_apps.events.recurrence import Freq, Recurrence
from shared_apps.events.selectors import events_for, occurrences_between
from shared_apps.members.models import Membership
from shared_apps.notifications.models import Activity, Category, Notification
from shared_apps.search.models import Kind, SearchEntry
from shared_apps.spaces.models import Space, SpaceMembership, SpaceRole, Visibility
from shared_apps.spaces.selectors import space_default

from .world import World

pytestmark = pytest.mark.usefixtures("english")

PARIS = ZoneInfo("Europe/Paris")
ALPHA_KEYS = ["alice", "arthur", "agnes", "amir", "sam"]


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def membership(world: World, key: str) -> Membership:
    return Membership.objects.get(user_id=uid(world, key))


def make_space(world: World, slug: str, visibility: str, members: list[str],
               moderators: tuple[str, ...] = ()) -> Space:
    space = Space.objects.create(name=slug.capitalize(), slug=slug, visibility=visibility)
    for key in members:
        SpaceMembership.objects.create(
            space=space, user_id=uid(world, key),
            role=SpaceRole.MODERATOR if key in moderators else SpaceRole.MEMBER,
        )
    return space


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def soon(days: float = 7, hour: int = 19) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS)


def create(world: World, key: str = "alice", space: Space | None = None, **kwargs: object) -> Event:
    start = kwargs.pop("starts_at", soon())
    defaults = {"title": "Repair café", "starts_at": start,
                "ends_at": kwargs.pop("ends_at", start + timedelta(hours=2))}
    return services.event_create(author_id=uid(world, key), space=space or space_default(),
                                 **{**defaults, **kwargs})


def starts(event: Event, start: datetime, end: datetime) -> list[datetime]:
    return [i.starts_at for i in occurrences_between(
        events=Event.objects.filter(pk=event.pk), start=start, end=end)]


# --- Creation ----------------------------------------------------------------------------------


def test_create_event_stores_times_in_the_association_zone_and_records_everything(world: World):
    with tenant_context(world.alpha):
        event = create(world, description="Bring **tools** <script>x()</script>",
                       location="12 rue des Lilas", capacity=10)
        assert event.time_zone == "Europe/Paris"
        assert event.description_html == "<p>Bring <strong>tools</strong> </p>"
        assert Activity.objects.filter(verb="events.created", target_id=event.pk).exists()
        entry = SearchEntry.objects.get(kind=Kind.EVENT, object_id=event.pk)
        assert entry.title == "Repair café" and entry.space_id == event.space_id
        assert "12 rue des Lilas" in entry.body
        invited = set(Notification.objects.filter(category=Category.EVENTS)
                      .values_list("user_id", flat=True))
        assert uid(world, "amir") in invited and uid(world, "alice") not in invited


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"title": " "}, "title"),
    ({"ends_at": soon() - timedelta(hours=1)}, "ends_at"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"capacity": 0}, "capacity"),
    ({"rsvp_deadline": soon() + timedelta(days=1)}, "rsvp_deadline"),
    ({"starts_at": datetime(2030, 1, 1, 19), "ends_at": datetime(2030, 1, 1, 21)}, "starts_at"),
    ({"recurrence": Recurrence(freq=Freq.WEEKLY)}, "recurrence"),
    ({"recurrence": Recurrence(freq=Freq.WEEKLY, count=1000)}, "recurrence"),
])
def test_bad_input_is_refused_and_nothing_is_made(world: World, kwargs: dict, field: str):
    with tenant_context(world.alpha):
        before = Event.objects.count()
        with pytest.raises(ValidationError) as error:
            create(world, **kwargs)
        assert field in error.value.message_dict
        assert Event.objects.count() == before
        assert not SearchEntry.objects.filter(kind=Kind.EVENT).exists()


def test_all_day_runs_from_local_midnight_to_midnight(world: World):
    with tenant_context(world.alpha):
        event = create(world, all_day=True, starts_at=paris(2030, 6, 1, 10),
                       ends_at=paris(2030, 6, 2, 10))
        assert event.starts_at == paris(2030, 6, 1) and event.ends_at == paris(2030, 6, 3)


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "allowed"), [
    ("alice", True), ("arthur", True), ("agnes", False), ("amir", False), ("sam", False),
])
def test_who_creates_events_for_everyone(world: World, key: str, allowed: bool):
    with tenant_context(world.alpha):
        assert policy.can_create_event_in(membership(world, key), space_default()) is allowed


def test_moderators_create_in_their_space_only(world: World):
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir"], ("agnes",))
        other = make_space(world, "other", Visibility.OPEN, ["agnes"])
        agnes = membership(world, "agnes")
        assert policy.can_create_event_in(agnes, garden)
        assert not policy.can_create_event_in(agnes, other)
        assert not policy.can_create_event_in(membership(world, "amir"), garden)
        assert policy.can_create_event_in(membership(world, "arthur"), garden)
        garden.archived_at = timezone.now()
        assert not policy.can_create_event_in(agnes, garden)


@pytest.mark.parametrize(("key", "manage", "attendees_private"), [
    ("alice", True, True), ("arthur", True, False), ("agnes", True, True),
    ("amir", False, False), ("sam", False, False),
])
def test_role_table_for_an_event(world: World, key: str, manage: bool, attendees_private: bool):
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir", "sam"],
                            ("agnes",))
        event = create(world, "agnes", garden, attendees_visibility="organisers")
        m = membership(world, key)
        # Arthur (staff) manages every space's events but is not "board" for attendees:
        # he sees them as an organiser.
        assert policy.can_manage_event(m, event) is manage
        assert policy.can_check_in(m, event) is manage
        assert policy.can_view_attendees(m, event) is (manage or attendees_private)
        assert policy.can_rsvp(m, event)


def test_private_space_events_are_invisible_to_non_members(world: World):
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ("agnes",))
        event = create(world, "agnes", secret)
        assert events_for(user_id=uid(world, "agnes")).filter(pk=event.pk).exists()
        assert not events_for(user_id=uid(world, "amir")).filter(pk=event.pk).exists()
        invited = Notification.objects.filter(category=Category.EVENTS,
                                              url__contains="/events/answer/")
        assert uid(world, "amir") not in set(invited.values_list("user_id", flat=True))


# --- Recurrence --------------------------------------------------------------------------------


def test_weekly_keeps_19h_across_both_daylight_saving_changes(world: World):
    with tenant_context(world.alpha):
        # Tuesdays around the last Sunday of March 2030 (31st) and of October (27th).
        event = create(world, starts_at=paris(2030, 3, 19, 19), ends_at=paris(2030, 3, 19, 21),
                       recurrence=Recurrence(freq=Freq.WEEKLY, until=date(2030, 11, 5)))
        dates = starts(event, paris(2030, 3, 1), paris(2030, 12, 1))
        assert all(d.astimezone(PARIS).hour == 19 for d in dates)
        assert dates[0] == paris(2030, 3, 19, 19) and dates[-1] == paris(2030, 11, 5, 19)
        utc_hours = {d.astimezone(ZoneInfo("UTC")).hour for d in dates}
        assert utc_hours == {17, 18}  # summer and winter time
        assert event.rrule == "FREQ=WEEKLY;BYDAY=TU"


def test_every_other_week_with_a_count(world: World):
    with tenant_context(world.alpha):
        event = create(world, starts_at=paris(2030, 3, 18, 9), ends_at=paris(2030, 3, 18, 10),
                       recurrence=Recurrence(freq=Freq.WEEKLY, interval=2, count=4))
        assert starts(event, paris(2030, 1, 1), paris(2031, 1, 1)) == [
            paris(2030, 3, 18, 9), paris(2030, 4, 1, 9), paris(2030, 4, 15, 9),
            paris(2030, 4, 29, 9)]


def test_monthly_by_date_and_by_weekday(world: World):
    with tenant_context(world.alpha):
        by_date = create(world, starts_at=paris(2030, 1, 15, 18),
                         ends_at=paris(2030, 1, 15, 19),
                         recurrence=Recurrence(freq=Freq.MONTHLY_DATE, count=3))
        assert [d.date() for d in starts(by_date, paris(2030, 1, 1), paris(2031, 1, 1))] == [
            date(2030, 1, 15), date(2030, 2, 15), date(2030, 3, 15)]
        # 2nd Tuesday: 8 Jan 2030, 12 Feb, 12 Mar, 9 Apr.
        second_tuesday = create(world, starts_at=paris(2030, 1, 8, 20),
                                ends_at=paris(2030, 1, 8, 22),
                                recurrence=Recurrence(freq=Freq.MONTHLY_WEEKDAY,
                                                      until=date(2030, 4, 30)))
        assert second_tuesday.rrule == "FREQ=MONTHLY;BYDAY=+2TU"
        assert [d.date() for d in starts(second_tuesday, paris(2030, 1, 1),
                                         paris(2031, 1, 1))] == [
            date(2030, 1, 8), date(2030, 2, 12), date(2030, 3, 12), date(2030, 4, 9)]


def test_cancel_one_date_is_an_exception(world: World):
    with tenant_context(world.alpha):
        event = create(world, starts_at=soon(1), ends_at=soon(1) + timedelta(hours=1),
                       recurrence=Recurrence(freq=Freq.WEEKLY, count=3))
        second = soon(8)
        services.occurrence_cancel(event=event, original_start=second,
                                   actor_id=uid(world, "alice"))
        items = occurrences_between(events=Event.objects.filter(pk=event.pk),
                                    start=soon(0), end=soon(30))
        assert [(i.starts_at, i.cancelled) for i in items] == [
            (soon(1), False), (second, True), (soon(15), False)]
        with pytest.raises(ValidationError):
            services.occurrence_cancel(event=event, original_start=soon(2),
                                       actor_id=uid(world, "alice"))


def test_edit_one_date_only(world: World):
    with tenant_context(world.alpha):
        event = create(world, starts_at=soon(1), ends_at=soon(1) + timedelta(hours=1),
                       recurrence=Recurrence(freq=Freq.WEEKLY, count=3))
        services.event_update(
            event=event, actor_id=uid(world, "alice"), scope="this", original_start=soon(8),
            title="Special", starts_at=soon(9, 18), ends_at=soon(9, 20),
        )
        items = occurrences_between(events=Event.objects.filter(pk=event.pk),
                                    start=soon(0), end=soon(30))
        assert [(i.starts_at, i.title) for i in items] == [
            (soon(1), "Repair café"), (soon(9, 18), "Special"), (soon(15), "Repair café")]


def test_edit_all_moves_every_date_and_keeps_answers(world: World):
    with tenant_context(world.alpha):
        event = create(world, starts_at=soon(1), ends_at=soon(1) + timedelta(hours=1),
                       recurrence=Recurrence(freq=Freq.WEEKLY, count=3))
        services.rsvp_set(event=event, original_start=soon(8), user_id=uid(world, "amir"),
                          answer=Answer.YES)
        Notification.objects.all().delete()
        services.event_update(event=event, actor_id=uid(world, "alice"), scope="all",
                              title="Repair café", starts_at=soon(1, 20),
                              ends_at=soon(1, 21))
        assert starts(event, soon(0), soon(30)) == [soon(1, 20), soon(8, 20), soon(15, 20)]
        rsvp = Rsvp.objects.get(user_id=uid(world, "amir"))
        assert rsvp.occurrence.original_start == soon(8, 20)
        assert Notification.objects.filter(user_id=uid(world, "amir"),
                                           category=Category.EVENTS).exists()


def test_edit_this_and_following_splits_the_series(world: World):
    with tenant_context(world.alpha):
        event = create(world, starts_at=soon(1), ends_at=soon(1) + timedelta(hours=1),
                       recurrence=Recurrence(freq=Freq.WEEKLY, count=4))
        services.rsvp_set(event=event, original_start=soon(15), user_id=uid(world, "amir"),
                          answer=Answer.YES)
        new = services.event_update(
            event=event, actor_id=uid(world, "alice"), scope="following",
            original_start=soon(8), title="Later", starts_at=soon(8, 20), ends_at=soon(8, 21),
        )
        event.refresh_from_db()
        assert new.pk != event.pk
        assert starts(event, soon(0), soon(60)) == [soon(1)]
        assert starts(new, soon(0), soon(60)) == [soon(8, 20), soon(15, 20), soon(22, 20)]
        moved = Rsvp.objects.get(user_id=uid(world, "amir")).occurrence
        assert moved.event_id == new.pk and moved.original_start == soon(15, 20)


# --- RSVPs -------------------------------------------------------------------------------------


def test_capacity_waiting_list_and_promotion(world: World):
    with tenant_context(world.alpha):
        event = create(world, capacity=1)
        a = services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, "amir"), answer=Answer.YES)
        b = services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, "sam"), answer=Answer.YES)
        c = services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, "agnes"), answer=Answer.YES)
        assert (a.waiting, b.waiting, c.waiting) == (False, True, True)
        Notification.objects.all().delete()
        services.rsvp_set(event=event, original_start=event.starts_at,
                          user_id=uid(world, "amir"), answer=Answer.NO)
        b.refresh_from_db()
        c.refresh_from_db()
        assert not b.waiting and c.waiting  # first come, first served
        told = Notification.objects.get(category=Category.EVENTS)
        assert told.user_id == uid(world, "sam") and "place is free" in told.text


def test_full_without_waiting_list_refuses(world: World):
    with tenant_context(world.alpha):
        event = create(world, capacity=1, waitlist=False)
        services.rsvp_set(event=event, original_start=event.starts_at,
                          user_id=uid(world, "amir"), answer=Answer.YES)
        with pytest.raises(ValidationError, match="full"):
            services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, "sam"), answer=Answer.YES)
        assert not Rsvp.objects.filter(user_id=uid(world, "sam")).exists()
        # "Maybe" is always possible.
        services.rsvp_set(event=event, original_start=event.starts_at,
                          user_id=uid(world, "sam"), answer=Answer.MAYBE)


def test_deadline_cancelled_and_unknown_dates(world: World):
    with tenant_context(world.alpha):
        event = create(world, rsvp_deadline=timezone.now() + timedelta(minutes=1))
        Event.objects.filter(pk=event.pk).update(
            rsvp_deadline=timezone.now() - timedelta(minutes=1))
        event.refresh_from_db()
        with pytest.raises(ValidationError, match="closed"):
            services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, "amir"), answer=Answer.YES)
        other = create(world)
        with pytest.raises(ValidationError, match="no date"):
            services.rsvp_set(event=other, original_start=other.starts_at + timedelta(days=1),
                              user_id=uid(world, "amir"), answer=Answer.YES)
        with pytest.raises(ValidationError):
            services.rsvp_set(event=other, original_start=other.starts_at,
                              user_id=uid(world, "amir"), answer="perhaps")
        services.event_cancel(event=other, actor_id=uid(world, "alice"))
        with pytest.raises(ValidationError, match="cancelled"):
            services.rsvp_set(event=other, original_start=other.starts_at,
                              user_id=uid(world, "amir"), answer=Answer.YES)
        assert not Rsvp.objects.exists()


def test_rsvps_are_per_date(world: World):
    with tenant_context(world.alpha):
        event = create(world, capacity=1, waitlist=False, starts_at=soon(1),
                       ends_at=soon(1) + timedelta(hours=1),
                       recurrence=Recurrence(freq=Freq.WEEKLY, count=2))
        services.rsvp_set(event=event, original_start=soon(1), user_id=uid(world, "amir"),
                          answer=Answer.YES)
        services.rsvp_set(event=event, original_start=soon(8), user_id=uid(world, "sam"),
                          answer=Answer.YES)
        assert Occurrence.objects.filter(event=event).count() == 2


def test_concurrent_answers_never_exceed_capacity(committed):  # noqa: ANN001
    from . import conftest

    world = conftest._WORLD  # committed data: no test transaction around this test
    with tenant_context(world.alpha):
        event = create(world, capacity=2, invite=False)
        users = [uid(world, k) for k in ALPHA_KEYS]
    barrier = threading.Barrier(len(users))
    errors: list[BaseException] = []

    def answer(user_id: int) -> None:
        try:
            with tenant_context(world.alpha):
                barrier.wait()
                services.rsvp_set(event=event, original_start=event.starts_at,
                                  user_id=user_id, answer=Answer.YES)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=answer, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with tenant_context(world.alpha):
        try:
            assert errors == []
            rows = Rsvp.objects.filter(occurrence__event=event)
            assert rows.count() == len(users)
            assert rows.filter(waiting=False).count() == 2
            assert rows.filter(waiting=True).count() == len(users) - 2
        finally:
            services.event_delete(event=event)
            Activity.objects.all().delete()


# --- Cancel / move / reminders / index ------------------------------------------------------


def test_cancelling_tells_those_who_answered_and_unindexes(world: World):
    with tenant_context(world.alpha):
        event = create(world)
        services.rsvp_set(event=event, original_start=event.starts_at,
                          user_id=uid(world, "amir"), answer=Answer.YES)
        services.rsvp_set(event=event, original_start=event.starts_at,
                          user_id=uid(world, "sam"), answer=Answer.NO)
        Notification.objects.all().delete()
        services.event_cancel(event=event, actor_id=uid(world, "alice"))
        told = set(Notification.objects.values_list("user_id", flat=True))
        assert told == {uid(world, "amir")}
        assert not SearchEntry.objects.filter(kind=Kind.EVENT, object_id=event.pk).exists()


def test_moving_tells_and_reindexes_and_delete_unindexes(world: World):
    with tenant_context(world.alpha):
        event = create(world)
        services.rsvp_set(event=event, original_start=event.starts_at,
                          user_id=uid(world, "amir"), answer=Answer.MAYBE)
        Notification.objects.all().delete()
        services.event_update(event=event, actor_id=uid(world, "alice"), title="Moved café",
                              starts_at=event.starts_at + timedelta(days=1),
                              ends_at=event.ends_at + timedelta(days=1))
        assert Notification.objects.filter(user_id=uid(world, "amir"),
                                           text__contains="moved").exists()
        assert SearchEntry.objects.get(kind=Kind.EVENT, object_id=event.pk).title == "Moved café"
        services.event_delete(event=event)
        assert not SearchEntry.objects.filter(kind=Kind.EVENT, object_id=event.pk).exists()


def test_reminders_once_to_those_coming(world: World):
    with tenant_context(world.alpha):
        start = timezone.now() + timedelta(hours=5)
        event = create(world, starts_at=start, ends_at=start + timedelta(hours=1))
        far = create(world, starts_at=start + timedelta(days=5),
                     ends_at=start + timedelta(days=5, hours=1))
        for key, answer in (("amir", Answer.YES), ("sam", Answer.MAYBE), ("agnes", Answer.NO)):
            services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, key), answer=answer)
        services.rsvp_set(event=far, original_start=far.starts_at,
                          user_id=uid(world, "amir"), answer=Answer.YES)
        Notification.objects.all().delete()
        assert services.reminders_send() == 2
        assert services.reminders_send() == 0
        reminded = set(Reminder.objects.values_list("user_id", flat=True))
        assert reminded == {uid(world, "amir"), uid(world, "sam")}
        note = Notification.objects.filter(user_id=uid(world, "amir")).get()
        assert note.category == Category.EVENTS and "/events/answer/" in note.url
