"""Measuring the linter on real messages labelled on the nine questions of the real-text
evaluation sets (``../shared/corpora/LABELS.md``).

Each message is a JSON line ``{id, kind, text, labels: {question: true|false|"?"},
evidence: {question: [quotes]}}``. A question is answered from the linter's report as the
labelling guide's table says: a *finding* question is true when any of its rules fires, an
*anatomy* question when its element is present. ``"?"`` labels are left out, and so are the
questions the guide does not judge for a kind (no apology or ownership is expected of an
update; only an update promises a next update).

By default each message is linted as a user would lint it, with the kind detected from
the text; ``given_kind=True`` lints it with its labelled kind instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .accuracy import Tally, fmt, table_row
from .engine import Linter
from .errors import InputError
from .models import KINDS, ElementName, Kind, Report
from .readers import plain_document


@dataclass(frozen=True)
class Question:
    name: str
    # "finding": true when the message has the flaw (any of ``rules`` fires);
    # "anatomy": true when the part is present (``element`` in the report's anatomy).
    form: Literal["finding", "anatomy"]
    rules: tuple[str, ...] = ()
    element: ElementName | None = None
    judged_on: tuple[Kind, ...] = KINDS


# The table of LABELS.md, question by question.
QUESTIONS: tuple[Question, ...] = (
    Question("non_apology", "finding", rules=(
        "apology-missing", "regret-not-sorry", "conditional-apology", "sorry-you-feel",
        "apology-but"), judged_on=("apology", "resolution")),
    Question("blame", "finding", rules=(
        "blame-third-party", "blame-client", "blame-individual", "blame-circumstances")),
    Question("minimizing", "finding", rules=(
        "inconvenience-euphemism", "minimizer", "hedged-impact", "denial")),
    Question("vague", "finding", rules=("vague-incident",)),
    # True when ownership is *missing*: the anatomy's element, inverted.
    Question("ownership_missing", "finding", element="ownership",
             judged_on=("apology", "resolution")),
    Question("impact", "anatomy", element="impact"),
    Question("fix", "anatomy", element="remedy"),
    Question("prevention", "anatomy", element="prevention"),
    Question("next_update", "anatomy", element="next_update", judged_on=("update",)),
)
QUESTION_NAMES = tuple(q.name for q in QUESTIONS)


class MessageReference(BaseModel):
    """Where a real message is in the shared corpora: the project keeps the labels of
    real messages (``corpus/real/``) and reads their text from there, never a copy."""

    model_config = ConfigDict(extra="forbid")
    file: str
    incident: str
    entry: int
    sha1: str


class LabelledMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    kind: Kind
    text: str = ""
    reference: MessageReference | None = None
    labels: dict[str, bool | Literal["?"]]
    evidence: dict[str, list[str]] = {}
    source: str = ""


def load_labelled(path: Path, shared: Path | None = None) -> list[LabelledMessage]:
    """Read a labelled JSONL file; a bad line is an ``InputError`` naming the line.
    Messages given by ``reference`` get their text from the corpora in ``shared``."""
    try:
        # Only "\n" ends a line: JSON strings may hold U+2028 and friends.
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    messages = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            messages.append(LabelledMessage.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            first = str(exc).splitlines()[0] if isinstance(exc, json.JSONDecodeError) else \
                "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:2])
            raise InputError(f"{path}:{n}: not a labelled message ({first})") from None
    if any(m.reference is not None for m in messages):
        _read_references(path, messages, shared)
    for m in messages:
        if not m.text and m.reference is None:
            raise InputError(f"{path}: message {m.id} has neither text nor reference")
    return messages


def _read_references(path: Path, messages: list[LabelledMessage], shared: Path | None) -> None:
    # Imported here: the training module is only needed for labels kept as references.
    from .training import REAL_FILES, fingerprint, message_texts

    if shared is None or not all((shared / f).is_file() for f in REAL_FILES):
        raise InputError(f"{path} labels real messages by reference; pass --shared DIR with "
                         f"{' and '.join(REAL_FILES)} (read, never copied)")
    texts = message_texts(shared)
    for m in messages:
        ref = m.reference
        if ref is None:
            continue
        text = texts.get((ref.file, ref.incident, ref.entry))
        if text is None or fingerprint(text) != ref.sha1:
            raise InputError(f"{path}: message {m.id}: entry {ref.entry} of {ref.incident} in "
                             f"{ref.file} is not the labelled text (the shared corpus changed)")
        m.text = text


def answer(question: Question, report: Report) -> bool:
    """The linter's answer to one question, from its report."""
    present = set(report.elements.present())
    if question.form == "anatomy":
        return question.element in present
    if question.element is not None:  # ownership_missing
        return question.element not in present
    fired = {f.rule for f in report.findings}
    return bool(fired & set(question.rules))


def what_it_found(question: Question, report: Report) -> list[str]:
    """The linter's evidence for its answer: the findings' words or the element's."""
    if question.element is not None:
        return [e.text for e in getattr(report.elements, question.element)]
    return [f"{f.rule}: {f.text}" for f in report.findings if f.rule in question.rules]


@dataclass
class Miss:
    question: str
    message: LabelledMessage
    expected: bool
    found: list[str]


