"""What every page's shell needs: the association, the member, the navigation."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    icon: str


# Destinations of the workspace (bottom tab bar on phones, sidebar on desktops).
# Features add theirs here as they land (Spaces, Agenda, Notifications…).
WORKSPACE_NAV = [
    NavItem("home", _("Home"), "home"),
    NavItem("me", _("Me"), "user-circle"),
]


def shell(request: HttpRequest) -> dict[str, object]:
    from tenants.services import base_url

    tenant = getattr(request, "tenant", None)
    in_workspace = tenant is not None and not tenant.is_public
    return {
        "association": tenant if in_workspace else None,
        "membership": getattr(request, "membership", None),
        "workspace_nav": WORKSPACE_NAV if in_workspace else [],
        "base_url": base_url("/"),
        "base_domain": settings.BASE_DOMAIN,
    }
