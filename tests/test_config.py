"""Configuration discovery and validation, whole trees, and the gates, through the same
runner the command line uses (and the command line itself for exit codes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from apology_lint.config import ConfigError, Finder, load, matches
from apology_lint.runner import FileResult, Options, run

BAD = "We apologize for any inconvenience. We will update you soon.\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apology_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180)


def rules_for(result_files: list[FileResult], name: str) -> set[str]:
    report = next(f.report for f in result_files if f.path.endswith(name))
    return {f.rule for f in report.findings}


def test_nearest_configuration_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.apology-lint]\nignore = ["vague-timeline"]\n')
    write(tmp_path / "team" / ".apology-lint.toml", 'ignore = ["inconvenience-euphemism"]\n')
    write(tmp_path / "a.txt", BAD)
    write(tmp_path / "team" / "b.txt", BAD)
    result = run(Options(paths=[str(tmp_path)], kind="apology"))
    assert "vague-timeline" not in rules_for(result.files, "a.txt")
    assert "inconvenience-euphemism" in rules_for(result.files, "a.txt")
    assert "inconvenience-euphemism" not in rules_for(result.files, "b.txt")
    assert "vague-timeline" in rules_for(result.files, "b.txt")  # nearest only, not merged


def test_forced_and_isolated(tmp_path: Path) -> None:
    write(tmp_path / ".apology-lint.toml", 'ignore = ["vague-timeline"]\n')
    other = write(tmp_path / "elsewhere.toml", 'select = ["vague-timeline"]\n')
    write(tmp_path / "a.txt", BAD)
    forced = run(Options(paths=[str(tmp_path / "a.txt")], kind="apology", config=other))
    assert rules_for(forced.files, "a.txt") == {"vague-timeline"}
    isolated = run(Options(paths=[str(tmp_path / "a.txt")], kind="apology", isolated=True))
    assert "vague-timeline" in rules_for(isolated.files, "a.txt")
    assert "inconvenience-euphemism" in rules_for(isolated.files, "a.txt")


def test_pyproject_without_our_section_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.apology-lint]\nignore = ["vague-timeline"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')  # not ours
    finder = Finder()
    assert finder.for_file(tmp_path / "sub" / "a.txt").path == tmp_path / "pyproject.toml"


def test_kind_severity_lexicons_and_min_score(tmp_path: Path) -> None:
    write(tmp_path / ".apology-lint.toml", """\
min-score = 101
company = ["Tallyframe"]
[severity]
vague-timeline = "info"
inconvenience-euphemism = "off"
[kinds]
"status/**" = "update"
""".replace("101", "90"))
    write(tmp_path / "status" / "s.txt", BAD)
    write(tmp_path / "mail" / "m.txt", BAD)
    result = run(Options(paths=[str(tmp_path)]))
    status = next(f for f in result.files if f.path.endswith("s.txt"))
    assert status.report.kind == "update"
    timeline = [f for f in status.report.findings if f.rule == "vague-timeline"]
    assert [f.severity for f in timeline] == ["info"]
    assert "inconvenience-euphemism" not in {f.rule for f in status.report.findings}
    assert status.min_score == 90 and status.fails()  # the score gate


def test_rule_pack_adds_a_rule(tmp_path: Path) -> None:
    pack = tmp_path / "our-rules"
    write(pack / "no-thanks-for-patience.yaml", """\
id: no-thanks-for-patience
catalog: C99
title: Thanking for patience the client did not choose
dimension: tone
severity: {apology: warning}
message: Do not thank the client for patience.
suggestion: Say sorry for the wait instead.
rationale: {text: House style., sources: [our style guide]}
examples:
  bad: [Thanks for your patience., Thank you for your patience., Thanks for your patience!]
  good: [We're sorry for the wait., We're sorry., Sorry for the delay.]
detectors:
  - {type: lexical, patterns: ['\\bthanks?\\s+(?:you\\s+)?for\\s+your\\s+patience\\b']}
