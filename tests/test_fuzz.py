"""Fuzzing: whatever the input, the loader, the DOCX writer and fmt end in a result or a BriefingsError.

Examples are derandomized, so a run is repeatable. CI runs a few; run more locally with
    BRIEFINGS_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py
"""
import io
import os
import random
import tempfile
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefings.content import model as m
from briefings.errors import BriefingsError
from conftest import ROOT

EXAMPLES = int(os.environ.get("BRIEFINGS_FUZZ_EXAMPLES", "40"))
FUZZ = settings(derandomize=True, max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
REFERENCE = ROOT / "templates" / "huisstijl.docx"
SHIPPED = sorted((ROOT / "content").rglob("*.yaml"))
XML_ILLEGAL = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ud800", "\udfff", "\ufffe", "\uffff"]


# --- the loader ----------------------------------------------------------------------------------------

def check_library(files: dict[str, str | bytes]) -> None:
    """Write files into a fresh content folder; loading and checking must succeed or raise BriefingsError."""
    from briefings.checks.rules import run_checks
    from briefings.content.library import open_library
    from briefings.project import load_project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            path = root / "content" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        try:
            lib = open_library(root / "content")
            run_checks(lib, load_project(root))
        except BriefingsError as exc:
            assert exc.render()  # renders without failing


FOLDERS = st.sampled_from(list(m.KINDS))
FIELD_NAMES = sorted({name for cls in [*m.KINDS.values(), *m.DOCUMENT_SOORTEN.values(), m.Bijlage, m.Onderdeel,
                                       m.Cijfer, m.Aanbeveling, m.Bevinding]
                      for name in cls.model_fields})
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
                    st.dates(), st.sampled_from(["intern", "openbaar", "concept", "definitief", "procent",
                                                 "[[cijfer:x]]", "[[vraag:a]]", "[[bijlage:b]]", "a", "b"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)


@FUZZ
@given(FOLDERS, st.text(max_size=300))
def test_loader_survives_any_text(folder, text):
    check_library({f"{folder}/a.yaml": text})


@FUZZ
@given(st.lists(st.tuples(FOLDERS, st.dictionaries(KEYS, VALUES, max_size=8)), min_size=1, max_size=4))
def test_loader_survives_any_mapping(files):
    check_library({f"{folder}/f{i}.yaml": yaml.safe_dump(data, allow_unicode=True)
                   for i, (folder, data) in enumerate(files)})


@FUZZ
@given(st.sampled_from(SHIPPED), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2), st.text(max_size=3)),
                                          min_size=1, max_size=6))
def test_loader_survives_edits_of_real_files(path, edits):
    """Near-valid input: a shipped file with a few characters inserted, deleted or replaced."""
    text = path.read_text(encoding="utf-8")
    for where, action, chars in edits:
        i = int(where * len(text))
        text = text[:i] + chars + text[i + (action > 0):] if action != 1 else text[:i] + text[i + 1:]
    check_library({str(path.relative_to(ROOT / "content")): text})


@FUZZ
@given(st.binary(max_size=200))
def test_loader_survives_any_bytes(data):
    check_library({"vragen/a.yaml": data})


# --- the DOCX writer ----------------------------------------------------------------------------------

def markdown_parts():
    words = st.sampled_from(["tekst", "Één", "café", "👍🏽", "🏳️‍🌈", "שלום עולם", "مرحبا", "\u202eomgekeerd",
                             "**vet**", "*schuin*", "`code`", "[link](https://example.org)", "<b>html</b>",
                             "&amp;", "\\", "|", "---", "# kop", "> citaat", "- punt", "1. item", "```",
                             "    ingesprongen", "| a | b |\n|---|---|\n| 1 | 2 |", "\u200b", "\ufeff"])
    illegal = st.sampled_from(XML_ILLEGAL)
    return st.lists(st.one_of(words, illegal, st.text(max_size=20)), max_size=30)


def to_docx(markdown: str) -> bytes:
    from briefings.writers.docx import DocxMeta, markdown_to_docx

    try:
        data = markdown_to_docx(markdown, DocxMeta(title="Fuzz"), REFERENCE)
    except BriefingsError:
        return b""
    document = docx.Document(io.BytesIO(data))  # python-docx reopens it
    assert document.paragraphs is not None
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                xml = package.read(name).decode("utf-8")
                assert not any(c in xml for c in XML_ILLEGAL), f"an XML-illegal character in {name}"
    return data


def nested(depth: int, marker: str) -> str:
    return "\n".join(" " * (2 * i) + marker + f"niveau {i}" for i in range(depth)) + "\n"


@FUZZ
@given(markdown_parts(), st.sampled_from([" ", "\n", "\n\n", ""]))
def test_writer_survives_any_markdown(parts, glue):
    to_docx(glue.join(parts))


