"""Search: accent folding, the query (French and English stems, accents ignored both ways, every
word required, prefix of the last word), ranking, snippets (accents kept, HTML escaped), who may
see what (private spaces, roles, named people, ended members, hidden messages, trashed
documents, another association), the page, the htmx partial, the API, and the rebuild command.

The index kept by the services of members, news, discussions and documents: tests/
test_search_sources.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership
from shared_apps.members.services import member_end
from shared_apps.search.models import Kind, SearchEntry
from shared_apps.search.selectors import (
    MAX_LENGTH,
    SearchQueryError,
    kind_filter_parse,
    query_parse,
    search,
)
from shared_apps.search.services import search_index, search_unindex
from shared_apps.search.text import fold, html_text
from shared_apps.spaces import services as spaces
from shared_apps.spaces.models import Space, Visibility
from shared_apps.spaces.selectors import space_default

from .world import World

pytestmark = pytest.mark.usefixtures("english")

_next_id = iter(range(10_000, 10**9))


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def member(world: World, key: str) -> Membership:
    return Membership.objects.get(user_id=uid(world, key))


def item(title: str, body: str = "", *, kind: str = Kind.ANNOUNCEMENT, **extra: object) -> int:
    """An entry of the index, as a feature's service would write it; returns its object id."""
    object_id = next(_next_id)
    search_index(kind=kind, object_id=object_id, title=title, body=body,
                 url=f"/x/{object_id}/", **extra)
    return object_id


def found(world: World, key: str, q: str, kind: str = "") -> list[tuple[str, str]]:
    """(kind, title) of what `key` finds, best first (first page)."""
    page = search(membership=member(world, key), query=query_parse(q), kind=kind)
    return [(hit.kind, hit.title) for hit in page.hits]


def titles(world: World, key: str, q: str, kind: str = "announcement") -> list[str]:
    """Titles found among announcements (the world's members are in the index too)."""
    return [title for _kind, title in found(world, key, q, kind)]


def private_space(world: World) -> Space:
    """Private at alpha: Arthur (staff) moderates it, Sam belongs; Alice, Agnès, Amir do not."""
    space = spaces.space_create(actor_id=uid(world, "arthur"), name="Comité secret",
                                visibility=Visibility.PRIVATE)
    spaces.space_member_add(space=space, user_id=uid(world, "sam"), actor_id=uid(world, "arthur"))
    return space


# --- Folding and parsing -------------------------------------------------------------------------


