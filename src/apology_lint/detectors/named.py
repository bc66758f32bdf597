"""Named detectors: the rules whose logic does not fit a pattern.

Each reads the shared facts in ``Analysis`` and returns hits. The rule file names the
detector (``type: named``, ``name: …``) and carries its message, severities and examples.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any

from spacy.attrs import DEP, LOWER, TAG

from ..annotate import Analysis, Sent
from ..dictionary import is_english_word
from ..lexicons import Lexicons
from ..models import Kind
from ..prefilter import FilteredPattern
from ..rewrites import active_with_we, capitalize, drop_span, phrase_start, split_at
from ..tokens import Tokens
from .base import Hit, Level, Taken, message_hit, named

# "because your key had expired": the client as the cause. "after you" and "as you" are
# usually about time, and "because your delivery was late" is about the harm, so the
# clause must also describe a fault on the client's side. (These patterns, like the
# lexicons', first ask a prefilter whether the sentence holds a string every match needs:
# most sentences do not, and that is much cheaper than the search.)
_SECOND_PERSON_CAUSE = FilteredPattern.wrap(re.compile(
    r"\b(?:because|due\s+to|caused\s+by)\s+(?:of\s+)?(?:you|your)\b[^.;!?]{0,60}?\b(?:"
    r"expired|wrong|incorrect|invalid|outdated|old|didn't|did\s+not|hadn't|had\s+not|failed|"
    r"forgot|never|missed|misconfigured|entered|used|disabled|deleted|ignored|chose|skipped)\b",
    re.IGNORECASE))
_YOU_FAULT = FilteredPattern.wrap(re.compile(
    r"\byou(?:r\s+(?:team|staff|users|admin|administrator|developers?|IT\s+team))?\s+"
    r"(?:had\s+)?(?:failed\s+to|forgot|neglected|ignored|didn't|did\s+not|never|misconfigured|"
    r"entered|used|uploaded|chose|selected|set|typed|clicked|missed|overlooked|disabled|deleted)\b",
    re.IGNORECASE))
_INSTRUCTION = re.compile(
    r"^\W*(?:if|when|once|to|please|you\s+can|you(?:'ll|\s+will)|you\s+may|you\s+might)\b",
    re.IGNORECASE)
_SCOPE_SUBJECT = FilteredPattern.wrap(re.compile(
    r"\bonly\s+(?:the\s+)?(?:[A-Z]{2,}|[A-Z][a-z]+|customers|users|accounts|clients|stores|"
    r"orders|requests|logins|payments|workspaces|sso|the\s+\w+\s+(?:region|plan|cluster|tier))\b"))
_NUMBER = re.compile(r"\d")
_NO_SUBJECT = re.compile(r"\W*(?:no|none|nothing|neither)\b", re.IGNORECASE)
_PAST_PARTICIPLE = frozenset({"VBN"})
_SUBJECT = frozenset({"nsubj"})


# --- ownership -------------------------------------------------------------------------


@named("apology_for_event")
def apology_for_event(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """Sorry for "the outage" or "this", and no first-person fault anywhere.

    The catalog's guard ("fine if ownership appears elsewhere") is applied in full: when
    the message owns the fault in another sentence, the apology is not reported. A bare
    "We're sorry." has no object to judge and is left to the anatomy (no ownership).
    """
    if a.ownership:
        return []
    suggestion = None
    for verb in _agentless_passives(a):
        active = active_with_we(verb)
        if active:
            suggestion = f'Apologize for what you did: "We\'re sorry {active}."'
            break
    hits = []
    for ap in a.apologies:
        if ap.target == "event":
            end = ap.object_end if ap.object_end is not None else ap.end
            hits.append(Hit(ap.start, end, suggestion=suggestion))
    return hits


def _agentless_passives(a: Analysis) -> list[Any]:
    """Passive fault verbs with no agent ("mistakes were made", "your data was deleted").

    Sentences next to a first-person fault are skipped: there the agent is "us".
    """
    lex = a.lex
    fault = lex.words("fault_verbs")
    ambiguous = lex.words("ambiguous_fault_verbs")
    repairs, errors = lex.words("repair_nouns"), lex.words("mistake_nouns")
    markers = lex.regex("fault_markers")
    verbs = []
    # ``a.near(a.ownership, sent)`` and an ownership sentence just before, as a set: both
    # scans of every ownership mark for every sentence made a long message quadratic.
    owned = {m.sent for m in a.ownership}
    participles = Tokens(a.doc, TAG, _PAST_PARTICIPLE)
    for sent in a.sentences():
        if owned.intersection((sent.index - 1, sent.index, sent.index + 1)):
            continue
        for tok in participles.within(sent.span):
            if not any(c.dep_ == "nsubjpass" for c in tok.children):
                continue
            if any(c.dep_ == "agent" for c in tok.children):
                continue
            if a.negated_before(sent, tok.idx) or any(c.dep_ == "neg" for c in tok.children):
                continue
            subject = next(c for c in tok.children if c.dep_ == "nsubjpass")
            if _NO_SUBJECT.match(a.text[subject.left_edge.idx:tok.idx]):
                continue  # "no data was lost" states what did NOT happen
            if subject.lower_ in repairs:
                continue  # "a fix was deployed" reports the repair, not the fault
            if subject.lower_ in ("that", "which", "who", "what"):
                continue  # a relative clause: its agent is the sentence's own subject
            subtree = a.text[subject.left_edge.idx: tok.right_edge.idx + len(tok.right_edge)]
            word = tok.lower_
            mistakes = word == "made" and subject.lower_ in errors
            if mistakes or word in fault or (word in ambiguous and markers.search(subtree)):
                verbs.append(tok)
    return verbs


@named("agentless_fault")
def agentless_fault(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """Passive fault with no agent; the suggestion turns it into "we …"."""
    level: Level = "normal" if a.ownership else "escalated"
    hits = []
    for verb in _agentless_passives(a):
        subject = next(c for c in verb.children if c.dep_ == "nsubjpass")
        active = active_with_we(verb)
        suggestion = f'Say who did it: "{capitalize(active)}."' if active else None
        hits.append(Hit(phrase_start(subject).idx, verb.idx + len(verb), level=level,
                        suggestion=suggestion))
    return hits


@named("impersonal_voice")
def impersonal_voice(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """The company or "the team" apologizes, or no first-person subject at all."""
    personal = a.lex.words("personal_subjects")
    verbs = Tokens(a.doc, LOWER, a.lex.words("apology_verbs"))
    hits = []
    for sent in a.sentences():
        for tok in verbs.within(sent.span):
            subjects = [c for c in tok.children if c.dep_ == "nsubj"]
            if subjects and subjects[0].lower_ not in personal:
                subject = subjects[0]
                hits.append(Hit(subject.left_edge.idx, tok.idx + len(tok)))
    if not hits and a.sentences() and not a.first_person_subject and a.word_count >= 6:
        hits.append(message_hit(a))
    return hits


# --- blame -----------------------------------------------------------------------------


def _owned_nearby(a: Analysis, sent: Sent) -> bool:
    # ``a.search``: each sentence is asked about twice, as itself and as the next one.
    if a.search("dependency_owned", sent):
        return True
    if sent.index + 1 < len(a.sents):
        return bool(a.search("dependency_owned", a.sents[sent.index + 1]))
    # The last sentence: as before, the empty text stands for the next one (a pattern
    # lexicon could match it).
    return bool(a.lex.regex("dependency_owned").search(""))


@named("blame_third_party")
def blame_third_party(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """A vendor or partner as the cause, with no ownership of the dependency."""
    lex = a.lex
    third = lex.regex("third_parties")
    causal = lex.regex("causal_cues")
    failure_verbs = lex.words("failure_verbs")
    subjects = Tokens(a.doc, DEP, _SUBJECT)
    hits = []
    for sent in a.sentences():
        if _owned_nearby(a, sent):
            continue
        for cue in causal.finditer(sent.text):
            after = sent.text[cue.end(): cue.end() + 60]
            m = third.search(after)
            if m and not a.negated_before(sent, sent.start + cue.start()):
                start = sent.start + cue.start()
                hits.append(Hit(start, sent.start + cue.end() + m.end()))
                break
        else:
            for tok in subjects.within(sent.span):
                if tok.head.lower_ not in failure_verbs:
                    continue
                phrase = a.text[tok.left_edge.idx: tok.idx + len(tok)]
                if third.search(phrase) and not any(c.dep_ == "neg" for c in tok.head.children):
                    end = tok.head.idx + len(tok.head)
                    hits.append(Hit(tok.left_edge.idx, end))
                    break
    level: Level = "normal" if a.ownership else "escalated"
    return [Hit(h.start, h.end, level=level) for h in hits]


@named("blame_client")
def blame_client(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """The client as the cause: "because your API key had expired", "user error"."""
    phrases = a.matchable([a.lex.filtered(p, "blame-client") for p in params.get("phrases", [])])
    hits = []
    for sent in a.sentences():
        text = sent.text
        if _INSTRUCTION.search(text) and not _SECOND_PERSON_CAUSE.search(text):
            found = None
        else:
            found = _SECOND_PERSON_CAUSE.search(text) or _YOU_FAULT.search(text)
        if found and a.negated_before(sent, sent.start + found.start()):
            found = None
        if found is None:
            for p in phrases:
                found = p.search(text)
                if found:
                    break
        if found:
            hits.append(Hit(sent.start + found.start(), sent.start + found.end()))
    return hits


# --- the apology itself ----------------------------------------------------------------


@named("apology_pivot")
def apology_pivot(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """"Sorry, but…": the clause after the apology takes it back."""
    remedy = a.lex.regex("remedy_terms")
    escalate = [a.lex.filtered(p, "apology-but") for p in params.get("escalate_if", [])]
    hits = []
    for ap in a.apologies:
        if ap.pivot is None:
            continue
        clause = ap.pivot_clause
        rest = a.text[ap.end:a.sents[ap.sent].end] + " " + clause
        level: Level
        if remedy.search(rest) and not a.lex.regex("not_firm").search(clause):
            level = "downgraded"  # the pivot only adds to the remedy
        elif any(p.search(clause) for p in escalate):
            level = "escalated"
        else:
            level = "normal"
        hits.append(Hit(ap.start, ap.pivot[1], level=level, suggestion=_split(a, ap)))
    return hits


def _split(a: Analysis, ap: Any) -> str | None:
    """"Sorry for X, but Y." → "Sorry for X." and, on its own, "Y."."""
    assert ap.pivot is not None
    sent = a.sents[ap.sent]
    if not sent.start <= ap.pivot[0] < sent.end:
        return None  # "However, …" opens the next sentence
    head, rest = split_at(sent.text, ap.pivot[0] - sent.start, ap.pivot[1] - sent.start)
    if not rest:
        return None
    return (f'Split it and let the apology stand: "{head}" Then, on its own and without '
            f'"but": "{rest}" If that part shifts blame, leave it out.')


@named("conditional_apology")
def conditional_apology(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    hits = []
    for ap in a.apologies:
        if ap.condition is not None:
            start = min(ap.start, ap.condition[0])
            end = max(ap.end, ap.condition[1])
            unconditional = _without_condition(a.sents[ap.sent].text)
            suggestion = (f'Drop the condition: "{unconditional}" Then say what happened.'
                          if unconditional else None)
            hits.append(Hit(start, end, suggestion=suggestion))
    return hits


_IF_CLAUSE = re.compile(
    r"\s*,?\s*\b(?:if|in\s+case|to\s+the\s+extent(?:\s+that)?|should\s+(?=you|this|any))\b[^,.;!?]*",
    re.IGNORECASE)
_ANYONE_WHO = re.compile(
    r"\bto\s+(?:anyone|anybody|those(?:\s+of\s+you)?|any\s+(?:customers?|users?|clients?))"
    r"(?:\s+(?:who|that)\s+[^,.;!?]*)?", re.IGNORECASE)
_FOR_ANYONE = re.compile(r"\s*\bfor\s+any(?:one|body)\b[^,.;!?]*", re.IGNORECASE)
_HEDGED_HARM = re.compile(r"\s*\b(?:this|that|which|it)?\s*(?:may|might|could)\s+have\s+caused"
                          r"(?:\s+you)?", re.IGNORECASE)


def _without_condition(sentence: str) -> str | None:
    """"We apologize to anyone who was affected." → "We apologize to you."; "We are sorry
    for anyone affected." → "We are sorry."; the harm it "may have caused" is dropped."""
    text = _IF_CLAUSE.sub("", sentence, count=1)
    text = _ANYONE_WHO.sub("to you", text, count=1)
    text = _FOR_ANYONE.sub("", text, count=1)
    text = _HEDGED_HARM.sub("", text)
    if text == sentence:
        return None
    return drop_span(text, 0, 0)


