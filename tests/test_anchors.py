"""Item ids in the built DOCX: hidden bookmarks around each question, answer and key-message block."""
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from clients import require
from conftest import run_cli
from redlines import uno_python

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOC = "annotatie-fkd-verwey-jonker"
UNO_EDIT = Path(__file__).with_name("uno_edit_answer.py")


def bookmarks(data: bytes) -> dict[str, list[str]]:
    """Bookmark name → the text of the paragraphs it spans (document order)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = etree.fromstring(package.read("word/document.xml")).find(W + "body")
    names: dict[str, str] = {}  # LibreOffice may write a name twice, under two ids
    open_names: list[str] = []
    spans: dict[str, list[str]] = {}
    for paragraph in body.iter(W + "p"):
        text = "".join(t.text or "" for t in paragraph.iter(W + "t") if next(t.iterancestors(W + "del"), None) is None)
        for start in paragraph.iter(W + "bookmarkStart"):
            names[start.get(W + "id")] = start.get(W + "name")
            if start.get(W + "name") not in open_names:
                open_names.append(start.get(W + "name"))
        for name in open_names:
            spans.setdefault(name, []).append(text)
        for end in paragraph.iter(W + "bookmarkEnd"):
            if names.get(end.get(W + "id")) in open_names:
                open_names.remove(names[end.get(W + "id")])
    return spans


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("anchors")
    result = run_cli("build", "annotatie", "--out", str(out), "--force")
    assert result.returncode == 0, result.stderr
    return out


def test_every_question_answer_and_key_message_block_is_bookmarked(built, library):
    from briefings.documents import anchors

    spans = bookmarks((built / f"{DOC}.docx").read_bytes())
    known = anchors.anchors_of(library)
    found = {}
    for name, texts in spans.items():
        key, text_hash = anchors.parse_name(name)
        anchor = known[key]
        assert text_hash == anchors.text_hash(anchors.source_text(library, anchor))
        found[anchor] = texts
    doc = library.get(DOC)
    questions = [v for o in doc.onderdelen for v in _questions(o)]
    assert len(questions) == 65
    for vid in questions:
        question = found[anchors.Anchor(vid, "vraag")]
        assert len(question) == 1 and question[0].split()[:2] == library.get(vid).vraag.split()[:2]
        assert found[anchors.Anchor(vid, "antwoord")]
    kb = library.get(doc.kernboodschap)
    assert [len(found[anchors.Anchor(kb.id, "blokken", i)]) for i in range(len(kb.blokken))] == [
        len(blok.strip().split("\n")) for blok in kb.blokken]
    assert found[anchors.Anchor(kb.id, "blokken", 0)][0] == kb.blokken[0].split("\n")[0].removeprefix("- ")
    assert len(found) == 2 * 65 + len(kb.blokken)


def _questions(onderdeel):
    yield from onderdeel.vragen
    for o in onderdeel.onderdelen:
        yield from _questions(o)


def test_markdown_output_carries_no_anchors(built):
    text = (built / f"{DOC}.md").read_text(encoding="utf-8")
    assert "bf:" not in text
    assert text.count("<!--") == 1 and text.rstrip().endswith("-->")  # only the provenance, at the end


def test_woo_copy_carries_no_anchors(tmp_path):
    result = run_cli("build", "annotatie", "--woo", "--classificatie", "intern", "--out", str(tmp_path),
                     "--format", "docx")
    assert result.returncode == 0, result.stderr
    assert not bookmarks((tmp_path / f"{DOC}-woo.docx").read_bytes())


def test_bookmarks_survive_an_edit_in_libreoffice(built, tmp_path):
    require("soffice")
    edited = tmp_path / "edited.docx"
    before = bookmarks((built / f"{DOC}.docx").read_bytes())
    result = subprocess.run([uno_python(), str(UNO_EDIT), str(built / f"{DOC}.docx"), str(edited),
                             (tmp_path / "profile").as_uri(), "maakt ongewenst gedrag mee",
                             "maakt helaas ongewenst gedrag mee"], capture_output=True, timeout=240, cwd=UNO_EDIT.parent)
    assert result.returncode == 0, result.stderr
    after = bookmarks(edited.read_bytes())
    assert set(after) == set(before)
    changed = [name for name in before if before[name] != after[name]]
    assert len(changed) == 1 and any("helaas" in text for text in after[changed[0]])
