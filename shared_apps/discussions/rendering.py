"""Markdown → safe HTML for messages, and @mentions.

Mentions, two spellings (documented in the reply form's hint):
- `@handle`, the member's display name made into an address: "Claire Martin" → `@claire-martin`
  (when two readers of the space share a handle, each gets their account id appended:
  `@claire-martin-12`);
- `@[Claire Martin](user:12)`, what an autocomplete inserts (the id is the account id).
Only members who can read the space are resolved; any other mention stays plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import markdown
import nh3
from django.utils.html import escape
from django.utils.text import slugify

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "del", "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}
MAX_MESSAGE = 20_000

_LINK_FORM = re.compile(r"@\[(?P<name>[^\]\n]{1,100})\]\(user:(?P<id>\d{1,18})\)")
_HANDLE = re.compile(r"(?<![\w@/.:-])@(?P<handle>[a-z0-9][a-z0-9-]{0,80}[a-z0-9]|[a-z0-9])"
                     r"(?![\w-])")


def handles_for(names: Mapping[int, str]) -> dict[str, int]:
    """handle → account id for these readers (shared handles get the id appended)."""
    by_base: dict[str, list[int]] = {}
    for user_id, name in names.items():
        base = slugify(name) or "member"
        by_base.setdefault(base, []).append(user_id)
    handles: dict[str, int] = {}
    for base, user_ids in by_base.items():
        if len(user_ids) == 1:
            handles[base] = user_ids[0]
        else:
            for user_id in user_ids:
                handles[f"{base}-{user_id}"] = user_id
    return handles


def _normalise_links(source: str, handle_of: Mapping[int, str]) -> str:
    """`@[Name](user:id)` → `@handle` for a reader, else the name typed (never a link)."""

    def swap(found: re.Match[str]) -> str:
        handle = handle_of.get(int(found["id"]))
        return f"@{handle}" if handle else f"@{found['name']}"

    return _LINK_FORM.sub(swap, source)


def mentioned_ids(source: str, handles: Mapping[str, int]) -> set[int]:
    """Account ids of the readers this text mentions (handles from `handles_for`)."""
    handle_of = {user_id: handle for handle, user_id in handles.items()}
    text = _normalise_links(source, handle_of)
    return {handles[m["handle"]] for m in _HANDLE.finditer(text) if m["handle"] in handles}


def render(source: str, handles: Mapping[str, int], names: Mapping[int, str]) -> str:
    """Sanitised HTML; resolved mentions become <span class="mention">@Name</span>."""
    handle_of = {user_id: handle for handle, user_id in handles.items()}
    text = _normalise_links(source, handle_of)
    html = markdown.markdown(text, extensions=["sane_lists", "nl2br", "fenced_code"])
    html = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
    )

    def mention(found: re.Match[str]) -> str:
        user_id = handles.get(found["handle"])
        if user_id is None:
            return found.group(0)
        return f'<span class="mention">@{escape(names.get(user_id, found["handle"]))}</span>'

    # Only in text, never inside a tag's attributes: split on tags and touch the text parts.
    parts = re.split(r"(<[^>]*>)", html)
    return "".join(p if p.startswith("<") else _HANDLE.sub(mention, p) for p in parts)
