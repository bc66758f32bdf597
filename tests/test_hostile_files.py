"""The repository as an attacker would write it: apology-lint runs in CI on pull requests,
so every link, file name, special file, folder and glob it walks may be hostile.

Each test builds the hostile tree in tmp_path and runs the command line in a subprocess
with a time limit, so that a regression fails the test instead of hanging CI; the runs
that read special files also get a memory limit, so that one cannot exhaust the machine.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from apology_lint.config import Finder
from apology_lint.files import MAX_DEPTH, expand
from apology_lint.formatters import FORMATS
from apology_lint.runner import Options, run
from apology_lint.sources import MAX_BYTES

BAD = "We apologize for any inconvenience. We will update you soon.\n"
SECRET = "ghp_SECRETtoken0123456789abcdef"


def _limit_memory() -> None:
    # Enough for the pipeline; a run that reads /dev/zero into memory fails instead.
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def cli(*args: str | bytes, cwd: Path | None = None, timeout: float = 120,
        stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """Run apology-lint; fail (never hang) if it does not finish within ``timeout``."""
    process = subprocess.Popen([sys.executable, "-m", "apology_lint", *args], cwd=cwd,
                               stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, errors="backslashreplace", start_new_session=True,
                               preexec_fn=_limit_memory)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"apology-lint {args!r} did not finish in {timeout} s")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip().splitlines()


# --- links out of the folder ------------------------------------------------------------


@pytest.fixture
def repo_with_a_link_to_a_secret(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".git-credentials").write_text(f"https://user:{SECRET}@github.com\n")
    repo = tmp_path / "repo"
    (repo / "templates").mkdir(parents=True)
    (repo / "templates" / "a.txt").write_text(BAD)
    (repo / "templates" / "notes.txt").symlink_to(home / ".git-credentials")
    (repo / "templates" / "relative.md").symlink_to(Path("..", "..", "home",
                                                         ".git-credentials"))
    return repo


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_link_out_of_the_folder_never_shows_the_secret(
        repo_with_a_link_to_a_secret: Path, output_format: str) -> None:
    # Walked as a folder, as the repository root, and through globs.
    result = cli("--format", output_format, "templates", ".", "templates/*.txt",
                 "**/*.md", cwd=repo_with_a_link_to_a_secret)
    assert SECRET not in result.stdout + result.stderr
    assert result.returncode == 2
    lines = errors(result)
    assert lines and all("symbolic link to a file outside the folder being linted" in line
                         for line in lines), lines
    assert any("notes.txt" in line for line in lines)
    assert any("relative.md" in line for line in lines)
    assert "a.txt" in result.stdout  # the rest was linted


def test_a_link_inside_the_folder_is_followed(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "apology.txt").write_text(BAD)
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "apology.txt").symlink_to(Path("..", "shared", "apology.txt"))
    targets = list(expand([str(tmp_path)], Finder(isolated=True)))
    assert [(Path(t.path).name, t.error) for t in targets] == [("apology.txt", None)]


# --- special files: FIFOs, devices, endless input ---------------------------------------


def test_a_fifo_named_or_walked_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "named.txt")
    (tmp_path / "walked").mkdir()
    os.mkfifo(tmp_path / "walked" / "pipe.md")
    (tmp_path / "walked" / "good.txt").write_text(BAD)
    result = cli("named.txt", "walked", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert errors(result) == [
        "apology-lint: error: named.txt: not a regular file (a FIFO), skipped",
        "apology-lint: error: walked/pipe.md: not a regular file (a FIFO), skipped"]
    assert "walked/good.txt:1:" in result.stdout


def test_dev_zero_named_or_through_a_link_is_refused(tmp_path: Path) -> None:
    # Another endless device for the named link: two names of one file are linted once.
    (tmp_path / "random.txt").symlink_to("/dev/urandom")
    (tmp_path / "walked").mkdir()
    (tmp_path / "walked" / "zero.md").symlink_to("/dev/zero")
    (tmp_path / "good.txt").write_text(BAD)
    result = cli("/dev/zero", "random.txt", "walked", "good.txt", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert errors(result) == [
        "apology-lint: error: /dev/zero: not a regular file (a character device), skipped",
        "apology-lint: error: random.txt: not a regular file (a character device), skipped",
        "apology-lint: error: walked/zero.md: symbolic link to a file outside the folder "
        "being linted, skipped; name the file itself to lint it"]
    assert "good.txt:1:" in result.stdout


def test_endless_standard_input_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "apology_lint", "-"],
                                   stdin=subprocess.PIPE, stdout=stdout, stderr=stderr,
                                   start_new_session=True, preexec_fn=_limit_memory)
    assert process.stdin is not None
    pipe = process.stdin
    written = 0

    def feed() -> None:  # up to ten times the limit; apology-lint should stop far sooner
        nonlocal written
        block = b"sorry " * 100_000
        try:
            while written < 10 * MAX_BYTES:
                pipe.write(block)
                written += len(block)
            pipe.close()
        except (OSError, ValueError):
            pass  # it stopped reading: what should happen

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("apology-lint did not finish reading standard input")
    writer.join(10)
    assert process.returncode == 2
    assert err.read_text().strip() == ("apology-lint: error: -: input is too large "
                                       "(more than 20 MB; the limit is 20 MB)")
    # What was written: the limit, plus what the pipe and a last block hold.
    assert written < MAX_BYTES + 4 * 1_048_576, written


# --- a worker process that dies ----------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds workers in /proc")
def test_a_killed_worker_ends_the_run_at_once(tmp_path: Path) -> None:
    for i in range(40):  # distinct texts: identical ones are linted once
        (tmp_path / f"m{i:02}.txt").write_text(BAD * 200 + f" Message {i}.")
    process = subprocess.Popen([sys.executable, "-m", "apology_lint", "--jobs", "2",
                                str(tmp_path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2, workers
        time.sleep(1)  # each has 20 long texts to lint: far from done
        os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
        killed = time.monotonic()
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the run waited for the dead worker")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert time.monotonic() - killed < 30
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("apology-lint: error: a --jobs worker process died (killed "
                               "by SIGKILL"), lines[0]
    assert not Path(f"/proc/{workers[1]}").exists()  # the other one was stopped


# --- globs that take exponential time ----------------------------------------------------

# Each shape is (glob, path) built from a size for the glob and a size for the path. A
# backtracking matcher takes exponential time on the first; the others are the worst
# cases for a matcher that takes each piece at its leftmost place.
_TIMING = r"""
import json, sys, time, timeit
from pathlib import PurePosixPath
from apology_lint.config import matches

