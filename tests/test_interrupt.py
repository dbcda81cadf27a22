"""An interrupted build (Ctrl-C or SIGTERM) keeps every output whole and leaves no temporary files."""
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import docx
import pytest

from conftest import copy_project, run_cli

OLD = {"BRIEFINGS_COMMIT": "0000000old"}
NEW = {"BRIEFINGS_COMMIT": "0000000new"}  # the colophon differs, so every output changes
FRACTIONS = (0.2, 0.5, 0.8, 0.9, 0.95, 1.0)  # of the time a whole build takes: outputs are written at the end


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """A project built once (old outputs), and the outputs a complete new build would write."""
    project = copy_project(tmp_path_factory.mktemp("interrupt"))
    assert run_cli("build", "--all", cwd=project, env=OLD).returncode == 0
    new = project / "new"
    started = time.perf_counter()
    assert run_cli("build", "--all", "--force", "--out", str(new), cwd=project, env=NEW).returncode == 0
    duration = time.perf_counter() - started
    old = {p.name: p.read_bytes() for p in (project / "build").iterdir() if not p.name.startswith(".")}
    fresh = {p.name: p.read_bytes() for p in new.iterdir() if not p.name.startswith(".")}
    assert old.keys() == fresh.keys() and all(old[k] != fresh[k] for k in old)
    return project, old, fresh, duration


def assert_whole(folder, old, fresh):
    names = {p.name for p in folder.iterdir()}
    leftovers = [n for n in names if n.endswith(".tmp")]
    assert not leftovers, leftovers
    assert names - {".briefings-manifest.json", ".briefings-quick"} == set(old)
    for name in old:
        data = (folder / name).read_bytes()
        assert data in (old[name], fresh[name]), f"{name} is neither the old nor the new version"
        if name.endswith(".docx"):
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                assert package.testzip() is None
            docx.Document(io.BytesIO(data))
    manifest = folder / ".briefings-manifest.json"
    if manifest.exists():
        json.loads(manifest.read_text(encoding="utf-8"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_build_leaves_whole_outputs(versions, sig):
    project, old, fresh, duration = versions
    interrupted = 0
    for delay in (f * duration for f in FRACTIONS):
        env = {**os.environ, **NEW}
        env.pop("BRIEFINGS_DEBUG", None)
        process = subprocess.Popen([sys.executable, "-m", "briefings", "build", "--all", "--force"], cwd=project,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        process.send_signal(sig)
        out, err = process.communicate(timeout=60)
        assert "Traceback" not in err + out, err
        if process.returncode != 0:
            interrupted += 1
        assert_whole(project / "build", old, fresh)
    assert interrupted >= 2, "too few runs were interrupted to show anything"


def test_interrupt_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    from briefings.writers import files

    target = tmp_path / "out.md"
    target.write_bytes(b"old")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        files.write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]
    assert not files._PENDING


def test_pending_temporary_files_are_removed_at_exit(tmp_path):
    from briefings.writers import files

    stray = tmp_path / ".out.md.1-1.tmp"
    stray.write_bytes(b"half")
    files._PENDING.add(str(stray))
    files.remove_pending()
    assert not stray.exists() and not files._PENDING


def test_interrupt_inside_a_finalizer_is_not_lost():
    """A signal that lands in a __del__ (a zip file closing, say) would only be printed there; it is retried."""
    code = (
        "import os, signal, time\n"
        "from briefings.cli import _interrupted\n"
        "signal.signal(signal.SIGINT, _interrupted)\n"
        "class Closing:\n"
        "    def __del__(self):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        sum(range(100000))\n"
        "try:\n"
        "    Closing()\n"
        "    time.sleep(2)\n"
        "    print('not interrupted')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "interrupted"
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
