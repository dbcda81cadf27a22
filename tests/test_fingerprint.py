"""Fingerprints of what an answer rests on, and `review`, which records one in the question's file."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from briefings.checks import fingerprint as fp
from briefings.errors import ReferenceError_
from briefings.content.library import open_library

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
TODAY = dt.date(2024, 7, 15)

THEMA = "id: thema\nnummer: 1\ntitel: Thema\npijler: inclusie\nomschrijving: Thema.\n"

# The same library twice: different YAML styles, key order, file split and whitespace.
LAYOUT_A = {
    "themas/thema.yaml": THEMA,
    "bronnen/onderzoek.yaml": "id: onderzoek\norganisatie: Bureau\ntitel: Onderzoek naar gedrag\nsoort: monitor\n"
                              "jaar: '2024'\nreferentie: Bureau (2024)\n",
    "cijfers/onderzoek.yaml": "bron: onderzoek\npeildatum: 2024-03-18\ncijfers:\n"
                              "  - {id: a, waarde: 55, eenheid: procent, omschrijving: A}\n"
                              "  - {id: b, waarde: 14, eenheid: procent, omschrijving: B}\n",
    "maatregelen/preventie.yaml": "id: preventie\ntitel: Preventie\nthema: thema\nstatus: nieuw\nsoort: beleid\n"
                                  "aanleiding: Motie.\nbeschrijving: >-\n  We zetten in\n  op preventie.\n",
    "vragen/v.yaml": "id: v\nvraag: V?\nantwoord: '[[cijfer:a]] en [[cijfer:b]].'\nbronnen: [onderzoek]\n"
                     "maatregelen: [preventie]\nstatus: concept\nclassificatie: intern\n",
}
LAYOUT_B = {
    "themas/thema.yaml": THEMA,
    "bronnen/onderzoek.yaml": "# bron\nreferentie: \"Bureau (2024)\"\njaar: '2024'\nsoort: monitor\n"
                              "titel: >\n  Onderzoek   naar\n  gedrag\norganisatie: Bureau\nid: onderzoek\n",
    "cijfers/b.yaml": "cijfers:\n- id: b\n  omschrijving: B\n  eenheid: procent\n  waarde: 14.0\n"
                      "  bron: onderzoek\n  peildatum: 2024-03-18\n",
    "cijfers/a.yaml": "peildatum: 2024-03-18\nbron: onderzoek\ncijfers:\n- id: a\n  waarde: 55\n  eenheid: procent\n"
                      "  omschrijving: A\n",
    "maatregelen/preventie.yaml": "id: preventie\ntitel: Preventie\nthema: thema\nstatus: nieuw\nsoort: beleid\n"
                                  "aanleiding: Motie.\nbeschrijving: |\n  We zetten in op\n  preventie.\n",
    "vragen/v.yaml": "id: v\nvraag: Een andere vraag?\nantwoord: >-\n  [[cijfer:a]]   en\n  [[cijfer:b]].\n"
                     "maatregelen:\n  - preventie\nbronnen:\n  - onderzoek\nstatus: definitief\nclassificatie: intern\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def print_of(root: Path, vraag_id: str = "v") -> str:
    lib = open_library(root)
    return fp.fingerprint(lib, lib.by_id[vraag_id])


def test_fingerprint_is_16_hex():
    value = print_of(FIXTURES / "clean", "hoeveel-ongewenst-gedrag")
    assert len(value) == 16 and int(value, 16) >= 0


def test_independent_of_yaml_layout_and_file_order(tmp_path):
    a = print_of(write(tmp_path / "a", LAYOUT_A))
    b = print_of(write(tmp_path / "b", LAYOUT_B))
    assert a == b


def test_rests_on_figures_then_sources_then_measures(tmp_path):
    lib = open_library(write(tmp_path, LAYOUT_A))
    assert [(x.kind, x.id) for x in fp.rests_on(lib, lib.by_id["v"])] == [
        ("cijfer", "a"), ("cijfer", "b"), ("bron", "onderzoek"), ("maatregel", "preventie")]


@pytest.mark.parametrize("rel, old, new", [
    ("cijfers/onderzoek.yaml", "waarde: 55", "waarde: 56"),
    ("cijfers/onderzoek.yaml", "peildatum: 2024-03-18", "peildatum: 2024-04-01"),
    ("cijfers/onderzoek.yaml", "omschrijving: A}", "omschrijving: A, benadering: ca.}"),
    ("bronnen/onderzoek.yaml", "jaar: '2024'", "jaar: '2025'"),
    ("bronnen/onderzoek.yaml", "referentie: Bureau (2024)", "referentie: Bureau (2024), p. 3"),
    ("maatregelen/preventie.yaml", "status: nieuw", "status: lopend"),
    ("maatregelen/preventie.yaml", "op preventie.", "op preventie en herstel."),
    ("vragen/v.yaml", "[[cijfer:b]]", "14%"),  # citing one figure fewer
])
def test_changes_when_what_it_rests_on_changes(tmp_path, rel, old, new):
    before = print_of(write(tmp_path / "before", LAYOUT_A))
    changed = dict(LAYOUT_A)
    assert old in changed[rel]
    changed[rel] = changed[rel].replace(old, new)
    assert print_of(write(tmp_path / "after", changed)) != before


@pytest.mark.parametrize("rel, old, new", [
    ("cijfers/onderzoek.yaml", "omschrijving: A}", "omschrijving: Iets anders}"),  # not what the answer rests on
    ("bronnen/onderzoek.yaml", "organisatie: Bureau", "organisatie: Het Bureau"),
    ("vragen/v.yaml", "status: concept", "status: afgestemd"),
    ("maatregelen/preventie.yaml", "aanleiding: Motie.", "aanleiding: Motie 123."),
])
def test_unchanged_by_other_fields(tmp_path, rel, old, new):
    before = print_of(write(tmp_path / "before", LAYOUT_A))
    changed = dict(LAYOUT_A)
    changed[rel] = changed[rel].replace(old, new)
    assert print_of(write(tmp_path / "after", changed)) == before


# --- review -----------------------------------------------------------------------------------------


@pytest.fixture
def lib_copy(tmp_path) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(FIXTURES / "suspect-answer", root)
    (root / "vragen" / "met-controle.yaml").write_text(
        "# een vraag met gecontroleerd\n"
        "id: met-controle\n"
        "vraag: \"Wat doen we met de \\\"uitkomsten\\\"?\"\n"
        "antwoord: >-\n"
        "  We bespreken [[cijfer:ongewenst-gedrag]] met\n"
        "  de directies.\n"
        "bronnen:\n"
        "  - onderzoek   # de hoofdbron\n"
        "status: concept\n"
        "classificatie: intern\n"
        "gecontroleerd: 2024-06-20\n"
        "embargo: 2024-07-04\n", encoding="utf-8")
    (root / "personen").mkdir()
    (root / "personen" / "adviseur.yaml").write_text("id: adviseur\nnaam: Adviseur\nrol: ambtenaar\n")
    return root


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_review_inserts_after_gecontroleerd_and_keeps_the_rest(lib_copy):
    path = lib_copy / "vragen" / "met-controle.yaml"
    before = lines(path)
    lib = open_library(lib_copy)
    expected = fp.fingerprint(lib, lib.by_id["met-controle"])
    assert fp.review(lib, ["met-controle"], TODAY, door="adviseur") == [path]
    assert lines(path) == before[:11] + [
        "beoordeling:", "  datum: 2024-07-15", "  door: adviseur", f"  vingerafdruk: {expected}"] + before[11:]


def test_review_appends_when_there_is_no_gecontroleerd(lib_copy):
    path = lib_copy / "vragen" / "nooit-beoordeeld.yaml"
    before = lines(path)
    fp.review(open_library(lib_copy), ["nooit-beoordeeld"], TODAY)
    after = lines(path)
    assert after[:len(before)] == before and after[len(before):][:2] == ["beoordeling:", "  datum: 2024-07-15"]


def test_review_replaces_an_existing_beoordeling(lib_copy):
    path = lib_copy / "vragen" / "beoordeeld.yaml"
    before = lines(path)
    cijfers = lib_copy / "cijfers" / "onderzoek.yaml"
    cijfers.write_text(cijfers.read_text().replace("waarde: 55", "waarde: 56"))
    lib = open_library(lib_copy)
    fp.review(lib, ["beoordeeld"], TODAY)
    after = lines(path)
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(after) == len(before)
    assert changed == [("  datum: 2024-07-01", "  datum: 2024-07-15"),
                       (before[11], f"  vingerafdruk: {fp.fingerprint(lib, lib.by_id['beoordeeld'])}")]
    assert after[0].startswith("# yaml-language-server") and after[2] == "vraag: 'Hoeveel medewerkers maken ongewenst gedrag mee?'"
    assert after[6] == "status: definitief   # afgestemd met P&O"


def test_review_unknown_id_writes_nothing(lib_copy):
    path = lib_copy / "vragen" / "met-controle.yaml"
    before = path.read_text()
    with pytest.raises(ReferenceError_, match="unknown vraag 'met-controlle'") as info:
        fp.review(open_library(lib_copy), ["met-controle", "met-controlle"], TODAY)
    assert info.value.hint == "did you mean 'met-controle'?"
    assert path.read_text() == before


def test_review_unknown_reviewer(lib_copy):
    with pytest.raises(ReferenceError_, match="unknown persoon 'adviseu'"):
        fp.review(open_library(lib_copy), ["met-controle"], TODAY, door="adviseu")


def test_review_quotes_a_fingerprint_that_looks_like_a_number(lib_copy, monkeypatch):
    monkeypatch.setattr(fp, "fingerprint", lambda lib, vraag: "1234567890123456")
    fp.review(open_library(lib_copy), ["nooit-beoordeeld"], TODAY)
    assert "  vingerafdruk: '1234567890123456'" in lines(lib_copy / "vragen" / "nooit-beoordeeld.yaml")
    assert open_library(lib_copy).by_id["nooit-beoordeeld"].beoordeling.vingerafdruk == "1234567890123456"


def test_review_keeps_crlf_and_file_mode(lib_copy):
    path = lib_copy / "vragen" / "crlf.yaml"
    path.write_bytes(b"id: crlf\r\nvraag: Crlf?\r\nantwoord: Ja.\r\nstatus: concept\r\nclassificatie: intern\r\n")
    path.chmod(0o644)
    fp.review(open_library(lib_copy), ["crlf"], TODAY)
    data = path.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") == 8
    assert path.stat().st_mode & 0o777 == 0o644
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_canonical_is_key_sorted_json_of_what_the_answer_rests_on(library):
    """canonical() is assembled from per-item pieces for speed; it must stay byte-identical to plain
    json.dumps of the whole mapping, or every recorded fingerprint would turn suspect."""
    import json

    fields = {"cijfer": fp.FIGURE_FIELDS, "bron": fp.SOURCE_FIELDS, "maatregel": fp.MEASURE_FIELDS}
    compared = 0
    for vraag in library.items("vraag"):
        data = {"antwoord": {q.id: fp.answer_text(q) for q in (vraag, *library.answer_sources(vraag))},
                "cijfer": {}, "bron": {}, "maatregel": {}}
        for item in fp.rests_on(library, vraag):
            data[item.kind][item.id] = {f: fp._norm(getattr(item, f)) for f in fields[item.kind]}
        expected = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert fp.canonical(library, vraag) == expected, vraag.id
        compared += bool(data["cijfer"] or data["bron"] or data["maatregel"])
    assert compared >= 30  # most shipped answers rest on something
