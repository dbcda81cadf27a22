"""Visual regression: the first pages of every shipped document, as a reader sees them (DOCX → LibreOffice →
PDF → PNG), against the committed references in tests/visual/.

A layout change fails here until it is approved: look at the new pages, then run
`pytest tests/test_visual.py --update-references` and commit the images with the change. References are
small on purpose: 16 greys, 30 dpi (A4 is 248 × 351 pixels), the first two pages.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clients import require
from conftest import ROOT

Image = pytest.importorskip("PIL.Image")
ImageChops = pytest.importorskip("PIL.ImageChops")

REFERENCES = Path(__file__).parent / "visual"
DOCS = sorted(p.stem for p in (ROOT / "content" / "documenten").glob("*.yaml"))
RESOLUTION = 30
PAGES = 2
LEVELS = 16               # grey levels kept: a 4-bit PNG of a page is about 7 kB
MEAN_TOLERANCE = 1.5      # grey levels (of 255), averaged over the page
CHANGED_TOLERANCE = 0.01  # share of pixels that may differ by more than CHANGED_LEVEL
CHANGED_LEVEL = 64

pytestmark = pytest.mark.clients


def render(pdf: Path, folder: Path) -> list[Path]:
    """The first PAGES pages of pdf as grey PNGs."""
    raw = folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    prefix = raw / pdf.stem
    subprocess.run([require("pdftoppm"), "-png", "-gray", "-r", str(RESOLUTION), "-f", "1", "-l", str(PAGES),
                    str(pdf), str(prefix)], check=True, capture_output=True, timeout=120)
    pages = sorted(raw.glob(f"{pdf.stem}-*.png"))
    small = []
    for number, page in enumerate(pages, start=1):  # pdftoppm pads the page number to the page count
        target = folder / f"{pdf.stem}-{number}.png"
        grey = Image.open(page).convert("L").point(lambda v: (v * (LEVELS - 1) + 127) // 255 * (255 // (LEVELS - 1)))
        grey.quantize(LEVELS, dither=Image.Dither.NONE).save(target, optimize=True, bits=4)
        small.append(target)
    return small


def difference(reference: Path, page: Path) -> tuple[float, float] | None:
    """(mean difference, share of strongly changed pixels), or None when the sizes differ."""
    old, new = Image.open(reference).convert("L"), Image.open(page).convert("L")
    if old.size != new.size:
        return None
    diff = ImageChops.difference(old, new)
    histogram = diff.histogram()
    pixels = old.size[0] * old.size[1]
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    changed = sum(histogram[CHANGED_LEVEL + 1:]) / pixels
    return mean, changed


@pytest.mark.parametrize("doc", DOCS)
def test_first_pages_look_as_approved(pdf_build, doc, update_references, tmp_path):
    pages = render(pdf_build / f"{doc}.pdf", tmp_path)
    assert pages
    if update_references:
        for old in REFERENCES.glob(f"{doc}-*.png"):
            old.unlink()
        REFERENCES.mkdir(exist_ok=True)
        for page in pages:
            page.replace(REFERENCES / page.name)
        return
    references = sorted(REFERENCES.glob(f"{doc}-*.png"))
    hint = f"look at the pages in {tmp_path}; if the change is intended, run pytest --update-references"
    assert references, f"no reference pages for {doc}: {hint}"
    assert [r.name for r in references] == [p.name for p in pages], f"{doc}: the page count changed; {hint}"
    for reference, page in zip(references, pages):
        measured = difference(reference, page)
        assert measured is not None, f"{page.name}: the page size changed; {hint}"
        mean, changed = measured
        if mean > MEAN_TOLERANCE or changed > CHANGED_TOLERANCE:
            ImageChops.difference(Image.open(reference).convert("L"), Image.open(page).convert("L")).save(
                tmp_path / f"diff-{page.name}")
            pytest.fail(f"{page.name} differs from its reference (mean {mean:.2f} grey levels, "
                        f"{changed:.1%} of pixels changed); {hint}", pytrace=False)


def test_the_comparison_sees_a_moved_paragraph(tmp_path):
    """The tolerance lets anti-aliasing pass, not a layout change."""
    from PIL import ImageDraw

    page = Image.new("L", (248, 351), 255)
    ImageDraw.Draw(page).rectangle((30, 40, 200, 48), fill=0)
    moved = Image.new("L", (248, 351), 255)
    ImageDraw.Draw(moved).rectangle((30, 52, 200, 60), fill=0)
    page.save(tmp_path / "a.png")
    moved.save(tmp_path / "b.png")
    page.save(tmp_path / "c.png")
    mean, changed = difference(tmp_path / "a.png", tmp_path / "b.png")
    assert mean > MEAN_TOLERANCE or changed > CHANGED_TOLERANCE
    assert difference(tmp_path / "a.png", tmp_path / "c.png") == (0.0, 0.0)
