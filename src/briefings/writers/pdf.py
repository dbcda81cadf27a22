"""DOCX → PDF through LibreOffice, headless: PDF/A-2, tagged.

One `soffice` run converts every job, with a private user profile so that it neither waits for nor
disturbs a LibreOffice the user has open. Each PDF replaces its target in one step.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from briefings.errors import BriefingsError

PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps({
    "SelectPdfVersion": {"type": "long", "value": "2"},  # PDF/A-2b
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
})


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise BriefingsError("LibreOffice is needed to make PDFs and was not found",
                         hint="install LibreOffice (soffice on the PATH), e.g. apt-get install libreoffice-writer")


def docx_to_pdf(jobs: list[tuple[Path, Path]], timeout: float = 180) -> None:
    """Convert each (docx, pdf) pair; the PDFs are written atomically."""
    if not jobs:
        return
    from briefings.writers.files import write_bytes_atomic

    program = soffice()
    with tempfile.TemporaryDirectory(prefix="briefings-pdf-") as tmp:
        folder = Path(tmp)
        inputs = folder / "in"
        outputs = folder / "out"
        inputs.mkdir()
        for i, (docx, _) in enumerate(jobs):
            shutil.copyfile(docx, inputs / f"{i}.docx")  # unique names: two jobs may share a file name
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", PDF_FILTER, "--outdir", str(outputs),
                   *(str(inputs / f"{i}.docx") for i in range(len(jobs)))]
        try:
            result = subprocess.run(command, capture_output=True, timeout=timeout, env={**os.environ, "HOME": tmp})
        except subprocess.TimeoutExpired:
            raise BriefingsError(f"LibreOffice did not finish the PDFs within {timeout:.0f} s") from None
        except OSError as exc:
            raise BriefingsError(f"cannot run LibreOffice: {exc.strerror or exc}") from None
        for i, (docx, pdf) in enumerate(jobs):
            made = outputs / f"{i}.pdf"
            if not made.is_file():
                detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
                raise BriefingsError(f"LibreOffice made no PDF of {docx}" + (f": {detail[-1]}" if detail else ""))
            write_bytes_atomic(pdf, made.read_bytes())