@pytest.mark.parametrize("text,folded", [
    ("Fête à l'École", "fete a l'ecole"),
    ("ÉLÈVES Çà", "eleves ca"),
    ("İstanbul", "istanbul"),  # "İ".lower() is two characters: folded one for one anyway
    ("Œuvre ß", "œuvre ß"),
])
def test_fold_strips_accents_one_character_for_one(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


def test_html_text_keeps_paragraphs_apart() -> None:
    assert html_text("<p>Un</p><p>deux &amp; <b>trois</b></p>") == "Un deux & trois"


@pytest.mark.parametrize("raw,message", [
    ("", "Type a word or a name to search."),
    ("   ", "Type a word or a name to search."),
    ("é", "Type at least 2 letters or digits to search."),
    ("?! …", "Type at least 2 letters or digits to search."),
    ("x" * (MAX_LENGTH + 1), "The search is too long (200 characters at most)."),
    ("a b c d e f g h i", "Search with 8 words at most."),
])
def test_bad_queries_are_refused_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(SearchQueryError) as refused:
        query_parse(raw)
    assert refused.value.message == message


def test_query_words_are_folded_quoted_and_the_last_is_a_prefix() -> None:
    assert query_parse("Fête  d'ÉCOLE").tsquery() == "'fete' & 'd' & 'ecole':*"
    assert query_parse("ab").tsquery() == "'ab'"  # too short to be a useful prefix
    assert query_parse("x'); DROP--").tsquery() == "'x' & 'drop':*"
    with pytest.raises(SearchQueryError):
        kind_filter_parse("secret")
    assert kind_filter_parse("discussion") == "discussion"


# --- Matching and ranking ------------------------------------------------------------------------


def test_accents_are_ignored_both_ways(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("École de musique", "Les cours reprennent")
        item("Kermesse", "Rendez-vous devant l'ecole primaire")
        assert sorted(titles(world, "amir", "ecole")) == ["Kermesse", "École de musique"]
        assert sorted(titles(world, "amir", "ÉCOLÉ")) == ["Kermesse", "École de musique"]


def test_french_stemming(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Appel aux bénévoles", "Nous cherchons des bras pour la brocante")
        item("Réunion", "Le bénévole du mois est Paul")
        assert sorted(titles(world, "amir", "bénévole")) == ["Appel aux bénévoles", "Réunion"]
        assert sorted(titles(world, "amir", "benevoles")) == ["Appel aux bénévoles", "Réunion"]
        assert titles(world, "amir", "bras brocantes") == ["Appel aux bénévoles"]


def test_english_stemming(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Volunteers meeting", "We are running the garden party")
        assert titles(world, "amir", "volunteer meetings") == ["Volunteers meeting"]
        assert titles(world, "amir", "runs") == ["Volunteers meeting"]


def test_two_words_need_both_and_the_last_is_a_prefix(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Fête de la musique", "Scène ouverte")
        item("Fête du sport", "Tournoi de pétanque")
        item("Concert", "Musique de chambre")
        assert titles(world, "amir", "fête musique") == ["Fête de la musique"]
        assert titles(world, "amir", "fete petanq") == ["Fête du sport"]  # as one types
        assert titles(world, "amir", "fête cuisine") == []


def test_title_beats_body_and_recent_beats_old(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        old = timezone.now() - timedelta(days=400)
        item("Notes diverses", "On parlera du budget à la fin", created_at=old)
        item("Budget 2027", "Les comptes de l'année", created_at=old)
        assert titles(world, "amir", "budget") == ["Budget 2027", "Notes diverses"]
        item("Budget prévisionnel", "Les comptes de l'année")  # same words, today
        assert titles(world, "amir", "budget")[0] == "Budget prévisionnel"


def test_kind_filter_counts_and_pagination(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        for n in range(23):
            item(f"Atelier couture {n}")
        item("Atelier couture (fil)", kind=Kind.DISCUSSION)
        item("Atelier couture (fil)", "Un atelier de couture ?", kind=Kind.MESSAGE)
        query = query_parse("atelier couture")
        first = search(membership=member(world, "amir"), query=query)
        assert first.count == 25 and first.counts == {"announcement": 23, "discussion": 2}
        assert len(first.hits) == 20 and first.pages == 2 and first.has_next
        second = search(membership=member(world, "amir"), query=query, page=2)
        assert len(second.hits) == 5 and not second.has_next
        threads = search(membership=member(world, "amir"), query=query, kind="discussion")
        assert {hit.kind for hit in threads.hits} == {Kind.DISCUSSION, Kind.MESSAGE}
        assert threads.count == 2


def test_a_reply_is_found_by_its_words_not_by_its_threads_title(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Pique-nique", "Qui apporte les nappes ?", kind=Kind.DISCUSSION)
        item("Pique-nique", "Moi, et des gobelets", kind=Kind.MESSAGE)
        assert found(world, "amir", "pique-nique") == [(Kind.DISCUSSION, "Pique-nique")]
        assert found(world, "amir", "gobelets") == [(Kind.MESSAGE, "Pique-nique")]


# --- Snippets ------------------------------------------------------------------------------------


def test_snippets_highlight_in_the_original_text_with_accents_and_escape_html(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("L'École <b>ouverte</b>", "Les élèves & <script>alert(1)</script> de l'école "
             "accueillent les bénévoles.")
        hit = search(membership=member(world, "amir"), query=query_parse("ecole bénévole")).hits[0]
    assert str(hit.title_html) == "L&#x27;<mark>École</mark> &lt;b&gt;ouverte&lt;/b&gt;"
    snippet = str(hit.snippet_html)
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert "<mark>école</mark>" in snippet and "<mark>bénévoles</mark>" in snippet
    assert "<mark>élèves</mark>" not in snippet


def test_snippet_is_cut_around_the_first_match(world) -> None:  # noqa: ANN001
    long_body = "Introduction " * 60 + "la trésorière présente le bilan " + "conclusion " * 60
    with tenant_context(world.alpha):
        item("Assemblée", long_body)
        hit = search(membership=member(world, "amir"), query=query_parse("tresoriere")).hits[0]
    snippet = str(hit.snippet_html)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>trésorière</mark>" in snippet and len(snippet) < 300


# --- Visibility ----------------------------------------------------------------------------------


def test_private_space_content_is_found_by_its_members_only(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        space = private_space(world)
        item("Budget confidentiel", space_id=space.pk)
        item("Budget public", space_id=space_default().pk)
        assert sorted(titles(world, "sam", "budget")) == ["Budget confidentiel", "Budget public"]
        assert "Budget confidentiel" in titles(world, "arthur", "budget")
        for key in ("alice", "agnes", "amir"):
            assert titles(world, key, "budget") == ["Budget public"], key
        page = search(membership=member(world, "amir"), query=query_parse("budget"))
        assert page.count == 1 and page.total == 1  # counts do not reveal it either


def test_role_and_person_restrictions(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Remontée vestiaire", kind=Kind.FEEDBACK, roles=["board"],
             user_ids=[uid(world, "amir")])
        item("Remontée parking", kind=Kind.FEEDBACK, roles=["board", "staff"])
        def seen(key: str) -> list[str]:
            return sorted(titles(world, key, "remontee", kind="feedback"))

        assert seen("alice") == ["Remontée parking", "Remontée vestiaire"]
        assert seen("arthur") == ["Remontée parking"]
        assert seen("amir") == ["Remontée vestiaire"]  # his own report
        assert seen("agnes") == []


def test_an_ended_member_is_not_found(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        assert found(world, "alice", "amir") == [(Kind.MEMBER, "Amir Member")]
        member_end(membership=member(world, "amir"), by=member(world, "alice"))
        assert found(world, "alice", "amir") == []


def test_a_renamed_account_is_found_by_its_new_name_everywhere(
    world, signed_in, django_capture_on_commit_callbacks  # noqa: ANN001
) -> None:
    """The name lives on the account (public) and is copied into each association's index:
    renaming oneself at alpha reaches beta's index too (one task per association)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in("alpha", "sam").patch(
            "/api/v1/me/", {"full_name": "Samira Renamed"}, content_type="application/json"
        )
    assert response.status_code == 200
    for association, key in ((world.alpha, "alice"), (world.beta, "bob")):
        with tenant_context(association):
            assert found(world, key, "samira") == [(Kind.MEMBER, "Samira Renamed")]
            assert found(world, key, "both") == []
    # One entry per association still: refreshed in place, not added.
    for association in (world.alpha, world.beta):
        with tenant_context(association):
            assert SearchEntry.objects.filter(kind=Kind.MEMBER, title="Samira Renamed").count() == 1


def test_unindexed_items_are_not_found(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        object_id = item("Tombola de printemps")
        assert titles(world, "amir", "tombola") == ["Tombola de printemps"]
        search_unindex(kind=Kind.ANNOUNCEMENT, object_id=object_id)
        assert titles(world, "amir", "tombola") == []


def test_another_associations_content_is_never_found(world, signed_in) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Secret d'Alpha")
    with tenant_context(world.beta):
        item("Affaire de Beta")
        assert titles(world, "bob", "secret alpha") == []
        assert titles(world, "bob", "amir", kind="member") == []  # alpha's members: not here
    at_beta = signed_in("beta", "sam").get("/search/?q=alpha")
    assert at_beta.status_code == 200 and "Secret d&#x27;Alpha" not in at_beta.content.decode()
    stranger = signed_in("alpha", "bob")
    assert stranger.get("/search/?q=secret").status_code in (302, 403, 404)
    assert stranger.get("/api/v1/search/?q=secret").status_code in (401, 403, 404)


# --- Page, partial, API --------------------------------------------------------------------------


def test_search_page_shows_results_with_snippets_and_filters(world, signed_in) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Fête de l'école", "Le <b>programme</b> de la fête")
        item("Fête", "Préparatifs", kind=Kind.DISCUSSION)
    client = signed_in("alpha", "amir")
    page = client.get("/search/?q=fete")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<mark>Fête</mark> de l&#x27;école" in html
    assert "&lt;b&gt;programme&lt;/b&gt;" in html
    assert 'href="?q=fete&amp;kind=discussion"' in html and "2 results" in html
    only = client.get("/search/?q=fete&kind=discussion").content.decode()
    assert "Préparatifs" in only and "programme" not in only
    empty = client.get("/search/")
    assert empty.status_code == 200 and 'name="q"' in empty.content.decode()


def test_search_page_explains_bad_queries(world, signed_in) -> None:  # noqa: ANN001
    client = signed_in("alpha", "amir")
    short = client.get("/search/?q=a")
    assert short.status_code == 400
    assert "Type at least 2 letters or digits to search." in short.content.decode()
    long = client.get("/search/?q=" + "x" * 201)
    assert "The search is too long" in long.content.decode()
    assert client.get("/search/?q=fete&kind=nope").status_code == 400


def test_htmx_gets_the_results_part_only(world, signed_in) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        item("Loto du club")
    client = signed_in("alpha", "amir")
    partial = client.get("/search/?q=loto", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200 and "<mark>Loto</mark>" in html and "<html" not in html
    short = client.get("/search/?q=l", HTTP_HX_REQUEST="true")
    assert short.status_code == 200 and "Type at least 2" in short.content.decode()


def test_api_search(world, signed_in) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        space = private_space(world)
        item("Vide-grenier <2027>", "Inscriptions à l'accueil", space_id=space_default().pk)
        item("Vide-grenier du comité", space_id=space.pk)
    answer = signed_in("alpha", "amir").get("/api/v1/search/?q=vide grenier")
    assert answer.status_code == 200
    data = answer.json()
    assert data["count"] == 1 and data["counts"] == {"announcement": 1}
    hit = data["results"][0]
    assert hit["title"] == "Vide-grenier <2027>" and hit["kind"] == "announcement"
    assert hit["title_html"] == "<mark>Vide</mark>-<mark>grenier</mark> &lt;2027&gt;"
    assert signed_in("alpha", "sam").get("/api/v1/search/?q=vide grenier").json()["count"] == 2
    bad = signed_in("alpha", "amir").get("/api/v1/search/?q=v")
    assert bad.status_code == 400 and "q" in bad.json()
    assert signed_in("alpha", "amir").get("/api/v1/search/?q=vide&kind=x").status_code == 400


def test_api_is_in_the_openapi_schema(world, signed_in) -> None:  # noqa: ANN001
    schema = signed_in("alpha", "amir").get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "kind", "page"}


# --- Rebuild -------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path) -> Iterator[None]:  # noqa: ANN001
    # django-tenants caches MEDIA_ROOT on the storage: drop it so the override takes effect.
    settings.MEDIA_ROOT = str(tmp_path)
    storages["default"].__dict__.pop("relative_media_root", None)
    yield
    storages["default"].__dict__.pop("relative_media_root", None)


def index_as_written() -> dict[tuple[str, int], tuple]:
    """Every entry of the index with everything it holds but its row id."""
    fields = ("title", "body", "url", "space_id", "roles", "user_ids", "created_at", "vector")
    return {
        (row["kind"], row["object_id"]): tuple(
            tuple(row[f]) if isinstance(row[f], list) else row[f] for f in fields
        )
        for row in SearchEntry.objects.values("kind", "object_id", *fields)
    }


def one_of_each_kind(world: World) -> dict[str, int]:
    """Through each app's services: an item of every kind, plus those their services keep out
    of the index (a cancelled event, a draft survey, a merged duplicate). Returns the ids of
    the ones kept out."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shared_apps.discussions import services as discussions
    from shared_apps.documents import services as documents
    from shared_apps.events import services as events
    from shared_apps.feedback import services as feedback
    from shared_apps.news import services as news
    from shared_apps.polls import services as polls
    from shared_apps.surveys import services as surveys

    alice, arthur, amir = uid(world, "alice"), uid(world, "arthur"), uid(world, "amir")
    secret = private_space(world)
    news.announcement_publish(author_id=alice, space=space_default(), title="Assemblée",
                              body="Samedi **à 10 h**.")
    thread = discussions.thread_create(space=secret, author_id=arthur, title="Arrosage",
                                       body="Qui passe lundi ?")
    discussions.message_reply(thread=thread, author_id=arthur, body="Moi, mardi")
    documents.document_upload(
        membership=member(world, "alice"), space=space_default(), description="Signés",
        file=SimpleUploadedFile("statuts.pdf", b"%PDF-1.4\n%%EOF\n",
                                content_type="application/pdf"),
    )
    start = timezone.now() + timedelta(days=10)
    events.event_create(author_id=arthur, space=secret, title="Réunion du comité",
                        starts_at=start, ends_at=start + timedelta(hours=2),
                        description="Ordre du jour", location="Salle 2", invite=False)
    cancelled = events.event_create(author_id=alice, space=space_default(), title="Pique-nique",
                                    starts_at=start, ends_at=start + timedelta(hours=3),
                                    invite=False)
    events.event_cancel(event=cancelled, actor_id=alice)
    polls.poll_create(author_id=arthur, space=secret, kind="single", question="Quel jour ?",
                      description="Pour le comité", options=["Lundi", "Mardi"], anonymous=True)
    surveys.survey_create(author_id=alice, space=space_default(), title="Satisfaction",
                          introduction="Dites-nous", open_now=True, questions=[
                              surveys.QuestionSpec(kind="short_text", label="Votre ville")])
    draft = surveys.survey_create(author_id=alice, space=space_default(), title="Brouillon",
                                  questions=[surveys.QuestionSpec(kind="yes_no", label="Oui ?")])
    kept = feedback.item_report(reporter_id=amir, kind="problem", title="Fuite d'eau",
                                description="Sous l'évier", place="Cuisine").item
    feedback.item_report(reporter_id=amir, kind="idea", title="Un composteur",
                         description="Au jardin", anonymous=True)
    duplicate = feedback.item_report(reporter_id=uid(world, "sam"), kind="problem",
                                     title="L'évier fuit", description="Encore").item
    feedback.item_merge(duplicate=duplicate, kept=kept, actor_id=alice)
    return {"event": cancelled.pk, "survey": draft.pk, "feedback": duplicate.pk}


def test_search_reindex_rebuilds_from_the_sources(world, media) -> None:  # noqa: ANN001
    """Wiping the index and rebuilding it brings back every entry of every kind exactly as the
    services wrote it (text, link, space, roles, people, date, vector), and nothing else."""
    with tenant_context(world.alpha):
        left_out = one_of_each_kind(world)
        before = index_as_written()
        assert {kind for kind, _id in before} == set(Kind.values)
        for kind, object_id in left_out.items():
            assert (kind, object_id) not in before
        SearchEntry.objects.all().delete()
        item("Stale", kind=Kind.MEMBER)  # an item the sources no longer hold
        item("Stale", kind=Kind.POLL)
    call_command("search_reindex", schema=world.alpha.schema_name, stdout=open("/dev/null", "w"))
    with tenant_context(world.alpha):
        after = index_as_written()
        assert after == before
        assert after[("member", member(world, "agnes").pk)][0] == "Agnès Volunteer"


def test_past_the_cap_the_most_recent_matches_are_ranked(world, signed_in, monkeypatch) -> None:  # noqa: ANN001
    from shared_apps.search import selectors

    monkeypatch.setattr(selectors, "RANK_CAP", 5)
    with tenant_context(world.alpha):
        now = timezone.now()
        for n in range(8):  # the oldest has the best title: past the cap it is not ranked
            title = "Collecte collecte collecte" if n == 7 else f"Note {n}"
            item(title, "collecte de jouets", created_at=now - timedelta(days=n))
        page = search(membership=member(world, "amir"), query=query_parse("collecte"))
        assert page.capped and page.count == 6 and page.counts == {} and page.total is None
        assert sorted(hit.title for hit in page.hits) == [f"Note {n}" for n in range(5)]
    html = signed_in("alpha", "amir").get("/search/?q=collecte").content.decode()
    assert "More than 5 results" in html and 'kind=member"' in html  # every filter offered
    api = signed_in("alpha", "amir").get("/api/v1/search/?q=collecte").json()
    assert api["capped"] is True and api["counts"] == {} and len(api["results"]) == 5
