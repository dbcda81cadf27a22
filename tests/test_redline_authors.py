"""Tracked changes reviewers can trust: a separate file, each change by its own author and date."""
from __future__ import annotations


from redlines import W, marks
from test_redline import DOC, EDITOR, build, edit_yaml, git, make_repo

AUTHOR_A = {"GIT_AUTHOR_NAME": "A. de Auteur", "GIT_AUTHOR_EMAIL": "a@example.org",
            "GIT_AUTHOR_DATE": "2024-07-08T10:00:00+02:00"}
AUTHOR_B = {"GIT_AUTHOR_NAME": "B. van Beleid", "GIT_AUTHOR_EMAIL": "b@example.org",
            "GIT_AUTHOR_DATE": "2024-07-09T15:30:00+02:00"}


def marks_by_text(data: bytes) -> dict[str, set[tuple[str, str]]]:
    """Text of each mark → {(author, date)}."""
    found: dict[str, set] = {}
    for mark in marks(data):
        text = "".join(t.text or "" for t in mark.iter(W + "t", W + "delText"))
        found.setdefault(text, set()).add((mark.get(W + "author"), mark.get(W + "date")))
    return found


def two_commits(repo):
    vraag = repo / "content/vragen/representatief-hele-gemeente.yaml"
    edit_yaml(vraag, lambda d: d.__setitem__("antwoord", str(d["antwoord"]).replace(
        "zijn de resultaten representatief", "zijn de uitkomsten goed representatief")))
    git(repo, "commit", "-q", "-am", "Antwoord herschreven", env=AUTHOR_A)
    other = repo / "content/vragen/alleen-klagers-ingevuld.yaml"
    text = other.read_text(encoding="utf-8")
    first_bullet = text.split("antwoord: |\n  - ", 1)[1].split(" ", 1)[0]
    other.write_text(text.replace("antwoord: |\n  - " + first_bullet, "antwoord: |\n  - Nieuw: " + first_bullet, 1),
                     encoding="utf-8")
    git(repo, "commit", "-q", "-am", "Tweede antwoord", env=AUTHOR_B)


def test_each_change_carries_the_author_and_date_of_its_commit(tmp_path):
    repo = make_repo(tmp_path / "project")
    two_commits(repo)
    result = build(repo, tmp_path / "out", "annotatie", "--since", "HEAD~2", "--format", "docx")
    data = (tmp_path / "out" / f"{DOC}.wijzigingen.docx").read_bytes()
    found = marks_by_text(data)
    assert found["resultaten"] == {("A. de Auteur", "2024-07-08T08:00:00Z")}
    assert found["uitkomsten goed"] == {("A. de Auteur", "2024-07-08T08:00:00Z")}
    assert found["Nieuw: "] == {("B. van Beleid", "2024-07-09T13:30:00Z")}
    assert "A. de Auteur" in result.stdout and "B. van Beleid" in result.stdout


def test_an_unrelated_uncommitted_edit_changes_no_author(tmp_path):
    repo = make_repo(tmp_path / "project")
    two_commits(repo)
    unused = repo / "content/documenten/agenda-stuurgroep-2024-03-25.yaml"  # not used by the annotation
    unused.write_text(unused.read_text(encoding="utf-8") + "# notitie\n", encoding="utf-8")
    build(repo, tmp_path / "out", "annotatie", "--since", "HEAD~2", "--format", "docx")
    data = (tmp_path / "out" / f"{DOC}.wijzigingen.docx").read_bytes()
    authors = {author for pairs in marks_by_text(data).values() for author, _ in pairs}
    assert authors == {"A. de Auteur", "B. van Beleid"}
    assert EDITOR not in authors


def test_the_clean_docx_stays_byte_identical(tmp_path):
    repo = make_repo(tmp_path / "project")
    two_commits(repo)
    out = tmp_path / "out"
    build(repo, out, "annotatie", "--format", "docx")
    clean = (out / f"{DOC}.docx").read_bytes()
    build(repo, out, "annotatie", "--since", "HEAD~2", "--format", "docx")
    assert (out / f"{DOC}.docx").read_bytes() == clean
    assert marks((out / f"{DOC}.wijzigingen.docx").read_bytes())
    assert not marks(clean)
    again = build(repo, out, "annotatie", "--format", "docx")  # the plain build is up to date
    assert "unchanged: " in again.stdout or (out / f"{DOC}.docx").read_bytes() == clean


def test_the_word_diff_aligns_changes_as_the_redline_does():
    from briefings.review.diff import word_diff

    # a space shared by two different words is no common text: the change reads as one phrase
    assert word_diff("Dit vraagt de aandacht", "Dit vraagt aandacht van het bestuur") == [
        ("=", "Dit vraagt "), ("-", "de aandacht"), ("+", "aandacht van het bestuur")]


def test_a_pdf_is_made_of_the_clean_docx_not_the_tracked_copy(tmp_path):
    """--since with --format all: the PDF is the document as it stands (no tracked changes in it), and the
    tracked copy stays a DOCX for Word."""
    import subprocess

    repo = make_repo(tmp_path / "project")
    two_commits(repo)
    out = tmp_path / "out"
    build(repo, out, "annotatie", "--since", "HEAD~2", "--format", "all")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        f"{DOC}.docx", f"{DOC}.md", f"{DOC}.pdf", f"{DOC}.wijzigingen.docx"]
    assert marks((out / f"{DOC}.wijzigingen.docx").read_bytes()) and not marks((out / f"{DOC}.docx").read_bytes())
    text = " ".join(subprocess.run(["pdftotext", str(out / f"{DOC}.pdf"), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "zijn de uitkomsten goed representatief" in text and "zijn de resultaten representatief" not in text