""")
    write(tmp_path / ".apology-lint.toml", 'rule-packs = ["our-rules"]\n')
    write(tmp_path / "a.txt", "Thanks for your patience.\n")
    result = run(Options(paths=[str(tmp_path / "a.txt")], kind="apology"))
    assert "no-thanks-for-patience" in rules_for(result.files, "a.txt")
    assert "no-thanks-for-patience" in {r.id for r in result.rules}


SEVERITIES = "use one of error, warning, info"


# Each error: file:line: key as written: what is wrong; what to write instead.
@pytest.mark.parametrize(("content", "expected"), [
    # an unknown key, with the nearest one
    ('fail-levle = "warning"\n', "1: unknown key 'fail-levle' (did you mean 'fail-level'?); "
     "allowed: allow-acronyms, company, exclude, extend-exclude, extend-select, fail-level, "
     "force-exclude, ignore, kinds, lexicons, min-score, pipeline, products, "
     "respect-gitignore, rule-packs, select, severity, vendors"),
    ('[severty]\njargon = "info"\n', "1: unknown key 'severty' (did you mean 'severity'?)"),
    # a value that is not one of the choices, every choice listed ("off" included)
    ('\n\nfail-level = "loud"\n', f'3: fail-level: "loud" is not a severity; {SEVERITIES}'),
    ('[severity]\nminimizer = "off"\njargon = "loud"\n',
     f'3: severity.jargon: "loud" is not a severity; {SEVERITIES}, off'),
    ('severity = { jargon = "loud" }\n',
     f'1: severity.jargon: "loud" is not a severity; {SEVERITIES}, off'),
    ('[kinds]\n"status/**" = "update"\n"mail/**" = "notice"\n',
     '3: kinds."mail/**": "notice" is not a message kind; '
     "use one of apology, update, resolution"),
    # a number out of range, or written as a string (never converted)
    ("min-score = 140\n", "1: min-score: 140 is out of range; "
     "use a whole number from 0 to 100, without quotes"),
    ('min-score = "60"\n', '1: min-score: "60" is a string; '
     "use a whole number from 0 to 100, without quotes"),
    ("min-score = 60.5\n", "1: min-score: 60.5 is a decimal number; use a whole number"),
    # the wrong type
    ('select = "vague-timeline"\n', '1: select: "vague-timeline" is a string; use a list of '
     'rule ids in quotes, e.g. ["vague-timeline"]'),
    ('ignore = [\n  "jargon",\n  3,\n]\n', "1: ignore: 3 is a number; use a list of rule ids"),
    ('force-exclude = "yes"\n', '1: force-exclude: "yes" is a string; use true or false'),
    ("fail-level = 2\n", f"1: fail-level: 2 is a number; {SEVERITIES}"),
    ('severity = "warning"\n', '1: severity: "warning" is a string; use a table of rule id '
     '= severity, e.g. {jargon = "warning"}'),
    # checks of their own
    ('[kinds]\n"/srv/mail/**" = "update"\n', '2: kinds."/srv/mail/**": the glob is absolute; '
     "write it relative to the configuration file's folder"),
    ("[lexicons]\ntyme_expressions = ['\\bEOD\\b']\n", "2: lexicons.tyme_expressions: "
     "unknown lexicon 'tyme_expressions' (did you mean 'time_expressions'?)"),
    # the key as the user spelled it
    ('fail_level = "loud"\n', '1: fail_level: "loud" is not a severity'),
    ("select = [\n", " invalid TOML"),
])
def test_bad_configuration_names_file_line_and_key(
        tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path / ".apology-lint.toml", content)
    with pytest.raises(ConfigError) as error:
        load(path)
    message = str(error.value)
    assert message.startswith(f"{path.resolve()}:{expected}"), message
    assert "\n" not in message and "Input should" not in message


def test_errors_in_pyproject_name_our_key_not_another_tools(tmp_path: Path) -> None:
    # ruff's select/ignore/severity come first: the line is that of ours.
    path = write(tmp_path / "pyproject.toml", """\
[project]
name = "site"

[tool.ruff]
select = ["E"]
ignore = ["E501"]

[tool.apology-lint]
fail-level = "warning"
ignore = ["jargon"]
min-score = "60"

