"""Measure the rules against the labelled corpus: per-rule and per-element precision and
recall, proselint's lintscore, and how often the kind is detected right.

    apology-lint-accuracy [CORPUS_DIR] [--format text|markdown|json]

A rule "fires" on a message when it reports any finding there, whatever the severity; the
labels say which problems are present (``corpus/README.md``). Each message is linted with
its labelled kind, so the kind detector's accuracy is measured separately.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .engine import Linter
from .errors import ApologyLintError
from .models import ELEMENT_NAMES, Kind
from .rulespec import load_yaml_model
from .training import SHARED_CORPORA

# proselint's lintscore T * (T / (T + F)) ** k rewards true positives and punishes false
# ones harder the larger k is; proselint uses k = 2.
LINTSCORE_K = 2


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[str]
    elements: list[str]


class CorpusMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    kind: Kind
    industry: str
    pair: str | None = None
    text: str
    expect: Expect
    notes: str | None = None


def load_corpus(folder: Path) -> list[CorpusMessage]:
    return [load_yaml_model(p, CorpusMessage) for p in sorted(folder.glob("*/*.yaml"))]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    fp_ids: list[str] = field(default_factory=list)
    fn_ids: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def judged(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def add(self, predicted: bool, expected: bool, message_id: str) -> None:
        if predicted and expected:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.fp_ids.append(message_id)
        elif expected:
            self.fn += 1
            self.fn_ids.append(message_id)
        else:
            self.tn += 1


@dataclass
class Results:
    messages: int
    rules: dict[str, Tally]
    elements: dict[str, Tally]
    unimplemented: dict[str, int]
    kind_correct: int
    lintscore: float


def measure(linter: Linter, corpus: list[CorpusMessage]) -> Results:
    implemented = {r.id: r for r in linter.rules}
    rules = {rule_id: Tally() for rule_id in sorted(implemented)}
    elements = {name: Tally() for name in ELEMENT_NAMES}
    unimplemented: dict[str, int] = {}
    kind_correct = 0
    for message in corpus:
        report = linter.lint(message.text, kind=message.kind)
        fired = {f.rule for f in report.findings}
        expected = set(message.expect.rules)
        for rule_id, rule in implemented.items():
            if message.kind in rule.severity:
                rules[rule_id].add(rule_id in fired, rule_id in expected, message.id)
        for rule_id in expected - set(implemented):
            unimplemented[rule_id] = unimplemented.get(rule_id, 0) + 1
        present = set(report.elements.present())
        for name in ELEMENT_NAMES:
            elements[name].add(name in present, name in message.expect.elements, message.id)
        if linter.lint(message.text).kind == message.kind:
            kind_correct += 1
    tp = sum(t.tp for t in rules.values())
    fp = sum(t.fp for t in rules.values())
    lintscore = tp * (tp / (tp + fp)) ** LINTSCORE_K if tp + fp else 0.0
    return Results(len(corpus), rules, elements, unimplemented, kind_correct, lintscore)


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def table_row(cells: list[str], widths: tuple[int, ...], markdown: bool) -> str:
    """A Markdown table row, or cells padded to ``widths`` for the terminal."""
    if markdown:
        return "| " + " | ".join(cells) + " |"
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))


def render_table(results: Results, markdown: bool) -> str:
    def row(cells: list[str]) -> str:
        return table_row(cells, (34, 9, 6, 5, 5, 5, 5), markdown)

    lines = [f"{results.messages} messages; kind detected correctly for "
             f"{results.kind_correct}/{results.messages}; lintscore (k={LINTSCORE_K}) "
             f"{results.lintscore:.1f}", ""]
    header = ["rule", "precision", "recall", "TP", "FP", "FN", "labelled"]
    lines.append(row(header))
    if markdown:
        lines.append("|" + "---|" * len(header))
    for rule_id, t in results.rules.items():
        lines.append(row([rule_id, fmt(t.precision), fmt(t.recall), str(t.tp), str(t.fp),
                          str(t.fn), str(t.tp + t.fn)]))
    lines += ["", row(["element", "precision", "recall", "TP", "FP", "FN", "labelled"])]
    if markdown:
        lines.append("|" + "---|" * len(header))
    for name, t in results.elements.items():
        lines.append(row([name, fmt(t.precision), fmt(t.recall), str(t.tp), str(t.fp),
                          str(t.fn), str(t.tp + t.fn)]))
    if results.unimplemented:
        lines += ["", "Labelled in the corpus, not implemented yet (messages): " + ", ".join(
            f"{k} ({v})" for k, v in sorted(results.unimplemented.items()))]
    return "\n".join(lines) + "\n"


def render_json(results: Results) -> str:
    def tally(t: Tally) -> dict[str, object]:
        return {"precision": t.precision, "recall": t.recall, "tp": t.tp, "fp": t.fp,
                "fn": t.fn, "false_positives": t.fp_ids, "false_negatives": t.fn_ids}

    return json.dumps({
        "messages": results.messages,
        "kind_correct": results.kind_correct,
        "lintscore": results.lintscore,
        "rules": {k: tally(v) for k, v in results.rules.items()},
        "elements": {k: tally(v) for k, v in results.elements.items()},
        "unimplemented": results.unimplemented,
    }, indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="apology-lint-accuracy",
        description="Measure the linter: on real messages labelled on the nine questions of "
        "LABELS.md (--labelled FILE), or per rule and per element over the project's corpus.")
    parser.add_argument("corpus", nargs="?", default="corpus", type=Path,
                        help="folder with apology/, update/ and resolution/ (default: corpus)")
    parser.add_argument("--labelled", type=Path, metavar="FILE",
                        help="a JSONL file of real messages labelled as LABELS.md says, e.g. "
                        "../shared/corpora/dev-labelled.jsonl: per-question precision, recall "
                        "and F1, macro-F1, per kind, and kind detection")
    parser.add_argument("--shared", type=Path, metavar="DIR", default=SHARED_CORPORA,
                        help="with --labelled: where messages labelled by reference are read "
                        "from (default: ../shared/corpora beside the checkout)")
    parser.add_argument("--given-kind", action="store_true",
                        help="with --labelled: lint each message with its labelled kind "
                        "(default: detect the kind, as a user's run does)")
    parser.add_argument("--misses", action="store_true",
                        help="with --labelled: also print every miss and false alarm, the "
                        "labelled evidence next to what the linter found")
    parser.add_argument("--parts", choices=("rules", "model", "either"),
                        help="take every part of a message from the rule-based finders, the "
                        "trained parts model, or either (default: each part's choice in "
                        "rules/parts/)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    args = parser.parse_args(argv)
    linter = Linter(parts_use=args.parts)
    try:
        if args.labelled is not None:
            return _labelled(linter, args.labelled, args.shared, args.given_kind, args.misses,
                             args.format)
        corpus = load_corpus(args.corpus)
    except ApologyLintError as exc:
        print(f"apology-lint-accuracy: error: {exc}", file=sys.stderr)
        return 2
    if not corpus:
        print(f"apology-lint-accuracy: error: no messages under {args.corpus}", file=sys.stderr)
        return 2
    results = measure(linter, corpus)
    if args.format == "json":
        sys.stdout.write(render_json(results))
    else:
        sys.stdout.write(render_table(results, markdown=args.format == "markdown"))
    return 0


def _labelled(linter: Linter, path: Path, shared: Path, given_kind: bool, misses: bool,
              fmt: str) -> int:
    # Imported here: realtext builds on this module's Tally.
    from .realtext import (
        load_labelled,
        measure_labelled,
        render_labelled,
        render_labelled_json,
        render_misses,
    )

    messages = load_labelled(path, shared)
    if not messages:
        print(f"apology-lint-accuracy: error: no labelled messages in {path}", file=sys.stderr)
        return 2
    results = measure_labelled(linter, messages, given_kind=given_kind)
    if fmt == "json":
        sys.stdout.write(render_labelled_json(results))
    else:
        sys.stdout.write(render_labelled(results, markdown=fmt == "markdown"))
    if misses:
        sys.stdout.write("\n" + render_misses(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
