"""Counting, as pure functions of the ballots (no database): plurality for single and
multiple choice, instant-runoff voting for ranked choice, and the best slot of a date poll.

Instant-runoff (IRV), the method stated on the results page:
1. Each ballot counts for its highest-ranked option still in the race.
2. An option with more than half of these votes wins.
3. Otherwise the option with the fewest votes is eliminated and its ballots pass on to their
   next choice. Ballots with no choice left are "exhausted" and no longer counted.
Ties for last place are broken by the earlier rounds (the option that had fewer votes in the
most recent round where the tied options differed goes out); if they were level in every round,
they are all eliminated together — unless that would eliminate every option left, in which case
those options share the win (a tie, shown as such)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Round:
    number: int
    counts: dict[int, int]  # option id → votes this round (options still in the race)
    exhausted: int  # ballots with no option left in the race
    eliminated: list[int] = field(default_factory=list)
    tie_broken_by_history: bool = False


@dataclass
class IrvResult:
    rounds: list[Round]
    winners: list[int]  # one option, several for a tie, none without any ballot

    @property
    def is_tie(self) -> bool:
        return len(self.winners) > 1


def _break_tie(tied: list[int], history: list[Round]) -> tuple[list[int], bool]:
    """The options among `tied` that go out: those with the fewest votes in the most recent
    earlier round where the tied options differed; all of them if they never differed."""
    for earlier in reversed(history):
        counts = {c: earlier.counts.get(c, 0) for c in tied}
        low = min(counts.values())
        if any(n != low for n in counts.values()):
            return [c for c in tied if counts[c] == low], True
    return tied, False


def instant_runoff(ballots: Iterable[Sequence[int]], options: Sequence[int]) -> IrvResult:
    """Count ranked ballots (each a list of option ids, best first) over these options."""
    ballots = [list(b) for b in ballots]
    continuing = list(options)
    rounds: list[Round] = []
    while continuing:
        alive = set(continuing)
        counts = {c: 0 for c in continuing}
        exhausted = 0
        for ballot in ballots:
            top = next((c for c in ballot if c in alive), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        current = Round(len(rounds) + 1, counts, exhausted)
        rounds.append(current)
        active = sum(counts.values())
        if active == 0:
            return IrvResult(rounds, [])
        best = max(counts.values())
        if best * 2 > active:
            return IrvResult(rounds, [c for c in continuing if counts[c] == best])
        low = min(counts.values())
        tied = [c for c in continuing if counts[c] == low]
        out, by_history = tied, False
        if len(tied) > 1:
            out, by_history = _break_tie(tied, rounds[:-1])
        if len(out) == len(continuing):
            # Everyone left is level, now and before: they share the win.
            return IrvResult(rounds, list(continuing))
        current.eliminated = out
        current.tie_broken_by_history = by_history
        continuing = [c for c in continuing if c not in out]
    return IrvResult(rounds, [])


def plurality(ballots: Iterable[Sequence[int]], options: Sequence[int]) -> dict[int, int]:
    """Votes per option (a multiple-choice ballot counts once for each option it ticks)."""
    counts = {c: 0 for c in options}
    for ballot in ballots:
        for choice in set(ballot):
            if choice in counts:
                counts[choice] += 1
    return counts


def best_slot(tallies: Sequence[tuple[int, int, int]]) -> int | None:
    """Given (option id, yes, if-need-be) in the slots' order: the slot with the most "yes",
    then the most "if need be"; the earliest wins a tie. None when nobody can come."""
    best: tuple[int, int, int] | None = None
    for option_id, yes, maybe in tallies:
        if yes + maybe == 0:
            continue
        if best is None or (yes, maybe) > (best[1], best[2]):
            best = (option_id, yes, maybe)
    return best[0] if best else None
