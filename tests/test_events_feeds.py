"""The member's feed assembled from per-event cached VEVENT blocks: a feed built with every
block cached equals one built from scratch, and after a change to an event or one of its dates
only that event's VEVENTs differ (and only it is serialised again)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.cache import cache
from django_tenants.utils import tenant_context
from icalendar import Calendar

from shared_apps.events import feeds, services
from shared_apps.events.ical import calendar_bytes
from shared_apps.events.recurrence import Freq, Recurrence
from shared_apps.spaces.selectors import space_readable_ids

from .test_events_services import create, paris, uid
from .world import World

pytestmark = pytest.mark.usefixtures("english")

BASE = "https://alpha.example"


def unstamped(body: bytes) -> bytes:
    """The feed without its DTSTAMPs (the time it was made, which moves every second)."""
    return re.sub(rb"\r\nDTSTAMP:\d{8}T\d{6}Z\r\n", b"\r\n", body)


def by_uid(body: bytes) -> dict[str, list[bytes]]:
    """Each UID's VEVENTs (the series and its overrides), serialised, DTSTAMP left out."""
    out: dict[str, list[bytes]] = {}
    for item in Calendar.from_ical(body).walk("VEVENT"):
        item.pop("DTSTAMP")
        out.setdefault(str(item["UID"]), []).append(item.to_ical())
    return out


def make_events(world: World) -> dict[str, object]:
    series = create(world, title="Choir", starts_at=paris(2030, 3, 19, 19),
                    ends_at=paris(2030, 3, 19, 21),
                    recurrence=Recurrence(freq=Freq.WEEKLY, until=date(2030, 11, 5)))
    services.occurrence_cancel(event=series, original_start=paris(2030, 4, 2, 19),
                               actor_id=uid(world, "alice"))
    services.event_update(event=series, actor_id=uid(world, "alice"), scope="this",
                          original_start=paris(2030, 4, 9, 19), title="Choir (concert)",
                          starts_at=paris(2030, 4, 10, 20), ends_at=paris(2030, 4, 10, 22))
    fair = create(world, title="Fair", all_day=True, starts_at=paris(2030, 6, 1, 0),
                  ends_at=paris(2030, 6, 2, 0))
    talk = create(world, title="Talk, with a long description",
                  description="Été, « accents » ; commas, semicolons; and a long line " * 5,
                  starts_at=paris(2030, 5, 4, 18), location="Salle 2")
    return {"series": series, "fair": fair, "talk": talk}


def block_keys(space_ids: list[int]) -> list[str]:
    events, exceptions = feeds.feed_events(space_ids)
    return [feeds.block_key(e, exceptions.get(e.pk, []), BASE) for e in events]


def test_feed_from_cached_blocks_equals_a_feed_built_cold(world: World) -> None:
    with tenant_context(world.alpha):
        make_events(world)
        space_ids = sorted(space_readable_ids(user_id=uid(world, "amir")))
        keys = block_keys(space_ids)
        cache.delete_many(keys)
        cold = feeds.feed_build(space_ids=space_ids, base_url=BASE, name="Alpha")
        # The cold build stored every block; the next build reads them all.
        assert set(cache.get_many(keys)) == set(keys) and len(keys) == 3
        warm = feeds.feed_build(space_ids=space_ids, base_url=BASE, name="Alpha")
        # And both equal the calendar serialised in one go, without any cache.
        events, exceptions = feeds.feed_events(space_ids)
        direct = calendar_bytes(events, [r for rows in exceptions.values() for r in rows],
                                base_url=BASE, name="Alpha")
    assert unstamped(warm) == unstamped(cold) == unstamped(direct)
    cal = Calendar.from_ical(warm)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert len(cal.walk("VEVENT")) == 4  # the series, its edited date, the fair, the talk
    # One DTSTAMP per VEVENT, the time the feed was made (the cached placeholder replaced).
    stamps = {str(v["DTSTAMP"].to_ical()) for v in cal.walk("VEVENT")}
    assert len(stamps) == 1 and "20000101" not in stamps.pop()
    talk = next(v for v in cal.walk("VEVENT") if str(v["SUMMARY"]).startswith("Talk"))
    assert str(talk["DESCRIPTION"]).startswith("Été, « accents » ; commas, semicolons; and")


@pytest.mark.parametrize("change", ["edit", "cancel_date", "edit_date"])
def test_a_change_reserialises_exactly_that_event(world: World, client_for,  # noqa: ANN001
                                                  change: str) -> None:
    with tenant_context(world.alpha):
        made = make_events(world)
        token = services.calendar_token_of(user_id=uid(world, "amir")).token
        space_ids = sorted(space_readable_ids(user_id=uid(world, "amir")))
    client = client_for(world.alpha)
    before = client.get(f"/events/feed/{token}.ics").content
    with tenant_context(world.alpha):
        keys_before = set(block_keys(space_ids))
        series, talk = made["series"], made["talk"]
        if change == "edit":
            target = talk
            services.event_update(event=talk, actor_id=uid(world, "alice"), title="Talk moved",
                                  starts_at=talk.starts_at, ends_at=talk.ends_at,
                                  description=talk.description, location="Salle 3")
        elif change == "cancel_date":
            target = series
            services.occurrence_cancel(event=series, original_start=paris(2030, 4, 16, 19),
                                       actor_id=uid(world, "alice"))
        else:
            target = series
            services.event_update(event=series, actor_id=uid(world, "alice"), scope="this",
                                  original_start=paris(2030, 4, 23, 19), title="Choir (outdoor)",
                                  starts_at=paris(2030, 4, 23, 19),
                                  ends_at=paris(2030, 4, 23, 21))
        keys_after = set(block_keys(space_ids))
    # Only the changed event needs serialising again; the other blocks are reused.
    assert len(keys_before - keys_after) == 1 and len(keys_after - keys_before) == 1
    (new_key,) = keys_after - keys_before
    assert new_key.startswith(f"events:vevent:{target.pk}:")
    after = client.get(f"/events/feed/{token}.ics").content
    old, new = by_uid(before), by_uid(after)
    assert old.keys() == new.keys()
    changed = {key for key in old if old[key] != new[key]}
    assert changed == {f"{target.uid}@cercle"}
    items = new[f"{target.uid}@cercle"]
    if change == "edit":
        assert b"SUMMARY:Talk moved" in items[0] and b"LOCATION:Salle 3" in items[0]
    elif change == "cancel_date":
        (main,) = [Calendar.from_ical(i) for i in items if b"RRULE" in i]
        assert [d.dt for d in main["EXDATE"].dts] == [paris(2030, 4, 2, 19),
                                                      paris(2030, 4, 16, 19)]
    else:
        assert len(items) == 3 and any(b"SUMMARY:Choir (outdoor)" in i for i in items)
