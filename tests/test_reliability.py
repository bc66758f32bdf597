"""Hostile input, no surprises: any text through any reader, determinism, the bad-input
matrix on the command line, and the security guarantees (nothing rendered, YAML loaded
safely, user patterns under a time limit, no writes outside --output)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apology_lint import Linter
from apology_lint.errors import RuleError
from apology_lint.readers import SYNTAXES

from .spans import assert_spans_are_slices

BAD = "We apologize for any inconvenience. We will update you soon.\n"

# Any Unicode (control characters, NUL, RTL marks, emoji, combining marks), plus the
# markup each reader looks for, plus lines far longer than any message.
HOSTILE = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from([
        "We're sorry", "{{ name }}", "{% if x %}", "{% else %}", "{% endif %}", "{{#if a}}",
        "{{/if}}", "{{else}}", "{{!--", "--}}", "<p>", "</div>", "<!--", "&amp;", "&#x1F600;",
        "```", "---\n", "kind: update\n", "\u202e", "\u200f", "e\u0301", "\U0001F600", "\x00",
        "\x1b[31m", "\r\n", "\n\n", "> quoted", "-- \n", "=C3=A9", "apology-lint: disable",
        "Content-Type: multipart/mixed; boundary=x\n", "--x\n", ".", "Mistakes were made",
    ]), max_size=40).map("".join),
    st.integers(min_value=1000, max_value=20000).map(lambda n: "word " * n),
)


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=HOSTILE, syntax=st.sampled_from(SYNTAXES))
def test_any_text_through_any_reader(linter: Linter, text: str, syntax: str) -> None:
    report = linter.lint(text, syntax=syntax)  # type: ignore[arg-type]
    assert_spans_are_slices(report, text)
    again = linter.lint(text, syntax=syntax)  # type: ignore[arg-type]
    assert again.model_dump_json() == report.model_dump_json()


def cli(*args: str, cwd: Path | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apology_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    (root / "a.txt").write_text(BAD)
    (root / "b.html.j2").write_text("<p>Hi {{ name }},</p><p>" + BAD + "</p>")
    (root / "c.md").write_text("# Update\n\nWe're investigating. " + BAD)
    (root / "d.hbs").write_text("{{#if x}}We refunded $40.{{else}}" + BAD + "{{/if}}")
    return root


def test_output_is_identical_whatever_the_order_and_jobs(tree: Path) -> None:
    names = ["a.txt", "b.html.j2", "c.md", "d.hbs"]
    first = cli("--format", "json", *names, cwd=tree).stdout
    reverse = cli("--format", "json", *reversed(names), cwd=tree).stdout
    folder = cli("--format", "json", ".", cwd=tree).stdout
    jobs = cli("--format", "json", "--jobs", "2", *names, cwd=tree).stdout
    assert first == reverse == folder == jobs
    assert [f["path"] for f in json.loads(first)["files"]] == names


# --- the bad-input matrix ----------------------------------------------------------------


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("binary.txt", b"\x00\x01\x02 sorry", "binary file"),
    ("bad-utf8.txt", "Sorry ".encode() + b"\xff\xfe\xfa more", "byte 0xff at offset 6"),
    ("empty.txt", b"", "empty"),
    ("blank.md", b" \n\t\n  ", "empty"),
])
def test_bad_files_one_line_exit_2_others_linted(
        tmp_path: Path, name: str, data: bytes, needle: str) -> None:
    bad = write_bytes(tmp_path / name, data)
    good = write_bytes(tmp_path / "z.txt", BAD.encode())
    result = cli(str(bad), str(good))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and str(bad) in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "vague-timeline" in result.stdout  # the good file was still linted


@pytest.mark.parametrize("bom", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_byte_order_marks_are_read(tmp_path: Path, bom: str) -> None:
    if bom == "utf-16-le-bom":
        data = b"\xff\xfe" + BAD.encode("utf-16-le")
    elif bom == "utf-16-be-bom":
        data = b"\xfe\xff" + BAD.encode("utf-16-be")
    else:
        data = BAD.encode(bom)
    path = write_bytes(tmp_path / "bom.txt", data)
    result = cli("--kind", "update", "--format", "json", str(path))
    assert result.returncode == 1, result.stderr
    soon = [f for f in json.loads(result.stdout)["files"][0]["findings"]
            if f["rule"] == "vague-timeline"]
    assert [(f["span"]["line"], f["span"]["column"]) for f in soon] == [
        (1, BAD.index("soon") + 1)]


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    good = write_bytes(tmp_path / "z.txt", BAD.encode())
    result = cli(str(huge), str(good))
    assert result.returncode == 2
    assert "too large (50.0 MB; the limit is 20 MB)" in result.stderr
    assert "vague-timeline" in result.stdout


def test_unreadable_missing_and_looping_paths(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "m.txt").write_text(BAD)
    (loop / "again").symlink_to(loop, target_is_directory=True)
    unreadable = "/proc/self/mem"  # cannot be read, even by root
    result = cli(str(loop), str(tmp_path / "missing.txt"), unreadable)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert any("missing.txt: no such file" in line for line in lines)
    assert any(line.startswith(f"apology-lint: error: {unreadable}:") for line in lines)
    assert "loop/m.txt:1:" in result.stdout and "again/" not in result.stdout


def test_malformed_rule_pack_and_unknown_ids(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "broken.yaml").write_text("id: broken\ncatalog: C90\ntitle: [unclosed\n")
    (tmp_path / ".apology-lint.toml").write_text('rule-packs = ["pack"]\n')
    (tmp_path / "a.txt").write_text(BAD)
    broken = cli("a.txt", cwd=tmp_path)
    assert broken.returncode == 2 and "broken.yaml" in broken.stderr
    assert "line" in broken.stderr and len(broken.stderr.strip().splitlines()) == 1
    (tmp_path / ".apology-lint.toml").unlink()
    unknown = cli("--select", "vague-timline", "a.txt", cwd=tmp_path)
    assert unknown.returncode == 2 and "did you mean 'vague-timeline'" in unknown.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_interrupt_exits_130_without_traceback(tmp_path: Path, jobs: str) -> None:
    for i in range(400):
        (tmp_path / f"m{i:03}.txt").write_text(BAD * 200)
    process = subprocess.Popen([sys.executable, "-m", "apology_lint", "--jobs", jobs,
                                str(tmp_path)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(8)  # the pipeline is loaded and linting has started
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and err.strip().endswith("interrupted")


def test_closed_stdout_pipe_is_quiet(tree: Path) -> None:
    shell = f"{sys.executable} -m apology_lint {tree} | head -n 1; echo status ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.stdout.strip().endswith(("status 0", "status 1"))


# --- security --------------------------------------------------------------------------


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "x.yaml").write_text(
        f'id: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(RuleError):
        Linter(rule_packs=[pack])
    assert not marker.exists()


def test_a_catastrophic_pattern_in_a_rule_pack_cannot_hang(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "runaway.yaml").write_text("""\
id: runaway
catalog: C98
title: A pattern with nested repetition
dimension: tone
severity: {apology: warning}
message: m
suggestion: s
rationale: {text: t, sources: [x]}
examples: {bad: [a, b, c], good: [d, e, f]}
detectors:
  - {type: lexical, patterns: ['(a|aa)+$']}
