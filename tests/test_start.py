"""`briefings --help` answers from a prepared text without importing Click; the text is Click's own."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

HELP_MODULE = ROOT / "src" / "briefings" / "help_text.py"
HEADER = ('"""`briefings --help` as Click prints it at 80 columns (see start.py). Generated: run\n'
          '`pytest tests/test_start.py --update-golden` after changing a command or its help."""\n\n')


def _click_help(columns: int) -> str:
    code = ("from briefings.cli import cli\n"
            "try:\n    cli.main(['--help'], prog_name='briefings')\nexcept SystemExit:\n    pass\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "COLUMNS": str(columns)})
    return result.stdout


def _briefings(*args: str, columns: int = 80) -> subprocess.CompletedProcess:
    code = ("import sys\nfrom briefings.start import main\ntry:\n    main()\nfinally:\n"
            "    print('click imported' if 'click' in sys.modules else 'click not imported', file=sys.stderr)\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": str(columns)})


def test_prepared_help_is_clicks_help(update_golden):
    expected = HEADER + f"TEXT = {_click_help(80)!r}\n"
    if update_golden:
        HELP_MODULE.write_text(expected, encoding="utf-8")
    assert HELP_MODULE.read_text(encoding="utf-8") == expected, \
        "a command or its help changed: run pytest tests/test_start.py --update-golden"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_printed_without_importing_click(flag):
    result = _briefings(flag)
    assert result.returncode == 0
    assert result.stdout == _click_help(80)
    assert result.stderr.strip() == "click not imported"


def test_a_narrow_terminal_gets_clicks_wrapping():
    result = _briefings("--help", columns=60)
    assert result.returncode == 0 and result.stdout == _click_help(60)
    assert result.stderr.strip() == "click imported"


def test_everything_else_goes_through_click():
    result = _briefings("--version")
    assert result.returncode == 0 and "0.1.0" in result.stdout
    result = _briefings("nosuchcommand")
    assert result.returncode == 2 and "No such command" in result.stderr and "click imported" in result.stderr


def test_the_program_and_python_m_start_here():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'briefings = "briefings.start:main"' in pyproject
    assert "from briefings.start import main" in (ROOT / "src" / "briefings" / "__main__.py").read_text("utf-8")
    result = subprocess.run([sys.executable, "-m", "briefings", "--help"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "100"})
    assert result.returncode == 0 and result.stdout == _click_help(80)
