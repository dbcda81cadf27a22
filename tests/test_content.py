"""The shipped library is a complete transcription of the seeds."""
import re
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

SEEDS = Path(__file__).parent / "seeds"
LITERAL_FIGURE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|procent\b)")


def norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\[\[[a-z]+:[^\]]+\]\]", "", text)
    text = re.sub(r"(\d)\.(\d{3})\b", r"\1\2", text)  # Dutch thousands separator: 1.500 reads as 1500
    text = re.sub(r"[*_`'’‘\"“”]", "", text)
    return re.sub(r"\W+", " ", text).strip().lower()


def rendered(library, text: str) -> str:
    """Text with figure references replaced by their values, as a reader sees it."""
    from briefings.documents import dutch

    return re.sub(r"\[\[cijfer:([^\]]+)\]\]", lambda mt: dutch.cijfer(library.get(mt.group(1))), text)


def seed_questions() -> list[tuple[int, str]]:
    """(number, question text) from the annotation seed, joining questions split over two lines."""
    text = (SEEDS / "001_63c184dd3d99bfd8.txt").read_text(encoding="utf-8")
    body = text.split("Vraag en antwoord\n\nReflecties", 1)[1]
    found = {}
    for match in re.finditer(r"^(\d{1,2})\.\s*(\S.*)$", body, re.M):
        number = int(match.group(1))
        if number not in found and number == len(found) + 1:
            found[number] = match.group(2)
    return sorted(found.items())


def annotation_questions(library) -> list:
    view_numbers = []

    def walk(onderdelen):
        for o in onderdelen:
            view_numbers.extend(o.vragen)
            walk(o.onderdelen)

    walk(library.get("annotatie-fkd-verwey-jonker").onderdelen)
    return [library.get(v, "vraag") for v in view_numbers]


def test_all_65_questions_in_seed_order(library):
    seed = seed_questions()
    assert len(seed) == 65
    ours = annotation_questions(library)
    assert len(ours) == 65
    for (number, seed_text), vraag in zip(seed, ours):
        # the seed line may end where a page break split the question
        assert norm(rendered(library, vraag.vraag)).startswith(norm(seed_text)[:40]), f"question {number}: {vraag.id}"


def test_answers_keep_the_seed_wording(library):
    seed = norm((SEEDS / "001_63c184dd3d99bfd8.txt").read_text(encoding="utf-8"))
    for vraag in annotation_questions(library):
        for line in vraag.antwoord.splitlines():
            words = norm(rendered(library, line))
            if len(words) > 25:
                assert words[:25] in seed, f"{vraag.id}: {line!r}"


def test_all_68_interventions_with_theme_and_status(library):
    measures = library.items("maatregel")
    assert len(measures) == 68
    seed = norm((SEEDS / "002_7894230603087c4c.txt").read_text(encoding="utf-8"))
    for x in measures:
        assert norm(x.titel) in seed, x.id
        assert norm(x.beschrijving)[:40] in seed, x.id
    by_theme = {}
    for x in measures:
        by_theme.setdefault(x.thema, []).append(x.status)
    assert {t: len(v) for t, v in by_theme.items()} == {
        "toegankelijkheid": 5, "sociale-veiligheid-en-antidiscriminatie": 14, "bewustzijn": 13,
        "maatwerkondersteuning": 9, "leiderschap": 5, "representatie": 8, "doorstroom-en-doorgroei": 4,
        "sturen-en-monitoring": 10,
    }
    assert sorted(set(s for v in by_theme.values() for s in v)) == ["doorlopend", "lopend", "nieuw"]


def test_performance_agreements(library):
    afspraken = library.items("prestatieafspraak")
    assert len([a for a in afspraken if a.id.startswith("pa-inclusie-")]) == 6
    assert len([a for a in afspraken if a.id.startswith("pa-representatie-")]) == 7


@pytest.mark.parametrize("bron", ["verwey-jonker-2024", "kis-2023", "muzus-2023", "izi-solutions-2024",
                                  "clavis-consulting-2024", "dra-2024"])
def test_recommendations_are_answered(library, bron):
    source = library.get(bron, "bron")
    assert source.aanbevelingen
    for rec in source.aanbevelingen:
        assert library.measures_for(rec.id) or rec.reactie, rec.id


