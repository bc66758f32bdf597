"""What a person reads: the text report of a short draft, the score explained, the gate
that failed said in every format, argument errors in one line, nothing to lint refused.

The command runs in this process (``cli.main``), so the pipeline is loaded once.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from apology_lint.cli import main
from apology_lint.formatters.snippet import MAX_WIDTH, snippet

DRAFT = """Dear Customer,

We're sorry that some orders were delayed.
Our payment provider had an outage on Monday.

Best regards,
The Shop Team
"""


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_missing_parts_are_in_the_summary_not_on_the_greeting(
        capsys: pytest.CaptureFixture[str], draft: Path) -> None:
    _, out, _ = lint(capsys, str(draft), "--kind", "apology")
    report = json.loads(lint(capsys, str(draft), "--kind", "apology", "--format", "json")[1])
    missing = [f["rule"] for f in report["files"][0]["findings"] if f["scope"] == "message"]
    assert "no-remedy" in missing and "no-prevention-commitment" in missing
    # No finding points at "Dear Customer," (line 1): it is not at fault.
    assert f"{draft}:1:" not in out
    summary = out[out.index("anatomy:"):]
    for rule in missing:
        assert rule in summary
    assert "missing from the message:" in summary


def test_the_score_says_what_would_raise_it(
        capsys: pytest.CaptureFixture[str], draft: Path) -> None:
    report = json.loads(lint(capsys, str(draft), "--kind", "apology", "--format", "json")[1])
    gains = report["files"][0]["score_gains"]
    added = {g["add"]: g["points"] for g in gains if g["add"]}
    # The draft has no remedy; adding one (and so clearing no-remedy) is worth points.
    assert added.get("remedy", 0) > 0
    assert [g["points"] for g in gains] == sorted((g["points"] for g in gains), reverse=True)
    _, out, _ = lint(capsys, str(draft), "--kind", "apology")
    assert f"+{added['remedy']} remedy:" in out and "to raise the score:" in out


@pytest.mark.parametrize("fmt", ["text", "concise", "junit", "github", "sarif", "json"])
def test_a_failed_min_score_says_which_file_its_score_and_the_threshold(
        capsys: pytest.CaptureFixture[str], draft: Path, fmt: str) -> None:
    code, out, _ = lint(capsys, str(draft), "--kind", "apology", "--min-score", "99",
                        "--format", fmt)
    assert code == 1
    score = json.loads(lint(capsys, str(draft), "--kind", "apology", "--format",
                            "json")[1])["files"][0]["score"]
    if fmt == "junit":
        failures = ET.fromstring(out).findall(".//failure[@type='min-score']")
        assert len(failures) == 1 and f"score {score} is below the minimum score 99" in \
            failures[0].get("message", "")
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        gate = [r for r in results if r["ruleId"] == "min-score"]
        assert gate and "below the minimum score 99" in gate[0]["message"]["text"]
    elif fmt == "json":
        assert json.loads(out)["summary"]["below_min_score"] == [
            {"path": str(draft), "score": score, "min_score": 99}]
    else:
        assert str(draft) in out and str(score) in out and "minimum score 99" in out


def test_a_passed_min_score_says_nothing(capsys: pytest.CaptureFixture[str], draft: Path) -> None:
    code, out, _ = lint(capsys, str(draft), "--kind", "apology", "--min-score", "1")
    assert "minimum score" not in out
    assert code == 1  # no-remedy is an error in an apology


def test_quiet_and_concise(capsys: pytest.CaptureFixture[str], draft: Path) -> None:
    _, quiet, _ = lint(capsys, str(draft), "--kind", "apology", "--quiet")
    assert "anatomy:" not in quiet and "score" not in quiet
    _, concise, _ = lint(capsys, str(draft), "--kind", "apology", "--format", "concise")
    lines = concise.splitlines()
    report = json.loads(lint(capsys, str(draft), "--kind", "apology", "--format", "json")[1])
    assert len(lines) == len(report["files"][0]["findings"]) + 1
    assert f"{draft}: error no-remedy" in concise  # no line: the whole message lacks it
    assert lines[-1].startswith(f"{draft}: apology · score ")


def test_nothing_to_lint_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "requirements.lock").write_text("spacy==3.8\n")
    code, out, err = lint(capsys, str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no files to lint" in err


def test_argument_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--kind", "bogus", "x.txt"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.count("\n") == 1 and "usage:" not in err and "--kind" in err


def test_no_path_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and "PATH" in err


# --- the line under a finding -------------------------------------------------------

def test_tabs_and_wide_characters_keep_the_carets_under_the_span() -> None:
    line = "\t🙂 你好 We apologize for any inconvenience."
    start = line.index("any")
    shown = snippet(line, start, start + len("any inconvenience"))
    # The carets start where "any" is shown: the emoji and each CJK character take two
    # cells, the tab four.
    assert shown.line[len(shown.line) - len("any inconvenience."):].startswith("any")
    assert shown.indent == 4 + 2 + 1 + 4 + 1 + len("We apologize for ")
    assert shown.carets == len("any inconvenience")


def test_a_long_line_is_cut_around_the_span() -> None:
    line = "<p>" + "x" * 3000 + " We apologize for any inconvenience. " + "y" * 3000 + "</p>"
    start = line.index("any")
    shown = snippet(line, start, start + 17)
    assert len(shown.line) <= MAX_WIDTH + 1
    assert shown.line.startswith("…") and shown.line.endswith("…")
    assert shown.line[shown.indent:shown.indent + 17] == "any inconvenience"


def test_control_characters_never_reach_the_terminal() -> None:
    shown = snippet("We are sorry\x1b[2J for the delay", 0, 2)
    assert "\x1b" not in shown.line


def test_a_long_line_is_printed_once_and_cut(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    path = tmp_path / "minified.html"
    path.write_text("<html><body><p>" + "Your account. " * 300 + "</p><p>We apologize for "
                    "any inconvenience. Mistakes were made.</p></body></html>")
    _, out, _ = lint(capsys, str(path), "--kind", "apology")
    assert max(len(line) for line in out.splitlines() if " | " in line) < 200


def test_stdin_is_named_by_stdin_filename(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    template = "Hi {{first_name}},\n\nWe apologize for any inconvenience.\n"
    for fmt in ("json", "sarif", "github", "text"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(template.encode())))
        _, out, _ = lint(capsys, "--stdin-filename", "mail/outage.hbs", "--format", fmt, "-")
        if fmt == "json":
            report = json.loads(out)["files"][0]
            assert report["path"] == "mail/outage.hbs" and report["syntax"] == "handlebars"
        elif fmt == "sarif":
            uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    for r in json.loads(out)["runs"][0]["results"]}
            assert uris == {"mail/outage.hbs"}
        else:
            assert "mail/outage.hbs:3:" in out or "file=mail/outage.hbs" in out
            assert "-:" not in out


def test_stdin_without_a_name_is_dash_in_every_format(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    names = set()
    for fmt in ("json", "sarif"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DRAFT.encode())))
        _, out, _ = lint(capsys, "--format", fmt, "-")
        data = json.loads(out)
        names |= ({data["files"][0]["path"]} if fmt == "json" else
                  {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for r in data["runs"][0]["results"]})
    assert names == {"-"}


def test_an_error_on_stdin_names_it_as_the_reports_do(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    for args, name in ((["-"], "-"), (["--stdin-filename", "mail/x.hbs", "-"], "mail/x.hbs")):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"   \n")))
        code, _, err = lint(capsys, *args)
        assert code == 2 and err == f"apology-lint: error: {name}: file is empty, nothing to lint\n"


# --- output is valid for its format, whatever the file holds ---------------------------

def test_junit_stays_parseable_with_control_characters(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ctrl.txt"
    # The agentless-fault rewrite quotes "mi\x01gration" back in its suggestion.
    path.write_text("Mistakes were made during the mi\x01gration of your account.\n",
                    encoding="utf-8")
    _, out, _ = lint(capsys, str(path), "--kind", "apology", "--format", "junit")
    ET.fromstring(out)  # raises on a character XML 1.0 cannot hold


def test_sarif_uris_are_percent_encoded(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = "50% off #1 draft.txt"
    (tmp_path / name).write_text(DRAFT, encoding="utf-8")
    _, out, _ = lint(capsys, name, "--format", "sarif")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert uris == {"50%25%20off%20%231%20draft.txt"}


def test_a_sarif_location_outside_the_working_folder_is_absolute_without_a_base(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "out.txt").write_text(DRAFT, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "in")
    _, out, _ = lint(capsys, "../out.txt", "--format", "sarif")
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"]
                 for r in json.loads(out)["runs"][0]["results"]]
    assert locations and all(loc == {"uri": (tmp_path / "out.txt").as_uri()}
                             for loc in locations)


def test_lone_cr_line_endings_give_real_lines(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    path = tmp_path / "mac.txt"
    path.write_text(DRAFT.replace("\n", "\r"), encoding="utf-8", newline="")
    report = json.loads(lint(capsys, str(path), "--kind", "apology", "--format", "json")[1])
    lines = {f["span"]["line"] for f in report["files"][0]["findings"] if f["scope"] == "span"}
    assert lines and lines != {1}
    _, out, _ = lint(capsys, str(path), "--kind", "apology")
    assert "    3 | We're sorry that some orders were delayed." in out


def test_the_report_file_is_never_an_input(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    code, _, err = lint(capsys, "-o", str(draft), str(draft))
    assert code == 2 and "report file" in err and draft.read_text(encoding="utf-8") == DRAFT
    report = tmp_path / "report.html"
    report.write_text("<p>We apologize for any inconvenience.</p>", encoding="utf-8")
    lint(capsys, "--format", "html", "-o", str(report), str(tmp_path))
    page = report.read_text(encoding="utf-8")
    assert "draft.txt" in page and "report.html</a>" not in page and "1 file" in page


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_a_files_control_characters_never_reach_the_terminal(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "escape.txt"
    # The agentless-fault rewrite quotes the writer's words, escape sequence included.
    path.write_text("Mistakes were made during the mi\x1b[2Jgration of your account.\n",
                    encoding="utf-8")
    _, out, _ = lint(capsys, str(path), "--kind", "apology", "--format", fmt)
    assert "\x1b" not in out


# --- bidi controls and other format characters --------------------------------------

# A right-to-left override: everything after it on the line is shown reversed, so a
# file's text or name could make a CI log show something else than it holds.
RLO = "\u202e"


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_a_files_format_characters_never_reach_the_terminal(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "bidi.txt"
    # The override is left out of the text the rules match, but the line under a finding
    # is the file's. U+FFF9 (another format character) is not left out: the
    # agentless-fault rewrite quotes it back in its suggestion.
    path.write_text(f"Mistakes were made during the mi{RLO}gration of your acc\ufff9ount.\n",
                    encoding="utf-8")
    code, out, err = lint(capsys, str(path), "--kind", "apology", "--format", fmt)
    assert code == 1 and err == ""
    assert "agentless-fault" in out and RLO not in out and "\ufff9" not in out
    if fmt == "text":  # the line, with the override shown
        assert "mi\ufffdgration" in out
    if fmt != "concise":  # the suggestion
        assert "acc\ufffdount" in out


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_a_bidi_override_in_a_file_name_never_reaches_the_terminal(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.chdir(tmp_path)
    name = f"draft{RLO}txt.exe.txt"
    (tmp_path / name).write_text(DRAFT, encoding="utf-8")
    (tmp_path / "good.txt").write_text(DRAFT, encoding="utf-8")
    for args in ([name, "good.txt"], ["."]):  # named, and found by a walk
        code, out, err = lint(capsys, *args, "--kind", "apology", "--format", fmt)
        assert code == 2 and RLO not in out + err
        assert "good.txt" in out and "draft" not in out
        assert err == ("apology-lint: error: draft\\u202etxt.exe.txt: the name has control "
                       "or formatting characters, skipped; rename it\n")


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200e", "\u200f", "\u061c", "\u200b",
                                  "\u200d", "\U000e0041", "\u2028"])
def test_format_characters_are_shown_and_keep_the_carets_in_place(char: str) -> None:
    line = f"Our {char}provider failed"
    start = line.index("provider")
    shown = snippet(line, start, start + len("provider"))
    assert char not in shown.line and shown.line == "Our \ufffdprovider failed"
    assert shown.line[shown.indent:shown.indent + shown.carets] == "provider"


def test_a_line_of_combining_marks_is_cut() -> None:
    # Combining marks take no cells: without a limit in characters, every finding on
    # such a line would print all of it.
    line = "".join("w" + "\u0301" * 50 for _ in range(2000))
    for start in (0, 50_000, len(line) - 1):
        shown = snippet(line, start, start + 1)
        assert len(shown.line) <= 4 * MAX_WIDTH + 2
    short = "sorry" + "\u0301" * 5000
    assert snippet(short, 0, 5).line.endswith("…")
