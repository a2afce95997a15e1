"""Surveys: services (every question type and its validation, required questions, editing a
response until the close, the refusal after it), safe editing of a survey with responses,
anonymity in the data, results, the SVG charts (parsed), the CSV export, notifications,
activity and search, the permission table."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership
from shared_apps.notifications.models import Activity, Category, Notification
from shared_apps.search.models import SearchEntry
from shared_apps.spaces.models import Space, SpaceMembership, SpaceRole, Visibility
from shared_apps.spaces.selectors import space_default
from shared_apps.surveys import policy, services
from shared_apps.surveys.charts import BAR_MAX, COLUMN_MAX, bar_chart, scale_chart
from shared_apps.surveys.export import safe_cell, survey_csv
from shared_apps.surveys.models import Answer, Participation, Question, Response, Survey
from shared_apps.surveys.selectors import results_of, surveys_for
from shared_apps.surveys.services import QuestionSpec

from .world import World

pytestmark = pytest.mark.usefixtures("english")

ALPHA_KEYS = ["alice", "arthur", "agnes", "amir", "sam"]
SVG = "{http://www.w3.org/2000/svg}"


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


def every_kind() -> list[QuestionSpec]:
    return [
        QuestionSpec(kind="short_text", label="Your town", required=True),
        QuestionSpec(kind="long_text", label="Comments"),
        QuestionSpec(kind="single", label="Favourite day", choices=["Saturday", "Sunday"],
                     required=True),
        QuestionSpec(kind="multiple", label="Activities", choices=["Garden", "Kitchen", "Repair"]),
        QuestionSpec(kind="scale", label="Satisfaction", scale_min=1, scale_max=5,
                     scale_min_label="poor", scale_max_label="great"),
        QuestionSpec(kind="yes_no", label="Coming back?"),
        QuestionSpec(kind="date", label="Available from"),
    ]


def create(world: World, key: str = "alice", space: Space | None = None, *,
           open_now: bool = True, **kwargs: object) -> Survey:
    defaults = {"title": "Members' survey", "introduction": "Tell us.",
                "questions": every_kind()}
    return services.survey_create(
        author_id=uid(world, key), space=space or space_default(), open_now=open_now,
        **{**defaults, **kwargs},
    )


def q(survey: Survey) -> dict[str, Question]:
    """Questions by label."""
    return {question.label: question for question in survey.questions.all()}


def choice(question: Question, label: str) -> int:
    return question.choices.get(label=label).pk


def full_answers(survey: Survey, **overrides: object) -> dict[int, object]:
    by = q(survey)
    raw = {
        "Your town": "Lyon",
        "Comments": "All good",
        "Favourite day": str(choice(by["Favourite day"], "Sunday")),
        "Activities": [str(choice(by["Activities"], "Garden")),
                       str(choice(by["Activities"], "Repair"))],
        "Satisfaction": "4",
        "Coming back?": "yes",
        "Available from": "2030-09-01",
    }
    raw.update(overrides)
    return {by[label].pk: value for label, value in raw.items()}


def respond(world: World, survey: Survey, key: str, **overrides: object) -> Participation:
    return submit(world, survey, key, **overrides).participation


def submit(
    world: World, survey: Survey, key: str, receipt: str | None = None, **overrides: object
) -> services.ResponseOutcome:
    return services.response_submit(
        survey=survey, user_id=uid(world, key), raw=full_answers(survey, **overrides),
        receipt=receipt,
    )


# --- Creating and opening ----------------------------------------------------------------------


def test_create_open_notifies_records_activity_and_indexes(world: World):
    with tenant_context(world.alpha):
        survey = create(world, "alice")
        assert [x.kind for x in survey.questions.all()] == [
            "short_text", "long_text", "single", "multiple", "scale", "yes_no", "date"]
        notified = set(Notification.objects.filter(category="polls").values_list(
            "user_id", flat=True))
        assert notified == {uid(world, k) for k in ["arthur", "agnes", "amir", "sam"]}
        # Each member's own link, to respond from the email without signing in.
        urls = set(Notification.objects.filter(category="polls").values_list("url", flat=True))
        assert len(urls) == 4 and all(u.startswith("/surveys/respond/") for u in urls)
        note = Notification.objects.filter(category="polls").first()
        assert "Members' survey" in note.text
        activity = Activity.objects.get(target_type="surveys.survey", target_id=survey.pk)
        assert activity.verb == "surveys.opened" and activity.space_id == space_default().pk
        entry = SearchEntry.objects.get(kind="survey", object_id=survey.pk)
        assert entry.space_id == space_default().pk and "Your town" in entry.body
        services.survey_update(survey=survey, title="Renamed", introduction="",
                               results_to_respondents=False, closes_at=None)
        assert SearchEntry.objects.get(kind="survey", object_id=survey.pk).title == "Renamed"
        services.survey_delete(survey=survey)
        assert not SearchEntry.objects.filter(kind="survey").exists()
        assert not Activity.objects.filter(target_type="surveys.survey").exists()


def test_a_draft_is_silent_until_opened(world: World):
    with tenant_context(world.alpha):
        survey = create(world, "alice", open_now=False, questions=[])
        assert survey.is_draft and not Notification.objects.exists()
        assert not SearchEntry.objects.filter(kind="survey").exists()
        with pytest.raises(ValidationError, match="at least one question"):
            services.survey_open(survey=survey)
        services.question_add(survey=survey, spec=QuestionSpec(kind="yes_no", label="Ok?"))
        services.survey_open(survey=survey)
        assert survey.is_open and Notification.objects.count() == 4


def test_a_space_survey_reaches_its_members_only(world: World):
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes", "amir"], ["agnes"])
        survey = create(world, "agnes", secret)
        assert set(Notification.objects.values_list("user_id", flat=True)) == {uid(world, "amir")}
        assert SearchEntry.objects.get(kind="survey").space_id == secret.pk
        assert list(surveys_for(user_id=uid(world, "amir"))) == [survey]
        # Board members outside a private space do not see it either.
        assert not surveys_for(user_id=uid(world, "alice")).exists()


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (QuestionSpec(kind="single", label="One", choices=["Only"]), "questions.0.choices"),
        (QuestionSpec(kind="multiple", label="Dup", choices=["A", "a"]), "questions.0.choices"),
        (QuestionSpec(kind="scale", label="S", scale_min=2, scale_max=5), "questions.0.scale_max"),
        (QuestionSpec(kind="scale", label="S", scale_min=0, scale_max=11),
         "questions.0.scale_max"),
        (QuestionSpec(kind="text", label="?"), "questions.0.kind"),
        (QuestionSpec(kind="yes_no", label=" "), "questions.0.label"),
    ],
)
def test_bad_questions_are_refused_and_nothing_is_made(world: World, spec: QuestionSpec,
                                                       field: str):
    with tenant_context(world.alpha):
        with pytest.raises(ValidationError) as caught:
            create(world, "alice", questions=[spec])
        assert field in caught.value.message_dict
        assert not Survey.objects.exists() and not Question.objects.exists()


def test_bad_survey_fields_are_refused(world: World):
    with tenant_context(world.alpha):
        for kwargs, field in [({"title": ""}, "title"), ({"title": "x" * 201}, "title"),
                              ({"closes_at": timezone.now() - timedelta(hours=1)}, "closes_at")]:
            with pytest.raises(ValidationError) as caught:
                create(world, "alice", **kwargs)
            assert field in caught.value.message_dict
        assert not Survey.objects.exists()


# --- Responding: every type, validation, required ----------------------------------------------


def test_every_question_type_is_stored(world: World):
    with tenant_context(world.alpha):
        survey = create(world)
        respond(world, survey, "amir")
        by = q(survey)
        answers = {a.question_id: a for a in Answer.objects.all()}
        assert answers[by["Your town"].pk].text == "Lyon"
        assert answers[by["Comments"].pk].text == "All good"
        assert answers[by["Favourite day"].pk].choice_ids == [
            choice(by["Favourite day"], "Sunday")]
        assert sorted(answers[by["Activities"].pk].choice_ids) == sorted(
            [choice(by["Activities"], "Garden"), choice(by["Activities"], "Repair")])
        assert answers[by["Satisfaction"].pk].number == 4
        assert answers[by["Coming back?"].pk].boolean is True
        assert answers[by["Available from"].pk].date == date(2030, 9, 1)


def test_french_dates_and_api_values_are_understood(world: World):
    with tenant_context(world.alpha):
        survey = create(world)
        by = q(survey)
        respond(world, survey, "amir", **{"Available from": "14/07/2031", "Coming back?": False,
                                          "Satisfaction": 5})
        answers = {a.question_id: a for a in Answer.objects.all()}
        assert answers[by["Available from"].pk].date == date(2031, 7, 14)
        assert answers[by["Coming back?"].pk].boolean is False
        assert answers[by["Satisfaction"].pk].number == 5


@pytest.mark.parametrize(
    ("label", "value", "message"),
    [
        ("Your town", "", "This question needs an answer."),
        ("Your town", "x" * 501, "too long"),
        ("Favourite day", "", "This question needs an answer."),
        ("Favourite day", "999999", "Choose one of the proposed answers."),
        ("Favourite day", "Sunday", "Choose one of the proposed answers."),
        ("Activities", ["999999"], "Choose among the proposed answers."),
        ("Satisfaction", "6", "Choose a whole number from 1 to 5."),
        ("Satisfaction", "4.5", "Choose a whole number from 1 to 5."),
        ("Coming back?", "maybe", "Answer yes or no."),
        ("Available from", "31/02/2030", "Enter a real date"),
        ("Available from", "tomorrow", "you wrote “tomorrow”"),
    ],
)
def test_bad_answers_are_refused_per_question_and_nothing_is_stored(
    world: World, label: str, value: object, message: str
):
    with tenant_context(world.alpha):
        survey = create(world)
        with pytest.raises(ValidationError) as caught:
            respond(world, survey, "amir", **{label: value})
        errors = caught.value.message_dict
        assert list(errors) == [f"q{q(survey)[label].pk}"]
        assert message in errors[f"q{q(survey)[label].pk}"][0]
        assert not Response.objects.exists() and not Participation.objects.exists()
        assert not Answer.objects.exists()


def test_optional_questions_may_be_left_empty(world: World):
    with tenant_context(world.alpha):
        survey = create(world)
        respond(world, survey, "amir", **{"Comments": "", "Activities": [], "Satisfaction": "",
                                          "Coming back?": "", "Available from": ""})
        assert Answer.objects.count() == 2  # the two required ones


def test_a_named_response_is_edited_until_the_close_then_refused(world: World):
    with tenant_context(world.alpha):
        survey = create(world, closes_at=timezone.now() + timedelta(days=2))
        first = respond(world, survey, "amir")
        again = respond(world, survey, "amir", **{"Your town": "Paris"})
        assert again.pk == first.pk and Response.objects.count() == 1
        assert Participation.objects.count() == 1
        town = Answer.objects.get(question=q(survey)["Your town"])
        assert town.text == "Paris"
        services.survey_close(survey=survey)
        with pytest.raises(ValidationError, match="closed"):
            respond(world, survey, "amir", **{"Your town": "Nice"})
        assert Answer.objects.get(question=q(survey)["Your town"]).text == "Paris"
        # The deadline closes it too.
        late = create(world, title="Late", closes_at=timezone.now() + timedelta(days=1))
        Survey.objects.filter(pk=late.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
        late.refresh_from_db()
        with pytest.raises(ValidationError, match="closed"):
            respond(world, late, "amir")


# --- Anonymity in the data ---------------------------------------------------------------------


def _columns(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s", [table]
        )
        return dict(cursor.fetchall())


def test_no_column_links_an_anonymous_response_to_its_respondent(world: World):
    with tenant_context(world.alpha):
        survey = create(world, anonymous=True)
        for key in ["amir", "agnes", "sam"]:
            respond(world, survey, key)
        # Responses and answers: no user, no time, random keys.
        response_columns = _columns("surveys_response")
        answer_columns = _columns("surveys_answer")
        # The receipt hash: of a code only the respondent holds (see below).
        assert set(response_columns) == {"id", "survey_id", "receipt_hash"}
        assert response_columns["id"] == "uuid"
        assert not {"user_id", "created_at", "updated_at"} & set(answer_columns)
        assert not [c for c, t in answer_columns.items() if "timestamp" in t]
        assert answer_columns["id"] == "uuid"
        for response in Response.objects.all():
            assert uuid.UUID(str(response.id)).version == 4
        # Who responded is known, but not which response is theirs.
        participations = Participation.objects.filter(survey=survey)
        assert participations.count() == 3
        assert not participations.filter(response__isnull=False).exists()
        assert Response.objects.filter(survey=survey).count() == 3
        # And no other table of the app points from a member to a response.
        participation_fks = {c for c in _columns("surveys_participation") if c.endswith("_id")}
        assert participation_fks == {"survey_id", "user_id", "response_id"}


def test_anonymous_responses_share_no_xmin_with_their_respondents(committed):  # noqa: ANN001
    """With real commits: a row's xmin is the id of the transaction that wrote it. Each
    anonymous response rewrites every response and answer of the survey, so they all carry the
    latest transaction's xmin and the first respondents' participation rows share theirs with
    no response or answer. The VACUUM task then clears the old row versions."""
    from shared_apps.workspace.tasks import anonymous_rows_vacuum

    from .conftest import _WORLD as world

    with tenant_context(world.alpha):
        survey = create(world, anonymous=True)
        try:
            for key in ["amir", "agnes", "sam", "arthur"]:
                respond(world, survey, key)
            with connection.cursor() as cursor:
                cursor.execute("SELECT xmin::text FROM surveys_response WHERE survey_id = %s",
                               [survey.pk])
                response_xmins = {x for (x,) in cursor.fetchall()}
                cursor.execute("SELECT a.xmin::text FROM surveys_answer a JOIN surveys_response "
                               "r ON r.id = a.response_id WHERE r.survey_id = %s", [survey.pk])
                answer_xmins = {x for (x,) in cursor.fetchall()}
                cursor.execute("SELECT xmin::text FROM surveys_participation "
                               "WHERE survey_id = %s ORDER BY id", [survey.pk])
                participation_xmins = [x for (x,) in cursor.fetchall()]
            assert Answer.objects.filter(response__survey=survey).count() == 4 * 7
            assert len(set(participation_xmins)) == 4
            # Everything was rewritten by the last response's transaction.
            assert response_xmins == answer_xmins == {participation_xmins[-1]}
            assert not set(participation_xmins[:3]) & (response_xmins | answer_xmins)
            # The answers survived the rewrites, each still in its own response.
            assert sorted(Answer.objects.filter(question=q(survey)["Your town"])
                          .values_list("text", flat=True)) == ["Lyon"] * 4
            assert anonymous_rows_vacuum(["surveys.Response", "surveys.Answer"]) is True
            assert anonymous_rows_vacuum(["surveys.Response; DROP TABLE x"]) is False
        finally:
            services.survey_delete(survey=survey)
            Notification.objects.filter(category=Category.POLLS).delete()


def test_an_anonymous_response_changes_only_with_its_receipt(world: World):
    with tenant_context(world.alpha):
        survey = create(world, anonymous=True)
        first = submit(world, survey, "amir")
        other = submit(world, survey, "agnes", **{"Your town": "Nantes"})
        assert first.receipt and other.receipt and first.receipt != other.receipt
        assert not first.changed
        # Only the hash is stored, bound to this survey; the code itself is nowhere.
        assert not Response.objects.filter(receipt_hash=first.receipt).exists()
        # Without the code, or with a wrong one, nothing changes. (As for polls, the code is the
        # only key: it is bound to the survey, not to the member, so that a leaked code cannot
        # be tried against each member to name its respondent.)
        for receipt in (None, "", "AAAA-BBBB-CCCC-DDDD"):
            with pytest.raises(ValidationError, match="receipt code"):
                submit(world, survey, "amir", receipt, **{"Your town": "Paris"})
        towns = Answer.objects.filter(question=q(survey)["Your town"])
        assert sorted(towns.values_list("text", flat=True)) == ["Lyon", "Nantes"]
        # With it (typed in lower case, without dashes): the same response is replaced, and a
        # new code is given (the old one no longer works).
        typed = first.receipt.lower().replace("-", " ")
        changed = submit(world, survey, "amir", typed, **{"Your town": "Paris"})
        assert changed.changed and changed.receipt not in (None, first.receipt)
        assert sorted(towns.values_list("text", flat=True)) == ["Nantes", "Paris"]
        assert Response.objects.filter(survey=survey).count() == 2
        assert Participation.objects.filter(survey=survey).count() == 2
        assert not Participation.objects.filter(survey=survey, response__isnull=False).exists()
        with pytest.raises(ValidationError, match="receipt code"):
            submit(world, survey, "amir", first.receipt)
        # The holder of the code finds their own answers again, nobody else does.
        from shared_apps.surveys.selectors import my_answers

        mine = my_answers(survey=survey, user_id=uid(world, "amir"), receipt=changed.receipt)
        assert mine[q(survey)["Your town"].pk].text == "Paris"
        assert my_answers(survey=survey, user_id=uid(world, "amir")) == {}
        # A code of one survey means nothing in another.
        second = create(world, title="Second", anonymous=True)
        submit(world, second, "amir")
        with pytest.raises(ValidationError, match="receipt code"):
            submit(world, second, "amir", changed.receipt)
        # Closed: no change, even with the code.
        services.survey_close(survey=survey)
        with pytest.raises(ValidationError, match="closed"):
            submit(world, survey, "amir", changed.receipt, **{"Your town": "Nice"})


def test_anonymity_cannot_change_once_someone_responded(world: World):
    with tenant_context(world.alpha):
        survey = create(world, anonymous=True)
        respond(world, survey, "amir")
        with pytest.raises(ValidationError) as caught:
            services.survey_update(survey=survey, title=survey.title, introduction="",
                                   results_to_respondents=False, closes_at=None,
                                   anonymous=False)
        assert "anonymous" in caught.value.message_dict
        survey.refresh_from_db()
        assert survey.anonymous


# --- Editing a survey with responses ----------------------------------------------------------


def test_edits_that_would_break_responses_are_refused(world: World):
    with tenant_context(world.alpha):
        survey = create(world)
        by = q(survey)
        # Before any response everything is free.
        services.question_update(question=by["Comments"], spec=QuestionSpec(
            kind="short_text", label="Comments"))
        respond(world, survey, "amir")
        with pytest.raises(ValidationError, match="can no longer be removed"):
            services.question_delete(question=by["Your town"])
        with pytest.raises(ValidationError, match="type can no longer change"):
            services.question_update(question=by["Your town"],
                                     spec=QuestionSpec(kind="long_text", label="Your town"))
        with pytest.raises(ValidationError, match="“Sunday” has been chosen"):
            services.question_update(question=by["Favourite day"], spec=QuestionSpec(
                kind="single", label="Favourite day", choices=["Saturday", "Monday"]))
        with pytest.raises(ValidationError, match="outside the new range"):
            services.question_update(question=by["Satisfaction"], spec=QuestionSpec(
                kind="scale", label="Satisfaction", scale_min=1, scale_max=3))
        assert Question.objects.filter(survey=survey).count() == 7
        assert list(by["Favourite day"].choices.values_list("label", flat=True)) == [
            "Saturday", "Sunday"]
        # What does not break them is allowed: rewording, an unchosen choice, a wider scale,
        # a new question, a new order.
        services.question_update(question=by["Your town"], spec=QuestionSpec(
            kind="short_text", label="Your town or village", required=True))
        services.question_update(question=by["Favourite day"], spec=QuestionSpec(
            kind="single", label="Favourite day", choices=["Sunday", "Monday"], required=True))
        assert list(by["Favourite day"].choices.values_list("label", flat=True)) == [
            "Sunday", "Monday"]
        services.question_update(question=by["Satisfaction"], spec=QuestionSpec(
            kind="scale", label="Satisfaction", scale_min=0, scale_max=10))
        added = services.question_add(survey=survey, spec=QuestionSpec(kind="yes_no",
                                                                       label="Newsletter?"))
        services.question_move(question=added, up=True)
        labels = list(survey.questions.values_list("label", flat=True))
        assert labels[-2:] == ["Newsletter?", "Available from"]
        # An unanswered question can go.
        services.question_delete(question=added)
        assert not Question.objects.filter(pk=added.pk).exists()


# --- Results, charts, export -------------------------------------------------------------------


def _three_responses(world: World, **kwargs: object) -> Survey:
    survey = create(world, **kwargs)
    by = q(survey)
    sat, sun = (str(choice(by["Favourite day"], d)) for d in ["Saturday", "Sunday"])
    respond(world, survey, "amir", **{"Favourite day": sun, "Satisfaction": "5"})
    respond(world, survey, "agnes", **{"Favourite day": sun, "Satisfaction": "4",
                                       "Coming back?": "no"})
    respond(world, survey, "sam", **{"Favourite day": sat, "Satisfaction": "",
                                     "Your town": "=HYPERLINK(\"http://x\")"})
    return survey


def test_results_counts_percentages_and_means(world: World):
    with tenant_context(world.alpha):
        survey = _three_responses(world)
        results = results_of(survey)
        assert results.response_count == 3
        by = {r.question.label: r for r in results.questions}
        day = by["Favourite day"]
        assert [(b.label, b.count, b.percent) for b in day.bars] == [
            ("Saturday", 1, 33.3), ("Sunday", 2, 66.7)]
        sat = by["Satisfaction"]
        assert sat.answered == 2 and sat.mean == 4.5
        assert [b.count for b in sat.bars] == [0, 0, 0, 1, 1]
        assert [(b.label, b.count) for b in by["Coming back?"].bars] == [("Yes", 2), ("No", 1)]
        assert sorted(by["Your town"].texts) == sorted(["Lyon", "Lyon", "=HYPERLINK(\"http://x\")"])
        assert by["Activities"].bars[0].count == 3


def test_bar_chart_is_well_formed_and_follows_the_counts():
    from shared_apps.surveys.selectors import Bar

    svg = bar_chart("Days <& “quotes”", [Bar("Saturday", 1, 25.0), Bar("Sun & <day>", 3, 75.0),
                                         Bar("Never", 0, 0.0)])
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Days <& “quotes”"
    desc = root.find(f"{SVG}desc").text
    assert "Saturday: 1 (25.0 %)" in desc and "Sun & <day>: 3 (75.0 %)" in desc
    assert root.get("aria-labelledby") == f"{title.get('id')} {root.find(f'{SVG}desc').get('id')}"
    bars = root.findall(f"{SVG}rect")
    widths = [float(b.get("width")) for b in bars]
    assert widths == [round(BAR_MAX / 3, 1), BAR_MAX, 0.0]
    assert [int(b.get("data-count")) for b in bars] == [1, 3, 0]
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "3 (75.0 %)" in texts


def test_scale_chart_columns_follow_the_counts_and_show_the_mean():
    from shared_apps.surveys.selectors import Bar

    bars = [Bar(str(v), c, 0.0) for v, c in zip(range(1, 6), [0, 2, 4, 1, 1], strict=True)]
    root = ET.fromstring(scale_chart("Satisfaction", bars, 3.12))
    heights = [float(r.get("height")) for r in root.findall(f"{SVG}rect")]
    assert heights == [0.0, COLUMN_MAX / 2, COLUMN_MAX, COLUMN_MAX / 4, COLUMN_MAX / 4]
    ys = [float(r.get("y")) for r in root.findall(f"{SVG}rect")]
    assert all(y + h == ys[0] + heights[0] for y, h in zip(ys, heights, strict=True))
    mean = root.find(f"{SVG}line")
    assert mean is not None and mean.get("class") == "mean"
    assert "Mean: 3.12" in root.find(f"{SVG}desc").text


def test_csv_export_named_has_bom_semicolons_and_is_formula_safe(world: World):
    with tenant_context(world.alpha):
        survey = _three_responses(world)
        data = survey_csv(survey)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Member", "Responded at", "Your town"]
    assert len(rows) == 4 and all(len(r) == 9 for r in rows)
    names = [r[0] for r in rows[1:]]
    assert names == ["Amir Member", "Agnès Volunteer", "Sam Both"]
    sam = rows[3]
    assert sam[2] == "'=HYPERLINK(\"http://x\")"
    assert sam[5] == "Garden | Repair"
    assert rows[2][7] == "No" and rows[1][8] == "2030-09-01"


def test_csv_export_of_an_anonymous_survey_names_no_one(world: World):
    with tenant_context(world.alpha):
        survey = _three_responses(world, anonymous=True)
        text = survey_csv(survey).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Your town" and len(rows) == 4
    for name in ["Amir", "Agnès", "Sam"]:
        assert name not in text


@pytest.mark.parametrize("cell", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised(cell: str):
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("Lyon") == "Lyon"


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "create_everyone", "results_any"),
    [("alice", True, True), ("arthur", True, False), ("agnes", False, False),
     ("amir", False, False), ("sam", False, False)],
)
def test_role_table(world: World, key: str, create_everyone: bool, results_any: bool):
    with tenant_context(world.alpha):
        m = membership(world, key)
        assert policy.can_create_in(m, space_default()) is create_everyone
        survey = create(world, "arthur")
        assert policy.can_manage(m, survey) is create_everyone
        assert policy.can_view_results(m, survey) is (results_any or key == "arthur")
        assert policy.can_export(m, survey) is (results_any or key == "arthur")
        assert policy.can_respond(m, survey)


def test_moderators_survey_their_space_and_respondents_may_see_results(world: World):
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir"], ["agnes"])
        other = make_space(world, "other", Visibility.OPEN, ["agnes"])
        m = {key: membership(world, key) for key in ALPHA_KEYS}
        assert policy.can_create_in(m["agnes"], garden)
        assert not policy.can_create_in(m["agnes"], other)
        assert not policy.can_create_in(m["amir"], garden)
        survey = create(world, "agnes", garden, results_to_respondents=True)
        assert policy.can_manage(m["agnes"], survey) and policy.can_manage(m["arthur"], survey)
        assert not policy.can_manage(m["amir"], survey)
        # Sam reads the open space but did not join it: not in the audience.
        assert policy.can_respond(m["amir"], survey) and not policy.can_respond(m["sam"], survey)
        assert not policy.can_view_results(m["amir"], survey)
        respond(world, survey, "amir")
        assert policy.can_view_results(m["amir"], survey)
        assert not policy.can_export(m["amir"], survey)
        draft = create(world, "agnes", garden, open_now=False, title="Draft")
        assert policy.can_view(m["agnes"], draft) and not policy.can_view(m["amir"], draft)
        garden.archived_at = timezone.now()
        assert not policy.can_create_in(m["agnes"], garden)


def test_deadline_in_the_association_time_zone(world: World):
    with tenant_context(world.alpha):
        paris = timezone.get_current_timezone()
        deadline = datetime(2099, 3, 30, 18, 0, tzinfo=paris)
        survey = create(world, closes_at=deadline)
        survey.refresh_from_db()
        assert timezone.localtime(survey.closes_at).hour == 18
        assert str(paris) == "Europe/Paris"
