"""How the time to lint one message grows with its size, for prose and hostile text.

    python benchmarks/scaling.py [--sizes 50,100,200] [--repeat 1]

In one process, with the built-in rules, lints one message of each shape at each size
(in KB) and reports the wall time, the ratio to the size before it (work that grows
linearly about doubles when the size doubles; quadratic work quadruples) and the ratio
to ordinary prose of the same size, the baseline measured in the same run. The prose is
the rule catalog's own good and bad examples, one paragraph per rule, each copy made
distinct, so the script needs nothing outside the repository. Machines are noisy: only
ratios within one run mean anything.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from apology_lint import Linter
from apology_lint.readers import Syntax
from apology_lint.resources import builtin_rules_dir
from apology_lint.rulespec import load_rule_files

PROSE = "prose (the rule catalog's examples)"


def prose(size: int) -> str:
    paragraphs = [" ".join(rule.examples.good + rule.examples.bad)
                  for rule in load_rule_files(builtin_rules_dir())]
    out: list[str] = []
    copy = 0
    while sum(len(p) + 2 for p in out) < size:
        # Copies differ by a closing reference, as a real long thread would.
        out += [f"{p} Reference {copy}-{i}." for i, p in enumerate(paragraphs) if p]
        copy += 1
    return "\n\n".join(out)[:size]


def repeated(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


# name: (text of about ``size`` characters, the syntax it is read as; None: as given)
SHAPES: dict[str, tuple[Callable[[int], str], Syntax | None]] = {
    PROSE: (prose, None),
    "repeated apology sentences": (repeated("We're sorry for the delay. "), None),
    "repeated quoted apologies": (repeated('"I am sorry" we are sorry '), None),
    "text without punctuation": (repeated("we deleted your data and "), None),
    "one long upper-case line": (repeated("SORRY ABOUT THE BGP OUTAGE. "), None),
    "a run of commas": (repeated(","), None),
    "runs of spaces, as plain text": (repeated("We are sorry." + " " * 999), "text"),
    "'[' repeated, as Markdown": (repeated("["), "markdown"),
    "'<a ' repeated, as HTML": (repeated("<a "), "html"),
}


def lint_time(linter: Linter, text: str, syntax: Syntax | None, repeat: int) -> float:
    best = float("inf")
    for run in range(repeat):
        # spaCy remembers how it split a token it has seen: each run starts a new one.
        start = time.perf_counter()
        linter.lint(f"{run}{text}", kind="apology", syntax=syntax)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50,100,200",
                        help="message sizes in KB, comma-separated (default: 50,100,200)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the best counts")
    parser.add_argument("--shapes", default="",
                        help="only the shapes whose name contains one of these words")
    args = parser.parse_args()
    sizes = [int(float(s) * 1000) for s in args.sizes.split(",")]
    wanted = [w.strip().lower() for w in args.shapes.split(",") if w.strip()]
    shapes = {name: shape for name, shape in SHAPES.items()
              if name == PROSE or not wanted or any(w in name.lower() for w in wanted)}

    linter = Linter()
    linter.lint("We are sorry. " * 20, kind="apology")  # the first lint loads the rest
    print(f"{os.cpu_count()} CPUs; best of {args.repeat} run(s) per size")
    print(f"{'shape':38s} {'KB':>5s} {'seconds':>8s} {'x previous':>11s} {'x prose':>8s}")
    baseline: dict[int, float] = {}
    for name, (make, syntax) in shapes.items():
        previous = None
        for size in sizes:
            seconds = lint_time(linter, make(size), syntax, args.repeat)
            if name == PROSE:
                baseline[size] = seconds
            growth = f"{seconds / previous:11.2f}" if previous else f"{'-':>11s}"
            print(f"{name:38s} {size // 1000:5d} {seconds:8.2f} {growth} "
                  f"{seconds / baseline[size]:8.2f}", flush=True)
            previous = seconds


if __name__ == "__main__":
    main()
