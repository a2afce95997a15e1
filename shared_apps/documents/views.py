"""Documents pages, mounted at /documents/. Phone first; every action is a plain form."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import spaces_readable
from shared_apps.workspace.access import member_required

from . import selectors, services
from .files import serve
from .forms import FolderForm, MoveForm, RenameForm, UploadForm
from .models import Document, Folder
from .policy import SpaceRights, space_rights


def _space(request: HttpRequest, slug: str) -> Space:
    space = selectors.space_for_documents(user_id=request.membership.user_id, slug=slug)
    if space is None:
        raise Http404
    return space


def _document(request: HttpRequest, pk: int) -> Document:
    document = selectors.document_for_reader(user_id=request.membership.user_id, pk=pk)
    if document is None:
        raise Http404
    return document


def _folder(request: HttpRequest, pk: int) -> Folder:
    folder = (
        Folder.objects.filter(
            pk=pk, space__in=spaces_readable(user_id=request.membership.user_id)
        )
        .select_related("space")
        .first()
    )
    if folder is None:
        raise Http404
    return folder


def _place_url(space: Space, folder_id: int | None) -> str:
    if folder_id:
        return reverse("documents_folder", args=[space.slug, folder_id])
    return reverse("documents_space", args=[space.slug])


def folder_choices(
    folders: dict[int, Folder], exclude: set[int] | None = None
) -> list[tuple[str, str]]:
    """Move targets: the top of the library, then every folder by its full path."""
    rows = [
        (str(f.pk), selectors.folder_label(f, folders))
        for f in folders.values()
        if f.pk not in (exclude or set())
    ]
    return [("", _("Top of the library"))] + sorted(rows, key=lambda r: r[1].casefold())


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_GET
@member_required()
def documents_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "documents/home.html",
        {
            "libraries": selectors.libraries_for(user_id=request.membership.user_id),
            "quota": selectors.quota(),
        },
    )


def _library(
    request: HttpRequest,
    space: Space,
    folder: Folder | None,
    *,
    upload_form: UploadForm | None = None,
    folder_form: FolderForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rights = space_rights(request.membership, space)
    folders = selectors.space_folders(space=space)
    documents = list(selectors.documents_in(space=space, folder=folder))
    names = selectors.uploader_names(documents)
    rows = [
        {
            "document": d,
            "uploader": names.get(d.uploaded_by_id, ""),
            "size": selectors.human_size(d.size),
            "may_manage": rights.may_manage_document(d),
        }
        for d in documents
    ]
    parent_id = folder.pk if folder else None
    return render(
        request,
        "documents/library.html",
        {
            "space": space,
            "folder": folder,
            "breadcrumbs": selectors.folder_path(folder, folders),
            "subfolders": selectors.subfolders(space=space, parent=folder),
            "rows": rows,
            "rights": rights,
            "may_manage_folder": folder is not None and rights.may_manage_folder(folder),
            "quota": selectors.quota(),
            "max_upload": selectors.human_size(selectors.max_upload_bytes()),
            "upload_form": upload_form or UploadForm(initial={"folder": parent_id}),
            "folder_form": folder_form or FolderForm(initial={"parent": parent_id}),
        },
        status=status,
    )


@require_GET
@member_required()
def documents_space(request: HttpRequest, slug: str) -> HttpResponse:
    return _library(request, _space(request, slug), None)


@require_GET
@member_required()
def documents_folder(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    space = _space(request, slug)
    folder = selectors.folder_in_space(space=space, pk=pk)
    if folder is None:
        raise Http404
    return _library(request, space, folder)


def _posted_folder(space: Space, raw: int | None) -> Folder | None:
    if not raw:
        return None
    folder = selectors.folder_in_space(space=space, pk=raw)
    if folder is None:
        raise Http404
    return folder


@require_POST
@member_required()
def documents_upload(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    form = UploadForm(request.POST, request.FILES)
    folder = None
    if form.is_valid():
        folder = _posted_folder(space, form.cleaned_data["folder"])
        try:
            document = services.document_upload(
                membership=request.membership,
                space=space,
                folder=folder,
                file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except services.NotAllowed as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form.add_error("file", _error_text(exc))
        else:
            messages.success(request, _("“%(name)s” was uploaded.") % {"name": document.name})
            return redirect(_place_url(space, folder.pk if folder else None))
    return _library(request, space, folder, upload_form=form, status=400)


@require_POST
@member_required()
def documents_folder_create(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    form = FolderForm(request.POST)
    parent = None
    if form.is_valid():
        parent = _posted_folder(space, form.cleaned_data["parent"])
        try:
            folder = services.folder_create(
                membership=request.membership, space=space, parent=parent,
                name=form.cleaned_data["name"],
            )
        except services.NotAllowed as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form.add_error("name", _error_text(exc))
        else:
            messages.success(request, _("Folder “%(name)s” created.") % {"name": folder.name})
            return redirect(_place_url(space, folder.pk))
    return _library(request, space, parent, folder_form=form, status=400)


@member_required()
def documents_folder_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename or move a folder (its creator, moderators, board and staff)."""
    folder = _folder(request, pk)
    rights = space_rights(request.membership, folder.space)
    if not rights.may_manage_folder(folder):
        raise Http404
    folders = selectors.space_folders(space=folder.space)
    choices = folder_choices(folders, exclude=selectors.folder_descendant_ids(folder, folders))
    rename = FolderForm(initial={"name": folder.name})
    move = MoveForm(choices=choices, initial={"folder": folder.parent_id or ""})
    moving = request.POST.get("action") == "move"
    if request.method == "POST":
        form: FolderForm | MoveForm
        if moving:
            form = move = MoveForm(request.POST, choices=choices)
        else:
            form = rename = FolderForm(request.POST)
        if form.is_valid():
            try:
                if moving:
                    target = _posted_folder(folder.space, move.cleaned_data["folder"])
                    services.folder_move(
                        membership=request.membership, folder=folder, parent=target
                    )
                    messages.success(request, _("Folder moved."))
                else:
                    services.folder_rename(
                        membership=request.membership, folder=folder,
                        name=rename.cleaned_data["name"],
                    )
                    messages.success(request, _("Folder renamed."))
            except services.NotAllowed as exc:
                raise Http404 from exc
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                return redirect(_place_url(folder.space, folder.pk))
    return render(
        request,
        "documents/folder_edit.html",
        {
            "folder": folder,
            "space": folder.space,
            "breadcrumbs": selectors.folder_path(folder, folders),
            "rename_form": rename,
            "move_form": move,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@member_required()
def documents_folder_delete(request: HttpRequest, pk: int) -> HttpResponse:
    folder = _folder(request, pk)
    space, parent_id = folder.space, folder.parent_id
    try:
        services.folder_delete(membership=request.membership, folder=folder)
    except services.NotAllowed as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(_place_url(space, folder.pk))
    messages.success(request, _("Folder deleted."))
    return redirect(_place_url(space, parent_id))


def _detail(
    request: HttpRequest,
    document: Document,
    *,
    rename_form: RenameForm | None = None,
    move_form: MoveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rights: SpaceRights = space_rights(request.membership, document.space)
    folders = selectors.space_folders(space=document.space)
    choices = folder_choices(folders)
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "space": document.space,
            "breadcrumbs": selectors.folder_path(document.folder, folders),
            "uploader": selectors.uploader_names([document]).get(document.uploaded_by_id, ""),
            "size": selectors.human_size(document.size),
            "may_manage": rights.may_manage_document(document),
            "rename_form": rename_form
            or RenameForm(initial={"name": document.name, "description": document.description}),
            "move_form": move_form
            or MoveForm(choices=choices, initial={"folder": document.folder_id or ""}),
        },
        status=status,
    )


@require_GET
@member_required()
@csp_update({"frame-src": ["'self'"]})  # the PDF preview is framed from our own origin
def documents_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _document(request, pk))


