"""No traceback, ever: an unexpected exception on one file is a one-line error for that
file (exit 2) while the other files are linted and reported; output that cannot be
written is one line too; anything else is caught by a last-resort guard in ``main``.

Bugs are simulated by making one stage (reading, parsing, annotating) raise for the file
that contains ``BOOM``; the command line runs in-process (the pipeline is cached), except
where a real file descriptor or a real exit is needed.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apology_lint import engine, runner
from apology_lint.annotate import annotate, normalize
from apology_lint.cli import main
from apology_lint.readers import read_document

BAD = "We apologize for any inconvenience. We will update you soon.\n"
BOOM = "BOOM. " + BAD


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, list[str]]:
    """Run ``apology-lint args`` in-process: exit code, stdout, stderr lines."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    lines = err.splitlines()
    assert all(line.startswith("apology-lint: ") for line in lines), err
    return code, out, lines


@pytest.fixture
def three(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """a.txt, b.txt (holds BOOM), c.txt, in the current folder."""
    monkeypatch.chdir(tmp_path)
    for name, text in (("a.txt", BAD), ("b.txt", BOOM), ("c.txt", BAD + "Thanks.\n")):
        (tmp_path / name).write_text(text)
    return ["a.txt", "b.txt", "c.txt"]


def failing_on_boom(function: Callable[..., Any], exception: BaseException,
                    argument: int = 0) -> Callable[..., Any]:
    """``function``, raising ``exception`` when its argument holds BOOM."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "BOOM" in str(args[argument]):
            raise exception
        return function(*args, **kwargs)
    return wrapper


def assert_only_b_lost(code: int, out: str, err: list[str], exception: str) -> None:
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("apology-lint: error: b.txt: apology-lint could not lint this "
                             f"file ({exception}")
    assert err[0].endswith("please report it")
    assert [f["path"] for f in json.loads(out)["files"]] == ["a.txt", "c.txt"]


def test_a_bug_while_reading_one_file(three: list[str], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runner, "read_document", failing_on_boom(
        read_document, UnicodeEncodeError("utf-8", "\udce9", 0, 1, "surrogates")))
    assert_only_b_lost(*lint(capsys, "--format", "json", *three), "UnicodeEncodeError: ")


def test_a_bug_while_parsing_breaks_the_batch_only_that_file_is_lost(
        three: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # normalize runs on every text of a batch before any is parsed: the whole batch fails.
    monkeypatch.setattr(engine, "normalize", failing_on_boom(
        normalize, RecursionError("maximum recursion depth exceeded")))
    one_by_one = []
    original = engine.Linter.lint_document

    def spy(self: engine.Linter, doc: Any, *args: Any) -> Any:
        one_by_one.append(doc.source)
        return original(self, doc, *args)

    monkeypatch.setattr(engine.Linter, "lint_document", spy)
    assert_only_b_lost(*lint(capsys, "--format", "json", *three),
                       "RecursionError: maximum recursion depth exceeded)")
    # The batch is retried one file at a time up to the one that fails; then the rest
    # goes back to batches.
    assert one_by_one == [BAD, BOOM]


def test_a_bug_while_annotating_one_file(three: list[str], monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(engine, "annotate", failing_on_boom(
        annotate, MemoryError()))
    assert_only_b_lost(*lint(capsys, "--format", "json", *three), "MemoryError)")


def test_the_error_is_one_line_whatever_the_exception_says(
        three: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(engine, "annotate", failing_on_boom(
        annotate, ValueError("two\nlines \x1b[31mred\u202e " + "x" * 2000)))
    code, _, err = lint(capsys, "--format", "json", *three)
    assert code == 2 and len(err) == 1
    assert "\\x1b" in err[0] and "\x1b" not in err[0] and "\u202e" not in err[0]
    assert len(err[0]) < 500


def test_identical_files_each_get_the_error(three: list[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # Identical texts are linted once and the report reused: the error is reused too.
    (tmp_path / "d.txt").write_text(BOOM)
    monkeypatch.setattr(engine, "annotate", failing_on_boom(annotate, KeyError("x")))
    code, out, err = lint(capsys, "--format", "json", *three, "d.txt")
    assert code == 2
    assert [line.split(":")[2].strip() for line in err] == ["b.txt", "d.txt"]
    assert [f["path"] for f in json.loads(out)["files"]] == ["a.txt", "c.txt"]


def test_ctrl_c_still_stops_the_run(three: list[str], monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(engine, "annotate", failing_on_boom(annotate,
                                                            KeyboardInterrupt()))
    code, out, err = lint(capsys, *three)
    assert code == 130 and err == ["apology-lint: interrupted"] and out == ""


def test_system_exit_passes_through(three: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "read_document", failing_on_boom(read_document,
                                                                 SystemExit(3)))
    with pytest.raises(SystemExit) as raised:
        main(three)
    assert raised.value.code == 3


def test_debug_variable_shows_the_traceback(three: list[str], monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(engine, "annotate", failing_on_boom(annotate,
                                                            ZeroDivisionError("bug")))
    monkeypatch.setenv("APOLOGY_LINT_DEBUG", "1")
    with pytest.raises(ZeroDivisionError, match="bug"):
        main(three)


# --- the last-resort guard -------------------------------------------------------------


def test_a_bug_outside_any_file_is_one_line_exit_2(three: list[str],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import apology_lint.formatters

    def broken(*args: object) -> str:
        raise TypeError("unsupported operand\ntype(s)")

    monkeypatch.setattr(apology_lint.formatters, "render_chunks", broken)
    code, out, err = lint(capsys, *three)
    assert code == 2 and out == ""
    assert err == ["apology-lint: error: internal error (TypeError: unsupported operand "
                   "type(s)); please report it with the command you ran"]
    monkeypatch.setenv("APOLOGY_LINT_DEBUG", "1")
    with pytest.raises(TypeError):
        main(three)


def test_a_bug_in_a_jobs_worker_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the worker inherits the patch through fork")
    monkeypatch.chdir(tmp_path)
    for i in range(20):  # distinct texts: identical ones are linted once, in one process
        (tmp_path / f"m{i:02}.txt").write_text(f"{BAD} Message {i}.")

    def broken(*args: object) -> object:
        raise AttributeError("'NoneType' object has no attribute 'text'")

    monkeypatch.setattr(runner, "_lint_chunk", broken)
    code, _, err = lint(capsys, "--jobs", "2", ".")
    assert code == 2
    assert err == ["apology-lint: error: internal error in a --jobs worker (AttributeError: "
                   "'NoneType' object has no attribute 'text'); please report it with the "
                   "command you ran"]


# --- output that cannot be written ------------------------------------------------------


def test_standard_output_full_is_one_line(three: list[str], monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        monkeypatch.setattr(sys, "stdout", full)
        code = main(["a.txt"])
        monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2
    assert err == ("apology-lint: error: cannot write the report to standard output: "
                   "No space left on device\n")


def test_output_to_dev_full_for_real(three: list[str]) -> None:
    """As the shell runs it: ``apology-lint a.txt > /dev/full`` and ``-o /dev/full``;
    nothing more is printed when the interpreter exits (stdout flushed again)."""
    with open("/dev/full", "wb") as full:
        redirected = subprocess.run([sys.executable, "-m", "apology_lint", "a.txt"],
                                    stdout=full, stderr=subprocess.PIPE, text=True,
                                    timeout=300)
    option = subprocess.run([sys.executable, "-m", "apology_lint", "-o", "/dev/full",
                             "a.txt"], capture_output=True, text=True, timeout=300)
    assert (redirected.returncode, redirected.stderr) == (
        2, "apology-lint: error: cannot write the report to standard output: "
           "No space left on device\n")
    assert (option.returncode, option.stderr) == (
        2, "apology-lint: error: /dev/full: cannot write the report: "
           "No space left on device\n")


def test_unwritable_output_file_is_one_line(three: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = lint(capsys, "-o", "no/such/folder/out.json", "a.txt")
    assert code == 2 and len(err) == 1 and "no/such/folder/out.json: cannot write" in err[0]


# --- the hostile cases of the issue -----------------------------------------------------


def test_handlebars_if_nested_1000_deep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.hbs").write_text("{{#if a}}" * 1000 + BAD + "{{/if}}" * 1000)
    (tmp_path / "open.hbs").write_text("{{#if a}}" * 1000 + BAD)
    (tmp_path / "z.txt").write_text(BAD)
    code, out, err = lint(capsys, "--format", "json", "deep.hbs", "open.hbs", "z.txt")
    assert code in (0, 1) and err == []
    assert [f["path"] for f in json.loads(out)["files"]] == ["deep.hbs", "open.hbs", "z.txt"]


def test_email_declaring_utf_7(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.eml").write_bytes(
        b"Subject: =?utf-7?Q?+AGEAYgBj-?=\nContent-Type: text/plain; charset=utf-7\n\n"
        b"We are sorry +AGEAYgBj- for the outage. +2D3eAA- +ZeVnLIqe-\n")
    (tmp_path / "b.eml").write_bytes(
        b"Content-Type: text/plain; charset=utf-7\nContent-Transfer-Encoding: base64\n\n"
        b"K2VWZUxJcWUtIGJyb2tlbiArLQ==\n")
    code, out, err = lint(capsys, "--format", "json", "a.eml", "b.eml")
    assert code in (0, 1, 2) and "could not lint" not in "".join(err)
    json.loads(out)


@pytest.mark.parametrize("output", [None, "out.json"])
def test_a_name_that_is_not_utf_8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str],
                                  output: str | None) -> None:
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"caf\xe9.txt")
    with open(os.fsencode(name), "w") as handle:
        handle.write(BAD)
    (tmp_path / "z.txt").write_text(BAD)
    args = ["--format", "json", *(["-o", output] if output else []), name, "z.txt"]
    code, out, err = lint(capsys, *args)
    assert code == 2
    assert err == ["apology-lint: error: caf\\xe9.txt: the name is not valid UTF-8, skipped; "
                   "rename it"]
    report = (tmp_path / output).read_text(encoding="utf-8") if output else out
    assert "z.txt" in [f["path"] for f in json.loads(report)["files"]]


@pytest.mark.parametrize("stdin_name", [b"caf\xe9.txt", b"two\nlines.txt"])
def test_stdin_filename_that_cannot_be_printed(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               stdin_name: bytes) -> None:
    # It names the report as a walked name would: the same rules apply to it.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.encode())))
    code, out, err = lint(capsys, "--format", "json", "--stdin-filename",
                          os.fsdecode(stdin_name), "-")
    assert code == 2 and len(err) == 1 and "--stdin-filename" in err[0]
    out.encode("utf-8")  # no lone surrogate in the report
    assert json.loads(out)["files"] == []


@pytest.mark.parametrize(("name", "shown"), [
    (b"caf\xe9/out.json", "caf\\xe9/out.json"),
    (b"new\nline/\x1b[2Jout.json", "new\\nline/\\x1b[2Jout.json"),
    (b"\xc2\x93" + b"l" * 300 + b".json", "\\x93lll"),
])
def test_unwritable_output_name_is_shown_escaped(three: list[str],
                                                 capsys: pytest.CaptureFixture[str],
                                                 name: bytes, shown: str) -> None:
    # Found by the fuzz test: -o with a name too long to create was printed raw, a C1
    # control character (U+0093) included, into the CI log.
    code, _, err = lint(capsys, "-o", os.fsdecode(name), "a.txt")
    assert code == 2 and len(err) == 1, err
    assert all(ch.isprintable() for ch in err[0]), err
    assert err[0].startswith(f"apology-lint: error: {shown}"), err


def test_an_error_quoting_an_argument_is_one_printable_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # Found by the fuzz test: a glob that matches nothing is quoted in "no files to lint
    # in ...", and a newline in it forged a second line (here a GitHub annotation).
    monkeypatch.chdir(tmp_path)
    code, _, err = lint(capsys, "?\n::error file=x::forged.txt", "?\x1f\x1b[2J.txt")
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("apology-lint: error: no files to lint in ?\\n::error file=x::"
                             "forged.txt, ?\\x1f\\x1b[2J.txt (a folder is walked"), err


def test_a_usage_error_quoting_an_argument_is_one_printable_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    # Found by the fuzz test: with `apology-lint *.txt` the shell puts the repository's
    # file names in the arguments, and a name that looks like an option is quoted raw.
    # (No space in it: argparse reads an argument with a space as a path, not an option.)
    with pytest.raises(SystemExit) as raised:
        main(["-\n::error::forged.txt"])
    err = capsys.readouterr().err
    assert raised.value.code == 2
    assert err == ("apology-lint: error: unrecognized arguments: -\\n::error::forged.txt "
                   "(apology-lint --help shows every option)\n"), err


@pytest.mark.parametrize("char", ["\u202e", "\u2067", "\u200f", "\u061c", "\u200b",
                                  "\U000e0041", "\u2028"])
def test_an_error_line_escapes_format_characters(char: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # A bidi override in a name quoted in an error would reorder the rest of the line.
    name = f"x{char}.txt"
    code, _, err = lint(capsys, name)
    assert code == 2 and len(err) == 1, err
    escaped = char.encode("unicode_escape").decode()
    assert err[0] == f"apology-lint: error: x{escaped}.txt: the name has control or " \
                     "formatting characters, skipped; rename it", err
    with pytest.raises(SystemExit):  # a usage error too
        main([f"-{char}x.txt"])
    usage = capsys.readouterr().err
    assert char not in usage and escaped in usage and usage.count("\n") == 1, usage
