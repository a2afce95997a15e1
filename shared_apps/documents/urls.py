"""Documents pages, mounted at /documents/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.documents_home, name="documents"),
    path("s/<slug:slug>/", views.documents_space, name="documents_space"),
    path("s/<slug:slug>/f/<int:pk>/", views.documents_folder, name="documents_folder"),
    path("s/<slug:slug>/upload/", views.documents_upload, name="documents_upload"),
    path("s/<slug:slug>/folders/new/", views.documents_folder_create,
         name="documents_folder_create"),
    path("s/<slug:slug>/trash/", views.documents_trash, name="documents_trash"),
    path("folders/<int:pk>/edit/", views.documents_folder_edit, name="documents_folder_edit"),
    path("folders/<int:pk>/delete/", views.documents_folder_delete,
         name="documents_folder_delete"),
    path("<int:pk>/", views.documents_detail, name="documents_detail"),
    path("<int:pk>/download/", views.documents_download, name="documents_download"),
    path("<int:pk>/preview/", views.documents_preview, name="documents_preview"),
    path("<int:pk>/rename/", views.documents_rename, name="documents_rename"),
    path("<int:pk>/move/", views.documents_move, name="documents_move"),
    path("<int:pk>/trash/", views.documents_trash_document, name="documents_trash_document"),
    path("<int:pk>/restore/", views.documents_restore, name="documents_restore"),
]
