"""Events pages, mounted at /events/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.events_list, name="events"),
    path("<int:pk>/", views.events_detail, name="events_detail"),
    path("answer/<str:token>/", views.events_rsvp_link, name="events_rsvp_link"),
]
