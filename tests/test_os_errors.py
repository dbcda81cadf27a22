"""Operating-system failures end as one line, `briefings: cannot write PATH: REASON`, exit 1: old outputs
intact, no temporary files left. Read-only folders and full disks are made with a tmpfs (as root) or with
file modes (as another user); where neither works the test is skipped and says why."""
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import copy_project, run_cli

ANNOTATIE = "annotatie-fkd-verwey-jonker"
NOCACHE = {"BRIEFINGS_CACHE": "0"}


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "p")


def assert_os_error(result, start: str):
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(start), result.stderr  # after notes, if any
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


@contextmanager
def tmpfs(path: Path, options: str):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextmanager
def read_only(folder: Path):
    """The folder (which exists) made read-only: a read-only bind mount as root, file modes otherwise."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
        for p in modes:
            p.chmod(0o555)
        try:
            yield folder
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    for args in (["mount", "--bind", str(folder), str(folder)], ["mount", "-o", "remount,ro,bind", str(folder)]):
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
            pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_build_folder_that_is_a_file(project):
    (project / "build").write_text("not a folder", encoding="utf-8")
    result = run_cli("build", "annotatie", cwd=project, env=NOCACHE)
    assert_os_error(result, f"briefings: cannot write build/{ANNOTATIE}.")
    assert "build is a file, not a folder" in result.stderr
    assert (project / "build").read_text(encoding="utf-8") == "not a folder"


def test_output_path_that_is_a_folder(project):
    assert run_cli("build", "annotatie", "--format", "docx", cwd=project, env=NOCACHE).returncode == 0
    docx = (project / "build" / f"{ANNOTATIE}.docx").read_bytes()
    (project / "build" / f"{ANNOTATIE}.md").mkdir()
    result = run_cli("build", "annotatie", "--force", cwd=project, env=NOCACHE)
    assert_os_error(result, f"briefings: cannot write build/{ANNOTATIE}.md: it is a folder")
    assert (project / "build" / f"{ANNOTATIE}.md").is_dir()
    assert (project / "build" / f"{ANNOTATIE}.docx").read_bytes() == docx
    assert not temp_files(project / "build")


def test_export_to_a_folder_is_a_usage_error(project):
    result = run_cli("export", "vragen", "--out", "content", cwd=project, env=NOCACHE)
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_read_only_build_folder(project):
    with tmpfs(project / "build", "size=4m,ro") if os.geteuid() == 0 else read_only_build(project):
        result = run_cli("build", "annotatie", cwd=project, env=NOCACHE)
    assert_os_error(result, f"briefings: cannot write build/{ANNOTATIE}.")
    assert not temp_files(project)


@contextmanager
def read_only_build(project):
    (project / "build").mkdir()
    with read_only(project / "build"):
        yield


def test_read_only_content_for_fmt_review_and_export(project):
    path = project / "content" / "vragen" / "representatief-hele-gemeente.yaml"
    before = path.read_text(encoding="utf-8") + "\n\n"  # fmt would remove the blank lines
    path.write_text(before, encoding="utf-8")
    with read_only(project / "content"):
        fmt = run_cli("fmt", cwd=project, env=NOCACHE)
        review = run_cli("review", "representatief-hele-gemeente", cwd=project, env=NOCACHE)
        export = run_cli("export", "vragen", "--out", "content/vragen.md", cwd=project, env=NOCACHE)
    shown = "content/vragen/representatief-hele-gemeente.yaml"
    assert_os_error(fmt, f"briefings: cannot write {shown}: ")
    assert_os_error(review, f"briefings: cannot write {shown}: ")
    assert_os_error(export, "briefings: cannot write content/vragen.md: ")
    assert path.read_text(encoding="utf-8") == before
    assert not temp_files(project / "content")


def test_disk_full_keeps_the_old_outputs(project):
    with tmpfs(project / "build", "size=1m"):
        assert run_cli("build", "annotatie", cwd=project, env=NOCACHE).returncode == 0
        old = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
        filler = project / "build" / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the disk, then free its last 8 KB
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(filler, max(0, filler.stat().st_size - 8192))
        result = run_cli("build", "annotatie", "--force", cwd=project, env={**NOCACHE, "BRIEFINGS_COMMIT": "new"})
        assert_os_error(result, f"briefings: cannot write build/{ANNOTATIE}.")
        assert "No space left on device" in result.stderr
        for name, data in old.items():
            assert (project / "build" / name).read_bytes() == data, name
        assert not temp_files(project / "build")


def test_leftover_temp_file_of_a_killed_run_is_removed(project):
    build = project / "build"
    build.mkdir()
    dead = _dead_pid()
    leftover = build / f".{ANNOTATIE}.md.{dead}-0.tmp"
    leftover.write_text("half a file", encoding="utf-8")
    live = build / f".{ANNOTATIE}.md.{os.getpid()}-0.tmp"  # a run still writing: left alone
    live.write_text("being written", encoding="utf-8")
    assert run_cli("build", "annotatie", cwd=project, env=NOCACHE).returncode == 0
    assert not leftover.exists() and live.exists()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_named_temp_file_is_removed_when_the_write_fails(tmp_path, monkeypatch):
    """Where O_TMPFILE is missing the write goes through a named file; a failure removes it."""
    from briefings.errors import FileAccessError
    from briefings.writers import files

    monkeypatch.setattr(files, "_write_unnamed", lambda path, data: False)
    target = tmp_path / "out.md"
    files.write_bytes_atomic(target, b"old")
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(FileAccessError, match="cannot write .*folder.md: it is a folder"):
        files.write_bytes_atomic(tmp_path / "folder.md", b"new")
    assert target.read_bytes() == b"old"
    assert not temp_files(tmp_path)
