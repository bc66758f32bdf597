"""The HTML report, loaded in a real browser (headless Chromium from Debian's
``chromium`` and ``chromium-driver`` packages, which .ci/run installs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("APOLOGY_LINT_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--window-size=1400,1000", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_report_in_chromium(report: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser  # type: ignore[assignment]
    driver.get(report.as_uri())  # type: ignore[attr-defined]
    items = driver.find_elements(By.CSS_SELECTOR, "li.finding")  # type: ignore[attr-defined]
    assert len(items) > 5
    for item in items:
        finding_id = item.get_attribute("id")
        marks = driver.find_elements(  # type: ignore[attr-defined]
            By.CSS_SELECTOR, f'mark[data-findings~="{finding_id}"]')
        assert marks and marks[0].is_displayed(), f"{finding_id} has no visible highlight"

    # Click a highlight: its finding opens and is marked as the current one.
    mark = driver.find_element(By.CSS_SELECTOR, "mark[data-findings].sev-error")  # type: ignore[attr-defined]
    mark.click()
    opened = mark.get_attribute("data-findings").split()[0]
    details = driver.find_element(By.CSS_SELECTOR, f"#{opened} details")  # type: ignore[attr-defined]
    assert details.get_attribute("open") is not None
    assert "current" in driver.find_element(By.ID, opened).get_attribute("class")  # type: ignore[attr-defined]

    # Keyboard: a highlight takes focus and opens its finding with Enter.
    other = driver.find_elements(By.CSS_SELECTOR, "mark[data-findings].sev-warning")[0]  # type: ignore[attr-defined]
    other.send_keys(Keys.ENTER)
    target = other.get_attribute("data-findings").split()[0]
    assert driver.find_element(  # type: ignore[attr-defined]
        By.CSS_SELECTOR, f"#{target} details").get_attribute("open") is not None

    # The index sorts by score.
    driver.find_element(By.CSS_SELECTOR, 'button[data-sort="score"]').click()  # type: ignore[attr-defined]
    scores = [int(row.get_attribute("data-score")) for row in
              driver.find_elements(By.CSS_SELECTOR, "#index tbody tr")]  # type: ignore[attr-defined]
    assert scores == sorted(scores) and len(scores) == 7

    # Evidence highlighting toggles on.
    button = driver.find_element(By.CSS_SELECTOR, "button[data-evidence]")  # type: ignore[attr-defined]
    button.click()
    assert button.get_attribute("aria-pressed") == "true"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / "html-report.png"))  # type: ignore[attr-defined]
    assert (ARTIFACTS / "html-report.png").stat().st_size > 10_000
