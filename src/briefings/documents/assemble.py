"""Stage 4: a document spec plus its Jinja2 template → Markdown.

Templates receive the spec (a typed model) and a `View` with helpers that
resolve ids, number questions and attachments, and expand inline references
such as [[cijfer:id]] in the document's own numbering.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from briefings.documents import dutch
from briefings.content import model as m
from briefings.errors import BriefingsError, Location, ReferenceError_, TemplateError, did_you_mean, not_utf8
from briefings.content.library import INLINE, Library, target_kind
from briefings.content.load import display_path
from briefings.content.positions import locate
from briefings.documents.woo import (Redactor, grounds_applied, grounds_section, printed_code, withheld_marker)


@dataclass
class Withheld:
    """A fragment withheld from a Woo publication: its ground, the reason, and its text as it would have read."""

    grond: str
    reden: str
    item: str
    text: str


@dataclass
class Assembled:
    doc: m.Document
    markdown: str
    title: str
    subject: str
    keywords: list[str]
    classification: str
    reference: str
    toc: bool
    woo_grounds: list[str] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)


class View:
    """What a template may ask of the library while building one document."""

    def __init__(self, lib: Library, doc: m.Document, project, woo: bool = False, parent: "View | None" = None):
        self.lib = lib
        self.doc = doc
        self.project = project
        self.woo = woo
        self.redacted: set[str] = parent.redacted if parent else set()
        self.withheld: list[Withheld] = parent.withheld if parent else []
        self.vraagnummers: dict[str, int] = {}
        self._number(doc.onderdelen)
        self._answering: list[str] = []  # the answers being rendered, innermost last: stops a reuse cycle
        # an embedded document (a bijlage) keeps the attachment numbers of the document it sits in
        root = parent.doc if parent else doc
        self.bijlagenummers = {b.id: i for i, b in enumerate(root.bijlagen, start=1)}

    def _number(self, onderdelen) -> None:
        for o in onderdelen:
            for vid in o.vragen:
                self.vraagnummers.setdefault(vid, len(self.vraagnummers) + 1)
            self._number(o.onderdelen)

    # -- lookups --------------------------------------------------------------

    def item(self, item_id: str, kind: str | None = None):
        return self.lib.get(item_id, kind)

    def vraag(self, vid: str) -> m.Vraag:
        return self.lib.get(vid, "vraag")

    def vragen(self, onderdeel: m.Onderdeel) -> list[tuple[int, m.Vraag]]:
        return [(self.vraagnummers[v], self.vraag(v)) for v in onderdeel.vragen]

    def maatregelen(self, ids) -> list[m.Maatregel]:
        return [self.lib.get(i, "maatregel") for i in ids]

    def cijfers(self, ids) -> list[m.Cijfer]:
        return [self.lib.get(i, "cijfer") for i in ids]

    def bron(self, bid: str | None) -> m.Bron | None:
        return self.lib.get(bid, "bron") if bid else None

    def bronnen(self, ids) -> list[m.Bron]:
        return [self.lib.get(i, "bron") for i in ids]

    def aanbevelingen(self, ids) -> list[m.Aanbeveling]:
        return [self.lib.get(i, "aanbeveling") for i in ids]

    def toezeggingen(self, ids) -> list[m.Toezegging]:
        return [self.lib.get(i, "toezegging") for i in ids]

    def prestatieafspraken(self, ids) -> list[m.Prestatieafspraken]:
        return [self.lib.get(i, "prestatieafspraken") for i in ids]

    def thema(self, tid: str) -> m.Thema:
        return self.lib.get(tid, "thema")

    def themas(self) -> list[m.Thema]:
        return sorted(self.lib.items("thema"), key=lambda t: t.nummer)

    def measures_for(self, rec_id: str) -> list[m.Maatregel]:
        return self.lib.measures_for(rec_id)

    def bron_van(self, item: m.Item) -> m.Bron | None:
        parent = self.lib.parent(item)
        return parent if isinstance(parent, m.Bron) else None

    def interventies(self, thema_id: str, status: str | None = None) -> list[m.Maatregel]:
        order = {"nieuw": 0, "lopend": 1, "doorlopend": 2}
        found = [x for x in self.lib.items("maatregel")
                 if x.thema == thema_id and (status is None or x.status == status)]
        return sorted(found, key=lambda x: order[x.status])  # as in the plan: new, running, continuing

    def onderzoeksbronnen(self, ids=()) -> list[m.Bron]:
        if ids:
            return self.bronnen(ids)
        return self.lib.sources_with_recommendations()

    def matrix(self, bronnen=()):
        from briefings.review.matrix import matrix_rows

        return matrix_rows(self.lib, list(bronnen) or None)

    # -- text -----------------------------------------------------------------

    def persoon(self, pid: str) -> str:
        p = self.lib.get(pid, "persoon")
        return self.naam(p, p.aanspreekvorm or p.naam)

    def naam(self, p: m.Persoon, text: str | None = None) -> str:
        text = text or p.naam
        if self.woo and not p.gekozen:
            self.redacted.add(p.naam)
            return printed_code(self.project)
        return text

    def raadslid(self, pid: str) -> str:
        p = self.lib.get(pid, "persoon")
        return f"Lid {self.naam(p)}" + (f" ({p.partij})" if p.partij else "")

    def cijfer(self, cid: str) -> str:
        return dutch.cijfer(self.lib.get(cid, "cijfer"))

    def datum(self, value) -> str:
        return dutch.datum(value)

    def getal(self, value, decimalen: int = 0) -> str:
        return dutch.getal(value, decimalen)

    def bijlagenummer(self, bid: str) -> int:
        return self.bijlagenummers[bid]

    def anker(self, owner, field_name: str, index: int | None = None, end: bool = False) -> str:
        """A marker the DOCX writer turns into a hidden bookmark (documents/anchors.py); none in a Woo copy."""
        if self.woo:
            return ""
        from briefings.documents import anchors

        anchor = anchors.Anchor(owner.id, field_name, index)
        text = getattr(owner, field_name)
        text = text[index] if index is not None else text
        return (anchors.end if end else anchors.start)(anchor, text)

    def blok(self, owner, index: int) -> str:
        """One block of a list field (key messages), its anchor inline on its first and last line, so that
        consecutive blocks stay one Markdown list."""
        text = self.md(getattr(owner, "blokken")[index], owner, "blokken")
        if not text or self.woo:
            return text
        lines = text.split("\n")
        lines[0] += self.anker(owner, "blokken", index)
        lines[-1] += self.anker(owner, "blokken", index, end=True)
        return "\n".join(lines)

    def md(self, text: str | None, owner=None, field_name: str = "") -> str:
        """Expand inline references in a Markdown text of `owner`."""
        if not text:
            return ""
        if self.woo and getattr(owner, "lakken", None):
            text = self._withhold(text, owner, field_name)

        def replace(match: re.Match) -> str:
            kind, target = match.group(1), match.group(2)
            try:
                return self._inline(kind, target, match, text)
            except ReferenceError_ as exc:
                if exc.location is not None:  # raised inside an answer taken over: it knows its place
                    raise
                where = locate(owner, field_name) if owner is not None else None
                raise ReferenceError_(exc.problem, where, exc.hint) from None
        out = INLINE.sub(replace, text.strip("\n"))
        return out

    def _withhold(self, text: str, owner, field_name: str) -> str:
        """A Woo publication: each fragment marked in `lakken` becomes its ground code, where it stood."""
        for lak in owner.lakken:
            if lak.blok is not None:
                blokken = getattr(owner, "blokken", ())
                whole = field_name == "blokken" and lak.blok <= len(blokken) and blokken[lak.blok - 1] is text
            elif lak.tekst is not None:
                fragment = lak.tekst.strip()
                if fragment and fragment in text:
                    self._record(lak, owner, fragment)
                    text = text.replace(fragment, withheld_marker(self.project, lak.grond))
                continue
            else:
                whole = field_name in ("antwoord", "blokken")
            if whole:
                self._record(lak, owner, text)
                return withheld_marker(self.project, lak.grond)
        return text

    def _record(self, lak: m.Lakking, owner, fragment: str) -> None:
        shown = INLINE.sub(lambda found: self._inline(found.group(1), found.group(2), found, fragment), fragment)
        self.withheld.append(Withheld(lak.grond, lak.reden, getattr(owner, "id", ""), shown))

    def _inline(self, kind: str, target: str, match: re.Match, text: str) -> str:
        if kind == "bijlage":
            if target not in self.bijlagenummers:
                raise ReferenceError_(f"[[bijlage:{target}]]: document '{self.doc.id}' has no such attachment",
                                      hint=did_you_mean(target, self.bijlagenummers))
            return f"bijlage {self.bijlagenummers[target]}"
        if kind == "vraag":
            if target not in self.vraagnummers:
                raise ReferenceError_(f"[[vraag:{target}]]: question is not in document '{self.doc.id}'",
                                      hint=did_you_mean(target, self.vraagnummers))
            return f"vraag {self.vraagnummers[target]}"
        item = self.lib.get(target, target_kind(kind))
        if kind == "antwoord":
            return self.antwoord(item)
        if kind == "cijfer":
            value = dutch.cijfer(item)
            line_start = text.rfind("\n", 0, match.start()) + 1
            before = text[line_start:match.start()].strip(" -*>\t")
            if not before or re.fullmatch(r"\d+[.)]|[o▪]", before):
                value = value[:1].upper() + value[1:]
            return value
        if kind == "persoon":
            return self.naam(item, item.naam)
        if kind == "maatregel" and not dutch.sentence_start(text, match.start()):
            return dutch.mid_sentence(item.label())
        return item.label()

    def antwoord(self, vraag: m.Vraag) -> str:
        """The answer as built: the answer it takes over (antwoord_van), then its own lines, each rendered
        for this document (figures, attachment and question numbers)."""
        if vraag.id in self._answering:
            cycle = " → ".join([*self._answering[self._answering.index(vraag.id):], vraag.id])
            raise ReferenceError_(f"answers take each other over in a cycle: {cycle}",
                                  locate(vraag, "antwoord_van" if vraag.antwoord_van else "antwoord"),
                                  "let one of them have an answer of its own")
        self._answering.append(vraag.id)
        try:
            parts = []
            own = vraag.antwoord or ""
            if vraag.antwoord_van and f"[[antwoord:{vraag.antwoord_van}]]" not in own:
                parts.append(self.antwoord(self.lib.get(vraag.antwoord_van, "vraag")))
            if own.strip():
                parts.append(self.md(own, vraag, "antwoord"))
            return "\n".join(parts)
        finally:
            self._answering.pop()

    def bijlage_tekst(self, bijlage: m.Bijlage) -> str:
        """The text of the file an attachment includes (bestand), inline references expanded."""
        return self.md(bijlage._inhoud or "", bijlage, "bestand")

    def shift(self, markdown: str, levels: int) -> str:
        """Demote headings, for a document embedded as an attachment."""
        return shift_headings(markdown, levels)


def shift_headings(markdown: str, levels: int) -> str:
    out, fence = [], None
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
        elif fence is None and re.match(r"#{1,6} ", line):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def _environment(templates: Path):
    import jinja2

    def fail(message: str):
        raise jinja2.TemplateRuntimeError(message)

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["datum"] = dutch.datum
    env.filters["getal"] = dutch.getal
    env.filters["reactie"] = dutch.reactie
    env.globals["fail"] = fail
    return env


_ENVS: dict[Path, object] = {}


def _bytecode_cache():
    """Compiled templates in the user's cache folder (never the project's), so that a build does not compile
    every template again: Jinja2 checks each against its template's text and its own version. A file that is
    not ours or cannot be read is compiled again."""
    import jinja2

    from briefings.content.cache import code_cache_folder

    folder = code_cache_folder("templates")
    if folder is None:
        return None

    class Compiled(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                path = os.path.join(self.directory, self.pattern % bucket.key)
                if hasattr(os, "getuid") and os.stat(path).st_uid != os.getuid():
                    return
                super().load_bytecode(bucket)
            except Exception:  # missing or damaged: compiled again
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            try:
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
                super().dump_bytecode(bucket)
            except OSError:  # a cache that cannot be written is skipped
                pass

    return Compiled(str(folder))


def template_error(exc: Exception, templates: Path, name: str) -> BriefingsError:
    """A Jinja2 failure as `template:line: message`."""
    import jinja2

    path, line = templates / name, 0
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path, line = Path(exc.filename or path), exc.lineno or 0
        return TemplateError(f"template syntax error: {exc.message}", Location(display_path(path), line))
    if isinstance(exc, UnicodeDecodeError):  # the template itself, or one it imports
        for candidate in (path, *sorted(templates.glob("*.j2"))):
            try:
                candidate.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                return not_utf8(display_path(candidate), candidate.read_bytes())
            except OSError:
                continue
    if isinstance(exc, jinja2.TemplateNotFound):
        missing = display_path(templates / str(exc.name))
        importer = _template_frame(exc)
        if importer is not None:  # imported or included by another template: name that one
            return TemplateError(f"template not found: {exc.name}",
                                 Location(display_path(importer[0]), importer[1]), f"expected {missing}")
        return TemplateError(f"template not found: {exc.name}", Location(missing),
                             f"each document kind needs its template <kind>.md.j2 in {display_path(templates)}")
    tb = exc.__traceback__
    while tb is not None:  # jinja maps template frames onto the template file and line
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            path, line = Path(filename), tb.tb_lineno
        tb = tb.tb_next
    message, hint = str(exc), None
    if isinstance(exc, jinja2.UndefinedError):
        missing = re.match(r"'briefings\.content\.model\.(\w+) object' has no attribute '(\w+)'", str(exc))
        if missing:  # the user knows the kind, not the Python module that models it
            message = f"{missing.group(1)} has no field '{missing.group(2)}'"
        message = f"undefined in template: {message}"
        cls = getattr(m, missing.group(1), None) if missing else None
        if cls is not None and hasattr(cls, "model_fields"):
            hint = did_you_mean(missing.group(2), cls.model_fields) or f"fields: {', '.join(cls.model_fields)}"
    return TemplateError(message, Location(display_path(path), line), hint)


def _template_frame(exc: Exception) -> tuple[Path, int] | None:
    """The innermost template file and line in a traceback, if any."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            found = (Path(tb.tb_frame.f_code.co_filename), tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_template(project, name: str, **context) -> str:
    import jinja2

    env = _ENVS.get(project.templates)
    if env is None:
        env = _ENVS[project.templates] = _environment(project.templates)
    try:
        template = env.get_template(name)
        return template.render(**context)
    except (ReferenceError_, TemplateError):
        raise
    except (jinja2.TemplateError, AttributeError, TypeError, LookupError, ValueError, ArithmeticError) as exc:
        raise template_error(exc, project.templates, name) from None
    except RecursionError:
        raise TemplateError("template recursion too deep", Location(display_path(project.templates / name))) from None


