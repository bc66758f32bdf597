"""Coverage-guided fuzzing (atheris) of the readers and the lint entry point.

Each input is one byte choosing the syntax, then the file's bytes. The target decodes the
bytes as the command line does, reads them with that syntax's reader, lints them, and
checks that every span is a slice of the text. Any exception is a crash to fix and to
turn into a regression test in tests/test_reliability.py.

    pip install atheris
    python fuzz/fuzz_lint.py -max_total_time=600 -rss_limit_mb=4096 /tmp/fuzz-corpus

libFuzzer writes new inputs to the first folder, so keep it outside the repository. The
files in ``examples/`` are added as seeds (written to a temporary folder at start).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["apology_lint"]):
    from apology_lint import Linter
    from apology_lint.errors import InputError
    from apology_lint.readers import SYNTAXES, syntax_for
    from apology_lint.sources import decode

LINTER: Linter | None = None


def one_input(data: bytes) -> None:
    if not data:
        return
    syntax = SYNTAXES[data[0] % len(SYNTAXES)]
    try:
        text = decode(data[1:], "fuzz", latin1_fallback=syntax == "eml")
    except InputError:
        return  # refused with a one-line message, as the command line does
    assert LINTER is not None
    report = LINTER.lint(text, syntax=syntax)
    for finding in report.findings:
        if text[finding.span.start:finding.span.end] != finding.text:
            raise AssertionError(f"span {finding.span} is not the finding's text")


def make_seeds(folder: Path) -> None:
    """Each example file, prefixed with the byte that selects its syntax."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    for example in sorted(examples.iterdir()):
        syntax = syntax_for(example.name)
        (folder / example.name).write_bytes(bytes([SYNTAXES.index(syntax)])
                                            + example.read_bytes())


def main() -> None:
    global LINTER
    seeds = Path(tempfile.mkdtemp(prefix="apology-lint-seeds-"))
    make_seeds(seeds)
    LINTER = Linter()
    atheris.Setup([*sys.argv, str(seeds)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
