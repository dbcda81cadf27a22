"""`briefings import annotatie FILE.docx|.md`: an annotation written by hand → a document spec and its items.

The file is read as a flat list of elements (heading, numbered item, bullet, text, with list levels),
from a DOCX through docx_reader or from Markdown through markdown-it, and walked once:

- the title block: "Annotatie voor <wethouder>", "<vergadering> – <titel>", "Annotatie agendapunt Nr N",
  "Aan de commissie gevraagd besluit:" with its bullets (a trailing "Nr. <kenmerk>" is the kenmerk),
  "Behandelend ambtenaar:", "Datum:";
- "Kernboodschap": its bullets, one block per list, become a kernboodschap item;
- the attachments, listed as "<titel>" followed by "Zie bijlage N" (a table in a built annotation);
- "Vraag en antwoord": sections (headings, or short lines without closing punctuation), per-member
  subsections ("Lid X (Partij)", "Vragen van lid X (Partij)"), numbered questions (also "55.Tekst" typed
  by hand) and the bullets and paragraphs under each as its answer.

Each question gets a readable id from its words; a question whose text is the same or nearly the same as
one in the library is linked instead of written again. Percentages typed in an answer that match exactly
one figure in content/cijfers become [[cijfer:id]]; the others are listed. Whatever could not be placed is
reported with the paragraph it came from.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from briefings.errors import BriefingsError, Location

SIMILAR = 92  # rapidfuzz ratio from which a question is the same as one in the library
MEMBER = re.compile(r"^(?:Vragen van )?[Ll]id (.+?) \(([^)]+)\)$")
TYPED_NUMBER = re.compile(r"^(\d{1,3})\.\s*(\S.*)$")
SEE_ATTACHMENT = re.compile(r"^Zie bijlage (\d+)$", re.I)
REF = re.compile(r"\[\[([a-z]+):([^\[\]\|\s]+)\]\]")  # no "[" in a target: linear on unfinished "[["
PERCENT = re.compile(r"(?<![\w.,])(\d+(?:,\d+)?)\s?%")
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
STOPWORDS = set("de het een en of van in op te met voor naar aan bij om is zijn wordt worden er dat die dit deze "
                "we wij u je ik hoe wat wie waar waarom welke wanneer kan kunt heeft hebben ook nog niet wel "
                "al als dan door over uit tot zo geen meer".split())


@dataclass
class Element:
    kind: str          # heading | numbered | bullet | text
    level: int         # list level, or heading level
    text: str
    where: str         # "paragraph 12" or "line 40"
    group: str = ""    # the list it belongs to


@dataclass
class Question:
    text: str
    where: str
    lines: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, level, text) of the answer
    id: str = ""
    linked: bool = False


@dataclass
class Section:
    titel: str | None
    raadslid: tuple[str, str] | None = None   # (name, party)
    questions: list[Question] = field(default_factory=list)
    sections: list["Section"] = field(default_factory=list)


@dataclass
class Parsed:
    voor: str = ""
    vergadering: str = ""
    titel: str = ""
    agendapunt: str = ""
    kenmerk: str = ""
    datum: dt.date | None = None
    besluit: list[str] = field(default_factory=list)
    kern: list[list[str]] = field(default_factory=list)
    bijlagen: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def questions(self) -> list[Question]:
        out = []

        def walk(sections):
            for s in sections:
                out.extend(s.questions)
                walk(s.sections)
        walk(self.sections)
        return out


# -- reading --------------------------------------------------------------------------------------


def elements_of(path: Path) -> list[Element]:
    if path.suffix.lower() == ".docx":
        return _docx_elements(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BriefingsError(f"cannot read the file: {exc}", Location(str(path))) from None
    return markdown_elements(text)


def _docx_elements(path: Path) -> list[Element]:
    from briefings.importers.docx_reader import read_docx

    out = []
    for p in read_docx(path).paragraphs:
        text = " ".join(p.new.split())
        style = p.style or ""
        if not text or style in ("toc heading", "inhoudsopgavekop") or style.startswith(("toc ", "inhopg ")):
            continue  # the table of contents a build inserts (Word's style names, English or Dutch)
        where = f"paragraph {p.index + 1}"
        if p.is_heading:
            out.append(Element("heading", p.heading_level, text, where))
        elif p.level is not None:
            out.append(Element("numbered" if p.ordered else "bullet", p.level, text, where, p.num_id or ""))
        else:
            out.append(Element("text", 0, text, where))
    return out


def markdown_elements(text: str) -> list[Element]:
    from briefings.writers.wordml import front_matter, parse_markdown

    tokens = parse_markdown(text)
    out: list[Element] = []
    for key in ("title", "subtitle"):
        value = front_matter(tokens).get(key)
        if value:
            out.append(Element("heading", 0, str(value), "front matter"))
    lists: list[tuple[str, int]] = []  # (kind, token index)
    pending_heading = None
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(("numbered" if token.type == "ordered_list_open" else "bullet", i))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "heading_open":
            pending_heading = int(token.tag[1:])
        elif token.type == "inline":
            plain = " ".join(_inline_text(token).split())
            line = f"line {token.map[0] + 1}" if token.map else "?"
            if not plain or plain.startswith("Opgesteld met briefings"):
                pending_heading = None
                continue
            if pending_heading is not None:
                out.append(Element("heading", pending_heading, plain, line))
                pending_heading = None
            elif lists and tokens[i - 1].type == "paragraph_open" and tokens[i - 2].type == "list_item_open":
                kind, opened = lists[-1]
                out.append(Element(kind, len(lists) - 1, plain, line, str(opened)))
            else:
                out.append(Element("text", 0, plain, line))
    return out


def _inline_text(token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


# -- the structure ---------------------------------------------------------------------------------


def _is_heading_like(e: Element) -> bool:
    if e.kind == "heading":
        return True
    return (e.kind == "text" and len(e.text) <= 80 and not re.search(r"[.?!:;,]$", e.text)
            and not TYPED_NUMBER.match(e.text) and e.text[:1].isupper())


def parse(elements: list[Element]) -> Parsed:
    result = Parsed()
    state = "title"
    question: Question | None = None
    top: Section | None = None
    current: Section | None = None
    kern_group = None
    i = 0
    while i < len(elements):
        e = elements[i]
        text = e.text
        following = elements[i + 1] if i + 1 < len(elements) else None
        if following is not None and SEE_ATTACHMENT.match(following.text):
            result.bijlagen.append(text)
            i += 2
            continue
        if following is not None and following.text.lower() == "zie hieronder":
            i += 2
            continue
        if text in ("Onderwerp", "Waar") or (text == "Bijlagen" and state != "qa"):
            i += 1
            continue
        if re.match(r"^Bijlage \d+:", text) and e.kind == "heading":
            state = "end"
        if state == "end":
            i += 1
            continue
        if text == "Kernboodschap" and state != "qa":
            state = "kern"
            i += 1
            continue
        if text == "Vraag en antwoord":
            state = "qa"
            i += 1
            continue
        if state in ("title", "besluit"):
            state = _title_block(result, e, state)
        elif state == "kern":
            if e.kind in ("bullet", "numbered"):
                if e.group != kern_group or not result.kern:
                    result.kern.append([])
                    kern_group = e.group
                result.kern[-1].append("  " * e.level + "- " + text)
            else:
                result.unmapped.append(f"{e.where}: not a key message: {text}")
        elif state == "qa":
            typed = TYPED_NUMBER.match(text) if e.kind == "text" else None
            member = MEMBER.match(text)
            if e.kind == "numbered" and e.level == 0 or typed:
                question = Question(typed.group(2) if typed else text, e.where)
                if current is None:
                    top = current = Section(None)
                    result.sections.append(top)
                current.questions.append(question)
            elif member and (e.kind != "bullet"):
                section = Section(None, (member.group(1), member.group(2)))
                if top is None:
                    top = Section(None)
                    result.sections.append(top)
                top.sections.append(section)
                current, question = section, None
            elif _is_heading_like(e) and not (question is not None and e.kind == "text" and question.lines
                                             and not _looks_like_title(text)):
                top = current = Section(text)
                result.sections.append(top)
                question = None
            elif question is not None:
                question.lines.append((e.kind, e.level, text))
            else:
                result.unmapped.append(f"{e.where}: text outside any question: {text}")
        i += 1
    return result


def _looks_like_title(text: str) -> bool:
    return len(text.split()) <= 6


def _title_block(result: Parsed, e: Element, state: str) -> str:
    text = e.text
    if state == "besluit" and e.kind in ("bullet", "numbered"):
        kenmerk = re.search(r"\s*Nr\.?\s*([A-Z]{2}\d{4}-\d+)\s*$", text)
        if kenmerk:
            result.kenmerk = kenmerk.group(1)
            text = text[:kenmerk.start()]
        result.besluit.append("- " + text)
        return "besluit"
    if text.startswith("Annotatie voor "):
        result.voor = text.removeprefix("Annotatie voor ").strip()
    elif match := re.match(r"^Annotatie agendapunt\s+(?:Nr\.?\s*)?(\S+)", text):
        result.agendapunt = match.group(1)
    elif text.startswith("Aan de commissie gevraagd besluit"):
        return "besluit"
    elif text.startswith("Behandelend ambtenaar"):
        result.unmapped.append(f"{e.where}: officials are not imported (add them as personen): {text}")
    elif text.startswith("Datum:"):
        result.datum = _date(text.removeprefix("Datum:").strip())
        if result.datum is None:
            result.unmapped.append(f"{e.where}: date not understood: {text}")
    elif not result.vergadering and result.voor:
        match = re.match(r"^(Raadscommissie \S+|Gemeenteraad|Raad)\s*[–-]?\s*(.*)$", text)
        if match:
            result.vergadering, result.titel = match.group(1), match.group(2) or text
        else:
            parts = re.split(r"\s+[–-]\s+", text, maxsplit=1)
            result.vergadering, result.titel = parts[0], parts[-1]
    else:
        result.unmapped.append(f"{e.where}: not part of the title block: {text}")
    return "title"


def _date(text: str) -> dt.date | None:
    match = re.match(r"(\d{1,2}) (\w+) (\d{4})", text)
    if match and match.group(2).lower() in MONTHS:
        return dt.date(int(match.group(3)), MONTHS.index(match.group(2).lower()) + 1, int(match.group(1)))
    match = re.match(r"(\d{1,2})-(\d{1,2})-(\d{4})", text)
    if match:
        return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return None


# -- ids, links and figures --------------------------------------------------------------------------


def slug(text: str, words: int = 6) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    parts = re.findall(r"[a-z0-9]+", plain)
    kept = [w for w in parts if w not in STOPWORDS] or parts
    out: list[str] = []
    for word in kept[:words]:
        if out and len("-".join(out + [word])) > 50:
            break
        out.append(word)
    return "-".join(out)[:50] or "vraag"


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _rendered(text: str, lib) -> str:
    """A question as documents print it: figures as their values (compared with typed text)."""
    from briefings.documents.dutch import cijfer

    def value(match: re.Match) -> str:
        item = lib.by_id.get(match.group(2))
        return cijfer(item) if match.group(1) == "cijfer" and item is not None else ""
    return REF.sub(value, text)


def link_or_name(questions: list[Question], lib, taken: set[str], report: list[str]) -> None:
    from rapidfuzz import fuzz, process

    existing = {_normal(_rendered(v.vraag, lib)): v.id for v in lib.items("vraag")} if lib is not None else {}
    choices = list(existing)
    for q in questions:
        match = process.extractOne(_normal(q.text), choices, scorer=fuzz.ratio,
                                   score_cutoff=SIMILAR) if choices else None
        if match is not None:
            q.id, q.linked = existing[match[0]], True
            report.append(f"linked: '{q.text}' ({q.where}) is question {q.id} ({match[1]:.0f}% alike)")
        else:
            q.id = _unique(slug(q.text), taken)


def answer_markdown(q: Question) -> str:
    levels = [level for kind, level, _ in q.lines if kind != "text"]
    base = min(levels, default=0)
    out: list[str] = []
    for kind, level, text in q.lines:
        text = _escape(text)
        if kind == "text":
            if out and out[-1] != "":
                out.append("")
            out += [text, ""]
        else:
            marker = "- " if kind == "bullet" else "1. "
            out.append("  " * max(level - base, 0) + marker + text)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _escape(text: str) -> str:
    """Text that Markdown reads as typed: a leading list marker or emphasis stays literal."""
    text = re.sub(r"^(\d+)([.)])(\s)", r"\1\\\2\3", text)
    text = re.sub(r"^([-+*>#])(\s)", r"\\\1\2", text)
    return text.replace("[[", "[\\[")


def figures(text: str, lib, where: str, replaced: list[str], unmatched: list[str]) -> str:
    cijfers = [c for c in lib.items("cijfer")] if lib is not None else []

    def replace(match: re.Match) -> str:
        value = float(match.group(1).replace(",", "."))
        found = [c for c in cijfers if c.eenheid == "procent" and float(c.waarde) == value]
        if len(found) == 1:
            replaced.append(f"{match.group(0)} in {where} → [[cijfer:{found[0].id}]]")
            return f"[[cijfer:{found[0].id}]]"
        why = "no figure of that value" if not found else "several figures: " + ", ".join(c.id for c in found)
        unmatched.append(f"{match.group(0)} in {where}: {why}")
        return match.group(0)
    return PERCENT.sub(replace, text)


# -- the files -------------------------------------------------------------------------------------


SCHEMA = "# yaml-language-server: $schema=../../schemas/{}.schema.json\n"


def _yaml_text(data: dict, schema: str, folder: str) -> str:
    import yaml

    from briefings.content.fmt import format_text

    raw = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)
    return format_text(SCHEMA.format(schema) + raw, folder)


@dataclass
class Plan:
    files: dict[Path, str] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)
    questions: int = 0
    written: int = 0


def plan_import(project, path: Path, doc_id: str | None = None) -> Plan:
    from briefings.content.library import open_library

    content = Path(project.content)
    lib = open_library(content) if content.is_dir() and any(content.iterdir()) else None
    parsed = parse(elements_of(path))
    plan = Plan()
    taken = set(lib.by_id) if lib is not None else set()
    questions = parsed.questions()
    plan.questions = len(questions)
    links: list[str] = []
    link_or_name(questions, lib, taken, links)
    replaced: list[str] = []
    unmatched: list[str] = []
    persons: dict[str, dict] = {}

    def person(pid: str, data: dict) -> str:
        if (lib is None or pid not in lib.by_id) and pid not in persons:
            persons[pid] = data
        return pid

    for q in questions:
        if q.linked:
            continue
        antwoord = figures(answer_markdown(q), lib, q.id, replaced, unmatched)
        vraag = figures(_escape(q.text), lib, q.id, replaced, unmatched)
        data = {"id": q.id, "vraag": vraag, "antwoord": antwoord or "- (nog geen antwoord)\n",
                "status": "concept", "classificatie": "intern"}
        if not q.lines:
            plan.report.append(f"{q.where}: question {q.id} has no answer")
        plan.files[content / "vragen" / f"{q.id}.yaml"] = _yaml_text(data, "vraag", "vragen")
        plan.written += 1

    voor = person("wethouder-" + slug(parsed.voor.removeprefix("wethouder "), 4) if parsed.voor else "wethouder",
                  {"naam": parsed.voor.removeprefix("wethouder ") or "onbekend", "rol": "wethouder",
                   "aanspreekvorm": parsed.voor or None})
    if lib is not None:  # an existing person addressed the same way
        for p in lib.items("persoon"):
            if parsed.voor and p.aanspreekvorm == parsed.voor:
                persons.pop(voor, None)
                voor = p.id
    doc_id = doc_id or _unique("annotatie-" + slug(f"{parsed.vergadering} {parsed.agendapunt}", 5), taken)
    kb_id = _unique(f"{doc_id}-kernboodschap", taken)
    blokken = [figures("\n".join(lines) + "\n", lib, kb_id, replaced, unmatched) for lines in parsed.kern]
    plan.files[content / "kernboodschap" / f"{kb_id}.yaml"] = _yaml_text(
        {"id": kb_id, "titel": "Kernboodschap", "blokken": blokken or ["- (geen kernboodschap)\n"],
         "status": "concept", "classificatie": "intern"}, "kernboodschap", "kernboodschap")

    def onderdeel(section: Section) -> dict:
        out: dict = {}
        if section.raadslid:
            name, party = section.raadslid
            lid_id = None
            for p in (lib.items("persoon") if lib is not None else ()):
                if p.rol == "raadslid" and p.naam == name:
                    lid_id = p.id
            out["raadslid"] = lid_id or person("raadslid-" + slug(name, 4),
                                               {"naam": name, "rol": "raadslid", "partij": party})
        elif section.titel:
            out["titel"] = section.titel
        if section.questions:
            out["vragen"] = [q.id for q in section.questions]
        if section.sections:
            out["onderdelen"] = [onderdeel(s) for s in section.sections]
        return out

    bijlage_ids: set[str] = set()
    bijlagen = []
    for titel in parsed.bijlagen:
        note = re.match(r"^(.*?)\s*\(([^)]*)\)$", titel)
        entry = {"id": _unique(slug(note.group(1) if note else titel, 5), bijlage_ids),
                 "titel": note.group(1) if note else titel}
        if note and not note.group(1).endswith(")") and "/" not in note.group(2):
            entry["notitie"] = note.group(2)
        elif note:
            entry["titel"] = titel
        bijlagen.append(entry)
    spec = {"id": doc_id, "soort": "annotatie", "titel": parsed.titel or path.stem,
            "datum": parsed.datum or dt.date.today(), "kenmerk": parsed.kenmerk or None,
            "classificatie": "intern", "status": "concept", "voor": voor,
            "vergadering": parsed.vergadering or "onbekend", "agendapunt": parsed.agendapunt or "onbekend",
            "gevraagd_besluit": "\n".join(parsed.besluit) + "\n" if parsed.besluit else "- (onbekend)\n",
            "kernboodschap": kb_id, "bijlagen": bijlagen,
            "onderdelen": [onderdeel(s) for s in parsed.sections]}
    spec = {k: v for k, v in spec.items() if v is not None and v != []}
    plan.files[content / "documenten" / f"{doc_id}.yaml"] = _yaml_text(spec, "document-annotatie", "documenten")
    for pid, data in persons.items():
        data = {"id": pid, **{k: v for k, v in data.items() if v}}
        plan.files[content / "personen" / f"{pid}.yaml"] = _yaml_text(data, "persoon", "personen")
    plan.report = (links + [f"figure: {line}" for line in replaced]
                   + [f"figure not matched: {line}" for line in unmatched] + plan.report + parsed.unmapped)
    return plan


def run(project, path, dry_run: bool = False, doc_id: str | None = None, echo=print) -> int:
    """The `import annotatie` command: write (or show) the files, then the report; the exit code."""
    from briefings.content.load import display_path
    from briefings.writers.files import write_text_atomic

    path = Path(path)
    if not path.is_file():
        raise BriefingsError("file not found", Location(str(path)))
    if path.suffix.lower() not in (".docx", ".md", ".txt", ".markdown"):
        raise BriefingsError("import annotatie reads .docx and .md files", Location(str(path)),
                             "save the annotation from Word as .docx")
    plan = plan_import(project, path, doc_id)
    existing = [p for p in plan.files if p.exists()]
    if existing and not dry_run:
        raise BriefingsError(f"would overwrite {display_path(existing[0])}", Location(display_path(existing[0])),
                             "choose another document id with --id, or remove the earlier import")
    for target, text in plan.files.items():
        if dry_run:
            echo(f"--- {display_path(target)} (not written)\n{text}")
        else:
            write_text_atomic(target.resolve(), text)
            echo(f"wrote {display_path(target)}")
    linked = plan.questions - plan.written
    echo(f"{plan.questions} questions: {plan.written} new, {linked} linked to the library")
    if plan.report:
        echo("report:")
        for line in plan.report:
            echo(f"  {line}")
    return 0
