"""The command line as a user runs it: exit codes, JSON contract, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BAD = ("We apologize if your service was impacted. Mistakes were made, and due to an issue "
       "with our cloud provider your invoices were late.\n")
GOOD = ("Hi Dana,\n\nWe're sorry: on Tuesday we sent your 14 March invoice run to an old email "
        "address, so 212 of your customers didn't get their invoices and your team had to "
        "chase them by phone. We've re-sent every invoice and we're crediting one month's fee "
        "($1,200) to your account today. We've added a check that blocks an invoice run when "
        "the address list is older than the account's contacts, so this can't go out unnoticed "
        "again.\n\nReply to this email or call me on +1 555 010 0100.\n\nMaria Lopez\n"
        "Head of Support\n")


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "apology_lint", *args], input=stdin,
                          capture_output=True, timeout=120, env=env)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, content in {"bad.txt": BAD.encode(), "good.txt": GOOD.encode(),
                          "empty.txt": b"  \n", "binary.bin": b"\x00\x01\x02abc",
                          "latin1.txt": "Caf\xe9 sorry".encode("latin-1")}.items():
        (tmp_path / name).write_bytes(content)
        out[name] = tmp_path / name
    return out


def test_findings_at_fail_level_exit_1(files: dict[str, Path]) -> None:
    result = run(str(files["bad.txt"]))
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "conditional-apology" in out and f"{files['bad.txt']}:1:1:" in out
    assert "score" in out and "anatomy:" in out
    assert "Traceback" not in result.stderr.decode()


def test_good_message_exits_0_and_fail_level_info_exits_1(files: dict[str, Path]) -> None:
    result = run(str(files["good.txt"]), "--kind", "apology")
    assert result.returncode == 0, result.stdout.decode()
    strict = run(str(files["good.txt"]), "--kind", "apology", "--fail-level", "info")
    assert strict.returncode in (0, 1)
    infos = json.loads(run(str(files["good.txt"]), "--format", "json").stdout)["summary"]["infos"]
    assert strict.returncode == (1 if infos else 0)


def test_json_follows_the_contract(files: dict[str, Path]) -> None:
    result = run("--format", "json", str(files["bad.txt"]), "--kind", "apology")
    data = json.loads(result.stdout)
    assert data["schema_version"] == "1"
    assert data["tool"]["name"] == "apology-lint"
    report = data["files"][0]
    assert report["path"] == str(files["bad.txt"])
    assert report["kind"] == "apology" and report["kind_source"] == "given"
    assert 0 <= report["score"] <= 100
    assert report["band"] in ("send-ready", "good", "needs work", "rewrite")
    assert set(report["elements"]) == {"apology", "ownership", "explanation", "impact",
                                       "remedy", "prevention", "next_update", "contact",
                                       "conditional"}
    assert report["elements"]["conditional"] == []  # a plain file has no branches
    assert report["syntax"] == "text" and report["variants"] == 1
    assert set(report["dimensions"]) == {"own", "deflect", "harm", "facts", "repair",
                                         "prevent", "comms", "tone"}
    assert {"words", "sentences", "flesch_reading_ease"} <= set(report["readability"])
    for f in report["findings"]:
        span = f["span"]
        assert BAD[span["start"]:span["end"]] == f["text"]
        assert {"line", "column", "end_line", "end_column"} <= set(span)
        assert f["severity"] in ("error", "warning", "info")
    for evidence in report["elements"]["apology"]:
        assert BAD[evidence["start"]:evidence["end"]] == evidence["text"]


def test_stdin(files: dict[str, Path]) -> None:
    result = run("-", "--format", "json", stdin=BAD.encode())
    assert result.returncode == 1
    assert json.loads(result.stdout)["files"][0]["path"] == "-"


@pytest.mark.parametrize(("name", "needle"), [
    ("empty.txt", "empty"), ("binary.bin", "binary"), ("latin1.txt", "UTF-8"),
])
def test_bad_input_is_one_line_and_exit_2(files: dict[str, Path], name: str, needle: str
                                          ) -> None:
    result = run(str(files[name]), str(files["bad.txt"]))
    err = result.stderr.decode()
    assert result.returncode == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "conditional-apology" in result.stdout.decode()  # the other file was still linted


def test_missing_file_and_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()
    assert run().returncode == 2
    assert run("--kind", "memo", "x.txt").returncode == 2


def test_colour_only_when_asked(files: dict[str, Path]) -> None:
    plain = run(str(files["bad.txt"])).stdout.decode()
    assert "\x1b[" not in plain  # not a TTY
    forced = run(str(files["bad.txt"]), "--color", "always").stdout.decode()
    assert "\x1b[" in forced
    env = {**os.environ, "NO_COLOR": "1"}
    assert "\x1b[" not in run(str(files["bad.txt"]), env=env).stdout.decode()


def test_input_files_are_not_modified(files: dict[str, Path]) -> None:
    before = files["bad.txt"].read_bytes()
    run(str(files["bad.txt"]))
    assert files["bad.txt"].read_bytes() == before


def test_help_teaches() -> None:
    result = run("--help")
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "exit codes" in out and "--fail-level" in out and "examples" in out


def test_list_rules_shows_every_rule_without_parsing() -> None:
    from apology_lint.resources import builtin_rules_dir
    from apology_lint.rulespec import load_rule_files

    result = run("--list-rules")
    assert result.returncode == 0
    out = result.stdout.decode()
    for rule in load_rule_files(builtin_rules_dir()):
        assert rule.id in out


def test_explain_shows_the_rule_data() -> None:
    result = run("--explain", "conditional-apology")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "C11" in out and "Sources:" in out and "We apologize if your service" in out
    assert out.startswith("# conditional-apology (C11)")


def test_explain_unknown_rule_suggests_the_nearest() -> None:
    result = run("--explain", "agentles-fault")
    assert result.returncode == 2
    assert "did you mean agentless-fault" in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_bad_timestamp_is_a_usage_error(files: dict[str, Path]) -> None:
    result = run("--sent-at", "yesterday", str(files["bad.txt"]))
    assert result.returncode == 2
    assert b"ISO 8601" in result.stderr


def test_templates_are_read_by_extension_and_syntax_flag(tmp_path: Path) -> None:
    template = "Hi {{ first_name }},\n{% if late %}\nWe will update you soon.\n{% endif %}\n"
    (tmp_path / "notice.txt.j2").write_text(template)
    (tmp_path / "notice.tpl").write_text(template)
    by_extension = json.loads(run("--format", "json", "--kind", "update",
                                  str(tmp_path / "notice.txt.j2")).stdout)["files"][0]
    assert by_extension["syntax"] == "jinja" and by_extension["variants"] == 2
    soon = [f for f in by_extension["findings"] if f["rule"] == "vague-timeline"]
    line = template.splitlines()[2]
    assert [(f["span"]["line"], f["span"]["column"]) for f in soon] == [
        (3, line.index("soon") + 1)]
    unknown = json.loads(run("--format", "json", "--kind", "update",
                             str(tmp_path / "notice.tpl")).stdout)["files"][0]
    assert unknown["syntax"] == "text"  # an unknown extension is plain text…
    forced = json.loads(run("--format", "json", "--kind", "update", "--syntax", "jinja",
                            str(tmp_path / "notice.tpl")).stdout)["files"][0]
    assert forced["syntax"] == "jinja"  # …unless --syntax says otherwise
    assert forced["findings"] == by_extension["findings"]


def test_broken_template_fails_and_other_files_are_still_linted(
        tmp_path: Path, files: dict[str, Path]) -> None:
    broken = tmp_path / "broken.hbs"
    broken.write_text("We're sorry.\n{{#if refund}}We refunded your $40 charge.\n")
    result = run(str(broken), str(files["good.txt"]))
    out = result.stdout.decode()
    assert result.returncode == 1
    assert f"{broken}:2:1: error template-syntax" in out
    assert "good.txt:" in out and result.stderr == b""


def test_text_output_points_into_the_template(tmp_path: Path) -> None:
    path = tmp_path / "apology.html.hbs"
    second = "<p>We apologize for any inconvenience.</p>"
    path.write_text("<p>Hi {{name}},</p>\n" + second + "\n")
    out = run("--kind", "apology", str(path)).stdout.decode()
    column = second.index("any inconvenience") + 1
    assert f"{path}:2:{column}: warning inconvenience-euphemism" in out
    assert "    2 | <p>We apologize for any inconvenience.</p>" in out
