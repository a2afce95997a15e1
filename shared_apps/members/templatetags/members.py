"""Template helpers: the name to show for the author of some content."""

from __future__ import annotations

from django import template

from shared_apps.members.selectors import member_display_name as _member_display_name

register = template.Library()


@register.filter
def member_display_name(user_id: int | None) -> str:
    """{{ post.author_id|member_display_name }} → the name, "Former member" or "Deleted member".
    One query per use: lists should call selectors.member_display_names once instead."""
    return _member_display_name(user_id)