[tool.apology-lint.severity]
jargon = "loud"
""")
    with pytest.raises(ConfigError) as error:
        load(path)
    # The first problem in the file is reported.
    assert str(error.value) == (f'{path.resolve()}:11: min-score: "60" is a string; '
                                "use a whole number from 0 to 100, without quotes")
    path.write_text(path.read_text().replace('"60"', "60"))
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(error.value) == (f'{path.resolve()}:14: severity.jargon: "loud" is not a '
                                "severity; use one of error, warning, info, off")


def test_every_key_says_what_to_write() -> None:
    from apology_lint.config import _USE, Settings

    keys = {field.alias or name for name, field in Settings.model_fields.items()}
    assert keys == set(_USE)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("pyproject.toml", '[tool.ruff]\nignore = ["E501"]\n\n[tool.apology-lint]\n'
     'fail-level = "info"\nignore = [\n  "jargon",\n  "vague-timelines",\n]\n',
     "8: ignore: unknown rule id 'vague-timelines' (did you mean 'vague-timeline'?)"),
    (".apology-lint.toml", 'ignore = ["jargon"]\n[severity]\nminimizer = "off"\njargn = "info"\n',
     "4: severity.jargn: unknown rule id 'jargn' (did you mean 'jargon'?)"),
    (".apology-lint.toml", 'extend_select = ["jargn"]\n',
     "1: extend_select: unknown rule id 'jargn' (did you mean 'jargon'?)"),
])
def test_unknown_rule_ids_name_their_own_line(tmp_path: Path, name: str, content: str,
                                              expected: str) -> None:
    path = write(tmp_path / name, content)
    write(tmp_path / "a.txt", BAD)
    with pytest.raises(ConfigError) as error:
        run(Options(paths=[str(tmp_path / "a.txt")], kind="apology"))
    assert str(error.value) == (f"{path.resolve()}:{expected}; "
                                "apology-lint --list-rules lists them")


def test_configuration_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    write(tmp_path / ".apology-lint.toml", 'ignore = ["vague-timelines"]\n')
    write(tmp_path / "a.txt", BAD)
    result = cli(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert ".apology-lint.toml:1: ignore: unknown rule id 'vague-timelines' (did you mean " \
           "'vague-timeline'?)" in result.stderr
    (tmp_path / ".apology-lint.toml").unlink()
    flag = cli("--ignore", "nope", "a.txt", cwd=tmp_path)
    assert flag.returncode == 2 and "--ignore: unknown rule id 'nope'" in flag.stderr


def test_tree_walk_respects_exclude_gitignore_and_extensions(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "generated/\n*.draft.txt\n")
    write(tmp_path / ".apology-lint.toml", 'extend-exclude = ["archive/**"]\n')
    for name in ("mail/a.txt", "mail/b.html.j2", "mail/c.hbs", "mail/skip.py",
                 "mail/x.draft.txt", "generated/g.txt", "archive/old.txt", "README.md",
                 "node_modules/pkg/readme.txt"):
        write(tmp_path / name, BAD)
    result = run(Options(paths=[str(tmp_path)], kind="apology"))
    linted = sorted(Path(f.path).relative_to(tmp_path).as_posix() for f in result.files)
    assert linted == ["mail/a.txt", "mail/b.html.j2", "mail/c.hbs"]


def test_explicit_files_are_linted_unless_force_exclude(tmp_path: Path) -> None:
    write(tmp_path / ".apology-lint.toml", 'extend-exclude = ["drafts/**"]\n')
    draft = write(tmp_path / "drafts" / "d.txt", BAD)
    assert len(run(Options(paths=[str(draft)], kind="apology")).files) == 1
    assert run(Options(paths=[str(draft)], kind="apology", force_exclude=True)).files == []


def test_globs_and_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path / "t" / "a.txt.j2", BAD)
    write(tmp_path / "t" / "sub" / "b.txt.j2", BAD)
    (tmp_path / "t" / "sub" / "loop").symlink_to(tmp_path / "t", target_is_directory=True)
    result = run(Options(paths=[str(tmp_path / "t" / "**" / "*.j2")], kind="apology"))
    assert sorted(Path(f.path).name for f in result.files) == ["a.txt.j2", "b.txt.j2"]


def test_jobs_give_the_same_reports_in_the_same_order(tmp_path: Path) -> None:
    for i in range(24):
        write(tmp_path / f"m{i:02}.txt", BAD if i % 2 else "We're sorry we lost your data.\n")
    one = run(Options(paths=[str(tmp_path)], kind="apology"))
    two = run(Options(paths=[str(tmp_path)], kind="apology", jobs=2))
    assert [f.report.model_dump_json() for f in one.files] == \
        [f.report.model_dump_json() for f in two.files]


def test_glob_matching() -> None:
    from pathlib import PurePosixPath as P
    assert matches(P("templates/status/a/b.j2"), "templates/status/**")
    assert matches(P("templates/status.j2"), "templates/*.j2")
    assert not matches(P("templates/x/status.j2"), "templates/*.j2")
    assert matches(P("a/README.md"), "README*")


def test_show_config_and_exit_codes(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.apology-lint]\nfail-level = "warning"\n')
    write(tmp_path / "a.txt", "We're sorry: we double-charged you. We refunded $40 today.\n")
    shown = cli("--show-config", "a.txt", cwd=tmp_path)
    assert shown.returncode == 0
    assert 'fail-level = "warning"' in shown.stdout and "pyproject.toml" in shown.stdout
    strict = cli("--kind", "apology", "a.txt", cwd=tmp_path)
    lenient = cli("--kind", "apology", "--fail-level", "error", "a.txt", cwd=tmp_path)
    assert (strict.returncode, lenient.returncode) == (1, 0)
    assert cli("--kind", "apology", "--fail-level", "error", "--min-score", "100", "a.txt",
               cwd=tmp_path).returncode == 1
    stats = cli("--kind", "apology", "--statistics", "a.txt", cwd=tmp_path)
    assert "no-prevention-commitment" in stats.stdout and "|" not in stats.stdout


def test_a_repository_fails_on_a_bad_template_and_passes_once_fixed(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", """\
[tool.apology-lint]
fail-level = "error"
[tool.apology-lint.kinds]
"templates/apology/**" = "apology"
""")
    template = write(tmp_path / "templates" / "apology" / "billing.txt.j2",
                     "Hi {{ first_name }},\n\nWe apologize for any inconvenience.\n")
    failing = cli("templates", cwd=tmp_path)
    assert failing.returncode == 1
    assert "templates/apology/billing.txt.j2:3:" in failing.stdout
    template.write_text(
        "Hi {{ first_name }},\n\nWe're sorry: on {{ charge_date }} we charged your card twice "
        "because of a bug in our billing job, and your team had to chase the duplicate "
        "payment. We've refunded {{ refund_amount }} today; it reaches your card within 3 "
        "business days. The billing job now checks for an earlier payment before it charges, "
        "so a rerun can't charge twice again.\n\nReply to this email or call me on "
        "+1 555 010 0100.\n\nMaria Lopez\nHead of Billing Support\n")
    passing = cli("templates", cwd=tmp_path)
    assert passing.returncode == 0, passing.stdout
