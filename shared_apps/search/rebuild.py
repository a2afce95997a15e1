"""Rebuilding the index from the sources, per association: after a deploy that adds a kind of
item, or if the index was ever lost. Each app that indexes content exposes a
`*_search_rebuild() -> int` function in its services (it alone knows what it shows to whom);
they are listed here. Kinds without a rebuild function are left as they are."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.db import transaction

# (label, "module:function")
REBUILDERS: tuple[tuple[str, str], ...] = (
    ("members", "shared_apps.members.services:members_search_rebuild"),
    ("announcements", "shared_apps.news.services:announcements_search_rebuild"),
    ("discussions", "shared_apps.discussions.services:discussions_search_rebuild"),
    ("documents", "shared_apps.documents.services:documents_search_rebuild"),
    ("events", "shared_apps.events.services:events_search_rebuild"),
    ("polls", "shared_apps.polls.services:polls_search_rebuild"),
    ("surveys", "shared_apps.surveys.services:surveys_search_rebuild"),
    ("feedback", "shared_apps.feedback.services:feedback_search_rebuild"),
)


def _function(path: str) -> Callable[[], int]:
    module, name = path.split(":")
    return getattr(import_module(module), name)


@transaction.atomic
def search_rebuild() -> dict[str, int]:
    """Rebuild the current association's index (the connection's schema), in one transaction:
    searches running meanwhile see the old index until it commits."""
    return {label: _function(path)() for label, path in REBUILDERS}
