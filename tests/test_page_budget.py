"""The page budget of ../shared/ui.md, on the workspace's main pages: first load ≤ 100 KB
transferred (HTML, CSS and JavaScript, gzip-compressed as the server sends them), our CSS
≤ 30 KB, and no JavaScript but htmx and our own few lines. Sizes, not times: the rendering
time lives in the benchmarks."""

from __future__ import annotations

import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from .world import World

FIRST_LOAD_MAX = 100_000  # bytes, compressed
OUR_CSS_MAX = 30_000  # bytes, as written
OUR_JS_MAX = 4_000  # bytes, as written: "a few lines of our own"
SCRIPTS_ALLOWED = {"django_htmx/htmx-2.min.js", "cercle/cercle.js"}

PAGES = [
    "/", "/spaces/", "/news/", "/discussions/", "/documents/", "/events/", "/polls/",
    "/surveys/", "/feedback/", "/members/", "/notifications/", "/me/", "/search/?q=picnic",
]
OUTSIDE = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="(?:https?:)?//')
ASSET = re.compile(r'<(?:link[^>]*\bhref|script[^>]*\bsrc)="(?P<url>[^"]+)"')


def compressed(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def static_assets(html: str) -> list[str]:
    """Paths (under STATIC_URL) of the stylesheets, scripts and icons the page loads."""
    prefix = settings.STATIC_URL
    return [m["url"][len(prefix):] for m in ASSET.finditer(html)
            if m["url"].startswith(prefix)]


def asset_bytes(path: str) -> bytes:
    found = finders.find(path.split("?")[0])
    assert found, f"static file {path} not found"
    with open(found, "rb") as handle:
        return handle.read()


def assert_within_budget(url: str, response) -> list[str]:  # noqa: ANN001
    """Check one page's first load; returns the static files it loads."""
    assert response.status_code == 200, url
    html = response.content.decode()
    assets = static_assets(html)
    assert any(a.endswith(".css") for a in assets), "the stylesheet is missing"
    total = compressed(response.content) + sum(compressed(asset_bytes(a)) for a in assets)
    assert total <= FIRST_LOAD_MAX, f"{url}: {total} bytes on first load"
    # No script but htmx and ours, and nothing from another host (links to the base domain
    # are fine; resources from another host are not).
    scripts = {a for a in assets if a.endswith(".js")}
    assert scripts <= SCRIPTS_ALLOWED, scripts
    assert not OUTSIDE.search(html), "a resource from another host"
    return assets


@pytest.mark.parametrize("url", PAGES)
def test_first_load_of_a_workspace_page_fits_the_budget(world: World, signed_in, url: str):  # noqa: ANN001
    assert_within_budget(url, signed_in("alpha", "alice").get(url))


@pytest.mark.parametrize("url", ["/", "/pricing/", "/signup/", "/terms/", "/accounts/login/"])
def test_first_load_of_a_public_page_fits_the_budget(world: World, url: str):
    """The base domain's pages: what a visitor sees before signing up."""
    from django.test import Client

    assert_within_budget(url, Client(HTTP_HOST="localhost").get(url))


def test_our_css_and_javascript_stay_small():
    assert len(asset_bytes("cercle/cercle.css")) <= OUR_CSS_MAX
    assert len(asset_bytes("cercle/cercle.js")) <= OUR_JS_MAX
