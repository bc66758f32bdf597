"""``apology-lint audit``: the streaming audit of an archive, its exactly mergeable
aggregates, its outputs and its report. Fixtures are project-written incidents in
``tests/data/audit/`` (never the shared corpora)."""

from __future__ import annotations

import copy
import csv
import io
import json
import pickle
import re
import statistics
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apology_lint import Linter
from apology_lint.audit import (
    AuditAggregate,
    AuditError,
    AuditProgress,
    MessageRow,
    aggregate_rows,
    audit,
    parse_group_by,
    quarter_of,
)
from apology_lint.audit.aggregate import KindStats
from apology_lint.audit.command import main
from apology_lint.audit.source import IncidentSource, SourcedIncident

DATA = Path(__file__).resolve().parent / "data" / "audit"
GOOD = DATA / "good"
BAD = DATA / "bad"
UTC = timezone.utc
# What the good fixtures hold: incidents and messages.
GOOD_INCIDENTS = 9
GOOD_MESSAGES = 24


def _rows(folder: Path) -> list[MessageRow]:
    text = (folder / "messages.jsonl").read_text(encoding="utf-8")
    return [MessageRow.model_validate_json(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def audited(linter: Linter, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "out"
    summary = audit([GOOD], "provider,quarter", out, linter=linter)
    assert summary.error_count == 0 and summary.messages == GOOD_MESSAGES
    # Boilerplate ("This incident has been resolved.") is linted once per kind.
    assert summary.linted < summary.messages
    return out


# --- outputs ---------------------------------------------------------------------------


def test_outputs_exist_and_agree_with_each_other(audited: Path) -> None:
    names = sorted(p.name for p in audited.iterdir())
    assert names == ["aggregates.csv", "aggregates.json", "messages.jsonl", "report.html"]
    rows = _rows(audited)
    document = json.loads((audited / "aggregates.json").read_text(encoding="utf-8"))
    total = document["total"]
    assert len(rows) == total["messages"] == GOOD_MESSAGES
    assert len({(r.file, r.incident) for r in rows}) == total["incidents"] == GOOD_INCIDENTS
    assert sum(g["messages"] for g in document["groups"]) == total["messages"]
    for kind, summary in total["kinds"].items():
        assert sum(summary["histogram"]) == summary["messages"] == sum(
            1 for r in rows if r.kind == kind)
        assert summary["mean_score"] == round(
            statistics.fmean(r.score for r in rows if r.kind == kind), 2)
        assert summary["median_score"] == statistics.median(
            r.score for r in rows if r.kind == kind)
    # Every rule rate is the count of messages.jsonl lines with the rule.
    for rate in total["message_rules"]:
        assert rate["messages"] == sum(rate["rule"] in r.rules for r in rows)
    for rate in total["thread_rules"]:
        assert rate["messages"] == sum(rate["rule"] in r.thread_rules for r in rows)
    # The aggregate is a pure function of messages.jsonl.
    rebuilt = aggregate_rows(rows, parse_group_by("provider,quarter")).document()
    assert json.loads(rebuilt.model_dump_json()) == document

    table = list(csv.DictReader(io.StringIO(
        (audited / "aggregates.csv").read_text(encoding="utf-8"))))
    assert table[0]["level"] == "total" and int(table[0]["messages"]) == GOOD_MESSAGES
    groups = [r for r in table if r["level"] == "group"]
    assert len(groups) == len(document["groups"])
    assert sum(int(r["messages"]) for r in groups) == GOOD_MESSAGES


def test_message_rows_carry_what_the_issue_asks(audited: Path) -> None:
    rows = {(r.incident, r.index): r for r in _rows(audited)}
    assert {r.provider for r in rows.values()} == {
        "northwind", "contoso", "github", "initech", "umbrella-outage"}
    first = rows[("nw-1", 0)]
    assert first.kind == "update" and first.status == "investigating"
    assert first.quarter == "2024Q2" and first.next_update_promise
    assert rows[("nw-1", 2)].kind == "resolution"
    # The second promise of nw-1 was due at 10:55 and the next post came at 11:30.
    assert "broken-update-promise" in rows[("nw-1", 1)].thread_rules
    assert "broken-update-promise" not in rows[("nw-1", 0)].thread_rules
    assert all(0 <= r.score <= 100 and r.band for r in rows.values())
    assert any(r.elements for r in rows.values()) and any(r.rules for r in rows.values())
    # Statuspage JSON lists updates newest first; the rows are oldest first.
    assert [rows[("in-7", i)].status for i in range(3)] == [
        "investigating", "identified", "resolved"]


def test_promises_delays_and_incidents_across_quarters(audited: Path) -> None:
    document = json.loads((audited / "aggregates.json").read_text(encoding="utf-8"))
    total = document["total"]
    rows = _rows(audited)
    promises = [r for r in rows if r.next_update_promise]
    broken = [r for r in promises if "broken-update-promise" in r.thread_rules]
    assert total["promises"] == len(promises) >= 3 and total["broken_promises"] == len(broken)
    assert total["promise_kept_rate"] == round(1 - len(broken) / len(promises), 4)
    # Known starts: GitHub (20 and 3 minutes), initech (15), umbrella (15); minutes.
    delay = total["first_response"]
    assert delay["incidents"] == 4
    assert delay["median_minutes"] == 15 and delay["min_minutes"] == 3
    assert delay["max_minutes"] == 20 and delay["mean_minutes"] == 13.25
    # nw-3 runs from 2024Q3 into 2024Q4: one incident, counted in both quarters.
    quarters = {g["key"]["quarter"]: g for g in document["by_dimension"]["quarter"]}
    assert quarters["2024Q3"]["incidents"] == 2 and quarters["2024Q4"]["incidents"] == 3
    providers = {g["key"]["provider"]: g for g in document["by_dimension"]["provider"]}
    assert providers["northwind"]["incidents"] == 3
    assert sum(g["incidents"] for g in providers.values()) == GOOD_INCIDENTS


# --- merging ---------------------------------------------------------------------------


def _split_by_incident(rows: list[MessageRow], parts: int) -> list[list[MessageRow]]:
    incidents: list[list[MessageRow]] = []
    for row in rows:
        if row.index == 0:
            incidents.append([])
        incidents[-1].append(row)
    return [[r for incident in incidents[i::parts] for r in incident] for i in range(parts)]


def test_merge_of_two_halves_equals_the_whole(audited: Path) -> None:
    rows = _rows(audited)
    dims = parse_group_by("provider,quarter")
    whole = aggregate_rows(rows, dims)
    first, second = (aggregate_rows(part, dims) for part in _split_by_incident(rows, 2))
    before = copy.deepcopy(first)
    assert first.merge(second) == whole == second.merge(first)
    assert first == before  # merge makes a new aggregate
    assert first.merge(second).document() == whole.document()
    # Dask sends aggregates between processes by pickle.
    assert pickle.loads(pickle.dumps(whole)) == whole


def test_merge_is_associative(audited: Path) -> None:
    rows = _rows(audited)
    dims = parse_group_by("quarter,kind")
    a, b, c = (aggregate_rows(part, dims) for part in _split_by_incident(rows, 3))
    whole = aggregate_rows(rows, dims)
    assert a.merge(b).merge(c) == a.merge(b.merge(c)) == c.merge(a).merge(b) == whole
    empty = AuditAggregate(dims)
    assert empty.merge(whole) == whole == whole.merge(empty)


def test_merge_refuses_different_groupings() -> None:
    with pytest.raises(ValueError, match="cannot merge"):
        AuditAggregate(("provider",)).merge(AuditAggregate(("quarter",)))


_ELEMENTS = ["apology", "ownership", "explanation", "impact", "remedy", "next_update"]


@st.composite
def _incident(draw: Any, number: int) -> list[MessageRow]:
    size = draw(st.integers(1, 4))
    start = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(0, 60 * 24 * 800)))
    started = draw(st.one_of(st.none(), st.integers(0, 600)))
    rows = []
    for index in range(size):
        status = draw(st.sampled_from(["investigating", "update", "resolved"]))
        rows.append(MessageRow(
            provider=draw(st.sampled_from(["a", "b", "c"])), file="f.jsonl",
            incident=f"i{number}", impact=draw(st.sampled_from([None, "minor", "maintenance"])),
            started_at=None if started is None else start - timedelta(seconds=started),
            index=index, ts=start + timedelta(minutes=37 * index), status=status,
            kind="resolution" if status == "resolved" else "update",
            score=draw(st.integers(0, 100)), band="rewrite",
            elements=draw(st.lists(st.sampled_from(_ELEMENTS), unique=True, max_size=3)),
            rules=draw(st.lists(st.sampled_from(["r1", "r2", "r3"]), unique=True)),
            findings=0,
            thread_rules=draw(st.lists(st.sampled_from(["broken-update-promise", "t2"]),
                                       unique=True)),
            next_update_promise=draw(st.booleans())))
    return rows


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=1, max_size=12).flatmap(
    lambda owners: st.tuples(st.just(owners),
                             st.tuples(*(_incident(n) for n in range(len(owners)))))),
       st.sampled_from(["provider", "provider,quarter", "kind,year", "quarter"]))
