from __future__ import annotations

from django import template

from ..selectors import notifications_unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notifications_bell(context: template.Context) -> dict[str, object]:
    """The bell of the top bar with the member's unread count (cached, see selectors)."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"show": False}
    return {"show": True, "unread": notifications_unread_count(user_id=membership.user_id)}
