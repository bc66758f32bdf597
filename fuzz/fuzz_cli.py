"""Fuzz the command line for a given time: the target of tests/test_fuzz_cli.py (hostile
file names, bytes and trees, every syntax and every output format, through
``apology_lint.cli.main`` in-process), run until the time is up.

    python fuzz/fuzz_cli.py --seconds 600

Hypothesis generates the cases in rounds of ``--batch`` examples, each round from a new
random seed. A failing case is shrunk to a small one and printed with its traceback (the
"Falsifying example" note is the input), saved in ``--crashes``, and the run goes on; a
crash seen before (same exception, same place) is counted, not printed again. Exit
status 1 if anything was found. Needs the test dependencies (hypothesis, pytest).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.test_fuzz_cli

from hypothesis import HealthCheck, given, seed, settings
from tests.test_fuzz_cli import Case, case, check

RUN = 0  # cases run, shrinking included


def _round(examples: int, rng_seed: int) -> Exception | None:
    """One round of ``examples`` cases; the (shrunk) failure, if any."""
    @seed(rng_seed)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case)
    def target(c: Case) -> None:
        global RUN
        RUN += 1
        check(c)

    try:
        target()
    except Exception as exc:  # a crash or a broken promise: what we are looking for
        return exc
    return None


def _signature(exc: Exception) -> tuple[str, str]:
    """What makes two crashes the same: the exception type and the innermost frame."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return type(exc).__name__, f"{frame.filename}:{frame.lineno}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="how long (default 600)")
    parser.add_argument("--batch", type=int, default=100, help="examples per round")
    parser.add_argument("--seed", type=int, default=None, help="first round's seed")
    parser.add_argument("--crashes", type=Path,
                        default=Path(tempfile.gettempdir()) / "apology-lint-fuzz-crashes",
                        help="where failing cases are saved (default: %(default)s)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = time.monotonic()
    found: dict[tuple[str, str], int] = {}
    rounds = 0
    while time.monotonic() - start < args.seconds:
        rounds += 1
        round_seed = rng.randrange(2**32)
        exc = _round(args.batch, round_seed)
        if exc is None:
            continue
        key = _signature(exc)
        found[key] = found.get(key, 0) + 1
        if found[key] == 1:
            text = "".join(traceback.format_exception(exc))
            print(f"\n=== crash {len(found)} (round seed {round_seed}) ===\n{text}", flush=True)
            args.crashes.mkdir(parents=True, exist_ok=True)
            (args.crashes / f"crash-{len(found)}.txt").write_text(text, errors="replace")
        message = str(exc).partition("\n")[0][:200]
        print(f"[{time.monotonic() - start:.0f} s] round {rounds}: {key[0]} at {key[1]} "
              f"(seen {found[key]}x): {message}", flush=True)
    print(f"{time.monotonic() - start:.0f} s, {rounds} rounds, {RUN} cases run; "
          f"{len(found)} distinct crashes" + (f", saved in {args.crashes}" if found else ""))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
