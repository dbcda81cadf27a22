"""`briefings build --since REV`: the annotation with tracked changes against the version in git.

A copy of the shipped project is committed to a temporary repository and then edited the way the
bureau edits it: an answer reworded, a figure updated, a question taken out of the annotation and a
bullet added. The DOCX must carry those edits, and only those, as tracked changes that Word and
LibreOffice can accept or reject.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import copy_project, run_cli
from redlines import W, document_xml, libreoffice_tracked, marks, normalised_lines, tracked_text

DOC = "annotatie-fkd-verwey-jonker"
EDITOR = "Redactie Bureau I&D"
EDITED_AT = 1720603800  # 2024-07-10 09:30 UTC: the files' modification time
EDITED_STAMP = "2024-07-10T09:30:00Z"
REMOVED_QUESTION = "Houden leidinggevenden en management niet eigenlijk elkaar de hand boven het hoofd?"
NEW_BULLET = "Een nieuw punt over de weging van de antwoorden"


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    result = subprocess.run(["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args], capture_output=True,
                            text=True, env={**os.environ, **(env or {})}, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def make_repo(folder: Path) -> Path:
    """The shipped project, committed by the bureau on 1 July 2024."""
    repo = copy_project(folder)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", EDITOR)
    git(repo, "config", "user.email", "redactie@example.org")
    git(repo, "add", "-A")
    moment = "2024-07-01T12:00:00+02:00"
    git(repo, "commit", "-q", "-m", "Annotatie zoals verstuurd",
        env={"GIT_AUTHOR_DATE": moment, "GIT_COMMITTER_DATE": moment})
    return repo


def edit_yaml(path: Path, change) -> None:
    yaml = YAML()
    yaml.preserve_quotes = True
    data = yaml.load(path.read_text(encoding="utf-8"))
    change(data)
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


def edit_content(repo: Path) -> list[Path]:
    """The edits of the week; returns the files changed."""
    vraag = repo / "content/vragen/representatief-hele-gemeente.yaml"
    cijfers = repo / "content/cijfers/verwey-jonker-2024.yaml"
    spec = repo / f"content/documenten/{DOC}.yaml"

    def reword(data):
        before = str(data["antwoord"])
        after = before.replace("zijn de resultaten representatief", "zijn de uitkomsten goed representatief")
        assert after != before
        data["antwoord"] = after.rstrip("\n") + f"\n- {NEW_BULLET}\n"

    def update_figure(data):
        figure = next(c for c in data["cijfers"] if c["id"] == "vj-ongewenst-gedrag")
        assert figure["waarde"] == 55
        figure["waarde"] = 57

    def drop_question(data):
        data["onderdelen"][0]["vragen"].remove("hand-boven-het-hoofd")

    edit_yaml(vraag, reword)
    edit_yaml(cijfers, update_figure)
    edit_yaml(spec, drop_question)
    changed = [vraag, cijfers, spec]
    for path in changed:
        os.utime(path, (EDITED_AT, EDITED_AT))
    return changed


def build(repo: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    result = run_cli("build", *args, "--out", str(out), cwd=repo)
    assert result.returncode == 0, result.stderr
    return result


@dataclass
class Builds:
    repo: Path
    old: bytes        # the annotation built before the edits
    new: bytes        # built after the edits
    redline: bytes    # built after the edits with --since HEAD
    new_md: str
    redline_md: str
    stdout: str


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    root = tmp_path_factory.mktemp("redline")
    repo = make_repo(root / "project")
    build(repo, root / "old", "annotatie")
    edit_content(repo)
    build(repo, root / "new", "annotatie")
    result = build(repo, root / "redline", "annotatie", "--since", "HEAD")
    return Builds(repo, (root / "old" / f"{DOC}.docx").read_bytes(), (root / "new" / f"{DOC}.docx").read_bytes(),
                  (root / "redline" / f"{DOC}.wijzigingen.docx").read_bytes(),
                  (root / "new" / f"{DOC}.md").read_text(encoding="utf-8"),
                  (root / "redline" / f"{DOC}.md").read_text(encoding="utf-8"), result.stdout)


def paragraph_texts(data: bytes, tag: str, text_tag: str) -> list[str]:
    """The text inside each w:ins or w:del of tag."""
    return ["".join(t.text or "" for t in mark.iter(W + text_tag)) for mark in document_xml(data).iter(W + tag)]


def marked_paragraphs(data: bytes, tag: str) -> list[str]:
    """Paragraphs whose paragraph mark is inserted or deleted, with their text."""
    out = []
    for paragraph in document_xml(data).iter(W + "p"):
        if paragraph.find(f"{W}pPr/{W}rPr/{W}{tag}") is not None:
            out.append("".join(t.text or "" for t in paragraph.iter(W + "t", W + "delText")))
    return out


def test_the_edits_are_tracked_changes_by_the_editor(builds):
    found = marks(builds.redline)
    assert {m.tag for m in found} == {W + "ins", W + "del"}
    assert {m.get(W + "author") for m in found} == {EDITOR}  # git config user.name: not committed yet
    assert {m.get(W + "date") for m in found} == {EDITED_STAMP}
    ids = [m.get(W + "id") for m in found]
    assert len(ids) == len(set(ids))


def test_each_edit_shows_where_it_was_made(builds):
    deleted = paragraph_texts(builds.redline, "del", "delText")
    inserted = paragraph_texts(builds.redline, "ins", "t")
    assert "resultaten" in deleted and "uitkomsten goed" in inserted  # the answer, word by word
    assert deleted.count("55") >= 2 and inserted.count("57") >= 2     # the figure, wherever it is used
    assert any(text.startswith(REMOVED_QUESTION) for text in marked_paragraphs(builds.redline, "del"))
    assert NEW_BULLET in marked_paragraphs(builds.redline, "ins")


def test_accepting_gives_the_new_build_and_rejecting_the_old(builds):
    assert tracked_text(builds.redline, accept=True) == tracked_text(builds.new)
    old, rejected = tracked_text(builds.old), tracked_text(builds.redline, accept=False)
    # the colophon names the working tree (commit …-gewijzigd) where the old build named the commit
    assert rejected[:-1] == old[:-1]
    assert rejected[-1].replace("-gewijzigd", "") == old[-1].replace("-gewijzigd", "")


def test_markdown_stays_the_new_markdown_and_the_revision_is_named(builds):
    assert builds.redline_md == builds.new_md
    head = git(builds.repo, "rev-parse", "HEAD")
    assert f"tracked changes since HEAD ({head[:12]})" in builds.stdout
    assert EDITOR in builds.stdout


def test_a_document_new_since_the_revision_is_all_inserted(builds, tmp_path):
    spec = builds.repo / "content/documenten/agenda-stuurgroep-2024-03-25.yaml"
    copy = spec.with_name("agenda-stuurgroep-kopie.yaml")
    copy.write_text(spec.read_text(encoding="utf-8").replace("id: agenda-stuurgroep-2024-03-25",
                                                             "id: agenda-stuurgroep-kopie"), encoding="utf-8")
    try:
        build(builds.repo, tmp_path, "agenda-stuurgroep-kopie", "--since", "HEAD", "--format", "docx")
    finally:
        copy.unlink()
    data = (tmp_path / "agenda-stuurgroep-kopie.wijzigingen.docx").read_bytes()
    assert not document_xml(data).findall(f".//{W}del")
    assert document_xml(data).findall(f".//{W}ins")
    assert tracked_text(data, accept=False) == []


def test_committed_edits_name_the_commit_author_and_date(tmp_path):
    repo = make_repo(tmp_path / "project")
    edit_content(repo)
    git(repo, "commit", "-q", "-am", "Nieuwe cijfers",
        env={"GIT_AUTHOR_NAME": "A. de Auteur", "GIT_AUTHOR_EMAIL": "a@example.org",
             "GIT_AUTHOR_DATE": "2024-07-11T10:00:00+02:00"})
    (repo / "notities.txt").write_text("niet de inhoud\n", encoding="utf-8")
    git(repo, "add", "notities.txt")
    git(repo, "commit", "-q", "-m", "Notitie", env={"GIT_AUTHOR_NAME": "Iemand Anders"})
    build(repo, tmp_path / "out", "annotatie", "--since", "HEAD~2", "--format", "docx")
    found = marks((tmp_path / "out" / f"{DOC}.wijzigingen.docx").read_bytes())
    assert found
    assert {m.get(W + "author") for m in found} == {"A. de Auteur"}
    assert {m.get(W + "date") for m in found} == {"2024-07-11T08:00:00Z"}


def test_unchanged_content_gives_no_tracked_changes(tmp_path):
    repo = make_repo(tmp_path / "project")
    build(repo, tmp_path / "plain", "annotatie", "--format", "docx")
    build(repo, tmp_path / "since", "annotatie", "--since", "HEAD", "--format", "docx")
    data = (tmp_path / "since" / f"{DOC}.wijzigingen.docx").read_bytes()
    assert not marks(data)
    assert document_xml(data).findall(f".//{W}p")
    with_since = document_xml(data)
    without = document_xml((tmp_path / "plain" / f"{DOC}.docx").read_bytes())
    from lxml import etree

    assert etree.tostring(with_since) == etree.tostring(without)


def test_an_unknown_revision_is_a_clear_error(builds, tmp_path):
    result = run_cli("build", "annotatie", "--since", "geen-revisie", "--out", str(tmp_path), cwd=builds.repo)
    assert result.returncode == 1
    assert "unknown revision 'geen-revisie'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


def test_outside_git_is_a_clear_error(tmp_path):
    project = copy_project(tmp_path / "project")
    result = run_cli("build", "annotatie", "--since", "HEAD", "--out", str(tmp_path / "out"), cwd=project,
                     env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert result.returncode == 1
    assert "not in a git repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_since_needs_a_docx(builds, tmp_path):
    result = run_cli("build", "annotatie", "--since", "HEAD", "--format", "md", "--out", str(tmp_path),
                     cwd=builds.repo)
    assert result.returncode == 2
    assert "--since" in result.stderr


@pytest.mark.clients
def test_libreoffice_accepts_and_rejects_the_tracked_changes(builds, tmp_path):
    paths = {}
    for name in ("old", "new", "redline"):
        paths[name] = tmp_path / f"{name}.docx"
        paths[name].write_bytes(getattr(builds, name))
    redline = libreoffice_tracked(paths["redline"])
    assert {r["type"] for r in redline["redlines"]} >= {"Insert", "Delete"}
    assert {r["author"] for r in redline["redlines"]} == {EDITOR}
    assert {r["date"] for r in redline["redlines"]} == {EDITED_STAMP[:16]}

    old, new = libreoffice_tracked(paths["old"]), libreoffice_tracked(paths["new"])
    assert not old["redlines"] and not new["redlines"]
    assert normalised_lines(redline["accepted"]) == normalised_lines(new["accepted"])
    rejected, before = normalised_lines(redline["rejected"]), normalised_lines(old["accepted"])
    assert rejected[:-1] == before[:-1]
    assert rejected[-1].replace("-gewijzigd", "") == before[-1].replace("-gewijzigd", "")
    assert normalised_lines(redline["accepted"]) != rejected
