"""The annotation pass: the shared facts every rule reads, computed once per document.

A rule never re-derives "is there an apology, and what is it for?" or "does the message
own the fault anywhere?"; it reads ``Analysis``. Facts are located (``Mark``: character
offsets into the text) so findings and the anatomy can point at their evidence.

Matching runs on a *normalized* copy of the text (curly quotes and apostrophes made
straight, non-breaking spaces made plain). Every replacement is one character for one
character, so offsets in the normalized text are offsets in the original.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from typing import Any, Literal

from spacy.attrs import DEP, IDX, IS_ALPHA, LIKE_NUM, LOWER, TAG

from .lexicons import FLAGS, Lexicons
from .models import MessageMeta
from .parts import Alternative, PartSpec, Use
from .prefilter import absent_from, ascii_lower
from .tokens import Tokens

_NORMALIZE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                            "\u00a0": " ", "\u2032": "'", "\u02bc": "'"})

# Quoted words (the client's own words quoted back) and reply lines are not the writer's
# prose: no rule fires inside them and they show no element.
_QUOTED = re.compile(r'"[^"\n]{3,400}"|^[ \t]*>.*$', re.MULTILINE)
_NEGATION = re.compile(r"\b(?:not|no|none|nothing|nobody|never|without|neither|nor)\b|n't\b", FLAGS)
_CLAUSE_BREAK = re.compile(r"[,;:()\u2014]|\s-\s|\b(?:but|and|because|although|though|while|so)\b",
                           FLAGS)
_QUESTION_END = re.compile(r"\?\s*$")
_COUNT = re.compile(
    r"[$\u20ac\u00a3]\s?\d[\d,.]*|\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b)|\b\d{1,3}(?:,\d{3})+\b"
    r"|\b\d+(?:\.\d+)?\b", FLAGS)
_CONDITIONAL_APOLOGY = re.compile(
    r"\b(?:sorry|apologi[sz]e|apologies|apology|regret)\s+(?:\w+\s+){0,2}?(?:to\s+(?:anyone|anybody|those|any\s+(?:customers?|users?|clients?))|if|in\s+case|to\s+the\s+extent|should\s+(?:you|this|any)|for\s+any(?:one|body)|for\s+any\s+[^.!?;]*?\b(?:may|might|could)\s+have)\b"
    r"|\b(?:anyone|anybody|those|customers|users|clients|any\s+customers?)\s+(?:of\s+you\s+)?(?:who|that)\s+(?:may|might|could)\b"
    r"|^\W*(?:to\s+the\s+extent|if\s+(?:you|anyone|your\s+\w+)\s+(?:were|was|have\s+been|has\s+been|felt|feel)\s+(?:\w+\s+)?(?:affected|impacted|offended|inconvenienced|upset|disrupted))",
    FLAGS)
_BUT = re.compile(
    r"(?:[,;\u2014]\s*|\s-\s|\s)(?:but|however|although|though|that\s+said|nevertheless|nonetheless|even\s+so)\b|,\s*yet\b",
    FLAGS)
_BUT_NEXT = re.compile(
    r"^\W*(?:but|however|that\s+said|nevertheless|nonetheless|in\s+fairness|to\s+be\s+fair|still,|having\s+said\s+that|even\s+so|although|though)\b",
    FLAGS)
_OWNERSHIP_IN_CLAUSE = re.compile(
    r"\b(?:our|my)\s+(?:own\s+)?(?:fault|mistake|error|failure|doing)\b|\bon\s+(?:us|me)\b", FLAGS)
_FIRST_PERSON_SUBJECTS = frozenset({"we", "i"})
# The verb tags of the English tagger (Penn Treebank), which the rules read.
_VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
_FIRST_PERSON_POSSESSIVES = frozenset({"our", "my"})
_FIRST_PERSON_OBJECTS = frozenset({"us", "me"})
# Every first-person word the ownership tests read: a sentence without one owns nothing
# by its parse.
_FIRST_PERSON = _FIRST_PERSON_SUBJECTS | _FIRST_PERSON_POSSESSIVES | _FIRST_PERSON_OBJECTS

_NAME_LINE = re.compile(
    r"^\W*(?:[A-Z\u00c0-\u00de][a-z\u00df-\u00ff'\u2019.-]+|[A-Z]\.)(?:\s+(?:[A-Z\u00c0-\u00de][a-z\u00df-\u00ff'\u2019.-]+|[A-Z]\.|de|van|von|da|di|le|la)){0,3}\W*$")
# "Lena Hoffmann, our Head of Reliability" / "our Head of Support, Maria Lopez".
_NAME = r"[A-Z\u00c0-\u00de][a-z\u00df-\u00ff'-]+"
_NAMED_ROLE = re.compile(
    rf"(?-i:\b{_NAME}(?:\s+{_NAME}){{1,2}}),?\s+(?:(?:our|your|the)\s+|(?=who\s))"
    r"(?:[\w-]+\s+){0,4}[\w-]+\b"
    rf"|\b(?:our|your)\s+(?:[\w-]+\s+){{0,4}}[\w-]+,\s+(?-i:{_NAME}(?:\s+{_NAME}){{1,2}})\b",
    re.IGNORECASE)
_LEADS = re.compile(r"\bwho\s+(?:leads|runs|heads|manages|owns)\b", re.IGNORECASE)

Target = Literal["act", "event", "feeling", "none"]


@dataclass(frozen=True)
class Mark:
    """A located fact: ``[start, end)`` in the text, and the sentence it is in."""

    start: int
    end: int
    sent: int


@dataclass(frozen=True)
class Sent:
    index: int
    start: int
    end: int
    text: str
    span: Any  # spacy.tokens.Span
    quoted: bool


@dataclass(frozen=True)
class Apology:
    """An apology predicate ("we're sorry", "our apologies") and what it is for."""

    start: int
    end: int
    sent: int
    target: Target
    object_start: int | None = None
    object_end: int | None = None
    condition: tuple[int, int] | None = None  # "if your service was impacted"
    pivot: tuple[int, int] | None = None  # "but ..." / "However, ..." after the apology
    pivot_clause: str = ""


@dataclass
class Analysis:
    text: str  # normalized: same length and offsets as the original
    doc: Any  # spacy.tokens.Doc
    lex: Lexicons
    sents: list[Sent]
    quoted: list[tuple[int, int]]
    apologies: list[Apology] = field(default_factory=list)
    apology: list[Mark] = field(default_factory=list)  # the sentences that apologise
    ownership: list[Mark] = field(default_factory=list)
    causal: list[Mark] = field(default_factory=list)
    explanation: list[Mark] = field(default_factory=list)
    impact: list[Mark] = field(default_factory=list)
    remedy: list[Mark] = field(default_factory=list)
    prevention: list[Mark] = field(default_factory=list)
    next_update: list[Mark] = field(default_factory=list)
    contact: list[Mark] = field(default_factory=list)
    current_action: list[Mark] = field(default_factory=list)
    known_unknown: list[Mark] = field(default_factory=list)
    guidance: list[Mark] = field(default_factory=list)
    data_loss: list[Mark] = field(default_factory=list)
    follow_up: list[Mark] = field(default_factory=list)
    signoff: list[Mark] = field(default_factory=list)
    # Found by the parts model only (``rules/parts/``): read by the blame and vague rules.
    blame: list[Mark] = field(default_factory=list)
    vague: list[Mark] = field(default_factory=list)
    parts_model: bool = False  # the parts model read this message
    # Parts of the registry (rules/parts/) that no rule reads by name.
    other_parts: dict[str, list[Mark]] = field(default_factory=dict)
    times: list[Mark] = field(default_factory=list)
    spec: list[Mark] = field(default_factory=list)
    meta: MessageMeta = field(default_factory=MessageMeta)
    first_person_subject: bool = False
    word_count: int = 0
    _sent_starts: list[int] = field(default_factory=list, repr=False)
    # ``quoted`` as ``is_quoted`` searches it (the list it was made from, its length, the
    # starts in order, the furthest end any region starting by then reaches).
    _quoted_index: tuple[list[tuple[int, int]], int, list[int], list[int]] | None = field(
        default=None, repr=False, compare=False)
    # ``search``'s answers, by lexicon name and sentence index.
    _found: dict[tuple[str, int], re.Match[str] | None] = field(
        default_factory=dict, repr=False, compare=False)
    # ``possible``'s answers, by lexicon name.
    _possible: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    # --- helpers the rules share --------------------------------------------------

    def marks(self, part: str) -> list[Mark]:
        """The sentences (or spans) that carry a part, by its name in rules/parts/."""
        if part in self.__dataclass_fields__ and part != "other_parts":
            found: list[Mark] = getattr(self, part)
            return found
        return self.other_parts.setdefault(part, [])

    def is_quoted(self, start: int, end: int) -> bool:
        """Does one quoted region hold ``[start, end)``? A binary search: scanning every
        region for every word made a message of many quotes quadratic."""
        index = self._quoted_index
        if index is None or index[0] is not self.quoted or index[1] != len(self.quoted):
            regions = sorted(self.quoted)
            reach = list(accumulate((q1 for _, q1 in regions), max))
            index = self._quoted_index = (
                self.quoted, len(self.quoted), [q0 for q0, _ in regions], reach)
        i = bisect_right(index[2], start)
        return i > 0 and index[3][i - 1] >= end

    def sent_at(self, offset: int) -> Sent:
        """The sentence holding ``offset`` (sentences are in text order: a binary search,
        as long messages have thousands)."""
        if len(self._sent_starts) != len(self.sents):
            self._sent_starts = [sent.start for sent in self.sents]
        i = bisect_right(self._sent_starts, offset) - 1
        if i >= 0 and offset < self.sents[i].end:
            return self.sents[i]
        for sent in self.sents:  # an offset between sentences: the old linear answer
            if sent.start <= offset < sent.end:
                return sent
        return self.sents[-1]

    def negated_before(self, sent: Sent, offset: int) -> bool:
        """Is there a negation between the start of the clause and ``offset``?"""
        before = self.text[sent.start:offset]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        clause = before[breaks[-1].end():] if breaks else before
        return bool(_NEGATION.search(clause))

    def in_sentence(self, marks: list[Mark], sent: Sent) -> bool:
        return self.near(marks, sent, after=0)

    def near(self, marks: list[Mark], sent: Sent, after: int = 1) -> bool:
        """A mark in this sentence or in one of the next ``after`` sentences.

        Marks are kept in text order (so in sentence order): a bisection, not a scan,
        since rules ask this for every sentence and a scan made long messages quadratic."""
        i = bisect_left(marks, sent.index, key=lambda m: m.sent)
        return i < len(marks) and marks[i].sent <= sent.index + after

    @cached_property
    def ongoing(self) -> bool:
        """Signs, outside quoted text, that the incident is still going on. Found when
        first asked: only some rules ask it, of some kinds of message."""
        return bool(self.lex.regex("ongoing").search(_unquoted(self.text, self.quoted)))

    def sentences(self) -> list[Sent]:
        """The writer's own sentences (quoted text left out)."""
        return [s for s in self.sents if not s.quoted and s.text.strip()]

    def verbs(self, sent: Sent) -> list[Any]:
        """The sentence's tokens tagged as verbs, in order."""
        return self._verbs.within(sent.span)

    @cached_property
    def _verbs(self) -> Tokens:
        return Tokens(self.doc, TAG, _VERB_TAGS)

    @cached_property
    def first_person(self) -> Tokens:
        """The first-person words ("we", "our", "us"...) the ownership tests read."""
        return Tokens(self.doc, LOWER, _FIRST_PERSON)

    def search(self, name: str, sent: Sent) -> re.Match[str] | None:
        """``lex.regex(name).search(sent.text)``, made once per sentence: the annotation
        pass, the score and the rules ask many of the same lexicons of the same
        sentences, and a lexicon's pattern takes longer than anything else they do."""
        key = (name, sent.index)
        if key not in self._found:
            self._found[key] = (self.lex.regex(name).search(sent.text)
                                if self.possible(name) else None)
        return self._found[key]

    def possible(self, name: str) -> bool:
        """Can lexicon ``name`` match anywhere in the message? Asked once per message:
        a sentence is a slice of the text, so a lexicon its prefilter rules out of the
        whole text matches no sentence, and most messages hold few lexicons' strings."""
        if name not in self._possible:
            self._possible[name] = not absent_from(self.lex.regex(name), self._lowered)
        return self._possible[name]

    def matchable(self, patterns: list[re.Pattern[str]]) -> list[re.Pattern[str]]:
        """The patterns that can match somewhere in the message (as ``possible``): the
        others match none of its sentences."""
        return [p for p in patterns if not absent_from(p, self._lowered)]

    @cached_property
    def _lowered(self) -> str | None:
        return ascii_lower(self.text)


