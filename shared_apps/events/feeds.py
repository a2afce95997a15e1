"""The member's personal calendar feed (the subscription URL): the events of the spaces they can
read, from a year ago on, as iCalendar.

Two caches, both in the association's (schema-prefixed) cache:
- the whole feed, per member, under the association's events version (bumped by every change)
  and the spaces they read: a calendar app polling an unchanged feed costs a cache read;
- each event's serialised VEVENT block(s), under a digest of everything that goes into them
  (the event's fields, its cancelled and edited dates, the site address, the format): when the
  version moves, the feed is reassembled from cached blocks and only the events that changed
  are serialised again. A change to an event or one of its dates changes its digest, so a
  stale block is never read again (it expires on its own); members share the blocks.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from django.core.cache import cache
from django.utils import timezone

from shared_apps.spaces.selectors import space_readable_ids

from . import services
from .ical import FEED_PAST, Block, calendar_assemble, event_block
from .models import Event, Occurrence

FEED_CACHE_SECONDS = 600
BLOCK_CACHE_SECONDS = 7 * 24 * 3600
# Bump when event_block's output changes (its code, not its data): old blocks are then ignored.
BLOCK_FORMAT = "2"

# What event_block reads: nothing else is loaded (description_html can be long).
EVENT_FIELDS = ("id", "uid", "sequence", "title", "description", "location", "online_url",
                "starts_at", "ends_at", "all_day", "time_zone", "rrule", "repeat_until",
                "cancelled_at")
OCCURRENCE_FIELDS = ("id", "event_id", "original_start", "starts_at", "ends_at", "cancelled",
                     "modified", "title", "location", "description")


def feed_events(space_ids: list[int]) -> tuple[list[Event], dict[int, list[Occurrence]]]:
    """The feed's events (those ended less than a year ago, and series still running then) and
    their cancelled or edited dates, by event id. Two queries."""
    since = timezone.now() - FEED_PAST
    events = list(
        (Event.objects.filter(space_id__in=space_ids, ends_at__gte=since)
         | Event.objects.filter(space_id__in=space_ids).exclude(rrule="")
         .exclude(repeat_until__lt=since.date()))
        .only(*EVENT_FIELDS)
    )
    exceptions: dict[int, list[Occurrence]] = defaultdict(list)
    rows = Occurrence.objects.filter(event_id__in=[e.pk for e in events]).exclude(
        cancelled=False, modified=False).only(*OCCURRENCE_FIELDS)
    for row in rows:
        exceptions[row.event_id].append(row)
    return events, exceptions


def block_key(event: Event, rows: list[Occurrence], base_url: str) -> str:
    """The cache key of an event's block: a digest of every input of event_block."""
    data = [BLOCK_FORMAT, base_url, *(getattr(event, f) for f in EVENT_FIELDS)]
    for row in rows:
        data += [row.pk, row.original_start, row.starts_at, row.ends_at, row.cancelled,
                 row.modified, row.title, row.location, row.description]
    digest = hashlib.blake2b(repr(data).encode(), digest_size=16).hexdigest()
    return f"events:vevent:{event.pk}:{digest}"


def feed_blocks(events: list[Event], exceptions: dict[int, list[Occurrence]], *,
                base_url: str) -> list[Block]:
    """Each event's block, from the cache (one round trip) or serialised and then cached."""
    keys = [block_key(e, exceptions.get(e.pk, []), base_url) for e in events]
    found = cache.get_many(keys)
    blocks, missing = [], {}
    for event, key in zip(events, keys, strict=True):
        block = found.get(key)
        if block is None:
            block = event_block(event, exceptions.get(event.pk, []), base_url=base_url)
            missing[key] = tuple(block)  # stored as a plain tuple
        else:
            block = Block(*block)
        blocks.append(block)
    if missing:
        cache.set_many(missing, BLOCK_CACHE_SECONDS)
    return blocks


def feed_build(*, space_ids: list[int], base_url: str, name: str) -> bytes:
    """The feed of these spaces, without the whole-feed cache (per-event blocks cached)."""
    events, exceptions = feed_events(space_ids)
    return calendar_assemble(feed_blocks(events, exceptions, base_url=base_url), name=name)


def feed_body(*, user_id: int, base_url: str, name: str) -> bytes:
    """The member's feed: the events they can see, from a year ago on. Cached per member
    under the association's events version and the spaces they can read."""
    space_ids = space_readable_ids(user_id=user_id)
    # A stable digest (not hash(), which differs between worker processes): every worker
    # shares the cached feed.
    scope = hashlib.sha256(f"{sorted(space_ids)}|{base_url}|{name}".encode()).hexdigest()[:16]
    key = f"events:feed:{user_id}:{services.calendar_version()}:{scope}"
    body = cache.get(key)
    if body is None:
        body = feed_build(space_ids=sorted(space_ids), base_url=base_url, name=name)
        cache.set(key, body, FEED_CACHE_SECONDS)
    return body
