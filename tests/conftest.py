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
    from briefings.content.library import open_library

    return open_library(ROOT / "content")


@pytest.fixture(scope="session")
def project():
    from briefings.project import load_project

    return load_project(ROOT)


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/*.md from the current build instead of comparing.")
    parser.addoption("--update-references", action="store_true",
                     help="Rewrite tests/visual/*.png (the rendered first pages) instead of comparing.")


@pytest.fixture(scope="session")
def update_references(request):
    return request.config.getoption("--update-references")


@pytest.fixture(scope="session")
def pdf_build(tmp_path_factory):
    """Every shipped document, built once as Markdown, DOCX and PDF (a fixed commit)."""
    import shutil

    if not shutil.which("soffice"):
        pytest.fail("soffice is not installed; run scripts/test, which installs LibreOffice", pytrace=False)
    out = tmp_path_factory.mktemp("pdf")
    result = run_cli("build", "--all", "--format", "all", "--out", str(out), env={"BRIEFINGS_COMMIT": "0000000pdf"},
                     timeout=900)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def update_golden(request):
    return request.config.getoption("--update-golden")


def copy_fixture_project(source: Path, dest: Path) -> Path:
    """A private copy of a fixture project (its content and settings), its settings pointing at the shipped
    templates (a fixture names them as ../../../templates)."""
    import shutil

    shutil.copytree(source / "content", dest / "content")
    settings = (source / "briefings.yaml").read_text(encoding="utf-8")
    (dest / "briefings.yaml").write_text(settings.replace("../../../templates", str(ROOT / "templates")),
                                         encoding="utf-8")
    return dest


def copy_project(dest: Path) -> Path:
    """A private copy of the shipped project (content, templates, settings) to break or build in."""
    import shutil

    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "briefings.yaml", dest / "briefings.yaml")
    return dest
