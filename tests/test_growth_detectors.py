"""Hostile input for every detector: each one's work grows linearly with the message.

``test_growth`` attacks the readers and a few detectors; here every detector the built-in
rules build, and every named detector registered, has a case, and a test fails when a new
one has none. A case is a *unit* of text, repeated to make a message of size n, 2n (and
4n): a stretch that makes its detector do the most work it can. Mostly that is many
hits, each of which a rule once compared with every earlier one; a lexical unit is its
rule's bad examples with the words the rule flags repeated in their sentence (``dense``),
so that most of the work is hits. Elsewhere it is many facts or quotes that every
sentence or word was checked against. The unit is parsed once and its parse repeated
(``join_docs``), and the analysis is made outside the timing: only the detector's run is
timed, by ``assert_linear`` (CPU time, n against 2n, confirmed at 4n).

The reader cases at the end attack ``OffsetMap``: a long HTML template has thousands of
masked stand-ins and breaks, and each range a finding or a composed piece asked about
read all of them.
"""

from __future__ import annotations

import math
import pkgutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest

import apology_lint.detectors
from apology_lint import Linter
from apology_lint.annotate import Analysis, annotate
from apology_lint.detectors import _Named
from apology_lint.detectors.base import NAMED, Hit
from apology_lint.models import KINDS, Kind, MessageMeta
from apology_lint.parts import Use
from apology_lint.parts_model import join_docs
from apology_lint.readers import read_document
from apology_lint.readers.html import read_html
from apology_lint.readers.layer import Layer
from apology_lint.readers.offsets import clip
from apology_lint.readers.plaintext import read_plain
from apology_lint.readers.template import parse, variants

from .conftest import all_rules
from .test_growth import Work, assert_linear

RULES = {rule.id: rule for rule in all_rules()}
# The size n of a message: this many hits where every unit gives some, and at most this
# many sentences.
HITS = 1_500
SENTENCES = 600
DENSITY = 8  # in a dense unit, the words a detector flags are repeated this many times
RUN = 0.03  # seconds: a timed run of size 2n repeats the detector until it takes this long

Run = Callable[[Analysis, Kind], list[Hit]]

# Sentences the units share: a first-person fault (the ownership fact), and filler.
OWNED = "We deleted the wrong table.\n\n"
FILLER = "The team is here.\n\n"


@dataclass(frozen=True)
class Case:
    rule: str  # the rule whose detector it is: its kind and, for a named one, its params
    unit: str | None = None  # None: the rule's bad examples, a blank line after each
    per_unit: int = 1  # each unit gives at least this many hits (0: not counted)
    dense: bool = False  # the flagged words repeated in their sentence (``_dense``)
    quoted: bool = False  # the attack is ``Analysis.is_quoted``: one call or more per unit
    use: Use | None = None  # the parts: "rules" takes the rule-based path
    meta: bool = False  # the message's times are known (sent a day after the incident)
    kind: Kind | None = None  # else the kind of the rule's examples


def _lexical(*rules: str) -> dict[str, Case]:
    return {f"lexical:{rule}": Case(rule, dense=True) for rule in rules}


