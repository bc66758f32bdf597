"""Fuzzing the command line: hostile file names, bytes and trees, in every syntax and
every output format, through ``apology_lint.cli.main`` in-process.

Whatever the files, the run must end with exit 0, 1 or 2; nothing may escape ``main``;
standard error holds only ``apology-lint: …`` lines (one per error, never a traceback),
and exit 2 exactly when it holds an error; the report is valid for its format (JSON,
JSON lines, SARIF and JUnit parse), valid UTF-8, and free of anything that could rewrite
a terminal or a CI log.

The default run is short (40 examples, under a minute). For a long run:

    APOLOGY_LINT_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz_cli.py
    python fuzz/fuzz_cli.py --seconds 600      # the same target, for a given time

``case`` (the strategy) and ``check`` (the target) are shared with ``fuzz/fuzz_cli.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apology_lint.cli import main
from apology_lint.formatters import FORMATS
from apology_lint.models import KINDS
from apology_lint.readers import SYNTAXES

EXAMPLES = int(os.environ.get("APOLOGY_LINT_FUZZ_EXAMPLES", "40"))

# The extensions of every syntax, and a few that fall back to text.
EXTENSIONS = (".txt", ".md", ".html", ".eml", ".j2", ".hbs", ".mustache", ".liquid",
              ".html.j2", ".md.hbs", ".tpl", "")

SECRET = "ghp_FUZZsecret0123456789"  # in a file outside the tree: a walk never shows it
PAYLOAD = "<script>alert(1)</script>"  # the HTML report must escape it

# --- file contents -----------------------------------------------------------------------

PIECES = [
    b"We're sorry. ", b"We apologize for any inconvenience. ", b"Mistakes were made. ",
    b"We will update you soon.", b"Our provider caused the outage. ", b"Hi {{ name }},",
    b"{% if x %}", b"{% else %}", b"{% endif %}", b"{%- raw -%}", b"{% endraw %}",
    b"{{#if a}}", b"{{else}}", b"{{/if}}", b"{{^a}}", b"{{/a}}", b"{{#each xs}}",
    b"{{!--", b"--}}", b"{#", b"#}", b"{{{", b"}}}", b"{{> partial}}", b"{% comment %}",
    b"<p>", b"</p>", b"</div>", b"<!--", b"-->", b"<br/>", b"<table><tr><td>",
    PAYLOAD.encode(), b"&amp;", b"&#x1F600;", b"&#xD800;", b"&#0;", b"&bogus;", b"<![CDATA[",
    b"```", b"---\n", b"kind: update\n", b"---\nkind: [\n---\n", b"> ", b"- ", b"1. ", b"[",
    b"](", b"](http://x)", b"# ", b"|a|b|\n|-|-|\n", b"\\", b"*", b"_",
    b"apology-lint: disable", b"<!-- apology-lint: disable=vague-timeline -->",
    b"{# apology-lint: kind=update #}", b"apology-lint: disable-next-line=bogus",
    b"Subject: =?utf-7?Q?+AGEAYgBj-?=\n", b"Subject: =?x-bogus?B?////?=\n",
    b"Content-Type: multipart/mixed; boundary=x\n", b"\n--x\n", b"\n--x--\n",
    b"Content-Type: text/plain; charset=utf-7\n", b"Content-Type: text/html; charset=bogus\n",
    b"Content-Type: text/plain; charset=\"utf-16\"\n", b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n", b"=C3=A9=\n", b"+AGEAYgBj-", b"K2Fi==",
    b"\n\n", b"\r\n", b"\r", b"\t", b"\x00", b"\x0b\x0c", b"\x1b[31m", b"\x1b[2J",
    b"\x1b]0;title\x07", b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", b"\x85", b"\x7f",
    b"\xe2\x80\xae", b"\xe2\x80\x8b", b"\xe2\x80\xa8", b"\xef\xbb\xbf", b"\xcc\x81",
    b"\xf0\x9f\x98\x80", b"\xe9", b"\xc3\xa9", b"\xff\xfe", b"\xed\xa0\x80",
    "é".encode("utf-16-le"), b"::error file=x::forged", b"%0A", b"]]>", b"\xef\xbf\xbe",
]
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]
# Text with a byte order mark, in the encoding it names (the readers decode it).
WITH_BOM = ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"]
NESTED = [b"{{#if a}}", b"{% if a %}", b"{% for x in y %}", b"{{#a}}", b"{{#each a}}",
          b"<b>", b"<div>", b"[", b"(", b"> ", b"  - ", b"<!--", b"{{!--", b"*", b"`"]
# Deep enough for any recursion to show (Python's limit is 1000 frames): the readers and
# the text format are slower on it, so the 1000-deep cases are regression tests instead
# (test_internal_errors.py).
MAX_NESTING = 400

# Mostly text that reaches the linter; now and then bytes that should not.
chunk = st.one_of(
    st.sampled_from(PIECES),
    st.sampled_from(PIECES),
    st.text(max_size=24).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(max_size=24).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=24),
    st.text(max_size=12).map(lambda t: t.encode("utf-16-le", "surrogatepass")),
    st.text(max_size=12).map(lambda t: t.encode("latin-1", "replace")),
    st.builds(lambda tag, n: tag * n, st.sampled_from(NESTED),
              st.integers(1, MAX_NESTING)),
    st.builds(lambda word, n: word * n,  # one huge line
              st.sampled_from([b"x", b"word ", b",", b"We are sorry ", b"\xc3\xa9"]),
              st.integers(1_000, 20_000)),
)
contents = st.one_of(
    st.lists(chunk, min_size=1, max_size=12).map(b"".join),
    st.lists(chunk, min_size=1, max_size=12).map(b"".join),
    st.builds(lambda bom, parts: bom + b"".join(parts), st.sampled_from(BOMS),
              st.lists(chunk, max_size=12)),
    st.builds(lambda codec, parts: ("\ufeff" if codec == "utf-16-be" else "").join(
                  ["", b"".join(parts).decode("utf-8", "replace")]).encode(codec),
              st.sampled_from(WITH_BOM), st.lists(chunk, max_size=12)),
)

# --- file names --------------------------------------------------------------------------


def _fs_name(raw: bytes) -> str:
    """A name as ``sys.argv`` holds it: bytes that are not UTF-8 as lone surrogates."""
    return os.fsdecode(raw.replace(b"/", b"_").replace(b"\x00", b"_") or b"_")


# Mostly names that can be linted (each hostile name is one error and no lint).
plain_name = st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs", "Pd", "Po"],
                                   exclude_characters="/"), min_size=1, max_size=10)
hostile_part = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1,
            max_size=10),
    st.sampled_from(["msg", "-", "--", "-o", "--format=json", "-h", "--version", " ", ".",
                     "..", "~", "*", "?", "[a]", "[!", "**", "a\nb", "a\rb", "\t",
                     "\x1b[31m", "\u202e", "\u200b", "::error::x", "%0A", "a:1:2", "é",
                     "\U0001F600", "CON", "<x>", "&amp;", '"', "'", "\\"]),
    st.binary(min_size=1, max_size=6).map(_fs_name),  # often not UTF-8
    st.integers(100, 260).map(lambda n: "l" * n),  # past NAME_MAX (255 bytes) too
)
names = st.builds(lambda parts, ext: "".join(parts) + ext,
                  st.one_of(st.lists(plain_name, min_size=1, max_size=2),
                            st.lists(plain_name, min_size=1, max_size=2),
                            st.lists(st.one_of(plain_name, hostile_part), min_size=1,
                                     max_size=3)),
                  st.sampled_from(EXTENSIONS)).filter(lambda n: n not in ("-", ".", ".."))

# --- trees -------------------------------------------------------------------------------

KINDS_OF_ENTRY = ("file", "file", "file", "file", "in-folder", "link-to-file",
                  "link-to-secret", "link-to-folder", "link-to-parent", "link-loop",
                  "dangling-link", "fifo", "empty-folder")


@dataclass
class Entry:
    kind: str
    name: str
    data: bytes = b""


@dataclass
class Case:
    entries: list[Entry]
    output_format: str
    walk: bool  # lint "." (the whole tree) rather than the names
    separator: bool  # put "--" before the names, so "-x" is a file name
    options: list[str] = field(default_factory=list)
    output: str | None = None  # -o NAME (in a folder beside the tree)


entry = st.builds(Entry, st.sampled_from(KINDS_OF_ENTRY), names, contents)
option = st.one_of(
    st.sampled_from([["--quiet"], ["--statistics"], ["--isolated"],
                     ["--fail-level", "info"], ["--min-score", "90"],
                     ["--allow-acronyms", "POS,KDS"]]),
    st.sampled_from(KINDS).map(lambda k: ["--kind", k]),
    st.sampled_from(SYNTAXES).map(lambda s: ["--syntax", s]),
)
case = st.builds(
    Case,
    st.lists(entry, min_size=1, max_size=5),
    st.sampled_from(FORMATS),
    st.booleans(),
    st.booleans(),
    st.lists(option, max_size=2).map(lambda opts: [o for opt in opts for o in opt]),
    st.one_of(st.none(), st.just("report"), names),
)


def _build(case: Case, root: Path) -> list[str]:
    """The case's files under ``root/tree``; the names to give on the command line."""
    tree = root / "tree"
    (tree / "folder").mkdir(parents=True)
    (root / "out").mkdir()
    (root / "secret.txt").write_text(f"https://user:{SECRET}@github.com\n")
    (tree / "folder" / "inside.txt").write_bytes(b"We are sorry for the outage.\n")
    given: list[str] = []
    for e in case.entries:
        path = os.fsencode(e.name)
        place = os.path.join(os.fsencode(tree), b"folder" if e.kind == "in-folder" else b"",
                             path)
        if os.path.lexists(place):
            continue
        try:
            if e.kind in ("file", "in-folder"):
                with open(place, "wb") as handle:
                    handle.write(e.data)
            elif e.kind == "link-to-file":
                os.symlink(b"folder/inside.txt", place)
            elif e.kind == "link-to-secret":
                os.symlink(os.fsencode(root / "secret.txt"), place)
            elif e.kind == "link-to-folder":
                os.symlink(b"folder", place)
            elif e.kind == "link-to-parent":
                os.symlink(b"..", place)
            elif e.kind == "link-loop":
                os.symlink(path, place)
            elif e.kind == "dangling-link":
                os.symlink(b"nowhere.txt", place)
            elif e.kind == "fifo":
                os.mkfifo(place)
            else:
                os.mkdir(place)
        except OSError:  # a name too long to create: given anyway, as a missing file
            pass
        given.append(os.path.join("folder", e.name) if e.kind == "in-folder" else e.name)
    return given


