"""Spaces API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("spaces/", api.SpaceListApi.as_view(), name="api_spaces"),
    path("spaces/settings/", api.SpacesSettingsApi.as_view(), name="api_spaces_settings"),
    path("spaces/<slug:slug>/", api.SpaceDetailApi.as_view(), name="api_spaces_detail"),
    path("spaces/<slug:slug>/archive/", api.SpaceArchiveApi.as_view(),
         name="api_spaces_archive"),
    path("spaces/<slug:slug>/join/", api.SpaceJoinApi.as_view(), name="api_spaces_join"),
    path("spaces/<slug:slug>/leave/", api.SpaceLeaveApi.as_view(), name="api_spaces_leave"),
    path("spaces/<slug:slug>/request/", api.SpaceRequestApi.as_view(),
         name="api_spaces_request"),
    path("spaces/<slug:slug>/requests/", api.SpaceRequestListApi.as_view(),
         name="api_spaces_requests"),
    path("spaces/<slug:slug>/requests/<int:pk>/approve/", api.SpaceRequestApproveApi.as_view(),
         name="api_spaces_request_approve"),
    path("spaces/<slug:slug>/requests/<int:pk>/decline/", api.SpaceRequestDeclineApi.as_view(),
         name="api_spaces_request_decline"),
    path("spaces/<slug:slug>/members/", api.SpaceMemberAddApi.as_view(),
         name="api_spaces_member_add"),
    path("spaces/<slug:slug>/members/<int:pk>/remove/", api.SpaceMemberRemoveApi.as_view(),
         name="api_spaces_member_remove"),
    path("spaces/<slug:slug>/members/<int:pk>/moderator/", api.SpaceModeratorApi.as_view(),
         name="api_spaces_member_moderator"),
]
