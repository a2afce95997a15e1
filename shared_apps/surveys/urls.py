"""Surveys pages, mounted at /surveys/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.surveys_index, name="surveys"),
    path("new/", views.surveys_create, name="surveys_create"),
    path("<int:pk>/", views.surveys_detail, name="surveys_detail"),
    path("respond/<str:token>/", views.surveys_respond_link, name="surveys_respond_link"),
    path("<int:pk>/edit/", views.surveys_edit, name="surveys_edit"),
    path("<int:pk>/questions/new/", views.surveys_question_add, name="surveys_question_add"),
    path("<int:pk>/open/", views.surveys_open, name="surveys_open"),
    path("<int:pk>/close/", views.surveys_close, name="surveys_close"),
    path("<int:pk>/delete/", views.surveys_delete, name="surveys_delete"),
    path("<int:pk>/results/", views.surveys_results, name="surveys_results"),
    path("<int:pk>/export/", views.surveys_export, name="surveys_export"),
    path("questions/<int:pk>/edit/", views.surveys_question_edit, name="surveys_question_edit"),
    path("questions/<int:pk>/delete/", views.surveys_question_delete,
         name="surveys_question_delete"),
    path("questions/<int:pk>/move/", views.surveys_question_move, name="surveys_question_move"),
]
