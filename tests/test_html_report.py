"""The HTML report, loaded in a real browser (headless Chromium from Debian's
``chromium`` and ``chromium-driver`` packages, which .ci/run installs): the examples as the
command line reports them, a short draft that lacks most parts and fails the minimum score,
and a clean apology."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from apology_lint import Linter, Report
from apology_lint.formatters import html as html_format
from apology_lint.models import RunReport, ScoreGateFailure, Summary, ToolInfo
from apology_lint.resources import builtin_rules_dir
from apology_lint.rulespec import load_rule_files

from .test_cli import GOOD

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("APOLOGY_LINT_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = subprocess.run([sys.executable, "-m", "apology_lint", "--format", "html",
                             "--output", str(out), str(ROOT / "examples")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr  # the examples have errors on purpose
    return out


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page), "external asset"
    assert "<script src" not in page and "<link " not in page
    finding_ids = re.findall(r'<li id="(file-\d+-f\d+)" class="finding', page)
    assert finding_ids
    for finding_id in finding_ids:  # every finding has its highlight in the text
        assert re.search(rf'data-findings="[^"]*\b{finding_id}\b', page), finding_id


# Seven lines that lack a remedy, a prevention step, a follow-up and a contact.
DRAFT = ("Dear Customer,\n\nWe apologize for any inconvenience.\n"
         "Mistakes were made during the migration.\n\nBest regards,\nThe Shop Team\n")
MIN_SCORE = 60


def _page(linter: Linter, folder: Path, name: str, text: str) -> tuple[Path, Report]:
    """The page for one file, as ``--format html --min-score 60`` writes it."""
    report = linter.lint(text, path=name, syntax="text")
    gate = ([ScoreGateFailure(path=name, score=report.score, min_score=MIN_SCORE)]
            if report.score < MIN_SCORE else [])
    run = RunReport(tool=ToolInfo(version="test"), files=[report], summary=Summary(
        files=1, errors=report.count("error"), warnings=report.count("warning"),
        infos=report.count("info"), mean_score=float(report.score), below_min_score=gate))
    out = folder / f"{name}.html"
    out.write_text(html_format.render(run, {name: text}, load_rule_files(builtin_rules_dir())),
                   encoding="utf-8")
    return out, report


@pytest.fixture(scope="module")
def draft(linter: Linter, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    page, report = _page(linter, tmp_path_factory.mktemp("draft"), "draft.txt", DRAFT)
    assert report.score < MIN_SCORE
    assert {f.scope for f in report.findings} == {"span", "message"}
    return page, report


@pytest.fixture(scope="module")
def clean(linter: Linter, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    page, report = _page(linter, tmp_path_factory.mktemp("clean"), "good.txt", GOOD)
    assert not report.findings
    return page, report


def test_words_a_reader_reads(report: Path, draft: tuple[Path, Report],
                              clean: tuple[Path, Report]) -> None:
    for page in (report, draft[0], clean[0]):
        text = _words(page)
        # One of anything is singular; evidence is counted in passages.
        assert not re.search(r"\b1 (?:files|errors|warnings|findings|passages|versions)\b",
                             text), page
        assert not re.search(r"\d evidence\b", text), page
    assert "1 file ·" in _words(draft[0])


def _words(page: Path) -> str:
    """The page's text, without its markup, style and script."""
    text = re.sub(r"<(script|style)>.*?</\1>", "", page.read_text(encoding="utf-8"), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_rules_are_html_not_markdown(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    start = page.index('id="rules-title"')
    rules = page[start:page.index("</section>", start)]
    assert "<details" in rules and "<pre" not in rules
    assert "**" not in rules  # no Markdown: bold, headings or list items
    assert not re.search(r"^(?:#+ |- )", rules, re.MULTILINE)


def test_a_clean_file_says_so_in_a_sentence(clean: tuple[Path, Report]) -> None:
    page = clean[0].read_text(encoding="utf-8")
    assert not re.search(r"<li>\s*No findings", page)
    assert "No findings in the text." in page


def test_report_in_chromium(report: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver: Any = browser
    driver.get(report.as_uri())
    items = driver.find_elements(By.CSS_SELECTOR, "li.finding")
    assert len(items) > 5
    for item in items:
        finding_id = item.get_attribute("id")
        marks = driver.find_elements(
            By.CSS_SELECTOR, f'mark[data-findings~="{finding_id}"]')
        assert marks and marks[0].is_displayed(), f"{finding_id} has no visible highlight"

    # Click a highlight: its finding opens and is marked as the current one.
    mark = driver.find_element(By.CSS_SELECTOR, "mark[data-findings].sev-error")
    mark.click()
    opened = mark.get_attribute("data-findings").split()[0]
    details = driver.find_element(By.CSS_SELECTOR, f"#{opened} details")
    assert details.get_attribute("open") is not None
    assert "current" in driver.find_element(By.ID, opened).get_attribute("class")

    # The status line tells screen readers which finding opened; it is not shown.
    status = driver.find_element(By.CSS_SELECTOR, "#file-0 [role=status]")
    assert status.get_attribute("textContent")
    assert status.size["width"] <= 1 and status.size["height"] <= 1

    # A rule's explanation is folded until its link is followed.
    link = driver.find_element(By.CSS_SELECTOR, f"#{opened} a[href^='#rule-']")
    rule = driver.find_element(By.ID, link.get_attribute("href").split("#")[1])
    assert rule.tag_name == "details" and rule.get_attribute("open") is None
    link.click()
    assert rule.get_attribute("open") is not None

    # Keyboard: a highlight takes focus and opens its finding with Enter.
    other = driver.find_elements(By.CSS_SELECTOR, "mark[data-findings].sev-warning")[0]
    other.send_keys(Keys.ENTER)
    target = other.get_attribute("data-findings").split()[0]
    assert driver.find_element(
        By.CSS_SELECTOR, f"#{target} details").get_attribute("open") is not None

    # The index sorts by score.
    driver.find_element(By.CSS_SELECTOR, 'button[data-sort="score"]').click()
    scores = [int(row.get_attribute("data-score")) for row in
              driver.find_elements(By.CSS_SELECTOR, "#index tbody tr")]
    assert scores == sorted(scores) and len(scores) == 7

    # Evidence highlighting toggles on.
    button = driver.find_element(By.CSS_SELECTOR, "button[data-evidence]")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / "html-report.png"))
    assert (ARTIFACTS / "html-report.png").stat().st_size > 10_000

    # On a phone the page does not scroll sideways, and no file of the index is cut off.
    with _phone(driver) as width:
        for row in driver.find_elements(By.CSS_SELECTOR, "#index tbody tr"):
            assert row.rect["x"] >= 0 and row.rect["x"] + row.rect["width"] <= width


@contextmanager
def _phone(driver: Any) -> Iterator[int]:
    """The window 420 px wide, where the body must not overflow sideways; yields the
    page's width and puts the window back."""
    size = driver.get_window_size()
    driver.set_window_size(420, 900)
    try:
        width = driver.execute_script("return window.innerWidth")
        assert width <= 420
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than a phone"
        yield width
    finally:
        driver.set_window_size(size["width"], size["height"])


def test_draft_in_chromium(draft: tuple[Path, Report], browser: object) -> None:
    from selenium.webdriver.common.by import By

    page, report = draft
    driver: Any = browser
    driver.get(page.as_uri())
    body = driver.find_element(By.TAG_NAME, "body").text

    # Findings about the whole message are listed, and no words are highlighted for them.
    marks = driver.find_elements(By.CSS_SELECTOR, "mark[data-findings]")
    assert marks and not any("Dear Customer" in m.text for m in marks)
    located = {f.rule for f in report.findings if f.scope == "span"}
    missing = [f for f in report.findings if f.scope == "message"]
    titles = " ".join(m.get_attribute("title") for m in marks)
    assert all(f.rule not in titles for f in missing) and all(r in titles for r in located)
    listed = driver.find_element(By.CSS_SELECTOR, "ul.missing")
    assert listed.is_displayed()
    for f in missing:
        assert f.rule in listed.text and f.suggestion in listed.text
    assert not any(f.rule in item.text for f in missing
                   for item in driver.find_elements(By.CSS_SELECTOR, "li.finding"))

    # The score explains itself: what would raise it, and the check it fails.
    gain = report.score_gains[0]
    assert gain.add is not None
    assert "To raise the score" in body and f"+{gain.points} {gain.add}: {gain.hint}" in body
    assert (f"Score {report.score} is below the minimum score {MIN_SCORE}: this file fails "
            "the check") in body

    # Seven lines make a short page, on a desktop and on a phone.
    assert driver.execute_script("return document.documentElement.scrollHeight") < 2500
    with _phone(driver):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / "html-report-draft-phone.png"))
