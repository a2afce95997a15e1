"""Members pages: directory, profiles, invitations, CSV import, join requests, and the board's
actions on memberships. Thin: a form parses, one service acts, a template renders."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth import login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.workspace.access import member_required
from shared_apps.workspace.csv_safe import safe_cell
from tenants.accounts.models import User

from . import csv_import, services
from .forms import (
    AcceptExistingAccountForm,
    AcceptNewAccountForm,
    ImportMappingForm,
    ImportUploadForm,
    InviteForm,
    JoinForm,
    MembersSettingsForm,
    ProfileForm,
    RoleForm,
)
from .models import Invitation, InvitationStatus, JoinRequest, Membership, Role
from .policy import can
from .selectors import (
    directory,
    display_name_of,
    emails_already_invited,
    emails_already_members,
    invitations_open,
    join_requests_pending,
    member_contact,
    member_spaces_for_viewer,
    members_for_export,
    members_settings,
    membership_for_viewer,
    profile_of,
)

PAGE_SIZE = 30
IMPORT_SESSION_KEY = "members_import"
# Public forms: how many tries per window (the cache key is per association already).
JOIN_LIMIT, PASSWORD_LIMIT, LIMIT_WINDOW_SECONDS = 5, 5, 15 * 60


def _over_limit(key: str, limit: int) -> bool:
    """Count one try; True once `limit` tries were made within the window."""
    cache.add(key, 0, LIMIT_WINDOW_SECONDS)
    try:
        tries = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LIMIT_WINDOW_SECONDS)
        tries = 1
    return tries > limit


def _roles_for(membership: Membership) -> list[str]:
    """Roles this person may give (only the board makes board administrators)."""
    if can(membership, "members.change_role"):
        return list(Role.values)
    return [r for r in Role.values if r != Role.BOARD]


# --- Directory and profiles --------------------------------------------------------------------


@member_required("members.view_directory")
@require_GET
def directory_page(request: HttpRequest) -> HttpResponse:
    from shared_apps.spaces.selectors import spaces_listed

    query = request.GET.get("q", "")[:100]
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    try:
        space_id = int(request.GET["space"]) if request.GET.get("space") else None
    except ValueError:
        space_id = None
    members = directory(
        viewer_user_id=request.user.pk, query=query, role=role, space_id=space_id
    )
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"membership": m, "name": display_name_of(m)} for m in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "q": query,
        "role": role,
        "space_id": space_id,
        "roles": Role.choices,
        "spaces": list(spaces_listed(user_id=request.user.pk)),
        "filters": request.GET.copy(),
    }
    context["filters"].pop("page", None)
    template = "members/_directory_results.html" if request.htmx else "members/directory.html"
    return render(request, template, context)


@member_required("members.view_directory")
@require_GET
def profile_page(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.membership
    membership = membership_for_viewer(viewer=viewer, pk=pk)
    if membership is None:
        raise Http404
    return render(
        request,
        "members/profile.html",
        {
            "member": membership,
            "profile": profile_of(membership),
            "name": display_name_of(membership),
            "contact": member_contact(viewer=viewer, membership=membership),
            "spaces": member_spaces_for_viewer(
                viewer_user_id=request.user.pk, user_id=membership.user_id
            ),
            "is_self": membership.pk == viewer.pk,
            "may_change_role": can(viewer, "members.change_role"),
            "may_end": can(viewer, "members.end"),
            "may_erase": can(viewer, "members.erase"),
            "role_form": RoleForm(initial={"role": membership.role, "title": membership.title}),
        },
    )


@member_required()
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    profile = profile_of(membership)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            membership=membership,
            **{name: form.cleaned_data[name] for name in services.PROFILE_FIELDS},
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("members_profile", pk=membership.pk)
    return render(
        request, "members/profile_edit.html",
        {"form": form, "account_name": request.user.full_name},
        status=400 if form.errors else 200,
    )


def _member_for_action(request: HttpRequest, pk: int) -> Membership:
    membership = membership_for_viewer(viewer=request.membership, pk=pk)
    if membership is None:
        raise Http404
    return membership


@member_required("members.change_role")
@require_POST
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member_for_action(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("members_profile", pk=pk)
    try:
        services.member_change_role(
            membership=membership, role=form.cleaned_data["role"],
            title=form.cleaned_data["title"], by=request.membership,
        )
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Role saved."))
    return redirect("members_profile", pk=pk)


@member_required("members.end")
@require_http_methods(["GET", "POST"])
def end_page(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member_for_action(request, pk)
    if request.method == "POST":
        try:
            services.member_end(membership=membership, by=request.membership)
        except services.MembershipError as exc:
            messages.error(request, str(exc))
            return redirect("members_profile", pk=pk)
        messages.success(request, _("The membership is ended."))
        if membership.pk == request.membership.pk:
            return redirect("account_login")
        return redirect("members")
    return render(
        request, "members/confirm.html",
        {"member": membership, "name": display_name_of(membership), "action": "end"},
    )


@member_required("members.erase")
@require_http_methods(["GET", "POST"])
def erase_page(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member_for_action(request, pk)
    if request.method == "POST":
        try:
            services.member_erase(membership=membership, by=request.membership)
        except services.MembershipError as exc:
            messages.error(request, str(exc))
            return redirect("members_profile", pk=pk)
        messages.success(request, _("The member's personal data is erased."))
        return redirect("members")
    return render(
        request, "members/confirm.html",
        {"member": membership, "name": display_name_of(membership), "action": "erase"},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_rows(viewer: Membership) -> Iterator[list[str]]:
    yield [_("Name"), _("Email"), _("Phone"), _("Role"), _("Title"), _("Member since")]
    for membership in members_for_export().iterator(chunk_size=500):
        contact = member_contact(viewer=viewer, membership=membership)
        since = membership.activated_at or membership.created_at
        yield [
            display_name_of(membership), contact.email or "", contact.phone or "",
            membership.get_role_display(), membership.title,
            timezone.localtime(since).date().isoformat(),
        ]


def export_response(viewer: Membership) -> StreamingHttpResponse:
    """CSV for Excel: UTF-8 with BOM and `;`. Only what the board may see (a member who hid
    their email or phone from everyone keeps it hidden here too)."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield "\ufeff"
        for row in export_rows(viewer):
            yield writer.writerow([safe_cell(cell) for cell in row])  # names, titles

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response


