"""Reuse by reference: a question takes over another question's answer (antwoord_van, [[antwoord:id]])."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import copy_project, run_cli

SOURCE = "representatief-hele-gemeente"
REUSING = """\
id: representatief-tweede-meting
vraag: Is de tweede meting ook representatief?
antwoord_van: representatief-hele-gemeente
antwoord: |
  - Bij de tweede meting is dezelfde werkwijze gevolgd.
themas: [sturen-en-monitoring]
bronnen: [verwey-jonker-2024]
status: afgestemd
classificatie: intern
"""
SECOND = """\
id: annotatie-tweede
soort: annotatie
titel: Tweede meting
voor: wethouder-van-buren
vergadering: Raadscommissie FKD
agendapunt: '7'
datum: 2024-07-04
classificatie: intern
status: concept
gevraagd_besluit: Kennisnemen.
kernboodschap: verwey-jonker-fkd
onderdelen:
  - titel: Vragen
    vragen: [representatief-tweede-meting]
"""


def _project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "p")
    (root / "content/vragen/representatief-tweede-meting.yaml").write_text(REUSING, encoding="utf-8")
    (root / "content/documenten/annotatie-tweede.yaml").write_text(SECOND, encoding="utf-8")
    return root


def _build(root: Path, out: Path) -> dict[str, str]:
    result = run_cli("--root", str(root), "build", "--all", "--format", "md", "--no-check", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.md")}


def _answer_of(markdown: str, question: str) -> str:
    """The answer under the numbered question starting with `question`, as built."""
    match = re.search(rf"^\d+\. \*\*{re.escape(question)}[^\n]*\n\n(.*?)(?=\n\d+\. \*\*|\n#|\n<!-- Opgesteld|\Z)", markdown, re.S | re.M)
    assert match, question
    return "\n".join(line.strip() for line in match.group(1).strip().splitlines())


def test_reused_answer_builds_the_source_text_then_its_own_lines(tmp_path):
    root = _project(tmp_path)
    built = _build(root, tmp_path / "out")
    source = _answer_of(built["annotatie-fkd-verwey-jonker"], "Zijn de uitkomsten representatief")
    reused = _answer_of(built["annotatie-tweede"], "Is de tweede meting ook representatief?")
    assert reused == source + "\n- Bij de tweede meting is dezelfde werkwijze gevolgd."


def test_a_change_to_the_source_shows_in_both_documents_and_makes_the_reuse_suspect(tmp_path):
    root = _project(tmp_path)
    assert run_cli("--root", str(root), "review", "representatief-tweede-meting").returncode == 0
    before = run_cli("--root", str(root), "check", "--format", "json")
    assert "representatief-tweede-meting" not in _suspects(before.stdout)
    path = root / "content/vragen" / f"{SOURCE}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "zijn de resultaten representatief", "zijn de resultaten goed representatief"), encoding="utf-8")
    built = _build(root, tmp_path / "out")
    assert "zijn de resultaten goed representatief" in built["annotatie-fkd-verwey-jonker"]
    assert "zijn de resultaten goed representatief" in built["annotatie-tweede"]
    after = run_cli("--root", str(root), "check", "--format", "json")
    assert {"representatief-tweede-meting", SOURCE} <= _suspects(after.stdout)


def _suspects(report: str) -> set[str]:
    import json

    return {f["item"] for f in json.loads(report) if f["rule"] == "suspect-answer"
            and "suspect" in f["message"]}


def test_show_and_trace_list_the_reuse(tmp_path):
    root = _project(tmp_path)
    shown = run_cli("--root", str(root), "show", SOURCE).stdout
    assert "answer taken over by: representatief-tweede-meting" in shown
    assert "annotatie-tweede" not in shown.split("answer taken over by")[0]
    traced = run_cli("--root", str(root), "trace", SOURCE).stdout
    assert "vraag representatief-tweede-meting" in traced and "takes over its answer (antwoord_van)" in traced
    assert "document annotatie-tweede" in traced.split("documents to rebuild")[1]


def test_unknown_answer_is_an_error_with_its_place(tmp_path):
    root = _project(tmp_path)
    path = root / "content/vragen/representatief-tweede-meting.yaml"
    path.write_text(REUSING.replace("antwoord_van: representatief-hele-gemeente", "antwoord_van: representatief-hele"),
                    encoding="utf-8")
    result = run_cli("--root", str(root), "check")
    assert result.returncode == 1
    assert "content/vragen/representatief-tweede-meting.yaml:3:15: antwoord_van: unknown vraag 'representatief-hele'" \
        in result.stderr
    assert "did you mean 'representatief-hele-gemeente'" in result.stderr


def test_a_question_without_any_answer_is_still_refused(tmp_path):
    root = _project(tmp_path)
    path = root / "content/vragen/representatief-tweede-meting.yaml"
    path.write_text(REUSING.replace("antwoord_van: representatief-hele-gemeente\n", "").replace(
        "antwoord: |\n  - Bij de tweede meting is dezelfde werkwijze gevolgd.\n", ""), encoding="utf-8")
    result = run_cli("--root", str(root), "check")
    assert result.returncode == 1 and "missing required key 'antwoord'" in result.stderr


def test_a_measure_mid_sentence_reads_in_lower_case():
    from briefings.documents.dutch import mid_sentence, sentence_start

    text = "- [[maatregel:x]] start.\n- We zetten [[maatregel:x]] in. [[maatregel:x]] volgt."
    starts = [i for i in range(len(text)) if text.startswith("[[maatregel:x]]", i)]
    assert [sentence_start(text, i) for i in starts] == [True, False, True]
    assert mid_sentence("Second opinion meldingen") == "second opinion meldingen"
    assert mid_sentence("BIWS uitrol") == "BIWS uitrol" and mid_sentence("Amsterdam werkt") == "Amsterdam werkt"


def test_a_measure_mid_sentence_builds_in_lower_case(tmp_path):
    """As built: a measure named inside a sentence reads 'de inzet van omstanders', at a sentence start
    'Omstanders'; the document and the answer bank agree."""
    root = _project(tmp_path)
    path = root / "content/vragen/representatief-tweede-meting.yaml"
    path.write_text(REUSING.replace("  - Bij de tweede meting is dezelfde werkwijze gevolgd.\n",
                                    "  - We versterken [[maatregel:omstanders]] dit jaar. [[maatregel:omstanders]] "
                                    "loopt door.\n"), encoding="utf-8")
    answer = _answer_of(_build(root, tmp_path / "out")["annotatie-tweede"], "Is de tweede meting")
    assert "We versterken omstanders dit jaar. Omstanders loopt door." in answer, answer
