"""Who may read what: audiences, embargoes, Woo decisions and the Woo redaction of names and fragments.

Every build and export has an audience (openbaar, intern, vertrouwelijk). An item more
confidential than its audience is refused, and so is an item under embargo when the
audience is the public. A Woo publication is public: officials' names become the ground
code 5.1.2e, wherever they appear, and the grounds applied are listed at the end.

A document with a Woo decision (`woo: {besluit: deels openbaar, ...}`) is published as a whole:
its internal items are covered by the decision, and what may not be published is withheld where
it stands (`lakken:` on a question or key message), its ground printed in its place.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import string
import unicodedata
from typing import Iterable, Iterator

from briefings.content import model as m
from briefings.errors import BriefingsError, ClassificationError, EmbargoError, ErrorGroup, Location
from briefings.content.positions import locate, raw_of

WOO_CODE = "5.1.2e"
SOURCE_CODE = "5.1, 2, e"  # how the released sources print a name they redacted
GROUND_NOTES = {WOO_CODE: "Namen van ambtenaren zijn gelakt."}
COMPACT = "{artikel}.{lid}{sub}"  # 5.1.2e
HOUSE = "{artikel}, {lid}, {sub}"  # 5.1, 2, e: as the released sources print it
PUBLIC = "openbaar"
WOO_AUTHOR = "Gemeente Amsterdam"

# Words that start a Dutch surname; never redacted on their own as a first name.
_PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "von", "le", "la", "da", "di", "du", "del",
              "des", "op", "in", "'t", "d'"}


# -- ground codes -----------------------------------------------------------------


def _parts(code: str) -> dict[str, str]:
    found = re.fullmatch(r"(\d+\.\d+)(?:\.(\d+)([a-z])?)?", code)
    if not found:
        raise ValueError(f"not a Woo ground: {code!r}")
    return {"artikel": found.group(1), "lid": found.group(2) or "", "sub": found.group(3) or ""}


def notation(code: str, fmt: str = HOUSE) -> str:
    """A ground code as the publication prints it: 5.1.2e → "5.1, 2, e" (fmt "{artikel}, {lid}, {sub}").

    A part the code lacks (5.2 has no paragraph or point) is left out with the text before it."""
    parts = _parts(code)
    out: list[str] = []
    for literal, field_name, _, _ in string.Formatter().parse(fmt):
        if field_name is None:
            out.append(literal)
        elif parts.get(field_name):
            out.append(literal + parts[field_name])
        elif not out:
            out.append(literal)
    return "".join(out)


def legal_reference(code: str) -> str:
    """5.1.2e → "art. 5.1 lid 2 sub e Woo"; 5.2 → "art. 5.2 Woo"."""
    parts = _parts(code)
    text = f"art. {parts['artikel']}"
    if parts["lid"]:
        text += f" lid {parts['lid']}"
    if parts["sub"]:
        text += f" sub {parts['sub']}"
    return text + " Woo"


def ground_label(code: str) -> str:
    return f"{m.WOO_GRONDEN[code]} ({legal_reference(code)})"


def woo_settings(project) -> dict:
    from briefings.project import WOO_DEFAULTS

    return getattr(project, "woo", None) or WOO_DEFAULTS


def printed_code(project, code: str = WOO_CODE) -> str:
    """The ground code as this project prints it (briefings.yaml, woo.notatie)."""
    return notation(code, woo_settings(project)["notatie"])


def withheld_marker(project, code: str) -> str:
    """What stands where a fragment was withheld (woo.weglating), e.g. "[5.2]"."""
    return woo_settings(project)["weglating"].replace("{grond}", printed_code(project, code))


# -- audiences and embargoes ------------------------------------------------------


def default_audience(doc: m.Document, woo: bool) -> str:
    """A Woo build is a publication; any other build is for the readers the document is marked for."""
    return PUBLIC if woo else doc.classificatie


def marking(lib, item) -> str | None:
    """An item's classification; parts without one (a recommendation) take their parent's."""
    mark = getattr(item, "classificatie", None)
    if mark is None and isinstance(item, m.Item) and item._parent:
        parent = lib.parent(item)
        mark = getattr(parent, "classificatie", None) if parent is not None else None
    return mark


def _where(obj, field_name: str) -> Location:
    """The field's position when the file sets it, else the item's own."""
    raw = raw_of(obj)
    if isinstance(raw, dict) and field_name in raw:
        return locate(obj, field_name)
    return locate(obj)


def unfit(lib, items: Iterable, audience: str, purpose: str, today: dt.date | None = None,
          option: str = "--classificatie {mark}", level: str | None = None) -> Iterator[BriefingsError]:
    """One error per item the audience may not read: too confidential, or under embargo for the public.

    `purpose` completes "too confidential for ...", e.g. "the build of 'x' (audience openbaar)";
    `option` tells how to state a wider audience on the command line; `level` overrides the
    classification the audience may read (a Woo decision covers internal items).
    """
    from briefings.documents import dutch

    today = today or dt.date.today()
    decided = level is not None
    level = m.CLASSIFICATIE_NIVEAU[level or audience]
    for item in items:
        mark = marking(lib, item)
        if mark and m.CLASSIFICATIE_NIVEAU[mark] > level:
            advice = ("withhold it with a ground (lakken: - grond: 5.1.2i, reden: ...), or leave it out"
                      if decided else _advice(item, option.format(mark=mark)))
            yield ClassificationError(f"{item.kind} '{item.id}' is {mark}, too confidential for {purpose}",
                                      _where(item, "classificatie"), advice)
        embargo = getattr(item, "embargo", None)
        if audience == PUBLIC and embargo and embargo > today:
            yield EmbargoError(
                f"{item.kind} '{item.id}' is under embargo: niet openbaar voor {dutch.datum(embargo)}",
                _where(item, "embargo"),
                f"wait until {embargo.isoformat()}, or state an internal audience: {option.format(mark='intern')}")
        for bijlage in item.bijlagen if isinstance(item, m.Document) else ():
            mark = bijlage.classificatie
            if mark and m.CLASSIFICATIE_NIVEAU[mark] > level:
                yield ClassificationError(
                    f"bijlage '{bijlage.id}' of document '{item.id}' is {mark}, too confidential for {purpose}",
                    _where(bijlage, "classificatie"), _advice(bijlage, option.format(mark=mark)))


def _advice(obj, option: str) -> str:
    if isinstance(obj, m.Document):
        return f"mark it openbaar once it may be published, or state the audience: {option}"
    return f"leave it out, or state the audience: {option}"


def refuse(errors: Iterable[BriefingsError]) -> None:
    errors = list(errors)
    if errors:
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)


def slug(name: str) -> str:
    """A name as an id would spell it: "Ridiënne Bakker" → "ridienne-bakker"."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", normal_form(name)) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", folded.casefold()).strip("-")


