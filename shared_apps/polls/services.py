"""What happens in the polls app. Views and API endpoints check the policy, then call one of
these; each runs in one transaction and tells the notifications and search apps what happened.

Anonymous ballots — the design, and its limits:
- `Participation` (poll, user, day) records WHO voted; `Ballot` records WHAT, with no user, no
  timestamp and a random UUID key.
- PostgreSQL itself would still betray the order of votes: a row's physical position and its
  `xmin` (the id of the transaction that wrote it) match those of the participation written in
  the same transaction. So every vote in an anonymous poll rewrites all of the poll's ballots in
  a random order (`shared_apps.workspace.anonymity`, shared with surveys): afterwards every live
  ballot carries the same `xmin` and a random position. Old row versions stay on disk until
  VACUUM removes them (autovacuum, and a VACUUM task after each vote), and the write-ahead log
  keeps history until it is recycled: an operator reading raw WAL or dead tuples with special
  tools in that window could still correlate. No table, column or query can.
- Changing an anonymous vote: the voter gets a receipt code (80 random bits) shown once, kept in
  their browser as a cookie and usable by hand on another device. The database stores only
  SHA-256(poll id, code): without the code, nobody can find a member's ballot. A lost code means
  the vote stays as it is (it still counts). We rejected an HMAC of (user, poll) with a key kept
  by the server: whoever runs the server holds the key and could recompute every link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shared_apps.notifications.models import Activity, Category
from shared_apps.notifications.services import (
    activity_record,
    notify,
    phrase,
    recipient_languages,
)
from shared_apps.search.models import Kind
from shared_apps.search.services import search_index, search_unindex, search_unindex_kind
from shared_apps.spaces.models import Space
from shared_apps.workspace.anonymity import (
    receipt_hash,
    receipt_new,
    rows_shuffle,
    vacuum_after_commit,
)
from shared_apps.workspace.signed_links import LinkInvalid, link_ids, link_token

from .models import (
    Answer,
    Ballot,
    Option,
    Participation,
    Poll,
    PollKind,
    ResultsVisibility,
    SlotAnswer,
)
from .selectors import audience_user_ids

URLCONF = "cercle.urls_tenants"  # tasks reverse too, outside any request
VOTE_PURPOSE = "polls.vote"
TARGET_TYPE = "polls.poll"
MAX_QUESTION = 200
MAX_DESCRIPTION = 5_000
MAX_OPTIONS = 30
MAX_LABEL = 200
# A signed link keeps working while the poll is open; this bounds links to polls without one.
LINK_MAX_AGE = 365 * 24 * 3600
# Those who have not voted are reminded once, in the day before the deadline — for polls that
# were open longer than that (a shorter poll's opening notice is recent enough).
REMIND_BEFORE = timedelta(hours=24)


def _refuse(message: str, field: str | None = None) -> ValidationError:
    return ValidationError({field or "__all__": [message]})


def poll_url(poll: Poll) -> str:
    return reverse("polls_detail", kwargs={"pk": poll.pk}, urlconf=URLCONF)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


# --- Checking input ----------------------------------------------------------------------------


def _clean_text(question: str, description: str) -> tuple[str, str]:
    question, description = (question or "").strip(), (description or "").strip()
    if not question:
        raise _refuse(_("Write the question."), "question")
    if len(question) > MAX_QUESTION:
        raise _refuse(_("The question is too long (%(max)s characters at most).")
                      % {"max": MAX_QUESTION}, "question")
    if len(description) > MAX_DESCRIPTION:
        raise _refuse(_("The description is too long (%(max)s characters at most).")
                      % {"max": MAX_DESCRIPTION}, "description")
    return question, description


def _clean_labels(labels: list[str]) -> list[str]:
    labels = [label.strip() for label in labels if label and label.strip()]
    if len(labels) < 2:
        raise _refuse(_("Give at least two options."), "options")
    if len(labels) > MAX_OPTIONS:
        raise _refuse(_("%(max)s options at most.") % {"max": MAX_OPTIONS}, "options")
    if any(len(label) > MAX_LABEL for label in labels):
        raise _refuse(_("An option is too long (%(max)s characters at most).")
                      % {"max": MAX_LABEL}, "options")
    if len({label.casefold() for label in labels}) != len(labels):
        raise _refuse(_("Two options are the same."), "options")
    return labels


def _clean_slots(slots: list[Slot]) -> list[Slot]:
    if not slots:
        raise _refuse(_("Give at least one slot."), "slots")
    if len(slots) > MAX_OPTIONS:
        raise _refuse(_("%(max)s slots at most.") % {"max": MAX_OPTIONS}, "slots")
    for slot in slots:
        if slot.ends_at <= slot.starts_at:
            raise _refuse(_("A slot must end after it starts."), "slots")
    if len({(s.starts_at, s.ends_at) for s in slots}) != len(slots):
        raise _refuse(_("Two slots are the same."), "slots")
    return sorted(slots, key=lambda s: (s.starts_at, s.ends_at))


def _clean_bounds(kind: str, count: int, min_choices: int, max_choices: int) -> tuple[int, int]:
    if kind == PollKind.SINGLE:
        return 1, 1
    if kind == PollKind.DATE:
        return 0, count
    if kind == PollKind.RANKED:
        # How many options a voter must rank at least; they may rank them all.
        if not 1 <= min_choices <= count:
            raise _refuse(_("The minimum must be between 1 and the number of options."),
                          "min_choices")
        return min_choices, count
    if not 1 <= min_choices <= max_choices <= count:
        raise _refuse(
            _("Choose 1 ≤ minimum ≤ maximum ≤ the number of options (%(count)s).")
            % {"count": count}, "max_choices",
        )
    return min_choices, max_choices


def _check_deadline(deadline: datetime | None) -> datetime | None:
    if deadline is not None and deadline <= timezone.now():
        raise _refuse(_("The deadline must be in the future."), "deadline")
    return deadline


# --- Search, links, notifications --------------------------------------------------------------


def _index(poll: Poll) -> None:
    labels = " ".join(poll.options.values_list("label", flat=True))
    search_index(
        kind=Kind.POLL, object_id=poll.pk, title=poll.question,
        body=f"{poll.description}\n{labels}".strip(), url=poll_url(poll),
        space_id=poll.space_id, created_at=poll.created_at,
    )


def polls_search_rebuild() -> int:
    """Rebuild the polls' entries of the index (for `search.rebuild`): every poll (deleted
    ones are gone), written as `_index` writes them."""
    search_unindex_kind(kinds=[Kind.POLL])
    rows = list(Poll.objects.all())
    for row in rows:
        _index(row)
    return len(rows)


def vote_link_path(poll: Poll, user_id: int) -> str:
    token = link_token(VOTE_PURPOSE, {"p": poll.pk, "u": user_id})
    return reverse("polls_vote_link", kwargs={"token": token}, urlconf=URLCONF)


def vote_link_resolve(token: str) -> tuple[Poll, int]:
    """The poll and the member a signed link is for, or LinkInvalid (tampered with, made for
    another association or purpose, poll gone, or member no longer in its audience)."""
    poll_id, user_id = link_ids(VOTE_PURPOSE, token, "p", "u", max_age_seconds=LINK_MAX_AGE)
    poll = Poll.objects.select_related("space").filter(pk=poll_id).first()
    if poll is None or user_id not in audience_user_ids(poll):
        raise LinkInvalid("invalid")
    return poll, user_id


def _notify_opened(poll: Poll) -> None:
    if poll.is_date_poll:
        message = gettext_noop("%(question)s — when can you come?")
    else:
        message = gettext_noop("%(question)s — new poll, your vote is welcome")
    text = phrase(message, question=poll.question)
    audience = [u for u in audience_user_ids(poll) if u != poll.author_id]
    languages = recipient_languages(audience)
    # One notification each: the link inside lets each member vote from the email.
    for user_id in audience:
        notify(user_ids=[user_id], category=Category.POLLS, text=text,
               url=vote_link_path(poll, user_id), actor_id=poll.author_id,
               space_id=poll.space_id, languages=languages)


# --- Polls -------------------------------------------------------------------------------------


def _make_options(poll: Poll, labels: list[str], slots: list[Slot]) -> None:
    if poll.is_date_poll:
        Option.objects.bulk_create(
            Option(poll=poll, position=i, starts_at=s.starts_at, ends_at=s.ends_at)
            for i, s in enumerate(slots)
        )
    else:
        Option.objects.bulk_create(
            Option(poll=poll, position=i, label=label) for i, label in enumerate(labels)
        )


@transaction.atomic
def poll_create(
    *,
    author_id: int,
    space: Space,
    kind: str,
    question: str,
    description: str = "",
    options: list[str] | None = None,
    slots: list[Slot] | None = None,
    anonymous: bool = False,
    min_choices: int = 1,
    max_choices: int = 1,
    results_visibility: str = ResultsVisibility.ALWAYS,
    deadline: datetime | None = None,
) -> Poll:
    """Open a poll to the space's members (the default space: everyone), notify them and
    record it in the feed and the search index. The caller has checked
    `policy.can_create_in`. Date polls are named (who can come is the point)."""
    if kind not in PollKind.values:
        raise _refuse(_("Choose the kind of poll."), "kind")
    if results_visibility not in ResultsVisibility.values:
        raise _refuse(_("Choose when results are shown."), "results_visibility")
    question, description = _clean_text(question, description)
    if space.archived_at is not None:
        raise _refuse(_("This space is archived: no poll can be asked in it."), "space")
    labels, cleaned_slots = [], []
    if kind == PollKind.DATE:
        cleaned_slots = _clean_slots(list(slots or []))
        anonymous = False
        results_visibility = ResultsVisibility.ALWAYS
    else:
        labels = _clean_labels(list(options or []))
    count = len(cleaned_slots) or len(labels)
    min_choices, max_choices = _clean_bounds(kind, count, min_choices, max_choices)
    poll = Poll.objects.create(
        space=space, author_id=author_id, kind=kind, question=question,
        description=description, anonymous=anonymous, min_choices=min_choices,
        max_choices=max_choices, results_visibility=results_visibility,
        deadline=_check_deadline(deadline),
    )
    _make_options(poll, labels, cleaned_slots)
    _index(poll)
    activity_record(
        verb="polls.created", target_type=TARGET_TYPE, target_id=poll.pk, summary=question,
        url=poll_url(poll), actor_id=author_id, space_id=space.pk,
    )
    _notify_opened(poll)
    return poll


def poll_has_votes(poll: Poll) -> bool:
    return Participation.objects.filter(poll=poll).exists()


@transaction.atomic
def poll_update(
    *,
    poll: Poll,
    question: str,
    description: str = "",
    deadline: datetime | None = None,
    results_visibility: str | None = None,
    options: list[str] | None = None,
    slots: list[Slot] | None = None,
    min_choices: int | None = None,
    max_choices: int | None = None,
) -> Poll:
    """Change the wording, the deadline and when results show. Options (or slots) and the
    minimum/maximum may change only until the first vote: votes must keep their meaning."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    question, description = _clean_text(question, description)
    if poll.closed_at is not None:
        raise _refuse(_("This poll is closed: it can no longer be changed."))
    if deadline != poll.deadline:
        poll.deadline = _check_deadline(deadline)
        poll.reminded_at = None  # a new deadline deserves its own reminder
    if results_visibility is not None and not poll.is_date_poll:
        if results_visibility not in ResultsVisibility.values:
            raise _refuse(_("Choose when results are shown."), "results_visibility")
        poll.results_visibility = results_visibility
    changes_options = options is not None or slots is not None
    changes_bounds = (min_choices is not None and min_choices != poll.min_choices) or (
        max_choices is not None and max_choices != poll.max_choices
        and poll.kind == PollKind.MULTIPLE
    )
    if changes_options or changes_bounds:
        if poll_has_votes(poll):
            raise _refuse(_("Members have voted: the options can no longer change."), "options")
        labels, cleaned_slots = [], []
        if changes_options:
            if poll.is_date_poll:
                cleaned_slots = _clean_slots(list(slots or []))
            else:
                labels = _clean_labels(list(options or []))
            count = len(cleaned_slots) or len(labels)
        else:
            count = poll.options.count()
        poll.min_choices, poll.max_choices = _clean_bounds(
            poll.kind, count,
            poll.min_choices if min_choices is None else min_choices,
            poll.max_choices if max_choices is None else max_choices,
        )
        if changes_options:
            poll.options.all().delete()
            _make_options(poll, labels, cleaned_slots)
    poll.question, poll.description = question, description
    poll.updated_at = timezone.now()
    poll.save()
    _index(poll)
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=poll.pk).update(
        summary=question[:300]
    )
    return poll


