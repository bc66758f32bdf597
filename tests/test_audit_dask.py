"""``apology-lint audit --dask`` / ``--scheduler``: the audit on a Dask cluster gives the
single-process run's aggregates and ``messages.jsonl`` exactly, and every failure of the
cluster is one line and exit 2.

The cluster tests start real worker processes, each loading the spaCy pipeline (a few
seconds each): one two-worker ``LocalCluster`` is shared by the module, the partitions are
made small so a few fixtures' messages still spread over both workers. Skipped when
``dask.distributed`` is not installed; the tests of what happens without it always run.
"""

from __future__ import annotations

import copy
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apology_lint import Linter
from apology_lint.audit import AuditAggregate, AuditError, audit
from apology_lint.audit import run as run_module
from apology_lint.audit.command import main

# Typed as Any: distributed is only partly annotated (mypy --strict rejects its calls).
distributed: Any
try:
    import distributed as _distributed

    from apology_lint.audit.distributed import audit_on_dask, worker_status

    distributed = _distributed
except ImportError:
    distributed = None

DATA = Path(__file__).resolve().parent / "data" / "audit"
GOOD = DATA / "good"
BAD = DATA / "bad"
OUTPUTS = ("messages.jsonl", "aggregates.json", "aggregates.csv", "report.html")
# Small partitions: the fixtures' 24 messages make about eight, for both workers.
BATCH = 3

needs_dask = pytest.mark.skipif(
    distributed is None,
    reason="dask.distributed is not installed (pip install 'dask[distributed]'): "
           "the audit on a Dask cluster is not tested")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    assert distributed is not None
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=":0", silence_logs=logging.ERROR) as local:
        yield local


@pytest.fixture
def aggregates(monkeypatch: pytest.MonkeyPatch) -> list[AuditAggregate]:
    """The merged aggregate of every audit the test runs, as the outputs were made from."""
    seen: list[AuditAggregate] = []
    real = run_module._write_outputs

    def spy(folder: Path, partial: Path, document: Any, aggregate: AuditAggregate,
            title: str | None) -> list[str]:
        seen.append(copy.deepcopy(aggregate))
        return real(folder, partial, document, aggregate, title)

    monkeypatch.setattr(run_module, "_write_outputs", spy)
    return seen


def _same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        left = (a / name).read_text(encoding="utf-8").splitlines()
        right = (b / name).read_text(encoding="utf-8").splitlines()
        assert len(left) == len(right), name
        for number, (x, y) in enumerate(zip(left, right, strict=True), 1):
            assert x == y, f"{name}:{number}"
    assert sorted(p.name for p in b.iterdir()) == sorted(OUTPUTS)  # no part file left


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the same audit, on two workers -----------------------------------------------------


@needs_dask
def test_two_workers_give_the_single_process_aggregates_exactly(
        cluster: Any, linter: Linter, aggregates: list[AuditAggregate],
        tmp_path: Path) -> None:
    single = audit([GOOD], "provider,quarter", tmp_path / "single", linter=linter,
                   batch_messages=BATCH)
    on_dask = audit_on_dask([GOOD], "provider,quarter", tmp_path / "dask",
                            scheduler=cluster.scheduler_address, batch_messages=BATCH)
    assert len(aggregates) == 2
    assert aggregates[0] == aggregates[1]  # every integer counter, groups and dimensions
    assert aggregates[1].total.messages == single.messages == on_dask.messages == 24
    _same_outputs(tmp_path / "single", tmp_path / "dask")
    assert on_dask.error_count == single.error_count == 0
    # Both workers linted: the partitions were really spread.
    with distributed.Client(cluster, set_as_default=False) as client:
        status = client.run(worker_status)
    assert len(status) == 2
    assert all(sum(s["partitions"].values()) > 0 for s in status.values()), status