""")
    linter = Linter(rule_packs=[pack])
    start = time.monotonic()
    with pytest.raises(RuleError, match="catastrophic backtracking"):
        linter.lint("a" * 60 + "b", kind="apology")
    assert time.monotonic() - start < 30
    assert linter.lint("We're sorry.", kind="apology").findings is not None


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_nothing_is_written_except_the_output_file(tmp_path: Path) -> None:
    work = tmp_path / "work"
    home = tmp_path / "home"
    work.mkdir()
    home.mkdir()
    (work / "a.txt").write_text(BAD)
    (work / "t.html.j2").write_text("<p>{{ name }}: " + BAD + "</p>")
    (work / ".apology-lint.toml").write_text('fail-level = "warning"\n')
    before = snapshot(tmp_path)
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(home)}
    for fmt in ("text", "json", "sarif", "github", "junit", "jsonl"):
        cli("--format", fmt, ".", cwd=work, env=env)
    assert snapshot(tmp_path) == before  # inputs untouched, nothing new anywhere
    cli("--format", "sarif", "--output", str(home / "r.sarif"), ".", cwd=work, env=env)
    assert set(snapshot(tmp_path)) - set(before) == {"home/r.sarif"}


def test_many_slow_matches_exhaust_the_runs_pattern_budget() -> None:
    """Each match under the one-match limit, but together far past what sound patterns
    take: the run stops with the pattern named, rather than taking minutes."""
    from apology_lint.lexicons import PatternBudget

    budget = PatternBudget()
    with pytest.raises(RuleError, match="lexicon 'slow'.*rewrite it"):
        for _ in range(100):
            budget.charge(0.9, "lexicon 'slow'")
    assert budget.matches < 20  # stopped after a few seconds' worth, not 90 s


def test_sound_patterns_never_exhaust_the_budget() -> None:
    from apology_lint.lexicons import PatternBudget

    budget = PatternBudget()
    for _ in range(200_000):  # a long archive audit: microseconds a match
        budget.charge(0.00005, "lexicon 'fast'")


def test_user_patterns_are_charged_to_the_runs_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from apology_lint import lexicons

    budget = lexicons.PatternBudget()
    monkeypatch.setattr(lexicons, "BUDGET", budget)
    # Extending a pattern lexicon makes the user's patterns run guarded.
    linter = Linter(extend_lexicons={"absolute_prevention": [r"never\s+ever"]})
    linter.lint("We're sorry. This will never ever happen again.", kind="apology")
    assert budget.matches > 0