def refuse_named_id(lib, doc: m.Document) -> None:
    """A Woo publication prints the document's id in file names, properties and metadata: it may not
    spell a redacted name."""
    for name in sorted(Redactor.of(lib).hidden, key=len, reverse=True):
        spelled = slug(name)
        if len(spelled) >= 3 and re.search(rf"(?<![a-z0-9]){re.escape(spelled)}(?![a-z0-9])", doc.id):
            raise ClassificationError(
                f"document id '{doc.id}' spells a name that a Woo publication redacts ('{spelled}'); the id names "
                "its files and metadata", locate(doc, "id"), "give the document an id without the name")


def refuse_document(lib, doc: m.Document, audience: str | None = None, woo: bool = False,
                    today: dt.date | None = None) -> None:
    """Refuse to build a document that holds anything its audience may not read."""
    if woo:
        refuse_named_id(lib, doc)
    if woo and audience is None and doc.woo is not None:
        refuse_decided(lib, doc, today)
        return
    audience = audience or default_audience(doc, woo)
    if woo and audience == PUBLIC:
        purpose = f"the Woo publication of '{doc.id}' (audience openbaar)"
        refuse(unfit(lib, lib.uses(doc), audience, purpose, today, "--classificatie {mark} (then it is no publication)"))
    else:
        refuse(unfit(lib, lib.uses(doc), audience, f"the build of '{doc.id}' (audience {audience})", today))


