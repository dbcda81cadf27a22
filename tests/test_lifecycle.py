"""The document lifecycle: concept marking, final documents, `verzend` freezing what was sent, build warnings."""
from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from conftest import copy_project, run_cli

SENT = "factsheet-verwey-jonker-2024"


def _header_xml(docx: Path) -> str:
    with zipfile.ZipFile(docx) as package:
        return "".join(package.read(n).decode() for n in package.namelist() if n.startswith("word/header"))


def test_concept_marking_in_header_and_watermark_only_when_not_final(tmp_path):
    result = run_cli("build", "--all", "--format", "docx", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    afgestemd = _header_xml(tmp_path / "annotatie-fkd-verwey-jonker.docx")
    assert "Concept · Intern · VN2024-010173" in afgestemd and 'string="CONCEPT"' in afgestemd
    definitief = _header_xml(tmp_path / f"{SENT}.docx")
    assert "Concept" not in definitief and "CONCEPT" not in definitief


def test_build_prints_the_warnings_of_what_it_builds_unless_quiet(tmp_path):
    loud = run_cli("build", "annotatie", "--format", "md", "--out", str(tmp_path), "--force")
    assert loud.returncode == 0
    assert "warnings in what was built" in loud.stderr
    assert "placeholder 'moet nog update'" in loud.stderr and "placeholder 'Aanvullen met'" in loud.stderr
    quiet = run_cli("build", "annotatie", "--format", "md", "--out", str(tmp_path), "--force", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=t@example.org", *args], cwd=root, check=True,
                   capture_output=True)


def test_verzend_freezes_the_sent_version_and_check_names_later_changes(tmp_path):
    root = copy_project(tmp_path / "p")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "content")
    env = {"BRIEFINGS_COMMIT": ""}
    sent = run_cli("--root", str(root), "build", SENT, "--out", str(tmp_path / "sent"), env=env)
    assert sent.returncode == 0, sent.stderr
    result = run_cli("--root", str(root), "verzend", SENT, "--datum", "2024-07-05", env=env)
    assert result.returncode == 0, result.stderr
    spec = (root / "content/documenten" / f"{SENT}.yaml").read_text(encoding="utf-8")
    assert "status: verzonden" in spec and "verzending:" in spec and "datum: 2024-07-05" in spec
    figures = root / "content/cijfers/verwey-jonker-2024.yaml"
    text = figures.read_text(encoding="utf-8")
    figures.write_text(text.replace("waarde: 55", "waarde: 57", 1), encoding="utf-8")
    again = run_cli("--root", str(root), "build", SENT, "--out", str(tmp_path / "again"), env=env)
    assert again.returncode == 0, again.stderr
    assert "as sent on 2024-07-05" in again.stdout
    for suffix in (".md", ".docx"):
        assert (tmp_path / "again" / f"{SENT}{suffix}").read_bytes() == (tmp_path / "sent" / f"{SENT}{suffix}").read_bytes()
    check = run_cli("--root", str(root), "check", env=env)
    assert "cijfer 'vj-ongewenst-gedrag' changed since document 'factsheet-verwey-jonker-2024' was sent on " \
           "2024-07-05" in check.stdout
    assert "[sent-changed]" in check.stdout


def test_verzend_refuses_a_document_that_is_not_definitief(tmp_path):
    root = copy_project(tmp_path / "p")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "content")
    result = run_cli("--root", str(root), "verzend", "annotatie-fkd-verwey-jonker")
    assert result.returncode == 1
    assert "content/documenten/annotatie-fkd-verwey-jonker.yaml:9:9: document 'annotatie-fkd-verwey-jonker' is " \
           "afgestemd; only a definitief document can be sent" in result.stderr


def test_verzend_refuses_uncommitted_content(tmp_path):
    root = copy_project(tmp_path / "p")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "content")
    (root / "content/vragen/brief-or.yaml").write_text(
        (root / "content/vragen/brief-or.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run_cli("--root", str(root), "verzend", SENT)
    assert result.returncode == 1 and "uncommitted changes" in result.stderr
