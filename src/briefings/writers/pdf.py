"""PDF writer: DOCX → PDF/A-2b, tagged for PDF/UA, by LibreOffice in headless mode.

LibreOffice's start-up costs more than converting a document, so all documents of a call are converted
by one `soffice` process (`--convert-to` takes many files). It runs with a private profile in a temporary
folder: it neither meets a LibreOffice the user has open (which would take the job over) nor leaves lock
files next to the DOCX. Nothing is written until every PDF is there and whole; then each is written
atomically (writers.files). A missing LibreOffice, a crash, a stall or a PDF that is not PDF/A and tagged
is one line of error, and the PDFs stay as they were.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from briefings.errors import BriefingsError

# writer_pdf_Export options (LibreOffice 7.4 and later read them as JSON).
EXPORT_OPTIONS = {
    "SelectPdfVersion": ("long", "2"),          # PDF/A-2b
    "PDFUACompliance": ("boolean", "true"),     # PDF/UA: tags, /Lang, title shown, alt texts checked
    "UseTaggedPDF": ("boolean", "true"),
    "ExportBookmarks": ("boolean", "true"),     # the outline: headings and questions
    "ExportBookmarksToPDFDestination": ("boolean", "true"),  # DOCX bookmarks become named destinations
    "OpenBookmarkLevels": ("long", "-1"),
    "ExportNotes": ("boolean", "false"),
    "ExportFormFields": ("boolean", "false"),
    "IsAddStream": ("boolean", "false"),
}
FILTER = "pdf:writer_pdf_Export:" + json.dumps({name: {"type": kind, "value": value}
                                                  for name, (kind, value) in EXPORT_OPTIONS.items()},
                                                 separators=(",", ":"))
INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui; macOS: brew "
                "install --cask libreoffice; Windows: winget install TheDocumentFoundation.LibreOffice) or set "
                "BRIEFINGS_SOFFICE to its soffice program")
_CANDIDATES = {
    "darwin": ["/Applications/LibreOffice.app/Contents/MacOS/soffice"],
    "win32": [r"C:\Program Files\LibreOffice\program\soffice.exe",
              r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"],
}


class ConversionError(BriefingsError):
    """LibreOffice is missing, failed, stalled, or made a PDF that is not what was asked for."""


def find_soffice() -> str:
    """The soffice program: $BRIEFINGS_SOFFICE, then the PATH, then the usual install places."""
    override = os.environ.get("BRIEFINGS_SOFFICE")
    if override:
        found = shutil.which(override)
        if found is None:
            raise ConversionError(f"BRIEFINGS_SOFFICE={override} is not a program; {INSTALL_HINT}")
        return found
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _CANDIDATES.get(sys.platform, []):
        if os.path.isfile(candidate):
            return candidate
    raise ConversionError(f"cannot make PDF: LibreOffice is not installed; {INSTALL_HINT}")


def docx_to_pdf(jobs: list[tuple[Path, Path]], timeout: float = 180) -> None:
    """Convert each DOCX path to its PDF path, all in one LibreOffice process; each PDF is written atomically.

    `timeout` is how long LibreOffice may go without finishing a PDF before it is stopped. On any failure
    nothing is written and a ConversionError says why in one line.
    """
    from briefings.writers.files import write_bytes_atomic

    named = []
    for docx, _ in jobs:
        try:
            named.append((Path(docx).stem, Path(docx).read_bytes()))
        except OSError as error:
            raise ConversionError(f"cannot read {docx}: {error.strerror}") from error
    pdfs = docx_bytes_to_pdf(named, timeout)
    for (_, pdf_path), data in zip(jobs, pdfs):
        write_bytes_atomic(Path(pdf_path), data)


def docx_bytes_to_pdf(named: list[tuple[str, bytes]], timeout: float = 180, profile: Path | None = None
                      ) -> list[bytes]:
    """The PDF bytes of each (name, DOCX bytes), in order; one LibreOffice process for all.

    `profile`: a folder for LibreOffice's profile that the caller keeps for its next call (a LibreOffice
    that finds its profile made starts faster); by default a new one, removed afterwards. Never a folder
    another LibreOffice may be using at the same time: that one would take the job over.
    """
    if not named:
        return []
    for name, data in named:  # LibreOffice would read anything else as plain text
        if not data.startswith(b"PK"):
            raise ConversionError(f"{name}.docx is not a DOCX (not a zip package); no PDF was written")
    soffice = find_soffice()
    with tempfile.TemporaryDirectory(prefix="briefings-pdf-") as tmp:
        folder = Path(tmp)
        sources, outdir = folder / "in", folder / "out"
        sources.mkdir()
        outdir.mkdir()
        inputs, stems = [], set()
        for name, data in named:
            # --convert-to names each PDF after its DOCX in one folder: every job needs a stem of its own. The
            # stem is kept where it can be: LibreOffice takes it as the title of a document without one.
            stem, base, n = _safe(name), _safe(name), 1
            while stem.lower() in stems:
                n += 1
                stem = f"{base}-{n}"
            stems.add(stem.lower())
            path = sources / f"{stem}.docx"
            path.write_bytes(data)
            inputs.append(path)
        _run(soffice, Path(profile or folder / "profile").resolve().as_uri(), inputs, outdir, timeout)
        return [_checked(outdir / f"{path.stem}.pdf", name) for path, (name, _) in zip(inputs, named)]


def _safe(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".")
    return cleaned[:100] or "document"


def _run(soffice: str, profile: str, sources: list[Path], outdir: Path, timeout: float) -> None:
    """One soffice process for sources; stopped (with everything it started) when a PDF takes too long."""
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--nologo",
               "--norestore", "--nodefault", "--nolockcheck", "--convert-to", FILTER, "--outdir", str(outdir),
               *map(str, sources)]
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
    log = outdir.parent / "soffice.log"  # a file, not a pipe: a long batch cannot fill it and stall
    try:
        with open(log, "wb") as handle:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                                       env=env, start_new_session=os.name == "posix")
    except OSError as error:
        raise ConversionError(f"cannot start LibreOffice ({soffice}): {error.strerror}") from error
    done, last = 0, time.monotonic()
    try:
        while True:
            try:
                process.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                pass
            now_done = sum(1 for _ in outdir.iterdir())
            if now_done != done:
                done, last = now_done, time.monotonic()
            elif time.monotonic() - last > timeout:
                _stop(process)
                raise ConversionError(f"LibreOffice stopped after {timeout:g} s without finishing a PDF "
                                      f"({done} of {len(sources)} done); no PDF was written")
    except BaseException:
        _stop(process)
        raise
    output = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode:
        _stop(process)
        reason = (f"was killed by signal {-process.returncode}" if process.returncode < 0
                  else f"exited with code {process.returncode}")
        raise ConversionError(f"LibreOffice {reason} while converting to PDF; no PDF was written"
                              + _last_line(output))


def _stop(process: subprocess.Popen) -> None:
    """End soffice and the processes it started (oosplash starts soffice.bin), also those that outlived it."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        elif process.poll() is None:
            process.kill()
    except OSError:
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 5
    while os.name == "posix" and time.monotonic() < deadline:  # soffice.bin may outlive its parent briefly:
        try:                                                   # let it go before its profile is removed
            os.killpg(process.pid, 0)
        except OSError:
            break
        time.sleep(0.02)


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines()
             if line.strip() and "javaldx" not in line and not line.startswith("convert ")]
    return f" ({lines[-1]})" if lines else ""


