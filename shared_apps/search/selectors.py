"""The query side of search: one box across every kind of item, only what the searcher may see,
ranked, with highlighted snippets.

Visibility is decided in the query itself (never after the fact): an entry is seen when its
space is readable by the member (or it has none: the whole association) AND it is open to every
role, or to the member's role, or names the member among its people.

Text is matched on the accent-folded words (`text.fold`, as indexed) with the French and English
configurations: a query matches an item holding all its words under either language's stemming;
the last word also matches as a prefix (as-you-type). Ranking is `ts_rank_cd` (title, weight A,
over body, weight B), nudged towards recent items. Snippets are made for the page's results only,
in the original text (accents kept, HTML escaped, matches in <mark>).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from shared_apps.members.models import Membership
from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import space_readable_ids

from .models import Kind, SearchEntry
from .text import fold

MIN_LENGTH = 2  # characters of the whole query
MAX_LENGTH = 200
MAX_WORDS = 8
MIN_PREFIX = 3  # a shorter last word is matched whole (a one-letter prefix matches everything)
PAGE_SIZE = 20
MAX_PAGES = 50  # RANK_CAP / PAGE_SIZE
SNIPPET_CHARS = 220
SCAN_CHARS = 10_000  # of each body, looked at for the snippet

WORD = re.compile(r"\w+")

# The kinds offered as filters, in the order shown. "Discussions" covers threads and replies.
FILTERS: dict[str, tuple[str, ...]] = {
    "member": (Kind.MEMBER,),
    "announcement": (Kind.ANNOUNCEMENT,),
    "discussion": (Kind.DISCUSSION, Kind.MESSAGE),
    "document": (Kind.DOCUMENT,),
    "event": (Kind.EVENT,),
    "poll": (Kind.POLL,),
    "survey": (Kind.SURVEY,),
    "feedback": (Kind.FEEDBACK,),
}
FILTER_OF = {kind: name for name, kinds in FILTERS.items() for kind in kinds}
LABELS = {
    "member": gettext_lazy("Members"),
    "announcement": gettext_lazy("Announcements"),
    "discussion": gettext_lazy("Discussions"),
    "document": gettext_lazy("Documents"),
    "event": gettext_lazy("Events"),
    "poll": gettext_lazy("Polls"),
    "survey": gettext_lazy("Surveys"),
    "feedback": gettext_lazy("Field feedback"),
}
KIND_LABELS = {
    Kind.MEMBER: gettext_lazy("Member"),
    Kind.ANNOUNCEMENT: gettext_lazy("Announcement"),
    Kind.DISCUSSION: gettext_lazy("Discussion"),
    Kind.MESSAGE: pgettext_lazy("a reply in a discussion", "Reply"),
    Kind.DOCUMENT: gettext_lazy("Document"),
    Kind.EVENT: gettext_lazy("Event"),
    Kind.POLL: gettext_lazy("Poll"),
    Kind.SURVEY: gettext_lazy("Survey"),
    Kind.FEEDBACK: gettext_lazy("Field feedback"),
}


class SearchQueryError(ValueError):
    """A query we cannot run (empty, too short, too long); the message is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]  # folded
    prefix: bool  # the last word also matches as a prefix

    def tsquery(self) -> str:
        """to_tsquery syntax: every word required, each quoted (words are \\w+ only)."""
        terms = [f"'{word}'" for word in self.words]
        if self.prefix:
            terms[-1] += ":*"
        return " & ".join(terms)


def query_parse(raw: str | None) -> ParsedQuery:
    """The words of a query, folded like the index. Raises SearchQueryError."""
    text = " ".join((raw or "").split())
    if not text:
        raise SearchQueryError(_("Type a word or a name to search."))
    if len(text) > MAX_LENGTH:
        raise SearchQueryError(
            _("The search is too long (%(max)s characters at most).") % {"max": MAX_LENGTH}
        )
    words = tuple(dict.fromkeys(WORD.findall(fold(text).replace("_", " "))))
    if len("".join(words)) < MIN_LENGTH:
        raise SearchQueryError(
            _("Type at least %(min)s letters or digits to search.") % {"min": MIN_LENGTH}
        )
    if len(words) > MAX_WORDS:
        raise SearchQueryError(
            _("Search with %(max)s words at most.") % {"max": MAX_WORDS}
        )
    return ParsedQuery(words, prefix=len(words[-1]) >= MIN_PREFIX)