def normalize(text: str) -> str:
    return text.translate(_NORMALIZE)


# --- the pass --------------------------------------------------------------------------


def annotate(text: str, doc: Any, lex: Lexicons, meta: MessageMeta | None = None,
             parts: dict[str, PartSpec] | None = None, use: Use | None = None) -> Analysis:
    """The facts of one parsed message. ``parts`` (``rules/parts/``) say how the parts
    model's sentences combine with the rule-based finders; ``use`` overrides every part's
    choice (for measuring rules and model apart)."""
    norm = normalize(text)
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(norm)]
    sents = _sentences(norm, doc, quoted)
    a = Analysis(text=norm, doc=doc, lex=lex, sents=sents, quoted=quoted,
                 meta=meta or MessageMeta())
    # Read as arrays, once: a ``Token`` object per word costs more than the test itself.
    words = doc.to_array([IS_ALPHA, LIKE_NUM, LOWER, DEP, IDX]).tolist()
    a.word_count = sum(1 for alpha, num, *_ in words if alpha or num)
    hashes = doc.vocab.strings
    subjects = {hashes[word] for word in _FIRST_PERSON_SUBJECTS}
    deps = {hashes["nsubj"], hashes["nsubjpass"]}
    a.first_person_subject = any(
        lower in subjects and dep in deps and not a.is_quoted(idx, idx + 1)
        for _, _, lower, dep, idx in words)
    registry = parts or {}
    codes: set[str] = {p.finder.code for p in registry.values() if p.finder and p.finder.code}
    # A part taken from the model alone drops what its rule-based finder found
    # (``_model_parts``): that finder is not run, unless another part includes it.
    included = {other for part in registry.values() if part.finder
                for other in part.finder.include}
    ruled = {name: part for name, part in registry.items()
             if (use or part.use) != "model" or name in included}
    # Each lexicon-found part's alternatives and where its sentences go, looked up once
    # for the message rather than for every sentence; an alternative needing a lexicon
    # the message cannot match holds in no sentence, and is left out.
    finders = []
    for name, part in ruled.items():
        if part.finder is not None and part.finder.sentences:
            marks = a.marks(name)
            alternatives = [alt for alt in part.finder.sentences if all(map(a.possible, alt.all))]
            if alternatives:
                finders.append((marks, alternatives))
    for sent in a.sentences():
        _sentence_facts(a, sent, finders, codes)
    a.times = [m for m in _marks(a, lex.regex("time_expressions"))
               if not a.is_quoted(m.start, m.end)]
    a.spec = sorted(
        a.times + _marks(a, _COUNT) + _marks(a, lex.regex("symptoms")),
        key=lambda m: m.start,
    )
    a.signoff = _signoff(a)
    a.apology = [Mark(ap.start, a.sents[ap.sent].end, ap.sent) for ap in a.apologies]
    if registry:
        _model_parts(a, registry, use)
    # Other parts' sentences that count as this one ("a confirmed cause is a confirmed
    # fact"), whichever way the part itself is found.
    for name, part in registry.items():
        for other in part.finder.include if part.finder else []:
            mine = a.marks(name)
            have = {(m.start, m.end) for m in mine}
            mine.extend(m for m in a.marks(other) if (m.start, m.end) not in have)
    return a


