"""Building documents: golden Markdown, the annotation's DOCX in real clients, failures that keep old outputs."""
import io
import re
import zipfile
from pathlib import Path

import pytest

from clients import convert_to_pdf, pandoc_structure, pdf_text
from conftest import ROOT, copy_project, run_cli

GOLDEN = Path(__file__).parent / "golden"
FIXED = {"BRIEFINGS_COMMIT": "0000000golden"}
DOCS = sorted(p.stem for p in (ROOT / "content" / "documenten").glob("*.yaml"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every shipped document, built once as Markdown and DOCX."""
    out = tmp_path_factory.mktemp("build")
    result = run_cli("build", "--all", "--out", str(out), env=FIXED)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("doc", DOCS)
def test_golden_markdown(built, doc, update_golden):
    produced = (built / f"{doc}.md").read_text(encoding="utf-8")
    golden = GOLDEN / f"{doc}.md"
    if update_golden:
        golden.write_text(produced, encoding="utf-8")
    assert golden.is_file(), "run pytest --update-golden once and review the new golden file"
    assert produced == golden.read_text(encoding="utf-8"), f"{doc}: output differs from {golden} " \
        "(review the change, then run pytest --update-golden)"


def test_build_annotatie_writes_both_files(tmp_path):
    result = run_cli("build", "annotatie", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "annotatie-fkd-verwey-jonker.md").is_file()
    assert (tmp_path / "annotatie-fkd-verwey-jonker.docx").is_file()


def _annotation_questions(library):
    spec = library.get("annotatie-fkd-verwey-jonker")
    order = []

    def walk(onderdelen):
        for o in onderdelen:
            order.extend(library.get(v) for v in o.vragen)
            walk(o.onderdelen)

    walk(spec.onderdelen)
    return order


def test_docx_holds_all_65_questions_in_order_with_answers(built, library):
    import docx

    document = docx.Document(str(built / "annotatie-fkd-verwey-jonker.docx"))
    paragraphs = [(p.style.style_id, p.text) for p in document.paragraphs]
    numbered = [i for i, (style, _) in enumerate(paragraphs) if style == "ListNumber"]
    questions = _annotation_questions(library)
    assert len(numbered) >= 65
    texts = [paragraphs[i][1] for i in numbered]
    position = 0
    for vraag in questions:  # each question appears, in seed order, followed by its answer
        first_words = re.sub(r"\[\[[^\]]+\]\]", "", vraag.vraag).split()[:5]
        while position < len(texts) and texts[position].split()[:5] != first_words:
            position += 1
        assert position < len(texts), f"question {vraag.id} missing or out of order"
        index = numbered[position]
        answer = paragraphs[index + 1]
        assert answer[0].startswith(("ListBullet", "ListContinue")) and answer[1].strip(), vraag.id
        position += 1
    headings = [text for style, text in paragraphs if style.startswith("Heading")]
    for section in ("Kernboodschap", "Vraag en antwoord", "Reflecties/kritische vragen", "Representatief",
                    "Vragen raadsleden", "Lid Namane (PvdA)", "Lid Garmy (Volt)", "Bijlage 3: Overzicht interventies Bestuursopdracht"):
        assert section in headings


def test_docx_properties_and_reproducibility(tmp_path, built):
    out = tmp_path / "again"
    result = run_cli("build", "annotatie", "--format", "docx", "--out", str(out), env=FIXED)
    assert result.returncode == 0, result.stderr
    first = (built / "annotatie-fkd-verwey-jonker.docx").read_bytes()
    assert (out / "annotatie-fkd-verwey-jonker.docx").read_bytes() == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode()
        custom = z.read("docProps/custom.xml").decode()
        styles = z.read("word/styles.xml").decode()
        headers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
        footers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
        assert all(i.date_time == z.infolist()[0].date_time for i in z.infolist())
    assert "2024-07-04" in core and "Verwey-Jonker" in core
    assert "0000000golden" in custom and "briefings-inhoud" in custom
    assert 'w:val="nl-NL"' in styles
    assert "Intern" in headers and "VN2024-010173" in headers
    assert "PAGE" in footers and "NUMPAGES" in footers


def test_dutch_numbers_and_dates(built):
    text = (built / "annotatie-fkd-verwey-jonker.md").read_text(encoding="utf-8")
    assert "20,74%" in text and "(peildatum 4 juli 2024)" in text
    assert "55% maakt ongewenst gedrag mee" in text
    assert "**Datum:** 4 juli 2024" in text


@pytest.mark.clients
def test_annotation_opens_in_libreoffice_and_pandoc(built, tmp_path):
    docx_path = built / "annotatie-fkd-verwey-jonker.docx"
    pdf = convert_to_pdf(docx_path, tmp_path)
    text = pdf_text(pdf)
    assert "Annotatie voor wethouder van Buren" in text
    assert "Ervaringen van exit medewerkers".lower()[:10] in text.lower() or "exit" in text
    ours = pandoc_structure(built / "annotatie-fkd-verwey-jonker.md")
    theirs = pandoc_structure(docx_path)
    assert theirs["headers"] == ours["headers"]
    assert theirs["lists"] == ours["lists"]


@pytest.mark.clients
@pytest.mark.parametrize("doc", [d for d in DOCS if d != "annotatie-fkd-verwey-jonker"])
def test_every_document_opens_in_pandoc_with_our_structure(built, doc):
    ours = pandoc_structure(built / f"{doc}.md")
    theirs = pandoc_structure(built / f"{doc}.docx")
    assert theirs["headers"] == ours["headers"]
    assert theirs["lists"] == ours["lists"]


@pytest.mark.clients
def test_every_document_opens_in_libreoffice(built, tmp_path):
    for doc in DOCS:
        pdf = convert_to_pdf(built / f"{doc}.docx", tmp_path)
        assert pdf.stat().st_size > 1000, doc


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_unknown_question_in_spec_keeps_earlier_outputs(tmp_path):
    project = copy_project(tmp_path)
    assert run_cli("build", "annotatie", cwd=project).returncode == 0
    outputs = {p: p.read_bytes() for p in (project / "build").iterdir()}
    spec = project / "content" / "documenten" / "annotatie-fkd-verwey-jonker.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("- optreden-directeuren", "- optreden-directeurn"),
                    encoding="utf-8")
    result = run_cli("build", "annotatie", cwd=project)
    assert result.returncode == 1
    line = _line_of(spec, "optreden-directeurn")
    assert result.stderr.startswith(f"content/documenten/annotatie-fkd-verwey-jonker.yaml:{line}:")
    assert "unknown vraag 'optreden-directeurn'" in result.stderr
    assert "did you mean 'optreden-directeuren'" in result.stderr
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in (project / "build").iterdir()} == outputs


@pytest.mark.parametrize("broken, message", [
    ("{% for x in %}", "template syntax error"),
    ("{{ doc.bestaat_niet }}", "undefined in template"),
])
def test_template_error_keeps_earlier_outputs(tmp_path, broken, message):
    project = copy_project(tmp_path)
    assert run_cli("build", "--all", cwd=project).returncode == 0
    outputs = {p: p.read_bytes() for p in (project / "build").iterdir()}
    template = project / "templates" / "factsheet.md.j2"
    lines = template.read_text(encoding="utf-8").splitlines()
    lines.insert(5, broken)
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("build", "--all", "--force", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("templates/factsheet.md.j2:6: "), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in (project / "build").iterdir()} == outputs


def test_kinds_and_usage_errors(tmp_path):
    result = run_cli("build", "raadsbrief", "--format", "md", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "raadsbrief-voortgang-vervolgstappen-2024.md").is_file()
    result = run_cli("build", "raadsbrif")
    assert result.returncode == 1 and "did you mean 'raadsbrief'" in result.stderr
    result = run_cli("build", "--all", "annotatie")
    assert result.returncode == 2
    result = run_cli("build", "--format", "odt")
    assert result.returncode == 2