def kind_filter_parse(raw: str | None) -> str:
    """A filter name of FILTERS, or "" for every kind. Raises SearchQueryError."""
    raw = (raw or "").strip()
    if raw and raw not in FILTERS:
        raise SearchQueryError(_("Unknown kind of item."))
    return raw


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    title: str
    url: str
    created_at: datetime
    space_id: int | None
    body: str
    rank: float
    space_name: str = ""
    title_html: SafeString = field(default_factory=lambda: mark_safe(""))
    snippet_html: SafeString = field(default_factory=lambda: mark_safe(""))

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def filter(self) -> str:
        return FILTER_OF.get(self.kind, self.kind)


@dataclass(frozen=True)
class SearchPage:
    query: ParsedQuery
    kind: str
    hits: list[Hit]
    number: int
    count: int  # of the filtered kind (RANK_CAP + 1: more than RANK_CAP)
    counts: dict[str, int]  # per filter name, every kind (empty past RANK_CAP)

    @property
    def capped(self) -> bool:
        return self.count > RANK_CAP

    @property
    def cap(self) -> int:
        return RANK_CAP

    @property
    def total(self) -> int | None:
        return sum(self.counts.values()) if self.counts else None

    @property
    def pages(self) -> int:
        return min(MAX_PAGES, max(1, -(-min(self.count, RANK_CAP) // PAGE_SIZE)))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _visible_sql(membership: Membership) -> tuple[str, list]:
    """The visibility rule as SQL (space readable, and role or person allowed)."""
    space_ids = space_readable_ids(user_id=membership.user_id)
    return (
        "(e.space_id IS NULL OR e.space_id = ANY(%s))"
        " AND (e.roles = '{}' OR %s = ANY(e.roles) OR %s = ANY(e.user_ids))",
        [space_ids, membership.role, membership.user_id],
    )


# Both languages' readings of the words; an item matches under either.
QUERY_SQL = "(to_tsquery('french', %s) || to_tsquery('english', %s))"
# ts_rank_cd (normalised by log length so a long body does not win by size), nudged by up to
# +30% for items of the last weeks.
RANK_SQL = (
    "ts_rank_cd(e.vector, e.query, 1)"
    " * (1 + 0.3 * exp(-greatest(extract(epoch FROM now() - e.created_at), 0) / 7776000.0))"
)
# Ranking reads every candidate's vector: bounded, so that a query of everyday words matching
# half the association stays fast. Past this many matches, the most recent ones are ranked
# (the count shows "more than …") — the GIN index finds the matches, the created_at index
# gives the most recent of them without reading the others.
RANK_CAP = 1000


def _matching_sql(
    membership: Membership, query: ParsedQuery, kind: str = "",
    visibility: tuple[str, list] | None = None,
) -> tuple[str, list]:
    """FROM … WHERE of the entries matching the query that the member may see."""
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    visible, visible_params = visibility or _visible_sql(membership)
    tsquery = query.tsquery()
    sql = (
        f"FROM {table} e, (SELECT {QUERY_SQL} AS query) q"
        f" WHERE e.vector @@ q.query AND {visible}"
    )
    params = [tsquery, tsquery, *visible_params]
    if kind:
        sql, params = sql + " AND e.kind = ANY(%s)", [*params, list(FILTERS[kind])]
    return sql, params


def ranking_sql(
    *, membership: Membership, query: ParsedQuery, kind: str = "", page: int = 1,
    capped: bool = False, visibility: tuple[str, list] | None = None,
) -> tuple[str, list]:
    """The query of one page of results, best first (also run by benchmark B6's EXPLAIN).
    `capped`: more than RANK_CAP matches, rank the most recent RANK_CAP."""
    base, params = _matching_sql(membership, query, kind, visibility)
    recent = f" ORDER BY e.created_at DESC LIMIT {RANK_CAP}" if capped else ""
    return (
        "SELECT e.kind, e.object_id, e.title, e.url, e.created_at, e.space_id,"
        f" left(e.body, {SCAN_CHARS}), {RANK_SQL} AS rank"
        " FROM (SELECT e.id, e.kind, e.object_id, e.title, e.url, e.created_at, e.space_id,"
        f" e.body, e.vector, q.query {base}{recent}) e"
        " ORDER BY rank DESC, e.id DESC LIMIT %s OFFSET %s",
        [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    )


def _counts(
    membership: Membership, query: ParsedQuery, kind: str, visibility: tuple[str, list]
) -> dict[str, int]:
    """Matches per kind filter, among the first RANK_CAP + 1 (bounded work)."""
    base, params = _matching_sql(membership, query, kind, visibility)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, count(*) FROM (SELECT e.kind {base} LIMIT %s) m GROUP BY kind",
            [*params, RANK_CAP + 1],
        )
        counts: dict[str, int] = {}
        for entry_kind, n in cursor.fetchall():
            name = FILTER_OF.get(entry_kind, entry_kind)
            counts[name] = counts.get(name, 0) + n
    return counts


def search(
    *, membership: Membership, query: ParsedQuery, kind: str = "", page: int = 1
) -> SearchPage:
    """One page of results the member may see, best first, with counts per kind (exact up
    to RANK_CAP matches; past it, the page says "more than" and per-kind counts are left
    out)."""
    page = max(1, min(page, MAX_PAGES))
    visibility = _visible_sql(membership)  # the readable spaces, read once
    counts = _counts(membership, query, "", visibility)
    total = sum(counts.values())
    if total > RANK_CAP:
        counts = {}
        count = sum(_counts(membership, query, kind, visibility).values()) if kind else total
    else:
        count = counts.get(kind, 0) if kind else total
    rows = []
    if count:
        with connection.cursor() as cursor:
            cursor.execute(*ranking_sql(membership=membership, query=query, kind=kind,
                                        page=page, capped=count > RANK_CAP,
                                        visibility=visibility))
            rows = cursor.fetchall()
    hits = _decorate([Hit(*row) for row in rows], query)
    return SearchPage(query, kind, hits, page, min(count, RANK_CAP + 1), counts)


# --- Snippets ------------------------------------------------------------------------------------


def _stems(words: set[str]) -> dict[str, set[str]]:
    """French and English stems of these folded words, as the index made them (one query)."""
    if not words:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, ts_lexize('french_stem', w), ts_lexize('english_stem', w)"
            " FROM unnest(%s::text[]) AS w",
            [sorted(words)],
        )
        return {w: set(fr or ()) | set(en or ()) for w, fr, en in cursor.fetchall()}


class _Matcher:
    """Whether a folded word of a text is one of the query's words (same stem in either
    language; for the last word, a prefix too)."""

    def __init__(self, query: ParsedQuery, stems: dict[str, set[str]]) -> None:
        self.stems = stems
        self.terms: list[tuple[str, set[str], bool]] = []
        for index, word in enumerate(query.words):
            term_stems = stems.get(word, set())
            if not term_stems and not word.isdigit():
                continue  # a stop word ("la", "the"): searched for by nobody, never marked
            prefix = query.prefix and index == len(query.words) - 1
            self.terms.append((word, term_stems, prefix))

    def __call__(self, word: str) -> bool:
        word_stems = self.stems.get(word, set()) | {word}
        for term, term_stems, prefix in self.terms:
            if word == term or word_stems & term_stems:
                return True
            if prefix and any(s.startswith(t) for s in word_stems for t in term_stems | {term}):
                return True
        return False


def _marked(text: str, folded: str, start: int, end: int, matches: object) -> str:
    """text[start:end] escaped, its matching words wrapped in <mark> (positions carry over
    from the folded text: fold maps one character to one character)."""
    out, at = [], start
    for found in WORD.finditer(folded, start, end):
        if matches(found.group()):
            out.append(escape(text[at:found.start()]))
            out.append(f"<mark>{escape(text[found.start():found.end()])}</mark>")
            at = found.end()
    out.append(escape(text[at:end]))
    return "".join(out)


def _window(folded: str, matches: object) -> tuple[int, int]:
    """Where the snippet is cut: around the first match (or the start), on word edges."""
    first = next((m.start() for m in WORD.finditer(folded) if matches(m.group())), 0)
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = folded.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(folded), start + SNIPPET_CHARS)
    if end < len(folded):
        space = folded.rfind(" ", start, end)
        end = space if space > first else end
    return start, end


def snippet_html(text: str, matches: object) -> SafeString:
    text = " ".join(text.split())  # line breaks and runs of spaces mean nothing in a snippet
    folded = fold(text)
    start, end = _window(folded, matches)
    html = _marked(text, folded, start, end, matches)
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))  # noqa: S308 (escaped above)


def _decorate(hits: list[Hit], query: ParsedQuery) -> list[Hit]:
    """Highlighted titles and snippets, and space names, for one page of results."""
    if not hits:
        return hits
    words = set(query.words)
    for hit in hits:
        words.update(WORD.findall(fold(hit.title)))
        words.update(WORD.findall(fold(" ".join(hit.body.split()))))
    matches = _Matcher(query, _stems(words))
    space_ids = {hit.space_id for hit in hits if hit.space_id}
    names = dict(
        Space.objects.filter(pk__in=space_ids, is_default=False).values_list("id", "name")
    )
    return [
        Hit(
            hit.kind, hit.object_id, hit.title, hit.url, hit.created_at, hit.space_id, "",
            hit.rank, names.get(hit.space_id, ""),
            mark_safe(_marked(hit.title, fold(hit.title), 0, len(hit.title), matches)),  # noqa: S308
            snippet_html(hit.body, matches),
        )
        for hit in hits
    ]
