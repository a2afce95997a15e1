"""The workspace as an installable app: a manifest per association, a service worker that caches
static files and the offline page only, and the offline page itself (public, generic)."""

from __future__ import annotations

import json
import re

from django.contrib.staticfiles import finders
from django.test import Client

from .world import World, email_of

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def static_path(url: str) -> str:
    from django.conf import settings

    assert url.startswith(settings.STATIC_URL), url
    return url[len(settings.STATIC_URL):]


def test_each_association_has_its_own_manifest(world: World, client_for):  # noqa: ANN001
    # Fetched by the browser without cookies: public, and only the association's name.
    for association in (world.alpha, world.beta):
        response = client_for(association).get("/manifest.webmanifest")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/manifest+json"
        manifest = json.loads(response.content)
        assert manifest["name"] == association.name
        assert manifest["start_url"] == "/" and manifest["scope"] == "/"
        assert manifest["display"] == "standalone"
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        assert {"192x192", "512x512"} <= sizes  # what Android needs to offer "install"
        for icon in manifest["icons"]:
            assert finders.find(static_path(icon["src"])), icon["src"]
        text = response.content.decode()
        assert "@world.test" not in text and "Board" not in text


def test_workspace_pages_link_the_manifest_and_the_base_domain_does_not(
    world: World, signed_in  # noqa: ANN001
):
    page = signed_in("alpha", "amir").get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'name="theme-color"' in page
    landing = Client(HTTP_HOST="localhost").get("/").content.decode()
    assert 'rel="manifest"' not in landing


def test_service_worker_caches_static_files_and_the_offline_page_only(
    world: World, client_for  # noqa: ANN001
):
    response = client_for(world.alpha).get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]  # updates are picked up on the next visit
    script = response.content.decode()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert precache[0] == "/offline/"
    for url in precache[1:]:
        assert finders.find(static_path(url)), url
    # Pages come from the network; only the offline page stands in for them.
    assert 'request.mode === "navigate"' in script
    assert "caches.match(OFFLINE)" in script
    assert "cache.put" not in script  # nothing fetched later is ever stored
    # A new version (cache name) when the offline page changes, e.g. its language.
    french = client_for(world.alpha).get("/sw.js", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client_for(world.alpha).get("/sw.js", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cache_name = re.compile(r'const CACHE = "([^"]+)";')
    assert cache_name.search(french)[1] != cache_name.search(english)[1]


def test_offline_page_is_generic_even_when_signed_in(world: World, signed_in, client_for):  # noqa: ANN001
    anonymous = client_for(world.alpha).get("/offline/", **EN)
    assert anonymous.status_code == 200
    assert "You are offline" in anonymous.content.decode()
    # The service worker fetches it with the member's cookies: it must not hold their data.
    page = signed_in("alpha", "alice").get("/offline/", **EN).content.decode()
    assert "Alpha" in page
    assert "Alice" not in page and email_of("alice") not in page
    assert "Amir" not in page  # nor anybody else's
    french = client_for(world.alpha).get("/offline/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vous êtes hors ligne" in french


def test_our_script_registers_the_worker_only_where_there_is_a_manifest():
    with open(finders.find("cercle/cercle.js"), encoding="utf-8") as handle:
        script = handle.read()
    assert 'navigator.serviceWorker.register("/sw.js")' in script
    assert "link[rel=\"manifest\"]" in script