def _template_name(doc: m.Document) -> str:
    return f"{doc.soort}.md.j2"


def assemble(lib: Library, doc: m.Document, project, woo: bool = False, parent: View | None = None) -> Assembled:
    view = View(lib, doc, project, woo=woo, parent=parent)
    embedded = parent is not None
    body = render_template(project, _template_name(doc), doc=doc, v=view, embedded=embedded,
                           bijlage_inhoud=lambda b: _bijlage(lib, b, project, view))
    body = re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"
    redact, grounds = (lambda text: text), []
    if woo:  # names typed as plain text too, not only those rendered through [[persoon:..]]
        redact = Redactor.of(lib, project)
        body = redact(body)
        grounds = grounds_applied(body, bool(view.redacted or redact.count), printed_code(project))
        grounds = sorted({*grounds, *(w.grond for w in view.withheld)})
        if grounds and not embedded:
            reasons: dict[str, list[str]] = {}
            for w in view.withheld:
                reasons.setdefault(w.grond, []).append(w.reden)
            body += grounds_section(grounds, project, reasons)
    return Assembled(
        doc=doc,
        markdown=body,
        title=redact(doc.titel),
        subject=redact(doc.onderwerp or doc.titel),
        keywords=[redact(k) for k in doc.trefwoorden],
        # the Woo copy is the public version: its header must not call it internal
        classification="Openbaar (Woo)" if woo else doc.classificatie.capitalize(),
        reference=redact(doc.kenmerk or ""),
        toc=doc.inhoudsopgave,
        woo_grounds=grounds,
        withheld=list(view.withheld),
    )


def _bijlage(lib: Library, bijlage: m.Bijlage, project, view: View) -> str:
    """The body of an attachment that embeds another document, headings demoted under the attachment title."""
    if not bijlage.document:
        return ""
    inner = lib.get(bijlage.document, "document")
    return shift_headings(assemble(lib, inner, project, woo=view.woo, parent=view).markdown, 1)
