"""Rule packs: a user's rules are listed and explained like the built-in ones, the library
checks rule ids as the command line does, and docs/library.md's example works as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from apology_lint import Linter, RuleError
from apology_lint.config import ConfigError
from apology_lint.rulespec import load_rule_packs

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Your own rules: a rule pack"


def library_doc() -> str:
    return (ROOT / "docs" / "library.md").read_text(encoding="utf-8")


def fenced(text: str, info: str) -> list[str]:
    return re.findall(rf"^```{info}\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)


def write_documented_pack(folder: Path) -> Path:
    """The rule from docs/library.md, saved where the doc says: returns the pack folder."""
    doc = library_doc()
    section = doc[doc.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    saved_as = re.search(r"saved as\s+`([^`]+\.yaml)`", section)
    assert saved_as, "the doc says where to save the rule"
    path = folder / saved_as.group(1)
    path.parent.mkdir(parents=True)
    path.write_text(fenced(section, "yaml")[0], encoding="utf-8")
    return path.parent


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apology_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180)


def test_the_documented_examples_run_as_written(tmp_path: Path) -> None:
    write_documented_pack(tmp_path)
    examples = [code for code in fenced(library_doc(), "python") if "rule_packs" in code]
    assert len(examples) == 2
    for code in examples:
        # What the example says it prints: its whole-line comments after the code.
        shown = [line[2:] for line in code.splitlines() if line.startswith("# ")]
        (tmp_path / "example.py").write_text(code, encoding="utf-8")
        run = subprocess.run([sys.executable, "example.py"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, code + run.stderr
        assert run.stdout.splitlines() == shown, code


def test_list_rules_and_explain_show_the_packs_of_the_configuration(tmp_path: Path) -> None:
    pack = write_documented_pack(tmp_path)
    rel = pack.relative_to(tmp_path).as_posix()
    (tmp_path / ".apology-lint.toml").write_text(f'rule-packs = ["{rel}"]\n')
    listed = cli("--list-rules", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines()
               if line.startswith("no-thanks-for-patience "))
    assert rel in row and "C99" in row
    assert re.search(r"^jargon .* built-in ", listed.stdout, re.MULTILINE)
    assert f"(1 from rule packs: {rel})" in listed.stdout

    explained = cli("--explain", "no-thanks-for-patience", cwd=tmp_path)
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("# no-thanks-for-patience (C99)")
    assert f"- rule pack: {rel}\n" in explained.stdout
    assert "rule pack" not in cli("--explain", "jargon", cwd=tmp_path).stdout

    # From a folder below, the same configuration applies (the nearest one above).
    below = tmp_path / "templates" / "emails"
    below.mkdir(parents=True)
    assert "no-thanks-for-patience" in cli("--list-rules", cwd=below).stdout

    # --isolated ignores the configuration; --config names one from anywhere.
    isolated = cli("--isolated", "--explain", "no-thanks-for-patience", cwd=tmp_path)
    assert isolated.returncode == 2 and "unknown rule" in isolated.stderr
    assert "no-thanks-for-patience" not in cli("--isolated", "--list-rules",
                                               cwd=tmp_path).stdout
    elsewhere = tmp_path.parent
    forced = cli("--config", str(tmp_path / ".apology-lint.toml"), "--explain",
                 "no-thanks-for-patience", cwd=elsewhere)
    assert forced.returncode == 0, forced.stderr
    assert "- rule pack: " in forced.stdout


def test_a_configuration_error_stops_list_rules(tmp_path: Path) -> None:
    (tmp_path / ".apology-lint.toml").write_text('rule-packs = ["missing"]\n')
    result = cli("--list-rules", cwd=tmp_path)
    assert result.returncode == 2
    assert "missing: rule pack folder not found" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_an_unknown_id_in_the_configuration_is_matched_against_pack_rules(
        tmp_path: Path) -> None:
    write_documented_pack(tmp_path)
    (tmp_path / ".apology-lint.toml").write_text(
        'rule-packs = ["lint/apology-rules"]\nignore = ["no-thanks-for-patiense"]\n')
    (tmp_path / "a.txt").write_text("Thanks for your patience.\n")
    result = cli("a.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert (".apology-lint.toml:2: ignore: unknown rule id 'no-thanks-for-patiense' "
            "(did you mean 'no-thanks-for-patience'?)") in result.stderr


@pytest.mark.parametrize(("arguments", "expected"), [
    ({"ignore": ["no-folow-up"]},
     "ignore: unknown rule id 'no-folow-up' (did you mean 'no-follow-up'?); "
     "apology-lint --list-rules lists them"),
    ({"select": iter(["jargn"])}, "select: unknown rule id 'jargn' (did you mean 'jargon'?)"),
    ({"severity": {"jargn": "warning"}},
     "severity.jargn: unknown rule id 'jargn' (did you mean 'jargon'?)"),
    ({"severity": {"jargon": "loud"}},
     'severity.jargon: "loud" is not a severity; use one of error, warning, info'),
    ({"severity": {"jargon": "off"}}, 'ignore=["jargon"] turns it off'),
])
def test_the_library_rejects_unknown_rule_ids(arguments: dict[str, object],
                                              expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        Linter(**arguments)  # type: ignore[arg-type]
    assert expected in str(error.value)


def test_the_library_knows_pack_rules(tmp_path: Path) -> None:
    pack = write_documented_pack(tmp_path)
    linter = Linter(rule_packs=[pack], severity={"no-thanks-for-patience": "error"},
                    select=iter(["no-thanks-for-patience", "jargon"]))
    report = linter.lint("Thanks for your patience.", kind="apology")
    assert [(f.rule, f.severity) for f in report.findings] == [
        ("no-thanks-for-patience", "error")]


def test_pack_files_that_would_be_skipped_or_clash_are_errors(tmp_path: Path) -> None:
    pack = write_documented_pack(tmp_path)
    rule = pack / "no-thanks-for-patience.yaml"
    other = tmp_path / "other-pack"
    other.mkdir()
    (other / rule.name).write_text(rule.read_text())
    with pytest.raises(RuleError, match="is also a rule of the pack"):
        load_rule_packs([pack, other], set())
    with pytest.raises(RuleError, match="is a built-in rule"):
        load_rule_packs([pack], {"no-thanks-for-patience"})
    rule.rename(pack / "thanks.yaml")
    with pytest.raises(RuleError, match=r"rename the file to no-thanks-for-patience\.yaml"):
        load_rule_packs([pack], set())
    (pack / "thanks.yaml").rename(pack / "no-thanks-for-patience.yml")
    with pytest.raises(RuleError, match=r"rule files end in \.yaml; rename it to "
                                        r"no-thanks-for-patience\.yaml"):
        load_rule_packs([pack], set())
