from django.urls import path

from . import api

urlpatterns = [
    path("members/", api.MemberListApi.as_view(), name="api_members"),
    path("members/me/", api.MyProfileApi.as_view(), name="api_members_me"),
    path("members/export/", api.MemberExportApi.as_view(), name="api_members_export"),
    path("members/settings/", api.MembersSettingsApi.as_view(), name="api_members_settings"),
    path("members/<int:pk>/", api.MemberDetailApi.as_view(), name="api_members_detail"),
    path("members/<int:pk>/role/", api.MemberRoleApi.as_view(), name="api_members_role"),
    path("members/<int:pk>/end/", api.MemberEndApi.as_view(), name="api_members_end"),
    path("members/<int:pk>/erase/", api.MemberEraseApi.as_view(), name="api_members_erase"),
    path("members/invitations/", api.InvitationListApi.as_view(), name="api_members_invitations"),
    path(
        "members/invitations/<int:pk>/resend/", api.InvitationResendApi.as_view(),
        name="api_members_invitation_resend",
    ),
    path(
        "members/invitations/<int:pk>/revoke/", api.InvitationRevokeApi.as_view(),
        name="api_members_invitation_revoke",
    ),
    path(
        "members/join-requests/", api.JoinRequestListApi.as_view(),
        name="api_members_join_requests",
    ),
    path(
        "members/join-requests/<int:pk>/approve/",
        api.JoinRequestDecideApi.as_view(decision="approve"),
        name="api_members_join_request_approve",
    ),
    path(
        "members/join-requests/<int:pk>/decline/",
        api.JoinRequestDecideApi.as_view(decision="decline"),
        name="api_members_join_request_decline",
    ),
]
