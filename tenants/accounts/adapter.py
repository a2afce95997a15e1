"""allauth adapter: no open account signup (associations sign up through our own form),
and no sign-in at a workspace for someone who is not a member of it."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        tenant = getattr(request, "tenant", None)
        if tenant is not None and not tenant.is_public:
            from shared_apps.members.selectors import membership_active_for

            if membership_active_for(user_id=user.pk) is None:
                return render(
                    request, "workspace/not_a_member.html", {"association": tenant}, status=403
                )
        return super().pre_login(request, user, **kwargs)