def test_any_partition_merges_to_the_single_process_aggregate(
        drawn: tuple[list[int], tuple[list[MessageRow], ...]], group_by: str) -> None:
    owners, incidents = drawn
    dims = parse_group_by(group_by)
    whole = aggregate_rows([r for rows in incidents for r in rows], dims)
    parts = [aggregate_rows([r for o, rows in zip(owners, incidents, strict=True) if o == p
                             for r in rows], dims) for p in range(3)]
    assert parts[0].merge(parts[1]).merge(parts[2]) == whole
    assert parts[2].merge(parts[0].merge(parts[1])) == whole
    assert (parts[0].merge(parts[1]).merge(parts[2]).document().model_dump_json()
            == whole.document().model_dump_json())


def test_quantiles_are_exact() -> None:
    stats = KindStats()
    scores = [3, 17, 17, 40, 41, 99, 100, 100]
    for score in scores:
        stats.scores[score] += 1
        stats.messages += 1
    assert stats.quantile(0.5) == statistics.median(scores)
    assert stats.quantile(0.25) == statistics.quantiles(scores, n=4, method="inclusive")[0]
    assert stats.quantile(0.9) == round(statistics.quantiles(scores, n=10,
                                                             method="inclusive")[8], 2)
    assert KindStats().quantile(0.5) is None