def wholly_withheld(item) -> bool:
    """An item whose whole text is withheld (a lakking without tekst or blok)."""
    return any(lak.tekst is None and lak.blok is None for lak in getattr(item, "lakken", ()))


def refuse_decided(lib, doc: m.Document, today: dt.date | None = None) -> None:
    """A document with a Woo decision: internal items are covered by it; nothing confidential that is
    not withheld as a whole, nothing under embargo."""
    if doc.woo.besluit == "niet openbaar":
        raise ClassificationError(f"document '{doc.id}' is not published: its Woo decision is niet openbaar",
                                  _where(doc, "woo"), "the Woo build lists it in the inventory only")
    purpose = f"the Woo publication of '{doc.id}' (decision {doc.woo.besluit})"
    items = [item for item in lib.uses(doc) if not wholly_withheld(item)]
    refuse(unfit(lib, items, PUBLIC, purpose, today, level="intern"))


def refuse_documents(lib, docs: Iterable[m.Document], audience: str | None = None, woo: bool = False,
                     today: dt.date | None = None) -> None:
    errors: list[BriefingsError] = []
    for doc in docs:
        try:
            refuse_document(lib, doc, audience, woo, today)
        except ErrorGroup as group:
            errors += group.errors
        except BriefingsError as exc:
            errors.append(exc)
    refuse(errors)


# -- redaction of officials' names --------------------------------------------------


def _is_code(name: str) -> bool:
    return not re.search(r"[^\W\d_]{2,}", name)  # "5.1, 2, e": no word of two letters or more


_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@[\w-]+(?:\.[\w-]+)+")


def _name_pattern(name: str) -> str:
    words = r"\s+".join(re.escape(word) for word in name.split())
    return f"(?i:{words})" if len(name.split()) > 1 else words  # a full name in any case; one word as written


# -- normalise, then match ------------------------------------------------------------
#
# A name must be found in every form a reader still recognises as that name. So text is first brought
# to one form, and names are matched there: Unicode compatibility forms are folded (NFKC: composed
# accents, full-width letters, ligatures), invisible characters dropped (zero-width space and joiners,
# soft hyphen, word joiner, byte-order mark, direction marks), character references decoded (&#74;,
# &#x4A;, &eacute;) and every run of white space (line breaks too) read as one space. Each character of
# the normal form remembers where it came from, so a match replaces exactly the original span.

INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f" \
            "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\ufeff"
_DROP = dict.fromkeys(map(ord, INVISIBLE))
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def normalise(text: str) -> tuple[str, list[int]]:
    """The normal form of text, and for each of its characters (plus the end) the index in text it came from."""
    out: list[str] = []
    origin: list[int] = []
    i, n = 0, len(text)
    while i < n:
        found = _REFERENCE.match(text, i) if text[i] == "&" else None
        if found:
            piece, j = html.unescape(found.group()), found.end()
        else:
            j = i + 1
            while j < n and unicodedata.combining(text[j]):
                j += 1
            piece = text[i:j]
        for ch in unicodedata.normalize("NFKC", piece).translate(_DROP):
            if ch.isspace():
                if out and out[-1] == " ":
                    continue
                ch = " "
            out.append(ch)
            origin.append(i)
        i = j
    origin.append(n)
    return "".join(out), origin


def normal_form(text: str) -> str:
    return normalise(text)[0]


