"""Account views shared by the base domain and every workspace."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .services import account_set_language


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the language: remembered in a cookie, and on the account when signed in."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        account_set_language(user=request.user, language=language)
    return set_language(request)