def _model_parts(a: Analysis, parts: dict[str, PartSpec], use: Use | None) -> None:
    """Combine the parts model's sentences (``doc.spans``) with the rule-based facts."""
    from .parts_model import SPANS_KEY, sentence_scores

    scored: dict[str, list[tuple[int, float]]] = {}
    for start, _end, label, score in sentence_scores(a.doc):
        scored.setdefault(label, []).append((start, score))
    a.parts_model = SPANS_KEY in a.doc.spans and use != "rules"
    for part in parts.values():
        how = use or part.use
        if part.model is None or how == "rules":
            continue
        ruled = a.marks(part.name)
        have = {m.sent for m in ruled} if how == "either" else set()
        found = []
        for start, score in scored.get(part.model.label, []):
            # Most scores are below the threshold: only the others' sentences are read.
            # (``not >=``, as the test was: a score that is not a number stays out.)
            if not score >= part.model.threshold:
                continue
            sent = a.sent_at(start)
            # A list marker alone ("-", "•") carries no part, whatever the model scores.
            wordless = not any(ch.isalpha() for ch in sent.text)
            if not sent.quoted and sent.index not in have and not wordless \
                    and not any(a.search(v, sent) for v in part.model.unless):
                found.append(_sentence_mark(sent))
        ruled[:] = found if how == "model" else sorted(ruled + found,
                                                       key=lambda m: (m.start, m.end))


