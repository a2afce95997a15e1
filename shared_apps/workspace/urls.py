from django.urls import path

from tenants.accounts.views import language_set

from . import pwa, views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("auth/handoff/<str:token>/", views.handoff, name="handoff"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("sw.js", pwa.service_worker, name="pwa_service_worker"),
    path("offline/", pwa.offline, name="pwa_offline"),
]
