"""Control characters from content never reach a terminal or a written document raw."""
import re

from conftest import copy_project, run_cli

from briefings.printable import printable, without_controls

RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ANSWER = "representatief-hele-gemeente"


def test_printable_shows_control_characters():
    assert printable("a\x1b[2Jb\tc\nd\r\x9b\x07") == "a\\x1b[2Jb\tc\nd\\x0d\\x9b\\x07"
    assert without_controls("a\x1b[31mb\r\nc\rd\x9b") == "a[31mb\r\nc d".replace(" ", "")


def test_escape_sequences_are_not_echoed_or_written(tmp_path):
    root = copy_project(tmp_path)
    path = root / "content" / "vragen" / f"{ANSWER}.yaml"
    text = path.read_text(encoding="utf-8")
    line = 'vraag: "Representatief \\e]0;pwned\\a voor \\e[2Jde hele gemeente?"'
    text = re.sub(r"(?m)^vraag: .*$", lambda found: line, text)
    path.write_text(text + '"onbekend\\e[5m": x\n', encoding="utf-8")
    check = run_cli("check", cwd=root, env={"BRIEFINGS_CACHE": "0"})
    assert check.returncode == 1 and "unknown key 'onbekend" in check.stderr, check.stderr
    assert not RAW.search(check.stderr)
    path.write_text(text, encoding="utf-8")
    for args in (["show", ANSWER], ["list", "vraag"], ["export", "vragen", "--status", "definitief", "--status",
                                                       "concept", "--classificatie", "intern"]):
        result = run_cli(*args, cwd=root, env={"BRIEFINGS_CACHE": "0"})
        assert result.returncode == 0, result.stderr
        assert not RAW.search(result.stdout + result.stderr), args
        assert "pwned" in result.stdout
    assert "\\x1b]0;pwned\\x07" in run_cli("show", ANSWER, cwd=root).stdout
    on_terminal = run_on_terminal(["show", ANSWER], root)
    assert "\\x1b]0;pwned\\x07 voor \\x1b[2Jde" in on_terminal and not RAW.search(on_terminal), on_terminal
    build = run_cli("build", "annotatie", "--format", "md", "--no-check", cwd=root, env={"BRIEFINGS_CACHE": "0"})
    assert build.returncode == 0, build.stderr
    md = (root / "build" / "annotatie-fkd-verwey-jonker.md").read_text(encoding="utf-8")
    assert "Representatief ]0;pwned voor [2Jde hele gemeente?" in md
    assert not RAW.search(md)


def run_on_terminal(args, cwd) -> str:
    """What briefings prints to a terminal (a pseudo-terminal), where Click keeps ANSI sequences."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    try:
        subprocess.run([sys.executable, "-m", "briefings", *args], cwd=cwd, stdout=slave, stderr=slave,
                       env={**os.environ, "BRIEFINGS_CACHE": "0"}, timeout=120)
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal is closed and read empty
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