def _unquoted(text: str, quoted: list[tuple[int, int]]) -> str:
    chars = list(text)
    for q0, q1 in quoted:
        chars[q0:q1] = " " * (q1 - q0)
    return "".join(chars)


def _sentences(text: str, doc: Any, quoted: list[tuple[int, int]]) -> list[Sent]:
    out: list[Sent] = []
    quoted_starts = [q0 for q0, _ in quoted]
    for span in doc.sents:
        start = span.start_char
        end = span.end_char
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        if start == end:
            continue
        # The quoted regions are in order and apart: only the last one starting at or
        # before the sentence can hold it.
        i = bisect_right(quoted_starts, start) - 1
        is_quoted = i >= 0 and end <= quoted[i][1]
        out.append(Sent(len(out), start, end, text[start:end], span, is_quoted))
    return out


def _marks(a: Analysis, pattern: re.Pattern[str]) -> list[Mark]:
    marks = []
    for m in pattern.finditer(a.text):
        if m.end() > m.start():
            marks.append(Mark(m.start(), m.end(), a.sent_at(m.start()).index))
    return marks


def _sentence_mark(sent: Sent) -> Mark:
    return Mark(sent.start, sent.end, sent.index)


def _sentence_facts(a: Analysis, sent: Sent, finders: list[tuple[list[Mark], list[Alternative]]],
                    codes: set[str]) -> None:
    """The rule-based finders of every part (``rules/parts/``) on one sentence: the
    lexicon ones (``finders``: a part's sentences, and its alternatives) and the code
    finders the parts name (``codes``)."""
    whole = _sentence_mark(sent)
    # The code finders first, in this order: an explanation may rest on ownership.
    if "apologies" in codes and not _QUESTION_END.search(sent.text):
        a.apologies += _apologies(a, sent)
    if "ownership" in codes and _owns(a, sent):
        a.ownership.append(whole)
    causal = a.search("causal_cues", sent)
    if causal:
        a.causal.append(Mark(sent.start + causal.start(), sent.start + causal.end(), sent.index))
    if "explanation" in codes and _explains(a, sent, bool(causal)):
        a.explanation.append(whole)
    for marks, alternatives in finders:
        for alt in alternatives:
            if _alternative(a, sent, alt):
                marks.append(whole)
                break


