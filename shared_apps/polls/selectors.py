"""Read queries of the polls app. Every query a member's request makes goes through `polls_for`,
which keeps only the spaces they may read (private spaces of which they are not part never show,
anywhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.members.selectors import member_display_names
from shared_apps.spaces.models import Space, SpaceMembership, SpaceMembershipStatus, SpaceRole
from shared_apps.spaces.selectors import space_member_user_ids, spaces_readable

from .counting import IrvResult, best_slot, instant_runoff, plurality
from .models import Answer, Ballot, Option, Participation, Poll, PollKind, SlotAnswer


def polls_for(*, user_id: int) -> QuerySet[Poll]:
    """Polls this member may read."""
    return Poll.objects.filter(space_id__in=spaces_readable(user_id=user_id).values("id"))


def poll_for_reader(*, user_id: int, pk: int) -> Poll | None:
    return polls_for(user_id=user_id).select_related("space").filter(pk=pk).first()


def _open_q(now: datetime) -> Q:
    return Q(closed_at__isnull=True) & (Q(deadline__isnull=True) | Q(deadline__gt=now))


def polls_list(
    *, user_id: int, space: Space | None = None, state: str = "open"
) -> QuerySet[Poll]:
    """The list (page and API): open polls (closing soonest first) or closed ones (latest
    first), with whether this member voted and how many did — one query whatever the rows."""
    rows = polls_for(user_id=user_id)
    if space is not None:
        rows = rows.filter(space=space)
    now = timezone.now()
    if state == "closed":
        rows = rows.exclude(_open_q(now)).order_by("-created_at", "-id")
    else:
        rows = rows.filter(_open_q(now)).order_by("-created_at", "-id")
    return rows.select_related("space").annotate(
        has_voted=Exists(Participation.objects.filter(poll=OuterRef("pk"), user_id=user_id)),
        voter_count=Count("participations", distinct=True),
    )


def has_voted(*, poll: Poll, user_id: int) -> bool:
    return Participation.objects.filter(poll=poll, user_id=user_id).exists()


def creatable_spaces(membership: Membership) -> list[Space]:
    """Where this member may ask a poll (the rule of `policy.can_create_in`, in two queries)."""
    if not membership.is_active:
        return []
    candidates = spaces_readable(user_id=membership.user_id).filter(archived_at__isnull=True)
    if not can(membership, "spaces.manage_any"):
        moderated = SpaceMembership.objects.filter(
            user_id=membership.user_id, status=SpaceMembershipStatus.ACTIVE,
            role=SpaceRole.MODERATOR,
        ).values("space_id")
        candidates = candidates.filter(Q(is_default=True) | Q(id__in=moderated))
    everyone = can(membership, "polls.create_everyone")
    return [s for s in candidates.order_by("-is_default", "name") if everyone or not s.is_default]


def audience_user_ids(poll: Poll) -> list[int]:
    return space_member_user_ids(space=poll.space)


def options_of(poll: Poll) -> list[Option]:
    return list(poll.options.all())


def author_name(poll: Poll) -> str:
    return member_display_names({poll.author_id}).get(poll.author_id, "")


def named_ballot_of(*, poll: Poll, user_id: int) -> Ballot | None:
    """A member's own ballot in a named poll (anonymous ballots are found by receipt only)."""
    if poll.anonymous:
        return None
    return Ballot.objects.filter(poll=poll, user_id=user_id).first()


def slot_answers_of(*, poll: Poll, user_id: int) -> dict[int, str]:
    return dict(
        SlotAnswer.objects.filter(poll=poll, user_id=user_id).values_list("option_id", "answer")
    )


# --- Results -----------------------------------------------------------------------------------


@dataclass
class OptionResult:
    option: Option
    votes: int
    percent: int  # of the voters (a multiple-choice voter counts for each option ticked)
    is_winner: bool = False


@dataclass
class VoterRow:
    name: str
    choices: list[str]


