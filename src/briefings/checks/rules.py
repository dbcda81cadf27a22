"""Stage 3: traceability rules. Each rule yields findings; none changes the model.

A rule is a small generator registered with an id, a default severity and a one-line
description. It yields `Hit`s; `run_checks` turns them into `Finding`s, applies the
severities of briefings.yaml (checks.ernst) and the --document filter.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterator, NamedTuple

from pydantic import BaseModel

from briefings.content import model as m
from briefings.errors import BriefingsError, Location, did_you_mean
from briefings.content.library import INLINE, Library, field_meta, inline_location, may_hold_model, field_text, follow
from briefings.content.positions import locate, raw_of, remember
from briefings.checks.settings import CHECK_DEFAULTS
from briefings.checks.report import SEVERITIES, Finding, sort_findings

OFF = "off"

# --- registry ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """What a rule found. `about` names the items (and documents) it concerns, for the document filter;
    `demote` lowers the severity by that many steps (a placeholder in a concept is one step milder)."""

    where: Location
    message: str
    about: tuple[str, ...]
    hint: str | None = None
    demote: int = 0


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    run: Callable[["Context"], Iterator[Hit]]
    whole_library: bool = False  # compares an item with every other: needs the whole library loaded


RULES: list[Rule] = []


def rule(rule_id: str, severity: str, description: str, whole_library: bool = False):
    def register(func):
        RULES.append(Rule(rule_id, severity, description, func, whole_library))
        return func

    return register


def whole_library_rules(project, least: str = "error") -> list[str]:
    """The rules at `least` or above that compare items with the whole library (a build checks only errors)."""
    severities = _severities(project)
    levels = SEVERITIES[:SEVERITIES.index(least) + 1]
    return [r.id for r in RULES if r.whole_library and severities[r.id] in levels]


def describe_rules(project=None) -> str:
    """One line per rule: id, effective severity, description."""
    severities = _severities(project)
    width = max(len(r.id) for r in RULES)
    return "\n".join(f"{r.id.ljust(width)}  {severities[r.id].ljust(7)}  {r.description}" for r in RULES)


# --- context shared by the rules -------------------------------------------------------------------------


class Text(NamedTuple):  # a tuple: large libraries make many of them
    """One piece of text inside an item: the path to the model object holding it, the path from there
    to the text, the field as shown in messages, and the text."""

    prefix: tuple
    loc: tuple
    field: str
    text: str
    markdown: bool = False


class Found(NamedTuple):
    """A match of a pattern in an item's text, kept as plain data so that it can be cached with the item."""

    prefix: tuple  # the model object holding the text, from the item
    loc: tuple  # the text, from that object
    field: str
    start: int
    matched: str
    groups: tuple

    def group(self, n: int = 0) -> str:
        return self.matched if n == 0 else self.groups[n - 1]


class Context:
    def __init__(self, lib: Library, settings: dict, documents: list[m.Document], today: dt.date):
        self.lib = lib
        self.settings = settings
        self.documents = documents  # the documents in scope
        self.scope = {d.id for d in documents}
        self.today = today

    @cached_property
    def uses(self) -> dict[str, list[m.Item]]:
        """Document id → the items it uses, for every document of the library."""
        return {doc.id: self.lib.uses(doc) for doc in self.lib.documents()}

    @cached_property
    def used_by(self) -> dict[str, list[m.Document]]:
        found: dict[str, list[m.Document]] = {}
        for doc in self.lib.documents():
            for item in self.uses[doc.id]:
                found.setdefault(item.id, []).append(doc)
        return found

    def used_in_scope(self, item: m.Item) -> list[m.Document]:
        return [d for d in self.used_by.get(item.id, ()) if d.id in self.scope]

    def where(self, item: m.Item, found: Found) -> Location:
        """The file position of a match: exact line and column, also inside folded scalars."""
        owner = follow(item, found.prefix)
        return inline_location(owner, found.loc, field_text(owner, found.loc), found.start)


_INTERNAL = {(m.Vraag, "notitie")}  # never exported, so free text there is not checked for placeholders


def _text_fields(cls: type[BaseModel]) -> list[tuple[str, bool, bool, bool]]:
    """(name, is Markdown, is free text, may hold models) for the fields _texts looks at."""
    cached = cls.__dict__.get("_briefings_texts")
    if cached is None:
        cached = []
        for name, (kind, is_md) in field_meta(cls).items():
            if name == "id" or (cls, name) in _INTERNAL:
                continue
            nested = may_hold_model(cls.model_fields[name].annotation)
            if is_md or kind is None or nested:
                cached.append((name, is_md, is_md or kind is None, nested))
        setattr(cls, "_briefings_texts", cached)
    return cached