@member_required("members.export")
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    return export_response(request.membership)


# --- Invitations -------------------------------------------------------------------------------


@member_required("members.invite")
@require_http_methods(["GET", "POST"])
def invitations_page(request: HttpRequest) -> HttpResponse:
    roles = _roles_for(request.membership)
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        entries = [
            services.InviteEntry(
                email=email, role=form.cleaned_data["role"], title=form.cleaned_data["title"]
            )
            for email in form.cleaned_data["emails"]
        ]
        try:
            created = services.invitations_create(entries=entries, invited_by=request.membership)
        except services.MembershipError as exc:
            form.add_error("emails", str(exc))
        else:
            messages.success(
                request, _("Invitations sent: %(count)d.") % {"count": len(created)}
            )
            return redirect("members_invitations")
    invitations = list(invitations_open()[:500])
    return render(
        request, "members/invitations.html",
        {"form": form, "invitations": invitations, "now": timezone.now()},
        status=400 if form.errors else 200,
    )


def _open_invitation(pk: int) -> Invitation:
    return get_object_or_404(Invitation, pk=pk, status=InvitationStatus.PENDING)


@member_required("members.invite")
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _open_invitation(pk)
    services.invitation_send(invitation=invitation)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("members_invitations")


@member_required("members.invite")
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _open_invitation(pk)
    services.invitation_revoke(invitation=invitation, by=request.membership)
    messages.success(request, _("Invitation revoked."))
    return redirect("members_invitations")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the link from the email. Creates the account if needed, or asks for the
    existing account's password (signing in at a workspace is for members only)."""
    invitation = services.invitation_from_token(token)
    if invitation is None or invitation.status == InvitationStatus.REVOKED:
        return render(request, "members/invitation_invalid.html", status=404)
    if invitation.status == InvitationStatus.ACCEPTED:
        messages.info(request, _("This invitation was already accepted. Please sign in."))
        return redirect("account_login")
    if invitation.is_expired():
        return render(
            request, "members/invitation_expired.html", {"token": token}, status=410
        )
    if request.user.is_authenticated and request.user.email != invitation.email:
        return render(
            request, "members/invitation_other_account.html", {"invitation": invitation},
            status=403,
        )
    account = User.objects.filter(email__iexact=invitation.email).first()
    form_class = AcceptExistingAccountForm if account else AcceptNewAccountForm
    form = form_class(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        if account is not None:
            if _over_limit(f"members:accept:{invitation.pk}", PASSWORD_LIMIT):
                form.add_error(None, _("Too many tries. Please wait a few minutes."))
            elif not account.is_active or not account.check_password(
                form.cleaned_data["password"]
            ):
                form.add_error("password", _("This password is not right."))
        if not form.errors:
            try:
                with transaction.atomic():
                    if account is None:
                        account = services.account_for_invitation(
                            invitation=invitation, full_name=form.cleaned_data["full_name"],
                            password=form.cleaned_data["password"],
                        )
                    services.invitation_accept(invitation=invitation, user=account)
            except services.MembershipError as exc:
                form.add_error(None, str(exc))
            else:
                login(request, account, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("Welcome to %(name)s!") % {"name": request.tenant.name}
                )
                return redirect("home")
    return render(
        request, "members/invitation_accept.html",
        {"invitation": invitation, "form": form, "has_account": account is not None},
        status=400 if form.errors else 200,
    )


@require_POST
def invitation_renew(request: HttpRequest, token: str) -> HttpResponse:
    """Public: from an expired link, ask the board for a new one."""
    invitation = services.invitation_from_token(token)
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return render(request, "members/invitation_invalid.html", status=404)
    if not invitation.is_expired():
        return redirect("members_invitation_accept", token=token)
    services.invitation_request_renewal(invitation=invitation)
    return render(request, "members/invitation_renewal_requested.html")


# --- CSV import ----------------------------------------------------------------------------------


@member_required("members.import")
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = csv_import.decode(upload.read(csv_import.MAX_BYTES + 1))
            csv_import.read_table(text)
        except csv_import.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            # Kept in this member's session (this association's schema) until confirmed.
            request.session[IMPORT_SESSION_KEY] = {"text": text, "name": upload.name[:100]}
            return redirect("members_import_preview")
    return render(
        request, "members/import_upload.html", {"form": form},
        status=400 if form.errors else 200,
    )


def _analyse(request: HttpRequest, table: csv_import.Table, form: ImportMappingForm) -> list:
    emails = [row[form.mapping()["email"]].lower() for _n, row in table.rows
              if form.mapping()["email"] is not None and form.mapping()["email"] < len(row)]
    return csv_import.analyse(
        table, form.mapping(), default_role=form.cleaned_data["default_role"],
        members=emails_already_members(emails), invited=emails_already_invited(emails),
        allowed_roles=set(_roles_for(request.membership)),
    )


@member_required("members.import")
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest) -> HttpResponse:
    stored = request.session.get(IMPORT_SESSION_KEY)
    if not stored:
        messages.info(request, _("Choose a file to import first."))
        return redirect("members_import")
    table = csv_import.read_table(stored["text"])
    roles = _roles_for(request.membership)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        request.session.pop(IMPORT_SESSION_KEY, None)
        return redirect("members_import")
    if request.method == "POST":
        form = ImportMappingForm(request.POST, header=table.header, roles=roles)
    else:
        guessed = csv_import.guess_mapping(table)
        form = ImportMappingForm(
            {f"col_{k}": "" if v is None else str(v) for k, v in guessed.items()}
            | {"default_role": Role.MEMBER, "send": "now"},
            header=table.header, roles=roles,
        )
    rows = _analyse(request, table, form) if form.is_valid() else []
    if request.method == "POST" and request.POST.get("action") == "import" and form.is_valid():
        valid = [row for row in rows if row.is_valid]
        send = form.cleaned_data["send"] == "now"
        try:
            services.invitations_create(
                entries=[
                    services.InviteEntry(
                        email=r.email, role=r.role, title=r.title, full_name=r.full_name,
                        phone=r.phone,
                    )
                    for r in valid
                ],
                invited_by=request.membership, send=send,
            )
        except services.MembershipError as exc:
            # Someone changed the list meanwhile: nothing was imported; show it again.
            form.add_error(None, str(exc))
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
            return render(
                request, "members/import_summary.html",
                {"rows": rows, "imported": len(valid), "skipped": len(rows) - len(valid),
                 "sent": send},
            )
    return render(
        request, "members/import_preview.html",
        {
            "form": form, "rows": rows, "name": stored["name"],
            "valid_count": sum(1 for r in rows if r.is_valid),
            "header": table.header, "mapping_fields": [form[f"col_{n}"] for n, _l in
                                                       csv_import.FIELDS],
        },
        status=400 if form.errors else 200,
    )