def _checked(path: Path, name: str) -> bytes:
    """The bytes of a PDF LibreOffice made, after checking it is whole, PDF/A and tagged."""
    try:
        data = path.read_bytes()
    except OSError:
        raise ConversionError(f"LibreOffice made no PDF of {name}.docx (it could not load it); "
                              "no PDF was written") from None
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise ConversionError(f"LibreOffice made an incomplete PDF of {name}.docx; no PDF was written")
    if b"pdfaid:part" not in data or b"/StructTreeRoot" not in data:
        raise ConversionError(f"LibreOffice made a PDF of {name}.docx that is not PDF/A and tagged; "
                              "briefings needs LibreOffice 7.4 or newer; no PDF was written")
    return _unescape_xmp(data)


_DOUBLE_ESCAPED = re.compile(rb"&amp;(amp|lt|gt|quot|apos);")


def _unescape_xmp(data: bytes) -> bytes:
    """LibreOffice (7.4 at least) escapes the text of its XMP metadata twice: a title "A & B" reads "A &amp; B"
    there, while the document information says "A & B", which PDF/A forbids. Undo the second escape and pad
    the packet with as many spaces, so that the stream keeps its length and the file its offsets."""
    start = data.find(b"<?xpacket begin")
    end = data.find(b"<?xpacket end", start)
    if start < 0 or end < 0:
        return data
    packet = data[start:end]
    fixed = _DOUBLE_ESCAPED.sub(rb"&\1;", packet)
    if fixed == packet:
        return data
    return data[:start] + fixed + b" " * (len(packet) - len(fixed)) + data[end:]


def destination_pages(pdf: bytes) -> dict[str, int]:
    """Page number (1-based) of each named destination in a PDF LibreOffice wrote with
    ExportBookmarksToPDFDestination: where the bookmarks of a DOCX ended up. Names as in the DOCX.

    Reads LibreOffice's own output only: a /Dests dictionary and a page tree in plain (unstreamed) objects.
    """
    def obj(number: str) -> bytes:
        found = re.search(rb"(?<![0-9])" + number.encode() + rb" 0 obj(.*?)endobj", pdf, re.S)
        return found.group(1) if found else b""

    catalog = re.search(rb"/Type\s*/Catalog(.*?)>>", pdf, re.S)
    if catalog is None:
        return {}
    pages_ref = re.search(rb"/Pages\s+(\d+)\s+0\s+R", catalog.group(0))
    dests_ref = re.search(rb"/Dests\s+(\d+)\s+0\s+R", catalog.group(0))
    if pages_ref is None or dests_ref is None:
        return {}
    order: list[str] = []

    def walk(number: str, depth: int = 0) -> None:
        body = obj(number)
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
        if kids is None or depth > 20:
            order.append(number)
            return
        for kid in re.findall(rb"(\d+)\s+0\s+R", kids.group(1)):
            walk(kid.decode(), depth + 1)

    walk(pages_ref.group(1).decode())
    page_of = {number: index + 1 for index, number in enumerate(order)}
    pages = {}
    for name, target in re.findall(rb"/([^\s/\[\]<>()]+)\s*\[\s*(\d+)\s+0\s+R", obj(dests_ref.group(1).decode())):
        decoded = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")
        if target.decode() in page_of:
            pages[decoded] = page_of[target.decode()]
    return pages