CASES: dict[str, Case] = {
    # --- lexical.py: each rule's bad examples, dense: hits all along every sentence ----
    **_lexical(
        "blame-circumstances", "blame-individual", "boilerplate-empathy", "denial",
        "hedged-commitment", "hedged-impact", "inconvenience-euphemism",
        "late-or-unowned-discovery", "legalese", "levity-tone", "move-on-pressure",
        "over-apologizing", "regret-not-sorry", "remedy-on-request", "self-focus",
        "speculative-cause", "vague-or-absolute-prevention", "vague-timeline"),
    "lexical:vague-or-absolute-prevention#2": Case("vague-or-absolute-prevention",
                                                    dense=True),
    # Rules with ``unless_near``: the hits are far from many facts, and every sentence
    # looked at every mark of the fact.
    "lexical:blame-circumstances#2": Case(  # only where the parts model reads blame,
        "blame-circumstances",  # which it does not in a dense sentence
        "Deliveries are late because of the severe weather.\n\n" + OWNED),
    "lexical:blame-circumstances#3": Case(
        "blame-circumstances",
        "The service saw a traffic increase over the weekend, which caused an elevated error "
        "rate.\n\n" + OWNED, dense=True),
    "lexical:blame-third-party": Case(
        "blame-third-party",
        "Due to an issue with our shipping partner, your order is late.\n\n" + OWNED,
        dense=True),
    "lexical:excuse-justification": Case(
        "excuse-justification",
        "Our intention was to make invoicing faster for everyone.\n\n"
        "We always strive to deliver the best experience.\n\n" + FILLER + OWNED,
        dense=True),
    "lexical:vague-remedy": Case(
        "vague-remedy",
        "We will make this right.\n\nWe'll explore appropriate compensation.\n\n" + FILLER
        + "We have refunded your last invoice in full.\n\n", dense=True),
    # --- dependency.py: a sentence of many clauses, each blaming a person ---------------
    "dependency:blame-individual": Case(
        "blame-individual", "; ".join(
            f"{person} deleted the {thing}" for person, thing in (
                ("An engineer", "table"), ("an agent", "order"), ("a contractor", "index"),
                ("an employee", "file"), ("a technician", "backup"),
                ("an operator", "queue"), ("an intern", "report"),
                ("a developer", "branch"))) + ".\n\n", per_unit=8),
    # --- presence.py: message-level, a scan of the sentences ----------------------------
    **{f"presence:{rule}": Case(rule, per_unit=0) for rule in (
        "apology-missing", "missing-current-action", "missing-known-unknown",
        "no-cause-explanation", "no-data-loss-statement", "no-impact-acknowledgment",
        "no-next-update-time", "no-prevention-commitment", "no-remedy",
        "no-workaround-or-guidance")},
    # --- named.py ---------------------------------------------------------------------
    # Passive faults far from many first-person faults: each sentence looked at every
    # ownership mark.
    "named:agentless_fault": Case(
        "agentless-fault",
        "Mistakes were made during the migration.\n\n" + FILLER + OWNED * 6 + FILLER),
    "named:apology_for_event": Case("apology-for-event-not-act"),
    "named:apology_pivot": Case("apology-but"),
    "named:bare_resolution": Case("bare-resolution", per_unit=0),
    "named:blame_client": Case("blame-client"),
    "named:blame_third_party": Case("blame-third-party"),
    "named:conditional_apology": Case("conditional-apology"),
    "named:impersonal_voice": Case("impersonal-voice"),
    "named:minimizer": Case("minimizer", dense=True),
    "named:sorry_you_feel": Case("sorry-you-feel", dense=True),
    # The rule-based path, where the vague words of every sentence are quoted (and other
    # words are: more quotes to look through).
    "named:vague_incident": Case(
        "vague-incident",
        'They called it "an issue with our systems" again, and "fine", "sure", "okay".\n\n',
        per_unit=0, quoted=True, use="rules"),
    # --- completeness.py --------------------------------------------------------------
    # A symptom whose component is quoted: each noun was looked up in every quote.
    "named:content_less_update": Case(
        "content-less-update", 'The "export button" failed.\n\n', per_unit=0, quoted=True),
    "named:missing_impact_scope": Case(
        "missing-impact-scope", 'The "export button" failed.\n\n', per_unit=0, quoted=True),
    "named:no_owner_or_contact": Case(
        "no-owner-or-contact",
        'Please do not reply to this email.\n\nYou wrote "this is not fine" to us.\n\n',
        quoted=True),
    "named:no_follow_up": Case("no-follow-up", per_unit=0),
    "named:unquantified_impact": Case("unquantified-impact", per_unit=0),
    "named:late_by_timestamps": Case("late-or-unowned-discovery", per_unit=0, meta=True),
    # --- tone.py ----------------------------------------------------------------------
    "named:jargon": Case("jargon", per_unit=0),  # each term is reported once
    "named:repeated_apology": Case("over-apologizing"),
}


