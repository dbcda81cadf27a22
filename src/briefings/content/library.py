"""Stage 2: index the loaded items by id and resolve every reference."""
from __future__ import annotations

import bisect
import functools
import os
import re
import typing
from collections import defaultdict
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel

from briefings.content import model as m
from briefings.errors import BriefingsError, DuplicateIdError, ErrorGroup, Location, ReferenceError_, did_you_mean
from briefings.content.load import FREEZE_MIN_FILES, Content, building, load_content
from briefings.content.positions import locate, raw_of, remember

# An id holds no '[': a text with many unfinished "[[kind:" is then scanned in linear time, not quadratic.
INLINE = re.compile(r"\[\[([a-z]+):([^\[\]\|\s]+)\]\]")
INLINE_KINDS = {"cijfer", "vraag", "bijlage", "maatregel", "bron", "aanbeveling", "persoon", "document",
                "toezegging", "thema", "prestatieafspraak", "antwoord"}
INLINE_TARGET = {"antwoord": "vraag"}  # [[antwoord:id]] includes the answer of question id


def target_kind(kind: str) -> str:
    """The kind of item an inline reference of this kind points at."""
    return INLINE_TARGET.get(kind, kind)


def reuses(link: "Link") -> bool:
    """Whether a link takes over another question's answer (antwoord_van, or [[antwoord:id]] inline)."""
    return link.kind == "antwoord" or link.field == "antwoord_van"


INCLUDED = ("bestand", "inhoud")  # Link.loc of a reference inside the text of an included file


class Link:
    """One reference from an item (or a part of it) to another item. Its location is found when asked.

    A plain class with slots: a large library has hundreds of thousands of links. The model object
    holding the reference (`owner`) is found from the item by `prefix` only when a location is asked."""

    __slots__ = ("source", "field", "target", "kind", "prefix", "loc", "inline", "offset", "_owner", "_location")

    def __init__(self, source: m.Item, field: str, target: str, kind: str, prefix: tuple, loc: tuple,
                 inline: bool = False, offset: int = 0):
        self.source = source
        self.field = field
        self.target = target
        self.kind = kind
        self.prefix = prefix  # the path from the item to the model object holding the reference
        self.loc = loc  # the path from that object to the reference (or INCLUDED)
        self.inline = inline
        self.offset = offset  # inline references: where in the text
        self._owner = None
        self._location = None

    @property
    def owner(self) -> BaseModel:
        if self._owner is None:
            self._owner = follow(self.source, self.prefix)
        return self._owner

    @property
    def text(self) -> str:
        """The text holding an inline reference."""
        if self.loc is INCLUDED:
            return self.owner._inhoud or ""
        return field_text(self.owner, self.loc) if self.inline else ""

    @property
    def location(self) -> Location:
        if self._location is None:
            if self.loc is INCLUDED:  # a reference in an included file: its own line and column
                text = self.text
                line = text.count("\n", 0, self.offset) + 1
                col = self.offset - text.rfind("\n", 0, self.offset)
                self._location = Location(self.owner._inhoud_pad, line, col)
            elif self.inline:
                self._location = inline_location(self.owner, self.loc, self.text, self.offset)
            else:
                self._location = locate(self.owner, *self.loc)
        return self._location

    def __repr__(self) -> str:
        return f"Link({self.source.id} {self.field} → {self.kind}:{self.target})"


def follow(obj, path: tuple):
    """The object at path (field names and list indexes) below obj."""
    for step in path:
        obj = obj[step] if isinstance(step, int) else getattr(obj, step)
    return obj


def field_text(owner: BaseModel, loc: tuple) -> str:
    """The text of a field (name,) or of one entry of a list field (name, index)."""
    value = getattr(owner, loc[0])
    return value[loc[1]] if len(loc) > 1 else value


def field_meta(cls: type[BaseModel]) -> dict[str, tuple[str | None, bool]]:
    """field name → (ref kind or None, is markdown)."""
    cached = cls.__dict__.get("_briefings_meta")
    if cached is not None:
        return cached
    meta = {}
    for name, info in cls.model_fields.items():
        kind = next((x.kind for x in info.metadata if isinstance(x, m.Ref)), None)
        is_md = any(x is m.MD for x in info.metadata)
        if kind is None:
            for arg in typing.get_args(info.annotation):
                for inner in getattr(arg, "__metadata__", ()):
                    if isinstance(inner, m.Ref):
                        kind = inner.kind
                    if inner is m.MD:
                        is_md = True
        meta[name] = (kind, is_md)
    setattr(cls, "_briefings_meta", meta)
    return meta


