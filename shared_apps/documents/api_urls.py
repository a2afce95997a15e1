"""Documents API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("documents/", api.DocumentListApi.as_view(), name="api_documents"),
    path("documents/quota/", api.QuotaApi.as_view(), name="api_documents_quota"),
    path("documents/trash/", api.DocumentTrashListApi.as_view(), name="api_documents_trash"),
    path("documents/folders/", api.FolderListApi.as_view(), name="api_documents_folders"),
    path("documents/folders/<int:pk>/", api.FolderDetailApi.as_view(),
         name="api_documents_folder"),
    path("documents/<int:pk>/", api.DocumentDetailApi.as_view(), name="api_documents_detail"),
    path("documents/<int:pk>/rename/", api.DocumentRenameApi.as_view(),
         name="api_documents_rename"),
    path("documents/<int:pk>/move/", api.DocumentMoveApi.as_view(), name="api_documents_move"),
    path("documents/<int:pk>/trash/", api.DocumentTrashApi.as_view(),
         name="api_documents_trash_document"),
    path("documents/<int:pk>/restore/", api.DocumentRestoreApi.as_view(),
         name="api_documents_restore"),
    path("documents/<int:pk>/download/", api.DocumentDownloadApi.as_view(),
         name="api_documents_download"),
]