@dataclass(frozen=True)
class Found:
    rule: str  # the rule that builds it ("" for a named detector no rule uses)
    run: Run
    module: str  # where its code is


def registered(linter: Linter) -> dict[str, Found]:
    """Every detector, by case id. A named detector is known by its registered name (one
    that no rule uses runs without params), another by its type and rule, numbered from
    the second of its type in a rule ("lexical:blame-circumstances#2")."""
    names = {fn: name for name, fn in NAMED.items()}
    found: dict[str, Found] = {}
    for rule_id, built in linter.placer.detectors.items():
        count: Counter[str] = Counter()
        for detector in built:
            if isinstance(detector, _Named):
                key, module = f"named:{names[detector.fn]}", detector.fn.__module__
            else:
                what = type(detector).__name__.lower()
                count[what] += 1
                key = f"{what}:{rule_id}" + (f"#{count[what]}" if count[what] > 1 else "")
                module = type(detector).__module__
            found.setdefault(key, Found(rule_id, detector.run, module))
    for name, fn in NAMED.items():
        found.setdefault(f"named:{name}", Found("", _without_params(fn), fn.__module__))
    return found


def _without_params(fn: Callable[[Analysis, Kind, dict[str, Any]], list[Hit]]) -> Run:
    return lambda a, kind: fn(a, kind, {})


def test_every_detector_has_a_growth_case(linter: Linter) -> None:
    """A new detector (a rule's, or a named one registered) fails here until it has a
    case, and so does a new module of detectors that no case reaches."""
    found = registered(linter)
    missing = sorted(set(found) - set(CASES))
    assert not missing, f"detectors without a growth case (add them to CASES): {missing}"
    stale = sorted(set(CASES) - set(found))
    assert not stale, f"growth cases for detectors that no longer exist: {stale}"
    wrong = [case_id for case_id, case in CASES.items()
             if found[case_id].rule not in ("", case.rule)]
    assert not wrong, f"cases that name another rule than the detector's: {wrong}"
    package = apology_lint.detectors
    modules = {f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)}
    unreached = modules - {f"{package.__name__}.base"} - {f.module for f in found.values()}
    assert not unreached, f"detector modules that no case reaches: {sorted(unreached)}"


@lru_cache(maxsize=8)
def _parsed(linter: Linter, unit: str) -> Any:
    return linter.nlp(unit)


def analysis(linter: Linter, unit: str, copies: int, case: Case) -> Analysis:
    """The analysis of ``unit`` repeated ``copies`` times (the unit parsed once)."""
    doc = join_docs([_parsed(linter, unit)] * copies)
    start = datetime(2024, 3, 1, 9, 0)
    meta = MessageMeta(incident_start=start, sent_at=start + timedelta(days=1)) \
        if case.meta else None
    rules = linter.ruleset
    return annotate(unit * copies, doc, rules.lexicons, meta, rules.parts, case.use)


@lru_cache(maxsize=4)
def message(linter: Linter, unit: str, copies: int, case: Case) -> Analysis:
    """``analysis``, kept for the next case on the same message."""
    return analysis(linter, unit, copies, case)


def _kind(case: Case) -> Kind:
    rule = RULES[case.rule]
    if case.kind is not None:
        return case.kind
    if rule.examples.kind is not None:
        return rule.examples.kind
    return next(k for k in KINDS if k in rule.severity)


def _unit(case: Case) -> str:
    if case.unit is not None:
        return case.unit
    return "".join(f"{text}\n\n" for text in RULES[case.rule].examples.bad)


