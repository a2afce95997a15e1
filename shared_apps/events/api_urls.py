"""Events API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("events/", api.EventListApi.as_view(), name="api_events"),
    path("events/calendar/", api.CalendarFeedApi.as_view(), name="api_events_calendar"),
    path("events/<int:pk>/", api.EventDetailApi.as_view(), name="api_events_detail"),
    path("events/<int:pk>/cancel/", api.EventCancelApi.as_view(), name="api_events_cancel"),
    path("events/<int:pk>/rsvp/", api.EventRsvpApi.as_view(), name="api_events_rsvp"),
    path("events/<int:pk>/attendees/", api.EventAttendeesApi.as_view(),
         name="api_events_attendees"),
    path("events/<int:pk>/check-in/", api.EventCheckInApi.as_view(),
         name="api_events_check_in"),
]