def deadline_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the audience members who have not voted that a poll closes within a day, once
    per deadline, with their own vote link. Idempotent: run it as often as you like (beat runs
    it hourly). Returns how many members were reminded."""
    now = now or timezone.now()
    due = Poll.objects.filter(
        closed_at__isnull=True, reminded_at__isnull=True,
        deadline__gt=now, deadline__lte=now + REMIND_BEFORE,
        created_at__lte=F("deadline") - REMIND_BEFORE,
    ).values_list("pk", flat=True)
    return sum(_deadline_remind(pk, now) for pk in due)


@transaction.atomic
def _deadline_remind(pk: int, now: datetime) -> int:
    # Locked and checked again: two runs at once remind once.
    poll = Poll.objects.select_for_update(skip_locked=True).filter(
        pk=pk, reminded_at__isnull=True, closed_at__isnull=True,
        deadline__gt=now, deadline__lte=now + REMIND_BEFORE,
    ).first()
    if poll is None:
        return 0
    poll.reminded_at = now
    poll.save(update_fields=["reminded_at"])
    voted = set(Participation.objects.filter(poll=poll).values_list("user_id", flat=True))
    targets = [u for u in audience_user_ids(poll) if u not in voted and u != poll.author_id]
    if poll.is_date_poll:
        message = gettext_noop("Last day to say when you can come: %(question)s")
    else:
        message = gettext_noop("Last day to vote: %(question)s")
    text = phrase(message, question=poll.question)
    languages = recipient_languages(targets)
    for user_id in targets:
        notify(user_ids=[user_id], category=Category.POLLS, text=text,
               url=vote_link_path(poll, user_id), space_id=poll.space_id,
               languages=languages)
    return len(targets)


@transaction.atomic
def poll_close(*, poll: Poll) -> Poll:
    """Close by hand now (twice is harmless). A deadline closes it by itself."""
    if poll.closed_at is None:
        poll.closed_at = timezone.now()
        poll.save(update_fields=["closed_at"])
    return poll


@transaction.atomic
def poll_delete(*, poll: Poll) -> None:
    search_unindex(kind=Kind.POLL, object_id=poll.pk)
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=poll.pk).delete()
    poll.delete()


# --- Voting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteOutcome:
    changed: bool  # True when an earlier vote was replaced
    receipt: str | None = None  # anonymous polls: the code to change the vote later


def _receipt_hash(poll: Poll, receipt: str) -> str:
    return receipt_hash(f"cercle.polls:{poll.pk}", receipt)


def _clean_choices(poll: Poll, choices: list[int]) -> list[int]:
    valid = set(poll.options.values_list("pk", flat=True))
    try:
        choices = [int(c) for c in choices]
    except (TypeError, ValueError) as exc:
        raise _refuse(_("Unknown option."), "choices") from exc
    if any(c not in valid for c in choices):
        raise _refuse(_("Unknown option."), "choices")
    if len(set(choices)) != len(choices):
        raise _refuse(_("Each option may be chosen only once."), "choices")
    n = len(choices)
    if poll.kind == PollKind.SINGLE and n != 1:
        raise _refuse(_("Choose one option."), "choices")
    if poll.kind == PollKind.MULTIPLE and not poll.min_choices <= n <= poll.max_choices:
        if poll.min_choices == poll.max_choices:
            message = _("Choose exactly %(n)s options.") % {"n": poll.min_choices}
        else:
            message = _("Choose between %(min)s and %(max)s options.") % {
                "min": poll.min_choices, "max": poll.max_choices}
        raise _refuse(message, "choices")
    if poll.kind == PollKind.RANKED and n < poll.min_choices:
        raise _refuse(_("Rank at least %(n)s options.") % {"n": poll.min_choices}, "choices")
    return choices


def _lock_open(poll: Poll) -> Poll:
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.is_closed:
        raise _refuse(_("This poll is closed: votes can no longer be cast or changed."))
    return poll


@transaction.atomic
def vote_cast(
    *, poll: Poll, user_id: int, choices: list[int], receipt: str | None = None
) -> VoteOutcome:
    """Vote, or change one's vote until the close. The caller has checked the voter is in the
    audience (`policy.is_in_audience`). For an anonymous poll, changing needs the receipt code
    given at the first vote; a new one is returned each time."""
    poll = _lock_open(poll)
    if poll.is_date_poll:
        raise _refuse(_("Answer each slot of a date poll."))
    choices = _clean_choices(poll, choices)
    already = Participation.objects.filter(poll=poll, user_id=user_id).exists()
    if not poll.anonymous:
        if not already:
            Participation.objects.create(poll=poll, user_id=user_id)
        updated = Ballot.objects.filter(poll=poll, user_id=user_id).update(choices=choices)
        if not updated:
            Ballot.objects.create(poll=poll, user_id=user_id, choices=choices)
        return VoteOutcome(changed=already)
    new_receipt = receipt_new()
    if already:
        ballot = None
        if receipt:
            ballot = Ballot.objects.filter(
                poll=poll, receipt_hash=_receipt_hash(poll, receipt)
            ).first()
        if ballot is None:
            raise _refuse(_("You have already voted. To change an anonymous vote, give the "
                            "receipt code you were shown when you voted."), "receipt")
        ballot.choices = choices
        ballot.receipt_hash = _receipt_hash(poll, new_receipt)
        ballot.save(update_fields=["choices", "receipt_hash"])
    else:
        Participation.objects.create(poll=poll, user_id=user_id)
        Ballot.objects.create(
            poll=poll, choices=choices, receipt_hash=_receipt_hash(poll, new_receipt)
        )
    # Every ballot rewritten in random order: none keeps the xmin of its voter's transaction.
    rows_shuffle(Ballot.objects.filter(poll=poll))
    vacuum_after_commit(Ballot)
    return VoteOutcome(changed=already, receipt=new_receipt)


def anonymous_choices(*, poll: Poll, receipt: str | None) -> list[int] | None:
    """What the holder of this receipt code voted (to show them their own ballot)."""
    if not poll.anonymous or not receipt:
        return None
    ballot = Ballot.objects.filter(poll=poll, receipt_hash=_receipt_hash(poll, receipt)).first()
    return list(ballot.choices) if ballot else None


@transaction.atomic
def date_answers_set(*, poll: Poll, user_id: int, answers: dict[int, str]) -> VoteOutcome:
    """A date poll: yes / if need be / no for each slot (unanswered slots count as no).
    Answers may change until the close."""
    poll = _lock_open(poll)
    if not poll.is_date_poll:
        raise _refuse(_("This poll is not a date poll."))
    slots = set(poll.options.values_list("pk", flat=True))
    try:
        answers = {int(k): v for k, v in answers.items()}
    except (TypeError, ValueError) as exc:
        raise _refuse(_("Unknown slot."), "answers") from exc
    if any(k not in slots for k in answers):
        raise _refuse(_("Unknown slot."), "answers")
    if any(v not in Answer.values for v in answers.values()):
        raise _refuse(_("Answer yes, if need be or no."), "answers")
    _participation, created = Participation.objects.get_or_create(poll=poll, user_id=user_id)
    SlotAnswer.objects.filter(poll=poll, user_id=user_id).delete()
    SlotAnswer.objects.bulk_create(
        SlotAnswer(poll=poll, option_id=slot, user_id=user_id,
                   answer=answers.get(slot, Answer.NO))
        for slot in sorted(slots)
    )
    return VoteOutcome(changed=not created)


# --- Date poll → event -------------------------------------------------------------------------


@transaction.atomic
def poll_event_create(*, poll: Poll, option: Option, author_id: int, title: str = "") -> int:
    """Turn a slot into an event of the poll's space (the caller has checked
    `events.policy.can_create_event_in`). Closes the poll; returns the event's id."""
    from shared_apps.events.services import event_create

    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if not poll.is_date_poll or option.poll_id != poll.pk:
        raise _refuse(_("Choose one of the poll's slots."), "option")
    if poll.event_id is not None:
        raise _refuse(_("This poll has already been turned into an event."))
    event = event_create(
        author_id=author_id, space=poll.space, title=(title or poll.question)[:200],
        starts_at=option.starts_at, ends_at=option.ends_at, description=poll.description,
    )
    poll.event_id = event.pk
    if poll.closed_at is None:
        poll.closed_at = timezone.now()
    poll.save(update_fields=["event_id", "closed_at"])
    return event.pk