@require_GET
@member_required()
def documents_download(request: HttpRequest, pk: int) -> HttpResponse:
    return serve(_document(request, pk), inline=False)


@require_GET
@member_required()
@xframe_options_sameorigin
def documents_preview(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    if not document.has_preview:
        raise Http404
    return serve(document, inline=True)


@require_POST
@member_required()
@csp_update({"frame-src": ["'self'"]})
def documents_rename(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            services.document_rename(
                membership=request.membership, document=document,
                name=form.cleaned_data["name"], description=form.cleaned_data["description"],
            )
        except services.NotAllowed as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form.add_error("name", _error_text(exc))
        else:
            messages.success(request, _("Document renamed."))
            return redirect("documents_detail", pk=document.pk)
    document.refresh_from_db()
    return _detail(request, document, rename_form=form, status=400)


@require_POST
@member_required()
@csp_update({"frame-src": ["'self'"]})
def documents_move(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    folders = selectors.space_folders(space=document.space)
    form = MoveForm(request.POST, choices=folder_choices(folders))
    if form.is_valid():
        target = _posted_folder(document.space, form.cleaned_data["folder"])
        try:
            services.document_move(membership=request.membership, document=document,
                                   folder=target)
        except services.NotAllowed as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form.add_error("folder", _error_text(exc))
        else:
            messages.success(request, _("Document moved."))
            return redirect("documents_detail", pk=document.pk)
    return _detail(request, document, move_form=form, status=400)


@require_POST
@member_required()
def documents_trash_document(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    try:
        services.document_trash(membership=request.membership, document=document)
    except services.NotAllowed as exc:
        raise Http404 from exc
    messages.success(
        request,
        _("“%(name)s” is in the trash. It can be restored for %(days)s days.")
        % {"name": document.name, "days": selectors.TRASH_DAYS},
    )
    return redirect(_place_url(document.space, document.folder_id))


@require_POST
@member_required()
def documents_restore(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.trashed_document_for_reader(user_id=request.membership.user_id, pk=pk)
    if document is None:
        raise Http404
    try:
        services.document_restore(membership=request.membership, document=document)
    except services.NotAllowed as exc:
        raise Http404 from exc
    messages.success(request, _("“%(name)s” was restored.") % {"name": document.name})
    return redirect("documents_detail", pk=document.pk)


@require_GET
@member_required()
def documents_trash(request: HttpRequest, slug: str) -> HttpResponse:
    """What the member may restore: their own trashed documents, everything for moderators."""
    space = _space(request, slug)
    rights = space_rights(request.membership, space)
    documents = selectors.trash_of(space=space)
    if not rights.manage_all:
        documents = documents.filter(uploaded_by_id=request.membership.user_id)
    documents = list(documents)
    names = selectors.uploader_names(documents)
    rows = [
        {
            "document": d,
            "uploader": names.get(d.uploaded_by_id, ""),
            "purge_after": selectors.purge_after(d),
            "may_restore": rights.may_manage_document(d),
        }
        for d in documents
    ]
    return render(
        request,
        "documents/trash.html",
        {"space": space, "rows": rows, "days": selectors.TRASH_DAYS},
    )