@dataclass
class RoundRow:
    number: int
    counts: list[tuple[str, int]]
    exhausted: int
    eliminated: list[str]


@dataclass
class Results:
    poll: Poll
    voter_count: int
    options: list[OptionResult]
    irv: IrvResult | None = None
    irv_labels: dict[int, str] | None = None
    voters: list[VoterRow] | None = None  # named polls: who voted what
    rounds: list[RoundRow] | None = None  # ranked polls: the instant-runoff rounds
    winner_labels: list[str] | None = None


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def results_of(poll: Poll) -> Results:
    options = options_of(poll)
    ids = [o.pk for o in options]
    rows = list(Ballot.objects.filter(poll=poll).values_list("user_id", "choices"))
    ballots = [choices for _user, choices in rows]
    voter_count = Participation.objects.filter(poll=poll).count()
    labels = {o.pk: o.label for o in options}
    irv = None
    if poll.kind == PollKind.RANKED:
        irv = instant_runoff(ballots, ids)
        # First preferences, for the bars; the winner comes from the rounds.
        counts = {c: irv.rounds[0].counts.get(c, 0) for c in ids} if irv.rounds else {}
        winners = set(irv.winners)
    else:
        counts = plurality(ballots, ids)
        top = max(counts.values(), default=0)
        winners = {c for c, n in counts.items() if n == top and top > 0}
    results = Results(
        poll, voter_count,
        [OptionResult(o, counts.get(o.pk, 0), _percent(counts.get(o.pk, 0), len(ballots)),
                      o.pk in winners) for o in options],
        irv=irv, irv_labels=labels,
    )
    if irv is not None:
        results.rounds = [
            RoundRow(r.number, [(labels[c], n) for c, n in sorted(
                r.counts.items(), key=lambda item: (-item[1], ids.index(item[0])))],
                r.exhausted, [labels[c] for c in r.eliminated])
            for r in irv.rounds
        ]
        results.winner_labels = [labels[c] for c in irv.winners]
    if not poll.anonymous:
        names = member_display_names({u for u, _c in rows if u})
        results.voters = sorted(
            (VoterRow(names.get(u, ""), [labels.get(c, "?") for c in choices])
             for u, choices in rows if u),
            key=lambda row: row.name.casefold(),
        )
    return results


@dataclass
class SlotColumn:
    option: Option
    yes: int
    maybe: int
    no: int
    is_best: bool = False


@dataclass
class DateRow:
    user_id: int
    name: str
    answers: list[str]  # per slot, in the slots' order ("" when not answered)


@dataclass
class DateTable:
    slots: list[SlotColumn]
    rows: list[DateRow]
    best: Option | None


def date_table_of(poll: Poll) -> DateTable:
    """Participants × slots, the tallies, and the best slot (most "yes", then most "if need
    be"; the earliest on a tie)."""
    options = options_of(poll)
    answers = list(SlotAnswer.objects.filter(poll=poll).values_list("user_id", "option_id",
                                                                     "answer"))
    by_user: dict[int, dict[int, str]] = {}
    for user_id, option_id, answer in answers:
        by_user.setdefault(user_id, {})[option_id] = answer
    columns = []
    for option in options:
        given = [a for _u, o, a in answers if o == option.pk]
        columns.append(SlotColumn(option, given.count(Answer.YES), given.count(Answer.MAYBE),
                                  given.count(Answer.NO)))
    best_id = best_slot([(c.option.pk, c.yes, c.maybe) for c in columns])
    for column in columns:
        column.is_best = column.option.pk == best_id
    names = member_display_names(set(by_user))
    rows = sorted(
        (DateRow(u, names.get(u, ""), [mine.get(o.pk, "") for o in options])
         for u, mine in by_user.items()),
        key=lambda row: row.name.casefold(),
    )
    best = next((o for o in options if o.pk == best_id), None)
    return DateTable(columns, rows, best)
