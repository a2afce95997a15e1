"""The workspace as an installable app (PWA): its manifest, its service worker, and the page
shown when the phone is offline.

All three are public (the browser fetches a manifest without cookies) and hold nothing but the
association's name. The service worker caches only static files and the offline page, never
a page with members' data: phones are shared, and a cached page would outlive a sign-out."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOR = "#1f5fbf"  # --brand in cercle.css
BACKGROUND_COLOR = "#f6f7f9"  # --bg
OFFLINE_URL = "/offline/"
# Precached by the service worker: what the offline page needs.
PRECACHE_STATIC = ("cercle/cercle.css", "cercle/icon.svg", "cercle/icon-192.png")


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    association = request.tenant
    data = {
        "id": "/",
        "name": association.name,
        "short_name": association.name[:12],
        "lang": association.language or settings.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static("cercle/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("cercle/icon-192.png"), "sizes": "192x192", "type": "image/png",
             "purpose": "any maskable"},
            {"src": static("cercle/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any maskable"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False),
                        content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True)  # the browser checks for a new worker on every visit
def service_worker(request: HttpRequest) -> HttpResponse:
    precache = [OFFLINE_URL, *(static(path) for path in PRECACHE_STATIC)]
    # A new cache name whenever what is cached changes — static names carry their content's
    # hash in production; the offline page is hashed as this member would get it (its words,
    # its language) — so the browser installs the new worker and drops the old files.
    offline_page = _offline_render(request).content
    version = hashlib.sha256("\n".join(precache).encode() + offline_page).hexdigest()[:12]
    return render(request, "workspace/sw.js", {
        "cache_name": f"cercle-{version}",
        "precache": json.dumps(precache),
        "offline_url": json.dumps(OFFLINE_URL),
        "static_prefix": json.dumps(settings.STATIC_URL),
        # Static names carry a hash only with the manifest storage (not while developing).
        "cache_static": json.dumps(not settings.DEBUG),
    }, content_type="text/javascript")


def _offline_render(request: HttpRequest) -> HttpResponse:
    return render(request, "workspace/offline.html", {"association_name": request.tenant.name})


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Generic on purpose: it is cached on the phone, whoever is signed in."""
    return _offline_render(request)
