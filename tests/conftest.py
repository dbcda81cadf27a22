import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*args, cwd=None, env=None, timeout=120):
    """Run `briefings` as a user would: a separate process, text out."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("BRIEFINGS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "briefings", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, env=full_env, timeout=timeout)


@pytest.fixture(scope="session")
def library():
    from briefings.library import open_library

    return open_library(ROOT / "content")


@pytest.fixture(scope="session")
def project():
    from briefings.project import load_project

    return load_project(ROOT)
