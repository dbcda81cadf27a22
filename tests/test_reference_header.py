"""A line of text in the reference document's header stays in every built DOCX, next to the classification."""
import docx

from conftest import copy_project, run_cli


def test_header_text_of_the_reference_document_is_kept(tmp_path):
    root = copy_project(tmp_path)
    reference = docx.Document(str(root / "templates" / "huisstijl.docx"))
    header = reference.sections[0].header
    header.is_linked_to_previous = False
    header.paragraphs[0].text = "Gemeente Amsterdam, Bureau Inclusie en Diversiteit"
    reference.save(str(root / "huisstijl-met-kop.docx"))
    result = run_cli("build", "annotatie", "--format", "docx", "--reference-doc", "huisstijl-met-kop.docx",
                     cwd=root, env={"BRIEFINGS_CACHE": "0", "PYTHONWARNINGS": "error::FutureWarning"})
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    built = docx.Document(str(root / "build" / "annotatie-fkd-verwey-jonker.docx"))
    lines = [p.text for p in built.sections[-1].header.paragraphs if p.text]
    assert lines[0] == "Gemeente Amsterdam, Bureau Inclusie en Diversiteit"
    assert len(lines) == 2 and "Intern \u00b7 " in lines[1], lines  # after the lifecycle marking ("Concept · ") if any