def _texts(item: m.Item, markdown_only: bool) -> list[Text]:
    """Every Markdown (or, with markdown_only=False, every free-text) field of an item, nested models included."""
    found: list[Text] = []
    _collect_texts(item, (), markdown_only, found)
    return found


def _collect_texts(obj: BaseModel, prefix: tuple, markdown_only: bool, found: list[Text]) -> None:
    values = obj.__dict__
    for name, is_md, free, nested in _text_fields(type(obj)):
        value = values.get(name)
        if value is None:
            continue
        wanted = is_md if markdown_only else free
        if wanted and isinstance(value, str):
            found.append(Text(prefix, (name,), ".".join(str(p) for p in prefix + (name,)) if prefix else name, value,
                              is_md))
        elif wanted and isinstance(value, list):
            label = ".".join(str(p) for p in prefix + (name,)) if prefix else name
            for i, text in enumerate(value):
                if isinstance(text, str):
                    found.append(Text(prefix, (name, i), label, text, is_md))
        if not nested:
            continue
        if isinstance(value, BaseModel) and not isinstance(value, m.Item):
            _collect_texts(value, prefix + (name,), markdown_only, found)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                if isinstance(child, BaseModel) and not isinstance(child, m.Item):
                    _collect_texts(child, prefix + (name, i), markdown_only, found)


def _item_where(item: BaseModel, *loc) -> Location:
    """The position of a field when the file sets it, else of the item itself."""
    raw = raw_of(item)
    if loc and _has(raw, loc):
        return locate(item, *loc)
    return locate(item)


def _has(raw, loc: tuple) -> bool:
    node = raw
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _doc_list(docs) -> str:
    return ", ".join(f"'{d.id}'" for d in docs)


def _figure_where(lib: Library, cijfer: m.Cijfer, field: str) -> Location:
    """Where a figure's bron or peildatum is set: on the figure, else at the top of its file."""
    if _has(raw_of(cijfer), (field,)):
        return locate(cijfer, field)
    for bestand in lib.content.cijferbestanden:
        if getattr(bestand, field) is not None and any(c is cijfer for c in bestand.cijfers):
            return locate(bestand, field)
    return locate(cijfer)


INLINE_ANY = re.compile(r"\[\[[^\[\]]*\]\]")  # any [[...]], masked out before looking for literals (no '[' inside: linear)
INLINE_BIJLAGE = re.compile(INLINE.pattern.replace("([a-z]+)", "(bijlage)", 1))


# The patterns rules look for in an item's texts: (pattern, Markdown fields only, [[...]] masked out).
_SCANS = {}  # filled below the patterns


def _scan(item: m.Item, pattern: re.Pattern, markdown_only: bool = False, mask_refs: bool = False) -> list[Found]:
    """Every match of pattern in the texts of an item (ctx.where(item, found) locates one)."""
    if _SCANS.get(pattern) == (markdown_only, mask_refs):
        return _matches(item)[_SCAN_INDEX[pattern]]
    return _find(_texts(item, markdown_only), pattern, markdown_only, mask_refs)


def _matches(item: m.Item) -> tuple:
    """The matches of every pattern of _SCANS in the item's texts, in their order. They depend on the item's
    own text alone, so they are kept with it (and in the parse cache)."""
    return remember(item, "matches", _find_all)


def _find_all(item: m.Item) -> tuple:
    texts = _texts(item, False)  # the Markdown texts are the free texts of Markdown fields, in the same order
    found = tuple(_find(texts, pattern, md, mask) for pattern, (md, mask) in _SCANS.items())
    return _NO_MATCHES if found == _NO_MATCHES else found


def _find(texts: list[Text], pattern: re.Pattern, markdown_only: bool, mask_refs: bool) -> list[Found] | tuple:
    found = []
    may_match = _PREFILTERS.get(pattern)
    for text in texts:
        if markdown_only and not text.markdown:
            continue
        if may_match is not None and not may_match(text.text):
            continue
        haystack = INLINE_ANY.sub(lambda x: " " * len(x.group()), text.text) if mask_refs and "[[" in text.text \
            else text.text
        for match in pattern.finditer(haystack):
            found.append(Found(text.prefix, text.loc, text.field, match.start(), text.text[match.start():match.end()],
                               match.groups()))
    return found or ()  # one shared empty tuple in the cache for the many items without matches


# --- rules -------------------------------------------------------------------------------------------------

