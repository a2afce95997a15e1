"""Calendar feeds: the .ics of an event and the member's subscription URL, parsed back with
icalendar — time zones, RRULE, EXDATE, RECURRENCE-ID, STATUS:CANCELLED; private spaces left
out for non-members; wrong, rotated or foreign tokens get 404."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context
from icalendar import Calendar

from shared_apps.events import services
from shared_apps.events.recurrence import Freq, Recurrence
from shared_apps.spaces.models import Visibility

from .test_events_services import create, make_space, paris, uid
from .world import World

pytestmark = pytest.mark.usefixtures("english")


def vevents(body: bytes) -> list:
    return [c for c in Calendar.from_ical(body).walk("VEVENT")]


def test_feed_with_rules_exceptions_overrides_and_cancellations(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        series = create(world, title="Choir", starts_at=paris(2030, 3, 19, 19),
                        ends_at=paris(2030, 3, 19, 21),
                        recurrence=Recurrence(freq=Freq.WEEKLY, until=date(2030, 11, 5)))
        services.occurrence_cancel(event=series, original_start=paris(2030, 4, 2, 19),
                                   actor_id=uid(world, "alice"))
        services.event_update(event=series, actor_id=uid(world, "alice"), scope="this",
                              original_start=paris(2030, 4, 9, 19), title="Choir (concert)",
                              starts_at=paris(2030, 4, 10, 20), ends_at=paris(2030, 4, 10, 22))
        gone = create(world, title="Picnic", starts_at=paris(2030, 6, 1, 12),
                      ends_at=paris(2030, 6, 1, 15))
        services.event_cancel(event=gone, actor_id=uid(world, "alice"))
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ("agnes",))
        create(world, "agnes", secret, title="Hidden meeting")
        amir_token = services.calendar_token_of(user_id=uid(world, "amir")).token
        agnes_token = services.calendar_token_of(user_id=uid(world, "agnes")).token
    client = client_for(world.alpha)
    response = client.get(f"/events/feed/{amir_token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    items = vevents(response.content)
    summaries = sorted(str(v["SUMMARY"]) for v in items)
    assert summaries == ["Choir", "Choir (concert)", "Picnic"]
    main = next(v for v in items if str(v["SUMMARY"]) == "Choir" and "RRULE" in v)
    start = main.decoded("DTSTART")
    assert start == paris(2030, 3, 19, 19) and str(start.tzinfo) == "Europe/Paris"
    rule = main["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"]
    until = rule["UNTIL"][0]
    assert until.astimezone(ZoneInfo("Europe/Paris")).date() == date(2030, 11, 5)
    exdates = [d.dt for d in main["EXDATE"].dts]
    assert exdates == [paris(2030, 4, 2, 19)]
    override = next(v for v in items if str(v["SUMMARY"]) == "Choir (concert)")
    assert override.decoded("RECURRENCE-ID") == paris(2030, 4, 9, 19)
    assert override.decoded("DTSTART") == paris(2030, 4, 10, 20)
    assert str(override["UID"]) == str(main["UID"])
    picnic = next(v for v in items if str(v["SUMMARY"]) == "Picnic")
    assert str(picnic["STATUS"]) == "CANCELLED"
    # Agnes belongs to the private space: her feed has its event.
    agnes_feed = client.get(f"/events/feed/{agnes_token}.ics").content
    assert "Hidden meeting" in [str(v["SUMMARY"]) for v in vevents(agnes_feed)]


def test_tokens_rotate_and_stay_in_their_association(world: World, client_for, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        old = services.calendar_token_of(user_id=uid(world, "amir")).token
    alpha, beta = client_for(world.alpha), client_for(world.beta)
    assert alpha.get(f"/events/feed/{old}.ics").status_code == 200
    assert beta.get(f"/events/feed/{old}.ics").status_code == 404
    assert alpha.get("/events/feed/not-a-token.ics").status_code == 404
    amir = signed_in("alpha", "amir")
    assert amir.post("/events/calendar/rotate/").status_code == 302
    assert alpha.get(f"/events/feed/{old}.ics").status_code == 404
    with tenant_context(world.alpha):
        new = services.calendar_token_of(user_id=uid(world, "amir")).token
    assert new != old and alpha.get(f"/events/feed/{new}.ics").status_code == 200
    assert new in amir.get("/events/calendar/").content.decode()


def test_feed_is_refreshed_after_a_change(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        token = services.calendar_token_of(user_id=uid(world, "amir")).token
        event = create(world, title="First")
    client = client_for(world.alpha)
    assert "First" in client.get(f"/events/feed/{token}.ics").content.decode()
    with tenant_context(world.alpha):
        services.event_update(event=event, actor_id=uid(world, "alice"), title="Renamed",
                              starts_at=event.starts_at, ends_at=event.ends_at)
    body = client.get(f"/events/feed/{token}.ics").content.decode()
    assert "Renamed" in body and "First" not in body


def test_single_event_ics_all_day(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world, title="Fair", all_day=True, starts_at=paris(2030, 6, 1, 0),
                       ends_at=paris(2030, 6, 2, 0) + timedelta(hours=1))
    body = signed_in("alpha", "amir").get(f"/events/{event.pk}/event.ics").content
    (item,) = vevents(body)
    assert item.decoded("DTSTART") == date(2030, 6, 1)
    assert item.decoded("DTEND") == date(2030, 6, 3)
