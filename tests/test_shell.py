"""The workspace shell: the five destinations of the tab bar, the rest one tap away from Home
(and in the desktop sidebar), and search in the top bar."""

from __future__ import annotations

import re

import pytest
from cercle.context import WORKSPACE_MORE, WORKSPACE_NAV
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("english")


def _links(html: str, container_class: str) -> list[str]:
    block = re.search(rf'<(?:nav|ul) class="{container_class}"[^>]*>(.*?)</(?:nav|ul)>', html, re.S)
    assert block is not None, container_class
    return re.findall(r'<a href="([^"]+)"', block.group(1))


def test_tab_bar_has_the_five_destinations_and_home_the_rest(world, signed_in) -> None:  # noqa: ANN001
    html = signed_in("alpha", "amir").get("/").content.decode()
    tabs = re.search(r'<nav class="tabbar".*?<ul>(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)"', tabs) == [reverse(i.url_name) for i in WORKSPACE_NAV]
    more = [reverse(i.url_name) for i in WORKSPACE_MORE]
    assert _links(html, "shortcuts") == more
    assert _links(html, "tabbar-more") == more
    # Every destination answers the member.
    client = signed_in("alpha", "amir")
    for url in [reverse(i.url_name) for i in WORKSPACE_NAV] + more:
        assert client.get(url).status_code == 200, url


def test_top_bar_searches_the_workspace(world, signed_in) -> None:  # noqa: ANN001
    html = signed_in("alpha", "amir").get("/").content.decode()
    assert f'action="{reverse("search")}"' in html
    assert 'role="search"' in html


def test_no_shell_navigation_for_strangers(world, client_for) -> None:  # noqa: ANN001
    html = client_for(world.alpha).get("/accounts/login/").content.decode()
    assert 'class="tabbar"' not in html and 'role="search"' not in html
