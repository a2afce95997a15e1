"""The demo association of `make run` shows every feature: its content is written through the
features' own services, once."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from shared_apps.discussions.models import Thread
from shared_apps.events.models import Event
from shared_apps.feedback.models import FeedbackItem
from shared_apps.news.models import Announcement
from shared_apps.polls.models import Poll
from shared_apps.search.models import SearchEntry
from shared_apps.surveys.models import Survey
from tenants.demo_content import demo_content_create


def test_demo_content_fills_every_feature_once(world, signed_in) -> None:  # noqa: ANN001
    people = [world.users[key].pk for key in ("alice", "alice", "arthur", "agnes", "amir")]
    with tenant_context(world.alpha):
        assert demo_content_create(user_ids=people) is True
        assert demo_content_create(user_ids=people) is False  # a second run adds nothing
        assert Announcement.objects.count() == 1
        assert Thread.objects.count() == 1
        assert Event.objects.filter(title="Permanence d’accueil").exclude(rrule="").count() == 1
        assert Event.objects.count() == 2
        assert Poll.objects.count() == 2
        assert Survey.objects.count() == 1
        assert FeedbackItem.objects.count() == 1
        assert SearchEntry.objects.filter(kind="event").count() == 2
    member = signed_in("alpha", "amir")
    for url, text in [
        ("/", "Bienvenue sur notre nouvel espace"),
        ("/events/", "Permanence d’accueil"),
        ("/polls/", "Quel thème pour la fête"),
        ("/surveys/", "Votre avis sur nos activités"),
        ("/search/?q=fete+quartier", "Fête de quartier"),
    ]:
        response = member.get(url)
        assert response.status_code == 200 and text in response.content.decode(), url