# --- Asking to join ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join_page(request: HttpRequest) -> HttpResponse:
    """Public when the board opened it: anyone leaves a name and an email; no sign-in (signing
    in at a workspace is for members only)."""
    if not members_settings().join_requests_open:
        raise Http404
    form = JoinForm(request.POST or None)
    if request.method == "POST" and _over_limit(
        f"members:join:{request.META.get('REMOTE_ADDR', '')}", JOIN_LIMIT
    ):
        form.is_valid()
        form.add_error(None, _("Too many requests. Please wait a few minutes."))
    elif request.method == "POST" and form.is_valid():
        try:
            services.join_request_create(**form.cleaned_data)
        except services.MembershipError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "members/join_sent.html")
    return render(
        request, "members/join.html", {"form": form}, status=400 if form.errors else 200
    )


@member_required("members.review_join_requests")
@require_http_methods(["GET", "POST"])
def join_requests_page(request: HttpRequest) -> HttpResponse:
    may_configure = can(request.membership, "association.manage")
    settings_form = MembersSettingsForm(
        request.POST or None,
        initial={"join_requests_open": members_settings().join_requests_open},
    )
    if request.method == "POST":
        if not may_configure:
            raise Http404
        if settings_form.is_valid():
            services.members_settings_update(
                join_requests_open=settings_form.cleaned_data["join_requests_open"]
            )
            messages.success(request, _("Settings saved."))
            return redirect("members_join_requests")
    return render(
        request, "members/join_requests.html",
        {
            "requests": list(join_requests_pending()[:500]),
            "settings_form": settings_form,
            "may_configure": may_configure,
        },
    )


@member_required("members.review_join_requests")
@require_POST
def join_request_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    join_request = get_object_or_404(JoinRequest, pk=pk)
    try:
        if decision == "approve":
            services.join_request_approve(join_request=join_request, by=request.membership)
            messages.success(request, _("Approved: an invitation is on its way."))
        else:
            services.join_request_decline(join_request=join_request, by=request.membership)
            messages.success(request, _("Request declined."))
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    return redirect("members_join_requests")