def inline_location(obj: BaseModel, loc: tuple, text: str, offset: int) -> Location:
    """Where text[offset] of a field stands in its file: exact also inside folded and quoted scalars."""
    from briefings.content.yamlpos import position_of

    base = locate(obj, *loc)
    pos = position_of(raw_of(obj), loc)
    if pos is None or not base.line:
        return base
    lines = _source_lines(base.path)
    found = _walk_to(lines, pos, text, offset) if lines else None
    if found:
        return Location(base.path, *found)
    lines_before = text.count("\n", 0, offset)
    if pos.style in ("|", ">"):
        return Location(base.path, pos.line + 1 + lines_before, 1)
    return Location(base.path, pos.line + lines_before, pos.col if not lines_before else 1)


def _source_lines(path: str) -> tuple[str, ...] | None:
    """A content file's lines, read once per version of the file (only when a location is asked for)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _read_lines(os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _read_lines(path: str, mtime_ns: int, size: int) -> tuple[str, ...] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return tuple(handle.read().splitlines())
    except (OSError, UnicodeDecodeError):
        return None


def _walk_to(lines: list[str], pos, text: str, start: int) -> tuple[int, int] | None:
    """(line, col) of text[start] in the source, by counting non-blank characters from the value's start.

    Folding (`>`, plain and quoted multi-line scalars) and indentation change only whitespace,
    so the n-th non-blank character of the text is the n-th non-blank character of the value.
    The walk is done once per value and kept: a text with thousands of references is not walked again
    for each of them."""
    key = (id(lines), id(text), pos)
    walked = _WALKED.get(key)
    if walked is None or walked[0] is not lines or walked[1] is not text:
        nonblank = [i for i, char in enumerate(text) if not char.isspace()]
        if len(_WALKED) >= 64:
            _WALKED.clear()
        walked = _WALKED[key] = (lines, text, nonblank, _coordinates(lines, pos, len(nonblank) + 1))
    target = bisect.bisect_left(walked[2], start)  # the non-blank characters before text[start]
    coordinates = walked[3]
    return coordinates[target] if target < len(coordinates) else None


_WALKED: dict[tuple, tuple] = {}  # (lines, text, position) → what _walk_to needs; the objects are kept, so ids stay


def _coordinates(lines, pos, limit: int) -> list[tuple[int, int]]:
    """(line, col) of the n-th non-blank character of the value at pos, for n up to limit."""
    if pos.style in ("|", ">"):
        line, col = pos.line, 0  # the text starts on the line after the indicator
    else:
        line, col = pos.line - 1, pos.col - 1 + (pos.style in ("'", '"'))
    count, found = 0, []
    while line < len(lines) and len(found) < limit:
        source = lines[line]
        while col < len(source):
            char = source[col]
            if not char.isspace():
                if count == len(found):
                    found.append((line + 1, col + 1))
                if pos.style == "'" and source.startswith("''", col):
                    col += 1  # '' stands for one quote
                elif pos.style == '"' and char == "\\":
                    col += 1  # an escape such as \" is one character; \n and \t are blank in the text
                    count -= source[col:col + 1] in ("n", "t", "r")
                count += 1
            col += 1
        line, col = line + 1, 0
    return found


def _walk_fields(cls: type[BaseModel]) -> list[tuple[str, str | None, bool, bool]]:
    """(name, ref kind, is Markdown, may hold models) for the fields walk_refs has to look at."""
    cached = cls.__dict__.get("_briefings_walk")
    if cached is None:
        cached = []
        for name, (kind, is_md) in field_meta(cls).items():
            nested = may_hold_model(cls.model_fields[name].annotation)
            if kind or is_md or nested:
                cached.append((name, kind, is_md, nested))
        setattr(cls, "_briefings_walk", cached)
    return cached


def may_hold_model(annotation) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(may_hold_model(arg) for arg in typing.get_args(annotation))


def walk_refs(item: m.Item) -> Iterator[Link]:
    """Every reference an item makes, through fields and inline [[kind:id]] text, nested models included."""
    return iter(_links(item))


def _links(item: m.Item) -> list[Link]:
    found = []
    for label, target, kind, prefix, loc, inline, offset in ref_facts(item):
        if loc is INCLUDED:  # the text of an included file: read when the library loads, so never memoised
            bijlage = follow(item, prefix)
            for match in INLINE.finditer(bijlage._inhoud or ""):
                found.append(Link(item, label, match.group(2), match.group(1), prefix, INCLUDED, True,
                                  match.start()))
        else:
            found.append(Link(item, label, target, kind, prefix, loc, inline, offset))
    return found


def ref_facts(item: m.Item) -> list[tuple]:
    """(field label, target, kind, prefix, loc, inline, offset) of every reference the item's own content
    makes. They depend on nothing else, so they are kept with the item (and in the parse cache)."""
    return remember(item, "refs", _item_refs)


def _item_refs(item: m.Item) -> list[tuple]:
    found: list[tuple] = []
    _collect_refs(item, (), found)
    return found


def _collect_refs(obj: BaseModel, prefix: tuple, found: list[tuple]) -> None:
    values = obj.__dict__
    if type(obj) is m.Bijlage and values.get("bestand") is not None:  # the included file's references, later
        found.append((".".join(str(p) for p in prefix + ("bestand",)), "", "", prefix, INCLUDED, True, 0))
    for name, kind, is_md, nested in _walk_fields(type(obj)):
        value = values.get(name)
        if value is None:
            continue
        label = ".".join(str(p) for p in prefix + (name,)) if prefix else name
        if kind and isinstance(value, str):
            found.append((label, value, kind, prefix, (name,), False, 0))
        elif kind and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            for i, target in enumerate(value):
                found.append((label, target, kind, prefix, (name, i), False, 0))
        if is_md:
            texts = value if isinstance(value, list) else [value]
            for i, text in enumerate(texts):
                if "[[" not in text:
                    continue
                sub = (name, i) if isinstance(value, list) else (name,)
                for match in INLINE.finditer(text):
                    found.append((label, match.group(2), match.group(1), prefix, sub, True, match.start()))
        if not nested:
            continue
        if isinstance(value, BaseModel) and not isinstance(value, m.Item):
            _collect_refs(value, prefix + (name,), found)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                if isinstance(child, BaseModel) and not isinstance(child, m.Item):
                    _collect_refs(child, prefix + (name, i), found)


# Kinds a document pulls in when an included item refers to them. References to questions,
# documents, commitments and key messages are followed only from the document itself.
_FOLLOW = {"cijfer", "bron", "maatregel", "aanbeveling", "thema", "persoon", "prestatieafspraken",
           "prestatieafspraak", "bevinding"}


def _pulled_ids(item: m.Item) -> tuple[str, ...]:
    """The ids of the items a (non-document) item brings into a document that uses it: what its references
    of the kinds of _FOLLOW name, the answers it takes over, its parent and a set's agreements. They depend
    on its own file alone, so they are kept with it (and in the parse cache); ids that name no item are
    passed over when they are followed."""
    ids = [target for label, target, kind, _, loc, _, _ in ref_facts(item)
           if loc is not INCLUDED and kind != "bijlage" and (kind in _FOLLOW or kind == "antwoord"
                                                             or label == "antwoord_van")]
    parent = (item.__pydantic_private__ or {}).get("_parent")
    if parent:
        ids.append(parent)
    if isinstance(item, m.Prestatieafspraken):
        ids += [a.id for d in item.doelen for a in d.afspraken]
    return tuple(dict.fromkeys(ids))


class Library:
    """All items by id, with links resolved in both directions."""

    def __init__(self, content: Content):
        self.content = content
        self.root = content.root
        self.by_id: dict[str, m.Item] = {}
        self.by_kind: dict[str, list[m.Item]] = defaultdict(list)
        self.links: list[Link] = []
        self.incoming: dict[str, list[Link]] = defaultdict(list)
        self.refs: dict[str, list[Link]] = {}  # item id → the links it makes, in walk order
        self.bijlage_ids: set[str] = set()
        self._uses: dict[str, list[m.Item]] = {}
        errors: list[BriefingsError] = []
        with building(freeze=len(content.paths) >= FREEZE_MIN_FILES):
            self._index(errors)
            self._resolve(errors)
            self._refuse_cycles(errors)
        if errors:
            raise errors[0] if len(errors) == 1 else ErrorGroup(errors)

    # -- building -----------------------------------------------------------

    def _index(self, errors: list[BriefingsError]) -> None:
        for item in self.content.items:
            first = self.by_id.get(item.id)
            if first is not None:
                errors.append(DuplicateIdError(
                    f"duplicate id '{item.id}' (also used by the {first.kind} at {locate(first, 'id')})",
                    locate(item, "id"),
                    "ids must be unique across the whole library",
                ))
                continue
            self.by_id[item.id] = item
            self.by_kind[item.kind].append(item)
            if isinstance(item, m.Document):
                self.bijlage_ids.update(b.id for b in item.bijlagen)

    def _resolve(self, errors: list[BriefingsError]) -> None:
        hints: dict[tuple[str, str], str | None] = {}  # one hint per unknown target, however often it is named

        def hint(kind: str, target: str) -> str | None:
            if (kind, target) not in hints:
                candidates = [i.id for i in self.by_kind.get(target_kind(kind), ())]
                hints[kind, target] = did_you_mean(target, candidates)
            return hints[kind, target]

        for item in self.content.items:
            if self.by_id.get(item.id) is not item:
                continue
            made = self.refs[item.id] = []
            for link in walk_refs(item):
                if link.inline and link.kind not in INLINE_KINDS:
                    errors.append(ReferenceError_(
                        f"unknown reference kind '{link.kind}' in [[{link.kind}:{link.target}]]",
                        link.location, did_you_mean(link.kind, INLINE_KINDS) or f"kinds: {', '.join(sorted(INLINE_KINDS))}",
                    ))
                    continue
                if link.kind == "bijlage":
                    if link.target not in self.bijlage_ids:
                        errors.append(ReferenceError_(
                            f"no document has an attachment (bijlage) with id '{link.target}'",
                            link.location, did_you_mean(link.target, self.bijlage_ids),
                        ))
                    self.links.append(link)
                    made.append(link)
                    continue
                target = self.by_id.get(link.target)
                if target is None or target.kind != target_kind(link.kind):
                    what = f"unknown {target_kind(link.kind)} '{link.target}'"
                    if target is not None:
                        what += f" ('{link.target}' is a {target.kind})"
                    errors.append(ReferenceError_(f"{link.field}: {what}", link.location,
                                                  hint(link.kind, link.target)))
                    continue
                self.links.append(link)
                made.append(link)
                self.incoming[link.target].append(link)

    def _refuse_cycles(self, errors: list[BriefingsError]) -> None:
        """Documents that include each other (or themselves) as attachments: each would hold the other forever."""
        includes = {doc.id: [link for link in self.refs.get(doc.id, ()) if link.kind == "document" and not link.inline]
                    for doc in self.by_kind.get("document", ())}
        state: dict[str, int] = {}  # 1: on the path being followed, 2: done
        for start in includes:
            if start in state:
                continue
            path, pending = [start], [iter(includes[start])]
            state[start] = 1
            while pending:  # depth first, without recursion: a chain of includes may be long
                link = next(pending[-1], None)
                if link is None:
                    state[path.pop()] = 2
                    pending.pop()
                elif state.get(link.target) == 1:
                    cycle = path[path.index(link.target):] + [link.target]
                    what = (f"document '{link.target}' includes itself" if len(cycle) == 2
                            else f"documents include each other: {' → '.join(cycle)}")
                    errors.append(ReferenceError_(f"{link.field}: {what}", link.location,
                                                  "an attachment may hold another document, but not one that "
                                                  "holds this one"))
                elif link.target in includes and link.target not in state:
                    state[link.target] = 1
                    path.append(link.target)
                    pending.append(iter(includes[link.target]))

    # -- queries ------------------------------------------------------------

    def get(self, item_id: str, kind: str | None = None) -> m.Item:
        item = self.by_id.get(item_id)
        if item is None or (kind and item.kind != kind):
            choices = [i.id for i in self.by_kind.get(kind, ())] if kind else list(self.by_id)
            what = f"unknown {kind or 'id'} '{item_id}'"
            raise ReferenceError_(what, None, did_you_mean(item_id, choices))
        return item

    def items(self, kind: str) -> list:
        return self.by_kind.get(kind, [])

    def documents(self) -> list[m.Document]:
        return self.items("document")

    def outgoing(self, item: m.Item) -> list[Link]:
        return list(self.refs.get(item.id, ())) if self.by_id.get(item.id) is item else []

    def parent(self, item: m.Item) -> m.Item | None:
        parent = (item.__pydantic_private__ or {}).get("_parent")  # as item._parent, without pydantic's lookup
        return self.by_id.get(parent) if parent else None

    def sources_with_recommendations(self) -> list[m.Bron]:
        """The sources an overview of recommendations lists when none are named."""
        return [b for b in self.items("bron") if b.aanbevelingen]

    def measures_for(self, aanbeveling_id: str) -> list[m.Maatregel]:
        return [link.source for link in self.incoming.get(aanbeveling_id, ())
                if isinstance(link.source, m.Maatregel) and link.field == "naar_aanleiding_van"]

    def answer_sources(self, vraag: m.Vraag) -> list[m.Vraag]:
        """The questions whose answers this one takes over, directly or through them (cycles stop)."""
        found: dict[str, m.Vraag] = {}
        queue = [vraag]
        for current in queue:
            for link in self.refs.get(current.id, ()):
                target = self.by_id.get(link.target)
                if reuses(link) and isinstance(target, m.Vraag) and target.id not in found and target is not vraag:
                    found[target.id] = target
                    queue.append(target)
        return list(found.values())

    def reused_by(self, vraag: m.Vraag) -> list[m.Vraag]:
        """The questions that take over this question's answer (directly)."""
        return list({link.source.id: link.source for link in self.incoming.get(vraag.id, ())
                     if reuses(link) and isinstance(link.source, m.Vraag)}.values())

    def cijfer_bron(self, cijfer: m.Cijfer) -> m.Bron | None:
        return self.by_id.get(cijfer.bron) if cijfer.bron else None


    def uses(self, doc: m.Document) -> list[m.Item]:
        """Every item a document includes or rests on, in first-use order (the document itself first)."""
        known = self._uses.get(doc.id)
        if known is None or known[0] is not doc:
            known = self._uses[doc.id] = self._find_uses(doc)
        return list(known)

    def _find_uses(self, doc: m.Document) -> list[m.Item]:
        by_id = self.by_id
        seen: dict[str, m.Item] = {doc.id: doc}
        queue: list[m.Item] = [doc]
        for item in queue:  # breadth first; the queue grows while it is read
            if isinstance(item, m.Document):
                for target in self._document_pulls(item):
                    if target.id not in seen:
                        seen[target.id] = target
                        queue.append(target)
                continue
            for target_id in remember(item, "pulls", _pulled_ids):
                if target_id not in seen:
                    target = by_id.get(target_id)
                    if target is not None:
                        seen[target_id] = target
                        queue.append(target)
        return queue

    def _document_pulls(self, doc: m.Document) -> list[m.Item]:
        """The items a document brings in itself: everything it refers to, and what its overviews list."""
        pulled: list[m.Item] = []
        links = self.refs.get(doc.id) if self.by_id.get(doc.id) is doc else None
        for link in walk_refs(doc) if links is None else links:
            if link.kind == "bijlage":
                continue
            target = self.by_id.get(link.target)
            if target is not None:
                pulled.append(target)
        pulled += self._overview_items(doc)
        parent = self.parent(doc)
        if parent is not None:
            pulled.append(parent)
        return pulled

    def _overview_items(self, doc: m.Document) -> list[m.Item]:
        """Items behind generated overviews: attachments, sections listing recommendations, matrix documents."""
        items: list[m.Item] = []

        def sources(ids):
            if ids:
                return [self.by_id[i] for i in ids if i in self.by_id]
            return self.sources_with_recommendations()

        def recommendations(bronnen):
            for bron in bronnen:
                items.append(bron)
                for rec in bron.aanbevelingen:
                    items.append(rec)
                    items.extend(self.measures_for(rec.id))

        for bijlage in doc.bijlagen:
            if bijlage.overzicht == "interventies":
                items += self.items("thema") + self.items("maatregel")
            elif bijlage.overzicht in ("maatregelen-onderzoeken", "aanbevelingen"):
                recommendations(sources(bijlage.bronnen))
            elif bijlage.overzicht == "cijfers":
                items += [self.by_id[i] for i in bijlage.cijfers if i in self.by_id]
        if isinstance(doc, m.Matrix):
            recommendations(sources(doc.bronnen))

        def sections(onderdelen):
            for o in onderdelen:
                for rec_id in o.aanbevelingen:
                    if rec_id in self.by_id:
                        items.extend(self.measures_for(rec_id))
                for bron_id in o.bronnen:
                    bron = self.by_id.get(bron_id)
                    if bron is not None:
                        items.extend(bron.bevindingen)
                sections(o.onderdelen)

        sections(doc.onderdelen)
        return items


def open_library(root: Path, save_cache: bool = True) -> Library:
    """Load and resolve a library. With save_cache=False, call lib.content.save_cache() when done."""
    content = load_content(root, save_cache=save_cache)
    try:
        return Library(content)
    except BriefingsError:
        content.save_cache()  # the files themselves are fine: keep them parsed for the run after the fix
        raise