@contextlib.contextmanager
def _in(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``apology-lint argv`` in-process: exit code, standard output, standard error.
    Anything but SystemExit escaping ``main`` fails the check with its traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors, --help, --version
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


# Colour is off (not a terminal), so no control character belongs in the text formats:
# one from a file would recolour, move the cursor in, or retitle the reader's terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _check_report(output_format: str, report: str) -> None:
    report.encode("utf-8")  # a lone surrogate (a name that is not UTF-8) fails here
    if output_format in ("json", "sarif"):
        json.loads(report)
    elif output_format == "jsonl":
        for line in report.splitlines():
            json.loads(line)
    elif output_format == "junit":
        ET.fromstring(report.encode("utf-8"))
    elif output_format == "html":
        # FORMATTER CONTRACT (src/apology_lint/formatters/, another engineer's): the
        # file's markup is shown, never run.
        assert PAYLOAD not in report, "the HTML report holds the file's <script> unescaped"
    if output_format in ("text", "concise", "github"):
        # FORMATTER CONTRACT (src/apology_lint/formatters/, another engineer's): no
        # control characters from the files in terminal or CI-log output.
        found = _CONTROL.search(report)
        assert found is None, f"control character {found.group()!r} in the {output_format} " \
                              f"output: ...{report[max(0, found.start() - 60):found.end() + 20]!r}"


def check(case: Case) -> None:
    """The target: build the case's tree in a temporary folder, run the command line on
    it, and check everything the module docstring promises."""
    with tempfile.TemporaryDirectory(prefix="apology-lint-fuzz-") as temp:
        root = Path(temp)
        given = _build(case, root)
        argv = ["--format", case.output_format, *case.options]
        if case.output is not None:
            argv += ["-o", os.path.join("..", "out", case.output)]
        targets = ["."] if case.walk else given
        argv += ["--", *targets] if case.separator else targets
        with _in(root / "tree"):
            code, out, err = _run(argv)
        assert code in (0, 1, 2), f"exit code {code}"
        assert "Traceback" not in err, err
        # An option-like name before any "--" may be read as an option (--help, --version,
        # a usage error): then there is no report to check, but a usage error is held to
        # the same one-line rule as every other error.
        usage = not case.separator and any(t.startswith("-") for t in targets)
        lines = err.splitlines()
        bad = [line for line in lines if not line.startswith("apology-lint: ")]
        assert not bad, f"standard error lines not from apology-lint: {bad!r}"
        errors = [line for line in lines if line.startswith("apology-lint: error: ")]
        assert errors == lines, f"standard error lines that are not errors: {lines!r}"
        assert (code == 2) == bool(errors), f"exit {code} with errors {errors!r}"
        for line in errors:  # one printable line each
            assert _CONTROL.search(line) is None, f"control character in {line!r}"
            line.encode("utf-8")
        if case.walk:
            assert SECRET not in out + err, "a walk followed a link out of the tree"
        if usage or "--statistics" in case.options:
            return
        report = out
        if case.output is not None:
            assert out == "", "standard output used although -o was given"
            written = os.path.join(os.fsencode(root / "out"), os.fsencode(case.output))
            report = ""
            if os.path.exists(written):  # False too for a name too long to create
                with open(written, "rb") as handle:
                    report = handle.read().decode("utf-8")
        if report:
            _check_report(case.output_format, report)
        else:  # --quiet: a text report without findings is empty
            assert code == 2 or "--quiet" in case.options, f"exit {code} without a report"

@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(case)
def test_hostile_files_never_crash_the_command_line(case: Case) -> None:
    check(case)
