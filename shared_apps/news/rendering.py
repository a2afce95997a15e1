"""Markdown → safe HTML. The source is stored; the HTML is rendered on save and sanitised with
nh3, so nothing a member types can run script or restyle the page."""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}
# No <img>: pictures are attachments served by an access-checked view; an outside image would
# tell a third party who opened the announcement.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(source: str) -> str:
    html = markdown.markdown(source or "", extensions=["sane_lists", "tables", "nl2br"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        # h1 is the page's title; a member's "# Title" becomes h2 below, never a raw h1.
    ).replace("<h1>", "<h2>").replace("</h1>", "</h2>").strip()