def _alternative(a: Analysis, sent: Sent, alt: Alternative) -> bool:
    text = sent.text
    first = None
    for n, name in enumerate(alt.all):
        m = a.search(name, sent)
        if m is None:
            return False
        if n == 0:
            first = m
    assert first is not None
    if any(a.search(name, sent) for name in alt.none):
        return False
    if any(a.lex.regex(name).search(text[:first.start()]) for name in alt.none_before):
        return False
    return not (alt.not_negated and a.negated_before(sent, sent.start + first.start()))


def _explains(a: Analysis, sent: Sent, causal: bool) -> bool:
    """A concrete cause, stated firmly, with a cue that it is the cause."""
    # The cue first: most sentences have none, and looking for one costs less than the
    # concrete causes' pattern. Each test only reads the sentence, so the order cannot
    # change the answer.
    if not (causal or a.in_sentence(a.ownership, sent) or a.search("result_cues", sent)
            or _mechanism(a, sent)):
        return False
    return bool(a.search("concrete_causes", sent)) and not a.search("hedges", sent)


# --- apology ---------------------------------------------------------------------------


# How far past an apology the "not an apology" patterns ("to hear", "for the wait in
# replying") read: they look at the words right after it, and reading the whole rest of
# the sentence for each apology made a sentence of many apologies quadratic.
_AFTER_APOLOGY = 400
_SPACES = re.compile(r"\s*")
_WORD_CHAR = re.compile(r"\w")


class _Ahead:
    """``pattern.search(text, pos, end)`` for a ``pos`` that only moves forward. A match
    found from ``pos`` is also the answer for every later ``pos`` up to its start, and no
    match means none later, so a sentence is read about once, not once per apology."""

    def __init__(self, pattern: re.Pattern[str], text: str, end: int) -> None:
        self.pattern, self.text, self.end = pattern, text, end
        self.pos = -1
        self.match: re.Match[str] | None = None

    def search(self, pos: int) -> re.Match[str] | None:
        if self.pos < 0 or pos < self.pos or (
                self.match is not None and pos > self.match.start()):
            self.pos, self.match = pos, self.pattern.search(self.text, pos, self.end)
        return self.match


