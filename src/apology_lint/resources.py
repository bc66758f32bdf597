"""Where the built-in rule pack lives.

In a wheel, ``rules/`` is shipped inside the package as ``apology_lint/_rules`` (see
``pyproject.toml``). In an editable install or a source checkout the package imports from
``src/`` and the rules are the top-level ``rules/`` folder of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_rules_dir() -> Path:
    packaged = _PACKAGE_DIR / "_rules"
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE_DIR.parent.parent / "rules"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"the built-in rules are missing: neither {packaged} nor {checkout} exists"
    )
