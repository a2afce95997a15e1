"""Spaces pages, mounted at /spaces/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.space_list, name="spaces"),
    path("new/", views.space_create, name="spaces_create"),
    path("settings/", views.spaces_settings_view, name="spaces_settings"),
    path("<slug:slug>/", views.space_detail, name="spaces_detail"),
    path("<slug:slug>/edit/", views.space_edit, name="spaces_edit"),
    path("<slug:slug>/archive/", views.space_archive, name="spaces_archive"),
    path("<slug:slug>/join/", views.space_join, name="spaces_join"),
    path("<slug:slug>/leave/", views.space_leave, name="spaces_leave"),
    path("<slug:slug>/request/", views.space_request, name="spaces_request"),
    path("<slug:slug>/requests/<int:pk>/approve/", views.space_request_approve,
         name="spaces_request_approve"),
    path("<slug:slug>/requests/<int:pk>/decline/", views.space_request_decline,
         name="spaces_request_decline"),
    path("<slug:slug>/members/add/", views.space_member_add, name="spaces_member_add"),
    path("<slug:slug>/members/<int:pk>/remove/", views.space_member_remove,
         name="spaces_member_remove"),
    path("<slug:slug>/members/<int:pk>/moderator/", views.space_member_moderator,
         name="spaces_member_moderator"),
]
