"""Events pages and API: list / month / week (per space, private spaces hidden), detail, create
with errors, RSVP (page, API, signed email link: GET shows, POST acts), attendees with the
visibility setting, CSV export, check-in, cancel, another association's member gets 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context

from shared_apps.events import services
from shared_apps.events.models import Answer, Event, Rsvp
from shared_apps.spaces.models import Visibility
from shared_apps.spaces.selectors import space_default

from .test_events_services import create, make_space, soon, uid
from .world import World

pytestmark = pytest.mark.usefixtures("english")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_list_month_week_show_events_and_hide_private_ones(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        public = create(world, title="Open picnic")
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ("agnes",))
        create(world, "agnes", secret, title="Hidden meeting")
    amir, agnes = signed_in("alpha", "amir"), signed_in("alpha", "agnes")
    day = public.starts_at.date()
    for url in ("/events/", f"/events/month/?year={day.year}&month={day.month}",
                f"/events/week/?day={day.isoformat()}"):
        page = amir.get(url, **EN).content.decode()
        assert "Open picnic" in page and "Hidden meeting" not in page, url
        assert "Hidden meeting" in agnes.get(url, **EN).content.decode(), url
    assert amir.get("/events/?space=secret").status_code == 404
    assert "Hidden meeting" in agnes.get("/events/?space=secret", **EN).content.decode()


def test_create_page_and_errors(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    with tenant_context(world.alpha):
        default_pk = space_default().pk
    form = {"space": default_pk, "title": "Board meeting", "starts_at": "2030-04-02T19:00",
            "ends_at": "2030-04-02T21:00", "attendees_visibility": "everyone",
            "repeat": "monthly_weekday", "repeat_count": "3", "waitlist": "on"}
    bad = alice.post("/events/new/", {**form, "ends_at": "2030-04-02T18:00"}, **EN)
    assert bad.status_code == 400 and "The end must be after the start." in bad.content.decode()
    response = alice.post("/events/new/", form)
    assert response.status_code == 302
    with tenant_context(world.alpha):
        event = Event.objects.get(title="Board meeting")
        # Entered in the association's zone: 19:00 in Paris is 17:00 UTC in summer.
        assert event.starts_at.utcoffset() is not None
        assert event.starts_at.isoformat().startswith("2030-04-02T17:00")
        assert event.rrule == "FREQ=MONTHLY;BYDAY=+1TU;COUNT=3"
    assert signed_in("alpha", "amir").get("/events/new/").status_code == 404


def test_detail_rsvp_attendees_export_and_check_in(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world, capacity=1, attendees_visibility="organisers")
    amir, sam, alice = (signed_in("alpha", k) for k in ("amir", "sam", "alice"))
    assert amir.post(f"/events/{event.pk}/rsvp/", {"answer": "yes"}).status_code == 302
    sam.post(f"/events/{event.pk}/rsvp/", {"answer": "yes"})
    with tenant_context(world.alpha):
        assert Rsvp.objects.get(user_id=uid(world, "sam")).waiting
    assert amir.get(f"/events/{event.pk}/attendees/").status_code == 404  # organisers only
    page = alice.get(f"/events/{event.pk}/attendees/", **EN).content.decode()
    assert "Waiting list" in page and "Check in" in page
    csv_body = alice.get(f"/events/{event.pk}/attendees.csv").content.decode("utf-8-sig")
    assert csv_body.count("\n") == 3
    assert amir.get(f"/events/{event.pk}/attendees.csv").status_code == 404
    with tenant_context(world.alpha):
        rsvp = Rsvp.objects.get(user_id=uid(world, "amir"))
    assert amir.post(f"/events/{event.pk}/check-in/", {"rsvp": rsvp.pk,
                                                        "present": "1"}).status_code == 404
    alice.post(f"/events/{event.pk}/check-in/", {"rsvp": rsvp.pk, "present": "1"})
    with tenant_context(world.alpha):
        rsvp.refresh_from_db()
        assert rsvp.checked_in_at is not None


def test_signed_link_get_shows_post_answers(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world)
        path = services.rsvp_link_path(event, event.starts_at, uid(world, "amir"))
    anonymous = client_for(world.alpha)
    page = anonymous.get(path, **EN)
    assert page.status_code == 200 and "Repair café" in page.content.decode()
    with tenant_context(world.alpha):
        assert not Rsvp.objects.exists()  # a mail scanner's GET answers nothing
    assert anonymous.post(path, {"answer": "maybe"}).status_code == 200
    with tenant_context(world.alpha):
        assert Rsvp.objects.get(user_id=uid(world, "amir")).answer == Answer.MAYBE
    assert anonymous.post(path[:-5] + "xxxx/", {"answer": "yes"}).status_code == 400
    # A link made at alpha does not work at beta.
    assert client_for(world.beta).post(path, {"answer": "yes"}).status_code == 400


def test_other_association_and_private_space_get_404(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = create(world)
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ("agnes",))
        hidden = create(world, "agnes", secret)
    bob = signed_in("beta", "bob")
    assert bob.get(f"/events/{event.pk}/", HTTP_HOST=world.alpha.host).status_code in (302, 403,
                                                                                      404)
    sam_at_beta = signed_in("beta", "sam")
    assert sam_at_beta.get(f"/events/{event.pk}/").status_code == 404
    amir = signed_in("alpha", "amir")
    for url in (f"/events/{hidden.pk}/", f"/events/{hidden.pk}/event.ics",
                f"/api/v1/events/{hidden.pk}/"):
        assert amir.get(url).status_code == 404, url
    assert signed_in("alpha", "agnes").get(f"/events/{hidden.pk}/").status_code == 200


def test_api_create_list_rsvp_and_cancel(world: World, signed_in):  # noqa: ANN001
    alice, amir = signed_in("alpha", "alice"), signed_in("alpha", "amir")
    start = soon(3)
    body = {"title": "Yoga", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(), "capacity": 5,
            "recurrence": {"freq": "weekly", "interval": 2, "count": 3}}
    assert amir.post("/api/v1/events/", body, content_type="application/json").status_code == 404
    created = alice.post("/api/v1/events/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=" + "MOTUWETHFRSASU"[
        start.weekday() * 2:start.weekday() * 2 + 2] + ";COUNT=3"
    bad = alice.post("/api/v1/events/", {**body, "title": ""}, content_type="application/json",
                     **EN)
    assert bad.status_code == 400
    listing = amir.get("/api/v1/events/", {"end": (start + timedelta(days=40)).isoformat()}).json()
    dates = [row for row in listing if row["event_id"] == data["id"]]
    assert len(dates) == 3
    second = dates[1]["at"]
    answer = amir.post(f"/api/v1/events/{data['id']}/rsvp/", {"answer": "yes", "at": second},
                       content_type="application/json")
    assert answer.json()["answer"] == "yes"
    cancelled = alice.post(f"/api/v1/events/{data['id']}/cancel/", {"at": second},
                           content_type="application/json")
    assert cancelled.status_code == 200
    again = amir.post(f"/api/v1/events/{data['id']}/rsvp/", {"answer": "no", "at": second},
                      content_type="application/json", **EN)
    assert again.status_code == 400 and "cancelled" in again.content.decode()
    assert amir.delete(f"/api/v1/events/{data['id']}/").status_code == 404
    assert alice.delete(f"/api/v1/events/{data['id']}/").status_code == 204