_PEOPLE = r"(?:mensen|medewerkers|collega(?:'|’)s|personen|werknemers|ambtenaren|deelnemers|respondenten|leidinggevenden)"
LITERAL = re.compile(
    r"(?<![\w.,])\d{1,3}(?:[.,]\d+)*\s?(?:%|procent(?:punt(?:en)?)?\b)"  # 55%, 20,74 %, 12 procent
    r"|(?<![\w.,])\d+(?:\.\d{3})*\s+" + _PEOPLE + r"(?!\w)",  # 240 mensen, 1.500 medewerkers
    re.IGNORECASE,
)


@rule("literal-figure", "warning", "a percentage or count of people typed in text instead of [[cijfer:id]]")
def literal_figure(ctx: Context) -> Iterator[Hit]:
    for item in ctx.lib.by_id.values():
        for found in _scan(item, LITERAL, markdown_only=True, mask_refs=True):
            yield Hit(ctx.where(item, found), f"literal figure '{found.group()}' in {item.kind} '{item.id}' ({found.field})", (item.id,),
                      "type the figure once in cijfers/ and cite it as [[cijfer:id]]")


@rule("figure-source", "error", "a figure without source (bron) or reference date (peildatum), or with an unknown source")
def figure_source(ctx: Context) -> Iterator[Hit]:
    for cijfer in ctx.lib.items("cijfer"):
        bron = ctx.lib.by_id.get(cijfer.bron) if cijfer.bron else None
        if cijfer.bron is None:
            yield Hit(locate(cijfer), f"figure '{cijfer.id}' has no source (bron)", (cijfer.id,),
                      "set bron on the figure or at the top of its file")
        elif not isinstance(bron, m.Bron):
            choices = [b.id for b in ctx.lib.items("bron")]
            yield Hit(_figure_where(ctx.lib, cijfer, "bron"), f"figure '{cijfer.id}': unknown source '{cijfer.bron}'",
                      (cijfer.id,), did_you_mean(cijfer.bron, choices))
        if cijfer.peildatum is None:
            yield Hit(locate(cijfer), f"figure '{cijfer.id}' has no reference date (peildatum)", (cijfer.id,),
                      "set peildatum on the figure or at the top of its file")


@rule("figure-stale", "warning", "a figure older than max_leeftijd_cijfer_dagen before the date of a document using it")
def figure_stale(ctx: Context) -> Iterator[Hit]:
    limit = int(ctx.settings["max_leeftijd_cijfer_dagen"])
    for doc in ctx.documents:
        for cijfer in ctx.uses[doc.id]:
            if not isinstance(cijfer, m.Cijfer) or cijfer.peildatum is None:
                continue
            age = (doc.datum - cijfer.peildatum).days
            if age > limit:
                yield Hit(_figure_where(ctx.lib, cijfer, "peildatum"),
                          f"figure '{cijfer.id}' (peildatum {cijfer.peildatum}) is {age} days older than document "
                          f"'{doc.id}' ({doc.datum}); the limit is {limit}", (cijfer.id, doc.id),
                          "update the figure or confirm it is still the latest")


@rule("figure-update-pending", "warning", "a figure with update_verwacht is used by a document")
def figure_update_pending(ctx: Context) -> Iterator[Hit]:
    for cijfer in ctx.lib.items("cijfer"):
        docs = ctx.used_in_scope(cijfer)
        if cijfer.update_verwacht and docs:
            yield Hit(_item_where(cijfer, "update_verwacht"),
                      f"figure '{cijfer.id}' awaits an update ({_short(cijfer.update_verwacht)}) and is used by "
                      f"{_doc_list(docs)}", (cijfer.id,), "update the figure, or remove update_verwacht once final")


@rule("recommendation-unanswered", "warning", "a recommendation with no measure answering it and no reactie")
def recommendation_unanswered(ctx: Context) -> Iterator[Hit]:
    for rec in ctx.lib.items("aanbeveling"):
        if rec.reactie is None and not ctx.lib.measures_for(rec.id):
            yield Hit(locate(rec), f"recommendation '{rec.id}' ({rec._parent}) is not answered by a measure "
                      "and has no reactie", (rec.id,),
                      "cite it in a measure's naar_aanleiding_van, or set reactie with a toelichting")


@rule("recommendation-reason", "warning", "a recommendation taken over partly or not at all without toelichting")
def recommendation_reason(ctx: Context) -> Iterator[Hit]:
    for rec in ctx.lib.items("aanbeveling"):
        if rec.reactie in ("deels", "niet-overgenomen") and not (rec.toelichting or "").strip():
            yield Hit(_item_where(rec, "reactie"), f"recommendation '{rec.id}' has reactie '{rec.reactie}' "
                      "but no toelichting", (rec.id,), "explain why in toelichting")


