"""Events: fixes after review — a PUT without `recurrence` keeps the series, CSV cells that a
spreadsheet would run as formulas are neutralised, far-off dates are refused cleanly, "this date
only" refuses what it cannot store, waiting-list promotion after an edit under row locks, and
deleting an event tells those who answered."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django_tenants.utils import tenant_context

from shared_apps.events import services
from shared_apps.events.models import Answer, Event, Occurrence, Rsvp
from shared_apps.events.recurrence import Freq, Recurrence
from shared_apps.events.selectors import occurrences_between
from shared_apps.members.models import Membership
from shared_apps.members.services import profile_update
from shared_apps.notifications.models import Activity, Notification
from shared_apps.spaces.selectors import space_default
from shared_apps.workspace.csv_safe import safe_cell

from .test_events_services import create, soon, uid
from .world import World

pytestmark = pytest.mark.usefixtures("english")


# --- PUT keeps the recurrence unless told otherwise ---------------------------------------------


def _put(client, event: Event, **extra: object):  # noqa: ANN001, ANN202
    body = {"title": "Renamed", "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(), **extra}
    return client.put(f"/api/v1/events/{event.pk}/", json.dumps(body),
                      content_type="application/json")


def test_api_put_without_recurrence_keeps_the_series_and_its_answers(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world, recurrence=Recurrence(freq=Freq.WEEKLY, count=10), invite=False)
        rule = event.rrule
        third = list(occurrences_between(events=Event.objects.filter(pk=event.pk),
                                         start=event.starts_at,
                                         end=event.starts_at + timedelta(days=30)))[2]
        services.rsvp_set(event=event, original_start=third.original_start,
                          user_id=uid(world, "amir"), answer=Answer.YES)
    alice = signed_in("alpha", "alice")
    response = _put(alice, event)
    assert response.status_code == 200, response.content
    assert response.json()["recurrence"]["count"] == 10
    with tenant_context(world.alpha):
        event.refresh_from_db()
        assert event.title == "Renamed" and event.rrule == rule
        assert Rsvp.objects.filter(occurrence__event=event, user_id=uid(world, "amir")).exists()
    # An explicit null is what stops the repetition.
    assert _put(alice, event, recurrence=None).status_code == 200
    with tenant_context(world.alpha):
        event.refresh_from_db()
        assert event.rrule == ""


def test_api_put_with_a_recurrence_changes_it_and_patch_is_not_offered(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world, invite=False)
    alice = signed_in("alpha", "alice")
    response = _put(alice, event, recurrence={"freq": "weekly", "count": 3})
    assert response.status_code == 200, response.content
    with tenant_context(world.alpha):
        event.refresh_from_db()
        assert event.rrule.endswith("COUNT=3")
    patched = alice.patch(f"/api/v1/events/{event.pk}/", json.dumps({"title": "X"}),
                          content_type="application/json")
    assert patched.status_code == 405


# --- CSV exports neutralise formulas -------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","click")'


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+33", "'+33"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Zoé", "Zoé"), ("", ""), (None, ""), (12, "12"),
])
def test_safe_cell(value: object, cell: str):
    assert safe_cell(value) == cell


def test_attendees_csv_neutralises_names_written_as_formulas(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        profile_update(membership=Membership.objects.get(user_id=uid(world, "amir")),
                       display_name=FORMULA)
        event = create(world, invite=False)
        services.rsvp_set(event=event, original_start=event.starts_at,
                          user_id=uid(world, "amir"), answer=Answer.YES)
    response = signed_in("alpha", "alice").get(f"/events/{event.pk}/attendees.csv")
    assert response.status_code == 200
    rows = _rows(response.content)
    assert rows[0] == ["Name", "Answer", "Answered on", "Present"]
    assert rows[1][:2] == ["'" + FORMULA, "Yes"]
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_members_export_neutralises_formulas_too(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        profile_update(membership=Membership.objects.get(user_id=uid(world, "amir")),
                       display_name=FORMULA)
    response = signed_in("alpha", "alice").get("/members/export/")
    rows = _rows(b"".join(response.streaming_content))
    assert ["'" + FORMULA] == [row[0] for row in rows if "HYPERLINK" in row[0]]


# --- Far-off dates: a clear refusal, never a 500 -------------------------------------------------


@pytest.mark.parametrize("query", [
    "start=9999-12-30T00:00:00", "start=0001-01-01T00:00:00",
    "start=2030-01-01T00:00:00&end=9999-12-31T00:00:00",
])
def test_api_list_refuses_far_off_dates(world: World, signed_in, query: str):  # noqa: ANN001
    response = signed_in("alpha", "alice").get(f"/api/v1/events/?{query}")
    assert response.status_code == 400
    assert "between the years 1900 and 2200" in response.content.decode()


@pytest.mark.parametrize("url", [
    "/events/month/?year=9999&month=12", "/events/month/?year=1&month=1",
    "/events/month/?year=99999999999&month=1", "/events/week/?day=0001-01-01",
    "/events/week/?day=9999-12-31",
])
def test_calendar_pages_answer_404_for_far_off_dates(world: World, signed_in, url: str):  # noqa: ANN001
    assert signed_in("alpha", "alice").get(url).status_code == 404


def test_a_far_off_date_key_is_not_found(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world, recurrence=Recurrence(freq=Freq.WEEKLY, count=3), invite=False)
    alice = signed_in("alpha", "alice")
    key = 253402300799  # 9999-12-31T23:59:59Z
    assert alice.get(f"/events/{event.pk}/?at={key}").status_code == 404
    assert alice.get(f"/api/v1/events/{event.pk}/attendees/?at={key}").status_code == 404


@pytest.mark.parametrize("kwargs", [
    {"starts_at": "9999-12-31T20:00:00+01:00", "ends_at": "9999-12-31T22:00:00+01:00"},
    {"starts_at": "9999-12-31T00:00:00+01:00", "ends_at": "9999-12-31T10:00:00+01:00",
     "all_day": True},
    {"starts_at": "0001-01-01T20:00:00+00:00", "ends_at": "0001-01-01T22:00:00+00:00"},
    {"rsvp_deadline": "0001-01-01T20:00:00+00:00"},
    {"recurrence": {"freq": "weekly", "until": "9999-12-31"}},
])
def test_api_create_and_update_refuse_far_off_dates(world: World, signed_in, kwargs: dict):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world, invite=False)
        before = Event.objects.count()
    start = event.starts_at
    body = {"title": "Far", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), **kwargs}
    alice = signed_in("alpha", "alice")
    created = alice.post("/api/v1/events/", json.dumps(body), content_type="application/json")
    assert created.status_code == 400, created.content
    assert "between the years 1900 and 2200" in created.content.decode()
    updated = alice.put(f"/api/v1/events/{event.pk}/", json.dumps(body),
                        content_type="application/json")
    assert updated.status_code == 400, updated.content
    with tenant_context(world.alpha):
        assert Event.objects.count() == before
        event.refresh_from_db()
        assert event.starts_at == start and event.title == "Repair café"


def test_create_page_refuses_far_off_dates(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        space_id = space_default().pk
    response = signed_in("alpha", "alice").post("/events/new/", {
        "space": space_id, "title": "Far", "starts_at": "9999-12-31T20:00",
        "ends_at": "9999-12-31T22:00", "attendees_visibility": "everyone",
    })
    assert response.status_code == 400
    assert "between the years 1900 and 2200" in response.content.decode()


# --- "This date only" refuses what one date cannot hold ----------------------------------------


def _weekly(world: World) -> Event:
    return create(world, starts_at=soon(1), ends_at=soon(1) + timedelta(hours=1),
                  description="Bring tools", online_url="https://meet.example/a", capacity=10,
                  recurrence=Recurrence(freq=Freq.WEEKLY, count=3), invite=False)


def _edit_one(world: World, event: Event, **changes: object) -> Event:
    values = {"title": event.title, "starts_at": soon(8), "ends_at": soon(8) + timedelta(hours=1),
              "description": event.description, "location": event.location,
              "online_url": event.online_url, "capacity": event.capacity,
              "rsvp_deadline": event.rsvp_deadline, **changes}
    return services.event_update(event=event, actor_id=uid(world, "alice"), scope="this",
                                 original_start=soon(8), **values)


@pytest.mark.parametrize(("changes", "field"), [
    ({"online_url": "https://meet.example/b"}, "online_url"),
    ({"rsvp_deadline": soon(1) - timedelta(hours=2)}, "rsvp_deadline"),
    ({"waitlist": False}, "waitlist"),
    ({"attendees_visibility": "organisers"}, "attendees_visibility"),
])
def test_this_date_only_refuses_series_fields_and_changes_nothing(
    world: World, changes: dict, field: str,
):
    with tenant_context(world.alpha):
        event = _weekly(world)
        sequence = event.sequence
        with pytest.raises(ValidationError) as error:
            _edit_one(world, event, title="Special", **changes)
        assert "Every date" in error.value.message_dict[field][0]
        event.refresh_from_db()
        assert (event.sequence, event.description, event.capacity) == (sequence, "Bring tools", 10)
        assert not Occurrence.objects.filter(event=event, modified=True).exists()
        # The same values as the series: the date's own title and time do change.
        _edit_one(world, event, title="Special", starts_at=soon(8, 18),
                  ends_at=soon(8, 20))
        row = Occurrence.objects.get(event=event, original_start=soon(8))
        assert (row.title, row.starts_at, row.modified) == ("Special", soon(8, 18), True)


def test_a_cancelled_date_cannot_be_edited(world: World):
    with tenant_context(world.alpha):
        event = _weekly(world)
        services.occurrence_cancel(event=event, original_start=soon(8),
                                   actor_id=uid(world, "alice"))
        with pytest.raises(ValidationError) as error:
            _edit_one(world, event, title="Back again")
        assert "cancelled" in error.value.message_dict["scope"][0]
        row = Occurrence.objects.get(event=event, original_start=soon(8))
        assert (row.cancelled, row.title, row.modified) == (True, "", False)


def test_edit_page_and_api_show_the_refusal(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = _weekly(world)
        at = int(soon(8).timestamp())
    alice = signed_in("alpha", "alice")
    assert alice.get(f"/events/{event.pk}/edit/?at={at}").status_code == 200
    data = {"title": "Special", "description": "Bring tools", "location": "",
            "starts_at": soon(8).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (soon(8) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "online_url": "https://meet.example/changed", "capacity": 10, "waitlist": "on",
            "attendees_visibility": "everyone", "repeat": "weekly", "repeat_count": 3,
            "scope": "this"}
    response = alice.post(f"/events/{event.pk}/edit/?at={at}", data)
    assert response.status_code == 400
    assert "This applies to every date" in response.content.decode()
    api = _put(alice, event, scope="this", at=at, description="Bring tools", capacity=10,
               online_url="https://meet.example/changed")
    assert api.status_code == 400 and "online_url" in api.json()
    with tenant_context(world.alpha):
        event.refresh_from_db()
        assert event.online_url == "https://meet.example/a"


def test_this_date_only_has_its_own_description_and_places(world: World, signed_in):  # noqa: ANN001
    from icalendar import Calendar

    from shared_apps.events.feeds import feed_build
    from shared_apps.events.selectors import item_of

    with tenant_context(world.alpha):
        event = _weekly(world)  # 10 places, "Bring tools", a waiting list
        _edit_one(world, event, description="Bring **gloves**", capacity=2)
        row = Occurrence.objects.get(event=event, original_start=soon(8))
        assert (row.description, row.capacity, row.capacity_own) == ("Bring **gloves**", 2, True)
        event.refresh_from_db()
        assert (event.description, event.capacity) == ("Bring tools", 10)  # the series keeps its
        other = item_of(event, soon(15))
        assert (other.description, other.capacity) == ("Bring tools", 10)
        # This date fills at 2; the others still take 10.
        for key in ("amir", "agnes", "sam"):
            services.rsvp_set(event=event, original_start=soon(8), user_id=uid(world, key),
                              answer=Answer.YES)
        waiting = Rsvp.objects.filter(occurrence=row, waiting=True)
        assert list(waiting.values_list("user_id", flat=True)) == [uid(world, "sam")]
        for key in ("amir", "agnes", "sam"):
            services.rsvp_set(event=event, original_start=soon(15), user_id=uid(world, key),
                              answer=Answer.YES)
        assert not Rsvp.objects.filter(occurrence__original_start=soon(15), waiting=True).exists()
        # One more place for this date: the first waiting gets it.
        _edit_one(world, event, description="Bring **gloves**", capacity=3)
        assert not waiting.exists()
        # Back to the series' number: the date follows the series again.
        _edit_one(world, event, description="Bring **gloves**", capacity=10)
        row.refresh_from_db()
        assert (row.capacity, row.capacity_own) == (None, False)
        _edit_one(world, event, description="Bring **gloves**", capacity=3)
        feed = Calendar.from_ical(feed_build(space_ids=[event.space_id],
                                             base_url="http://alpha.test", name="Alpha"))
        overrides = [c for c in feed.walk("VEVENT") if c.get("recurrence-id")]
        assert [str(c["description"]) for c in overrides] == ["Bring **gloves**"]
        at, later = int(soon(8).timestamp()), int(soon(15).timestamp())
    alice = signed_in("alpha", "alice")
    page = alice.get(f"/events/{event.pk}/?at={at}").content.decode()
    assert "<strong>gloves</strong>" in page and "Bring tools" not in page
    assert "Bring tools" in alice.get(f"/events/{event.pk}/?at={later}").content.decode()
    listed = alice.get("/api/v1/events/", {"start": soon(7).isoformat(),
                                           "end": soon(16).isoformat()}).json()
    places = {item["at"]: item["capacity"] for item in listed if item["event_id"] == event.pk}
    assert places == {at: 3, later: 10}


# --- Waiting list promoted after an edit, under the dates' row locks -----------------------------


def _run(*targets) -> list[BaseException]:  # noqa: ANN002
    errors: list[BaseException] = []

    def wrap(target) -> None:  # noqa: ANN001
        try:
            target()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _capacity(world: World, event: Event, capacity: int) -> None:
    services.event_update(event=event, actor_id=uid(world, "alice"), title=event.title,
                          starts_at=event.starts_at, ends_at=event.ends_at, capacity=capacity)


def test_raising_capacity_while_members_answer_never_overfills(committed):  # noqa: ANN001
    from . import conftest

    world = conftest._WORLD  # committed data: no test transaction around this test
    with tenant_context(world.alpha):
        event = create(world, capacity=1, invite=False)
    try:
        for _round in range(3):
            users = [uid(world, k) for k in ("arthur", "agnes", "amir", "sam")]
            barrier = threading.Barrier(len(users) + 1)

            def answer(user_id: int, barrier: threading.Barrier = barrier) -> None:
                with tenant_context(world.alpha):
                    barrier.wait()
                    services.rsvp_set(event=Event.objects.get(pk=event.pk),
                                      original_start=event.starts_at, user_id=user_id,
                                      answer=Answer.YES)

            def raise_capacity(barrier: threading.Barrier = barrier) -> None:
                with tenant_context(world.alpha):
                    barrier.wait()
                    _capacity(world, Event.objects.get(pk=event.pk), 3)

            errors = _run(raise_capacity, *[lambda u=u: answer(u) for u in users])
            assert errors == []
            with tenant_context(world.alpha):
                rows = Rsvp.objects.filter(occurrence__event=event)
                assert rows.filter(waiting=False).count() <= 3
                rows.delete()
                Event.objects.filter(pk=event.pk).update(capacity=1)
    finally:
        with tenant_context(world.alpha):
            services.event_delete(event=Event.objects.get(pk=event.pk))
            Activity.objects.all().delete()
            Notification.objects.all().delete()


def test_promotion_after_an_edit_waits_for_an_answer_in_progress(committed):  # noqa: ANN001
    """An answer "no" is being saved (the date locked, one waiting member promoted, not yet
    committed) when the organiser raises the capacity from 2 to 4: the promotion must count
    after that answer, so that every free place goes to the waiting list."""
    from . import conftest

    world = conftest._WORLD
    confirmed, waiting = ["arthur", "agnes"], ["amir", "sam", "alice"]
    with tenant_context(world.alpha):
        event = create(world, capacity=2, invite=False)
        for key in confirmed + waiting:
            services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, key), answer=Answer.YES)
    answered = threading.Event()

    def say_no() -> None:
        with tenant_context(world.alpha), transaction.atomic():
            services.rsvp_set(event=Event.objects.get(pk=event.pk),
                              original_start=event.starts_at, user_id=uid(world, "arthur"),
                              answer=Answer.NO)
            answered.set()
            time.sleep(1.0)  # the organiser's edit runs meanwhile

    def edit() -> None:
        answered.wait(10)
        with tenant_context(world.alpha):
            _capacity(world, Event.objects.get(pk=event.pk), 4)

    try:
        assert _run(say_no, edit) == []
        with tenant_context(world.alpha):
            rows = Rsvp.objects.filter(occurrence__event=event, answer=Answer.YES)
            assert rows.filter(waiting=False).count() == 4
            assert not rows.filter(waiting=True).exists()
    finally:
        with tenant_context(world.alpha):
            services.event_delete(event=Event.objects.get(pk=event.pk))
            Activity.objects.all().delete()
            Notification.objects.all().delete()


# --- Deleting an event tells those who answered --------------------------------------------------


def test_deleting_an_event_tells_those_who_said_yes_or_maybe(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world, recurrence=Recurrence(freq=Freq.WEEKLY, count=3), invite=False)
        later = event.starts_at + timedelta(days=7)
        for key, answer, when in (("amir", Answer.YES, event.starts_at),
                                  ("agnes", Answer.MAYBE, later),
                                  ("sam", Answer.NO, event.starts_at)):
            services.rsvp_set(event=event, original_start=when, user_id=uid(world, key),
                              answer=answer)
        Notification.objects.all().delete()
    response = signed_in("alpha", "alice").post(f"/events/{event.pk}/delete/")
    assert response.status_code == 302
    with tenant_context(world.alpha):
        assert not Event.objects.filter(pk=event.pk).exists()
        told = Notification.objects.filter(text="The event “Repair café” is cancelled")
        assert sorted(told.values_list("user_id", flat=True)) == sorted(
            [uid(world, "amir"), uid(world, "agnes")])
        assert {n.url for n in told} == {"/events/"}
        assert all(n.actor_id == uid(world, "alice") for n in told)


def test_deleting_through_the_api_tells_them_and_a_cancelled_event_is_not_told_twice(
    world: World, signed_in,  # noqa: ANN001
):
    with tenant_context(world.alpha):
        first, second = create(world, invite=False), create(world, invite=False)
        for event in (first, second):
            services.rsvp_set(event=event, original_start=event.starts_at,
                              user_id=uid(world, "amir"), answer=Answer.YES)
        services.event_cancel(event=second, actor_id=uid(world, "alice"))
        Notification.objects.all().delete()
    alice = signed_in("alpha", "alice")
    assert alice.delete(f"/api/v1/events/{first.pk}/").status_code == 204
    assert alice.delete(f"/api/v1/events/{second.pk}/").status_code == 204
    with tenant_context(world.alpha):
        assert list(Notification.objects.values_list("user_id", flat=True)) == [
            uid(world, "amir")]


def test_editing_every_date_from_one_date_keeps_the_series_own_values(world: World, signed_in):  # noqa: ANN001
    """The form opened from a date shows that date's values; saving "every date" must not
    spread them (its own text, places, time) to the whole series — only what was changed."""
    from zoneinfo import ZoneInfo

    with tenant_context(world.alpha):
        event = _weekly(world)  # from soon(1), weekly, 10 places, "Bring tools"
        _edit_one(world, event, description="Bring gloves", capacity=2,
                  starts_at=soon(8, 18), ends_at=soon(8, 19))
        at = int(soon(8).timestamp())
        series_start = event.starts_at
    alice = signed_in("alpha", "alice")
    form = alice.get(f"/events/{event.pk}/edit/?at={at}").content.decode()
    assert 'value="this" checked' in form or 'value="this" selected' in form
    zone = ZoneInfo("Europe/Paris")
    data = {"title": "Renamed", "description": "Bring gloves", "location": "",
            "starts_at": soon(8, 19).astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": soon(8, 20).astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "online_url": "https://meet.example/a", "capacity": 2, "waitlist": "on",
            "attendees_visibility": "everyone", "repeat": "weekly", "repeat_count": 3,
            "scope": "all"}
    response = alice.post(f"/events/{event.pk}/edit/?at={at}", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(world.alpha):
        event.refresh_from_db()
        # The title was changed: every date. The text and places were the date's: kept as
        # the series had them. The date's time moved by an hour: so does the series.
        assert (event.title, event.description, event.capacity) == ("Renamed", "Bring tools", 10)
        assert event.starts_at == series_start + timedelta(hours=1)


def test_api_edit_of_one_date_keeps_what_is_left_out(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = _weekly(world)
        _edit_one(world, event, capacity=2)
        for key in ("amir", "agnes", "sam"):
            services.rsvp_set(event=event, original_start=soon(8), user_id=uid(world, key),
                              answer=Answer.YES)
        at = int(soon(8).timestamp())
    alice = signed_in("alpha", "alice")
    # Only a new title, for that date: its places stay 2 (not unlimited), nobody is promoted.
    response = _put(alice, event, scope="this", at=at, title="Special",
                    starts_at=soon(8).isoformat(),
                    ends_at=(soon(8) + timedelta(hours=1)).isoformat())
    assert response.status_code == 200, response.json()
    with tenant_context(world.alpha):
        row = Occurrence.objects.get(event=event, original_start=soon(8))
        assert (row.title, row.capacity, row.capacity_own) == ("Special", 2, True)
        assert row.description == ""  # still the series' text
        assert Rsvp.objects.filter(occurrence=row, waiting=True).count() == 1
