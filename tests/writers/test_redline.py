"""Redline DOCX: the changes from a baseline as Word tracked changes, read back from the XML."""
from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from briefings.writers.docx import DocxMeta, markdown_to_docx
from briefings.writers.redline import Revision
from redlines import W, document_xml, libreoffice_tracked, marks, normalised_lines, tracked_text

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "templates" / "huisstijl.docx"
META = DocxMeta(title="Redline", date=datetime.date(2024, 7, 4))
REVISION = Revision("Redactie", datetime.datetime(2024, 7, 10, 11, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))))
STAMP = "2024-07-10T09:30:00Z"

OLD = """\
---
title: "Beantwoording"
---

# Inleiding

Een **vette** alinea met oude tekst en een [link](https://www.amsterdam.nl/).

## Weg met dit kopje

| Naam | Waarde |
|---|---:|
| a | 1 |
| b | 2 |
| c | 3 |

1. **Vraag een**

   - antwoord een
2. **Vraag twee**

   - antwoord twee
3. **Vraag drie**

   - antwoord drie

Slot.
"""

NEW = """\
---
title: "Beantwoording"
---

# Inleiding

Een **vette** alinea met nieuwe tekst en een [link](https://www.amsterdam.nl/).

| Naam | Waarde |
|---|---:|
| a | 1 |
| c | 4 |
| d | 5 |

1. **Vraag een**

   - antwoord een
   - een extra antwoord
2. **Vraag drie**

   - antwoord drie

Een nieuwe alinea.

Slot.
"""


def redline(old: str, new: str) -> bytes:
    return markdown_to_docx(new, META, REFERENCE, baseline=old, revision=REVISION)


def plain(markdown: str) -> bytes:
    return markdown_to_docx(markdown, META, REFERENCE)


@pytest.fixture(scope="module")
def changed() -> bytes:
    return redline(OLD, NEW)


def paragraph_with(data: bytes, text: str) -> etree._Element:
    for paragraph in document_xml(data).iter(W + "p"):
        if text in "".join(t.text or "" for t in paragraph.iter(W + "t", W + "delText")):
            return paragraph
    raise AssertionError(f"no paragraph with {text!r}")


def mark_of(paragraph: etree._Element) -> str | None:
    """ins or del when the paragraph mark itself is tracked."""
    rpr = paragraph.find(f"{W}pPr/{W}rPr")
    for tag in ("ins", "del"):
        if rpr is not None and rpr.find(W + tag) is not None:
            return tag
    return None


def test_the_same_markdown_gives_the_plain_document_to_the_byte():
    assert redline(OLD, OLD) == plain(OLD)


def test_accepting_every_change_gives_the_new_text_and_rejecting_gives_the_old(changed):
    assert tracked_text(changed, accept=True) == tracked_text(plain(NEW))
    assert tracked_text(changed, accept=False) == tracked_text(plain(OLD))


def test_every_mark_has_the_author_the_utc_date_and_its_own_id(changed):
    found = marks(changed)
    assert {m.tag for m in found} == {W + "ins", W + "del"}
    assert {m.get(W + "author") for m in found} == {"Redactie"}
    assert {m.get(W + "date") for m in found} == {STAMP}
    ids = [m.get(W + "id") for m in found]
    assert len(ids) == len(set(ids))


def test_a_changed_paragraph_is_diffed_word_by_word_and_keeps_its_formatting(changed):
    paragraph = paragraph_with(changed, "alinea met")
    assert mark_of(paragraph) is None
    deleted = ["".join(t.text for t in d.iter(W + "delText")) for d in paragraph.iter(W + "del")]
    inserted = ["".join(t.text for t in i.iter(W + "t")) for i in paragraph.iter(W + "ins")]
    assert deleted == ["oude"] and inserted == ["nieuwe"]
    bold = [r for r in paragraph.iter(W + "r") if r.find(f"{W}rPr/{W}b") is not None]
    assert ["".join(t.text for t in r.iter(W + "t")) for r in bold] == ["vette"]
    assert all(r.getparent().tag == W + "p" for r in bold)  # unchanged words are no change
    links = paragraph.findall(W + "hyperlink")
    assert ["".join(t.text for t in link.iter(W + "t")) for link in links] == ["link"]
    assert links[0].get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")


def test_whole_paragraphs_mark_their_paragraph_mark(changed):
    assert mark_of(paragraph_with(changed, "Een nieuwe alinea.")) == "ins"
    assert mark_of(paragraph_with(changed, "een extra antwoord")) == "ins"
    heading = paragraph_with(changed, "Weg met dit kopje")
    assert mark_of(heading) == "del"
    assert heading.find(f"{W}pPr/{W}pStyle").get(W + "val") == "Heading2"  # its old style
    assert heading.find(f".//{W}t") is None


