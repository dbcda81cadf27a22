"""`briefings import wijzigingen FILE.docx`: a reviewer's edits to a built DOCX, back into the YAML.

Each paragraph is mapped to its item through the hidden bookmarks the build put around every question,
answer and key-message block (documents/anchors.py). For each marked block the text the build rendered
from the library is compared, paragraph by paragraph and then word by word, with the text in the DOCX
once every tracked change is accepted; direct edits count the same as tracked ones. A change is then
carried back onto the Markdown source through a map from rendered characters to source characters:

- text typed in the source is replaced in the source (Markdown emphasis and line breaks stay);
- text the build generated (a figure [[cijfer:..]], a question or attachment number) is not written
  back as a literal: it is reported ("55% was changed to 57%: change the figure vj-ongewenst-gedrag");
- a paragraph inserted into an answer becomes a new line with the marker of its neighbour; a deleted
  paragraph loses its line.

An item whose source text changed since the build (the bookmark holds a hash of it) is a conflict:
nothing is written for it and both versions are shown. Comments are printed with their author and the
item they sit in; with `--opmerkingen` they are added to the question's `notitie`. Paragraphs changed
outside any marked block (headings from the spec, the title block) are listed as not imported.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from briefings.documents import anchors as anchor_names
from briefings.errors import BriefingsError, Location
from briefings.importers.docx_reader import Paragraph, read_docx

TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
REF = re.compile(r"\[\[([a-z]+):([^\[\]\|\s]+)\]\]")  # no "[" in a target: linear on unfinished "[["


@dataclass
class Generated:
    start: int      # in the rendered text
    end: int
    kind: str
    target: str


@dataclass
class SourceBlock:
    first: int      # line numbers in the field's text
    last: int
    prefix: str     # the first line up to its text ("- ", "  1. ")
    content: str    # the text as typed (lines joined by \n, continuation indentation removed)
    indent: str     # the indentation of its continuation lines
    rendered: str = ""
    source_of: list[int] = field(default_factory=list)  # rendered char → content index
    generated: list[Generated] = field(default_factory=list)
    taken_over: bool = False  # a paragraph of an answer taken over on a line of its own: all of it generated


@dataclass
class FieldEdit:
    anchor: object          # documents.anchors.Anchor
    old: str
    new: str


@dataclass
class Report:
    edits: list[FieldEdit] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # vraag id → comments kept as notitie

    def render(self) -> str:
        out = []
        for title, lines in (("generated text, not written back", self.generated), ("conflicts", self.conflicts),
                             ("comments", self.comments), ("not imported", self.unmapped)):
            if lines:
                out += [f"{title}:"] + [f"  {line}" for line in lines]
        return "\n".join(out) + ("\n" if out else "")


# -- the source side ----------------------------------------------------------------------------------


ANSWER_LINE = re.compile(r"[ \t]*\[\[antwoord:([^\[\]\|\s]+)\]\][ \t]*")


def source_blocks(text: str, view) -> list[SourceBlock]:
    """The paragraphs of a Markdown field with what the build renders of each, mapped to the source."""
    included = _included_answers(text, view)
    if included is not None:
        return included
    return _blocks(text, view)


def _included_answers(text: str, view) -> list[SourceBlock] | None:
    """The blocks of a field with answers taken over on lines of their own ([[antwoord:id]]), as the build
    expands them: each paragraph of the answer taken over is a block of generated text on that line. None
    when the field has no such line, or when a paragraph of an answer taken over runs on into typed text."""
    lines = text.split("\n")
    if not any(ANSWER_LINE.fullmatch(line) for line in lines):
        return None
    expanded: list[str] = []
    origin: list[tuple[int, str | None]] = []  # per expanded line: (source line, the answer it comes from)
    for number, line in enumerate(lines):
        match = ANSWER_LINE.fullmatch(line)
        if match is None:
            expanded.append(line)
            origin.append((number, None))
            continue
        try:
            value = view.md(line)
        except BriefingsError:
            return None
        for part in value.split("\n"):
            expanded.append(part)
            origin.append((number, match.group(1)))
    blocks = []
    for block in _blocks("\n".join(expanded), view):
        sources = {origin[n][1] for n in range(block.first, block.last + 1)}
        if sources == {None}:  # typed text: its lines in the field
            block.first, block.last = origin[block.first][0], origin[block.last][0]
        elif None in sources or len(sources) > 1:
            return None
        else:  # a paragraph of an answer taken over: nothing in it is typed here
            number, target = origin[block.first]
            block.generated = [Generated(0, len(block.rendered), "antwoord", target)]
            block.first = block.last = number
            block.content, block.indent = lines[number], ""  # the prefix stays: a paragraph added after it
            block.source_of = [0] * len(block.rendered)
            block.taken_over = True
        blocks.append(block)
    return blocks


def _blocks(text: str, view) -> list[SourceBlock]:
    from briefings.writers.wordml import parse_markdown

    lines = text.split("\n")
    tokens = parse_markdown(text)
    blocks = []
    for i, token in enumerate(tokens):
        if token.type != "inline" or tokens[i - 1].type not in ("paragraph_open",) or not tokens[i - 1].map:
            continue
        first, end = tokens[i - 1].map
        content = token.content
        first_line = content.split("\n")[0]
        line = lines[first]
        at = line.rfind(first_line) if first_line else len(line)
        prefix = line[:at] if at >= 0 else ""
        indent = ""
        if end - first > 1:
            second = lines[first + 1]
            indent = second[:len(second) - len(second.lstrip())]
        block = SourceBlock(first, end - 1, prefix, content, indent)
        _render(block, view)
        blocks.append(block)
    return blocks


def _render(block: SourceBlock, view) -> None:
    """Rendered text of a block and the source index of each rendered character."""
    out: list[str] = []
    source_of: list[int] = []
    content = block.content
    pos = 0
    pieces = []  # (start, end, kind) kind: text | ref | drop
    for match in REF.finditer(content):
        pieces.append((match.start(), match.end(), "ref"))
    for match in EMPHASIS.finditer(content):
        if not any(s <= match.start() < e for s, e, _ in pieces):
            pieces.append((match.start(), match.end(), "drop"))
    pieces.sort()
    for start, end, kind in pieces + [(len(content), len(content), "end")]:
        for j in range(pos, start):
            out.append(" " if content[j] == "\n" else content[j])
            source_of.append(j)
        if kind == "ref":
            value = _ref_value(content, start, end, view)
            match = REF.match(content, start)
            block.generated.append(Generated(len(out), len(out) + len(value), match.group(1), match.group(2)))
            out.extend(value)
            source_of.extend([start] * len(value))
        pos = max(pos, end)
    block.rendered = "".join(out).replace("\\", "")
    if len(block.rendered) != len(out):  # backslash escapes: keep the map simple, never map through them
        block.rendered = "".join(out)
    block.source_of = source_of


def _ref_value(content: str, start: int, end: int, view) -> str:
    ref = content[start:end]
    try:
        value = view.md("x " + ref)[2:]
    except BriefingsError:
        return ref
    line_start = content.rfind("\n", 0, start) + 1
    before = content[line_start:start].strip(" -*>\t")
    if ref.startswith("[[cijfer:") and (not before or re.fullmatch(r"\d+[.)]|[o▪]", before)):
        value = value[:1].upper() + value[1:]
    return value


# -- comparing ---------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return TOKEN.findall(text)


def edit_block(block: SourceBlock, new_text: str, anchor, report: Report) -> str:
    """The block's content with the reviewer's changes applied where they touch typed text."""
    old_words, new_words = _words(block.rendered), _words(new_text)
    offsets, at = [], 0
    for word in old_words:
        offsets.append(at)
        at += len(word)
    offsets.append(at)
    replacements = []  # (source start, source end, text)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        a, b = offsets[i1], offsets[i2]
        inserted = "".join(new_words[j1:j2])
        touched = [g for g in block.generated if g.start < b and a < g.end or (a == b and g.start < a < g.end)]
        if touched:
            g = touched[0]
            was = block.rendered[min(a, g.start):max(b, g.end)]
            now = block.rendered[min(a, g.start):a] + inserted + block.rendered[b:max(b, g.end)]
            report.generated.append(_generated_message(was.strip(), now.strip(), g, anchor))
            continue
        start = block.source_of[a] if a < len(block.source_of) else len(block.content)
        end = block.source_of[b - 1] + 1 if b > a else start
        replacements.append((start, end, inserted))
    content = block.content
    for start, end, text in sorted(replacements, reverse=True):
        content = content[:start] + text + content[end:]
    return content


def _generated_message(was: str, now: str, g: Generated, anchor) -> str:
    where = f"({anchor.label()})"
    if g.kind == "cijfer":
        return f"{was} was changed to {now}: change the figure {g.target} {where}"
    return f"{was} was changed to {now}: generated from [[{g.kind}:{g.target}]], not written back {where}"


def edit_field(text: str, paragraphs: list[str], view, anchor, report: Report) -> str:
    """The field's new Markdown for the paragraphs the DOCX holds now."""
    blocks = source_blocks(text, view)
    lines = text.split("\n")
    expected = [b.rendered for b in blocks]
    new_lines: list[str] = []
    done = 0  # source lines copied so far

    def copy_until(line: int) -> None:
        nonlocal done
        new_lines.extend(lines[done:line])
        done = max(done, line)

    def block_lines(block: SourceBlock, content: str) -> list[str]:
        parts = content.split("\n")
        return [block.prefix + parts[0]] + [block.indent + p for p in parts[1:]]

    matcher = difflib.SequenceMatcher(None, expected, paragraphs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            block = blocks[i1 + k]
            if block.taken_over:
                edit_block(block, paragraphs[j1 + k], anchor, report)  # reported, never written
                copy_until(block.last + 1)
                continue
            copy_until(block.first)
            new_lines.extend(block_lines(block, edit_block(block, paragraphs[j1 + k], anchor, report)))
            done = block.last + 1
        for k in range(i1 + pairs, i2):  # paragraphs the reviewer deleted
            block = blocks[k]
            if block.generated:
                report.generated.append(f"a paragraph with generated text was deleted; not written back "
                                        f"({anchor.label()}): {block.rendered}")
                continue
            copy_until(block.first)
            done = block.last + 1
        if j1 + pairs < j2:  # paragraphs the reviewer inserted, after the block before them
            neighbour = blocks[i1 + pairs - 1] if i1 + pairs > 0 else (blocks[0] if blocks else None)
            if neighbour is not None and i1 + pairs > 0:
                copy_until(neighbour.last + 1)
            elif neighbour is not None:
                copy_until(neighbour.first)
            prefix = neighbour.prefix if neighbour is not None else ""
            for k in range(j1 + pairs, j2):
                new_lines.append(prefix + paragraphs[k])
    copy_until(len(lines))
    return "\n".join(new_lines)


# -- the import -------------------------------------------------------------------------------------


@dataclass
class Result:
    report: Report
    files: dict[Path, str]       # path → new text
    diff: str = ""


def import_changes(project, docx_path: Path, keep_comments: bool = False) -> Result:
    from briefings.content.library import open_library
    from briefings.documents.assemble import View

    lib = open_library(project.content)
    docx = read_docx(docx_path)
    doc_id = docx.properties.get("briefings-document", "")
    doc = lib.by_id.get(doc_id)
    if doc is None or getattr(doc, "kind", "") != "document":
        raise BriefingsError(f"this DOCX was not built from a document of this library ('{doc_id or 'none'}')",
                             Location(str(docx_path)),
                             "import the DOCX that `briefings build` wrote, as edited by the reviewer")
    view = View(lib, doc, project)
    known = anchor_names.anchors_of(lib)
    report = Report()
    places: dict[str, list[tuple[str, list[Paragraph]]]] = {}  # anchor key → (text hash, paragraphs) per place
    for name, paragraphs in _group(docx.paragraphs).items():
        key, built_hash = anchor_names.parse_name(name)
        if key not in known:
            report.unmapped.append(f"{name}: the item is no longer in the library: "
                                   + " / ".join(p.new for p in paragraphs))
            continue
        places.setdefault(key, []).append((built_hash, paragraphs))
    for key, found in places.items():
        for built_hash, paragraphs in _one_place(lib, view, known[key], found, report):
            _import_anchor(lib, view, known[key], built_hash, paragraphs, report)
    _comments(docx, known, report, keep_comments)
    for paragraph in docx.paragraphs:
        if paragraph.changed and not paragraph.anchors:
            report.unmapped.append(f"paragraph {paragraph.index + 1}: '{paragraph.old}' → '{paragraph.new}': "
                                   "generated from the document spec or template; change it there")
    return Result(report, _new_files(lib, report))


def _one_place(lib, view, anchor, places: list[tuple[str, list[Paragraph]]], report: Report) -> list:
    """The place of an item to import, of the places it has in the document (an item may be listed twice):
    the one the reviewer changed, or any when none was changed; none when its places were changed differently."""
    if len(places) == 1:
        return places
    source = anchor_names.source_text(lib, anchor) or ""
    rendered = [" ".join(b.rendered.split()) for b in source_blocks(source, view)]
    changed = [(place, now) for place in places if (now := _current_paragraphs(place[1])) != rendered]
    if not changed:
        return places[:1]
    if all(now == changed[0][1] for _, now in changed):
        return [changed[0][0]]
    versions = "".join(f"\n    place {n}: {' / '.join(now)}" for n, (_, now) in enumerate(changed, 1))
    report.conflicts.append(f"{anchor.label()}: changed differently in {len(changed)} places of the document; "
                            f"nothing written for it{versions}")
    return []


def _group(paragraphs: list[Paragraph]) -> dict[str, list[Paragraph]]:
    groups: dict[str, list[Paragraph]] = {}
    for paragraph in paragraphs:
        for name in paragraph.anchors:
            groups.setdefault(name, []).append(paragraph)
    return groups


def _current_paragraphs(paragraphs: list[Paragraph]) -> list[str]:
    texts = []
    for paragraph in paragraphs:
        if paragraph.deleted and not paragraph.new.strip():
            continue
        if paragraph.inserted and not paragraph.new.strip():
            continue
        texts.append(" ".join(paragraph.new.split()))
    return texts


def _import_anchor(lib, view, anchor, built_hash: str, paragraphs: list[Paragraph], report: Report) -> None:
    source = anchor_names.source_text(lib, anchor) or ""
    now = _current_paragraphs(paragraphs)
    item = lib.by_id.get(anchor.item_id)
    if anchor.field == "antwoord" and getattr(item, "antwoord_van", None):
        if any(p.changed for p in paragraphs):
            report.unmapped.append(f"{anchor.label()}: the answer is taken over from {item.antwoord_van}; "
                                   f"change it there (not imported): {' / '.join(now)}")
        return
    rendered = [" ".join(b.rendered.split()) for b in source_blocks(source, view)]
    if anchor_names.text_hash(source) != built_hash:
        if now != rendered:
            report.conflicts.append(
                f"{anchor.label()}: changed in the library since the DOCX was built; nothing written for it\n"
                f"    library: {' / '.join(rendered)}\n    DOCX:    {' / '.join(now)}")
        return
    if now == rendered:
        return
    if anchor.field == "vraag":
        now = [" ".join(now)]
    new = edit_field(source, now, view, anchor, report)
    if new.strip("\n") != source.strip("\n"):
        if source.endswith("\n") and not new.endswith("\n"):
            new += "\n"
        report.edits.append(FieldEdit(anchor, source, new))


def _comments(docx, known: dict, report: Report, keep: bool) -> None:
    where: dict[str, str] = {}
    for paragraph in docx.paragraphs:
        for cid in paragraph.comments:
            names = [anchor_names.parse_name(n) for n in paragraph.anchors]
            anchors = [known[k] for k, _ in filter(None, names) if k in known]
            where.setdefault(cid, anchors[0] if anchors else None)
    for cid, comment in docx.comments.items():
        anchor = where.get(cid)
        label = anchor.label() if anchor else "no item (generated text)"
        date = comment.date[:10]
        report.comments.append(f"{comment.author} ({date}) on {label}: {comment.text}")
        if keep and anchor is not None:
            report.notes.setdefault(anchor.item_id, []).append(f"{comment.author} ({date}): {comment.text}")


def _new_files(lib, report: Report) -> dict[Path, str]:
    from briefings.content.fmt import set_values

    changes: dict[Path, list] = {}
    for edit in report.edits:
        item = lib.get(edit.anchor.item_id)
        path = (edit.anchor.field,) if edit.anchor.index is None else (edit.anchor.field, edit.anchor.index)
        changes.setdefault(Path(item._path), []).append((path, edit.new))
    for item_id, notes in report.notes.items():
        item = lib.get(item_id)
        if item.kind != "vraag":
            continue
        text = "\n".join(filter(None, [item.notitie or ""] + [f"Opmerking {n}" for n in notes]))
        changes.setdefault(Path(item._path), []).append((("notitie",), text))
    files = {}
    for path, values in changes.items():
        folder = path.parent.name
        files[path] = set_values(path.read_text(encoding="utf-8"), values, folder, str(path))
    return files


def dry_run_diff(project, files: dict[Path, str]) -> str:
    """The library with the new files, as `briefings diff` shows it against the working tree."""
    import shutil
    import tempfile

    from briefings.content.library import open_library
    from briefings.review.diff import Revision, compare, render_text

    content = Path(project.content)
    work = Path(tempfile.mkdtemp(prefix="briefings-import-"))
    try:
        copy = work / content.name
        shutil.copytree(content, copy)
        for path, text in files.items():
            (copy / Path(path).resolve().relative_to(content.resolve())).write_text(text, encoding="utf-8")
        old = Revision("working tree", None, open_library(content), content)
        new = Revision("after import", None, open_library(copy), copy)
        return render_text(compare(old, new))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(project, docx_path: Path, dry_run: bool = False, keep_comments: bool = False, echo=print) -> int:
    """The `import wijzigingen` command: report, then write (or show the diff); the exit code."""
    from briefings.content.load import display_path
    from briefings.writers.files import write_text_atomic

    docx_path = Path(docx_path)
    if not docx_path.is_file():
        raise BriefingsError("file not found", Location(str(docx_path)))
    result = import_changes(project, docx_path, keep_comments)
    report = result.report
    for edit in report.edits:
        echo(f"changed: {edit.anchor.label()}")
    if report.render():
        echo(report.render().rstrip("\n"))
    if dry_run:
        echo(dry_run_diff(project, result.files).rstrip("\n") if result.files else "no changes to write")
    else:
        for path, text in result.files.items():
            write_text_atomic(path.resolve(), text)
            echo(f"wrote {display_path(path)}")
    return 1 if report.conflicts else 0