class Redactor:
    """Replaces officials' names typed as text by the ground code; elected officials stay named.

    An official's full name, form of address, first name and surname are all replaced, as whole
    words. One regex over every name, longest first, so a full name wins over its parts and an
    elected official's name ("Hester van Buren") is kept whole even when an official shares a part.
    """

    def __init__(self, personen: Iterable[m.Persoon], code: str = WOO_CODE):
        self.code = code
        hidden: set[str] = set()
        kept: set[str] = set()
        for p in personen:
            names = {p.naam.strip(), (p.aanspreekvorm or "").strip()}
            if p.gekozen:
                kept |= names
                continue
            hidden |= names
            words = p.naam.split()
            if len(words) >= 2 and words[0].lower() not in _PARTICLES and words[0][:1].isupper():
                surname = " ".join(words[1:])  # "Peter Teesink": "Peter" and "Teesink" alone name him too
                hidden |= {words[0], surname, surname[:1].upper() + surname[1:]}
        hidden = {n for n in hidden if len(n) >= 2 and not _is_code(n)}
        hidden |= {n.upper() for n in hidden}
        kept = {n for n in kept if n and not _is_code(n)}
        kept = (kept | {n.upper() for n in kept}) - hidden
        self.kept = kept
        self.count = 0
        # e-mail addresses spell names in lower case: "j.bakkerveld@..." names him as well
        self._in_address = {n.lower().replace(" ", "") for n in hidden if len(n) >= 3}
        self.hidden = {normal_form(n) for n in hidden}
        names = sorted({normal_form(n) for n in hidden | kept}, key=lambda n: (-len(n), n))
        self._pattern = (re.compile(r"(?<!\w)(?:" + "|".join(_name_pattern(n) for n in names) + r")(?!\w)")
                         if hidden else None)
        self._kept_folded = {n.casefold() for n in kept}

    @classmethod
    def of(cls, lib, project=None) -> "Redactor":
        return cls(lib.items("persoon"), printed_code(project) if project is not None else WOO_CODE)

    def _is_kept(self, text: str) -> bool:
        words = " ".join(text.split())
        return words in self.kept or (len(words.split()) > 1 and words.casefold() in self._kept_folded)

    def _replace(self, match: re.Match) -> str:
        text = match.group(0)
        if self._is_kept(text):
            return text
        self.count += 1
        return self.code

    def find(self, text: str) -> list[str]:
        """The redacted names text still holds, in whatever form (a leak check)."""
        if not text or self._pattern is None:
            return []
        norm, _ = normalise(text)
        return [found.group(0) for found in self._pattern.finditer(norm) if not self._is_kept(found.group(0))]

    def _address(self, match: re.Match) -> str:
        local = match.group(1).lower()
        if not any(name in local for name in self._in_address):
            return match.group(0)
        self.count += 1
        return self.code

    def __call__(self, text: str) -> str:
        if not text or self._pattern is None:
            return text
        text = _EMAIL.sub(self._address, text)
        norm, origin = normalise(text)
        parts, last = [], 0
        for found in self._pattern.finditer(norm):
            if self._is_kept(found.group(0)):
                continue
            start, end = origin[found.start()], origin[found.end()] if found.end() < len(norm) else len(text)
            if found.end() < len(norm) and norm[found.end()] == " ":
                end = _trailing_invisible(text, origin[found.end() - 1] + 1, end)
            parts += [text[last:start], self.code]
            last = end
            self.count += 1
        return "".join(parts) + text[last:] if parts else text


def _trailing_invisible(text: str, start: int, end: int) -> int:
    """Where a name ends before the white space after it: past its invisible characters, not the space."""
    i = start
    while i < end and (text[i] in INVISIBLE or unicodedata.combining(text[i])):
        i += 1
    return i


def grounds_applied(markdown: str, names_redacted: bool, printed: str = WOO_CODE) -> list[str]:
    """Whether names are redacted in a publication: now, or already in the source text."""
    found = names_redacted or SOURCE_CODE in markdown or WOO_CODE in markdown or printed in markdown
    return [WOO_CODE] if found else []


def grounds_section(codes: Iterable[str], project=None, reasons: dict[str, list[str]] | None = None) -> str:
    """The closing list of a Woo publication: each ground applied, once, with the reasons given."""
    reasons = reasons or {}
    lines = []
    for code in sorted(set(codes), key=lambda c: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", c)]):
        notes = [GROUND_NOTES[code]] if code in GROUND_NOTES else []
        notes += [r.strip().rstrip(".") + "." for r in dict.fromkeys(reasons.get(code, ())) if r.strip()]
        shown = printed_code(project, code) if project is not None else code
        lines.append(f"- {shown}: {ground_label(code)}. {' '.join(notes)}".rstrip())
    return "\n---\n\n# Toegepaste weigeringsgronden\n\n" + "\n".join(lines) + "\n"
