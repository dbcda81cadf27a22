"""Real clients for checking output: pandoc reads it back, LibreOffice renders it.

Tests that use these are marked `@pytest.mark.clients`. A missing tool fails the test
(never skips it): the test command in the README installs pandoc, LibreOffice and
poppler-utils.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TIMEOUT = 120
INSTALL_HINT = ("is not installed; run the test command from the README, which installs "
                "pandoc, LibreOffice and poppler-utils")


def require(tool: str) -> str:
    """The path of tool, or a failed test that says how to install it."""
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"{tool} {INSTALL_HINT}", pytrace=False)
    return path


# pandoc's Markdown without "smart": the DOCX writer keeps quotes and dashes as typed.
MARKDOWN = "markdown-smart"


def pandoc_json(source: Path | str, reader: str | None = None) -> dict:
    """pandoc's JSON AST of a .docx or .md path, or of Markdown text."""
    pandoc = require("pandoc")
    if isinstance(source, Path):
        reader = reader or ("docx" if source.suffix == ".docx" else MARKDOWN)
        command, stdin = [pandoc, "-f", reader, "-t", "json", str(source)], None
    else:
        command, stdin = [pandoc, "-f", reader or MARKDOWN, "-t", "json"], source.encode()
    result = subprocess.run(command, input=stdin, capture_output=True, timeout=TIMEOUT)
    if result.returncode:
        pytest.fail(f"pandoc failed: {result.stderr.decode(errors='replace')}", pytrace=False)
    return json.loads(result.stdout)


def pandoc_structure(source: Path | str, reader: str | None = None) -> dict:
    """What a reader notices: the title, the headers (level, text) and the list trees.

    The heading of a table of contents is left out: it is not in the Markdown. A list tree is {"kind": "bullet"} or {"kind": "ordered", "start": n}, with "items":
    per item the list trees nested in it. Paragraph text and formatting are left out.
    """
    document = pandoc_json(source, reader)
    title = document.get("meta", {}).get("title")
    return {
        "title": stringify(title["c"]) if title else None,
        "headers": list(_headers(document["blocks"])),
        "lists": _lists(document["blocks"]),
    }


def stringify(inlines: list) -> str:
    """Plain text of pandoc inlines, with whitespace collapsed."""
    parts: list[str] = []

    def walk(items):
        for item in items:
            kind, content = item.get("t"), item.get("c")
            if kind == "Str":
                parts.append(content)
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind in ("Code", "Math", "RawInline"):
                parts.append(content[1])
            elif kind in ("Span", "Link", "Image", "Quoted", "Cite"):
                walk(content[1])
            elif isinstance(content, list):
                walk(content)

    walk(inlines)
    return " ".join("".join(parts).split())


def _children(block: dict) -> list[list]:
    """The block lists directly inside a non-list block (divs, quotes, tables are skipped)."""
    kind, content = block.get("t"), block.get("c")
    if kind == "Div":
        return [content[1]]
    if kind == "BlockQuote":
        return [content]
    return []


def _headers(blocks: list):
    for block in blocks:
        if block.get("t") == "Header":
            level, (_, classes, _), inlines = block["c"]
            if "TOC-Heading" not in classes:
                yield level, stringify(inlines)
        for inner in _children(block):
            yield from _headers(inner)


def _lists(blocks: list) -> list[dict]:
    trees = []
    for block in blocks:
        kind = block.get("t")
        if kind == "BulletList":
            trees.append({"kind": "bullet", "items": [_lists(item) for item in block["c"]]})
        elif kind == "OrderedList":
            attributes, items = block["c"]
            trees.append({"kind": "ordered", "start": attributes[0],
                          "items": [_lists(item) for item in items]})
        else:
            for inner in _children(block):
                trees.extend(_lists(inner))
    return trees


def convert_to_pdf(docx_path: Path, outdir: Path) -> Path:
    """Render docx_path with LibreOffice; the PDF path. A private profile per call, so
    parallel runs do not share LibreOffice's user installation."""
    soffice = require("soffice")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        result = subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(outdir), str(docx_path)],
            capture_output=True, timeout=TIMEOUT)
    pdf = outdir / (Path(docx_path).stem + ".pdf")
    if result.returncode or not pdf.is_file():
        pytest.fail(f"LibreOffice did not produce {pdf}: {result.stderr.decode(errors='replace')}",
                    pytrace=False)
    return pdf


def pdf_text(pdf: Path) -> str:
    """The text of a PDF in reading order (pdftotext -layout)."""
    pdftotext = require("pdftotext")
    result = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                            timeout=TIMEOUT)
    if result.returncode:
        pytest.fail(f"pdftotext failed: {result.stderr.decode(errors='replace')}", pytrace=False)
    return result.stdout.decode("utf-8", errors="replace")


def render_png(pdf: Path, outdir: Path, resolution: int = 60) -> list[Path]:
    """One PNG per page (pdftoppm), for looking at the output."""
    pdftoppm = require("pdftoppm")
    outdir.mkdir(parents=True, exist_ok=True)
    prefix = outdir / pdf.stem
    subprocess.run([pdftoppm, "-png", "-r", str(resolution), str(pdf), str(prefix)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    return sorted(outdir.glob(f"{pdf.stem}*.png"))