@rule("measure-unfounded", "warning", "a new measure that cites no recommendation and has no aanleiding")
def measure_unfounded(ctx: Context) -> Iterator[Hit]:
    for maatregel in ctx.lib.items("maatregel"):
        if maatregel.status == "nieuw" and not maatregel.naar_aanleiding_van and not (maatregel.aanleiding or "").strip():
            yield Hit(_item_where(maatregel, "status"), f"new measure '{maatregel.id}' cites no recommendation "
                      "and gives no aanleiding", (maatregel.id,),
                      "add naar_aanleiding_van: [aanbeveling-id], or aanleiding: why it is needed")


@rule("classification", "error", "an item more confidential than a document that includes it")
def classification(ctx: Context) -> Iterator[Hit]:
    for doc in ctx.documents:
        level = m.CLASSIFICATIE_NIVEAU[doc.classificatie]
        for item in ctx.uses[doc.id][1:]:
            mark = item.__dict__.get("classificatie")
            if mark and m.CLASSIFICATIE_NIVEAU[mark] > level:
                yield Hit(_item_where(item, "classificatie"),
                          f"{item.kind} '{item.id}' is {mark} but document '{doc.id}' is {doc.classificatie}",
                          (item.id, doc.id), f"leave it out of '{doc.id}', or raise the document's classificatie")


PLACEHOLDER = re.compile(
    r"(?i:aanvullen met|moet nog (?:ge)?[uü]pdat\w*|nog aanvullen|\[invullen\])|\b(?:TODO|XXX|TBD)\b|\bPM:"
)


@rule("placeholder", "error", "placeholder or TODO text in a document or an item it uses (a warning unless definitief)")
def placeholder(ctx: Context) -> Iterator[Hit]:
    """One finding per placeholder, as severe as the most final document using it."""
    for item in ctx.lib.by_id.values():
        matches = _scan(item, PLACEHOLDER)
        if not matches:
            continue
        docs = [item] if isinstance(item, m.Document) and item.id in ctx.scope else ctx.used_in_scope(item)
        if not docs:
            continue
        final = [d for d in docs if d.status == "definitief"]
        users = "" if docs == [item] else f", used by {_doc_list(final or docs)}"
        for found in matches:
            yield Hit(ctx.where(item, found), f"placeholder '{found.group()}' in {item.kind} '{item.id}' ({found.field}){users}"
                      + (" (definitief)" if final else ""), (item.id, *(d.id for d in docs)),
                      "fill in the text before the document is final", demote=0 if final else 1)


BIJLAGE_NUMMER = re.compile(r"\bbijlage\s+(\d+)([a-z]?)\b", re.IGNORECASE)


def _placeholder_may_match(text: str) -> bool:
    lower = text.lower()  # the keywords hold no i, k or s, which IGNORECASE also matches to other letters
    return ("aanvullen" in lower or "moet nog" in lower or "nvullen]" in lower
            or "TODO" in text or "XXX" in text or "TBD" in text or "PM:" in text)


_DIGIT = re.compile(r"\d")

# Cheap tests a text must pass before a pattern can match it: most texts fail them, and the
# patterns are slow to run over all text of a large library.
_SCANS.update({LITERAL: (True, True), PLACEHOLDER: (False, False), BIJLAGE_NUMMER: (False, True),
               INLINE_BIJLAGE: (True, False)})
_SCAN_INDEX = {pattern: i for i, pattern in enumerate(_SCANS)}
_NO_MATCHES = tuple(() for _ in _SCANS)  # shared by the many items without any

_PREFILTERS = {
    PLACEHOLDER: _placeholder_may_match,
    LITERAL: lambda text: _DIGIT.search(text) is not None,
    BIJLAGE_NUMMER: lambda text: "jlage" in text.lower(),
    INLINE_BIJLAGE: lambda text: "[[" in text,
    INLINE: lambda text: "[[" in text,
}


def _section_attachments(onderdelen: list[m.Onderdeel]) -> set[str]:
    """Labels ('1', '1a') of attachments a section lists by title, as agendas do: "Bijlage 1a: ..."."""
    found = set()
    for onderdeel in onderdelen:
        for titel in onderdeel.bijlagen:
            match = BIJLAGE_NUMMER.match(titel.strip())
            if match:
                found.add(match.group(1) + match.group(2).lower())
        found |= _section_attachments(onderdeel.onderdelen)
    return found


