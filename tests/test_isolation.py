"""Isolation between associations, checked over every route of the workspace URLconf.

Every URL pattern of `cercle.urls_tenants` is found by walking the resolver (included allauth and
API patterns too) and requested at ALPHA's address by a client carrying the session of a BETA
member. Nothing of alpha may come back. A route missing from EXPECTED (or listed there but gone)
fails the suite: a new route has to be classified here before it ships.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.http import int_to_base36
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership
from tenants.accounts.models import User
from tenants.services import handoff_create

from .world import PASSWORD, PEOPLE, SHARED_PERSON, World, email_of

TENANT_URLCONF = "cercle.urls_tenants"
Kind = Literal["member", "public"]

# Every route of the workspace, by its full pattern: (URL name, classification).
#  member: only for members of this association → 403/404/405 or a redirect to sign-in.
#  public: a page anyone may see at a workspace (sign-in, password reset, "signup closed"...):
#          it may answer 200, but must not show anything of the association's members.
EXPECTED: dict[str, tuple[str, Kind]] = {
    "": ("home", "member"),
    "me/": ("me", "member"),
    # The installable app: the association's name and static files only (tests/test_pwa.py).
    "manifest.webmanifest": ("pwa_manifest", "public"),
    "sw.js": ("pwa_service_worker", "public"),
    "offline/": ("pwa_offline", "public"),
    "billing/": ("billing", "member"),
    "billing/status/": ("billing_status", "member"),
    "billing/checkout/": ("billing_checkout", "member"),
    "billing/portal/": ("billing_portal", "member"),
    "api/v1/billing/": ("api_billing", "member"),
    "api/v1/billing/checkout/": ("api_billing_checkout", "member"),
    "api/v1/billing/portal/": ("api_billing_portal", "member"),
    # --- members routes (add below) ---
    "members/": ("members", "member"),
    "members/me/": ("members_profile_edit", "member"),
    "members/export/": ("members_export", "member"),
    "members/<int:pk>/": ("members_profile", "member"),
    "members/<int:pk>/role/": ("members_change_role", "member"),
    "members/<int:pk>/end/": ("members_end", "member"),
    "members/<int:pk>/erase/": ("members_erase", "member"),
    "members/invitations/": ("members_invitations", "member"),
    "members/invitations/<int:pk>/resend/": ("members_invitation_resend", "member"),
    "members/invitations/<int:pk>/revoke/": ("members_invitation_revoke", "member"),
    "members/invitations/<str:token>/": ("members_invitation_accept", "public"),
    "members/invitations/<str:token>/renew/": ("members_invitation_renew", "public"),
    "members/import/": ("members_import", "member"),
    "members/import/preview/": ("members_import_preview", "member"),
    "members/join/": ("members_join", "public"),
    "members/join-requests/": ("members_join_requests", "member"),
    "members/join-requests/<int:pk>/approve/": ("members_join_request_approve", "member"),
    "members/join-requests/<int:pk>/decline/": ("members_join_request_decline", "member"),
    "api/v1/members/": ("api_members", "member"),
    "api/v1/members/me/": ("api_members_me", "member"),
    "api/v1/members/export/": ("api_members_export", "member"),
    "api/v1/members/settings/": ("api_members_settings", "member"),
    "api/v1/members/<int:pk>/": ("api_members_detail", "member"),
    "api/v1/members/<int:pk>/role/": ("api_members_role", "member"),
    "api/v1/members/<int:pk>/end/": ("api_members_end", "member"),
    "api/v1/members/<int:pk>/erase/": ("api_members_erase", "member"),
    "api/v1/members/invitations/": ("api_members_invitations", "member"),
    "api/v1/members/invitations/<int:pk>/resend/": ("api_members_invitation_resend", "member"),
    "api/v1/members/invitations/<int:pk>/revoke/": ("api_members_invitation_revoke", "member"),
    "api/v1/members/join-requests/": ("api_members_join_requests", "member"),
    "api/v1/members/join-requests/<int:pk>/approve/": (
        "api_members_join_request_approve", "member"
    ),
    "api/v1/members/join-requests/<int:pk>/decline/": (
        "api_members_join_request_decline", "member"
    ),
    # --- spaces routes (add below) ---
    "spaces/": ("spaces", "member"),
    "spaces/new/": ("spaces_create", "member"),
    "spaces/settings/": ("spaces_settings", "member"),
    "spaces/<slug:slug>/": ("spaces_detail", "member"),
    "spaces/<slug:slug>/edit/": ("spaces_edit", "member"),
    "spaces/<slug:slug>/archive/": ("spaces_archive", "member"),
    "spaces/<slug:slug>/join/": ("spaces_join", "member"),
    "spaces/<slug:slug>/leave/": ("spaces_leave", "member"),
    "spaces/<slug:slug>/request/": ("spaces_request", "member"),
    "spaces/<slug:slug>/requests/<int:pk>/approve/": ("spaces_request_approve", "member"),
    "spaces/<slug:slug>/requests/<int:pk>/decline/": ("spaces_request_decline", "member"),
    "spaces/<slug:slug>/members/add/": ("spaces_member_add", "member"),
    "spaces/<slug:slug>/members/<int:pk>/remove/": ("spaces_member_remove", "member"),
    "spaces/<slug:slug>/members/<int:pk>/moderator/": ("spaces_member_moderator", "member"),
    "api/v1/spaces/": ("api_spaces", "member"),
    "api/v1/spaces/settings/": ("api_spaces_settings", "member"),
    "api/v1/spaces/<slug:slug>/": ("api_spaces_detail", "member"),
    "api/v1/spaces/<slug:slug>/archive/": ("api_spaces_archive", "member"),
    "api/v1/spaces/<slug:slug>/join/": ("api_spaces_join", "member"),
    "api/v1/spaces/<slug:slug>/leave/": ("api_spaces_leave", "member"),
    "api/v1/spaces/<slug:slug>/request/": ("api_spaces_request", "member"),
    "api/v1/spaces/<slug:slug>/requests/": ("api_spaces_requests", "member"),
    "api/v1/spaces/<slug:slug>/requests/<int:pk>/approve/": (
        "api_spaces_request_approve", "member"
    ),
    "api/v1/spaces/<slug:slug>/requests/<int:pk>/decline/": (
        "api_spaces_request_decline", "member"
    ),
    "api/v1/spaces/<slug:slug>/members/": ("api_spaces_member_add", "member"),
    "api/v1/spaces/<slug:slug>/members/<int:pk>/remove/": ("api_spaces_member_remove", "member"),
    "api/v1/spaces/<slug:slug>/members/<int:pk>/moderator/": (
        "api_spaces_member_moderator", "member"
    ),
    # --- news routes (add below) ---
    "news/": ("news", "member"),
    "news/new/": ("news_create", "member"),
    "news/<int:pk>/": ("news_detail", "member"),
    "news/<int:pk>/edit/": ("news_edit", "member"),
    "news/<int:pk>/delete/": ("news_delete", "member"),
    "news/<int:pk>/pin/": ("news_pin", "member"),
    "news/<int:pk>/receipts/": ("news_receipts", "member"),
    "news/<int:pk>/acknowledge/": ("news_acknowledge", "member"),
    "news/<int:pk>/comments/": ("news_comment_create", "member"),
    "news/<int:pk>/react/": ("news_react", "member"),
    "news/comments/<int:pk>/edit/": ("news_comment_edit", "member"),
    "news/comments/<int:pk>/delete/": ("news_comment_delete", "member"),
    "news/files/<int:pk>/": ("news_attachment", "member"),
    "news/files/<int:pk>/delete/": ("news_attachment_delete", "member"),
    # The signed link from the email: no sign-in; an invalid token shows an error page only.
    "news/ack/<str:token>/": ("news_ack_link", "public"),
    "api/v1/news/": ("api_news", "member"),
    "api/v1/news/<int:pk>/": ("api_news_detail", "member"),
    "api/v1/news/<int:pk>/pin/": ("api_news_pin", "member"),
    "api/v1/news/<int:pk>/receipts/": ("api_news_receipts", "member"),
    "api/v1/news/<int:pk>/acknowledge/": ("api_news_acknowledge", "member"),
    "api/v1/news/<int:pk>/comments/": ("api_news_comments", "member"),
    "api/v1/news/<int:pk>/reactions/": ("api_news_reactions", "member"),
    "api/v1/news/<int:pk>/attachments/": ("api_news_attachments", "member"),
    "api/v1/news/comments/<int:pk>/": ("api_news_comment", "member"),
    "api/v1/news/attachments/<int:pk>/": ("api_news_attachment", "member"),
    # --- discussions routes (add below) ---
    "discussions/": ("discussions", "member"),
    "discussions/s/<slug:slug>/": ("discussions_space", "member"),
    "discussions/s/<slug:slug>/new/": ("discussions_thread_create", "member"),
    "discussions/t/<int:pk>/": ("discussions_thread", "member"),
    "discussions/t/<int:pk>/reply/": ("discussions_reply", "member"),
    "discussions/t/<int:pk>/subscription/": ("discussions_subscription", "member"),
    "discussions/m/<int:pk>/edit/": ("discussions_message_edit", "member"),
    "discussions/m/<int:pk>/delete/": ("discussions_message_delete", "member"),
    "discussions/m/<int:pk>/hide/": ("discussions_message_hide", "member"),
    "discussions/m/<int:pk>/react/": ("discussions_react", "member"),
    "discussions/files/<int:pk>/": ("discussions_attachment", "member"),
    "api/v1/discussions/threads/": ("api_discussions_threads", "member"),
    "api/v1/discussions/spaces/<slug:slug>/threads/": ("api_discussions_space_threads", "member"),
    "api/v1/discussions/spaces/<slug:slug>/mentionable/": (
        "api_discussions_mentionable", "member"
    ),
    "api/v1/discussions/threads/<int:pk>/": ("api_discussions_thread", "member"),
    "api/v1/discussions/threads/<int:pk>/messages/": ("api_discussions_reply", "member"),
    "api/v1/discussions/threads/<int:pk>/subscription/": (
        "api_discussions_subscription", "member"
    ),
    "api/v1/discussions/threads/<int:pk>/read/": ("api_discussions_read", "member"),
    "api/v1/discussions/messages/<int:pk>/": ("api_discussions_message", "member"),
    "api/v1/discussions/messages/<int:pk>/hide/": ("api_discussions_hide", "member"),
    "api/v1/discussions/messages/<int:pk>/reactions/": ("api_discussions_reactions", "member"),
    "api/v1/discussions/messages/<int:pk>/attachments/": (
        "api_discussions_attachments", "member"
    ),
    # --- documents routes (add below) ---
    "documents/": ("documents", "member"),
    "documents/s/<slug:slug>/": ("documents_space", "member"),
    "documents/s/<slug:slug>/f/<int:pk>/": ("documents_folder", "member"),
    "documents/s/<slug:slug>/upload/": ("documents_upload", "member"),
    "documents/s/<slug:slug>/folders/new/": ("documents_folder_create", "member"),
    "documents/s/<slug:slug>/trash/": ("documents_trash", "member"),
    "documents/folders/<int:pk>/edit/": ("documents_folder_edit", "member"),
    "documents/folders/<int:pk>/delete/": ("documents_folder_delete", "member"),
    "documents/<int:pk>/": ("documents_detail", "member"),
    "documents/<int:pk>/download/": ("documents_download", "member"),
    "documents/<int:pk>/preview/": ("documents_preview", "member"),
    "documents/<int:pk>/rename/": ("documents_rename", "member"),
    "documents/<int:pk>/move/": ("documents_move", "member"),
    "documents/<int:pk>/trash/": ("documents_trash_document", "member"),
    "documents/<int:pk>/restore/": ("documents_restore", "member"),
    "api/v1/documents/": ("api_documents", "member"),
    "api/v1/documents/quota/": ("api_documents_quota", "member"),
    "api/v1/documents/trash/": ("api_documents_trash", "member"),
    "api/v1/documents/folders/": ("api_documents_folders", "member"),
    "api/v1/documents/folders/<int:pk>/": ("api_documents_folder", "member"),
    "api/v1/documents/<int:pk>/": ("api_documents_detail", "member"),
    "api/v1/documents/<int:pk>/rename/": ("api_documents_rename", "member"),
    "api/v1/documents/<int:pk>/move/": ("api_documents_move", "member"),
    "api/v1/documents/<int:pk>/trash/": ("api_documents_trash_document", "member"),
    "api/v1/documents/<int:pk>/restore/": ("api_documents_restore", "member"),
    "api/v1/documents/<int:pk>/download/": ("api_documents_download", "member"),
    # --- notifications routes (add below) ---
    "notifications/": ("notifications", "member"),
    "notifications/<int:pk>/read/": ("notifications_read", "member"),
    "notifications/read-all/": ("notifications_read_all", "member"),
    "notifications/preferences/": ("notifications_preferences", "member"),
    # The signed link is the proof (RFC 8058 one-click): a foreign token is refused.
    "notifications/unsubscribe/<str:token>/": ("notifications_unsubscribe", "public"),
    "api/v1/feed/": ("notifications_api_feed", "member"),
    "api/v1/notifications/": ("notifications_api_list", "member"),
    "api/v1/notifications/<int:pk>/read/": ("notifications_api_read", "member"),
    "api/v1/notifications/read-all/": ("notifications_api_read_all", "member"),
    "api/v1/notifications/unread-count/": ("notifications_api_unread_count", "member"),
    "api/v1/notifications/preferences/": ("notifications_api_preferences", "member"),
    # --- events routes (add below) ---
    "events/": ("events", "member"),
    "events/month/": ("events_month", "member"),
    "events/week/": ("events_week", "member"),
    "events/new/": ("events_create", "member"),
    "events/calendar/": ("events_calendar", "member"),
    "events/calendar/rotate/": ("events_calendar_rotate", "member"),
    "events/feed/<str:token>.ics": ("events_feed", "public"),
    # Signed answer links and calendar feeds: the token is the proof; a foreign one fails.
    "events/answer/<str:token>/": ("events_rsvp_link", "public"),
    "events/<int:pk>/": ("events_detail", "member"),
    "events/<int:pk>/edit/": ("events_edit", "member"),
    "events/<int:pk>/cancel/": ("events_cancel", "member"),
    "events/<int:pk>/delete/": ("events_delete", "member"),
    "events/<int:pk>/rsvp/": ("events_rsvp", "member"),
    "events/<int:pk>/attendees/": ("events_attendees", "member"),
    "events/<int:pk>/attendees.csv": ("events_attendees_csv", "member"),
    "events/<int:pk>/check-in/": ("events_check_in", "member"),
    "events/<int:pk>/event.ics": ("events_ics", "member"),
    "api/v1/events/": ("api_events", "member"),
    "api/v1/events/calendar/": ("api_events_calendar", "member"),
    "api/v1/events/<int:pk>/": ("api_events_detail", "member"),
    "api/v1/events/<int:pk>/cancel/": ("api_events_cancel", "member"),
    "api/v1/events/<int:pk>/rsvp/": ("api_events_rsvp", "member"),
    "api/v1/events/<int:pk>/attendees/": ("api_events_attendees", "member"),
    "api/v1/events/<int:pk>/check-in/": ("api_events_check_in", "member"),
    # --- polls routes (add below) ---
    "polls/": ("polls", "member"),
    "polls/new/": ("polls_create", "member"),
    "polls/<int:pk>/": ("polls_detail", "member"),
    "polls/<int:pk>/vote/": ("polls_vote", "member"),
    "polls/<int:pk>/edit/": ("polls_edit", "member"),
    "polls/<int:pk>/close/": ("polls_close", "member"),
    "polls/<int:pk>/delete/": ("polls_delete", "member"),
    "polls/<int:pk>/event/": ("polls_event", "member"),
    "polls/vote/<str:token>/": ("polls_vote_link", "public"),
    "surveys/respond/<str:token>/": ("surveys_respond_link", "public"),
    "api/v1/polls/": ("api_polls", "member"),
    "api/v1/polls/<int:pk>/": ("api_polls_detail", "member"),
    "api/v1/polls/<int:pk>/vote/": ("api_polls_vote", "member"),
    "api/v1/polls/<int:pk>/close/": ("api_polls_close", "member"),
    "api/v1/polls/<int:pk>/results/": ("api_polls_results", "member"),
    "api/v1/polls/<int:pk>/event/": ("api_polls_event", "member"),
    # --- surveys routes (add below) ---
    "surveys/": ("surveys", "member"),
    "surveys/new/": ("surveys_create", "member"),
    "surveys/<int:pk>/": ("surveys_detail", "member"),
    "surveys/<int:pk>/edit/": ("surveys_edit", "member"),
    "surveys/<int:pk>/questions/new/": ("surveys_question_add", "member"),
    "surveys/<int:pk>/open/": ("surveys_open", "member"),
    "surveys/<int:pk>/close/": ("surveys_close", "member"),
    "surveys/<int:pk>/delete/": ("surveys_delete", "member"),
    "surveys/<int:pk>/results/": ("surveys_results", "member"),
    "surveys/<int:pk>/export/": ("surveys_export", "member"),
    "surveys/questions/<int:pk>/edit/": ("surveys_question_edit", "member"),
    "surveys/questions/<int:pk>/delete/": ("surveys_question_delete", "member"),
    "surveys/questions/<int:pk>/move/": ("surveys_question_move", "member"),
    "api/v1/surveys/": ("api_surveys", "member"),
    "api/v1/surveys/<int:pk>/": ("api_surveys_detail", "member"),
    "api/v1/surveys/<int:pk>/open/": ("api_surveys_open", "member"),
    "api/v1/surveys/<int:pk>/close/": ("api_surveys_close", "member"),
    "api/v1/surveys/<int:pk>/questions/": ("api_surveys_questions", "member"),
    "api/v1/surveys/<int:pk>/response/": ("api_surveys_response", "member"),
    "api/v1/surveys/<int:pk>/results/": ("api_surveys_results", "member"),
    "api/v1/surveys/<int:pk>/export/": ("api_surveys_export", "member"),
    "api/v1/surveys/questions/<int:pk>/": ("api_surveys_question", "member"),
    # --- feedback routes (add below) ---
    "feedback/": ("feedback", "member"),
    "feedback/new/": ("feedback_create", "member"),
    "feedback/inbox/": ("feedback_inbox", "member"),
    "feedback/dashboard/": ("feedback_dashboard", "member"),
    "feedback/themes/": ("feedback_themes", "member"),
    "feedback/themes/<int:pk>/": ("feedback_theme_edit", "member"),
    "feedback/settings/": ("feedback_settings", "member"),
    "feedback/<int:pk>/": ("feedback_detail", "member"),
    "feedback/<int:pk>/assign/": ("feedback_assign", "member"),
    "feedback/<int:pk>/status/": ("feedback_status", "member"),
    "feedback/<int:pk>/notes/": ("feedback_note", "member"),
    "feedback/<int:pk>/answer/": ("feedback_answer", "member"),
    "feedback/<int:pk>/merge/": ("feedback_merge", "member"),
    "feedback/<int:pk>/support/": ("feedback_support", "member"),
    "feedback/files/<int:pk>/": ("feedback_attachment", "member"),
    # The anonymous reporter's private follow-up page: a random token, no sign-in.
    "feedback/follow/<str:token>/": ("feedback_follow", "public"),
    "api/v1/feedback/": ("api_feedback", "member"),
    "api/v1/feedback/ideas/": ("api_feedback_ideas", "member"),
    "api/v1/feedback/inbox/": ("api_feedback_inbox", "member"),
    "api/v1/feedback/dashboard/": ("api_feedback_dashboard", "member"),
    "api/v1/feedback/themes/": ("api_feedback_themes", "member"),
    "api/v1/feedback/themes/<int:pk>/": ("api_feedback_theme", "member"),
    "api/v1/feedback/settings/": ("api_feedback_settings", "member"),
    "api/v1/feedback/attachments/<int:pk>/": ("api_feedback_attachment", "member"),
    "api/v1/feedback/<int:pk>/": ("api_feedback_item", "member"),
    "api/v1/feedback/<int:pk>/assign/": ("api_feedback_assign", "member"),
    "api/v1/feedback/<int:pk>/status/": ("api_feedback_status", "member"),
    "api/v1/feedback/<int:pk>/notes/": ("api_feedback_notes", "member"),
    "api/v1/feedback/<int:pk>/answers/": ("api_feedback_answers", "member"),
    "api/v1/feedback/<int:pk>/merge/": ("api_feedback_merge", "member"),
    "api/v1/feedback/<int:pk>/support/": ("api_feedback_support", "member"),
    # --- search routes (add below) ---
    "search/": ("search", "member"),
    "api/v1/search/": ("api_search", "member"),
    "auth/handoff/<str:token>/": ("handoff", "public"),
    "i18n/setlang/": ("set_language", "public"),
    "accounts/login/": ("account_login", "public"),
    "accounts/logout/": ("account_logout", "public"),
    "accounts/inactive/": ("account_inactive", "public"),
    "accounts/signup/": ("account_signup", "public"),
    "accounts/reauthenticate/": ("account_reauthenticate", "member"),
    "accounts/reauthenticate/code/": ("account_request_reauthentication_code", "member"),
    "accounts/reauthenticate/code/confirm/": ("account_confirm_reauthentication_code", "member"),
    "accounts/email/": ("account_email", "member"),
    "accounts/confirm-email/": ("account_email_verification_sent", "public"),
    "accounts/password/change/": ("account_change_password", "member"),
    "accounts/password/set/": ("account_set_password", "member"),
    "accounts/password/reset/": ("account_reset_password", "public"),
    "accounts/login/code/confirm/": ("account_confirm_login_code", "public"),
    r"accounts/confirm-email/(?P<key>[-:\w]+)/$": ("account_confirm_email", "public"),
    "accounts/password/reset/key/done/": ("account_reset_password_from_key_done", "public"),
    r"accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        "account_reset_password_from_key",
        "public",
    ),
    "accounts/password/reset/done/": ("account_reset_password_done", "public"),
    "api/v1/me/": ("api_me", "member"),
    "api/schema/": ("api_schema", "public"),
}

# What a POST carries, per URL name (everything else gets an empty body).
POST_BODIES: dict[str, dict[str, str]] = {
    # Bob's own, correct credentials: still no sign-in at an association he is not part of.
    "account_login": {"login": email_of("bob"), "password": PASSWORD},
    "me": {"full_name": "Taken Over", "language": "en"},
    "set_language": {"language": "en", "next": "/"},
    "account_reset_password": {"email": email_of("bob")},
    "account_change_password": {
        "oldpassword": PASSWORD, "password1": "Another-pass-99", "password2": "Another-pass-99"
    },
    "account_set_password": {"password1": "Another-pass-99", "password2": "Another-pass-99"},
    "account_reauthenticate": {"password": PASSWORD},
    "account_email": {"email": "bob-second@world.test", "action_add": "1"},
}


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern, as ResolverMatch.route spells it
    name: str | None
    params: dict[str, str]  # parameter name → converter name ("regex" for regex groups)


def _join(prefix: str, pattern: str) -> str:
    # Same joining as django.urls.resolvers (the inner "^" is dropped).
    return prefix + pattern.removeprefix("^")


_CONVERTERS: dict[type, str] = {
    IntConverter: "int",
    StringConverter: "str",
    SlugConverter: "slug",
    PathConverter: "path",
}


def _params_of(pattern: RoutePattern | RegexPattern) -> dict[str, str]:
    if isinstance(pattern, RoutePattern):
        params = {}
        for name, converter in pattern.converters.items():
            kind = _CONVERTERS.get(type(converter))
            if kind is None:
                pytest.fail(f"unknown converter {type(converter).__name__} for <{name}>: add it")
            params[name] = kind
        return params
    return {name: "regex" for name in pattern.regex.groupindex}


def walk(
    patterns: list, prefix: str = "", inherited: dict[str, str] | None = None
) -> Iterator[Route]:
    for entry in patterns:
        params = {**(inherited or {}), **_params_of(entry.pattern)}
        full = _join(prefix, str(entry.pattern))
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, full, params)
        else:
            assert isinstance(entry, URLPattern)
            yield Route(full, entry.name, params)


def tenant_routes() -> list[Route]:
    return list(walk(get_resolver(TENANT_URLCONF).url_patterns))


@dataclass
class AlphaIds:
    """Identifiers from alpha's world, to fill path parameters with."""

    membership_pk: int
    user_pk: int
    beta_ticket: str  # a real sign-in ticket, issued to Bob for *beta*


