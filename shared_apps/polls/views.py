"""Polls pages: list (open / closed, per space), poll page with ballot and results, vote
(signed in or from the email's signed link), create, edit, close, delete, and turning a date
poll's slot into an event.

Thin: the policy decides, a service acts. What a member may not read or do answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shared_apps.spaces.selectors import space_for_reader
from shared_apps.workspace.access import member_required
from shared_apps.workspace.receipt_cookie import receipt_remember
from shared_apps.workspace.signed_links import LinkInvalid

from . import policy, services
from .forms import PollForm, ReceiptForm
from .models import Answer, Poll, PollKind
from .selectors import (
    author_name,
    creatable_spaces,
    date_table_of,
    has_voted,
    named_ballot_of,
    options_of,
    poll_for_reader,
    polls_list,
    results_of,
    slot_answers_of,
)

PAGE_SIZE = 20
# One per poll and member: on a shared device, one member's code is never offered to another.
RECEIPT_COOKIE = "cercle_poll_{pk}_{uid}"


def _poll(request: HttpRequest, pk: int) -> Poll:
    poll = poll_for_reader(user_id=request.membership.user_id, pk=pk)
    if poll is None:
        raise Http404
    return poll


def zone_of(request: HttpRequest) -> str:
    return getattr(getattr(request, "tenant", None), "time_zone", "") or "Europe/Paris"


def _form_errors(form: object, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


# --- Reading a ballot from a form --------------------------------------------------------------


def ballot_from_post(poll: Poll, data: object) -> list[int] | dict[int, str]:
    """The choices (option ids, best first for ranked) or, for a date poll, {slot: answer}.
    Raises ValidationError for what cannot be read (the service checks the rest)."""
    if poll.kind == PollKind.DATE:
        return {o.pk: data.get(f"slot_{o.pk}", Answer.NO) for o in options_of(poll)}
    if poll.kind == PollKind.SINGLE:
        return [data["choice"]] if data.get("choice") else []
    if poll.kind == PollKind.MULTIPLE:
        return data.getlist("choices")
    ranks = []
    for option in options_of(poll):
        value = (data.get(f"rank_{option.pk}") or "").strip()
        if not value:
            continue
        try:
            ranks.append((int(value), option.pk))
        except ValueError as exc:
            raise ValidationError({"choices": [_("A rank is a number.")]}) from exc
    if len({rank for rank, _option in ranks}) != len(ranks):
        raise ValidationError({"choices": [_("Give each option a different rank.")]})
    return [option for _rank, option in sorted(ranks)]


def cast(poll: Poll, user_id: int, data: object, receipt: str | None) -> services.VoteOutcome:
    ballot = ballot_from_post(poll, data)
    if poll.kind == PollKind.DATE:
        return services.date_answers_set(poll=poll, user_id=user_id, answers=ballot)
    return services.vote_cast(poll=poll, user_id=user_id, choices=ballot, receipt=receipt)


def _remember_receipt(
    request: HttpRequest, response: HttpResponse, poll: Poll, user_id: int, receipt: str | None
) -> None:
    receipt_remember(request, response, name=RECEIPT_COOKIE.format(pk=poll.pk, uid=user_id),
                     receipt=receipt, closes_at=poll.closes_at, path="/polls/")


# --- Pages -------------------------------------------------------------------------------------


@member_required()
@require_http_methods(["GET"])
def polls_index(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    state = "closed" if request.GET.get("state") == "closed" else "open"
    space = None
    if request.GET.get("space"):
        space = space_for_reader(user_id=membership.user_id, slug=request.GET["space"])
        if space is None:
            raise Http404
    rows = polls_list(user_id=membership.user_id, space=space, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "polls/list.html", {
        "page": page, "polls": list(page.object_list), "state": state, "space": space,
        "can_create": bool(creatable_spaces(membership)), "tz": zone_of(request),
    })


@member_required()
@require_http_methods(["GET", "POST"])
def polls_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    spaces = creatable_spaces(membership)
    if not spaces:
        raise Http404
    initial = {}
    if request.GET.get("space"):
        initial["space"] = next((s.pk for s in spaces if s.slug == request.GET["space"]), None)
    if request.GET.get("kind") in PollKind.values:
        initial["kind"] = request.GET["kind"]
    form = PollForm(request.POST if request.method == "POST" else None, spaces=spaces,
                    zone=zone_of(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            poll = services.poll_create(
                author_id=membership.user_id, space=cleaned["space"], kind=cleaned["kind"],
                question=cleaned["question"], description=cleaned["description"],
                options=cleaned["option_labels"], slots=cleaned["slots"],
                anonymous=cleaned["anonymous"], min_choices=cleaned["min_choices"] or 1,
                max_choices=cleaned["max_choices"] or 1,
                results_visibility=cleaned["results_visibility"], deadline=cleaned["deadline"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Poll opened: the members have been told."))
            return redirect("polls_detail", pk=poll.pk)
    return render(request, "polls/form.html",
                  {"form": form, "poll": None, "zone": zone_of(request)},
                  status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, poll: Poll, **extra: object) -> dict:
    membership = request.membership
    user_id = membership.user_id
    voted = has_voted(poll=poll, user_id=user_id)
    receipt = request.COOKIES.get(RECEIPT_COOKIE.format(pk=poll.pk, uid=user_id))
    mine: list[int] | None = None
    if poll.anonymous:
        mine = services.anonymous_choices(poll=poll, receipt=receipt)
    else:
        ballot = named_ballot_of(poll=poll, user_id=user_id)
        mine = list(ballot.choices) if ballot else None
    my_answers = slot_answers_of(poll=poll, user_id=user_id) if poll.is_date_poll else {}
    context = ballot_context(poll, mine, voted, my_answers)
    can_results = policy.can_see_results(membership, poll, has_voted=voted)
    context.update({
        "author_name": author_name(poll),
        "can_vote": policy.can_vote(membership, poll),
        "can_manage": policy.can_manage(membership, poll),
        "can_results": can_results,
        "results": results_of(poll) if can_results and not poll.is_date_poll else None,
        "table": date_table_of(poll) if poll.is_date_poll else None,
        "receipt_known": mine is not None,
        "receipt_form": ReceiptForm(),
        "tz": zone_of(request),
        "vote_url": f"/polls/{poll.pk}/vote/",
    })
    if poll.is_date_poll and context["can_manage"] and poll.event_id is None:
        from shared_apps.events.policy import can_create_event_in

        context["can_make_event"] = can_create_event_in(membership, poll.space)
    context.update(extra)
    return context


def ballot_context(
    poll: Poll, mine: list[int] | None, voted: bool, my_answers: dict[int, str]
) -> dict:
    options = options_of(poll)
    ranks = {option_id: i + 1 for i, option_id in enumerate(mine or [])}
    for option in options:
        option.rank, option.mine = ranks.get(option.pk), my_answers.get(option.pk, "")
    return {
        "poll": poll, "options": options, "has_voted": voted, "mine": mine or [],
        "rank_numbers": list(range(1, len(options) + 1)),
        "answer_choices": Answer.choices,
    }


@member_required()
@require_http_methods(["GET"])
def polls_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    return render(request, "polls/detail.html", _detail_context(request, poll))


@member_required()
@require_POST
def polls_vote(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    membership = request.membership
    if not policy.is_in_audience(membership, poll):
        raise Http404
    receipt = (request.POST.get("receipt") or "").strip() or request.COOKIES.get(
        RECEIPT_COOKIE.format(pk=poll.pk, uid=membership.user_id))
    try:
        outcome = cast(poll, membership.user_id, request.POST, receipt)
    except ValidationError as error:
        context = _detail_context(request, poll, errors=sum(error.message_dict.values(), []))
        return render(request, "polls/detail.html", context, status=400)
    if outcome.receipt:
        # Shown once, on the page itself (not in a toast that may be missed).
        response = render(request, "polls/detail.html",
                          _detail_context(request, poll, new_receipt=outcome.receipt,
                                          receipt_known=True))
        _remember_receipt(request, response, poll, membership.user_id, outcome.receipt)
        return response
    messages.success(request, _("Your vote has been changed.") if outcome.changed
                     else _("Thank you: your vote is recorded."))
    return redirect("polls_detail", pk=poll.pk)


@member_required()
@require_http_methods(["GET", "POST"])
def polls_edit(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if not policy.can_manage(request.membership, poll) or poll.closed_at is not None:
        raise Http404
    locked = services.poll_has_votes(poll)
    options = options_of(poll)
    initial = {
        "question": poll.question, "description": poll.description, "deadline": poll.deadline,
        "results_visibility": poll.results_visibility, "min_choices": poll.min_choices,
        "max_choices": poll.max_choices, "options": "\n".join(o.label for o in options),
    }
    zone = zone_of(request)
    if poll.is_date_poll:
        from zoneinfo import ZoneInfo

        for i, option in enumerate(options[:8]):
            start, end = option.starts_at.astimezone(ZoneInfo(zone)), option.ends_at.astimezone(
                ZoneInfo(zone))
            initial.update({f"slot_date_{i}": start.date(), f"slot_start_{i}": start.time(),
                            f"slot_end_{i}": end.time()})
    form = PollForm(request.POST if request.method == "POST" else None, zone=zone,
                    editing=True, options_locked=locked, kind=poll.kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            services.poll_update(
                poll=poll, question=cleaned["question"], description=cleaned["description"],
                deadline=cleaned["deadline"],
                results_visibility=cleaned.get("results_visibility"),
                options=cleaned["option_labels"] if "options" in form.fields else None,
                slots=cleaned["slots"] if form.with_slots else None,
                min_choices=cleaned.get("min_choices"), max_choices=cleaned.get("max_choices"),
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Poll saved."))
            return redirect("polls_detail", pk=poll.pk)
    return render(request, "polls/form.html",
                  {"form": form, "poll": poll, "locked": locked, "zone": zone},
                  status=400 if form.errors else 200)


@member_required()
@require_POST
def polls_close(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if not policy.can_manage(request.membership, poll):
        raise Http404
    services.poll_close(poll=poll)
    messages.success(request, _("Poll closed."))
    return redirect("polls_detail", pk=poll.pk)


@member_required()
@require_http_methods(["GET", "POST"])
def polls_delete(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if not policy.can_manage(request.membership, poll):
        raise Http404
    if request.method == "POST":
        services.poll_delete(poll=poll)
        messages.success(request, _("Poll deleted."))
        return redirect("polls")
    return render(request, "polls/delete.html", {"poll": poll})


@member_required()
@require_POST
def polls_event(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the chosen slot (the best one by default) becomes an event of the space."""
    from shared_apps.events.policy import can_create_event_in

    poll = _poll(request, pk)
    membership = request.membership
    if not (poll.is_date_poll and policy.can_manage(membership, poll)
            and can_create_event_in(membership, poll.space)):
        raise Http404
    option = next((o for o in options_of(poll) if str(o.pk) == request.POST.get("option")),
                  None)
    if option is None:
        option = date_table_of(poll).best
    try:
        if option is None:
            raise ValidationError({"option": [_("Choose one of the poll's slots.")]})
        event_id = services.poll_event_create(poll=poll, option=option,
                                              author_id=membership.user_id)
    except ValidationError as error:
        context = _detail_context(request, poll, errors=sum(error.message_dict.values(), []))
        return render(request, "polls/detail.html", context, status=400)
    messages.success(request, _("The event has been created and the members told."))
    from django.urls import NoReverseMatch, reverse

    try:
        return redirect(reverse("events_detail", kwargs={"pk": event_id}))
    except NoReverseMatch:
        return redirect("polls_detail", pk=poll.pk)


