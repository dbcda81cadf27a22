"""`trace` (what an item rests on and what rests on it) and the recommendations matrix."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefings.errors import ReferenceError_
from briefings.content.library import open_library
from briefings.review.matrix import MatrixMaatregel, MatrixRow, matrix_rows, render_matrix_text
from briefings.review.trace import render_tree, trace

CASE = Path(__file__).parent / "fixtures" / "checks" / "trace"


@pytest.fixture(scope="module")
def lib():
    return open_library(CASE)


def ids(nodes: list[dict]) -> list[str]:
    return [n["id"] for n in nodes]


def find(nodes: list[dict], item_id: str) -> dict:
    """The first node for item_id, depth first."""
    for node in nodes:
        if node["id"] == item_id:
            return node
        found = find(node["children"], item_id) if node["children"] else None
        if found:
            return found
    return None


def test_source_lists_the_documents_to_rebuild(lib):
    tree = trace(lib, "onderzoek")
    assert ids(tree["documents"]) == ["annotatie", "matrix"]
    # bron → cijfer → vraag → document
    cijfer = find(tree["downstream"], "ongewenst-gedrag")
    assert cijfer["via"] == "bron" and ids(cijfer["children"]) == ["hoeveel"]
    assert "annotatie" in ids(cijfer["children"][0]["children"])
    # bron → aanbeveling → maatregel
    rec = find(tree["downstream"], "meer-preventie")
    assert rec["via"] == "onderdeel van" and ids(rec["children"])[0] == "preventie"


def test_question_rests_on_figures_and_their_source(lib):
    tree = trace(lib, "hoeveel")
    assert ids(tree["upstream"]) == ["ongewenst-gedrag", "wat-nu", "preventie"]
    assert ids(tree["upstream"][0]["children"]) == ["onderzoek"]
    assert ids(tree["documents"]) == ["annotatie"]


def test_measure_rests_on_recommendation_and_its_source(lib):
    tree = trace(lib, "preventie")
    assert ids(tree["upstream"]) == ["sociale-veiligheid", "meer-preventie"]
    assert ids(tree["upstream"][1]["children"]) == ["onderzoek"]
    assert ids(tree["documents"]) == ["annotatie", "matrix"]


def test_cycles_end_in_a_repeat(lib):
    tree = trace(lib, "wat-nu")  # wat-nu and hoeveel refer to each other
    back = find(tree["upstream"], "hoeveel")
    assert "repeat" not in back
    again = find(back["children"], "wat-nu")
    assert again["repeat"] is True and again["children"] == []


def test_unknown_item(lib):
    with pytest.raises(ReferenceError_, match="unknown id 'onderzoekk'") as info:
        trace(lib, "onderzoekk")
    assert info.value.hint == "did you mean 'onderzoek'?"


def test_trace_is_json_serialisable(lib):
    tree = trace(lib, "onderzoek")
    assert json.loads(json.dumps(tree)) == tree
    item = tree["item"]
    assert (item["id"], item["kind"], item["label"]) == ("onderzoek", "bron", "Onderzoeksbureau")
    assert item["location"].endswith("trace/bronnen/onderzoek.yaml:1:1")


def test_render_tree(lib):
    text = render_tree(trace(lib, "ongewenst-gedrag"))
    assert text.splitlines()[1:] == [
        "rests on",
        "└── bron onderzoek  Onderzoeksbureau  [bron]",
        "used by",
        "└── vraag hoeveel  Hoeveel?  [antwoord]",
        "    ├── vraag wat-nu  Wat nu?  [antwoord]",
        "    │   └── vraag hoeveel  Hoeveel?  [antwoord]  (see above)",
        "    └── document annotatie  Document annotatie  [onderdelen.0.vragen]",
        "documents to rebuild",
        "└── document annotatie  Document annotatie",
    ]
    assert text.splitlines()[0].startswith("cijfer ongewenst-gedrag  medewerkers dat ongewenst gedrag meemaakt  (")


def test_render_tree_of_an_unused_item(lib):
    text = render_tree(trace(lib, "matrix"))
    assert text.endswith("used by\n└── (nothing)\ndocuments to rebuild\n└── (nothing)")


# --- the recommendations matrix ------------------------------------------------------------------------


def test_matrix_rows_by_source_then_file_order(lib):
    assert matrix_rows(lib) == [
        MatrixRow("advies", "AB", "commissie", "Stel een onafhankelijke commissie in.", "deels",
                  "Er komt een externe adviseur, geen commissie.", []),
        MatrixRow("onderzoek", "Onderzoeksbureau", "meer-preventie", "Doe meer aan preventie.", "maatregel", "",
                  [MatrixMaatregel("preventie", "Preventie", "nieuw")]),
        MatrixRow("onderzoek", "Onderzoeksbureau", "onbeantwoord", "Meet het effect van trainingen.", "", "", []),
    ]


def test_matrix_rows_for_chosen_sources(lib):
    assert [r.aanbeveling_id for r in matrix_rows(lib, ["onderzoek", "advies"])] == [
        "meer-preventie", "onbeantwoord", "commissie"]
    with pytest.raises(ReferenceError_, match="unknown bron 'adviez'"):
        matrix_rows(lib, ["adviez"])


def test_render_matrix_text(lib):
    assert render_matrix_text(matrix_rows(lib)).splitlines() == [
        "Bron              Aanbeveling                            Reactie    Toelichting                     Maatregelen",
        "----------------  -------------------------------------  ---------  ------------------------------  ---------------------",
        "AB                Stel een onafhankelijke commissie in.  deels      Er komt een externe adviseur,",
        "                                                                    geen commissie.",
        "Onderzoeksbureau  Doe meer aan preventie.                maatregel                                  Preventie (preventie)",
        "Onderzoeksbureau  Meet het effect van trainingen.        —",
        "(3 recommendations, 1 unanswered)",
    ]


def _uses_by_links(lib, doc) -> list[str]:
    """What a document uses, found as Library.uses found it before it kept each item's pulled ids: a breadth-first
    search over the resolved links, the parent and a set's agreements, every step looked up afresh."""
    from briefings.content import model as m
    from briefings.content.library import _FOLLOW, reuses

    def pulls(item):
        pulled = []
        is_document = isinstance(item, m.Document)
        for link in lib.refs.get(item.id, ()):
            target = lib.by_id.get(link.target)
            if link.kind != "bijlage" and target is not None and (is_document or link.kind in _FOLLOW or reuses(link)):
                pulled.append(target)
        if is_document:
            pulled += lib._overview_items(item)
        parent = lib.parent(item)
        if parent is not None:
            pulled.append(parent)
        if isinstance(item, m.Prestatieafspraken):
            pulled += [a for d in item.doelen for a in d.afspraken]
        return pulled

    seen, queue = {doc.id}, [doc]
    for item in queue:
        for target in pulls(item):
            if target.id not in seen:
                seen.add(target.id)
                queue.append(target)
    return [item.id for item in queue]


@pytest.mark.parametrize("where", ["shipped", "trace"])
def test_uses_is_a_breadth_first_search_over_links(where, library, lib):
    """Library.uses walks ids kept with each item (and in the parse cache); the order and the items are those
    of a plain search over the links."""
    subject = library if where == "shipped" else lib
    assert subject.documents()
    for doc in subject.documents():
        assert [item.id for item in subject.uses(doc)] == _uses_by_links(subject, doc), doc.id
        assert [item.id for item in subject.uses(doc)] == _uses_by_links(subject, doc), doc.id  # kept ids, again
