"""Redline: the differences from an earlier version written as Word tracked changes (w:ins, w:del).

The DOCX writer renders the new Markdown as usual; `track_changes` then renders the earlier
Markdown with the same writer into a scratch body and merges the two bodies block by block.
A block is what the writer makes of one Markdown block: a paragraph (heading, paragraph, list
item, continuation) or a table row. Blocks are aligned with difflib; in a changed block the words
are aligned again, so a reviewer accepts or rejects a change word by word:

- an unchanged block is the new one, as written;
- a changed block keeps the new paragraph properties, with deleted words in w:del/w:delText and
  inserted words in w:ins (bold, italic and links stay);
- an inserted block is all w:ins, with its paragraph mark (w:pPr/w:rPr/w:ins) or row (w:trPr/w:ins)
  marked inserted; a deleted block is the old one, all w:del, mark or row marked deleted, in its
  old place and old style. A deleted list item joins the new numbering of its list.

Everything the merge writes is deterministic (revision ids count up from 1), so the package
stays reproducible to the byte.
"""
from __future__ import annotations

import copy
import datetime
import difflib
import re
from dataclasses import dataclass, field

from briefings.writers.wordml import W, XML_SPACE, BodyWriter, first_child

VAL = W + "val"
WORD = re.compile(r"\w+|\s+|[^\w\s]")
SIMILAR = 0.5          # changed blocks at least this similar are diffed word by word
MAX_PAIRING = 40_000   # old × new blocks in one changed stretch; beyond this: delete all, insert all


@dataclass(frozen=True)
class Revision:
    """Who made the changes and when: w:author and w:date of every mark."""

    author: str
    date: datetime.datetime

    @property
    def stamp(self) -> str:
        moment = self.date
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def track_changes(document, writer: BodyWriter, old_tokens: list, toc: tuple | None, revision) -> None:
    """Turn the body writer just wrote into the new body with tracked changes against old_tokens.

    revision: a Revision for every mark, or an authorship with `default` and `for_anchors(names)` that
    names the author and date per item block (documents/baseline.py)."""
    revision = revision or Revision("briefings", datetime.datetime(2000, 1, 1))
    numbering = writer.numbering.element
    nums_before = {n.get(W + "numId") for n in numbering.iterchildren(W + "num")}
    abstracts_before = {a.get(W + "abstractNumId") for a in numbering.iterchildren(W + "abstractNum")}

    scratch = writer.body.makeelement(W + "body", {})
    old = BodyWriter(document, writer.styles.reference_doc, body=scratch)
    old.sect_pr = copy.deepcopy(writer.sect_pr)  # the same page, so the same table widths
    old.write_title_block(old_tokens)
    if toc:  # the contents are generated, not content: render them on both sides (toc: write_toc's arguments)
        old.write_toc(*toc)
    old.write_blocks(old_tokens)
    old.finish()
    if toc:
        _same_contents(scratch, writer)

    old_anchors, new_anchors = _anchor_names(scratch), _anchor_names(writer.body)
    _detach_bookmarks(scratch)  # the anchors of the new body only: they are no text to compare
    bookmarks = _detach_bookmarks(writer.body)
    old_blocks, new_blocks = _blocks(scratch), _blocks(writer.body)
    steps = _align(old_blocks, new_blocks)
    per_item = hasattr(revision, "for_anchors")  # an Authorship: each item's changes by their own author
    marks = _Marks(revision.default if per_item else revision)
    renumber = _numbering_map(steps)
    for step in steps:
        if per_item and step.op != "equal":
            block, names = (step.new, new_anchors) if step.new is not None else (step.old, old_anchors)
            marks.use(revision.for_anchors(names.get(block.element, ())))
        if step.op == "replace":
            _rewrite(step.old, step.new, marks)
        elif step.op == "insert":
            _mark_block(step.new, "ins", marks)
        elif step.op == "delete":
            _renumber(step.old.element, renumber)
            _mark_block(step.old, "del", marks)
    _rebuild(writer.body, steps)
    _attach_bookmarks(bookmarks)
    _drop_unused_numbering(writer.body, numbering, nums_before, abstracts_before)


def _anchor_names(body) -> dict:
    """Paragraph → the names of the bookmarks (item anchors) it lies in."""
    ids: dict[str, str] = {}
    open_names: list[str] = []
    found = {}
    for paragraph in body.iter(W + "p"):
        for start in paragraph.iter(W + "bookmarkStart"):
            ids[start.get(W + "id")] = start.get(W + "name")
            if start.get(W + "name") not in open_names:
                open_names.append(start.get(W + "name"))
        found[paragraph] = tuple(open_names)
        for end in paragraph.iter(W + "bookmarkEnd"):
            if ids.get(end.get(W + "id")) in open_names:
                open_names.remove(ids[end.get(W + "id")])
    return found