class _ApologyScan:
    """What every apology of one sentence asks of the sentence, each read at most once:
    clause breaks and negations (``negated_before``), the conditional phrase, the pivot
    ("but …") after an apology and the next sentence's opening pivot."""

    def __init__(self, a: Analysis, sent: Sent) -> None:
        self.a, self.sent = a, sent
        self.breaks = [m.end() for m in _CLAUSE_BREAK.finditer(sent.text)]
        self.negations = _Ahead(_NEGATION, sent.text, len(sent.text))
        self.buts = _Ahead(_BUT, a.text, sent.end)
        self.pivots: dict[int, tuple[int, int]] = {}  # _BUT match start -> pivot words
        self.clauses: dict[int, str] = {}  # pivot start -> the rest of its sentence

    def negated_before(self, cut: int) -> bool:
        """``a.negated_before(sent, sent.start + cut)``. Where ``cut`` ends a word (the
        end of an apology predicate), the breaks and negations of the whole sentence that
        end by ``cut`` are exactly those of the text before it, so they are read once."""
        text = self.sent.text
        clean = cut > 0 and _WORD_CHAR.match(text, cut - 1) is not None and (
            cut == len(text) or _WORD_CHAR.match(text, cut) is None)
        if not clean:
            return self.a.negated_before(self.sent, self.sent.start + cut)
        i = bisect_right(self.breaks, cut)
        found = self.negations.search(self.breaks[i - 1] if i else 0)
        return found is not None and found.end() <= cut

    @cached_property
    def conditional(self) -> tuple[int, int] | None:
        m = _CONDITIONAL_APOLOGY.search(self.sent.text)
        return (self.sent.start + m.start(), self.sent.start + m.end()) if m else None

    @cached_property
    def next_pivot(self) -> tuple[int, int] | None:
        """A pivot opening the next sentence ("However, …")."""
        nxt = _next_sentence(self.a, self.sent)
        m = _BUT_NEXT.match(nxt.text) if nxt is not None else None
        return _pivot_word(m, nxt.start + m.start()) if m and nxt else None

    def pivot(self, apology_end: int) -> tuple[int, int] | None:
        m = self.buts.search(apology_end)
        if m is None:
            return self.next_pivot
        if m.start() not in self.pivots:
            self.pivots[m.start()] = _pivot_word(m, m.start())
        return self.pivots[m.start()]

    def clause(self, pivot: int) -> str:
        if pivot not in self.clauses:
            self.clauses[pivot] = self.a.text[pivot:self.a.sent_at(pivot).end]
        return self.clauses[pivot]


def _apologies(a: Analysis, sent: Sent) -> list[Apology]:
    found: list[Apology] = []
    not_apology = a.lex.regex("apology_not_apology")
    scan: _ApologyScan | None = None  # made at the first apology: most sentences have none
    for m in a.lex.regex("apology_predicates").finditer(sent.text):
        scan = scan or _ApologyScan(a, sent)
        after = _SPACES.match(sent.text, m.end()).end()  # type: ignore[union-attr]
        if not_apology.match(sent.text[after:after + _AFTER_APOLOGY]):
            continue
        start, end = sent.start + m.start(), sent.start + m.end()
        if found and start < found[-1].end:
            continue
        if scan.negated_before(m.end()):
            continue
        head = _apology_head(sent, start, end)
        target, obj = _apology_target(head, a.lex) if head is not None else ("none", None)
        pivot = scan.pivot(end)
        found.append(Apology(
            start=start, end=end, sent=sent.index, target=target,
            object_start=obj[0] if obj else None, object_end=obj[1] if obj else None,
            condition=_condition(head, scan),
            pivot=pivot,
            pivot_clause=scan.clause(pivot[0]) if pivot else "",
        ))
    return found


_APOLOGY_HEADS = frozenset({"sorry", "apologize", "apologise", "apologies", "apology",
                            "apologising", "apologizing"})


def _apology_head(sent: Sent, start: int, end: int) -> Any:
    # The tokens from ``start`` on, found by binary search: a scan from the sentence's
    # first token for every apology was quadratic in a sentence of many apologies.
    span = sent.span
    i = bisect_left(range(len(span)), start, key=lambda j: span[j].idx)
    while i < len(span) and span[i].idx < end:
        if span[i].lower_ in _APOLOGY_HEADS:
            return span[i]
        i += 1
    return None


def _attachments(head: Any) -> list[Any]:
    """Children that can carry what an apology is for (also via "we're" for "sorry").
    Only right children are read: spaCy finds children by walking a token's subtree, and
    the left ones cannot count here."""
    kids = list(head.rights)
    if head.dep_ in ("acomp", "xcomp", "attr", "dobj") and head.head.i < head.i:
        kids += [c for c in head.head.rights if c.i > head.i]
    return kids


def _apology_target(head: Any, lex: Lexicons) -> tuple[Target, tuple[int, int] | None]:
    for child in _attachments(head):
        span = (child.left_edge.idx, child.right_edge.idx + len(child.right_edge))
        if child.dep_ in ("ccomp", "advcl") and child.tag_.startswith("VB"):
            mark = [c for c in child.children if c.dep_ == "mark"]
            if mark and mark[0].lower_ in ("if", "whether", "because", "since", "as", "while"):
                continue
            return _clause_target(child, lex), span
        if child.dep_ == "xcomp" or (
                child.dep_ == "prep" and child.lower_ in ("for", "about", "over")):
            if child.dep_ == "xcomp":
                return "act", span
            objects = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
            if not objects:
                continue
            return _object_target(objects[0], lex), span
    return "none", None


