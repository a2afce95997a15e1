"""Surveys API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("surveys/", api.SurveyListApi.as_view(), name="api_surveys"),
    path("surveys/<int:pk>/", api.SurveyDetailApi.as_view(), name="api_surveys_detail"),
    path("surveys/<int:pk>/open/", api.SurveyOpenApi.as_view(), name="api_surveys_open"),
    path("surveys/<int:pk>/close/", api.SurveyCloseApi.as_view(), name="api_surveys_close"),
    path("surveys/<int:pk>/questions/", api.SurveyQuestionAddApi.as_view(),
         name="api_surveys_questions"),
    path("surveys/<int:pk>/response/", api.SurveyResponseApi.as_view(),
         name="api_surveys_response"),
    path("surveys/<int:pk>/results/", api.SurveyResultsApi.as_view(),
         name="api_surveys_results"),
    path("surveys/<int:pk>/export/", api.SurveyExportApi.as_view(), name="api_surveys_export"),
    path("surveys/questions/<int:pk>/", api.SurveyQuestionApi.as_view(),
         name="api_surveys_question"),
]
