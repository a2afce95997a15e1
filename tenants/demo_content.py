"""What the demo association of `make run` holds, so that every page has something to show:
a working group, news, a discussion, events (one of them weekly), polls, a survey and field
feedback. Written through the features' own services, like a real association would."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from shared_apps.discussions.services import message_reply, thread_create
from shared_apps.events.recurrence import Freq, Recurrence
from shared_apps.events.services import event_create
from shared_apps.feedback.models import ItemKind
from shared_apps.feedback.services import item_report, theme_create
from shared_apps.news.models import Announcement
from shared_apps.news.services import announcement_publish
from shared_apps.polls.models import PollKind
from shared_apps.polls.services import Slot, poll_create
from shared_apps.spaces.models import Visibility
from shared_apps.spaces.selectors import space_default
from shared_apps.spaces.services import space_create
from shared_apps.surveys.models import QuestionKind
from shared_apps.surveys.services import QuestionSpec, survey_create


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    paris = ZoneInfo("Europe/Paris")
    return datetime.combine(day.date(), time(hour, minute), tzinfo=paris)


def demo_content_create(*, user_ids: list[int]) -> bool:
    """Fill the current association (the demo's schema) once; False if it already has news.
    `user_ids`: president, treasurer, staff member, volunteer, member."""
    if Announcement.objects.exists():
        return False
    president, treasurer, staff, volunteer, member = user_ids
    everyone = space_default()
    fete = space_create(
        actor_id=staff, name="Fête de quartier",
        description="Préparation de la fête du printemps : stands, musique, buvette.",
        visibility=Visibility.OPEN, moderator_user_ids=[staff, volunteer],
    )
    announcement_publish(
        author_id=president, space=everyone, pinned=True,
        title="Bienvenue sur notre nouvel espace",
        body="Toutes les nouvelles de l’association sont désormais ici : **événements**, "
             "sondages, discussions et documents. Pensez à compléter votre profil !",
    )
    thread = thread_create(
        space=fete, author_id=volunteer, title="Qui tient la buvette ?",
        body="Il nous faut trois personnes par créneau de deux heures. Qui est partant ?",
    )
    message_reply(thread=thread, author_id=member, body="Je peux faire le créneau de 14 h.")

    today = timezone.localtime()
    next_monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    event_create(
        author_id=staff, space=everyone, title="Permanence d’accueil",
        starts_at=_at(next_monday, 18), ends_at=_at(next_monday, 19, 30),
        location="Maison des associations, 12 rue des Lilas",
        recurrence=Recurrence(freq=Freq.WEEKLY, count=12), invite=False,
    )
    fete_day = next_monday + timedelta(days=26)
    event_create(
        author_id=staff, space=fete, title="Fête de quartier",
        starts_at=_at(fete_day, 14), ends_at=_at(fete_day, 22),
        location="Place du marché", capacity=40,
        description="Venez nombreux ! Inscription conseillée pour les bénévoles.", invite=False,
    )
    poll_create(
        author_id=president, space=everyone, kind=PollKind.SINGLE,
        question="Quel thème pour la fête de cette année ?",
        options=["Les années 80", "Le tour du monde", "Le cirque"],
        deadline=today + timedelta(days=14),
    )
    poll_create(
        author_id=treasurer, space=everyone, kind=PollKind.DATE,
        question="Date de l’assemblée générale",
        slots=[
            Slot(_at(next_monday + timedelta(days=d), 19), _at(next_monday + timedelta(days=d), 21))
            for d in (10, 12, 17)
        ],
    )
    survey_create(
        author_id=staff, space=everyone, title="Votre avis sur nos activités",
        introduction="Cinq minutes pour nous aider à préparer la rentrée.", anonymous=True,
        open_now=True,
        questions=[
            QuestionSpec(kind=QuestionKind.SCALE, label="Êtes-vous satisfait·e des activités ?",
                         required=True, scale_min=1, scale_max=5,
                         scale_min_label="Pas du tout", scale_max_label="Tout à fait"),
            QuestionSpec(kind=QuestionKind.MULTIPLE, label="Quelles activités suivez-vous ?",
                         choices=["Jardin partagé", "Aide aux devoirs", "Repair café"]),
            QuestionSpec(kind=QuestionKind.LONG_TEXT, label="Une idée pour l’an prochain ?"),
        ],
    )
    theme = theme_create(name="Local et matériel")
    item_report(
        reporter_id=volunteer, kind=ItemKind.PROBLEM, theme_id=theme.pk,
        title="Le chauffage du local ne marche plus",
        description="Depuis lundi, la salle du fond reste froide pendant les permanences.",
        place="Maison des associations",
    )
    return True