def _clause_target(verb: Any, lex: Lexicons) -> Target:
    clause = verb.doc[verb.left_edge.i: verb.right_edge.i + 1].text
    if _OWNERSHIP_IN_CLAUSE.search(clause):
        return "act"  # "sorry that it was our fault"
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "expl")]
    subject = subjects[0] if subjects else None
    if subject is not None and subject.lower_ in _FIRST_PERSON_SUBJECTS:
        return "act"
    agents = [c for c in verb.children if c.dep_ == "agent"]
    for agent in agents:
        if any(g.lower_ in _FIRST_PERSON_OBJECTS or _has_first_person_poss(g)
               for g in agent.children):
            return "act"
    if subject is not None and subject.lower_ == "you":
        comps = [c.lower_ for c in verb.children if c.dep_ in ("acomp", "oprd")]
        if verb.lower_ in lex.words("feeling_verbs") or any(
                c in lex.words("feeling_adjectives") for c in comps):
            return "feeling"
    return "event"


def _has_first_person_poss(tok: Any) -> bool:
    return any(c.dep_ == "poss" and c.lower_ in _FIRST_PERSON_POSSESSIVES for c in tok.children)


def _object_target(obj: Any, lex: Lexicons) -> Target:
    if obj.tag_ == "VBG" or obj.dep_ == "pcomp":
        return "act"  # "sorry for sending you…": the gerund's subject is the writer
    if obj.lower_ in lex.words("feeling_nouns") and any(
            c.lower_ == "your" for c in obj.children):
        return "feeling"
    if _has_first_person_poss(obj):
        return "act"  # "our mistake", "our delay in replying"
    for child in obj.children:
        if child.dep_ in ("relcl", "acl") and any(
            s.lower_ in _FIRST_PERSON_SUBJECTS for s in child.children if s.dep_ == "nsubj"
        ):
            return "act"  # "the error we made"
    return "event"


def _condition(head: Any, scan: _ApologyScan) -> tuple[int, int] | None:
    if head is not None:
        for child in _attachments(head) + list(head.lefts):
            if child.dep_ == "advcl" and any(
                m.dep_ == "mark" and m.lower_ in ("if", "whether") for m in child.children
            ):
                return child.left_edge.idx, child.right_edge.idx + len(child.right_edge)
    return scan.conditional


def _pivot_word(m: re.Match[str], at: int) -> tuple[int, int]:
    """The pivot's words ("but", "that said") in a ``_BUT`` / ``_BUT_NEXT`` match that
    starts at offset ``at`` of the message."""
    word = re.search(r"\w[\w\s]*\w|\w", m.group(0))
    assert word is not None
    start = at + word.start()
    return start, start + len(word.group(0))


def _next_sentence(a: Analysis, sent: Sent) -> Sent | None:
    if sent.index + 1 < len(a.sents):
        nxt = a.sents[sent.index + 1]
        if not nxt.quoted:
            return nxt
    return None


# --- ownership -------------------------------------------------------------------------


def _subject(verb: Any) -> Any:
    """The verb's subject, inherited from the first verb for "we ran X and deleted Y"."""
    seen = 0
    while verb is not None and seen < 5:
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
        if verb.dep_ in ("conj", "xcomp") and verb.head is not verb:
            verb = verb.head
            seen += 1
            continue
        return None
    return None


def _negated_verb(verb: Any) -> bool:
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    return verb.dep_ == "xcomp" and any(c.dep_ == "neg" for c in verb.head.children)


def _owns(a: Analysis, sent: Sent) -> bool:
    if _owning_phrase(a, sent):
        return True
    # Each test of the parse needs a first-person word of the sentence's parse tree (a
    # subject, its possessive, an agent's object), and a parse tree never leaves its
    # sentence: without one, the verbs need not be read.
    return bool(a.first_person.within(sent.span)) and _owns_by_parse(a, sent)


def _owning_phrase(a: Analysis, sent: Sent) -> bool:
    """An ownership phrase ("our mistake", "we take responsibility"), not negated."""
    return any(not a.negated_before(sent, sent.start + m.start())
               for m in a.lex.regex("ownership_phrases").finditer(sent.text))


