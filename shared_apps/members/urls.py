from django.urls import path

from . import views

urlpatterns = [
    path("", views.directory_page, name="members"),
    path("me/", views.profile_edit, name="members_profile_edit"),
    path("export/", views.export_csv, name="members_export"),
    path("<int:pk>/", views.profile_page, name="members_profile"),
    path("<int:pk>/role/", views.change_role, name="members_change_role"),
    path("<int:pk>/end/", views.end_page, name="members_end"),
    path("<int:pk>/erase/", views.erase_page, name="members_erase"),
    path("invitations/", views.invitations_page, name="members_invitations"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="members_invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="members_invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="members_invitation_accept"),
    path(
        "invitations/<str:token>/renew/", views.invitation_renew,
        name="members_invitation_renew",
    ),
    path("import/", views.import_upload, name="members_import"),
    path("import/preview/", views.import_preview, name="members_import_preview"),
    path("join/", views.join_page, name="members_join"),
    path("join-requests/", views.join_requests_page, name="members_join_requests"),
    path(
        "join-requests/<int:pk>/approve/", views.join_request_decide, {"decision": "approve"},
        name="members_join_request_approve",
    ),
    path(
        "join-requests/<int:pk>/decline/", views.join_request_decide, {"decision": "decline"},
        name="members_join_request_decline",
    ),
]