def _dense(linter: Linter, case: Case, run: Run, kind: Kind) -> str:
    """The case's unit with, in each paragraph the detector fires on, the words of its
    first hit repeated: "We regret the delay, We regret, We regret…"."""
    paragraphs = []
    for paragraph in _unit(case).split("\n\n"):
        if not paragraph.strip():
            continue
        hits = run(analysis(linter, paragraph + "\n\n", 1, case), kind)
        if hits:
            start, end = hits[0].start, hits[0].end
            paragraph = (paragraph[:end] + f", {paragraph[start:end]}" * DENSITY
                         + paragraph[end:])
        paragraphs.append(paragraph + "\n\n")
    return "".join(paragraphs)


def _quoted_calls(a: Analysis, work: Callable[[], object]) -> int:
    """How many times ``work`` asks ``a.is_quoted``."""
    calls = 0
    is_quoted = a.is_quoted

    def counted(start: int, end: int) -> bool:
        nonlocal calls
        calls += 1
        return is_quoted(start, end)

    a.is_quoted = counted  # type: ignore[method-assign]
    try:
        work()
    finally:
        del a.is_quoted
    return calls


@pytest.mark.parametrize("case_id", list(CASES))
def test_detector_grows_linearly(linter: Linter, case_id: str) -> None:
    case = CASES[case_id]
    run = registered(linter)[case_id].run
    kind = _kind(case)
    unit = _dense(linter, case, run, kind) if case.dense else _unit(case)
    in_one = len(run(analysis(linter, unit, 1, case), kind))
    n = min(math.ceil(SENTENCES / len(list(_parsed(linter, unit).sents))),
            math.ceil(HITS / max(in_one, 1)))

    def make(copies: int) -> Work:
        a = message(linter, unit, copies, case)
        return lambda: run(a, kind)

    # The attack lands: the hits (or the look-ups in the quotes) are there at size n.
    a = message(linter, unit, n, case)
    hits = run(a, kind)
    assert len(hits) >= case.per_unit * n, f"{len(hits)} hits in {n} units"
    if case.quoted:
        assert _quoted_calls(a, lambda: run(a, kind)) >= n
    # Each timed run of size 2n takes about RUN seconds.
    large = message(linter, unit, 2 * n, case)
    once = time.process_time()
    run(large, kind)
    once = time.process_time() - once
    assert_linear(make, n, repeat=max(1, math.ceil(RUN / max(once, 1e-6))))


# --- readers: the offset map of a long HTML template -------------------------------------


# Each line: two masked stand-ins, and two block tags whose masked spaces the HTML reader
# drops (two breaks, where a finding must stop). Two variants: with the plan and without.
TEMPLATE = "{{ name }}<br>{% if plan %}{{ plan }}<br>{% endif %}<br>\n"


def _template(n: int) -> tuple[Layer, Layer, Layer]:
    """The layers ``read_document`` stacks for the template: the template's own (its
    first variant), the HTML reader's on it, and the plain-text reader's on that."""
    source = TEMPLATE * n
    nodes, _ = parse(source, "jinja")
    template = variants(source, nodes)[0].layer
    html = read_html(template.text)
    return template, html, read_plain(html.text)


def test_composed_template_maps_grow_linearly() -> None:
    """``OffsetMap.then``, as ``read_document`` stacks the readers: for each piece it
    asked ``masked`` about the text between pieces and the piece itself, and read every
    break of the outer map."""
    def make(n: int) -> Work:
        template, html, plain = _template(n)
        assert len(html.offsets.then(template.offsets).breaks) >= n
        return lambda: plain.offsets.then(html.offsets.then(template.offsets))
    assert_linear(make, 1_000)


def test_clips_in_a_long_template_grow_linearly() -> None:
    """``clip`` (``masked``) for every piece of the text, as the engine clips every
    finding: each call read every break of the text, and every piece after its start."""
    def make(n: int) -> Work:
        layer = read_document(TEMPLATE * n, "jinja", "message.html.j2").variants[0].layer
        assert len(layer.offsets.breaks) >= n
        ranges = [(p.out_start, p.out_end) for p in layer.offsets.pieces]
        return lambda: [clip(layer.text, layer.offsets, s, e) for s, e in ranges]
    assert_linear(make, 1_000)