@needs_dask
def test_a_local_cluster_reports_bad_input_as_one_process_does(
        linter: Linter, aggregates: list[AuditAggregate], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(GOOD), str(BAD), str(DATA / "missing.jsonl")]
    expected: list[str] = []
    audit(paths, "provider", tmp_path / "single", linter=linter, on_error=expected.append)
    code = main([*paths, "--out", str(tmp_path / "dask"), "--dask", "--workers", "1",
                 "--group-by", "provider"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    # The same errors, one line each (an error met while reading may come before a lint
    # error of an earlier partition: the client reads ahead of the workers).
    assert sorted(captured.err.splitlines()) == sorted(
        f"apology-lint: error: {problem}" for problem in expected)
    assert len(expected) == 6
    assert "audited 28 messages" in captured.out and "on 1 local Dask worker" in captured.out
    assert aggregates[0] == aggregates[1]
    assert aggregates[1].input_errors == 6
    _same_outputs(tmp_path / "single", tmp_path / "dask")


# --- failures: one line, exit 2 -----------------------------------------------------------


@needs_dask
def test_an_unreachable_scheduler_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    code = main([str(GOOD), "--out", str(tmp_path / "out"), "--scheduler", address,
                 "--scheduler-timeout", "1"])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(
        f"apology-lint: error: cannot reach the Dask scheduler at {address}: ")
    assert captured.err.count("\n") == 1 and captured.out == ""
    assert elapsed < 6
    assert not (tmp_path / "out").exists()


@needs_dask
def test_nothing_readable_never_reaches_for_the_cluster(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    code = main([str(BAD / "broken.json"), "--out", str(tmp_path / "out"), "--scheduler",
                 address, "--scheduler-timeout", "5"])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and time.monotonic() - started < 4
    assert len(lines) == 2 and "broken.json: malformed JSON" in lines[0]
    assert lines[1].startswith("apology-lint: error: nothing to audit")
    assert not (tmp_path / "out").exists()


@needs_dask
@pytest.mark.parametrize("address", ["no port", "udp://127.0.0.1:1"])
def test_a_malformed_address_is_one_line_and_exit_2(
        address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(GOOD), "--out", str(tmp_path / "out"), "--scheduler", address])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("apology-lint: error: cannot reach the Dask scheduler")
    assert captured.err.count("\n") == 1


@needs_dask
def test_a_worker_dying_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A worker killed in the middle of a partition (here while it loads the pipeline for
    its first one). The scheduler is told not to retry it, as ``--dask`` does."""
    assert distributed is not None
    with distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=1,
                                  dashboard_address=":0", silence_logs=logging.CRITICAL,
                                  scheduler_kwargs={"allowed_failures": 0}) as local, \
            distributed.Client(local, set_as_default=False) as client:
        (pid,) = client.run(os.getpid).values()

        def kill_when_busy() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if any(client.processing().values()):
                    os.kill(pid, signal.SIGKILL)
                    return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_when_busy, daemon=True)
        killer.start()
        code = main([str(GOOD), "--out", str(tmp_path / "out"), "--scheduler",
                     local.scheduler_address, "-q"])
        killer.join()
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("apology-lint: error: a Dask worker died while linting "
                                   "partition 1 (")
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()


@needs_dask
def test_a_cluster_without_workers_is_one_line_not_a_wait_for_ever(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert distributed is not None
    from apology_lint.audit import distributed as on_dask

    monkeypatch.setattr(on_dask, "NO_WORKER_TIMEOUT", 1.0)
    with distributed.LocalCluster(processes=True, n_workers=0, dashboard_address=":0",
                                  silence_logs=logging.CRITICAL) as empty:
        started = time.monotonic()
        with pytest.raises(AuditError, match="has had no worker"):
            audit_on_dask([GOOD], "provider", tmp_path / "out",
                          scheduler=empty.scheduler_address, timeout=1)
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists()


@needs_dask
def test_a_worker_with_another_version_refuses_the_work() -> None:
    from apology_lint.audit import distributed as on_dask
    from apology_lint.audit.run import AuditSettings, Partition

    with pytest.raises(AuditError, match="install the same version on every worker"):
        on_dask.lint_partition("token", "0.0.0-other", AuditSettings(("provider",)),
                               Partition(0, ()))


def test_without_dask_the_flags_are_one_line_and_exit_2(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    for flags in (["--dask"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        code = main([str(GOOD), "--out", str(tmp_path / "out"), *flags])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith("apology-lint: error: --dask and --scheduler need Dask")
        assert "pip install 'dask[distributed]'" in err and err.count("\n") == 1
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flags", [
    ["--workers", "2"],
    ["--dask", "--scheduler", "tcp://127.0.0.1:8786"],
    ["--scheduler-timeout", "3"],
    ["--dask", "--workers", "0"],
])
def test_dask_usage_errors(flags: list[str], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([str(GOOD), "--out", str(tmp_path / "out"), *flags])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("apology-lint: error: ") and err.count("\n") == 1


# --- partitions that come back out of order -------------------------------------------------


def test_partitions_are_written_in_order_whatever_order_they_finish(tmp_path: Path) -> None:
    messages = run_module._MessagesFile(tmp_path)
    with messages:
        for index in (2, 0, 4, 3, 1):
            messages.add(index, f"partition {index}\n")
            parked = sorted(p.name for p in messages.parts.glob("*"))
            assert len(parked) == len(messages.parked)
        messages.complete(5)
    assert messages.partial.read_text(encoding="utf-8").splitlines() == [
        f"partition {i}" for i in range(5)]
    assert not messages.parts.exists()
    with pytest.raises(run_module.AuditError, match="2 of 2 partitions"):
        run_module._MessagesFile(tmp_path).complete(2)