def _owns_by_parse(a: Analysis, sent: Sent) -> bool:
    """A verb of the sentence whose subject is the writer and that says a fault."""
    lex = a.lex
    omission = lex.words("omission_verbs")
    third = lex.words("third_parties")
    causal = a.search("causal_cues", sent)
    # Each test reads the parse only, so the cheaper ones come first: most verbs have no
    # first-person subject, and their other tests are then not needed.
    for tok in a.verbs(sent):
        subject = _subject(tok)
        if subject is None:
            continue
        if subject.dep_ == "nsubjpass":
            if _fault_verb(a, tok) and any(
                    c.dep_ == "agent" and any(
                        g.lower_ in _FIRST_PERSON_OBJECTS or _has_first_person_poss(g)
                        for g in c.children)
                    for c in tok.children):
                return True
            continue
        first_person = subject.lower_ in _FIRST_PERSON_SUBJECTS
        ours = (_has_first_person_poss(subject) and subject.lower_ not in third
                and any(c.dep_ == "dobj" for c in tok.children))
        if not (first_person or ours):
            continue
        if _negated_verb(tok):
            if first_person and tok.lower_ in omission:
                return True
            continue
        if _fault_verb(a, tok):
            return True
        # The cause is something the writer did: "…failed because a certificate we
        # rotated was missing…", "we traced it to a change we deployed".
        if first_person and tok.dep_ in ("relcl", "acl") and causal is not None \
                and causal.start() < tok.idx - sent.start:
            return True
    return False


def _fault_verb(a: Analysis, verb: Any) -> bool:
    """A fault verb ("broke"), or an ambiguous one ("ran") with a fault marker in its
    phrase."""
    word = verb.lower_
    if word in a.lex.words("fault_verbs"):
        return True
    if word not in a.lex.words("ambiguous_fault_verbs"):
        return False
    phrase = a.text[verb.left_edge.idx: verb.right_edge.idx + len(verb.right_edge)]
    return a.lex.regex("fault_markers").search(phrase) is not None


_SEQUENCE = re.compile(r"\b(?:when|after|until|once|while|so|then)\b|\b(?:we|our)\b", FLAGS)


def _mechanism(a: Analysis, sent: Sent) -> bool:
    """A concrete thing failing in sequence: "a leak grew until the servers ran out"."""
    fault = a.lex.words("fault_verbs")
    failed = a.search("symptoms", sent) or any(tok.lower_ in fault for tok in a.verbs(sent))
    return bool(failed and _SEQUENCE.search(sent.text))


# --- sign-off --------------------------------------------------------------------------


def _signoff(a: Analysis) -> list[Mark]:
    """A named person or a role who owns the message.

    Either in the closing lines ("— Maria Lopez, Head of Support"; a name after "Kind
    regards"; a short final paragraph of name and role), or named with a role in the body
    ("questions go to Lena Hoffmann, our Head of Reliability").
    """
    lines = []
    pos = 0
    for raw in a.text.split("\n"):
        lines.append((pos, raw.strip()))  # offset of the raw line, its stripped text
        pos += len(raw) + 1
    while lines and not lines[-1][1]:
        lines.pop()
    # The last paragraph, when it is a short block of short lines, is a sign-off block.
    blanks = [i for i, (_, line) in enumerate(lines) if not line]
    final_block = lines[blanks[-1] + 1:] if blanks and blanks[-1] > 0 else []
    in_final_block = {p for p, _ in final_block} if len(final_block) <= 4 and all(
        len(line) < 80 for _, line in final_block) else set()
    roles = a.lex.regex("signoff_roles")
    closers = a.lex.regex("signoff_words")
    organization = a.lex.words("organization_words")
    block: list[tuple[int, str]] = []  # the lines after a closer or a dash, or the final block
    collecting = False
    for p, line in [pl for pl in lines if pl[1]][-6:]:
        if a.is_quoted(p, p + len(line)):
            continue
        if closers.search(line):
            block, collecting = [], True
            continue
        dash_name = re.match(r"^[\u2014\u2013-]{1,2}\s*(.+)$", line)
        if dash_name and not collecting:
            block, collecting = [], True
        if collecting or p in in_final_block:
            block.append((p, dash_name.group(1) if dash_name else line))
    # The block's first line is the signer; later lines count (as the signer's role) only
    # when the signer is a person, not a team or a company.
    marks: list[Mark] = []
    for n, (p, candidate) in enumerate(block):
        name_part = re.split(r"[,|(]", candidate)[0]
        company = bool({w.lower().strip(".") for w in name_part.split()} & organization)
        person = bool(_NAME_LINE.match(name_part)) and not company
        if len(candidate) >= 80 or (n > 0 and not marks):
            break
        if person or (roles.search(candidate) and (n > 0 or not company)):
            start = a.text.index(candidate, p)
            marks.append(Mark(start, start + len(candidate), a.sent_at(start).index))
        elif n == 0:
            break
    for m in _NAMED_ROLE.finditer(a.text):
        if (roles.search(m.group(0)) or _LEADS.search(m.group(0))) \
                and not a.is_quoted(m.start(), m.end()):
            marks.append(Mark(m.start(), m.end(), a.sent_at(m.start()).index))
    return marks