@rule("bijlage-missing", "error", "'bijlage N' or [[bijlage:id]] that the document using it does not have")
def bijlage_missing(ctx: Context) -> Iterator[Hit]:
    at = _SCAN_INDEX[BIJLAGE_NUMMER], _SCAN_INDEX[INLINE_BIJLAGE]
    listed: dict[str, set[str]] = {}  # document id → attachments its sections list by title
    for item in ctx.lib.by_id.values():
        matches = _matches(item)
        numbers, refs = matches[at[0]], matches[at[1]]
        if not (numbers or refs):
            continue
        for doc in ctx.used_in_scope(item):
            if isinstance(item, m.Document) and item is not doc:
                continue  # an included document is checked against its own attachments
            if doc.id not in listed:
                listed[doc.id] = _section_attachments(doc.onderdelen)
            for match in numbers:
                label = match.group(1) + match.group(2).lower()
                if match.loc[0] == "bijlagen" and isinstance(follow(item, match.prefix), m.Onderdeel):
                    continue  # a section's list of attachments declares them
                if int(match.group(1)) > len(doc.bijlagen) and label not in listed[doc.id]:
                    yield Hit(ctx.where(item, match), f"'{match.group()}' in {item.kind} '{item.id}', but document '{doc.id}' has "
                              f"{len(doc.bijlagen)} bijlage(n)", (item.id, doc.id),
                              "refer to the attachment as [[bijlage:id]] so the number follows the document")
            ids = {b.id for b in doc.bijlagen}
            for match in refs:
                if match.group(2) not in ids:
                    yield Hit(ctx.where(item, match), f"[[bijlage:{match.group(2)}]] in {item.kind} '{item.id}', but document "
                              f"'{doc.id}' has no bijlage '{match.group(2)}'", (item.id, doc.id),
                              did_you_mean(match.group(2), ids) or f"add it to the bijlagen of '{doc.id}'")


COMPARED_CHARS = 10_000  # texts are compared on their first 10,000 characters (an answer is about 700): the
# comparison grows with the product of two lengths, and a hostile 450 KB answer must not take minutes


def _similar_pairs(ctx: Context, texts: list[str], threshold: float, cache_name: str) -> list[tuple[int, int, float]]:
    """similar.similar_pairs, with the comparisons of earlier runs kept in the cache file `cache_name`
    (a library too small for the cache compares everything)."""
    from briefings.content import cache as caches
    from briefings.checks.similar import SimilarityCache, similar_pairs

    path = caches.cache_file(ctx.lib.root, cache_name) if caches.enabled(len(ctx.lib.content.paths)) else None
    known = caches.read_cache(path) if path else None
    known = known if isinstance(known, SimilarityCache) else (SimilarityCache() if path else None)
    found = similar_pairs(texts, threshold, known)
    if known is not None and known.changed:
        caches.write_cache(path, known)
    return found


@rule("near-duplicate", "warning", "two questions that are (nearly) the same", whole_library=True)
def near_duplicate(ctx: Context) -> Iterator[Hit]:
    threshold = float(ctx.settings["gelijkenis_drempel"])
    vragen = ctx.lib.items("vraag")
    texts = [" ".join(v.vraag.lower().split())[:COMPARED_CHARS] for v in vragen]
    # ratio(later, earlier) >= threshold for every pair, as difflib gives it; bounds spare most pairs
    pairs = _similar_pairs(ctx, texts, threshold, "similar")
    for i, j, ratio in pairs:
        first, second = vragen[i], vragen[j]
        yield Hit(locate(second, "vraag"), f"question '{second.id}' is {ratio:.0%} similar to '{first.id}' "
                  f"({locate(first, 'vraag')})", (first.id, second.id),
                  "merge them into one question, or reword one")


@rule("answer-reuse", "error", "an answer taken over in a cycle, from a more confidential question, or no answer at all")
def answer_reuse(ctx: Context) -> Iterator[Hit]:
    from briefings.content.library import reuses

    for vraag in ctx.lib.items("vraag"):
        if not vraag.antwoord_van and not (vraag.antwoord or "").strip():
            yield Hit(locate(vraag), f"question '{vraag.id}' has no answer", (vraag.id,),
                      "write one in antwoord, or take one over with antwoord_van: <vraag-id>")
        for link in ctx.lib.refs.get(vraag.id, ()):
            source = ctx.lib.by_id.get(link.target)
            if not reuses(link) or not isinstance(source, m.Vraag):
                continue
            if source is vraag or vraag in ctx.lib.answer_sources(source):
                yield Hit(link.location, f"answer of '{vraag.id}' takes over '{source.id}', which takes it over "
                          "again: a cycle", (vraag.id, source.id), "let one of them have an answer of its own")
            if m.CLASSIFICATIE_NIVEAU[source.classificatie] > m.CLASSIFICATIE_NIVEAU[vraag.classificatie]:
                yield Hit(link.location, f"answer of '{vraag.id}' ({vraag.classificatie}) takes over the "
                          f"{source.classificatie} answer of '{source.id}'", (vraag.id, source.id),
                          f"raise the classificatie of '{vraag.id}', or write an answer fit for {vraag.classificatie}")