@require_http_methods(["GET", "POST"])
def polls_vote_link(request: HttpRequest, token: str) -> HttpResponse:
    """From the email, without signing in. GET only shows the ballot: mail scanners open links
    and must not vote on the member's behalf. POST votes."""
    try:
        poll, user_id = services.vote_link_resolve(token)
    except LinkInvalid:
        return render(request, "polls/vote_link.html", {"invalid": True}, status=400)
    voted = has_voted(poll=poll, user_id=user_id)
    mine = None
    if not poll.anonymous:
        ballot = named_ballot_of(poll=poll, user_id=user_id)
        mine = list(ballot.choices) if ballot else None
    my_answers = slot_answers_of(poll=poll, user_id=user_id) if poll.is_date_poll else {}
    context = ballot_context(poll, mine, voted, my_answers)
    context.update({
        "tz": zone_of(request), "vote_url": request.path, "can_vote": not poll.is_closed,
        "receipt_form": ReceiptForm(),
    })
    if request.method == "POST" and not poll.is_closed:
        receipt = (request.POST.get("receipt") or "").strip() or request.COOKIES.get(
            RECEIPT_COOKIE.format(pk=poll.pk, uid=user_id))
        try:
            outcome = cast(poll, user_id, request.POST, receipt)
        except ValidationError as error:
            context["errors"] = sum(error.message_dict.values(), [])
            return render(request, "polls/vote_link.html", context, status=400)
        context.update({"done": True, "changed": outcome.changed,
                        "new_receipt": outcome.receipt})
        response = render(request, "polls/vote_link.html", context)
        _remember_receipt(request, response, poll, user_id, outcome.receipt)
        return response
    return render(request, "polls/vote_link.html", context)