def _detach_bookmarks(body) -> list[tuple[object, object, bool]]:
    """Remove the bookmarks of the paragraphs; (paragraph, bookmark, is start) to put them back."""
    found = []
    for tag in (W + "bookmarkStart", W + "bookmarkEnd"):
        for bookmark in list(body.iter(tag)):
            paragraph = bookmark.getparent()
            found.append((paragraph, bookmark, tag == W + "bookmarkStart"))
            paragraph.remove(bookmark)
    return found


def _attach_bookmarks(found: list[tuple[object, object, bool]]) -> None:
    """Starts first after the paragraph properties, ends last: around the paragraph's runs and marks."""
    for paragraph, bookmark, is_start in found:
        if is_start:
            ppr = paragraph.find(W + "pPr")
            paragraph.insert(0 if ppr is None else 1, bookmark)
        else:
            paragraph.append(bookmark)


# -- blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    """A word, a run of spaces, a punctuation mark, a tab, a break or another run child."""

    key: tuple        # (run properties, kind, value, link): equal keys are equal text
    rpr: object       # the w:rPr of its run, or None
    kind: str         # "t" text, "x" another run child, "p" a paragraph child that is no run
    value: str
    element: object = None  # the run child or paragraph child for "x" and "p"
    link: object = None     # the w:hyperlink the run sits in

    @property
    def link_key(self) -> tuple:
        return self.key[3]


@dataclass
class _Block:
    element: object           # w:p or w:tr
    table: object             # the w:tbl of a row, else None
    shape: tuple              # properties that must match for a word-level diff
    key: tuple                # equal keys: an unchanged block
    words: list[str]          # for similarity
    parts: list[list[_Token]] = field(default_factory=list)  # tokens per paragraph (a row: per cell)

    @property
    def is_row(self) -> bool:
        return self.table is not None


def _blocks(body) -> list[_Block]:
    blocks = []
    for child in body:
        if child.tag == W + "p":
            blocks.append(_paragraph_block(child))
        elif child.tag == W + "tbl":
            blocks += [_row_block(row, child) for row in child.iterchildren(W + "tr")]
    return blocks


def _paragraph_block(paragraph) -> _Block:
    tokens = _tokens(paragraph)
    shape = _shape(paragraph.find(W + "pPr"))
    return _Block(paragraph, None, shape, ("p", shape, tuple(t.key for t in tokens)), _words(tokens), [tokens])


def _row_block(row, table) -> _Block:
    cells = [cell.findall(W + "p") for cell in row.iterchildren(W + "tc")]
    parts = [_tokens(p) for paragraphs in cells for p in paragraphs]
    shape = ("tr", len(cells), tuple(len(ps) for ps in cells), row.find(f"{W}trPr/{W}tblHeader") is not None)
    key = ("tr", shape, tuple(tuple(t.key for t in tokens) for tokens in parts))
    return _Block(row, table, shape, key, [w for tokens in parts for w in _words(tokens)], parts)


def _xml(element) -> tuple:
    """An element as a comparable value, whatever namespace prefixes its document declares."""
    if element is None:
        return ()
    return (element.tag, tuple(sorted(element.attrib.items())), element.text or "",
            tuple(_xml(child) for child in element))


def _shape(ppr) -> tuple:
    """Paragraph properties without the list instance, the spacing after a table and a question's outline level
    (which follows the heading above it)."""
    if ppr is None:
        return ()
    ppr = copy.deepcopy(ppr)
    for tag in (f"{W}numPr/{W}numId", W + "spacing", W + "outlineLvl"):
        for element in ppr.findall(tag):
            element.getparent().remove(element)
    return _xml(ppr)


def _tokens(paragraph) -> list[_Token]:
    tokens: list[_Token] = []

    def run_tokens(run, link=None):
        rpr = run.find(W + "rPr")
        props = _xml(rpr)
        target = tuple(sorted(link.attrib.items())) if link is not None else ()  # equal urls share an r:id
        for child in run:
            if child.tag == W + "rPr":
                continue
            if child.tag == W + "t":
                for word in WORD.findall(child.text or ""):
                    tokens.append(_Token((props, "t", word, target), rpr, "t", word, None, link))
            else:
                tokens.append(_Token((props, "x", _xml(child), target), rpr, "x", "", child, link))

    for child in paragraph:
        if child.tag == W + "r":
            run_tokens(child)
        elif child.tag == W + "hyperlink":
            for run in child.iterchildren(W + "r"):
                run_tokens(run, child)
        elif child.tag != W + "pPr":
            tokens.append(_Token(((), "p", _xml(child), ()), None, "p", "", child))
    return tokens