@rule("answer-copy", "warning", "an answer that is a (nearly) identical copy of another answer", whole_library=True)
def answer_copy(ctx: Context) -> Iterator[Hit]:
    """One finding per group of copies, at the first copy, naming the answer to take over."""
    threshold = float(ctx.settings["kopie_drempel"])
    groups: dict[str, list[m.Vraag]] = {}  # identical wording (ids in references aside) is compared once
    for vraag in ctx.lib.items("vraag"):
        text = remember(vraag, "answer_words", _own_answer_words)
        if len(text) >= 40:  # short answers ("Ja.") are alike without being copies
            groups.setdefault(text, []).append(vraag)
    texts = list(groups)
    found = _similar_pairs(ctx, texts, threshold, "similar-antwoord")
    parent = list(range(len(texts)))  # union-find over the texts: a chain of similar texts is one group

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in found:
        parent[root(j)] = root(i)
    clusters: dict[int, list[m.Vraag]] = {}
    for i, text in enumerate(texts):
        clusters.setdefault(root(i), []).extend(groups[text])
    order = {v.id: n for n, v in enumerate(ctx.lib.items("vraag"))}
    for members in clusters.values():
        members.sort(key=lambda v: order[v.id])
        original = members[0]
        copies = [v for v in members[1:] if original not in ctx.lib.answer_sources(v)
                  and v not in ctx.lib.answer_sources(original)]
        if not copies:
            continue
        first = copies[0]
        more = f" (and {len(copies) - 1} more: {', '.join(v.id for v in copies[1:4])}{', …' if len(copies) > 4 else ''})" \
            if len(copies) > 1 else ""
        yield Hit(_item_where(first, "antwoord"), f"answer of '{first.id}' is a copy of the answer of "
                  f"'{original.id}' ({_item_where(original, 'antwoord')}){more}", (first.id, original.id,
                  *(v.id for v in copies[1:])), f"take it over instead: antwoord_van: {original.id} (one source of truth)")


def _own_answer_words(vraag: m.Vraag) -> str:
    """The words of a question's own answer: they depend on its file alone, so they are kept with it."""
    return _answer_words(vraag.antwoord)


def _answer_words(text: str) -> str:
    """An answer's words for the copy check: case, punctuation, list markers and layout aside."""
    # copies cite their own figures; a target holds no "[", so an unfinished "[[" is passed over in linear time
    text = re.sub(r"\[\[([a-z]+):[^\[\]]*\]\]", r"[[\1]]", (text or "").lower())
    return " ".join(re.sub(r"[^\w\[\]:-]+", " ", text).split())[:COMPARED_CHARS]


@rule("final-document", "error", "a definitief document that uses a concept item or a suspect answer")
def final_document(ctx: Context) -> Iterator[Hit]:
    from briefings.checks.fingerprint import fingerprint

    for doc in ctx.documents:
        if doc.status != "definitief":  # a verzonden one was checked when it was sent, and is rebuilt as sent
            continue
        for item in ctx.uses[doc.id][1:]:
            if item.__dict__.get("status") == "concept":
                yield Hit(_item_where(item, "status"), f"{item.kind} '{item.id}' is concept, but document '{doc.id}' "
                          "that uses it is definitief", (item.id, doc.id),
                          f"agree it first (status: afgestemd), or set '{doc.id}' back to afgestemd")
            elif isinstance(item, m.Vraag) and item.beoordeling is not None \
                    and item.beoordeling.vingerafdruk != fingerprint(ctx.lib, item):
                yield Hit(_item_where(item, "beoordeling", "vingerafdruk"), f"answer '{item.id}' is suspect, but "
                          f"document '{doc.id}' that uses it is definitief", (item.id, doc.id),
                          f"check the answer, then run `briefings review {item.id}`")


