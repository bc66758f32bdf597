"""Run apology-lint over the real status updates and post-mortems in ../shared/corpora.

    python benchmarks/real_corpora.py [CORPORA_DIR] [--sample RULE N]

Prints, for docs/accuracy.md: the share of GitHub in-progress updates with a detected
next-update time, the score distribution per status, the rules that fire most, and the
same for the mixed archive sample. ``--sample RULE N`` prints N random findings of one
rule with their sentence, for reading false alarms by hand. The texts are read at run
time and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from apology_lint.engine import Linter
from apology_lint.models import Report

IN_PROGRESS = {"Investigating": "update", "Update": "update", "Monitoring": "update",
               "In progress": "update", "Resolved": "resolution", "Completed": "resolution"}


def _quartiles(scores: list[int]) -> str:
    if len(scores) < 2:
        return f"n={len(scores)}"
    q1, q2, q3 = statistics.quantiles(scores, n=4)
    return f"n={len(scores):5d}  median {q2:5.1f}  quartiles {q1:5.1f}-{q3:5.1f}  " \
           f"send-ready {sum(s >= 85 for s in scores) / len(scores):5.1%}"


def _top(counter: Counter[str], total: int, n: int = 10) -> list[str]:
    return [f"  {rule:30s} {count:5d}  ({count / total:.1%} of messages)"
            for rule, count in counter.most_common(n)]


Result = tuple[str, str, Report]  # (status or kind, text, report)


def github(linter: Linter, path: Path) -> tuple[list[str], list[Result]]:
    items: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for update in json.loads(line)["updates"]:
            if update["status"] in IN_PROGRESS and update["message"].strip():
                items.append((update["status"], update["message"]))
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for status, text in items:
        by_kind[IN_PROGRESS[status]].append((status, text))
    results: list[Result] = []
    for kind, group in by_kind.items():
        reports = linter.lint_many([t for _, t in group], kind=kind)  # type: ignore[arg-type]
        results += [(status, text, r) for (status, text), r in zip(group, reports, strict=True)]
    out = [f"GitHub status updates: {len(results)} messages"]
    progress = [r for s, _, r in results if IN_PROGRESS[s] == "update"]
    with_next = sum(bool(r.elements.next_update) for r in progress)
    out.append(f"  in-progress updates with a detected next-update time: {with_next}/"
               f"{len(progress)} ({with_next / len(progress):.1%})")
    out.append("  score per status:")
    per_status: dict[str, list[int]] = defaultdict(list)
    for status, _, r in results:
        per_status[status].append(r.score)
    out += [f"    {status:13s} {_quartiles(scores)}"
            for status, scores in sorted(per_status.items())]
    for kind in ("update", "resolution"):
        fired: Counter[str] = Counter()
        group = [r for s, _, r in results if IN_PROGRESS[s] == kind]
        for r in group:
            fired.update({f.rule for f in r.findings})
        out.append(f"  rules firing most on {kind} posts:")
        out += _top(fired, len(group))
    return out, results


def archive(linter: Linter, path: Path) -> tuple[list[str], list[Result]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    results = [(row["kind"], row["text"], linter.lint(row["text"], kind=row["kind"]))
               for row in rows]
    out = [f"Archive sample: {len(results)} messages from about 20 providers"]
    per_kind: dict[str, list[int]] = defaultdict(list)
    fired: Counter[str] = Counter()
    for kind, _, r in results:
        per_kind[kind].append(r.score)
        fired.update({f.rule for f in r.findings})
    out += [f"    {kind:13s} {_quartiles(scores)}" for kind, scores in sorted(per_kind.items())]
    out.append("  rules firing most:")
    out += _top(fired, len(results))
    return out, results


def sample(results: list[Result], rule: str, n: int) -> None:
    hits = [(text, f) for _, text, r in results for f in r.findings if f.rule == rule]
    for text, f in random.Random(1).sample(hits, min(n, len(hits))):
        print(f"--- [{f.severity}] {f.text[:120]!r}\n    {text[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpora", nargs="?", default="../shared/corpora", type=Path)
    parser.add_argument("--sample", nargs=2, metavar=("RULE", "N"))
    args = parser.parse_args()
    needed = [args.corpora / name for name in ("github-status-incidents.jsonl",
                                                "status-archive-sample.jsonl")]
    if not all(path.is_file() for path in needed):
        parser.error(f"{args.corpora}: needs {needed[0].name} and {needed[1].name} (the "
                     "shared corpora of real status pages); give their folder as CORPORA_DIR")
    linter = Linter()
    lines, gh = github(linter, args.corpora / "github-status-incidents.jsonl")
    more, arch = archive(linter, args.corpora / "status-archive-sample.jsonl")
    if args.sample:
        sample(gh + arch, args.sample[0], int(args.sample[1]))
        return
    print("\n".join([*lines, "", *more]))


if __name__ == "__main__":
    main()
