"""The thread checks: one function per rule in ``rules/threads/``, registered by its id.

A check reads the whole incident and returns ``Hit``s: the message at fault, the words
(or none, for what a message lacks) and a sentence of detail with the times involved.
Severity, message and suggestion come from the rule's file (``rules.py``). The checks read
text through the lexicons in ``rules/lexicons/``, never a parse: a thread rule is about
what was said when, and a whole archive must go through them quickly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..lexicons import Lexicons
from .incident import Incident, IncidentMessage
from .timeexpr import Deadline, deadlines

# Planned work is announced days ahead and starts on time by design: the timing rules
# are about failures.
MAINTENANCE = "maintenance"


@dataclass(frozen=True)
class Hit:
    message: int
    detail: str
    # The words at fault in the message's text; None: the finding is about the message.
    start: int | None = None
    end: int | None = None
    escalated: bool = False


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Promise:
    """A promise of the next post, and when it falls due."""

    sentence: Sentence
    deadline: Deadline


# A sentence ends at . ! or ? before a space and a capital or digit, or at a line break.
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?]+(?=\s+[\"'(\[]?[A-Z0-9])|$)", re.MULTILINE)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Typographic quotes as the lexicons write them ("we\u2019ll" as "we'll"), one character for
# one, so offsets into the message stay right.
_QUOTES = str.maketrans("\u2018\u2019\u201b\u2032\u201c\u201d\u201e", "\'\'\'\'\"\"\"")


def split_sentences(text: str) -> list[Sentence]:
    text = text.translate(_QUOTES)
    found = []
    for match in _SENTENCE.finditer(text):
        start = match.start() + len(match.group()) - len(match.group().lstrip())
        if match.group().strip():
            found.append(Sentence(start, match.end(), text[start:match.end()]))
    return found


def minutes(delta: timedelta) -> str:
    """"42 min", "2 h 10 min": how a person reads a gap."""
    total = round(delta.total_seconds() / 60)
    hours, mins = divmod(total, 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins} min" if mins else f"{hours} h"


def clock(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class Thread:
    """An incident with what the checks ask of its messages, each worked out once."""

    incident: Incident
    lex: Lexicons
    _sentences: dict[int, list[Sentence]] = field(default_factory=dict)

    @property
    def messages(self) -> list[IncidentMessage]:
        return self.incident.messages

    def sentences(self, index: int) -> list[Sentence]:
        if index not in self._sentences:
            self._sentences[index] = split_sentences(self.messages[index].text)
        return self._sentences[index]

    def search(self, index: int, *lexicons: str) -> list[Sentence]:
        """The sentences of a message that match every one of ``lexicons`` (a name
        with ``|`` is any of its parts)."""
        return [s for s in self.sentences(index)
                if all(any(self.lex.regex(name).search(s.text) for name in group.split("|"))
                       for group in lexicons)]

    def promise(self, index: int, assume: timezone | None) -> Promise | None:
        """The first sentence of the message that promises the next post by a time."""
        for sentence in self.search(index, "next_update|update_promises"):
            cues = [m.start() for name in ("next_update", "update_promises")
                    for m in self.lex.regex(name).finditer(sentence.text)]
            found = deadlines(sentence.text, self.messages[index].ts, assume)
            if not found:
                continue
            # The time after the promise ("next update in 30 minutes"), else the one
            # before it ("in 30 minutes we'll post our next update").
            after = [d for d in found if d.start >= min(cues)]
            return Promise(sentence, after[0] if after else found[-1])
        return None

    def apologizes(self, index: int) -> bool:
        not_apology = self.lex.regex("apology_not_apology")
        for sentence in self.sentences(index):
            for match in self.lex.regex("apology_predicates").finditer(sentence.text):
                if not not_apology.match(sentence.text[match.end():].lstrip()):
                    return True
        return False

    def explains_cause(self, index: int) -> bool:
        return bool(self.search(index, "causal_cues|cause_statements", "concrete_causes"))

    def review_promises(self, index: int) -> list[Sentence]:
        return self.search(index, "review_documents", "review_promise_cues|follow_up")

    def dated_follow_up(self, index: int) -> bool:
        return bool(self.search(index, "review_documents|review_content",
                                "review_promise_cues|follow_up", "time_expressions"))

    def delivers_review(self, index: int) -> bool:
        if self.messages[index].status == "postmortem":
            return True
        return bool(self.search(index, "review_documents", "review_delivered"))

    @cached_property
    def filler(self) -> frozenset[str]:
        return self.lex.words("update_filler")

    def content_words(self, index: int) -> set[str]:
        text = self.messages[index].text.translate(_QUOTES).lower()
        return set(_WORD.findall(text)) - self.filler


# --- the registry ------------------------------------------------------------------


class Params(BaseModel):
    """A rule's ``params``; each check declares its own, with defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=Params)