@rule("sent-changed", "info", "content a sent document uses changed after it was sent (its build stays as sent)")
def sent_changed(ctx: Context) -> Iterator[Hit]:
    from briefings.checks.sent import changes_since_sent

    for doc in ctx.documents:
        if doc.verzending is None:
            continue
        for where, item_id, what in changes_since_sent(ctx.lib, doc):
            yield Hit(where, f"{what} since document '{doc.id}' was sent on {doc.verzending.datum} "
                      f"({doc.verzending.commit[:12]}); it would alter the sent version, which `build` keeps "
                      "rebuilding as sent", (item_id, doc.id))


@rule("member-section", "error", "a question under a council member's subsection that another member asked (gesteld_door)")
def member_section(ctx: Context) -> Iterator[Hit]:
    def walk(doc: m.Document, onderdelen: list[m.Onderdeel]) -> Iterator[Hit]:
        for onderdeel in onderdelen:
            for i, vid in enumerate(onderdeel.vragen if onderdeel.raadslid else ()):
                vraag = ctx.lib.by_id.get(vid)
                if isinstance(vraag, m.Vraag) and vraag.gesteld_door and vraag.gesteld_door != onderdeel.raadslid:
                    yield Hit(locate(onderdeel, "vragen", i), f"question '{vid}' was asked by '{vraag.gesteld_door}' "
                              f"({_item_where(vraag, 'gesteld_door')}) but stands under '{onderdeel.raadslid}' in "
                              f"document '{doc.id}'", (vid, doc.id),
                              f"move it to the subsection of '{vraag.gesteld_door}', or correct gesteld_door")
            yield from walk(doc, onderdeel.onderdelen)

    for doc in ctx.documents:
        yield from walk(doc, doc.onderdelen)


ORPHAN_KINDS = ("vraag", "maatregel", "cijfer", "kernboodschap", "toezegging")


@rule("orphan", "info", "a question, measure, figure, key message or commitment no document uses",
      whole_library=True)
def orphan(ctx: Context) -> Iterator[Hit]:
    for kind in ORPHAN_KINDS:
        for item in ctx.lib.items(kind):
            if item.id not in ctx.used_by:
                yield Hit(locate(item), f"{kind} '{item.id}' is not used by any document", (item.id,))


@rule("commitment-overdue", "warning", "an open commitment past its due date (uiterlijk)")
def commitment_overdue(ctx: Context) -> Iterator[Hit]:
    for toezegging in ctx.lib.items("toezegging"):
        if toezegging.status == "open" and toezegging.uiterlijk and toezegging.uiterlijk < ctx.today:
            days = (ctx.today - toezegging.uiterlijk).days
            yield Hit(locate(toezegging, "uiterlijk"), f"{toezegging.soort} '{toezegging.id}' was due "
                      f"{toezegging.uiterlijk} ({days} days ago) and is still open", (toezegging.id,),
                      "set status: afgerond or vervallen, or agree a new date")


@rule("suspect-answer", "warning", "an answer whose own text, figures, sources, measures or answers it takes over "
      "changed since its review")
def suspect_answer(ctx: Context) -> Iterator[Hit]:
    from briefings.checks.fingerprint import fingerprint, rests_on

    for vraag in ctx.lib.items("vraag"):
        if vraag.beoordeling is None:
            yield Hit(locate(vraag), f"answer to '{vraag.id}' was never reviewed", (vraag.id,),
                      f"run `briefings review {vraag.id}` once the answer is checked", demote=1)
        elif vraag.beoordeling.vingerafdruk != fingerprint(ctx.lib, vraag):
            basis = ", ".join([*(f"antwoord {x.id}" for x in ctx.lib.answer_sources(vraag)),
                               *(f"{x.kind} {x.id}" for x in rests_on(ctx.lib, vraag))]) or "nothing"
            yield Hit(_item_where(vraag, "beoordeling", "vingerafdruk"),
                      f"answer is suspect: its text or what it rests on ({basis}) changed since review on "
                      f"{vraag.beoordeling.datum}; run `briefings review {vraag.id}`", (vraag.id,),
                      "check the answer against the current figures, sources and measures first")


