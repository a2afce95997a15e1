"""Polls: counting (plurality, instant-runoff with ties, best slot), services (each kind,
min/max, changing votes, deadline, close), anonymity in the data, the permission table,
private spaces, other associations, pages, the signed voting link, date polls → events."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership
from shared_apps.notifications.models import Activity, Category, Notification
from shared_apps.polls import policy, services
from shared_apps.polls.counting import best_slot, instant_runoff, plurality
from shared_apps.polls.models import (
    Answer,
    Ballot,
    Participation,
    Poll,
    PollKind,
    ResultsVisibility,
    SlotAnswer,
)
from shared_apps.polls.selectors import date_table_of, polls_for, polls_list, results_of
from shared_apps.polls.services import Slot
from shared_apps.search.models import Kind, SearchEntry
from shared_apps.spaces.models import Space, SpaceMembership, SpaceRole, Visibility
from shared_apps.spaces.selectors import space_default
from shared_apps.workspace.signed_links import link_token

from .world import World

pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ALPHA_KEYS = ["alice", "arthur", "agnes", "amir", "sam"]
PARIS = ZoneInfo("Europe/Paris")


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def membership(world: World, key: str) -> Membership:
    return Membership.objects.get(user_id=uid(world, key))


def make_space(
    world: World, slug: str, visibility: str, members: list[str], moderators: list[str] = ()
) -> Space:
    space = Space.objects.create(name=slug.capitalize(), slug=slug, visibility=visibility)
    for key in members:
        SpaceMembership.objects.create(
            space=space, user_id=uid(world, key),
            role=SpaceRole.MODERATOR if key in moderators else SpaceRole.MEMBER,
        )
    return space


def ask(world: World, key: str = "alice", space: Space | None = None, **kwargs: object) -> Poll:
    defaults = {"kind": PollKind.SINGLE, "question": "Where is the picnic?",
                "options": ["Park", "Beach", "Forest"]}
    return services.poll_create(
        author_id=uid(world, key), space=space or space_default(), **{**defaults, **kwargs}
    )


def date_poll(world: World, key: str = "alice", space: Space | None = None) -> Poll:
    day = (timezone.now() + timedelta(days=10)).astimezone(PARIS).date()
    slots = [
        Slot(datetime.combine(day + timedelta(days=i), datetime.min.time(), tzinfo=PARIS)
             + timedelta(hours=18),
             datetime.combine(day + timedelta(days=i), datetime.min.time(), tzinfo=PARIS)
             + timedelta(hours=20))
        for i in range(3)
    ]
    return services.poll_create(author_id=uid(world, key), space=space or space_default(),
                                kind=PollKind.DATE, question="Board meeting", slots=slots)


def option_ids(poll: Poll) -> list[int]:
    return list(poll.options.values_list("pk", flat=True))


def in_days(days: float) -> datetime:
    return timezone.now() + timedelta(days=days)


# --- Counting (pure) ---------------------------------------------------------------------------


def test_plurality_counts_each_ticked_option_once():
    assert plurality([[1], [1, 2], [2, 2], [3]], [1, 2, 3]) == {1: 2, 2: 2, 3: 1}


def test_irv_majority_in_the_first_round():
    result = instant_runoff([[1, 2], [1], [1, 3], [2], [3]], [1, 2, 3])
    assert result.winners == [1] and len(result.rounds) == 1
    assert result.rounds[0].counts == {1: 3, 2: 1, 3: 1}


def test_irv_transfers_the_eliminated_options_ballots():
    # A 4, B 3, C 2 (C's voters prefer B next): C goes out, B wins 5 to 4.
    ballots = [["A"]] * 4 + [["B"]] * 3 + [["C", "B"]] * 2
    result = instant_runoff(ballots, ["A", "B", "C"])
    assert [r.counts for r in result.rounds] == [{"A": 4, "B": 3, "C": 2}, {"A": 4, "B": 5}]
    assert result.rounds[0].eliminated == ["C"]
    assert result.winners == ["B"] and not result.is_tie


def test_irv_tie_for_last_is_broken_by_the_earlier_round():
    # Round 1: A5 B3 C2 D1 → D out (its ballot goes to C). Round 2: A5 B3 C3: B and C are tied
    # for last; in round 1 C had fewer, so C goes out and its ballots go to B: B wins 6 to 5.
    ballots = [["A"]] * 5 + [["B"]] * 3 + [["C", "B"]] * 2 + [["D", "C", "B"]]
    result = instant_runoff(ballots, ["A", "B", "C", "D"])
    assert [r.eliminated for r in result.rounds] == [["D"], ["C"], []]
    assert result.rounds[1].counts == {"A": 5, "B": 3, "C": 3}
    assert result.rounds[1].tie_broken_by_history
    assert result.rounds[2].counts == {"A": 5, "B": 6}
    assert result.winners == ["B"]


def test_irv_options_level_in_every_round_go_out_together_and_exhausted_ballots_count():
    ballots = [["A"]] * 3 + [["B"]] * 2 + [["C"]] * 2
    result = instant_runoff(ballots, ["A", "B", "C"])
    assert result.rounds[0].eliminated == ["B", "C"]
    assert result.rounds[1].exhausted == 4 and result.winners == ["A"]


def test_irv_a_perfect_tie_is_shared_and_no_ballot_has_no_winner():
    result = instant_runoff([["A", "B"], ["B", "A"]], ["A", "B"])
    assert result.winners == ["A", "B"] and result.is_tie
    assert instant_runoff([], ["A", "B"]).winners == []


def test_best_slot_most_yes_then_most_if_need_be_then_earliest():
    assert best_slot([(1, 2, 0), (2, 2, 1), (3, 1, 5)]) == 2
    assert best_slot([(1, 1, 1), (2, 1, 1)]) == 1
    assert best_slot([(1, 0, 0), (2, 0, 0)]) is None


# --- Services ----------------------------------------------------------------------------------


def test_opening_notifies_with_signed_links_indexes_and_records_activity(world: World):
    with tenant_context(world.alpha):
        poll = ask(world)
        notified = Notification.objects.filter(category=Category.POLLS)
        assert sorted(notified.values_list("user_id", flat=True)) == sorted(
            uid(world, k) for k in ALPHA_KEYS if k != "alice")
        assert all(n.url.startswith("/polls/vote/") for n in notified)
        assert Activity.objects.get(target_type="polls.poll").target_id == poll.pk
        entry = SearchEntry.objects.get(kind=Kind.POLL, object_id=poll.pk)
        assert entry.space_id == poll.space_id and "Beach" in entry.body
        services.poll_update(poll=poll, question="Where is the summer picnic?")
        assert SearchEntry.objects.get(kind=Kind.POLL).title == "Where is the summer picnic?"
        services.poll_delete(poll=poll)
        assert not SearchEntry.objects.filter(kind=Kind.POLL).exists()
        assert not Activity.objects.filter(target_type="polls.poll").exists()


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"question": " "}, "question", "Write the question."),
    ({"options": ["Only one"]}, "options", "Give at least two options."),
    ({"options": ["Same", "same"]}, "options", "Two options are the same."),
    ({"kind": PollKind.MULTIPLE, "min_choices": 3, "max_choices": 2}, "max_choices",
     "Choose 1 ≤ minimum ≤ maximum ≤ the number of options (3)."),
    ({"kind": PollKind.MULTIPLE, "min_choices": 1, "max_choices": 4}, "max_choices",
     "Choose 1 ≤ minimum ≤ maximum ≤ the number of options (3)."),
    ({"deadline": timezone.now() - timedelta(hours=1)}, "deadline",
     "The deadline must be in the future."),
    ({"kind": PollKind.DATE, "slots": []}, "slots", "Give at least one slot."),
])
def test_bad_input_is_refused_and_nothing_is_made(world: World, kwargs, field, message):  # noqa: ANN001
    with tenant_context(world.alpha):
        with pytest.raises(ValidationError) as raised:
            ask(world, **kwargs)
        assert raised.value.message_dict == {field: [message]}
        assert not Poll.objects.exists() and not Notification.objects.exists()
        assert not SearchEntry.objects.filter(kind=Kind.POLL).exists()


def test_single_choice_vote_and_change_until_the_close(world: World):
    with tenant_context(world.alpha):
        poll = ask(world)
        park, beach, _forest = option_ids(poll)
        amir = uid(world, "amir")
        assert not services.vote_cast(poll=poll, user_id=amir, choices=[park]).changed
        assert services.vote_cast(poll=poll, user_id=amir, choices=[beach]).changed
        assert Participation.objects.filter(poll=poll).count() == 1
        assert list(Ballot.objects.get(poll=poll, user_id=amir).choices) == [beach]
        with pytest.raises(ValidationError, match="Choose one option"):
            services.vote_cast(poll=poll, user_id=amir, choices=[park, beach])
        with pytest.raises(ValidationError, match="Unknown option"):
            services.vote_cast(poll=poll, user_id=amir, choices=[999_999])
        services.poll_close(poll=poll)
        with pytest.raises(ValidationError, match="closed"):
            services.vote_cast(poll=poll, user_id=amir, choices=[park])
        assert list(Ballot.objects.get(poll=poll).choices) == [beach]
        results = results_of(poll)
        assert [(r.option.label, r.votes, r.is_winner) for r in results.options] == [
            ("Park", 0, False), ("Beach", 1, True), ("Forest", 0, False)]
        assert [(v.name, v.choices) for v in results.voters] == [("Amir Member", ["Beach"])]


def test_multiple_choice_respects_min_and_max(world: World):
    with tenant_context(world.alpha):
        poll = ask(world, kind=PollKind.MULTIPLE, options=["A", "B", "C", "D"],
                   min_choices=2, max_choices=3)
        a, b, c, d = option_ids(poll)
        amir = uid(world, "amir")
        for bad in ([a], [a, b, c, d]):
            with pytest.raises(ValidationError, match="between 2 and 3"):
                services.vote_cast(poll=poll, user_id=amir, choices=bad)
        with pytest.raises(ValidationError, match="only once"):
            services.vote_cast(poll=poll, user_id=amir, choices=[a, a])
        assert not Participation.objects.exists()
        services.vote_cast(poll=poll, user_id=amir, choices=[a, c])
        services.vote_cast(poll=poll, user_id=uid(world, "sam"), choices=[a, b, d])
        counts = {r.option.label: (r.votes, r.percent) for r in results_of(poll).options}
        assert counts == {"A": (2, 100), "B": (1, 50), "C": (1, 50), "D": (1, 50)}


def test_ranked_choice_counts_by_instant_runoff(world: World):
    with tenant_context(world.alpha):
        poll = ask(world, kind=PollKind.RANKED, options=["A", "B", "C"], min_choices=1)
        a, b, c = option_ids(poll)
        votes = {"alice": [a], "arthur": [a], "agnes": [b], "amir": [c, b], "sam": [b, a]}
        for key, ranking in votes.items():
            services.vote_cast(poll=poll, user_id=uid(world, key), choices=ranking)
        results = results_of(poll)
        # Round 1: A2 B2 C1 → C out, its ballot to B → B 3 of 5.
        assert [r.counts for r in results.irv.rounds] == [{a: 2, b: 2, c: 1}, {a: 2, b: 3}]
        assert results.winner_labels == ["B"]
        assert results.rounds[0].eliminated == ["C"]


def test_a_deadline_closes_the_poll_by_itself(world: World):
    with tenant_context(world.alpha):
        poll = ask(world, deadline=in_days(1))
        assert not poll.is_closed
        assert poll in polls_list(user_id=uid(world, "amir"), state="open")
        Poll.objects.filter(pk=poll.pk).update(deadline=in_days(-0.01))
        poll.refresh_from_db()
        assert poll.is_closed
        assert poll in polls_list(user_id=uid(world, "amir"), state="closed")
        assert poll not in polls_list(user_id=uid(world, "amir"), state="open")
        with pytest.raises(ValidationError, match="closed"):
            services.vote_cast(poll=poll, user_id=uid(world, "amir"),
                               choices=option_ids(poll)[:1])


def test_options_are_locked_after_the_first_vote(world: World):
    with tenant_context(world.alpha):
        poll = ask(world)
        services.poll_update(poll=poll, question=poll.question, options=["X", "Y"])
        assert [o.label for o in poll.options.all()] == ["X", "Y"]
        services.vote_cast(poll=poll, user_id=uid(world, "amir"), choices=option_ids(poll)[:1])
        with pytest.raises(ValidationError, match="can no longer change"):
            services.poll_update(poll=poll, question=poll.question, options=["X", "Z"])
        assert [o.label for o in poll.options.all()] == ["X", "Y"]


def test_results_visibility(world: World):
    with tenant_context(world.alpha):
        after_vote = ask(world, results_visibility=ResultsVisibility.AFTER_VOTE)
        after_close = ask(world, results_visibility=ResultsVisibility.AFTER_CLOSE)
        amir, alice = membership(world, "amir"), membership(world, "alice")
        assert not policy.can_see_results(amir, after_vote, has_voted=False)
        assert policy.can_see_results(amir, after_vote, has_voted=True)
        assert not policy.can_see_results(amir, after_close, has_voted=True)
        assert policy.can_see_results(alice, after_close, has_voted=False)  # she runs it
        services.poll_close(poll=after_close)
        assert policy.can_see_results(amir, after_close, has_voted=False)


# --- Anonymity ---------------------------------------------------------------------------------


def test_anonymous_vote_is_changed_with_the_receipt_only(world: World):
    with tenant_context(world.alpha):
        poll = ask(world, anonymous=True)
        park, beach, forest = option_ids(poll)
        amir = uid(world, "amir")
        first = services.vote_cast(poll=poll, user_id=amir, choices=[park])
        assert first.receipt and not first.changed
        with pytest.raises(ValidationError, match="receipt code"):
            services.vote_cast(poll=poll, user_id=amir, choices=[beach])
        with pytest.raises(ValidationError, match="receipt code"):
            services.vote_cast(poll=poll, user_id=amir, choices=[beach],
                               receipt="AAAA-BBBB-CCCC-DDDD")
        second = services.vote_cast(poll=poll, user_id=amir, choices=[beach],
                                    receipt=first.receipt.lower())
        assert second.changed and second.receipt != first.receipt
        # The old code no longer works (a new one replaced it).
        with pytest.raises(ValidationError, match="receipt code"):
            services.vote_cast(poll=poll, user_id=amir, choices=[forest],
                               receipt=first.receipt)
        assert [list(b.choices) for b in Ballot.objects.filter(poll=poll)] == [[beach]]
        assert services.anonymous_choices(poll=poll, receipt=second.receipt) == [beach]
        assert results_of(poll).voters is None


def _columns(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s", [table])
        return dict(cursor.fetchall())


def test_no_column_links_an_anonymous_ballot_to_a_voter(world: World):
    """Inspect the rows as an operator would: nothing in a ballot names, dates or orders it."""
    with tenant_context(world.alpha):
        poll = ask(world, anonymous=True, kind=PollKind.MULTIPLE, min_choices=1, max_choices=2)
        ids = option_ids(poll)
        voters = ["amir", "agnes", "sam", "arthur"]
        for i, key in enumerate(voters):
            services.vote_cast(poll=poll, user_id=uid(world, key), choices=[ids[i % 3]])
        # The ballots table has no time column at all, and its key is a random UUID.
        columns = _columns("polls_ballot")
        assert set(columns) == {"id", "poll_id", "user_id", "receipt_hash", "choices"}
        assert columns["id"] == "uuid"
        assert not any("time" in kind or kind == "date" for kind in columns.values())
        # Participations say who voted, with the day only.
        assert _columns("polls_participation")["voted_on"] == "date"
        with connection.cursor() as cursor:
            cursor.execute("SELECT id::text, user_id, receipt_hash, choices FROM polls_ballot "
                           "WHERE poll_id = %s", [poll.pk])
            rows = cursor.fetchall()
            cursor.execute("SELECT id, user_id FROM polls_participation WHERE poll_id = %s",
                           [poll.pk])
            participations = cursor.fetchall()
        assert len(rows) == len(participations) == 4
        voter_ids = {uid(world, k) for k in voters}
        participation_ids = {p for p, _u in participations}
        for ballot_id, user_id, receipt_hash, choices in rows:
            assert user_id is None
            # No value of the row is a voter's id or a participation's id.
            assert not {*choices} & (voter_ids | participation_ids) - set(ids)
            assert len(receipt_hash) == 64 and not any(
                str(v) in receipt_hash for v in voter_ids if len(str(v)) > 3)
            assert ballot_id.count("-") == 4  # a UUID, not a sequence number
        # The database refuses a ballot that has both an owner and a receipt.
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Ballot.objects.create(poll=poll, user_id=uid(world, "amir"), receipt_hash="x" * 64)


def test_every_vote_rewrites_anonymous_ballots_so_xmin_and_order_tell_nothing(committed):  # noqa: ANN001
    """With real commits: a row's xmin is the id of the transaction that wrote it. After each
    vote every ballot of the poll carries the same (latest) xmin, so the first voters'
    participation rows share their xmin with no ballot."""
    from .conftest import _WORLD as world

    with tenant_context(world.alpha):
        poll = ask(world, anonymous=True)
        try:
            ids = option_ids(poll)
            for i, key in enumerate(["amir", "agnes", "sam"]):
                services.vote_cast(poll=poll, user_id=uid(world, key), choices=[ids[i]])
            with connection.cursor() as cursor:
                cursor.execute("SELECT xmin::text FROM polls_ballot WHERE poll_id = %s",
                               [poll.pk])
                ballot_xmins = {x for (x,) in cursor.fetchall()}
                cursor.execute("SELECT xmin::text FROM polls_participation WHERE poll_id = %s "
                               "ORDER BY id", [poll.pk])
                participation_xmins = [x for (x,) in cursor.fetchall()]
            assert len(ballot_xmins) == 1
            assert len(set(participation_xmins)) == 3
            assert not set(participation_xmins[:2]) & ballot_xmins
        finally:
            services.poll_delete(poll=poll)
            Notification.objects.filter(category=Category.POLLS).delete()


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "everyone", "in_moderated", "in_other", "manage_own_poll"), [
    ("alice", True, True, True, True),     # board
    ("arthur", True, True, True, True),    # staff
    ("agnes", False, True, False, False),  # volunteer, moderator of garden
    ("amir", False, False, False, False),  # member
    ("sam", False, False, False, False),   # member
])
def test_permission_table(world: World, key, everyone, in_moderated, in_other, manage_own_poll):  # noqa: ANN001
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir"], ["agnes"])
        other = make_space(world, "other", Visibility.OPEN, ["amir"])
        poll = ask(world, "alice")
        m = membership(world, key)
        assert policy.can_create_in(m, space_default()) is everyone
        assert policy.can_create_in(m, garden) is in_moderated
        assert policy.can_create_in(m, other) is in_other
        assert policy.can_manage(m, poll) is manage_own_poll
        assert policy.can_vote(m, poll)  # everyone votes in the whole association
        garden_poll = ask(world, "agnes", garden)
        # Amir is in the garden; Sam, who is not, reads it (open space) but does not vote.
        assert policy.can_vote(membership(world, "amir"), garden_poll)
        assert not policy.can_vote(membership(world, "sam"), garden_poll)
        assert policy.can_manage(membership(world, "agnes"), garden_poll)
        garden.archived_at = timezone.now()
        assert not policy.can_create_in(m, garden)


@pytest.mark.parametrize("key", ["agnes", "amir", "sam"])
def test_volunteers_and_members_cannot_create_or_manage_from_the_pages(
    world: World, signed_in, key: str  # noqa: ANN001
):
    with tenant_context(world.alpha):
        poll = ask(world)
        default_pk = space_default().pk
    client = signed_in("alpha", key)
    assert client.get("/polls/new/").status_code == 404
    assert client.post("/polls/new/", {"space": default_pk, "kind": "single",
                                       "question": "Q", "options": "a\nb"}).status_code == 404
    for url in [f"/polls/{poll.pk}/edit/", f"/polls/{poll.pk}/delete/"]:
        assert client.get(url).status_code == 404
    for url in [f"/polls/{poll.pk}/close/", f"/polls/{poll.pk}/delete/"]:
        assert client.post(url).status_code == 404
    with tenant_context(world.alpha):
        assert Poll.objects.get().closed_at is None
    assert "Ask a poll" not in client.get("/polls/", **EN).content.decode()


# --- Visibility --------------------------------------------------------------------------------


def test_private_space_polls_are_invisible_to_non_members(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes", "amir"], ["agnes"])
        hidden = ask(world, "agnes", secret, question="Secret plans?")
        public = ask(world, "alice", question="For everyone?")
        assert list(polls_for(user_id=uid(world, "sam"))) == [public]
        assert hidden not in polls_for(user_id=uid(world, "alice"))  # board, not a member
        # Only the space's members were told.
        assert set(Notification.objects.filter(url__contains="/polls/vote/", text__contains=
                                               "Secret").values_list("user_id", flat=True)) == {
            uid(world, "amir")}
        entry = SearchEntry.objects.get(kind=Kind.POLL, object_id=hidden.pk)
        assert entry.space_id == secret.pk
    sam = signed_in("alpha", "sam")
    page = sam.get("/polls/", **EN).content.decode()
    assert "For everyone?" in page and "Secret plans?" not in page
    assert sam.get("/polls/?space=secret").status_code == 404
    for url in [f"/polls/{hidden.pk}/", f"/api/v1/polls/{hidden.pk}/",
                f"/api/v1/polls/{hidden.pk}/results/"]:
        assert sam.get(url).status_code == 404, url
    assert sam.post(f"/polls/{hidden.pk}/vote/", {"choice": "1"}).status_code == 404
    assert "Secret plans?" not in sam.get("/api/v1/polls/").content.decode()
    amir = signed_in("alpha", "amir")
    assert amir.get(f"/polls/{hidden.pk}/").status_code == 200


def test_another_associations_member_gets_404(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        poll = ask(world, question="Alpha only?")
    with tenant_context(world.beta):
        assert not Poll.objects.filter(question="Alpha only?").exists()
    sam_beta = signed_in("beta", "sam")
    assert "Alpha only?" not in sam_beta.get("/polls/").content.decode()
    assert sam_beta.get(f"/polls/{poll.pk}/").status_code == 404
    assert sam_beta.get(f"/api/v1/polls/{poll.pk}/").status_code == 404
    bob = signed_in("beta", "bob")
    response = bob.get(f"/polls/{poll.pk}/", HTTP_HOST=world.alpha.host)
    assert response.status_code in (302, 404) and "Alpha only?" not in response.content.decode()


# --- Pages -------------------------------------------------------------------------------------


def test_board_creates_from_the_page_and_members_vote(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    assert alice.get("/polls/new/", **EN).status_code == 200
    with tenant_context(world.alpha):
        default_pk = space_default().pk
    bad = alice.post("/polls/new/", {"space": default_pk, "kind": "single", "question": "Q?",
                                     "options": "Only one", "results_visibility": "always"},
                     **EN)
    assert bad.status_code == 400 and "Give at least two options." in bad.content.decode()
    response = alice.post("/polls/new/", {
        "space": default_pk, "kind": "ranked", "question": "Which logo?",
        "options": "Red\nBlue\nGreen", "min_choices": 1, "results_visibility": "after_vote",
    }, **EN)
    assert response.status_code == 302
    with tenant_context(world.alpha):
        poll = Poll.objects.get(question="Which logo?")
        red, blue, green = option_ids(poll)
    amir = signed_in("alpha", "amir")
    page = amir.get(f"/polls/{poll.pk}/", **EN).content.decode()
    assert "The results are shown once you have voted." in page and 'name="rank_' in page
    dup = amir.post(f"/polls/{poll.pk}/vote/", {f"rank_{red}": "1", f"rank_{blue}": "1"}, **EN)
    assert dup.status_code == 400 and "different rank" in dup.content.decode()
    voted = amir.post(f"/polls/{poll.pk}/vote/", {f"rank_{blue}": "1", f"rank_{red}": "2"},
                      **EN)
    assert voted.status_code == 302
    page = amir.get(f"/polls/{poll.pk}/", **EN).content.decode()
    assert "Counting method: instant-runoff voting" in page and "Winner: Blue." in page
    assert "<svg" in page and "Change my vote" in page
    with tenant_context(world.alpha):
        assert list(Ballot.objects.get(poll=poll).choices) == [blue, red]
    # Closing by hand from the page.
    assert alice.post(f"/polls/{poll.pk}/close/").status_code == 302
    closed = amir.get("/polls/?state=closed", **EN).content.decode()
    assert "Which logo?" in closed
    assert "Which logo?" not in amir.get("/polls/", **EN).content.decode()
    assert alice.post(f"/polls/{poll.pk}/delete/").status_code == 302
    with tenant_context(world.alpha):
        assert not Poll.objects.exists()


def test_anonymous_vote_on_the_page_shows_the_receipt_and_keeps_it_in_the_browser(
    world: World, signed_in  # noqa: ANN001
):
    with tenant_context(world.alpha):
        poll = ask(world, anonymous=True)
        park, beach, _forest = option_ids(poll)
    amir = signed_in("alpha", "amir")
    response = amir.post(f"/polls/{poll.pk}/vote/", {"choice": park}, **EN)
    assert response.status_code == 200
    cookie = response.cookies[f"cercle_poll_{poll.pk}_{uid(world, 'amir')}"]
    assert cookie.value in response.content.decode() and cookie["httponly"]
    # Same browser: the cookie finds the ballot, the vote changes.
    assert amir.post(f"/polls/{poll.pk}/vote/", {"choice": beach}, **EN).status_code == 200
    with tenant_context(world.alpha):
        assert [list(b.choices) for b in Ballot.objects.all()] == [[beach]]
    # Another device without the code: refused, with the explanation.
    other = signed_in("alpha", "amir")
    other.cookies.pop(f"cercle_poll_{poll.pk}_{uid(world, 'amir')}", None)
    page = other.get(f"/polls/{poll.pk}/", **EN).content.decode()
    assert "Receipt code" in page
    refused = other.post(f"/polls/{poll.pk}/vote/", {"choice": park}, **EN)
    assert refused.status_code == 400 and "receipt code" in refused.content.decode()
    # A shared device: another member signed in there is not offered amir's code.
    sam = signed_in("alpha", "sam")
    sam.cookies[f"cercle_poll_{poll.pk}_{uid(world, 'amir')}"] = cookie.value
    assert sam.post(f"/polls/{poll.pk}/vote/", {"choice": park}, **EN).status_code == 200
    with tenant_context(world.alpha):  # sam voted on his own; amir's ballot is untouched
        assert sorted(list(b.choices) for b in Ballot.objects.all()) == [[park], [beach]]


# --- Signed link -------------------------------------------------------------------------------


def test_vote_from_the_signed_link_without_signing_in(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        poll = ask(world)
        park, beach, _forest = option_ids(poll)
        path = Notification.objects.get(user_id=uid(world, "amir"), category=Category.POLLS).url
    anonymous = client_for(world.alpha)
    shown = anonymous.get(path, **EN)
    assert shown.status_code == 200 and "Where is the picnic?" in shown.content.decode()
    with tenant_context(world.alpha):
        assert not Participation.objects.exists()  # a mail scanner's GET votes nothing
    done = anonymous.post(path, {"choice": beach}, **EN)
    assert done.status_code == 200 and "your vote is recorded" in done.content.decode()
    changed = anonymous.post(path, {"choice": park}, **EN)
    assert "Your vote has been changed." in changed.content.decode()
    with tenant_context(world.alpha):
        ballot = Ballot.objects.get()
        assert (ballot.user_id, list(ballot.choices)) == (uid(world, "amir"), [park])
    assert anonymous.get("/polls/").status_code == 302  # still not signed in


def test_tampered_foreign_and_closed_links_vote_nothing(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        poll = ask(world)
        park = option_ids(poll)[0]
        path = services.vote_link_path(poll, uid(world, "amir"))
        other_purpose = link_token("news.ack", {"p": poll.pk, "u": uid(world, "amir")})
    with tenant_context(world.beta):
        beta_token = link_token("polls.vote", {"p": poll.pk, "u": uid(world, "amir")})
    anonymous = client_for(world.alpha)
    token = path.split("/")[-2]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for bad in [tampered, beta_token, other_purpose]:
        response = anonymous.post(f"/polls/vote/{bad}/", {"choice": park}, **EN)
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert client_for(world.beta).post(path, {"choice": park}).status_code == 400
    with tenant_context(world.alpha):
        services.poll_close(poll=poll)
    closed = anonymous.post(path, {"choice": park}, **EN)
    assert "This poll is closed" in closed.content.decode()
    with tenant_context(world.alpha):
        assert not Participation.objects.exists()


# --- Date polls --------------------------------------------------------------------------------


def test_date_poll_table_and_best_slot(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        poll = date_poll(world)
        first, second, third = option_ids(poll)
        assert poll.anonymous is False  # who can come is the point
        answers = {
            "amir": {first: Answer.YES, second: Answer.YES, third: Answer.NO},
            "agnes": {first: Answer.MAYBE, second: Answer.YES},
            "sam": {first: Answer.YES, second: Answer.MAYBE, third: Answer.YES},
        }
        for key, given in answers.items():
            services.date_answers_set(poll=poll, user_id=uid(world, key), answers=given)
        with pytest.raises(ValidationError, match="yes, if need be or no"):
            services.date_answers_set(poll=poll, user_id=uid(world, "amir"),
                                      answers={first: "perhaps"})
        table = date_table_of(poll)
        # first: 2 yes 1 maybe; second: 2 yes 1 maybe → tie, the earlier wins.
        assert [(c.yes, c.maybe, c.no) for c in table.slots] == [(2, 1, 0), (2, 1, 0), (1, 0, 2)]
        assert table.best.pk == first
        # Agnès did not answer the third slot: it counts as no.
        assert SlotAnswer.objects.get(user_id=uid(world, "agnes"), option_id=third).answer == "no"
        services.date_answers_set(poll=poll, user_id=uid(world, "agnes"),
                                  answers={second: Answer.YES, first: Answer.NO})
        assert date_table_of(poll).best.pk == second
    amir = signed_in("alpha", "amir")
    page = amir.get(f"/polls/{poll.pk}/", **EN).content.decode()
    assert "Best slot so far" in page and "Agnès Volunteer" in page and "<table>" in page
    assert "Create the event" not in page  # only the organiser
    response = amir.post(f"/polls/{poll.pk}/vote/", {f"slot_{third}": "yes",
                                                     f"slot_{first}": "maybe"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        assert SlotAnswer.objects.get(user_id=uid(world, "amir"), option_id=third).answer == "yes"


def test_the_organiser_turns_the_best_slot_into_an_event(world: World, signed_in):  # noqa: ANN001
    from shared_apps.events.models import Event

    with tenant_context(world.alpha):
        poll = date_poll(world, "alice")
        first, second, _third = option_ids(poll)
        services.date_answers_set(poll=poll, user_id=uid(world, "amir"),
                                  answers={second: Answer.YES})
    assert signed_in("alpha", "amir").post(f"/polls/{poll.pk}/event/").status_code == 404
    alice = signed_in("alpha", "alice")
    assert "Create the event" in alice.get(f"/polls/{poll.pk}/", **EN).content.decode()
    response = alice.post(f"/polls/{poll.pk}/event/", {"option": second}, **EN)
    assert response.status_code == 302
    with tenant_context(world.alpha):
        poll.refresh_from_db()
        event = Event.objects.get(pk=poll.event_id)
        slot = poll.options.get(pk=second)
        assert (event.title, event.starts_at, event.ends_at) == (
            "Board meeting", slot.starts_at, slot.ends_at)
        assert event.space_id == poll.space_id and poll.is_closed
        assert event.starts_at.astimezone(PARIS).hour == 18  # the association's time zone
        with pytest.raises(ValidationError, match="already been turned"):
            services.poll_event_create(poll=poll, option=slot, author_id=uid(world, "alice"))
        assert Event.objects.count() == 1


def test_a_moderator_who_may_not_create_events_there_gets_404(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        poll = date_poll(world, "alice")  # whole association: agnes may not make events there
        Poll.objects.filter(pk=poll.pk).update(author_id=uid(world, "agnes"))
    agnes = signed_in("alpha", "agnes")
    assert agnes.post(f"/polls/{poll.pk}/event/").status_code == 404
    with tenant_context(world.alpha):
        assert Poll.objects.get(pk=poll.pk).event_id is None


def test_date_poll_from_the_page_uses_the_association_time_zone(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    with tenant_context(world.alpha):
        default_pk = space_default().pk
    day = (timezone.now() + timedelta(days=5)).date().isoformat()
    response = alice.post("/polls/new/", {
        "space": default_pk, "kind": "date", "question": "Meeting?", "results_visibility":
        "always", "slot_date_0": day, "slot_start_0": "18:30", "slot_end_0": "20:00",
        "slot_date_1": day, "slot_start_1": "09:00",
    }, **EN)
    assert response.status_code == 400
    assert "Give the day, the start and the end of each slot." in response.content.decode()
    response = alice.post("/polls/new/", {
        "space": default_pk, "kind": "date", "question": "Meeting?", "results_visibility":
        "always", "slot_date_0": day, "slot_start_0": "18:30", "slot_end_0": "20:00",
    }, **EN)
    assert response.status_code == 302
    with tenant_context(world.alpha):
        slot = Poll.objects.get().options.get()
        local = slot.starts_at.astimezone(PARIS)
        assert (local.date().isoformat(), local.hour, local.minute) == (day, 18, 30)
