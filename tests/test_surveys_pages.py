"""Survey pages and REST API: creating and building a survey, responding (bad input keeps what
was typed), editing one's response, anonymous surveys stated on the page, results with inline
SVG, CSV export, private spaces invisible, another association's member gets 404, the OpenAPI
schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django_tenants.utils import tenant_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shared_apps.notifications.models import Notification
from shared_apps.spaces.models import Visibility
from shared_apps.surveys.models import Answer, Participation, Question, Survey
from shared_apps.surveys.services import survey_close

from .test_surveys import choice, create, full_answers, make_space, q, respond, uid
from .world import World

pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = "application/json"


def form_data(survey: Survey, **overrides: object) -> dict:
    return {f"q{pk}": value for pk, value in full_answers(survey, **overrides).items()}


# --- Pages -------------------------------------------------------------------------------------


def test_board_builds_and_opens_a_survey_from_the_pages(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    assert alice.get("/surveys/new/", **EN).status_code == 200
    response = alice.post("/surveys/new/", {"space": "", "title": "Cleanup day",
                                            "introduction": "Tell us"}, **EN)
    # The space field is required: the form answers 400 and keeps the title.
    assert response.status_code == 400 and "Cleanup day" in response.content.decode()
    with tenant_context(world.alpha):
        from shared_apps.spaces.selectors import space_default

        default = space_default().pk
    response = alice.post("/surveys/new/", {"space": default, "title": "Cleanup day",
                                            "introduction": "Tell us", "anonymous": "on"}, **EN)
    with tenant_context(world.alpha):
        survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/surveys/{survey.pk}/edit/"
    assert survey.anonymous and survey.is_draft
    bad = alice.post(f"/surveys/{survey.pk}/questions/new/",
                     {"kind": "single", "label": "Which day?", "choices": "Saturday"}, **EN)
    assert bad.status_code == 400 and "Give at least two choices." in bad.content.decode()
    for data in [{"kind": "single", "label": "Which day?", "choices": "Saturday\nSunday",
                  "required": "on"},
                 {"kind": "scale", "label": "Motivation", "scale_min": "0", "scale_max": "10",
                  "scale_min_label": "none", "scale_max_label": "huge"},
                 {"kind": "long_text", "label": "Ideas"}]:
        assert alice.post(f"/surveys/{survey.pk}/questions/new/", data, **EN).status_code == 302
    with tenant_context(world.alpha):
        ideas = Question.objects.get(label="Ideas")
    alice.post(f"/surveys/questions/{ideas.pk}/move/", {"direction": "up"})
    with tenant_context(world.alpha):
        assert list(survey.questions.values_list("label", flat=True)) == [
            "Which day?", "Ideas", "Motivation"]
    page = alice.get(f"/surveys/{survey.pk}/edit/", **EN).content.decode()
    assert "Open the survey and tell its audience" in page
    assert alice.post(f"/surveys/{survey.pk}/open/").status_code == 302
    with tenant_context(world.alpha):
        survey.refresh_from_db()
        assert survey.is_open and Notification.objects.filter(category="polls").count() == 4


@pytest.mark.parametrize("key", ["agnes", "amir"])
def test_volunteers_and_members_cannot_create(world: World, signed_in, key: str):  # noqa: ANN001
    client = signed_in("alpha", key)
    assert client.get("/surveys/new/").status_code == 404
    with tenant_context(world.alpha):
        survey = create(world, "alice")
    for url in [f"/surveys/{survey.pk}/edit/", f"/surveys/{survey.pk}/results/",
                f"/surveys/{survey.pk}/export/", f"/surveys/{survey.pk}/delete/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/surveys/{survey.pk}/close/").status_code == 404
    assert "Create a survey" not in client.get("/surveys/", **EN).content.decode()


def test_respond_bad_input_keeps_what_was_typed_then_edit(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice")
        by = q(survey)
    amir = signed_in("alpha", "amir")
    page = amir.get(f"/surveys/{survey.pk}/", **EN).content.decode()
    assert "Send my response" in page and 'type="date"' in page
    data = form_data(survey, **{"Your town": "Villeurbanne", "Satisfaction": "9",
                                "Available from": "31/02/2030", "Comments": "Keep <this>"})
    response = amir.post(f"/surveys/{survey.pk}/", data, **EN)
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body
    assert "Choose a whole number from 1 to 5." in body and "Enter a real date" in body
    assert 'value="Villeurbanne"' in body and 'value="31/02/2030"' in body
    assert "Keep &lt;this&gt;" in body
    assert f'value="{choice(by["Activities"], "Repair")}" checked' in body
    with tenant_context(world.alpha):
        assert not Participation.objects.exists() and not Answer.objects.exists()
    good = amir.post(f"/surveys/{survey.pk}/", form_data(survey), **EN)
    assert good.status_code == 302
    page = amir.get(f"/surveys/{survey.pk}/", **EN).content.decode()
    assert "You responded on" in page and "Save my answers" in page
    assert 'value="Lyon"' in page
    amir.post(f"/surveys/{survey.pk}/", form_data(survey, **{"Your town": "Paris"}), **EN)
    with tenant_context(world.alpha):
        assert Answer.objects.get(question=by["Your town"]).text == "Paris"
        assert Participation.objects.count() == 1
    alice = signed_in("alpha", "alice")
    alice.post(f"/surveys/{survey.pk}/close/")
    closed = amir.get(f"/surveys/{survey.pk}/", **EN).content.decode()
    assert "This survey is closed." in closed and "Save my answers" not in closed
    assert amir.post(f"/surveys/{survey.pk}/", form_data(survey)).status_code == 404


def test_anonymous_response_is_changed_with_the_receipt_code(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice", anonymous=True)
    url = f"/surveys/{survey.pk}/"
    amir = signed_in("alpha", "amir")
    page = amir.get(url, **EN).content.decode()
    assert "This survey is anonymous." in page and "this browser keeps a receipt code" in page
    sent = amir.post(url, form_data(survey), **EN)
    # The code is shown once on the page, and kept in this browser only (path /surveys/).
    assert sent.status_code == 200
    cookie = sent.cookies[f"cercle_survey_{survey.pk}_{uid(world, 'amir')}"]
    code = cookie.value
    assert cookie["path"] == "/surveys/" and cookie["httponly"]
    assert "Your receipt code" in sent.content.decode() and code in sent.content.decode()
    # This browser sees its answers again and changes them.
    again = amir.get(url, **EN).content.decode()
    assert 'value="Lyon"' in again and "Save my answers" in again and 'name="receipt"' not in again
    changed = amir.post(url, form_data(survey, **{"Your town": "Paris"}), **EN)
    assert changed.status_code == 200
    assert changed.cookies[f"cercle_survey_{survey.pk}_{uid(world, 'amir')}"].value != code
    with tenant_context(world.alpha):
        towns = Answer.objects.filter(question=q(survey)["Your town"])
        assert list(towns.values_list("text", flat=True)) == ["Paris"]
    # Another device (no cookie): the answers are not shown; the code must be typed.
    other = signed_in("alpha", "amir")
    other.cookies.pop(f"cercle_survey_{survey.pk}_{uid(world, 'amir')}", None)
    elsewhere = other.get(url, **EN).content.decode()
    assert 'value="Paris"' not in elsewhere and 'name="receipt"' in elsewhere
    refused = other.post(url, form_data(survey, **{"Your town": "Nice"}), **EN)
    assert refused.status_code == 400 and "receipt code" in refused.content.decode()
    assert 'value="Nice"' in refused.content.decode()  # what was typed is not lost
    current = changed.cookies[f"cercle_survey_{survey.pk}_{uid(world, 'amir')}"].value
    # A typed code with an answer refused: the code is kept (cookie), not asked for again.
    bad = other.post(url, {**form_data(survey, **{"Your town": ""}), "receipt": current}, **EN)
    assert bad.status_code == 400 and 'name="receipt"' not in bad.content.decode()
    assert bad.cookies[f"cercle_survey_{survey.pk}_{uid(world, 'amir')}"].value == current
    typed = other.post(url, {**form_data(survey, **{"Your town": "Nice"}), "receipt": current},
                       **EN)
    assert typed.status_code == 200
    with tenant_context(world.alpha):
        assert list(towns.values_list("text", flat=True)) == ["Nice"]
        assert Participation.objects.get(user_id=uid(world, "amir")).response_id is None


def _link(survey: Survey, key: str, world: World) -> str:
    from shared_apps.surveys.services import respond_link_path

    return respond_link_path(survey, uid(world, key))


def test_respond_from_the_email_link_without_signing_in(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice")
        link = _link(survey, "amir", world)
        note = Notification.objects.get(user_id=uid(world, "amir"), category="polls")
        assert note.url == link
    visitor = client_for(world.alpha)  # no session: the link is the proof
    page = visitor.get(link, **EN)
    assert page.status_code == 200 and "Your town" in page.content.decode()
    with tenant_context(world.alpha):  # opening the link (a mail scanner does) answers nothing
        assert not Participation.objects.exists()
    sent = visitor.post(link, form_data(survey), **EN)
    assert sent.status_code == 200 and "your response is recorded" in sent.content.decode()
    with tenant_context(world.alpha):
        participation = Participation.objects.get()
        assert participation.user_id == uid(world, "amir")
        assert Answer.objects.get(question=q(survey)["Your town"]).text == "Lyon"
    # Back later: the answers are shown and can be changed.
    again = visitor.get(link, **EN).content.decode()
    assert 'value="Lyon"' in again and "Save my answers" in again
    refused = visitor.post(link, form_data(survey, **{"Your town": ""}), **EN)
    assert refused.status_code == 400 and "There is a problem" in refused.content.decode()
    changed = visitor.post(link, form_data(survey, **{"Your town": "Paris"}), **EN)
    assert "Your answers have been changed." in changed.content.decode()
    with tenant_context(world.alpha):
        assert Answer.objects.get(question=q(survey)["Your town"]).text == "Paris"
        survey_close(survey=survey)
    closed = visitor.get(link, **EN)
    assert closed.status_code == 200 and "This survey is closed." in closed.content.decode()
    assert "Save my answers" not in closed.content.decode()


def test_a_respond_link_works_only_for_its_member_and_association(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice")
        link = _link(survey, "amir", world)
        space = make_space(world, "garden", Visibility.PRIVATE, ["alice"])
        private = create(world, "alice", space=space, title="Garden only")
        outsider = _link(private, "amir", world)  # amir is not in that space
        private_answers, answers = form_data(private), form_data(survey)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA/") else "BBB") + "/"
    assert client_for(world.alpha).get(tampered, **EN).status_code == 400
    assert client_for(world.beta).get(link, **EN).status_code == 400  # another association
    out = client_for(world.alpha).post(outsider, private_answers, **EN)
    assert out.status_code == 400 and "Garden only" not in out.content.decode()
    # An ended membership: the link stops working.
    from shared_apps.members.services import membership_end

    with tenant_context(world.alpha):
        membership_end(membership=world.membership("alpha", "amir"))
    gone = client_for(world.alpha).post(link, answers, **EN)
    assert gone.status_code == 400
    with tenant_context(world.alpha):
        assert not Participation.objects.filter(user_id=uid(world, "amir")).exists()


def test_anonymous_response_from_the_link_gets_its_receipt(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice", anonymous=True)
        link = _link(survey, "agnes", world)
        answers = form_data(survey)
        nantes = form_data(survey, **{"Your town": "Nantes"})
    visitor = client_for(world.alpha)
    sent = visitor.post(link, answers, **EN)
    code = sent.cookies[f"cercle_survey_{survey.pk}_{uid(world, 'agnes')}"].value
    assert code in sent.content.decode()
    # This browser changes it; the response is still unlinked.
    assert "Save my answers" in visitor.get(link, **EN).content.decode()
    visitor.post(link, nantes, **EN)
    with tenant_context(world.alpha):
        assert list(Answer.objects.filter(question=q(survey)["Your town"])
                    .values_list("text", flat=True)) == ["Nantes"]
        assert Participation.objects.get(user_id=uid(world, "agnes")).response_id is None
        amir_link = _link(survey, "amir", world)
    # A shared device: amir's link in the same browser neither shows nor changes agnes's.
    page = visitor.get(amir_link, **EN).content.decode()
    assert 'value="Nantes"' not in page and "Send my response" in page
    visitor.post(amir_link, answers, **EN)
    with tenant_context(world.alpha):
        assert sorted(Answer.objects.filter(question=q(survey)["Your town"])
                      .values_list("text", flat=True)) == ["Lyon", "Nantes"]


def test_the_respond_link_form_is_protected_against_forgery(world: World):
    from django.test import Client

    with tenant_context(world.alpha):
        survey = create(world, "alice")
        link = _link(survey, "amir", world)
        answers = form_data(survey)
    browser = Client(HTTP_HOST=world.alpha.host, enforce_csrf_checks=True)
    assert browser.post(link, answers, **EN).status_code == 403  # from another site
    page = browser.get(link, **EN)
    token = page.cookies["csrftoken"].value
    sent = browser.post(link, {**answers, "csrfmiddlewaretoken": token}, **EN)
    assert sent.status_code == 200 and "your response is recorded" in sent.content.decode()


def test_a_question_with_answers_cannot_be_removed_from_the_page(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice")
        respond(world, survey, "amir")
        town = q(survey)["Your town"]
    alice = signed_in("alpha", "alice")
    response = alice.post(f"/surveys/questions/{town.pk}/delete/", follow=True, **EN)
    assert "can no longer be removed" in response.content.decode()
    retype = alice.post(f"/surveys/questions/{town.pk}/edit/",
                        {"kind": "date", "label": "Your town"}, **EN)
    assert retype.status_code == 400 and "type can no longer change" in retype.content.decode()
    with tenant_context(world.alpha):
        assert Question.objects.get(pk=town.pk).kind == "short_text"


def test_results_page_shows_svg_charts_and_numbers(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "arthur")
        respond(world, survey, "amir")
        respond(world, survey, "agnes", **{"Your town": "<script>alert(1)</script>"})
    alice = signed_in("alpha", "alice")
    body = alice.get(f"/surveys/{survey.pk}/results/", **EN).content.decode()
    assert "2 responses" in body and "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    svgs = [part.split("</svg>")[0] + "</svg>" for part in body.split("<svg")[1:]
            if 'class="survey-chart"' in part.split(">")[0]]
    assert len(svgs) == 5  # single, multiple, scale, yes/no, date
    for svg in svgs:
        root = ET.fromstring("<svg" + svg)
        assert root.get("role") == "img"
    assert "Download the responses (CSV)" in body
    export = alice.get(f"/surveys/{survey.pk}/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert export.content.startswith(b"\xef\xbb\xbf")


def test_respondents_see_results_only_when_allowed(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        shown = create(world, "alice", results_to_respondents=True)
        hidden = create(world, "alice", title="Hidden")
        respond(world, shown, "amir")
        respond(world, hidden, "amir")
    amir = signed_in("alpha", "amir")
    assert amir.get(f"/surveys/{shown.pk}/results/").status_code == 200
    assert amir.get(f"/surveys/{shown.pk}/export/").status_code == 404
    assert amir.get(f"/surveys/{hidden.pk}/results/").status_code == 404
    assert signed_in("alpha", "agnes").get(f"/surveys/{shown.pk}/results/").status_code == 404


def test_private_space_surveys_are_invisible_to_non_members(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ["agnes"])
        hidden = create(world, "agnes", secret, title="Hidden plans")
        question = hidden.questions.first()
        public = create(world, "alice", title="For everyone")
    for key in ["amir", "alice"]:
        client = signed_in("alpha", key)
        page = client.get("/surveys/", **EN).content.decode()
        assert "For everyone" in page and "Hidden plans" not in page
        for url in [f"/surveys/{hidden.pk}/", f"/surveys/{hidden.pk}/results/",
                    f"/surveys/{hidden.pk}/export/", f"/surveys/{hidden.pk}/edit/",
                    f"/surveys/questions/{question.pk}/edit/",
                    f"/api/v1/surveys/{hidden.pk}/", f"/api/v1/surveys/{hidden.pk}/results/",
                    f"/api/v1/surveys/{hidden.pk}/export/"]:
            assert client.get(url).status_code == 404, (key, url)
        assert client.post(f"/surveys/{hidden.pk}/", form_data(hidden)).status_code == 404
        listing = client.get("/api/v1/surveys/").json()
        assert [row["title"] for row in listing["results"]] == ["For everyone"]
    agnes = signed_in("alpha", "agnes")
    assert agnes.get(f"/surveys/{hidden.pk}/").status_code == 200
    assert public.pk != hidden.pk


def test_drafts_are_hidden_from_the_audience(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        draft = create(world, "arthur", open_now=False, title="Work in progress")
    amir = signed_in("alpha", "amir")
    assert "Work in progress" not in amir.get("/surveys/").content.decode()
    assert amir.get(f"/surveys/{draft.pk}/").status_code == 404
    assert amir.get(f"/api/v1/surveys/{draft.pk}/").status_code == 404
    assert "Work in progress" in signed_in("alpha", "alice").get("/surveys/").content.decode()


def test_another_associations_member_gets_404(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice", title="Alpha only")
    with tenant_context(world.beta):
        assert not Survey.objects.filter(title="Alpha only").exists()
    sam_beta = signed_in("beta", "sam")
    assert "Alpha only" not in sam_beta.get("/surveys/").content.decode()
    for url in [f"/surveys/{survey.pk}/", f"/surveys/{survey.pk}/results/",
                f"/api/v1/surveys/{survey.pk}/"]:
        assert sam_beta.get(url).status_code == 404, url
    bob_at_alpha = signed_in("beta", "bob")
    response = bob_at_alpha.get(f"/surveys/{survey.pk}/", HTTP_HOST=world.alpha.host)
    assert response.status_code in (302, 403, 404)
    assert "Alpha only" not in response.content.decode()


# --- API ---------------------------------------------------------------------------------------


def post_json(client, url: str, data: dict):  # noqa: ANN001, ANN201
    return client.post(url, json.dumps(data), content_type=JSON, **EN)


def put_json(client, url: str, data: dict):  # noqa: ANN001, ANN201
    return client.put(url, json.dumps(data), content_type=JSON, **EN)


def test_api_create_respond_edit_results_export(world: World, signed_in):  # noqa: ANN001
    arthur = signed_in("alpha", "arthur")
    bad = post_json(arthur, "/api/v1/surveys/", {"title": "Q", "open": True, "questions": [
        {"kind": "single", "label": "Day", "choices": ["Sat"]}]})
    assert bad.status_code == 400 and "questions.0.choices" in bad.json()
    created = post_json(arthur, "/api/v1/surveys/", {
        "title": "AGM", "open": True, "questions": [
            {"kind": "single", "label": "Day", "choices": ["Sat", "Sun"], "required": True},
            {"kind": "multiple", "label": "Help", "choices": ["Chairs", "Food", "Music"]},
            {"kind": "scale", "label": "Mood", "scale_min": 0, "scale_max": 10},
            {"kind": "yes_no", "label": "Vote by proxy?"},
            {"kind": "date", "label": "Arrival"},
            {"kind": "short_text", "label": "Name of guest"},
        ]})
    assert created.status_code == 201, created.content
    survey = created.json()
    assert survey["is_open"] and survey["can_manage"] and len(survey["questions"]) == 6
    ids = {qn["label"]: qn for qn in survey["questions"]}
    day, helpq = ids["Day"], ids["Help"]
    url = f"/api/v1/surveys/{survey['id']}/"
    amir = signed_in("alpha", "amir")
    wrong = put_json(amir, url + "response/", {"answers": {
        str(day["id"]): 12345, str(ids["Mood"]["id"]): 11, str(ids["Arrival"]["id"]): "soon"}})
    assert wrong.status_code == 400
    errors = wrong.json()
    assert set(errors) == {f"q{day['id']}", f"q{ids['Mood']['id']}", f"q{ids['Arrival']['id']}"}
    assert errors[f"q{ids['Mood']['id']}"] == ["Choose a whole number from 0 to 10."]
    answers = {
        str(day["id"]): day["choices"][1]["id"],
        str(helpq["id"]): [helpq["choices"][0]["id"], helpq["choices"][2]["id"]],
        str(ids["Mood"]["id"]): 7, str(ids["Vote by proxy?"]["id"]): True,
        str(ids["Arrival"]["id"]): "2030-06-01", str(ids["Name of guest"]["id"]): "Zoé",
    }
    done = put_json(amir, url + "response/", {"answers": answers})
    assert done.status_code == 200, done.content
    assert done.json()["editable"] is True
    assert done.json()["answers"][str(ids["Mood"]["id"])] == 7
    answers[str(ids["Mood"]["id"])] = 3
    assert put_json(amir, url + "response/", {"answers": answers}).json()["answers"][
        str(ids["Mood"]["id"])] == 3
    assert amir.get(url).json()["my_answers"][str(helpq["id"])] == [
        helpq["choices"][0]["id"], helpq["choices"][2]["id"]]
    assert amir.get(url + "results/").status_code == 404
    results = arthur.get(url + "results/").json()
    assert results["response_count"] == 1
    mood = next(r for r in results["questions"] if r["label"] == "Mood")
    assert mood["mean"] == 3.0 and mood["bars"][3]["count"] == 1
    export = arthur.get(url + "export/")
    assert export.status_code == 200 and b"Amir Member" in export.content
    # Editing: refused where it would break the response, allowed elsewhere.
    refused = arthur.delete(f"/api/v1/surveys/questions/{day['id']}/", **EN)
    assert refused.status_code == 400 and "can no longer be removed" in json.dumps(refused.json())
    retyped = put_json(arthur, f"/api/v1/surveys/questions/{day['id']}/",
                       {"kind": "multiple", "label": "Day", "choices": ["Sat", "Sun"]})
    assert retyped.status_code == 400 and "kind" in retyped.json()
    added = post_json(arthur, url + "questions/", {"kind": "long_text", "label": "Else?"})
    assert added.status_code == 201
    assert arthur.delete(f"/api/v1/surveys/questions/{added.json()['id']}/").status_code == 204
    patched = arthur.patch(url, json.dumps({"title": "AGM 2030"}), content_type=JSON)
    assert patched.json()["title"] == "AGM 2030"
    assert post_json(arthur, url + "close/", {}).json()["is_closed"] is True
    late = put_json(amir, url + "response/", {"answers": answers})
    assert late.status_code == 404
    assert amir.get(url + "response/").json()["editable"] is False
    # Members cannot create, edit or delete.
    assert post_json(amir, "/api/v1/surveys/", {"title": "Mine"}).status_code == 404
    assert amir.delete(url).status_code == 404
    assert arthur.delete(url).status_code == 204
    with tenant_context(world.alpha):
        assert not Survey.objects.exists()


def test_api_anonymous_response_changes_with_its_receipt_and_stays_unlinked(
    world: World, signed_in  # noqa: ANN001
):
    with tenant_context(world.alpha):
        survey = create(world, "alice", anonymous=True)
        answers = {str(pk): value for pk, value in full_answers(survey).items()}
        town = str(q(survey)["Your town"].pk)
    amir = signed_in("alpha", "amir")
    url = f"/api/v1/surveys/{survey.pk}/response/"
    first = put_json(amir, url, {"answers": answers})
    assert first.status_code == 200 and first.json()["editable"] is True
    code = first.json()["receipt"]
    assert first.json()["answers"][town] == "Lyon"
    assert amir.get(url).json()["answers"] == {}  # without the code: nothing to show
    assert amir.get(url, HTTP_X_RECEIPT=code).json()["answers"][town] == "Lyon"
    # Never in the URL (URLs end up in logs): a query parameter is ignored.
    assert amir.get(url, {"receipt": code}).json()["answers"] == {}
    without = put_json(amir, url, {"answers": {**answers, town: "Paris"}})
    assert without.status_code == 400 and "receipt code" in json.dumps(without.json())
    changed = put_json(amir, url, {"answers": {**answers, town: "Paris"}, "receipt": code})
    assert changed.status_code == 200 and changed.json()["answers"][town] == "Paris"
    assert changed.json()["receipt"] != code
    assert amir.get(f"/api/v1/surveys/{survey.pk}/").json()["can_respond"] is True
    with tenant_context(world.alpha):
        assert Participation.objects.get(user_id=uid(world, "amir")).response_id is None
        assert Answer.objects.filter(response__survey=survey).count() == len(answers)


def test_surveys_endpoints_are_in_the_schema_without_warnings(world: World):
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="cercle.urls_tenants").get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {p for p in paths if p.startswith("/api/v1/surveys/")} == {
        "/api/v1/surveys/", "/api/v1/surveys/{id}/", "/api/v1/surveys/{id}/open/",
        "/api/v1/surveys/{id}/close/", "/api/v1/surveys/{id}/questions/",
        "/api/v1/surveys/{id}/response/", "/api/v1/surveys/{id}/results/",
        "/api/v1/surveys/{id}/export/", "/api/v1/surveys/questions/{id}/",
    }
    assert set(paths["/api/v1/surveys/{id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/surveys/{id}/response/"]) == {"get", "put"}
    assert "text/csv" in paths["/api/v1/surveys/{id}/export/"]["get"]["responses"]["200"][
        "content"]
    ours = [
        message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "survey" in message.lower()
    ]
    assert ours == []


def test_list_query_count_is_constant(world: World, signed_in):  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with tenant_context(world.alpha):
        create(world, "alice", title="S0")
    amir = signed_in("alpha", "amir")
    amir.get("/surveys/")
    with CaptureQueriesContext(connection) as few:
        amir.get("/surveys/")
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["amir"])
        for i in range(6):
            survey = create(world, "arthur", garden if i % 2 else None, title=f"S{i + 1}",
                            anonymous=bool(i % 3))
            respond(world, survey, "amir")
    amir.get("/surveys/")  # the bell's unread count is cached again (new notifications)
    with CaptureQueriesContext(connection) as many:
        page = amir.get("/surveys/")
    assert page.content.decode().count('class="list-row"') == 7
    assert len(many) == len(few)


def test_pages_render_in_french(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        survey = create(world, "alice", anonymous=True)
        respond(world, survey, "amir")
    alice = signed_in("alpha", "alice")
    for url in ["/surveys/", "/surveys/new/", f"/surveys/{survey.pk}/",
                f"/surveys/{survey.pk}/edit/", f"/surveys/{survey.pk}/results/",
                f"/surveys/{survey.pk}/questions/new/", f"/surveys/{survey.pk}/delete/"]:
        response = alice.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, url
        assert 'lang="fr"' in response.content.decode(), url