def test_quarter_is_the_utc_calendar_quarter() -> None:
    assert quarter_of(datetime(2024, 9, 30, 23, 30, tzinfo=UTC)) == "2024Q3"
    late = datetime(2024, 9, 30, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert quarter_of(late) == "2024Q4"


# --- group-by ----------------------------------------------------------------------------


@pytest.mark.parametrize(("group_by", "keys"), [
    ("provider", {("contoso",), ("github",), ("initech",), ("northwind",),
                  ("umbrella-outage",)}),
    ("kind", {("update",), ("resolution",)}),
    ("year,provider", {("2024", "northwind"), ("2024", "contoso"), ("2025", "contoso"),
                       ("2025", "github"), ("2024", "initech"), ("2025", "umbrella-outage")}),
])
def test_group_by(audited: Path, group_by: str, keys: set[tuple[str, ...]]) -> None:
    aggregate = aggregate_rows(_rows(audited), parse_group_by(group_by))
    assert set(aggregate.groups) == keys
    assert sum(g.messages for g in aggregate.groups.values()) == GOOD_MESSAGES


def test_group_by_file_and_on_disk(linter: Linter, tmp_path: Path) -> None:
    summary = audit([GOOD / "statuspages.jsonl", GOOD / "github.jsonl"], ["file", "kind"],
                    tmp_path / "out", linter=linter)
    document = json.loads((tmp_path / "out" / "aggregates.json").read_text(encoding="utf-8"))
    assert document["group_by"] == ["file", "kind"]
    files = {g["key"]["file"] for g in document["groups"]}
    assert files == {str(GOOD / "statuspages.jsonl"), str(GOOD / "github.jsonl")}
    assert summary.messages == 13 + 5


@pytest.mark.parametrize("bad", ["", "team", "provider,provider", "provider,,nope"])
def test_bad_group_by_is_a_usage_error(bad: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError):
        parse_group_by(bad)
    with pytest.raises(SystemExit) as exited:
        main([str(GOOD), "--out", str(tmp_path / "o"), "--group-by", bad])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("apology-lint: error:") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


# --- bad input and the command -----------------------------------------------------------


def test_bad_input_is_one_line_each_and_the_rest_is_audited(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main([str(GOOD), str(BAD), str(DATA / "missing.jsonl"), "--out", str(out),
                 "--group-by", "provider"])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.splitlines()
    assert all(line.startswith("apology-lint: error: ") for line in lines)
    assert "Traceback" not in captured.err
    problems = ["missing.jsonl: no such file", "broken.json: malformed JSON",
                "mixed.jsonl:2: malformed JSON", "incident gx-2: no timestamps",
                "incident gx-3: updates are not in time order",
                "incident unsorted-messages: updates are not in time order"]
    assert len(lines) == len(problems)
    for problem in problems:
        assert any(problem in line for line in lines), problem
    rows = _rows(out)
    assert {r.incident for r in rows if r.provider == "globex"} == {"gx-1", "gx-4"}
    assert len(rows) == GOOD_MESSAGES + 4
    document = json.loads((out / "aggregates.json").read_text(encoding="utf-8"))
    assert document["input_errors"] == len(problems)
    assert "audited 28 messages" in captured.out


def test_nothing_to_audit_is_exit_2_and_leaves_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main([str(BAD / "broken.json"), str(tmp_path / "none.jsonl"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[-1].startswith("apology-lint: error: nothing to audit")
    assert len(err.splitlines()) == 3
    assert not out.exists()


def test_an_empty_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    assert main([str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert "no incident files" in capsys.readouterr().err


def test_a_folder_that_is_not_empty_needs_force(
        linter: Linter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main([str(GOOD / "github.jsonl"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    (out / "report.html").write_text("old", encoding="utf-8")
    summary = audit([GOOD / "github.jsonl"], "provider", out, linter=linter, force=True)
    assert summary.messages == 5
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert not [p for p in out.iterdir() if p.name.endswith(".partial")]
    with pytest.raises(AuditError, match="not empty"):
        audit([GOOD / "github.jsonl"], "provider", out, linter=linter)
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(AuditError, match="not a folder"):
        audit([GOOD / "github.jsonl"], "provider", tmp_path / "file", linter=linter, force=True)


def test_no_progress_bar_off_a_terminal_and_quiet_is_quiet(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(GOOD / "github.jsonl"), "--out", str(tmp_path / "a"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert main([str(GOOD / "github.jsonl"), "--out", str(tmp_path / "b")]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "\r" not in captured.out
    assert captured.out.startswith("audited 5 messages in 2 incidents")


def test_progress_callback_reaches_the_end(linter: Linter, tmp_path: Path) -> None:
    seen: list[AuditProgress] = []
    audit([GOOD], "provider", tmp_path / "out", linter=linter, progress=seen.append)
    assert seen[-1].bytes_done == seen[-1].bytes_total > 0
    assert seen[-1].messages == GOOD_MESSAGES
    assert [p.messages for p in seen] == sorted(p.messages for p in seen)


def test_help_explains_the_folder_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "is not empty it is used only with --force" in text
    assert "Parquet" in text


def test_the_source_streams_jsonl_one_record_at_a_time(tmp_path: Path) -> None:
    """A JSONL corpus is read line by line: the reader never holds the file."""
    source = IncidentSource([GOOD / "statuspages.jsonl"])
    seen = []
    for item in source:
        assert isinstance(item, SourcedIncident)
        seen.append(source.bytes_done)
    # Progress moves within the file, line by line, instead of jumping at its end.
    assert seen == sorted(seen) and len(set(seen)) == len(seen) == 5
    assert seen[0] < source.bytes_total


# --- the report --------------------------------------------------------------------------


def test_the_report_is_self_contained_with_an_svg_and_a_table_per_plot(audited: Path) -> None:
    page = (audited / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert not re.search(r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "http" not in page.lower()
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", page, re.I)
    figures = re.findall(r"<figure\b.*?</figure>", page, re.S)
    # Scores per kind (2), per provider (2), heatmaps (2), parts, promises, delay (2),
    # rules (2).
    assert len(figures) >= 12
    for figure in figures:
        assert "<svg" in figure and 'role="img"' in figure and "<title" in figure
        assert "<table" in figure and "<caption>" in figure and "<h3>" in figure
    for heading in ("Score distribution per kind", "Parts present per kind over time",
                    "Promises of the next update kept", "First-response delay",
                    "Rules that fire most"):
        assert heading in page
    # Every SVG names itself to a screen reader.
    for svg in re.findall(r"<svg\b[^>]*>", page):
        if 'aria-hidden="true"' not in svg:
            assert 'role="img"' in svg and "aria-labelledby" in svg


def test_the_report_escapes_names_from_the_data(linter: Linter, tmp_path: Path) -> None:
    record = {"provider": "<script>alert(1)</script>", "id": "x\"<b>", "name": "n",
              "timeline": [{"ts": "2024-01-01 10:00:00", "status": "resolved",
                            "message": "Fixed."}]}
    path = tmp_path / "evil.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    audit([path], "provider", tmp_path / "out", linter=linter)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page




@pytest.mark.parametrize("width", [1280, 420])
def test_report_in_chromium(audited: Path, browser: Any, width: int) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 1000)
    browser.get((audited / "report.html").as_uri())
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the window"
    charts = browser.find_elements(By.CSS_SELECTOR, "svg[role=img]")
    assert len(charts) >= 12
    for chart in charts:
        rect = chart.rect
        assert rect["width"] > 100 and rect["height"] > 50
        # Wide heatmaps scroll inside their own box; every other chart fits the page.
        if "heat" not in (chart.get_attribute("class") or ""):
            assert rect["x"] >= 0 and rect["x"] + rect["width"] <= width


def test_parquet_holds_the_rows_of_messages_jsonl_with_their_types(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, linter: Linter) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed")
    from apology_lint import engine
    from apology_lint.audit.command import main as audit_main

    monkeypatch.setattr(engine, "_DEFAULT", linter)
    out = tmp_path / "out"
    assert audit_main([str(GOOD), "--out", str(out), "--parquet", "--quiet"]) == 0
    rows = [json.loads(line) for line in (out / "messages.jsonl").read_text().splitlines()]
    table = pq.read_table(out / "messages.parquet")
    assert table.num_rows == len(rows) > 0
    back = table.to_pylist()
    for row, stored in zip(rows, back, strict=True):
        assert stored["incident"] == row["incident"] and stored["score"] == row["score"]
        assert stored["rules"] == row["rules"] and stored["elements"] == row["elements"]
        assert stored["ts"].isoformat().replace("+00:00", "Z")[:19] == row["ts"][:19]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
