"""What every page's shell needs: the association, the member, the navigation."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    icon: str


# Destinations of the workspace (bottom tab bar on phones, sidebar on desktops): the five of
# the look-and-feel guide. Everything else is one tap away from Home (and in the sidebar).
WORKSPACE_NAV = [
    NavItem("home", _("Home"), "home"),
    NavItem("spaces", _("Spaces"), "user-group"),
    NavItem("events", _("Agenda"), "calendar-days"),
    NavItem("notifications", _("Notifications"), "bell"),
    NavItem("me", _("Me"), "user-circle"),
]
# The rest of the workspace: shortcuts on Home, a second list in the desktop sidebar.
WORKSPACE_MORE = [
    NavItem("news", _("News"), "megaphone"),
    NavItem("members", _("Members"), "users"),
    NavItem("polls", _("Polls"), "chart-bar"),
    NavItem("surveys", _("Surveys"), "clipboard-document-list"),
    NavItem("feedback", _("Field feedback"), "chat-bubble-bottom-center-text"),
    NavItem("documents", _("Documents"), "folder"),
]


def _billing_banner(request: HttpRequest, association: object) -> str | None:
    """Which billing notice the page shows: "read_only" to everyone; "past_due" and
    "trial_ending" to the board only. None when billing is off."""
    from billing.services import billing_enabled
    from tenants.models import AssociationStatus

    membership = getattr(request, "membership", None)
    if membership is None or not billing_enabled():
        return None
    if association.is_read_only():
        return "read_only"
    if membership.role != "board":
        return None
    if association.status == AssociationStatus.PAST_DUE:
        return "past_due"
    until = association.access_until
    if association.status == AssociationStatus.TRIAL and until is not None:
        from django.utils import timezone

        if (until - timezone.now()).days < 7:
            return "trial_ending"
    return None


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _nav(items: list[NavItem]) -> list[dict[str, str]]:
    """The destinations whose pages exist (a feature lands its page, then shows up here)."""
    entries = []
    for item in items:
        url = _url_or_none(item.url_name)
        if url is not None:
            entries.append({"url": url, "label": item.label, "icon": item.icon})
    return entries


def shell(request: HttpRequest) -> dict[str, object]:
    from tenants.services import base_url

    tenant = getattr(request, "tenant", None)
    in_workspace = tenant is not None and not tenant.is_public
    return {
        "billing_banner": _billing_banner(request, tenant) if in_workspace else None,
        "association": tenant if in_workspace else None,
        "membership": getattr(request, "membership", None),
        "workspace_nav": _nav(WORKSPACE_NAV) if in_workspace else [],
        "workspace_more": _nav(WORKSPACE_MORE) if in_workspace else [],
        "search_url": _url_or_none("search") if in_workspace else None,
        "base_url": base_url("/"),
        "base_domain": settings.BASE_DOMAIN,
    }