def test_a_deleted_list_item_joins_the_numbering_of_its_list(changed):
    def num_id(paragraph):
        return paragraph.find(f"{W}pPr/{W}numPr/{W}numId").get(W + "val")

    removed = paragraph_with(changed, "Vraag twee")
    assert mark_of(removed) == "del"
    assert num_id(removed) == num_id(paragraph_with(changed, "Vraag een")) == num_id(paragraph_with(changed, "Vraag drie"))


def test_table_rows_are_inserted_deleted_or_diffed(changed):
    rows = list(document_xml(changed).iter(W + "tr"))
    cells = [["".join(t.text for t in tc.iter(W + "t", W + "delText")) for tc in tr.iter(W + "tc")] for tr in rows]
    assert cells == [["Naam", "Waarde"], ["a", "1"], ["b", "2"], ["c", "34"], ["d", "5"]]
    state = [next((tag for tag in ("ins", "del") if tr.find(f"{W}trPr/{W}{tag}") is not None), None) for tr in rows]
    assert state == [None, None, "del", None, "ins"]


def test_a_document_that_did_not_exist_is_all_inserted():
    data = redline("", NEW)
    assert not document_xml(data).findall(f".//{W}del")
    for text in document_xml(data).iter(W + "t"):
        assert any(a.tag == W + "ins" for a in text.iterancestors()), text.text
    assert tracked_text(data, accept=False) == []


def test_no_numbering_of_the_old_render_is_left_unused(changed):
    def part(data, name):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return etree.fromstring(package.read(name))

    plain_nums = {n.get(W + "numId") for n in part(plain(NEW), "word/numbering.xml").iter(W + "num")}
    used = {n.get(W + "val") for n in document_xml(changed).iter(W + "numId")}
    nums = {n.get(W + "numId") for n in part(changed, "word/numbering.xml").iter(W + "num")}
    assert nums <= plain_nums | used
    assert used <= nums | {"0"}


def test_redline_is_reproducible(changed):
    assert redline(OLD, NEW) == changed


@pytest.mark.clients
def test_libreoffice_accepts_and_rejects_rows_links_and_list_items(changed, tmp_path):
    texts = {}
    for name, data in (("redline", changed), ("old", plain(OLD)), ("new", plain(NEW))):
        (tmp_path / f"{name}.docx").write_bytes(data)
        texts[name] = libreoffice_tracked(tmp_path / f"{name}.docx")
    assert {(r["type"], r["author"], r["date"]) for r in texts["redline"]["redlines"]} == {
        ("Insert", "Redactie", STAMP[:16]), ("Delete", "Redactie", STAMP[:16])}
    assert normalised_lines(texts["redline"]["accepted"]) == normalised_lines(texts["new"]["accepted"])
    assert normalised_lines(texts["redline"]["rejected"]) == normalised_lines(texts["old"]["accepted"])


# A small language of blocks, and edits to them: whatever the edit, accepting every change must
# give the new document and rejecting every change the old one.
BLOCKS = ["# Kop een", "## Kop twee", "Een alinea over het beleid van de gemeente.", "Een **vette** zin.",
          "- punt een\n- punt twee", "1. vraag een\n2. vraag twee\n   - antwoord",
          "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |", "> Een citaat.", "Tekst met een [link naar de site](https://example.org/)."]
WORDS = ["nieuw", "oud", "**vet**", "*schuin*", "55%", "de", "gemeente", "-"]


@st.composite
def edited(draw):
    old = draw(st.lists(st.sampled_from(BLOCKS), max_size=8))
    new = list(old)
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["insert", "delete", "word", "swap"]))
        if action == "insert" or not new:
            new.insert(draw(st.integers(0, len(new))), draw(st.sampled_from(BLOCKS)))
        elif action == "delete":
            new.pop(draw(st.integers(0, len(new) - 1)))
        elif action == "swap":
            i = draw(st.integers(0, len(new) - 1))
            new[i], new[-1] = new[-1], new[i]
        else:
            i = draw(st.integers(0, len(new) - 1))
            words = new[i].split(" ")
            words.insert(draw(st.integers(1, len(words))), draw(st.sampled_from(WORDS)))
            new[i] = " ".join(words)
    return "\n\n".join(old) + "\n", "\n\n".join(new) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_accept_gives_new_and_reject_gives_old_for_any_edit(pair):
    old, new = pair
    data = redline(old, new)
    assert tracked_text(data, accept=True) == tracked_text(plain(new))
    assert tracked_text(data, accept=False) == tracked_text(plain(old))
    ids = [m.get(W + "id") for m in marks(data)]
    assert len(ids) == len(set(ids))
    if old == new:
        assert not ids
