"""Events pages, mounted at /events/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.events_list, name="events"),
    path("month/", views.events_month, name="events_month"),
    path("week/", views.events_week, name="events_week"),
    path("new/", views.events_create, name="events_create"),
    path("calendar/", views.events_calendar, name="events_calendar"),
    path("calendar/rotate/", views.events_calendar_rotate, name="events_calendar_rotate"),
    path("feed/<str:token>.ics", views.events_feed, name="events_feed"),
    path("answer/<str:token>/", views.events_rsvp_link, name="events_rsvp_link"),
    path("<int:pk>/", views.events_detail, name="events_detail"),
    path("<int:pk>/edit/", views.events_edit, name="events_edit"),
    path("<int:pk>/cancel/", views.events_cancel, name="events_cancel"),
    path("<int:pk>/delete/", views.events_delete, name="events_delete"),
    path("<int:pk>/rsvp/", views.events_rsvp, name="events_rsvp"),
    path("<int:pk>/attendees/", views.events_attendees, name="events_attendees"),
    path("<int:pk>/attendees.csv", views.events_attendees_csv, name="events_attendees_csv"),
    path("<int:pk>/check-in/", views.events_check_in, name="events_check_in"),
    path("<int:pk>/event.ics", views.events_ics, name="events_ics"),
]
