from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from apology_lint import Linter
from apology_lint.resources import builtin_rules_dir
from apology_lint.rulespec import RuleSpec, load_rule_files


@pytest.fixture(scope="session")
def linter() -> Linter:
    return Linter()


def all_rules() -> list[RuleSpec]:
    return load_rule_files(builtin_rules_dir())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Selenium, for the HTML reports (Debian's chromium and
    chromium-driver, which .ci/run installs); skipped without them."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--window-size=1400,1000", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