# Per parameter name: which converters it may have and the value to put in it.
PARAMETERS: dict[str, tuple[set[str], Callable[[AlphaIds], str]]] = {
    "pk": ({"int"}, lambda ids: str(ids.membership_pk)),
    "membership_id": ({"int"}, lambda ids: str(ids.membership_pk)),
    # Every association has this space (the whole association), so the probe hits a real one.
    "slug": ({"slug"}, lambda ids: "toute-l-association"),
    "token": ({"str", "slug", "regex"}, lambda ids: ids.beta_ticket),
    "key": ({"str", "regex"}, lambda ids: "MQ:1tXy7a:probe-" + "k" * 20),
    "uidb36": ({"regex"}, lambda ids: int_to_base36(ids.user_pk)),
}

_PARAM_RE = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_GROUP_RE = re.compile(r"\(\?P<(?P<name>\w+)>")


def _fill_regex_groups(pattern: str, values: dict[str, str]) -> str:
    out, i = [], 0
    while (found := _GROUP_RE.search(pattern, i)) is not None:
        out.append(pattern[i : found.start()])
        depth, j = 1, found.end()
        while depth:  # skip to the group's closing parenthesis
            depth += {"(": 1, ")": -1}.get(pattern[j], 0)
            j += 1 if pattern[j] != "\\" else 2
        out.append(values[found["name"]])
        i = j
    out.append(pattern[i:])
    return "".join(out).replace("^", "").replace("$", "")