@rule("woo-fragment", "error", "a fragment marked for withholding (lakken) that is not in the item's text")
def woo_fragment(ctx: Context) -> Iterator[Hit]:
    for item in _with_lakken(ctx.lib):
        texts = [t.text for t in _texts(item, True)]
        blokken = getattr(item, "blokken", None)
        for i, lak in enumerate(item.lakken):
            if lak.blok is not None and (blokken is None or lak.blok > len(blokken)):
                yield Hit(_item_where(item, "lakken", i, "blok"), f"{item.kind} '{item.id}' has no block {lak.blok} "
                          "to withhold", (item.id,), f"blocks: 1 to {len(blokken or ())}" if blokken else
                          "blok withholds a key-message block; use tekst for a fragment")
            elif lak.tekst is not None and not any(lak.tekst.strip() in text for text in texts if lak.tekst.strip()):
                yield Hit(_item_where(item, "lakken", i, "tekst"), f"fragment to withhold is not in {item.kind} "
                          f"'{item.id}': '{_short(lak.tekst)}'", (item.id,),
                          "copy the sentence or bullet exactly as it stands in the text, references as typed")


@rule("woo-feit", "warning", "a fragment withheld as a personal policy opinion (5.2) that holds a figure")
def woo_fact(ctx: Context) -> Iterator[Hit]:
    for item in _with_lakken(ctx.lib):
        for i, lak in enumerate(item.lakken):
            if lak.grond != "5.2":
                continue
            if lak.tekst is not None:
                withheld = lak.tekst
            elif lak.blok is not None:
                blokken = getattr(item, "blokken", ())
                withheld = blokken[lak.blok - 1] if lak.blok <= len(blokken) else ""
            else:
                withheld = getattr(item, "antwoord", None) or "\n".join(getattr(item, "blokken", ()))
            figures = [found.group(2) for found in INLINE.finditer(withheld) if found.group(1) == "cijfer"]
            if figures:
                yield Hit(_item_where(item, "lakken", i, "grond"),
                          f"{item.kind} '{item.id}' withholds a figure ([[cijfer:{figures[0]}]]) as a personal policy "
                          "opinion (5.2): a fact is no opinion", (item.id,),
                          "publish the figure and withhold only the opinion around it, or give another ground")


def _with_lakken(lib: Library) -> Iterator[m.Item]:
    for kind in ("vraag", "kernboodschap"):
        for item in lib.items(kind):
            if item.lakken:
                yield item


# --- running ----------------------------------------------------------------------------------------------


def _severities(project) -> dict[str, str]:
    """Rule id → severity, with the overrides of briefings.yaml (checks.ernst) applied."""
    checks = getattr(project, "checks", None) or CHECK_DEFAULTS
    overrides = checks.get("ernst") or {}
    where = Location(str(getattr(project, "config_path", None) or "briefings.yaml"))
    known = {r.id for r in RULES}
    for rule_id, severity in overrides.items():
        if rule_id not in known:
            raise BriefingsError(f"checks.ernst: unknown rule '{rule_id}'", where,
                                 did_you_mean(rule_id, known) or f"rules: {', '.join(sorted(known))}")
        if severity not in (*SEVERITIES, OFF):
            raise BriefingsError(f"checks.ernst.{rule_id}: '{severity}' is not one of error, warning, info, off",
                                 where, did_you_mean(str(severity), (*SEVERITIES, OFF)))
    return {r.id: overrides.get(r.id, r.severity) for r in RULES}


def _demote(severity: str, steps: int) -> str:
    return SEVERITIES[min(SEVERITIES.index(severity) + steps, len(SEVERITIES) - 1)]


def _scope(lib: Library, documents: list[str] | None) -> list[m.Document]:
    if documents is None:
        return lib.documents()
    return [lib.get(doc_id, "document") for doc_id in dict.fromkeys(documents)]


def run_checks(lib: Library, project, documents: list[str] | None = None,
               today: dt.date | None = None, least: str = "info") -> list[Finding]:
    """Run every rule that is not switched off. With `documents`, keep only findings about those
    documents and the items they use. Rules set below `least` (a severity) are not run: a hit is at most
    as severe as its rule."""
    severities = _severities(project)
    levels = SEVERITIES[:SEVERITIES.index(least) + 1]
    settings = {**CHECK_DEFAULTS, **(getattr(project, "checks", None) or {})}
    ctx = Context(lib, settings, _scope(lib, documents), today or dt.date.today())
    allowed = None
    if documents is not None:
        allowed = {item.id for doc in ctx.documents for item in ctx.uses[doc.id]}
    findings = []
    for r in RULES:
        severity = severities[r.id]
        if severity not in levels:  # off, or below what the caller wants
            continue
        for hit in r.run(ctx):
            if allowed is not None and not allowed.intersection(hit.about):
                continue
            findings.append(Finding(hit.where.path, hit.where.line, hit.where.col, _demote(severity, hit.demote),
                                    r.id, hit.message, hit.hint, hit.about[0]))
    return sort_findings(findings)