def _words(tokens: list[_Token]) -> list[str]:
    return [t.value for t in tokens if t.kind == "t" and not t.value.isspace()]


# -- alignment ---------------------------------------------------------------------------


@dataclass
class _Step:
    op: str                  # equal | replace | insert | delete
    old: _Block | None
    new: _Block | None


def _align(old: list[_Block], new: list[_Block]) -> list[_Step]:
    steps: list[_Step] = []
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            steps += [_Step("equal", old[i], new[j]) for i, j in zip(range(i1, i2), range(j1, j2))]
        else:
            steps += _pair(old[i1:i2], new[j1:j2])
    return steps


def _pair(old: list[_Block], new: list[_Block]) -> list[_Step]:
    """Changed stretches: pair similar blocks in order (the most similarity in total), the rest
    deleted before inserted."""
    n, m = len(old), len(new)
    pairs: list[tuple[int, int]] = []
    if n and m and n * m <= MAX_PAIRING:
        score = [[0.0] * (m + 1) for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            for j in range(m - 1, -1, -1):
                best = max(score[i + 1][j], score[i][j + 1])
                similarity = _similarity(old[i], new[j])
                if similarity >= SIMILAR:
                    best = max(best, score[i + 1][j + 1] + similarity)
                score[i][j] = best
        i = j = 0
        while i < n and j < m:
            similarity = _similarity(old[i], new[j])
            if similarity >= SIMILAR and score[i][j] == score[i + 1][j + 1] + similarity:
                pairs.append((i, j))
                i, j = i + 1, j + 1
            elif score[i][j] == score[i + 1][j]:
                i += 1
            else:
                j += 1
    steps: list[_Step] = []
    i = j = 0
    for pi, pj in pairs + [(n, m)]:
        steps += [_Step("delete", old[k], None) for k in range(i, pi)]
        steps += [_Step("insert", None, new[k]) for k in range(j, pj)]
        if pi < n:
            steps.append(_Step("replace", old[pi], new[pj]))
        i, j = pi + 1, pj + 1
    return steps


def _similarity(a: _Block, b: _Block) -> float:
    if a.shape != b.shape or a.is_row != b.is_row:
        return 0.0
    if not a.words and not b.words:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a.words, b.words, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0
    return matcher.ratio()


# -- marks -------------------------------------------------------------------------------


class _Marks:
    """w:ins and w:del elements with unique ids, all by one author at one moment."""

    def __init__(self, revision: Revision):
        self.use(revision)
        self.next_id = 1

    def use(self, revision: Revision) -> None:
        """The author and date of the marks made from now on."""
        self.author = revision.author
        self.stamp = revision.stamp

    def make(self, parent, tag: str):
        mark = parent.makeelement(W + tag, {W + "id": str(self.next_id), W + "author": self.author,
                                            W + "date": self.stamp})
        self.next_id += 1
        return mark


def _mark_block(block: _Block, tag: str, marks: _Marks) -> None:
    """A whole block inserted or deleted: every run and the paragraph mark (or the row)."""
    if block.is_row:
        row = block.element
        tr_pr = row.find(W + "trPr")
        if tr_pr is None:
            tr_pr = row.makeelement(W + "trPr", {})
            prefix = row.find(W + "tblPrEx")
            if prefix is not None:
                prefix.addnext(tr_pr)
            else:
                row.insert(0, tr_pr)
        tr_pr.append(marks.make(tr_pr, tag))
        for paragraph in row.iter(W + "p"):
            _mark_runs(paragraph, tag, marks)
        return
    _mark_runs(block.element, tag, marks)
    _mark_paragraph(block.element, tag, marks)


def _mark_runs(container, tag: str, marks: _Marks) -> None:
    """Wrap each stretch of runs in one w:ins or w:del; hyperlinks keep their runs inside."""
    group = None
    for child in list(container):
        if child.tag == W + "r":
            if group is None:
                group = marks.make(container, tag)
                child.addprevious(group)
            group.append(child)
            if tag == "del":
                _as_deleted(child)
            continue
        group = None
        if child.tag == W + "hyperlink":
            _mark_runs(child, tag, marks)


def _mark_paragraph(paragraph, tag: str, marks: _Marks) -> None:
    ppr = first_child(paragraph, W + "pPr")
    rpr = ppr.find(W + "rPr")
    if rpr is None:
        rpr = ppr.makeelement(W + "rPr", {})
        later = ppr.find(W + "sectPr")
        if later is None:
            later = ppr.find(W + "pPrChange")
        if later is not None:
            later.addprevious(rpr)
        else:
            ppr.append(rpr)
    rpr.insert(0, marks.make(rpr, tag))


def _as_deleted(run) -> None:
    for child in run:
        if child.tag == W + "t":
            child.tag = W + "delText"
        elif child.tag == W + "instrText":
            child.tag = W + "delInstrText"


# -- changed blocks: word by word --------------------------------------------------------


def _rewrite(old: _Block, new: _Block, marks: _Marks) -> None:
    paragraphs = list(new.element.iter(W + "p")) if new.is_row else [new.element]
    for paragraph, old_tokens, new_tokens in zip(paragraphs, old.parts, new.parts):
        if [t.key for t in old_tokens] != [t.key for t in new_tokens]:
            _rewrite_paragraph(paragraph, old_tokens, new_tokens, marks)


def _rewrite_paragraph(paragraph, old: list[_Token], new: list[_Token], marks: _Marks) -> None:
    segments = _word_diff(old, new)
    for child in list(paragraph):
        if child.tag != W + "pPr":
            paragraph.remove(child)
    for op, segment in segments:
        for tokens in _by_link(segment):
            container = paragraph
            if tokens[0].link is not None:  # marks go inside the hyperlink, never around it
                container = paragraph.makeelement(W + "hyperlink", dict(tokens[0].link.attrib))
                paragraph.append(container)
            if op != "=":
                mark = marks.make(container, "del" if op == "-" else "ins")
                container.append(mark)
                container = mark
            _write_tokens(paragraph, container, tokens, deleted=op == "-")
            if container is not paragraph and not len(container):
                container.getparent().remove(container)


def _by_link(tokens: list[_Token]) -> list[list[_Token]]:
    """Tokens in stretches inside one hyperlink or outside any."""
    groups: list[list[_Token]] = []
    for token in tokens:
        if groups and groups[-1][0].link_key == token.link_key:
            groups[-1].append(token)
        else:
            groups.append([token])
    return groups


def phrase_diff(old: list, new: list, is_space) -> list[tuple[str, int, int, int, int]]:
    """(op, i1, i2, j1, j2) with op "=" or "~": the alignment of two token lists, shared by the redline
    and `briefings diff`.

    Spaces between two changes join them (a shared space between two different words is no common
    text), so each change reads as one phrase.
    """
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    opcodes = matcher.get_opcodes()
    out: list[list] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        gap = tag == "equal" and 0 < index < len(opcodes) - 1 and all(is_space(k) for k in new[j1:j2])
        if tag == "equal" and not gap:
            out.append(["=", i1, i2, j1, j2])
        elif out and out[-1][0] == "~":
            out[-1][2], out[-1][4] = i2, j2
        else:
            out.append(["~", i1, i2, j1, j2])
    return [tuple(step) for step in out]


def _is_space_key(key: tuple) -> bool:
    return key[1] == "t" and key[2].isspace()


def _word_diff(old: list[_Token], new: list[_Token]) -> list[tuple[str, list[_Token]]]:
    """("=", tokens), ("-", tokens), ("+", tokens) in order; each change is one deletion then one
    insertion, and spaces between two changes join them, so the marks read as phrases."""
    out: list[tuple[str, list[_Token]]] = []
    for op, i1, i2, j1, j2 in phrase_diff([t.key for t in old], [t.key for t in new], _is_space_key):
        if op == "=":
            out.append(("=", new[j1:j2]))
            continue
        if i1 < i2:
            out.append(("-", old[i1:i2]))
        if j1 < j2:
            out.append(("+", new[j1:j2]))
    return out


def _write_tokens(paragraph, container, tokens: list[_Token], deleted: bool) -> None:
    """Runs for tokens: one run per stretch of equal run properties."""
    run = None
    props = None
    text: list[str] = []

    def flush_text():
        if text:
            t = run.makeelement(W + ("delText" if deleted else "t"), {})
            t.text = "".join(text)
            if t.text != t.text.strip():
                t.set(XML_SPACE, "preserve")
            run.append(t)
            text.clear()

    for token in tokens:
        if token.kind == "p":  # no run: not something the writer makes; kept unless deleted
            if not deleted:
                flush_text()
                run = None
                paragraph.append(copy.deepcopy(token.element))
            continue
        if run is None or token.key[0] != props:
            flush_text()
            run = container.makeelement(W + "r", {})
            container.append(run)
            props = token.key[0]
            if token.rpr is not None:
                run.append(copy.deepcopy(token.rpr))
        if token.kind == "t":
            text.append(token.value)
        else:
            flush_text()
            child = copy.deepcopy(token.element)
            if deleted and child.tag == W + "instrText":
                child.tag = W + "delInstrText"
            run.append(child)
    flush_text()


def _same_contents(old_body, writer: BodyWriter) -> None:
    """The old render gets the new table of contents: it lists the new headings, so it has no changes to
    track, and the old headings' bookmarks go (the entries point to the new ones)."""
    from briefings.writers.wordml import TOC_LEVELS

    styles = {writer.styles.id("TOC Heading")} | {writer.styles.id(f"TOC {n}") for n in range(1, TOC_LEVELS + 1)}

    def contents(body):
        return [p for p in body.iterchildren(W + "p")
                if (style := p.find(f"{W}pPr/{W}pStyle")) is not None and style.get(VAL) in styles]

    old, new = contents(old_body), contents(writer.body)
    if old:
        for paragraph in new:
            old[0].addprevious(copy.deepcopy(paragraph))
        for paragraph in old:
            old_body.remove(paragraph)
    ids = set()
    for start in list(old_body.iter(W + "bookmarkStart")):
        if (start.get(W + "name") or "").startswith("_Toc"):
            ids.add(start.get(W + "id"))
            start.getparent().remove(start)
    for end in list(old_body.iter(W + "bookmarkEnd")):
        if end.get(W + "id") in ids:
            end.getparent().remove(end)


# -- numbering and the merged body -------------------------------------------------------


def _num_id(paragraph) -> str | None:
    num_id = paragraph.find(f"{W}pPr/{W}numPr/{W}numId")
    return num_id.get(VAL) if num_id is not None else None


def _numbering_map(steps: list[_Step]) -> dict[str, str]:
    """Old list instance → new list instance, from the items both versions have."""
    mapping: dict[str, str] = {}
    for step in steps:
        if step.op in ("equal", "replace") and not step.new.is_row:
            old_id, new_id = _num_id(step.old.element), _num_id(step.new.element)
            if old_id and new_id and old_id != "0":
                mapping.setdefault(old_id, new_id)
    return mapping


def _renumber(element, mapping: dict[str, str]) -> None:
    num_id = element.find(f"{W}pPr/{W}numPr/{W}numId")
    if num_id is not None and num_id.get(VAL) in mapping:
        num_id.set(VAL, mapping[num_id.get(VAL)])


def _rebuild(body, steps: list[_Step]) -> None:
    """The body in step order: new blocks and deleted old ones. Rows go back into their table;
    deleted rows join the table they sit next to, or a copy of their old one."""
    sect_pr = body.find(W + "sectPr")
    for child in list(body):
        body.remove(child)
    table, is_holder = None, False  # the table rows go into now
    placed: set = set()
    for step in steps:
        block = step.new if step.new is not None else step.old
        if not block.is_row:
            body.append(block.element)
            table = None
            continue
        if step.new is None:  # a deleted row
            if table is None:
                table, is_holder = _empty_copy(block.table), True
                body.append(table)
        elif table is not block.table:
            rows = list(table.iterchildren(W + "tr")) if table is not None and is_holder else []
            if rows:
                body.remove(table)
            if block.table in placed:  # split by a deleted paragraph: go on in a copy
                table = _empty_copy(block.table)
            else:
                table = block.table
                placed.add(table)
                for row in list(table.iterchildren(W + "tr")):
                    table.remove(row)
            body.append(table)
            table.extend(rows)
            is_holder = False
        table.append(block.element)
    if sect_pr is not None:
        body.append(sect_pr)


def _empty_copy(table):
    copy_ = table.makeelement(W + "tbl", {})
    for tag in ("tblPr", "tblGrid"):
        part = table.find(W + tag)
        if part is not None:
            copy_.append(copy.deepcopy(part))
    return copy_


def _drop_unused_numbering(body, numbering, nums_before: set, abstracts_before: set) -> None:
    """The old render's list instances that no deleted paragraph kept."""
    used = {n.get(VAL) for n in body.iter(W + "numId")}
    for num in list(numbering.iterchildren(W + "num")):
        if num.get(W + "numId") not in nums_before and num.get(W + "numId") not in used:
            numbering.remove(num)
    used_abstracts = {a.get(VAL) for a in numbering.iter(W + "abstractNumId")}
    for abstract in list(numbering.iterchildren(W + "abstractNum")):
        if abstract.get(W + "abstractNumId") not in abstracts_before | used_abstracts:
            numbering.remove(abstract)