def url_for(route: Route, ids: AlphaIds) -> str:
    values = {}
    for name, converter in route.params.items():
        if name not in PARAMETERS:
            pytest.fail(f"{route.pattern}: no value for parameter {name!r}; add it to PARAMETERS")
        converters, make = PARAMETERS[name]
        if converter not in converters:
            pytest.fail(f"{route.pattern}: parameter {name!r} has unknown converter {converter}")
        values[name] = make(ids)
    # Regex groups first: "(?P<key>…)" would otherwise look like a "<key>" path parameter.
    url = "/" + _fill_regex_groups(route.pattern, values)
    url = _PARAM_RE.sub(lambda m: values[m["name"]], url)
    # The filled URL must land on the very route we meant to probe.
    assert resolve(url, urlconf=TENANT_URLCONF).route == route.pattern, url
    return url


def alpha_secrets(world: World) -> list[str]:
    """What must never reach a stranger: the emails and names of alpha's members."""
    keys = [key for key, _name, _role in PEOPLE["alpha"]] + [SHARED_PERSON[0]]
    names = [name for _key, name, _role in PEOPLE["alpha"]] + [SHARED_PERSON[1]]
    # JSON may escape non-ASCII letters; look for both spellings.
    escaped = [
        name.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00")
        for name in names
    ]
    return [email_of(key) for key in keys] + names + escaped