def test_the_required_sources_exist(library):
    ids = {b.id for b in library.items("bron")}
    assert {"kis-2023", "muzus-2023", "verwey-jonker-2024", "izi-solutions-2024", "clavis-consulting-2024",
            "dra-2024", "cbs-barometer-culturele-diversiteit", "discriminatiemonitor-2022", "mwo"} <= ids


def test_figures_of_the_seeds(library):
    from briefings.documents import dutch

    shown = {c.id: dutch.cijfer(c) for c in library.items("cijfer")}
    assert shown["vj-ongewenst-gedrag"] == "55%"
    assert shown["vj-discriminatie"] == "14%"
    assert shown["vj-twijfel-discriminatie"] == "12%"
    assert shown["dm-amsterdammers-discriminatie"] == "17%"
    assert shown["po-medewerkers-onder-35"] == "20,74%"
    assert library.get("po-medewerkers-onder-35").peildatum.isoformat() == "2024-07-04"
    assert shown["cbs-niet-westers-schaal12-2021"] == "10%"
    assert shown["cbs-niet-westers-schaal12-2023"] == "14%"
    assert shown["streefcijfer-niet-westers-schaal12"] == "30%"
    assert shown["groei-culturele-diversiteit"] == "25%"
    assert shown["vj-respons"] == "boven de 30%"
    assert shown["bijeenkomst-fysiek"] == "ca. 240"


def test_every_figure_in_an_answer_comes_from_the_library(library):
    for item in library.items("vraag") + library.items("kernboodschap") + library.items("maatregel"):
        texts = [getattr(item, f) for f in ("vraag", "antwoord", "beschrijving") if hasattr(item, f)]
        texts += getattr(item, "blokken", [])
        for text in texts:
            assert not LITERAL_FIGURE.search(text), f"{item.id}: {LITERAL_FIGURE.search(text).group()}"


def test_commitments_from_the_answers(library):
    by_question = {t.vraag for t in library.items("toezegging") if t.vraag}
    for vid in ("prominente-rol-aanpak-leidinggevenden", "gedragscode-gedrag-niet-tolereren",
                "overzicht-maatregelen-per-termijn", "frequentie-metingen"):  # questions 52, 54, 57, 64
        assert vid in by_question


def test_document_specs(library):
    kinds = sorted(d.soort for d in library.documents())
    assert {"annotatie", "raadsbrief", "factsheet", "achtergrondnotitie", "agenda", "matrix"} <= set(kinds)
    assert kinds.count("agenda") == 2


def test_check_is_clean_on_the_shipped_content():
    result = run_cli("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " error:" not in result.stdout


def test_schemas_are_current():
    import json

    from briefings.content.schema import SCHEMAS, schema_for

    for name in [*SCHEMAS, "document"]:
        shipped = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert shipped == schema_for(name), f"run `briefings schema --out schemas` ({name})"


def test_vraag_schema_asks_for_antwoord_only_without_antwoord_van():
    """An editor validating a question that takes over another's answer (antwoord_van) does not demand
    antwoord; one without antwoord_van still must have it, as the loader says."""
    from briefings.content.schema import schema_for

    schema = schema_for("vraag")
    assert "antwoord" not in schema["required"] and {"vraag", "status", "classificatie"} <= set(schema["required"])
    assert {"if": {"not": {"required": ["antwoord_van"]}}, "then": {"required": ["antwoord"]}} in schema["allOf"]


def test_every_content_file_names_its_schema():
    for path in (ROOT / "content").rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=../../schemas/"), path
        name = first.rsplit("/", 1)[1]
        assert (ROOT / "schemas" / name).is_file(), path


def test_shipped_settings_list_every_check_setting():
    """A maintainer reads the thresholds in briefings.yaml, each with what it means; none hides in the code."""
    import yaml

    from briefings.checks.settings import CHECK_DEFAULTS

    shipped = yaml.safe_load((ROOT / "briefings.yaml").read_text(encoding="utf-8"))["checks"]
    assert set(CHECK_DEFAULTS) <= set(shipped), set(CHECK_DEFAULTS) - set(shipped)
