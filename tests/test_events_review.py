"""Events: fixes after review — a PUT without `recurrence` keeps the series, CSV cells that a
spreadsheet would run as formulas are neutralised, far-off dates are refused cleanly, "this date
only" refuses what it cannot store, waiting-list promotion after an edit under row locks, and
deleting an event tells those who answered."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context

from shared_apps.events import services
from shared_apps.events.models import Answer, Event, Rsvp
from shared_apps.events.recurrence import Freq, Recurrence
from shared_apps.events.selectors import occurrences_between
from shared_apps.members.models import Membership
from shared_apps.members.services import profile_update
from shared_apps.workspace.csv_safe import safe_cell

from .test_events_services import create, uid
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
