"""The PDF writer: one LibreOffice for many documents, atomic writes, one-line errors, never a half PDF."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from briefings.writers.docx import DocxMeta, markdown_to_docx
from briefings.writers.pdf import ConversionError, destination_pages, docx_bytes_to_pdf, docx_to_pdf
from briefings.writers.wordml import TOC_BOOKMARK
from conftest import ROOT, copy_project, run_cli

REFERENCE = ROOT / "templates" / "huisstijl.docx"


def docx_file(folder: Path, name: str, markdown: str, meta: DocxMeta | None = None) -> Path:
    path = folder / f"{name}.docx"
    path.write_bytes(markdown_to_docx(markdown, meta or DocxMeta(title=name), REFERENCE))
    return path


def fake_soffice(folder: Path, body: str) -> Path:
    """A stand-in for LibreOffice's soffice: a shell script."""
    script = folder / "soffice"
    script.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.clients
def test_many_documents_one_process_each_pdf_in_place(tmp_path, monkeypatch):
    calls = []
    real = subprocess.Popen

    def counting(command, *args, **kwargs):
        calls.append(command)
        return real(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    first = docx_file(tmp_path, "een", "# Een\n\nTekst.")
    (tmp_path / "sub").mkdir()
    second = docx_file(tmp_path / "sub", "een", "# Twee\n\nAndere tekst.")  # the same name, elsewhere
    jobs = [(first, tmp_path / "out" / "een.pdf"), (second, tmp_path / "out" / "twee.pdf")]
    docx_to_pdf(jobs)
    assert len(calls) == 1
    for _, pdf in jobs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and b"pdfaid:part" in data
    import pikepdf

    titles = []
    for _, pdf in jobs:
        with pikepdf.open(pdf) as document, document.open_outline() as outline:
            titles.append([item.title for item in outline.root])
    assert titles == [["Een"], ["Twee"]]
    assert not list(tmp_path.rglob(".~lock*")), "LibreOffice left a lock file next to a DOCX"


def test_missing_libreoffice_is_one_line_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFINGS_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    source = docx_file(tmp_path, "een", "tekst")
    with pytest.raises(ConversionError) as raised:
        docx_to_pdf([(source, tmp_path / "een.pdf")])
    assert "\n" not in raised.value.render()
    assert "LibreOffice" in raised.value.render()
    assert not (tmp_path / "een.pdf").exists()


def test_a_crash_keeps_the_old_pdf(tmp_path, monkeypatch):
    # writes a PDF's beginning, then dies as a crashing LibreOffice would
    script = fake_soffice(tmp_path, """\
        for last; do :; done
        outdir=$(echo "$@" | sed 's/.*--outdir \\([^ ]*\\).*/\\1/')
        printf '%%PDF-1.7 half' > "$outdir/$(basename "$last" .docx).pdf"
        kill -SEGV $$
        """)
    monkeypatch.setenv("BRIEFINGS_SOFFICE", str(script))
    source = docx_file(tmp_path, "een", "tekst")
    target = tmp_path / "een.pdf"
    target.write_bytes(b"old")
    with pytest.raises(ConversionError, match="killed by signal 11.*no PDF was written"):
        docx_to_pdf([(source, target)])
    assert target.read_bytes() == b"old"


def test_a_half_written_pdf_is_refused(tmp_path, monkeypatch):
    script = fake_soffice(tmp_path, """\
        for last; do :; done
        outdir=$(echo "$@" | sed 's/.*--outdir \\([^ ]*\\).*/\\1/')
        printf '%%PDF-1.7 half' > "$outdir/$(basename "$last" .docx).pdf"
        """)
    monkeypatch.setenv("BRIEFINGS_SOFFICE", str(script))
    source = docx_file(tmp_path, "een", "tekst")
    with pytest.raises(ConversionError, match="incomplete PDF of een.docx"):
        docx_to_pdf([(source, tmp_path / "een.pdf")])
    assert not (tmp_path / "een.pdf").exists()


def test_a_stalled_libreoffice_is_stopped_with_what_it_started(tmp_path, monkeypatch):
    marker = f"briefings-test-{os.getpid()}-{time.monotonic_ns()}"
    script = fake_soffice(tmp_path, f"""\
        sh -c 'sleep 300; echo {marker}' &
        sleep 300
        """)
    monkeypatch.setenv("BRIEFINGS_SOFFICE", str(script))
    source = docx_file(tmp_path, "een", "tekst")
    started = time.monotonic()
    with pytest.raises(ConversionError, match="stopped after 1 s without finishing a PDF"):
        docx_to_pdf([(source, tmp_path / "een.pdf")], timeout=1)
    assert time.monotonic() - started < 30
    assert not (tmp_path / "een.pdf").exists()
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert not left, "the stalled LibreOffice's child processes are still running"


def test_not_a_docx_is_refused_before_libreoffice_runs(tmp_path):
    with pytest.raises(ConversionError, match="not a DOCX"):
        docx_bytes_to_pdf([("kapot", b"geen zip")])


@pytest.mark.clients
def test_bookmarks_become_named_destinations_with_their_pages():
    meta = DocxMeta(title="t", toc=True, toc_field=False)
    data = markdown_to_docx("# Een\n\ntekst\n\n---\n\n# Twee\n\n---\n\n## Drie\n", meta, REFERENCE)
    pages = destination_pages(docx_bytes_to_pdf([("toc", data)])[0])
    # LibreOffice 7.4 writes the name "_Toc000001" as /5FToc000001 (an escape without its #)
    found = {name[-9:]: page for name, page in pages.items() if name.endswith(tuple("0123456789"))}
    assert found == {TOC_BOOKMARK.format(n)[1:]: page for n, page in ((1, 1), (2, 2), (3, 3))}


def test_destination_pages_of_a_pdf_without_destinations():
    assert destination_pages(b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF") == {}


def test_build_without_libreoffice_fails_before_writing(tmp_path):
    project = copy_project(tmp_path)
    result = run_cli("build", "factsheet", "--format", "all", cwd=project,
                     env={"BRIEFINGS_SOFFICE": str(tmp_path / "nowhere")})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "LibreOffice" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "build").exists() or not any((project / "build").iterdir())


def test_docx_of_a_document_with_contents_without_libreoffice_warns(tmp_path):
    project = copy_project(tmp_path)
    result = run_cli("build", "achtergrondnotitie", "--format", "docx", cwd=project,
                     env={"BRIEFINGS_SOFFICE": str(tmp_path / "nowhere")})
    assert result.returncode == 0, result.stderr
    assert "table of contents without page numbers" in result.stderr
    assert (project / "build" / "achtergrondnotitie-arbeidsinspectie-2024.docx").is_file()
    again = run_cli("build", "achtergrondnotitie", "--format", "docx", cwd=project,
                    env={"BRIEFINGS_SOFFICE": str(tmp_path / "nowhere")})
    assert "unchanged" not in again.stdout  # unfinished: built again until it can be numbered


if sys.platform == "win32":  # the fake LibreOffice is a shell script
    pytestmark = pytest.mark.skip("POSIX only")