def leaks(response, world: World) -> list[str]:  # noqa: ANN001 — a test-client response
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace") + " " + response.get("Location", "")
    return [secret for secret in alpha_secrets(world) if secret in text]


def is_sign_in_redirect(response) -> bool:  # noqa: ANN001
    location = response.get("Location", "")
    return response.status_code in (301, 302) and location.startswith("/accounts/login/")


def outcome_ok(kind: Kind, response) -> bool:  # noqa: ANN001
    if kind == "member":
        return response.status_code in (403, 404, 405) or is_sign_in_redirect(response)
    # A public page may answer, refuse, or redirect within the workspace (never elsewhere).
    if response.status_code in (301, 302):
        return response["Location"].startswith("/")
    return response.status_code in (200, 400, 403, 404, 405)


@pytest.fixture
def alpha_ids(world: World) -> AlphaIds:
    beta_ticket = handoff_create(user=world.users["bob"], association=world.beta).split("/")[-2]
    return AlphaIds(
        membership_pk=world.membership("alpha", "alice").pk,
        user_pk=world.users["alice"].pk,
        beta_ticket=beta_ticket,
    )


@pytest.fixture
def bob_cookie(world: World, signed_in) -> str:  # noqa: ANN001
    client = signed_in("beta", "bob")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def bob_client(cookie: str) -> Client:
    """A fresh client holding Bob's beta session (a probe may clear cookies it is sent)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return client


# --- The route list itself ---------------------------------------------------------------------


def test_every_workspace_route_is_classified():
    walked = {route.pattern: route.name for route in tenant_routes()}
    unlisted = sorted(set(walked) - set(EXPECTED))
    gone = sorted(set(EXPECTED) - set(walked))
    assert not unlisted, f"new routes, classify them in EXPECTED: {unlisted}"
    assert not gone, f"routes listed in EXPECTED that no longer exist: {gone}"
    assert {pattern: EXPECTED[pattern][0] for pattern in walked} == walked


def test_walk_reaches_included_allauth_and_api_routes():
    names = {route.name for route in tenant_routes()}
    assert {"account_login", "account_reset_password_from_key", "api_me", "home"} <= names


def test_unknown_parameter_is_refused(alpha_ids: AlphaIds):
    route = Route("things/<int:thing_pk>/", "thing", {"thing_pk": "int"})
    with pytest.raises(pytest.fail.Exception, match="thing_pk"):
        url_for(route, alpha_ids)


# --- The sweep ---------------------------------------------------------------------------------


def test_the_leak_detector_sees_alpha_data(world: World, signed_in, alpha_ids: AlphaIds):  # noqa: ANN001
    """Control: the same probes made by an alpha member do show alpha data, so a leak is seen."""
    alice = signed_in("alpha", "alice")
    assert leaks(alice.get("/me/"), world)
    assert leaks(alice.get("/api/v1/me/"), world)


@pytest.mark.parametrize("method", ["get", "post"])
def test_beta_member_gets_nothing_of_alpha_on_any_route(
    world: World, bob_cookie: str, alpha_ids: AlphaIds, method: str
):
    failures = []
    for route in tenant_routes():
        name, kind = EXPECTED[route.pattern]
        url = url_for(route, alpha_ids)
        client = bob_client(bob_cookie)
        if method == "get":
            response = client.get(url, HTTP_HOST=world.alpha.host)
        else:
            response = client.post(url, POST_BODIES.get(name, {}), HTTP_HOST=world.alpha.host)
        found = leaks(response, world)
        location = response.get("Location", "")
        if found or not outcome_ok(kind, response):
            failures.append(
                f"{method.upper()} {url} [{kind}] → {response.status_code} {location} {found}"
            )
        # Whatever the route did, Bob is not signed in at alpha afterwards.
        assert bob_client(bob_cookie).get("/", HTTP_HOST=world.alpha.host).status_code == 302
    assert not failures, "\n".join(failures)
    # Bob's session was real all along: at beta it signs him in.
    at_beta = bob_client(bob_cookie).get("/", HTTP_HOST=world.beta.host)
    assert at_beta.status_code == 200 and at_beta.wsgi_request.user.pk == world.users["bob"].pk
    # No probe changed anyone's account.
    assert User.objects.get(pk=world.users["bob"].pk).full_name == "Bob Board"
    assert User.objects.get(pk=world.users["bob"].pk).check_password(PASSWORD)


def test_beta_ticket_does_not_sign_in_at_alpha(world: World, alpha_ids: AlphaIds, client_for):  # noqa: ANN001
    client = client_for(world.alpha)
    response = client.get(f"/auth/handoff/{alpha_ids.beta_ticket}/")
    assert is_sign_in_redirect(response)
    assert client.get("/").status_code == 302
    # The ticket still works where it was issued for.
    at_beta = client_for(world.beta)
    assert at_beta.get(f"/auth/handoff/{alpha_ids.beta_ticket}/")["Location"] == "/"
    assert at_beta.get("/").status_code == 200


def test_beta_credentials_are_refused_at_alpha_sign_in(world: World, client_for):  # noqa: ANN001
    client = client_for(world.alpha)
    response = client.post(
        "/accounts/login/", {"login": email_of("bob"), "password": PASSWORD}
    )
    assert response.status_code == 403
    assert not leaks(response, world)
    assert is_sign_in_redirect(client.get("/"))


# --- Hosts and cookies -------------------------------------------------------------------------


def test_alpha_session_means_nothing_at_beta(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    assert alice.get("/", HTTP_HOST=world.alpha.host).status_code == 200  # control
    response = alice.get("/", HTTP_HOST=world.beta.host)
    assert is_sign_in_redirect(response)
    assert response.wsgi_request.user.is_anonymous
    api = alice.get("/api/v1/me/", HTTP_HOST=world.beta.host)
    assert api.status_code == 403 and not leaks(api, world)


def test_alpha_session_means_nothing_at_base_domain(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    response = alice.get("/associations/", HTTP_HOST=settings.BASE_DOMAIN)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert response.wsgi_request.user.is_anonymous
    assert not leaks(alice.get("/", HTTP_HOST=settings.BASE_DOMAIN), world)


def test_forwarded_host_is_not_trusted(world: World, signed_in):  # noqa: ANN001
    assert settings.USE_X_FORWARDED_HOST is False
    alice = signed_in("alpha", "alice")
    response = alice.get("/", HTTP_HOST=world.alpha.host, HTTP_X_FORWARDED_HOST=world.beta.host)
    assert response.status_code == 200
    assert response.wsgi_request.tenant.schema_name == world.alpha.schema_name
    assert "Alice" in response.content.decode()
    # And a forwarded alpha host does not carry Bob's beta session into alpha.
    bob = signed_in("beta", "bob")
    spoofed = bob.get("/", HTTP_HOST=world.beta.host, HTTP_X_FORWARDED_HOST=world.alpha.host)
    assert spoofed.wsgi_request.tenant.schema_name == world.beta.schema_name
    assert not leaks(spoofed, world)


def test_unknown_host_gets_a_friendly_404(world: World, client_for):  # noqa: ANN001
    response = Client().get("/", HTTP_HOST="zzz." + settings.BASE_DOMAIN)
    assert response.status_code == 404
    text = response.content.decode()
    assert "zzz." + settings.BASE_DOMAIN in text
    assert "Aucune association à cette adresse" in text
    assert "Traceback" not in text and "File \"" not in text


def test_disallowed_host_is_refused(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    response = alice.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert not leaks(response, world)
    assert b"Alpha" not in response.content


# --- Shared infrastructure: cache and files ----------------------------------------------------


def test_same_cache_key_is_separate_per_association(world: World):
    key = f"isolation-probe-{secrets.token_hex(4)}"
    with tenant_context(world.alpha):
        cache.set(key, "alpha's value", 60)
    with tenant_context(world.beta):
        assert cache.get(key) is None
        cache.set(key, "beta's value", 60)
    with tenant_context(world.alpha):
        assert cache.get(key) == "alpha's value"
        cache.delete(key)
    with tenant_context(world.beta):
        assert cache.get(key) == "beta's value"
        cache.delete(key)


def test_files_live_in_the_association_folder(world: World, tmp_path: Path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        with tenant_context(world.alpha):
            name = default_storage.save("minutes/board.txt", ContentFile(b"alpha's minutes"))
            path = Path(default_storage.path(name))
            assert default_storage.exists(name)
        assert path.parent.parent == tmp_path / world.alpha.schema_name
        assert path.read_bytes() == b"alpha's minutes"
        with tenant_context(world.beta):
            assert not default_storage.exists(name)
            assert default_storage.listdir("minutes") == ([], [])
            beta_path = Path(default_storage.path(name))
            assert beta_path.parent.parent == tmp_path / world.beta.schema_name


def test_alpha_memberships_are_not_visible_from_beta(world: World):
    """Plain ORM reads follow the schema: beta sees its own Memberships only."""
    with tenant_context(world.alpha):
        alpha_users = set(Membership.objects.values_list("user__email", flat=True))
    with tenant_context(world.beta):
        beta_users = set(Membership.objects.values_list("user__email", flat=True))
    assert alpha_users & beta_users == {email_of("sam")}
    assert email_of("alice") in alpha_users and email_of("alice") not in beta_users
