"""Write a synthetic content library at N times the size of the shipped one.

    python benchmarks/generate.py --scale 10 --out benchmarks/libraries/x10

Copy 0 is the shipped library unchanged. Copies 1..N-1 repeat every question, measure, figure
file, source (with its findings and recommendations), commitment, key message, set of performance
agreements and document, with fresh ids (`<id>-x<k>`) and every reference rewritten to the copy's
ids, so the library still passes `briefings check` without errors. Themes and people are shared.
Question and answer texts are varied per copy, so the copies are not near-duplicates of each other
(answers only in their plain words: lines, list markers, figures and references stay).

Each copy is a dossier of its own: overviews that span the whole library (the interventions
overview, and recommendation overviews or matrices without a list of sources) are limited to the
copy's own sources, or become a short description, so that a document of copy k does not list the
measures of all N copies.
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from briefings.content import model as m  # noqa: E402
from briefings.content.library import field_meta  # noqa: E402
from briefings.content.load import model_in  # noqa: E402

SHARED = {"themas", "personen"}
OVERVIEW_SOURCES = ("kwalitatief-onderzoek", "kwantitatief-onderzoek", "extern-advies")  # folders copied once; their ids stay the same
INLINE = re.compile(r"\[\[([a-z]+):([^\]\|\s]+)\]\]")
SCHEMA_LINE = re.compile(r"^# yaml-language-server: .*$", re.M)


class Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, _str)


def model_for(folder: str, data: dict) -> type[m.Model]:
    cls = m.KINDS[folder]
    if cls is m.Document:
        cls = m.DOCUMENT_SOORTEN[data["soort"]]
    return cls


def collect_ids(data, cls, found: set[str]) -> None:
    """Every id defined in a file, nested items and attachments included."""
    if not isinstance(data, dict):
        return
    if isinstance(data.get("id"), str):
        found.add(data["id"])
    for name, value in data.items():
        info = cls.model_fields.get(name)
        inner = model_in(info.annotation) if info else None
        if inner is None:
            continue
        for child in value if isinstance(value, list) else [value]:
            collect_ids(child, inner, found)


class Copier:
    """Rewrites one file's data for copy k: its ids, references and inline references."""

    def __init__(self, k: int, multiplied: set[str], vocabulary: list[str]):
        self.k = k
        self.multiplied = multiplied
        self.vocabulary = vocabulary

    def new_id(self, old: str) -> str:
        return f"{old}-x{self.k}" if old in self.multiplied else old

    def inline(self, text: str) -> str:
        return INLINE.sub(lambda mt: f"[[{mt.group(1)}:{self.new_id(mt.group(2))}]]", text)

    def vary(self, text: str, seed: str, words_only: bool = False) -> str:
        """A different wording of a question (or, words_only, of an answer: only plain words, so that lines,
        list markers, figures and references stay): half of its words replaced, references kept."""
        rng = random.Random(f"{seed}:{self.k}")
        words = text.split(" ")
        free = [i for i, word in enumerate(words) if (word.isalpha() if words_only else "[[" not in word)]
        for i in rng.sample(free, k=(len(free) + 1) // 2):
            words[i] = rng.choice(self.vocabulary)
        return " ".join(words)

    def localise(self, doc: dict, sources: list[str]) -> dict:
        """Limit library-wide overviews of a copied document to the copy's own sources."""
        own = [self.new_id(s) for s in sources]
        for bijlage in doc.get("bijlagen", []):
            if bijlage.get("overzicht") == "interventies":
                del bijlage["overzicht"]
                bijlage.setdefault("beschrijving", "Het overzicht van de interventies staat in het uitvoeringsplan.")
            elif bijlage.get("overzicht") in ("maatregelen-onderzoeken", "aanbevelingen") and not bijlage.get("bronnen"):
                bijlage["bronnen"] = own
        if doc.get("soort") == "matrix" and not doc.get("bronnen"):
            doc["bronnen"] = own
        return doc

    def copy(self, data, cls):
        if not isinstance(data, dict):
            return data
        meta = field_meta(cls)
        out = {}
        for name, value in data.items():
            kind, is_md = meta.get(name, (None, False))
            info = cls.model_fields.get(name)
            inner = model_in(info.annotation) if info else None
            if name == "id" and isinstance(value, str):
                value = self.new_id(value)
            elif kind and isinstance(value, str):
                value = self.new_id(value)
            elif kind and isinstance(value, list):
                value = [self.new_id(v) if isinstance(v, str) else v for v in value]
            elif inner is not None and isinstance(value, list):
                value = [self.copy(v, inner) for v in value]
            elif inner is not None and isinstance(value, dict):
                value = self.copy(value, inner)
            if is_md and isinstance(value, str):
                value = self.inline(value)
                if cls is m.Vraag and name == "vraag":
                    value = self.vary(value, data.get("id", ""))
                elif cls is m.Vraag and name == "antwoord":
                    value = self.vary(value, data.get("id", ""), words_only=True)
            elif is_md and isinstance(value, list):
                value = [self.inline(v) if isinstance(v, str) else v for v in value]
            out[name] = value
        return out


def content_files(content: Path) -> list[tuple[str, Path]]:
    return [(folder, path) for folder in m.KINDS for path in sorted((content / folder).rglob("*.y*ml"))]


def generate(scale: int, out: Path, source: Path = ROOT) -> Path:
    if scale < 1:
        raise SystemExit("--scale must be 1 or more")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy2(source / "briefings.yaml", out / "briefings.yaml")
    shutil.copytree(source / "templates", out / "templates")
    if (source / "schemas").is_dir():
        shutil.copytree(source / "schemas", out / "schemas")
    shutil.copytree(source / "content", out / "content")
    files = []
    multiplied: set[str] = set()
    vocabulary: set[str] = set()
    sources: list[str] = []  # sources whose recommendations overviews list
    for folder, path in content_files(source / "content"):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        cls = model_for(folder, data)
        files.append((folder, path, text, data, cls))
        if folder not in SHARED:
            collect_ids(data, cls, multiplied)
        if folder == "vragen":
            vocabulary.update(w for w in data["vraag"].split() if w.isalpha())
        if folder == "bronnen" and data.get("aanbevelingen") and data.get("soort") in OVERVIEW_SOURCES:
            sources.append(data["id"])
    words = sorted(vocabulary)
    for k in range(1, scale):
        copier = Copier(k, multiplied, words)
        for folder, path, text, data, cls in files:
            if folder in SHARED:
                continue
            target = out / "content" / path.relative_to(source / "content")
            target = target.with_name(f"{target.stem}-x{k}{target.suffix}")
            header = SCHEMA_LINE.search(text)
            copied = copier.copy(data, cls)
            if folder == "documenten":
                copied = copier.localise(copied, sources)
            body = yaml.dump(copied, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)
            target.write_text((header.group() + "\n" if header else "") + body, encoding="utf-8")
    if scale > 1:
        review_copies(out)
    return out


def review_copies(out: Path) -> None:
    """Give each copied question the review fingerprint of its copy, so that copies are as reviewed as the
    originals (a fingerprint names the ids of the figures, sources and measures an answer rests on)."""
    from briefings.checks.fingerprint import fingerprint
    from briefings.content.library import open_library

    lib = open_library(out / "content")
    for vraag in lib.items("vraag"):
        if vraag.beoordeling is None:
            continue
        new = fingerprint(lib, vraag)
        if new != vraag.beoordeling.vingerafdruk:
            path = Path(vraag._path)
            path = path if path.is_absolute() else Path.cwd() / path
            text = path.read_text(encoding="utf-8")
            old = re.escape(vraag.beoordeling.vingerafdruk)
            text = re.sub(rf"(vingerafdruk:\s*)['\"]?{old}['\"]?", rf"\g<1>'{new}'", text)  # quoted: may be all digits
            path.write_text(text, encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="how many times the shipped content (default 10)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/libraries/x<N>)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "benchmarks" / "libraries" / f"x{args.scale}"
    generate(args.scale, out)
    questions = sum(1 for _ in (out / "content" / "vragen").rglob("*.yaml"))
    print(f"{out}: {questions} questions")


if __name__ == "__main__":
    main()
