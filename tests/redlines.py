"""Reading tracked changes back: by walking the XML, and by letting LibreOffice accept or reject them.

`tracked_text` is what a reviewer is left with after accepting (or rejecting) every change, one
string per paragraph, table cells included. `libreoffice_tracked` asks Writer itself, through
uno_tracked_changes.py run by LibreOffice's Python (Debian package python3-uno).
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from clients import require

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
UNO_SCRIPT = Path(__file__).with_name("uno_tracked_changes.py")
UNO_HINT = ("LibreOffice's Python bridge is missing; run the test command from the README, which installs "
            "python3-uno (or point BRIEFINGS_UNO_PYTHON at a python that can `import uno`)")
TIMEOUT = 240


def document_xml(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read("word/document.xml"))


def marks(data: bytes) -> list[etree._Element]:
    """Every w:ins and w:del of the body, in document order."""
    return list(document_xml(data).iter(W + "ins", W + "del"))


def tracked_text(data: bytes, accept: bool = True) -> list[str]:
    """The paragraphs' text once every change is accepted (or rejected)."""
    gone = W + ("del" if accept else "ins")
    texts = []
    for paragraph in document_xml(data).iter(W + "p"):
        row = next(paragraph.iterancestors(W + "tr"), None)
        if row is not None and row.find(f"{W}trPr/{gone}") is not None:
            continue
        parts = []
        for element in paragraph.iter(W + "t", W + "delText"):
            if any(ancestor.tag == gone for ancestor in element.iterancestors()):
                continue
            parts.append(element.text or "")
        text = "".join(parts)
        if paragraph.find(f"{W}pPr/{W}rPr/{gone}") is not None:
            assert not text, f"the mark of a paragraph with surviving text goes: {text!r}"
            continue
        texts.append(text)
    return texts


def uno_python() -> str:
    """A python that can import LibreOffice's uno module, or a failed test."""
    candidates = [os.environ.get("BRIEFINGS_UNO_PYTHON"), "/usr/bin/python3",
                  "/usr/lib/libreoffice/program/python", shutil.which("python3")]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file():
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=60)
            if probe.returncode == 0:
                return candidate
    pytest.fail(UNO_HINT, pytrace=False)


def libreoffice_tracked(docx: Path) -> dict:
    """What Writer reports: {"redlines": [{type, author, date}], "accepted": text, "rejected": text}."""
    require("soffice")
    python = uno_python()
    with tempfile.TemporaryDirectory(prefix="lo-redline-") as work:
        profile = Path(work, "profile").as_uri()
        try:
            result = subprocess.run([python, str(UNO_SCRIPT), str(docx), work, profile], capture_output=True,
                                    timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"LibreOffice did not finish within {TIMEOUT} s", pytrace=False)
        if result.returncode:
            pytest.fail(f"LibreOffice failed: {result.stderr.decode(errors='replace')}", pytrace=False)
        folder = Path(work)
        return {
            "redlines": json.loads((folder / "redlines.json").read_text(encoding="utf-8")),
            "accepted": (folder / "accepted.txt").read_text(encoding="utf-8-sig"),
            "rejected": (folder / "rejected.txt").read_text(encoding="utf-8-sig"),
        }


LIST_MARKER = re.compile(r"^(\d+[.)]|[•◦▪\u2013\-])\s+")


def normalised_lines(text: str) -> list[str]:
    """Non-empty lines, whitespace collapsed, without list numbers or bullets (those may differ)."""
    lines = []
    for line in text.splitlines():
        line = LIST_MARKER.sub("", " ".join(line.split()))
        if line:
            lines.append(line)
    return lines
