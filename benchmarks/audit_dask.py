"""Throughput of ``apology-lint audit`` in one process and on a two-worker Dask cluster.

    python benchmarks/audit_dask.py [--corpus FILE] [--incidents 1500] [--workers 2]
                                    [--repeat 1] [--seed 17] [--any-texts] [--end-to-end]

Samples ``--incidents`` incidents of ``statuspages.jsonl`` (seeded) whose message texts are
distinct: no text of one is a text of another, or of another message of its own. Status
pages repeat themselves and the audit caches what it linted by text: a sample of repeats
would measure the cache, and the caches differ (one in the single process, one per Dask
worker), so the sample leaves the cache nothing to find and both runs lint every message.
``--any-texts`` samples without that filter (then the summary's "linted" counts differ).

In the same run, alternating ``--repeat`` times, it audits the sample (grouped by provider
and quarter, the default batch size and cache, both ways):

- in this process, with the pipeline loaded and warmed up before the clock starts;
- on a local Dask cluster of ``--workers`` worker processes with one thread each, started
  and its workers' pipelines loaded and warmed up before the clock starts;

and prints messages per second of each (the best run), their ratio (the target is at least
1.6 with two workers on two cores), and whether the two runs' ``messages.jsonl`` and
``aggregates.json`` are identical. Each run also says how many cores other processes kept
busy meanwhile (the machine's busy time less this process's and its workers'): two
workers cannot be twice as fast on two cores someone else is using. ``--end-to-end``
also times the command line as a user runs it, start-up included (``apology-lint audit …
-q`` against ``… --dask -q``).

Machines are noisy: only ratios within one run mean anything. The sample is written to a
temporary folder at run time and never copied into the repository.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from apology_lint.audit import IncidentSource, SourcedIncident, audit
from apology_lint.audit.distributed import audit_on_dask
from apology_lint.engine import default_linter

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "statuspages.jsonl"
GROUP_BY = "provider,quarter"
WARM_UP = "We are investigating elevated error rates on the API. Next update in 30 minutes."


def sample(corpus: Path, size: int, seed: int, distinct: bool, out: Path) -> tuple[int, int]:
    """Write ``size`` incidents of ``corpus`` (one per line) to ``out``, in the corpus's
    order; returns (incidents, messages). Read with the audit's own reader, so records it
    would reject are never picked."""
    texts: dict[int, list[str]] = {}
    for item in IncidentSource([corpus]):
        if isinstance(item, SourcedIncident) and item.incident.line is not None:
            texts[item.incident.line] = [m.text.strip() for m in item.incident.messages]
    order = sorted(texts)
    random.Random(seed).shuffle(order)
    seen: set[str] = set()
    chosen: set[int] = set()
    for line in order:
        mine = texts[line]
        if distinct and (len(set(mine)) < len(mine) or seen.intersection(mine)):
            continue
        seen.update(mine)
        chosen.add(line)
        if len(chosen) == size:
            break
    if len(chosen) < size:
        sys.exit(f"only {len(chosen)} incidents of {corpus} qualify; ask for fewer")
    with corpus.open(encoding="utf-8") as source, out.open("w", encoding="utf-8") as sink:
        sink.writelines(text for number, text in enumerate(source, 1) if number in chosen)
    return len(chosen), sum(len(texts[line]) for line in chosen)


def _warm_worker() -> None:
    """Run on each Dask worker: load the pipeline, and lint once (the first lint loads
    the rest), as the single process is warmed up."""
    from apology_lint.engine import default_linter as load

    load().lint(WARM_UP, kind="update")


class Timed:
    """Wall time of a block, and the cores this process and its workers kept busy
    during it, and other processes."""

    def __enter__(self) -> Timed:
        self.busy, self.ours = _busy(), _ours()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        ours = _ours() - self.ours
        self.our_cores = ours / self.seconds
        self.other_cores = max(0.0, (_busy() - self.busy - ours) / self.seconds)


def _psutil() -> Any:
    # Installed with distributed; imported by name, as it ships no type hints.
    return importlib.import_module("psutil")


def _busy() -> float:
    times = _psutil().cpu_times()
    return float(sum(getattr(times, name, 0.0)
                     for name in ("user", "nice", "system", "irq", "softirq")))


def _ours() -> float:
    """CPU seconds of this process and its children (the Dask workers and nannies)."""
    psutil = _psutil()
    me = psutil.Process()
    total = 0.0
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # gone meanwhile
        total += times.user + times.system
    return total


def timed_single(archive: Path, out: Path) -> tuple[Timed, int]:
    with Timed() as timed:
        summary = audit([archive], GROUP_BY, out, linter=default_linter())
    return timed, summary.messages


def timed_dask(archive: Path, out: Path, scheduler: str) -> tuple[Timed, int]:
    with Timed() as timed:
        summary = audit_on_dask([archive], GROUP_BY, out, scheduler=scheduler)
    return timed, summary.messages


def end_to_end(archive: Path, out: Path, extra: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "apology_lint", "audit", str(archive), "--out",
                    str(out), "--group-by", GROUP_BY, "-q", *extra], check=True)
    return time.perf_counter() - started


def _cores(timed: Timed) -> str:
    return (f"(cores busy: the audit {timed.our_cores:.2f}, other processes "
            f"{timed.other_cores:.2f})")


def identical(a: Path, b: Path) -> bool:
    return all(filecmp.cmp(a / name, b / name, shallow=False)
               for name in ("messages.jsonl", "aggregates.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"a JSONL file of incidents (default: {DEFAULT_CORPUS})")
    parser.add_argument("--incidents", type=int, default=1500,
                        help="incidents in the sample (default 1500)")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts")
    parser.add_argument("--seed", type=int, default=17, help="of the sample (default 17)")
    parser.add_argument("--any-texts", action="store_true",
                        help="sample without keeping the texts distinct")
    parser.add_argument("--end-to-end", action="store_true",
                        help="also time the command line, start-up included")
    args = parser.parse_args()

    import distributed  # only the benchmark needs it up front

    cluster_api: Any = distributed  # only partly typed: mypy --strict rejects its calls

    folder = Path(tempfile.mkdtemp(prefix="apology-lint-audit-dask-"))
    try:
        archive = folder / "sample.jsonl"
        incidents, messages = sample(args.corpus, args.incidents, args.seed,
                                     not args.any_texts, archive)
        print(f"{os.cpu_count()} CPUs; sample: {incidents:,} incidents, {messages:,} "
              f"messages of {args.corpus.name}"
              + ("" if args.any_texts else " (distinct texts)"), flush=True)
        linter = default_linter()
        linter.lint(WARM_UP, kind="update")
        with cluster_api.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                      processes=True, dashboard_address=":0") as cluster, \
                cluster_api.Client(cluster, set_as_default=False) as client:
            client.run(_warm_worker)
            single: list[float] = []
            dask: list[float] = []
            for run in range(args.repeat):
                timed, count = timed_single(archive, folder / f"single-{run}")
                single.append(count / timed.seconds)
                print(f"  run {run + 1}: one process        {timed.seconds:6.1f} s  "
                      f"{single[-1]:6.1f} messages/s  {_cores(timed)}", flush=True)
                timed, count = timed_dask(archive, folder / f"dask-{run}",
                                          cluster.scheduler_address)
                dask.append(count / timed.seconds)
                print(f"  run {run + 1}: Dask, {args.workers} workers  {timed.seconds:6.1f} s  "
                      f"{dask[-1]:6.1f} messages/s  {_cores(timed)}", flush=True)
        same = all(identical(folder / f"single-{run}", folder / f"dask-{run}")
                   for run in range(args.repeat))
        print(f"one process:          {max(single):6.1f} messages/s")
        print(f"Dask, {args.workers} workers:       {max(dask):6.1f} messages/s")
        print(f"ratio:                {max(dask) / max(single):6.2f}x (target >= 1.6x)")
        print(f"messages.jsonl and aggregates.json identical: {'yes' if same else 'NO'}")
        if args.end_to_end:
            one = end_to_end(archive, folder / "cli-single", [])
            many = end_to_end(archive, folder / "cli-dask",
                              ["--dask", "--workers", str(args.workers)])
            print(f"end to end (start-up included): one process {one:.1f} s "
                  f"({messages / one:.1f} messages/s), --dask {many:.1f} s "
                  f"({messages / many:.1f} messages/s), ratio {one / many:.2f}x")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