shapes = {
    "stars, no match": lambda k, n: ("x/" + "*a" * k + "*b", "x/" + "a" * n),
    "stars, a match": lambda k, n: ("x/" + "*a" * k + "*b", "x/" + "a" * n + "b"),
    "near misses": lambda k, n: ("x/*" + "aab*" * k + "c", "x/" + "a" * n + "c"),
    "folders, no match": lambda k, n: ("**/a/" * k + "b", "a/" * n + "c"),
    "folders, a match": lambda k, n: ("**/a/" * k + "b", "a/" * n + "b"),
}
times = {}
for name, shape in shapes.items():
    timers = {}
    for k, n in ((8, 200), (8, 400), (16, 200)):
        glob, path = shape(k, n)
        # CPU time, not the clock: other processes on a busy machine do not count.
        timer = timeit.Timer(lambda path=PurePosixPath(path), glob=glob: matches(path, glob),
                             timer=time.process_time)
        timers[f"{name} {k} {n}"] = timer, max(1, timer.autorange()[0] // 6)  # ~30 ms
    # Measured in turns, the best of nine, so that what disturbs one disturbs all three.
    for _ in range(9):
        for key, (timer, number) in timers.items():
            times[key] = min(times.get(key, 1.0), timer.timeit(number) / number)
print(json.dumps(times))
"""


def test_globs_match_in_linear_time() -> None:
    try:
        done = subprocess.run([sys.executable, "-c", _TIMING], capture_output=True,
                              text=True, timeout=120, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("matching a glob took minutes")
    times = json.loads(done.stdout)
    for shape in ("stars, no match", "stars, a match", "near misses", "folders, no match",
                  "folders, a match"):
        base = times[f"{shape} 8 200"]
        assert base < 0.005, (shape, base)
        # Twice the path, or twice the glob: at most about twice the time.
        assert times[f"{shape} 8 400"] < 2.5 * base + 2e-6, (shape, times)
        assert times[f"{shape} 16 200"] < 2.5 * base + 2e-6, (shape, times)


def test_exponential_globs_in_the_configuration_finish(tmp_path: Path) -> None:
    stars = "*a" * 20 + "*b"
    (tmp_path / ".apology-lint.toml").write_text(
        f'extend-exclude = ["x/{stars}", "{stars}"]\n[kinds]\n"x/{stars}" = "update"\n')
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / ("a" * 200 + ".txt")).write_text(BAD)
    result = cli("--format", "json", ".", cwd=tmp_path, timeout=120)
    assert result.returncode == 1, result.stderr
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == [
        "x/" + "a" * 200 + ".txt"]


def test_a_gitignore_pattern_too_slow_to_match_is_not_applied(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("# *** drafts ***\n*.draft.txt\n" + "*a" * 12
                                         + "*b\n!\n")
    (tmp_path / ("a" * 200 + ".txt")).write_text(BAD)
    (tmp_path / "x.draft.txt").write_text(BAD)
    result = cli(".", cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert errors(result) == [
        f"apology-lint: error: {tmp_path.resolve()}/.gitignore:3: more than 3 '*' in one "
        "pattern (matching it can take hours), pattern not applied; simplify it"]
    assert "a" * 200 + ".txt:1:" in result.stdout
    assert "x.draft.txt" not in result.stdout  # the other patterns still apply


def test_a_command_line_glob_does_not_follow_links_to_folders(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BAD)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text(BAD)
    (tmp_path / "l1").symlink_to(".", target_is_directory=True)
    (tmp_path / "l2").symlink_to(".", target_is_directory=True)
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)
    result = cli("--format", "json", "**/*.txt", cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stderr
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == ["a.txt", "sub/b.txt"]


# --- folders that cannot be walked, and names that cannot be printed ---------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its mode; "
                    "test_an_unreadable_folder_is_an_error simulates it")
def test_an_unreadable_folder_is_an_error_for_real(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.txt").write_text(BAD)
    (tmp_path / "open.txt").write_text(BAD)
    (tmp_path / "locked").chmod(0)
    try:
        result = cli(".", cwd=tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert result.returncode == 2
    assert errors(result) == ["apology-lint: error: locked: cannot read the folder "
                              "(Permission denied), its files were not linted; make it "
                              "readable or exclude it"]
    assert "open.txt:1:" in result.stdout


def test_an_unreadable_folder_is_an_error(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root in CI, where chmod 000 does not stop reading: the folder is made
    # unreadable by refusing it in os.scandir, which is what the walk calls.
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.txt").write_text(BAD)
    (tmp_path / "open.txt").write_text(BAD)
    real_scandir = os.scandir

    def scandir(path: str | Path = ".") -> Iterator[os.DirEntry[str]]:
        if isinstance(path, (str, os.PathLike)) and Path(path) == tmp_path / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[return-value]

    monkeypatch.setattr(os, "scandir", scandir)
    result = run(Options(paths=[str(tmp_path)], isolated=True, kind="apology"))
    assert result.errors == [f"{tmp_path / 'locked'}: cannot read the folder (Permission "
                             "denied), its files were not linted; make it readable or "
                             "exclude it"]
    assert [Path(f.path).name for f in result.files] == ["open.txt"]


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[Path]:
    # Built and removed one level at a time: os.makedirs and shutil.rmtree (pytest's
    # clean-up) recurse, and 1,100 levels is past the stack's limit.
    levels = 1_100
    fd = os.open(tmp_path, os.O_RDONLY)
    for _ in range(levels):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    with open(os.open("x.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as handle:
        handle.write(BAD)
    os.close(fd)
    (tmp_path / "good.txt").write_text(BAD)
    yield tmp_path
    top = tmp_path / "d"
    while True:  # move the next level up, then remove the emptied top folder
        inner = "d" in os.listdir(top)
        if inner:
            os.rename(top / "d", tmp_path / "next")
        for name in os.listdir(top):
            os.unlink(top / name)
        os.rmdir(top)
        if not inner:
            break
        os.rename(tmp_path / "next", top)


def test_a_folder_nested_1100_deep_is_an_error(deep_tree: Path) -> None:
    deep_file = "/".join(["d"] * 1_100 + ["x.txt"])
    result = cli(".", deep_file, cwd=deep_tree, timeout=120)
    assert result.returncode == 2
    lines = errors(result)
    assert len(lines) == 2, lines
    assert lines[0].endswith(f": folders nested more than {MAX_DEPTH} deep, not walked; "
                             "move the messages up or exclude the folder")
    assert lines[1] == (f"apology-lint: error: {deep_file}: nested more than {MAX_DEPTH} "
                        "folders deep, skipped; move it up")
    assert "good.txt:1:" in result.stdout


def test_a_named_link_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    (tmp_path / "good.txt").write_text(BAD)
    result = cli("loop.txt", "good.txt", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert errors(result) == [
        "apology-lint: error: loop.txt: cannot read: Too many levels of symbolic links"]
    assert "good.txt:1:" in result.stdout


def test_names_that_cannot_be_printed_are_errors(tmp_path: Path) -> None:
    (tmp_path / "walked").mkdir()
    (tmp_path / "walked" / os.fsdecode(b"caf\xe9.txt")).write_text(BAD)
    (tmp_path / "walked" / "x\n::error::forged.txt").write_text(BAD)
    (tmp_path / "walked" / "good.txt").write_text(BAD)
    (tmp_path / os.fsdecode(b"named\xff.txt")).write_text(BAD)
    for output_format in ("json", "text"):
        result = cli("--format", output_format, "walked", b"named\xff.txt", cwd=tmp_path,
                     timeout=60)
        assert result.returncode == 2
        assert sorted(errors(result)) == [
            "apology-lint: error: named\\xff.txt: the name is not valid UTF-8, skipped; "
            "rename it",
            "apology-lint: error: walked/caf\\xe9.txt: the name is not valid UTF-8, "
            "skipped; rename it",
            "apology-lint: error: walked/x\\n::error::forged.txt: the name has control or "
            "formatting characters, skipped; rename it"]
        assert "walked/good.txt" in result.stdout
        assert not any(line.startswith("::error::forged") for line in
                       result.stdout.splitlines())
        if output_format == "json":
            assert [f["path"] for f in json.loads(result.stdout)["files"]] == [
                "walked/good.txt"]