@dataclass
class RealTextResults:
    messages: int
    # question -> tally, for all messages and per labelled kind
    overall: dict[str, Tally]
    by_kind: dict[Kind, dict[str, Tally]]
    kind_confusion: dict[tuple[Kind, Kind], int]  # (labelled, detected) -> messages
    misses: list[Miss] = field(default_factory=list)

    @property
    def kind_correct(self) -> int:
        return sum(n for (want, got), n in self.kind_confusion.items() if want == got)


def f1(t: Tally) -> float | None:
    denominator = 2 * t.tp + t.fp + t.fn
    return 2 * t.tp / denominator if denominator else None


def macro_f1(tallies: dict[str, Tally]) -> float | None:
    scores = [s for s in (f1(t) for t in tallies.values()) if s is not None]
    return sum(scores) / len(scores) if scores else None


def measure_labelled(linter: Linter, messages: Iterable[LabelledMessage],
                     given_kind: bool = False) -> RealTextResults:
    messages = list(messages)
    overall = {q.name: Tally() for q in QUESTIONS}
    by_kind: dict[Kind, dict[str, Tally]] = {k: {q.name: Tally() for q in QUESTIONS}
                                             for k in KINDS}
    confusion: dict[tuple[Kind, Kind], int] = {}
    misses: list[Miss] = []
    detected = list(linter.lint_many(m.text for m in messages))
    reports = detected if not given_kind else list(linter.lint_documents(
        (plain_document(m.text), m.kind, None) for m in messages))
    for message, report, guess in zip(messages, reports, detected, strict=True):
        confusion[(message.kind, guess.kind)] = confusion.get((message.kind, guess.kind), 0) + 1
        for q in QUESTIONS:
            label = message.labels.get(q.name, "?")
            if label == "?" or message.kind not in q.judged_on:
                continue
            predicted = answer(q, report)
            overall[q.name].add(predicted, label, message.id)
            by_kind[message.kind][q.name].add(predicted, label, message.id)
            if predicted != label:
                misses.append(Miss(q.name, message, label, what_it_found(q, report)))
    return RealTextResults(len(messages), overall, by_kind, confusion, misses)


def render_labelled(results: RealTextResults, markdown: bool) -> str:
    def row(cells: list[str]) -> str:
        return table_row(cells, (18, 9, 6, 5, 4, 4, 4, 8), markdown)

    def table(tallies: dict[str, Tally]) -> list[str]:
        header = ["question", "precision", "recall", "F1", "TP", "FP", "FN", "judged"]
        out = [row(header)]
        if markdown:
            out.append("|" + "---|" * len(header))
        for name, t in tallies.items():
            out.append(row([name, fmt(t.precision), fmt(t.recall), fmt(f1(t)), str(t.tp),
                            str(t.fp), str(t.fn), str(t.judged)]))
        out.append(row(["macro-F1", "", "", fmt(macro_f1(tallies)), "", "", "", ""]))
        return out

    n = results.messages
    lines = [f"{n} labelled messages; macro-F1 {fmt(macro_f1(results.overall))}; kind "
             f"detected correctly for {results.kind_correct}/{n} "
             f"({100 * results.kind_correct / max(n, 1):.0f}%)", ""]
    lines += table(results.overall)
    for kind in KINDS:
        count = sum(v for (want, _), v in results.kind_confusion.items() if want == kind)
        if not count:
            continue
        right = results.kind_confusion.get((kind, kind), 0)
        lines += ["", f"{kind} ({count} messages, kind detected right for {right}):"]
        lines += table({k: t for k, t in results.by_kind[kind].items() if t.judged})
    return "\n".join(lines) + "\n"


def render_misses(results: RealTextResults) -> str:
    """Every miss and false alarm, the labelled evidence next to what the linter found."""
    out = []
    for miss in sorted(results.misses, key=lambda m: (m.question, m.expected, m.message.id)):
        what = "missed" if miss.expected else "false alarm"
        label_says = miss.message.evidence.get(miss.question) or []
        out.append(f"{miss.question}: {what} on {miss.message.id} ({miss.message.kind})")
        out.append(f"  labelled: {miss.expected}"
                   + (f"; evidence: {' | '.join(label_says)}" if label_says else ""))
        out.append("  linter found: " + (" | ".join(miss.found) if miss.found else "nothing"))
        out.append("  text: " + " ".join(miss.message.text.split())[:300])
        out.append("")
    return "\n".join(out)


def render_labelled_json(results: RealTextResults) -> str:
    def tally(t: Tally) -> dict[str, object]:
        return {"precision": t.precision, "recall": t.recall, "f1": f1(t), "tp": t.tp,
                "fp": t.fp, "fn": t.fn, "false_positives": t.fp_ids,
                "false_negatives": t.fn_ids}

    return json.dumps({
        "messages": results.messages,
        "macro_f1": macro_f1(results.overall),
        "kind_correct": results.kind_correct,
        "kind_confusion": [{"labelled": a, "detected": b, "messages": n}
                           for (a, b), n in sorted(results.kind_confusion.items())],
        "questions": {k: tally(v) for k, v in results.overall.items()},
        "by_kind": {kind: {"macro_f1": macro_f1({k: t for k, t in v.items() if t.judged}),
                           "questions": {k: tally(t) for k, t in v.items() if t.judged}}
                    for kind, v in results.by_kind.items()},
    }, indent=2) + "\n"