CheckFunction = Callable[[Thread, Any], list[Hit]]


@dataclass(frozen=True)
class Check:
    function: CheckFunction
    params: type[Params]


CHECKS: dict[str, Check] = {}


def check(rule_id: str, params: type[P]) -> Callable[[Callable[[Thread, P], list[Hit]]],
                                                       Callable[[Thread, P], list[Hit]]]:
    def register(function: Callable[[Thread, P], list[Hit]]) -> Callable[[Thread, P], list[Hit]]:
        CHECKS[rule_id] = Check(function, params)
        return function

    return register


# --- the checks --------------------------------------------------------------------

Minutes = float


class PromiseParams(Params):
    grace_minutes: Minutes = Field(default=10, ge=0)
    # A clock time with no zone ("next update at 15:00"): "ignore" it, or read it as UTC.
    unzoned_clock: Literal["ignore", "utc"] = "ignore"


def _assume(params: PromiseParams) -> timezone | None:
    return timezone.utc if params.unzoned_clock == "utc" else None


@check("broken-update-promise", PromiseParams)
def broken_update_promise(thread: Thread, params: PromiseParams) -> list[Hit]:
    hits = []
    grace = timedelta(minutes=params.grace_minutes)
    for index, message in enumerate(thread.messages[:-1]):
        if message.kind != "update":
            continue
        promise = thread.promise(index, _assume(params))
        if promise is None:
            continue
        following = thread.messages[index + 1]
        due = promise.deadline.at
        # Whole minutes: "10 min late" is within a 10-minute grace, whatever the seconds.
        late = timedelta(minutes=(following.ts - due) // timedelta(minutes=1))
        if late > grace:
            hits.append(Hit(index, (
                f"promised the next update by {clock(due)}; the next message came at "
                f"{clock(following.ts)}, {minutes(late)} late (grace "
                f"{minutes(grace)})"), promise.sentence.start, promise.sentence.end))
    return hits


class GapParams(Params):
    limit_minutes: Minutes = Field(default=60, gt=0)
    # Once a fix is in and the writer is watching it, a longer wait is reasonable.
    monitoring_limit_minutes: Minutes = Field(default=120, gt=0)
    # Only needed to read promises the same way as broken-update-promise.
    unzoned_clock: Literal["ignore", "utc"] = "ignore"


@check("update-gap", GapParams)
def update_gap(thread: Thread, params: GapParams) -> list[Hit]:
    if thread.incident.impact == MAINTENANCE:
        return []
    hits = []
    assume = timezone.utc if params.unzoned_clock == "utc" else None
    for index, message in enumerate(thread.messages[:-1]):
        if message.kind != "update":
            continue  # resolved: the thread is closed, a later post-mortem is no gap
        limit = timedelta(minutes=params.monitoring_limit_minutes
                          if message.status == "monitoring" else params.limit_minutes)
        following = thread.messages[index + 1]
        gap = following.ts - message.ts
        # A wait the client was told about is a known, finite wait; a promise that was
        # broken is broken-update-promise's finding, not a second one here.
        if gap > limit and thread.promise(index, assume) is None:
            hits.append(Hit(index + 1, (
                f"no update from {clock(message.ts)} to {clock(following.ts)}: "
                f"{minutes(gap)} while the incident was open (limit {minutes(limit)})")))
    return hits


class ContentLessParams(Params):
    # Token-set (Jaccard) similarity of the content words with the previous message
    # from which an update is a near-duplicate of it.
    similarity: float = Field(default=0.9, gt=0, le=1)
    # The catalog's S05: a warning from the third content-less update in a row.
    escalate_from: int = Field(default=3, ge=1)


@check("content-less-update", ContentLessParams)
def content_less_update(thread: Thread, params: ContentLessParams) -> list[Hit]:
    hits = []
    run = 0
    for index in range(1, len(thread.messages)):
        if thread.messages[index].kind != "update":
            run = 0
            continue
        words, previous = thread.content_words(index), thread.content_words(index - 1)
        new = words - previous
        similar = len(words & previous) / len(words | previous) if words | previous else 1.0
        if new and similar < params.similarity:
            run = 0
            continue
        run += 1
        why = ("only repeats that work is going on" if not words else
               "adds no word of news to the previous one" if not new else
               f"is {similar:.0%} the same as the previous one")
        after = minutes(thread.messages[index].ts - thread.messages[index - 1].ts)
        hits.append(Hit(index, f"this update {why} (posted {after} after it)",
                        escalated=run >= params.escalate_from))
    return hits


class FirstPostParams(Params):
    # PagerDuty's target is five minutes; the per-message rule allows 15 for an update.
    threshold_minutes: Minutes = Field(default=15, ge=0)


@check("late-or-unowned-discovery", FirstPostParams)
def late_first_post(thread: Thread, params: FirstPostParams) -> list[Hit]:
    started = thread.incident.started_at
    if started is None or thread.incident.impact == MAINTENANCE:
        return []
    delay = thread.messages[0].ts - started
    if delay <= timedelta(minutes=params.threshold_minutes):
        return []
    target = minutes(timedelta(minutes=params.threshold_minutes))
    return [Hit(0, f"the first post came {minutes(delay)} after the incident started at "
                   f"{clock(started)} (target {target})")]


def _resolution(thread: Thread) -> int | None:
    """The message that closed the thread: the last "resolved" one."""
    closing = [i for i, m in enumerate(thread.messages) if m.status == "resolved"]
    return closing[-1] if closing else None


class ResolutionParams(Params):
    pass


@check("resolution-without-cause-or-follow-up", ResolutionParams)
def resolution_without_cause(thread: Thread, params: ResolutionParams) -> list[Hit]:
    closing = _resolution(thread)
    if closing is None or any(m.status == "postmortem" for m in thread.messages):
        return []
    # The client has the cause if any post told it; the per-message rules judge the
    # resolving message alone (no-cause-explanation, no-follow-up).
    if any(thread.explains_cause(i) for i in range(len(thread.messages))):
        return []
    if thread.dated_follow_up(closing):
        return []
    return [Hit(closing, "no message of the thread says what caused the incident, and the "
                         "resolution promises no review by a date")]


class ReviewParams(Params):
    pass


@check("promised-review-missing", ReviewParams)
def promised_review_missing(thread: Thread, params: ReviewParams) -> list[Hit]:
    if not thread.incident.resolved:
        return []  # still open: the review is not due yet
    for index in range(len(thread.messages)):
        promised = thread.review_promises(index)
        if not promised:
            continue
        if any(thread.delivers_review(later) for later in range(index + 1, len(thread.messages))):
            return []
        return [Hit(index, f"a review was promised at {clock(thread.messages[index].ts)} "
                           "and the thread ends without it or a link to it",
                    promised[0].start, promised[0].end)]
    return []


class ApologyParams(Params):
    impacts: list[str] = ["major", "critical"]
    escalate_impacts: list[str] = ["critical"]


@check("no-apology-in-major-incident", ApologyParams)
def no_apology(thread: Thread, params: ApologyParams) -> list[Hit]:
    impact = thread.incident.impact
    if impact not in params.impacts:
        return []
    if any(thread.apologizes(i) for i in range(len(thread.messages))):
        return []
    closing = _resolution(thread)
    at = closing if closing is not None else len(thread.messages) - 1
    count = len(thread.messages)
    which = ("its only message does not apologize" if count == 1
             else f"none of its {count} messages apologizes")
    return [Hit(at, f"the source marks the incident {impact}, and {which}",
                escalated=impact in params.escalate_impacts)]