@named("sorry_you_feel")
def sorry_you_feel(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    phrases = a.matchable([a.lex.filtered(p, "sorry-you-feel")
                           for p in params.get("phrases", [])])
    hits = []
    taken = Taken()  # the spans of ``hits``
    for ap in a.apologies:
        if ap.target == "feeling":
            end = ap.object_end if ap.object_end is not None else ap.end
            taken.add(ap.start, end)
            hits.append(Hit(ap.start, end))
    for sent in a.sentences():
        for p in phrases:
            for m in p.finditer(sent.text):
                start, end = sent.start + m.start(), sent.start + m.end()
                if not taken.holds(start):
                    taken.add(start, end)
                    hits.append(Hit(start, end))
    return hits


# --- harm ------------------------------------------------------------------------------


@named("minimizer")
def minimizer(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """"Just", "only", "minor", "a small number of" shrinking the harm."""
    lex = a.lex
    adverbs = lex.words("minimizer_adverbs")
    adjectives = lex.words("minimizer_adjectives")
    incidents = lex.words("incident_nouns")
    quantities = lex.regex("minimizer_quantities")
    hits: list[Hit] = []
    taken = Taken()  # the spans of ``hits``

    def add(start: int, end: int) -> None:
        if not taken.overlaps(start, end):
            taken.add(start, end)
            hits.append(Hit(start, end))

    effects = lex.words("minimized_effects")
    candidates = Tokens(a.doc, LOWER, adjectives | adverbs)
    times = Taken()  # a time or a date is not the number of those affected
    for t in a.times:
        times.add(t.start, t.end)
    for sent in a.sentences():
        # A size ("a small number of") passes with a count; a length ("a brief outage")
        # passes with any figure, a duration included.
        has_number = bool(_NUMBER.search(sent.text))
        has_count = has_number and any(
            not times.overlaps(sent.start + m.start(), sent.start + m.end())
            for m in _NUMBER.finditer(sent.text))
        scoped = bool(_SCOPE_SUBJECT.search(sent.text))
        for m in quantities.finditer(sent.text):
            if not has_count:
                add(sent.start + m.start(), sent.start + m.end())
        for tok in candidates.within(sent.span):
            word = tok.lower_
            if word in adjectives and tok.dep_ in ("amod", "acomp"):
                target = tok.head if tok.dep_ == "amod" else _acomp_subject(tok)
                if target is not None and target.lower_ in incidents and not has_number:
                    start = min(tok.idx, target.idx)
                    end = max(tok.idx + len(tok), target.idx + len(target))
                    add(start, end)
            elif word in adverbs and tok.dep_ == "advmod":
                if word == "just" and tok.head.tag_ in ("VBD", "VBN", "VBZ", "VBP", "VB"):
                    continue  # "we just deployed a fix": recency, not minimizing
                nxt = a.doc[tok.i + 1] if tok.i + 1 < len(a.doc) else None
                if word == "only" and (scoped or has_number):
                    continue  # "only EU customers were affected": scoping
                if nxt is not None and (
                    nxt.lower_ in incidents or nxt.lower_ in adjectives
                    or nxt.lower_ in effects or nxt.lower_ in ("a", "an", "one", "some")
                ):
                    window = a.text[tok.idx: tok.idx + 60].lower().split()
                    if any(w in window for w in incidents | adjectives | effects | {"few"}):
                        add(tok.idx, nxt.idx + len(nxt))
    return hits


def _acomp_subject(adjective: Any) -> Any:
    for child in adjective.head.children:
        if child.dep_ == "nsubj":
            return child
    return None


@named("vague_incident")
def vague_incident(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """"An issue", "technical difficulties", with too little that is specific."""
    if a.parts_model:
        return _vague_by_names(a, kind, params)
    vague = a.lex.regex("vague_incident")
    threshold = float(params.get("threshold", {}).get(kind, 1.0))
    words = max(a.word_count, 1)
    # "Something went wrong" is not specific because it contains "wrong".
    vague_spans = [(m.start(), m.end()) for m in vague.finditer(a.text)]
    vague_starts = [s for s, _ in vague_spans]

    def inside_vague(offset: int) -> bool:
        i = bisect_right(vague_starts, offset) - 1
        return i >= 0 and offset < vague_spans[i][1]

    spec = [m for m in a.spec if not inside_vague(m.start)]
    index = 100.0 * len(spec) / words
    symptom_sentences = {m.sent for m in spec}
    if index >= threshold and (kind != "update" or symptom_sentences):
        return []
    for sent in a.sentences():
        m = vague.search(sent.text)
        if m:
            start = sent.start + m.start()
            if a.is_quoted(start, sent.start + m.end()):
                continue
            # A vague word used after a specific description ("…failed. We fixed the
            # issue at 10:40") is fine.
            if any(s < sent.index for s in symptom_sentences) and index >= threshold / 2:
                return []
            return [Hit(start, sent.start + m.end(),
                        level="escalated" if not symptom_sentences else "normal")]
    return []


def _vague_by_names(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """With the parts model: the message never says what failed.

    What failed is said by a sentence that tells what a client could not do ("unable to
    log in", lexicon ``inability``) or that names something other than the words every
    incident uses (see ``_names_something``). Sentences addressed to the reader ("If you
    still see errors…", "Please refresh", a contact line) do not count.

    An update or a resolution is short and about the failure: anything it names counts.
    An apology letter says much besides (the company, the event, the compensation), so
    only its impact and explanation sentences are read, and only when it refers to the
    failure vaguely ("the technical issues", "this outage", "we fell short").
    """
    vague = a.lex.regex("vague_incident")
    vague_sents = {m.sent for m in a.vague} | {
        a.sent_at(m.start()).index for m in vague.finditer(a.text)
        if not a.is_quoted(m.start(), m.end())}
    if kind == "apology":
        if not vague_sents:
            return []
        about_failure = {m.sent for m in a.impact + a.explanation} or vague_sents
        read = [s for s in a.sentences() if s.index in about_failure]
        names: tuple[str, ...] = ("common",)
    else:
        read = a.sentences()
        names = ("common", "proper")
    contact = {m.sent for m in a.contact}
    time_starts = [m.start for m in a.times]

    def in_time(offset: int) -> bool:
        i = bisect_right(time_starts, offset) - 1
        return i >= 0 and offset < a.times[i].end

    unspecific = _unspecific_words(a.lex, tuple(params["unspecific"]))
    inability = a.lex.regex(params["inability"])
    for sent in read:
        if sent.quoted or sent.index in contact or _to_the_reader(a, sent):
            continue
        if any(not a.is_quoted(sent.start + m.start(), sent.start + m.end())
               for m in inability.finditer(sent.text)):
            return []
        if any(_names_something(tok, unspecific, names) and not in_time(tok.idx)
               and not a.is_quoted(tok.idx, tok.idx + 1) for tok in sent.span):
            return []
    sentences = a.sentences()
    if not sentences:
        return []
    first = next((s for s in sentences if s.index in vague_sents), sentences[0])
    return [Hit(first.start, first.end, level="escalated")]


def _to_the_reader(a: Analysis, sent: Sent) -> bool:
    """A condition on the reader ("If you still see errors…") or an instruction
    ("Please refresh the page", "Update to the latest version")."""
    if a.search("guidance_start", sent):
        return True
    first = next((t for t in sent.span if not (t.is_punct or t.is_space)), None)
    return first is not None and (
        first.lower_ == "please" or (first.tag_ == "VB" and first.dep_ == "ROOT"))


@lru_cache(maxsize=8)
def _unspecific_words(lex: Lexicons, names: tuple[str, ...]) -> frozenset[str]:
    """The words of the rule's ``unspecific`` lexicons, joined once per rule set."""
    return frozenset().union(*(lex.words(name) for name in names))


_COMPOUND_STEPS = 6
_DOMAIN = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}", re.IGNORECASE)


def _names_something(tok: Any, unspecific: frozenset[str], names: tuple[str, ...]) -> bool:
    """A noun that names what failed: "the colour picker", "packet loss", "an issue with
    Payouts", "errors on requests to the Orion API". Not an incident's own words
    (lexicons in the rule's ``unspecific``: "issue", "services", "our team"), a time, a
    number or a version, and not a name that is the subject ("Northwind is aware of…") or only
    qualifies an unspecific noun ("Northwind services")."""
    if _DOMAIN.fullmatch(tok.text):
        return "proper" in names  # "example.com is back"
    if tok.tag_ in ("NN", "NNS") and not _unknown_name(tok):
        if "common" not in names:
            return False
    elif tok.tag_ in ("NNP", "NNPS", "NN", "NNS"):
        if "proper" not in names or tok.dep_ in ("nsubj", "nsubjpass"):
            return False
        head = tok
        # A few steps reach the noun a name qualifies; a bound keeps a run of thousands
        # of capitalised words linear.
        for _ in range(_COMPOUND_STEPS):
            if head.dep_ != "compound" or head.head is head:
                break
            head = head.head
        if head is not tok and _unspecific(head.lower_, unspecific):
            return False
    else:
        return False
    # "sign-ups" is a name; "4.6", "us-east-1" and "v2" are numbers and places.
    return (not _NUMBER.search(tok.text) and any(c.isalpha() for c in tok.text)
            and not _unspecific(tok.lower_, unspecific))


def _unknown_name(tok: Any) -> bool:
    """The tagger calls a name it does not know a common noun ("Northwind is aware…")."""
    return tok.text[:1].isupper() and not is_english_word(tok.text)


def _unspecific(word: str, unspecific: frozenset[str]) -> bool:
    """The word or its singular ("issues", "difficulties") is in the lexicons."""
    return (word in unspecific or word.removesuffix("s") in unspecific
            or (word.endswith("ies") and word[:-3] + "y" in unspecific))


# --- communication ---------------------------------------------------------------------


@named("bare_resolution")
def bare_resolution(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """"This incident has been resolved." with no what, when or what remains."""
    min_words = int(params.get("min_words", 15))
    recovery = a.lex.filtered(params["recovery"], "bare-resolution: recovery")
    if not a.sentences():
        return []
    has_time = any(a.is_quoted(m.start, m.end) is False for m in a.times)
    has_scope_recovery = bool(recovery.search(a.text))
    if a.word_count < min_words or not (has_time or has_scope_recovery):
        return [message_hit(a)]
    return []
