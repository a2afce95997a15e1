"""REST endpoints of the documents app (same policy, same services as the pages).
Whatever the member may not see answers 404, never 403."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership
from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import spaces_readable
from shared_apps.workspace.api import IsMember

from . import selectors, services
from .files import serve
from .models import Document, Folder
from .policy import SpaceRights, space_rights


def _membership(request: Request) -> Membership:
    return request._request.membership


def _invalid(exc: DjangoValidationError) -> ValidationError:
    return ValidationError({"detail": " ".join(exc.messages), "code": exc.code or "invalid"})


def _space(request: Request, slug: str | None) -> Space:
    if not slug:
        raise ValidationError({"space": [_("Choose a space.")]})
    space = selectors.space_for_documents(user_id=_membership(request).user_id, slug=slug)
    if space is None:
        raise NotFound
    return space


def _folder_of(space: Space, raw: object) -> Folder | None:
    if raw in (None, "", "null"):
        return None
    try:
        pk = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"folder": [_("A folder id is expected.")]}) from exc
    folder = selectors.folder_in_space(space=space, pk=pk)
    if folder is None:
        raise NotFound
    return folder


def _document(request: Request, pk: int) -> Document:
    document = selectors.document_for_reader(user_id=_membership(request).user_id, pk=pk)
    if document is None:
        raise NotFound
    return document


def _readable_folder(request: Request, pk: int) -> Folder:
    folder = (
        Folder.objects.filter(
            pk=pk, space__in=spaces_readable(user_id=_membership(request).user_id)
        )
        .select_related("space")
        .first()
    )
    if folder is None:
        raise NotFound
    return folder


# --- Serializers -------------------------------------------------------------------------------


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    space = serializers.CharField(help_text="The space's slug.")
    folder = serializers.IntegerField(allow_null=True)
    uploaded_by = serializers.IntegerField(allow_null=True)
    uploaded_by_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    trashed_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.CharField()
    preview_url = serializers.CharField(allow_null=True)
    can_manage = serializers.BooleanField()


def document_out(document: Document, *, names: dict[int, str], rights: SpaceRights) -> dict:
    return {
        "id": document.pk,
        "name": document.name,
        "description": document.description,
        "content_type": document.content_type,
        "size": document.size,
        "space": document.space.slug,
        "folder": document.folder_id,
        "uploaded_by": document.uploaded_by_id,
        "uploaded_by_name": names.get(document.uploaded_by_id, ""),
        "created_at": document.created_at,
        "updated_at": document.updated_at,
        "trashed_at": document.trashed_at,
        "download_url": reverse("api_documents_download", args=[document.pk]),
        "preview_url": reverse("documents_preview", args=[document.pk])
        if document.has_preview
        else None,
        "can_manage": rights.may_manage_document(document),
    }


def _one(request: Request, document: Document, code: int = status.HTTP_200_OK) -> Response:
    rights = space_rights(_membership(request), document.space)
    names = selectors.uploader_names([document])
    return Response(DocumentOut(document_out(document, names=names, rights=rights)).data,
                    status=code)


class DocumentFolderOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    space = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    created_by = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    can_manage = serializers.BooleanField()


def folder_out(folder: Folder, space: Space, rights: SpaceRights) -> dict:
    return {
        "id": folder.pk,
        "name": folder.name,
        "space": space.slug,
        "parent": folder.parent_id,
        "created_by": folder.created_by_id,
        "created_at": folder.created_at,
        "can_manage": rights.may_manage_folder(folder),
    }


class DocumentLibraryOut(serializers.Serializer):
    space = serializers.CharField()
    folder = serializers.IntegerField(allow_null=True)
    folders = DocumentFolderOut(many=True)
    documents = DocumentOut(many=True)


class DocumentUploadIn(serializers.Serializer):
    space = serializers.SlugField()
    folder = serializers.IntegerField(required=False, allow_null=True)
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DocumentRenameIn(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DocumentMoveIn(serializers.Serializer):
    folder = serializers.IntegerField(allow_null=True, help_text="null: the top of the library")


class DocumentFolderIn(serializers.Serializer):
    space = serializers.SlugField()
    name = serializers.CharField(max_length=120)
    parent = serializers.IntegerField(required=False, allow_null=True)


class DocumentFolderChangeIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    parent = serializers.IntegerField(required=False, allow_null=True)


class DocumentQuotaOut(serializers.Serializer):
    used_bytes = serializers.IntegerField()
    quota_bytes = serializers.IntegerField()
    left_bytes = serializers.IntegerField()
    max_upload_bytes = serializers.IntegerField()
    label = serializers.CharField()


def _parse(serializer_class: type[serializers.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_SPACE = OpenApiParameter("space", str, required=True, description="The space's slug.")
_FOLDER = OpenApiParameter("folder", int, required=False,
                           description="A folder of that space (default: the top).")


# --- Documents ---------------------------------------------------------------------------------


class DocumentListApi(APIView):
    """A space's library (one folder's content), and uploads (multipart)."""

    permission_classes = [IsMember]
    required_action = "workspace.view"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="documents_library", parameters=[_SPACE, _FOLDER],
                   responses=DocumentLibraryOut)
    def get(self, request: Request) -> Response:
        space = _space(request, request.query_params.get("space"))
        folder = _folder_of(space, request.query_params.get("folder"))
        rights = space_rights(_membership(request), space)
        documents = list(selectors.documents_in(space=space, folder=folder))
        for document in documents:
            document.space = space  # already known: no query per row
        names = selectors.uploader_names(documents)
        return Response(
            DocumentLibraryOut(
                {
                    "space": space.slug,
                    "folder": folder.pk if folder else None,
                    "folders": [
                        folder_out(f, space, rights)
                        for f in selectors.subfolders(space=space, parent=folder)
                    ],
                    "documents": [document_out(d, names=names, rights=rights) for d in documents],
                }
            ).data
        )

    @extend_schema(
        operation_id="documents_upload",
        request={"multipart/form-data": DocumentUploadIn},
        responses={201: DocumentOut, 400: OpenApiResponse(description="Refused upload")},
    )
    def post(self, request: Request) -> Response:
        data = _parse(DocumentUploadIn, request.data)
        space = _space(request, data["space"])
        folder = _folder_of(space, data.get("folder"))
        try:
            document = services.document_upload(
                membership=_membership(request), space=space, folder=folder,
                file=data["file"], description=data.get("description", ""),
            )
        except services.NotAllowed as exc:
            raise NotFound from exc
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return _one(request, document, status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=DocumentOut)
    def get(self, request: Request, pk: int) -> Response:
        return _one(request, _document(request, pk))


class DocumentRenameApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=DocumentRenameIn, responses=DocumentOut)
    def post(self, request: Request, pk: int) -> Response:
        document = _document(request, pk)
        data = _parse(DocumentRenameIn, request.data)
        try:
            services.document_rename(
                membership=_membership(request), document=document, name=data["name"],
                description=data.get("description"),
            )
        except services.NotAllowed as exc:
            raise NotFound from exc
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return _one(request, document)


class DocumentMoveApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=DocumentMoveIn, responses=DocumentOut)
    def post(self, request: Request, pk: int) -> Response:
        document = _document(request, pk)
        data = _parse(DocumentMoveIn, request.data)
        folder = _folder_of(document.space, data["folder"])
        try:
            services.document_move(membership=_membership(request), document=document,
                                   folder=folder)
        except services.NotAllowed as exc:
            raise NotFound from exc
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return _one(request, document)


class DocumentTrashApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=DocumentOut)
    def post(self, request: Request, pk: int) -> Response:
        document = _document(request, pk)
        try:
            services.document_trash(membership=_membership(request), document=document)
        except services.NotAllowed as exc:
            raise NotFound from exc
        return _one(request, document)


class DocumentRestoreApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=DocumentOut)
    def post(self, request: Request, pk: int) -> Response:
        document = selectors.trashed_document_for_reader(
            user_id=_membership(request).user_id, pk=pk
        )
        if document is None:
            raise NotFound
        try:
            services.document_restore(membership=_membership(request), document=document)
        except services.NotAllowed as exc:
            raise NotFound from exc
        return _one(request, document)


class DocumentTrashListApi(APIView):
    """The trashed documents of a space this member may restore."""

    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(parameters=[_SPACE], responses=DocumentOut(many=True))
    def get(self, request: Request) -> Response:
        space = _space(request, request.query_params.get("space"))
        rights = space_rights(_membership(request), space)
        documents = selectors.trash_of(space=space)
        if not rights.manage_all:
            documents = documents.filter(uploaded_by_id=rights.user_id)
        documents = list(documents)
        for document in documents:
            document.space = space
        names = selectors.uploader_names(documents)
        return Response(
            DocumentOut(
                [document_out(d, names=names, rights=rights) for d in documents], many=True
            ).data
        )


class DocumentDownloadApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The file, as an attachment (or a redirect to a short-lived signed URL "
        "when files are on S3).",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return serve(_document(request, pk), inline=False)


class QuotaApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=DocumentQuotaOut)
    def get(self, request: Request) -> Response:
        quota = selectors.quota()
        return Response(
            DocumentQuotaOut(
                {
                    "used_bytes": quota.used,
                    "quota_bytes": quota.total,
                    "left_bytes": quota.left,
                    "max_upload_bytes": selectors.max_upload_bytes(),
                    "label": quota.label,
                }
            ).data
        )


# --- Folders -----------------------------------------------------------------------------------


class FolderListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(parameters=[_SPACE], responses=DocumentFolderOut(many=True),
                   description="Every folder of the space (build the tree from `parent`).")
    def get(self, request: Request) -> Response:
        space = _space(request, request.query_params.get("space"))
        rights = space_rights(_membership(request), space)
        folders = selectors.space_folders(space=space).values()
        rows = [folder_out(f, space, rights) for f in folders]
        return Response(DocumentFolderOut(rows, many=True).data)

    @extend_schema(request=DocumentFolderIn, responses={201: DocumentFolderOut})
    def post(self, request: Request) -> Response:
        data = _parse(DocumentFolderIn, request.data)
        space = _space(request, data["space"])
        parent = _folder_of(space, data.get("parent"))
        try:
            folder = services.folder_create(
                membership=_membership(request), space=space, parent=parent, name=data["name"]
            )
        except services.NotAllowed as exc:
            raise NotFound from exc
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        rights = space_rights(_membership(request), space)
        return Response(DocumentFolderOut(folder_out(folder, space, rights)).data,
                        status=status.HTTP_201_CREATED)


class FolderDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    def _out(self, request: Request, folder: Folder) -> Response:
        rights = space_rights(_membership(request), folder.space)
        return Response(DocumentFolderOut(folder_out(folder, folder.space, rights)).data)

    @extend_schema(responses=DocumentFolderOut)
    def get(self, request: Request, pk: int) -> Response:
        return self._out(request, _readable_folder(request, pk))

    @extend_schema(request=DocumentFolderChangeIn, responses=DocumentFolderOut,
                   description="Rename (`name`) and/or move (`parent`, null for the top).")
    def patch(self, request: Request, pk: int) -> Response:
        folder = _readable_folder(request, pk)
        data = _parse(DocumentFolderChangeIn, request.data)
        try:
            if "parent" in data:
                parent = _folder_of(folder.space, data["parent"])
                services.folder_move(membership=_membership(request), folder=folder,
                                     parent=parent)
            if "name" in data:
                services.folder_rename(membership=_membership(request), folder=folder,
                                       name=data["name"])
        except services.NotAllowed as exc:
            raise NotFound from exc
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return self._out(request, folder)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        folder = _readable_folder(request, pk)
        try:
            services.folder_delete(membership=_membership(request), folder=folder)
        except services.NotAllowed as exc:
            raise NotFound from exc
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