@pytest.mark.parametrize("markdown", [
    nested(50, "- "),
    nested(50, "1. "),
    "".join("> " * i + f"citaat {i}\n" for i in range(1, 51)),
    "".join(" " * (2 * i) + ("- " if i % 2 else "> ") + f"mix {i}\n" for i in range(50)),
    "x" * 200_000 + "\n",
    "lang " * 40_000 + "\n",
    "| " + " | ".join(f"k{i}" for i in range(60)) + " |\n|" + "---|" * 60 + "\n",
    "\x00\x01\x02 nul en besturingstekens \x0b\x0c\x1b\x7f\n",
    "🏳️‍🌈 emoji 👩‍👩‍👧‍👦 en rechts-naar-links: שלום \u202eabc\u202c\n",
    "",
], ids=["list-50", "ordered-50", "quote-50", "mixed-50", "long-line", "long-paragraph", "wide-table", "control",
        "emoji-rtl", "empty"])
def test_writer_survives_extremes(markdown):
    to_docx(markdown)


def test_writer_drops_xml_illegal_characters_and_keeps_the_rest():
    data = to_docx("voor" + "".join(XML_ILLEGAL) + "na\n")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "voorna" in text
    assert not any(c in text for c in XML_ILLEGAL)


@pytest.mark.clients
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_docx_opens_in_libreoffice(seed, tmp_path):
    from clients import convert_to_pdf

    rng = random.Random(seed)
    pieces = ["tekst", "Één 👍🏽", "שלום", "**vet**", "- punt", "1. item", "> citaat", "# kop", "\x00", "\x0b",
              "| a | b |\n|---|---|\n| 1 | 2 |", "\ud800", nested(50, "- "), "lang " * 2000]
    markdown = "\n".join(rng.choice(pieces) for _ in range(40)) + "\n"
    path = tmp_path / f"fuzz-{seed}.docx"
    path.write_bytes(to_docx(markdown))
    assert convert_to_pdf(path, tmp_path).stat().st_size > 0


# --- fmt ------------------------------------------------------------------------------------------------

@FUZZ
@given(st.sampled_from(SHIPPED), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2), st.text(max_size=3)),
                                          max_size=4))
def test_fmt_survives_edited_files(path, edits):
    """fmt on a near-valid file: a BriefingsError, or text that reads as the same data and stays put."""
    from briefings.content import fmt
    from briefings.content.yamlpos import load_yaml

    text = path.read_text(encoding="utf-8")
    for where, action, chars in edits:
        i = int(where * len(text))
        text = text[:i] + chars + text[i + (action > 0):] if action != 1 else text[:i] + text[i + 1:]
    folder = path.parent.name
    try:
        once = fmt.format_text(text, folder, "fuzz.yaml")
    except BriefingsError:
        return
    assert load_yaml(once, "fuzz.yaml") == load_yaml(text, "fuzz.yaml")
    assert fmt.format_text(once, folder, "fuzz.yaml") == once


@FUZZ
@given(st.text(max_size=200))
def test_fmt_survives_any_text(text):
    from briefings.content import fmt

    try:
        fmt.format_text(text, "vragen", "fuzz.yaml")
    except BriefingsError:
        pass


# --- packed positions (the parse cache) -------------------------------------------------------------------

def _all_positions(data, path=()):
    """Every (path, key position, value position) position_of can give for loaded data."""
    from briefings.content.yamlpos import PosDict, PosList

    found = [(path, data.pos)]
    if isinstance(data, PosDict):
        for key in data:
            found.append((path + (key,), data.key_position(key), data.value_position(key)))
            if isinstance(data[key], (PosDict, PosList)):
                found += _all_positions(data[key], path + (key,))
    elif isinstance(data, PosList):
        for i, value in enumerate(data):
            found.append((path + (i,), data.item_position(i)))
            if isinstance(value, (PosDict, PosList)):
                found += _all_positions(value, path + (i,))
    return found


def _check_packing(text: str) -> None:
    from briefings.content.yamlpos import load_yaml, pack_positions, unpack_positions

    try:
        data = load_yaml(text, "x.yaml")
    except BriefingsError:
        return
    if not hasattr(data, "pos"):
        return
    packed = pack_positions(data)
    if packed is None:  # a key marshal cannot hold (a date, say): such a file is not cached
        return
    assert _all_positions(unpack_positions(packed)) == _all_positions(data)


def test_packed_positions_of_shipped_files_unpack_exactly():
    for path in SHIPPED:
        _check_packing(path.read_text(encoding="utf-8"))


@FUZZ
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)),
                    max_leaves=20),
       st.sampled_from([False, True]), st.sampled_from(["|", ">", "'", '"', None]))
def test_packed_positions_unpack_exactly(value, flow, style):
    _check_packing(yaml.safe_dump({"id": "x", "data": value}, default_flow_style=flow, default_style=style,
                                  allow_unicode=True))
