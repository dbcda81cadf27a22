"""The leak check of a Woo publication: no redacted name and no withheld fragment anywhere in the package.

Every file is read the way a reader or a machine could read it: each part of a DOCX or XLSX zip
(raw XML, and its text with the tags removed, runs joined and split), the PDF's text (pdftotext) and
its metadata (document information and XMP), XML, CSV. Text is normalised before matching
(`woo.normalise`), so a name hidden by an invisible character, a character reference or another
Unicode form is still found.
"""
from __future__ import annotations

import html
import re
import subprocess
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Iterator

from briefings.documents.woo import normal_form

_TAG = re.compile(r"<[^>]+>")


def readings(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) for every way the file can be read."""
    suffix = Path(name).suffix.lower()
    if suffix in (".docx", ".xlsx") and zipfile.is_zipfile(BytesIO(data)):
        with zipfile.ZipFile(BytesIO(data)) as package:
            for part in package.namelist():
                yield from _xml_readings(f"{name}:{part}", package.read(part).decode("utf-8", "replace"))
    elif suffix == ".pdf":
        yield from _pdf_readings(name, data)
    else:
        yield from _xml_readings(name, data.decode("utf-8", "replace"))


def _xml_readings(where: str, raw: str) -> Iterator[tuple[str, str]]:
    yield where, raw
    yield where, html.unescape(_TAG.sub("", raw))  # runs joined: "Jo</w:t>...<w:t>ost" reads "Joost"
    yield where, html.unescape(_TAG.sub(" ", raw))  # and apart: paragraphs do not run into each other


def _pdf_readings(where: str, data: bytes) -> Iterator[tuple[str, str]]:
    import pikepdf

    with tempfile.TemporaryDirectory(prefix="briefings-leak-") as tmp:
        path = Path(tmp) / "check.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120)
        yield f"{where} (text)", text.stdout.decode("utf-8", "replace")
        with pikepdf.open(path) as pdf:
            info = "\n".join(f"{key}: {value}" for key, value in pdf.docinfo.items())
            yield f"{where} (document information)", info
            xmp = pdf.Root.get("/Metadata")
            if xmp is not None:
                yield from _xml_readings(f"{where} (XMP)", xmp.read_bytes().decode("utf-8", "replace"))


def _fragment_form(text: str) -> str:
    """A fragment as it would read in any output: Markdown emphasis gone, one form, one space."""
    return " ".join(normal_form(re.sub(r"[*_`]", "", text)).split())


def find_leaks(files: dict[str, bytes], redactor, fragments: list[str]) -> list[str]:
    """One line per leak: where, and what (a name, or the start of a withheld fragment)."""
    wanted = [f for f in dict.fromkeys(_fragment_form(f) for f in fragments) if len(f) >= 12]
    leaks: list[str] = []
    for name, data in files.items():
        for where, text in readings(name, data):
            for found in dict.fromkeys(redactor.find(text)):
                leaks.append(f"{where}: name '{found}'")
            if wanted:
                flat = _fragment_form(text)
                leaks += [f"{where}: withheld fragment '{f[:40]}…'" for f in wanted if f in flat]
    return list(dict.fromkeys(leaks))
