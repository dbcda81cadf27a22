"""Export questions and answers for communications: Markdown, one self-contained HTML page, or JSON.

By default only final (definitief), public (openbaar) answers go out. An export has no document
around it, so [[bijlage:..]] reads "de bijlage" and [[vraag:..]] the question's own text. Internal
fields (notes, reviews, who asked, classification) never leave; officials' names become the ground code
in the project's notation (woo.notatie: "5.1, 2, e" as shipped; 5.1.2e without a project).
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field

from briefings.documents import dutch
from briefings.content import model as m
from briefings.documents.assemble import shift_headings
from briefings.content.library import INLINE, Library, target_kind
from briefings.documents.woo import PUBLIC, WOO_CODE, Redactor, refuse, unfit

EXPORT_FORMATS = ("md", "html", "json")
TITLE = "Vragen en antwoorden"


@dataclass(frozen=True)
class VraagFilter:
    """Which questions to export. Within a filter any value matches; all filters must match."""

    themas: tuple[str, ...] = ()
    bronnen: tuple[str, ...] = ()
    statussen: tuple[str, ...] = ("definitief",)
    classificaties: tuple[str, ...] = (PUBLIC,)

    @staticmethod
    def up_to(classificaties) -> tuple[str, ...]:
        """An audience as `build --classificatie` means it: the most confidential level asked for and all below."""
        top = max(m.CLASSIFICATIE_NIVEAU[c] for c in classificaties)
        return tuple(c for c, level in m.CLASSIFICATIE_NIVEAU.items() if level <= top)

    @property
    def audience(self) -> str:
        """The readers: as confidential as the most confidential classification asked for."""
        return max(self.classificaties, key=m.CLASSIFICATIE_NIVEAU.__getitem__)


@dataclass(frozen=True)
class BronRegel:
    id: str
    organisatie: str
    titel: str
    jaar: str
    referentie: str


@dataclass(frozen=True)
class ThemaRegel:
    id: str
    titel: str


@dataclass(frozen=True)
class Antwoord:
    """One question as a reader sees it: references expanded, names redacted, nothing internal."""

    id: str
    vraag: str
    antwoord: str
    themas: list[ThemaRegel]
    bronnen: list[BronRegel]
    status: str
    gecontroleerd: dt.date | None = None  # when the answer was last checked
    gebruikt_in: list[str] = field(default_factory=list)  # the documents it was used in, as readers know them


@dataclass
class Export:
    vragen: list[Antwoord]
    audience: str
    stand: dt.date
    notes: list[str] = field(default_factory=list)


# -- selecting and rendering the content ---------------------------------------------


def _validate(lib: Library, filt: VraagFilter) -> None:
    for tid in filt.themas:
        lib.get(tid, "thema")  # an unknown id raises, with a did-you-mean hint
    for bid in filt.bronnen:
        lib.get(bid, "bron")


def _selected(q: m.Vraag, filt: VraagFilter) -> bool:
    return (q.status in filt.statussen and q.classificatie in filt.classificaties
            and (not filt.themas or bool(set(q.themas) & set(filt.themas)))
            and (not filt.bronnen or bool(set(q.bronnen) & set(filt.bronnen))))


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Expander:
    """Expands [[kind:id]] without a document; remembers every item it rendered, for the audience check."""

    def __init__(self, lib: Library, code: str = WOO_CODE):
        self.lib = lib
        self.code = code  # an official's name, as printed (the project's notation)
        self.rendered: dict[str, m.Item] = {}

    def __call__(self, text: str, trail: tuple[str, ...] = ()) -> str:
        def replace(match: re.Match) -> str:
            return self._inline(match.group(1), match.group(2), text, match.start(), trail)

        return INLINE.sub(replace, text.strip("\n"))

    def _inline(self, kind: str, target: str, text: str, start: int, trail: tuple[str, ...]) -> str:
        if kind == "bijlage":
            return "de bijlage"
        item = self.lib.by_id.get(target)
        if item is None or item.kind != target_kind(kind):
            return target  # the library reports broken references; an export never crashes on one
        self.rendered.setdefault(item.id, item)
        if kind == "antwoord":
            return self.answer(item, trail)
        if isinstance(item, m.Cijfer):
            value = dutch.cijfer(item)
            line_start = text.rfind("\n", 0, start) + 1
            before = text[line_start:start].strip(" -*>\t")
            if not before or re.fullmatch(r"\d+[.)]|[o▪]", before):
                value = value[:1].upper() + value[1:]
            return value
        if isinstance(item, m.Vraag):
            if item.id in trail:
                return "‘" + _one_line(item.label()) + "’"
            return "‘" + _one_line(self(item.vraag, trail + (item.id,))) + "’"
        if isinstance(item, m.Persoon):
            return item.naam if item.gekozen else self.code
        if isinstance(item, m.Maatregel) and not dutch.sentence_start(text, start):
            return dutch.mid_sentence(item.label())
        return item.label()


    def answer(self, q: m.Vraag, trail: tuple[str, ...] = ()) -> str:
        """The answer as built: the answer it takes over, then its own lines (a reuse cycle stops)."""
        if q.id in trail[:-1] or trail.count(q.id) > 1:
            return ""
        trail = trail if trail[-1:] == (q.id,) else trail + (q.id,)
        own = q.antwoord or ""
        parts = []
        source = self.lib.by_id.get(q.antwoord_van) if q.antwoord_van else None
        if isinstance(source, m.Vraag) and f"[[antwoord:{source.id}]]" not in own and source.id not in trail:
            self.rendered.setdefault(source.id, source)
            parts.append(self.answer(source, trail + (source.id,)))
        if own.strip():
            parts.append(self(own, trail))
        return "\n".join(p for p in parts if p)


def export_vragen(lib: Library, filt: VraagFilter = VraagFilter(), today: dt.date | None = None,
                  project=None) -> Export:
    """The questions to export, rendered; refuses when one of them shows an item its readers may not see."""
    today = today or dt.date.today()
    _validate(lib, filt)
    audience = filt.audience
    notes: list[str] = []
    if audience != PUBLIC:
        notes.append(f"this export includes {', '.join(c for c in filt.classificaties if c != PUBLIC)} answers: "
                     "it is not for publication")
    vragen: list[m.Vraag] = []
    for q in lib.items("vraag"):
        if not _selected(q, filt):
            continue
        if audience == PUBLIC and q.embargo and q.embargo > today:
            notes.append(f"left out '{q.id}': niet openbaar voor {dutch.datum(q.embargo)}")
            continue
        vragen.append(q)
    redact = Redactor.of(lib, project)  # the project's notation of the ground
    expand = Expander(lib, redact.code)
    rows = [_antwoord(lib, q, expand, redact, audience) for q in vragen]
    shown = list(expand.rendered.values()) + [lib.get(b, "bron") for q in vragen for b in q.bronnen]
    wider = " ".join(f"--classificatie {c}" for c in filt.classificaties) + " --classificatie {mark}"
    refuse(unfit(lib, _unique(shown), audience, f"an export for an audience of {audience}", today, wider))
    if not rows:
        notes.append(_why_empty(lib, filt, today))
    return Export(vragen=rows, audience=audience, stand=today, notes=notes)


def _why_empty(lib: Library, filt: VraagFilter, today: dt.date) -> str:
    """How many questions each filter left out, and how to include them."""
    vragen = lib.items("vraag")
    reasons = []
    checks = [
        ("--status", lambda q: q.status in filt.statussen,
         lambda out: " ".join(f"--status {s}" for s in sorted({q.status for q in out}))),
        ("--classificatie", lambda q: q.classificatie in filt.classificaties,
         lambda out: "--classificatie " + max((q.classificatie for q in out), key=m.CLASSIFICATIE_NIVEAU.__getitem__)
         + " (not for publication)"),
        ("--thema", lambda q: not filt.themas or bool(set(q.themas) & set(filt.themas)), lambda out: "another --thema"),
        ("--bron", lambda q: not filt.bronnen or bool(set(q.bronnen) & set(filt.bronnen)), lambda out: "another --bron"),
        ("embargo", lambda q: not (filt.audience == PUBLIC and q.embargo and q.embargo > today),
         lambda out: "wait for the embargo to end"),
    ]
    for option, passes, how in checks:
        out = [q for q in vragen if not passes(q)]
        if out:
            reasons.append(f"{len(out)} by {option} (to include them: {how(out)})")
    if not vragen:
        return "no questions match: the library has no questions yet (briefings nieuw vraag)"
    return f"no questions match: of {len(vragen)} questions, left out " + "; ".join(reasons)


def _documents_of(lib: Library, q: m.Vraag, audience: str) -> list[str]:
    """The documents a question was used in that the audience may know of, as '<titel> (<datum>)'."""
    level = m.CLASSIFICATIE_NIVEAU[audience]
    return [f"{d.titel} ({dutch.datum(d.datum)})" for d in lib.documents()
            if m.CLASSIFICATIE_NIVEAU[d.classificatie] <= level and any(x is q for x in lib.uses(d))]


def _unique(items: list[m.Item]) -> list[m.Item]:
    return list({item.id: item for item in items}.values())


def _antwoord(lib: Library, q: m.Vraag, expand: Expander, redact: Redactor, audience: str = PUBLIC) -> Antwoord:
    themas = [lib.get(t, "thema") for t in q.themas]
    bronnen = [lib.get(b, "bron") for b in q.bronnen]
    return Antwoord(
        id=q.id,
        vraag=redact(_one_line(expand(q.vraag, (q.id,)))),
        antwoord=redact(expand.answer(q, (q.id,))),
        themas=[ThemaRegel(t.id, redact(t.titel)) for t in themas],
        bronnen=[BronRegel(b.id, redact(b.organisatie), redact(b.titel), b.jaar, redact(b.referentie))
                 for b in bronnen],
        status=q.status,
        gecontroleerd=q.gecontroleerd,
        gebruikt_in=[redact(d) for d in _documents_of(lib, q, audience)],
    )


# -- output formats -------------------------------------------------------------------


def render_export(export: Export, fmt: str) -> str:
    return {"md": to_markdown, "html": to_html, "json": to_json}[fmt](export)


def _summary(export: Export) -> str:
    n = len(export.vragen)
    return f"Stand {dutch.datum(export.stand)} · {n} {'vraag' if n == 1 else 'vragen'}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md_text(text: str) -> str:
    """Plain text made safe inside Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _bron_md(b: BronRegel) -> str:
    return f"{_md_text(b.organisatie)}, *{_md_text(b.titel)}* ({_md_text(b.jaar)}). {_md_text(b.referentie)}"


def to_markdown(export: Export) -> str:
    parts = [f"# {TITLE}", _summary(export)]
    for a in export.vragen:
        parts.append(f"## {a.vraag}")
        if a.antwoord:
            parts.append(shift_headings(a.antwoord, 2))
        if a.themas:
            label = "Thema" if len(a.themas) == 1 else "Thema’s"
            parts.append(f"**{label}:** " + "; ".join(_md_text(t.titel) for t in a.themas))
        if a.bronnen:
            label = "Bron" if len(a.bronnen) == 1 else "Bronnen"
            parts.append(f"**{label}:**\n\n" + "\n".join(f"- {_bron_md(b)}" for b in a.bronnen))
        if a.gecontroleerd:
            parts.append(f"**Laatst gecontroleerd:** {dutch.datum(a.gecontroleerd)}")
        if a.gebruikt_in:
            parts.append("**Gebruikt in:** " + "; ".join(_md_text(d) for d in a.gebruikt_in))
    return "\n\n".join(parts) + "\n"


def to_json(export: Export) -> str:
    data = {
        "stand": export.stand.isoformat(),
        "aantal": len(export.vragen),
        "vragen": [
            {
                "id": a.id,
                "vraag": a.vraag,
                "antwoord": a.antwoord,
                "status": a.status,
                "gecontroleerd": a.gecontroleerd.isoformat() if a.gecontroleerd else None,
                "gebruikt_in": a.gebruikt_in,
                "themas": [{"id": t.id, "titel": t.titel} for t in a.themas],
                "bronnen": [{"id": b.id, "organisatie": b.organisatie, "titel": b.titel, "jaar": b.jaar,
                             "referentie": b.referentie} for b in a.bronnen],
            }
            for a in export.vragen
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _markdown_parser():
    from markdown_it import MarkdownIt

    from briefings.writers.mdlinks import linear_links

    parser = MarkdownIt("commonmark", {"html": False}).enable("table").use(linear_links)  # raw HTML is escaped
    # an image would be an external resource: show its description instead
    parser.add_render_rule("image", lambda self, tokens, idx, options, env: html.escape(tokens[idx].content))
    return parser


CSS = """
:root { color-scheme: light; --tekst: #1a1a1a; --rand: #c8c8c8; --accent: #004699; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 "Liberation Sans", Arial, Helvetica, sans-serif; color: var(--tekst); background: #fff; }
main { max-width: 48rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.75rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
.stand { margin: 0 0 1.5rem; color: #4a4a4a; }
.zoek { margin: 0 0 1rem; }
.zoek label { display: block; font-weight: bold; margin-bottom: .25rem; }
.zoek input { width: 100%; font: inherit; padding: .5rem; border: 2px solid #767676; border-radius: 2px; }
.zoek input:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
#aantal { margin: 0 0 1.5rem; font-weight: bold; }
article { border-top: 1px solid var(--rand); padding: 1.25rem 0; }
.meta { margin: .75rem 0 0; font-size: .9rem; color: #333; }
.meta dt { font-weight: bold; }
.meta dd { margin: 0 0 .5rem; }
.meta ul { margin: 0; padding-left: 1.25rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--rand); padding: .25rem .5rem; text-align: left; }
a { color: var(--accent); }
[hidden] { display: none !important; }
"""

# Filters the answers as the reader types; #zoek=... in the address fills the box (a shareable search).
SCRIPT = """
(function () {
  "use strict";
  var input = document.getElementById("zoek");
  var count = document.getElementById("aantal");
  var none = document.getElementById("geen");
  var items = Array.prototype.slice.call(document.querySelectorAll("article.vraag"));
  function norm(s) { return s.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase(); }
  var texts = items.map(function (el) { return norm(el.textContent); });
  function filter() {
    var words = norm(input.value).split(/\\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (el, i) {
      var hit = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      el.hidden = !hit;
      if (hit) { shown += 1; }
    });
    count.textContent = shown + " van " + items.length + (items.length === 1 ? " antwoord" : " antwoorden") + " zichtbaar";
    count.setAttribute("data-zichtbaar", String(shown));
    none.hidden = shown !== 0;
  }
  function fromHash() {
    var match = /^#zoek=(.*)$/.exec(window.location.hash);
    if (!match) { return; }
    var value = match[1].replace(/\\+/g, " ");
    try { value = decodeURIComponent(value); } catch (e) { /* keep the raw text */ }
    input.value = value;
  }
  input.addEventListener("input", function () {
    filter();
    try {
      history.replaceState(null, "", input.value ? "#zoek=" + encodeURIComponent(input.value)
                                                 : window.location.pathname + window.location.search);
    } catch (e) { /* some browsers refuse this for file:// pages; the filter works regardless */ }
  });
  window.addEventListener("hashchange", function () { fromHash(); filter(); });
  fromHash();
  filter();
}());
"""


def _bron_html(b: BronRegel) -> str:
    e = html.escape
    return f"<li>{e(b.organisatie)}, <cite>{e(b.titel)}</cite> ({e(b.jaar)}). {e(b.referentie)}</li>"


def _article_html(a: Antwoord, parser) -> str:
    e = html.escape
    anchor = e(f"vraag-{a.id}")
    parts = [f'<article class="vraag" id="{anchor}" aria-labelledby="{anchor}-kop">',
             f'<h2 id="{anchor}-kop">{parser.renderInline(a.vraag)}</h2>',
             f'<div class="antwoord">{parser.render(shift_headings(a.antwoord, 2))}</div>']
    meta = []
    if a.gecontroleerd:
        meta.append(f"<dt>Laatst gecontroleerd</dt><dd>{e(dutch.datum(a.gecontroleerd))}</dd>")
    if a.gebruikt_in:
        meta.append(f"<dt>Gebruikt in</dt><dd>{e('; '.join(a.gebruikt_in))}</dd>")
    if a.themas:
        meta.append(f"<dt>{'Thema' if len(a.themas) == 1 else 'Thema’s'}</dt>"
                    f"<dd>{e('; '.join(t.titel for t in a.themas))}</dd>")
    if a.bronnen:
        meta.append(f"<dt>{'Bron' if len(a.bronnen) == 1 else 'Bronnen'}</dt>"
                    f"<dd><ul>{''.join(_bron_html(b) for b in a.bronnen)}</ul></dd>")
    if meta:
        parts.append(f'<dl class="meta">{"".join(meta)}</dl>')
    parts.append("</article>")
    return "\n".join(parts)


def to_html(export: Export) -> str:
    parser = _markdown_parser()
    n = len(export.vragen)
    articles = "\n".join(_article_html(a, parser) for a in export.vragen)
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(TITLE)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{html.escape(TITLE)}</h1>
<p class="stand">{html.escape(_summary(export))}</p>
<div class="zoek" role="search">
<label for="zoek">Zoek in vragen en antwoorden</label>
<input type="search" id="zoek" name="zoek" autocomplete="off" spellcheck="false" aria-controls="antwoorden" aria-describedby="aantal">
</div>
<p id="aantal" role="status" aria-live="polite" data-zichtbaar="{n}">{n} van {n} {'antwoord' if n == 1 else 'antwoorden'} zichtbaar</p>
<p id="geen"{'' if n == 0 else ' hidden'}>Geen antwoorden gevonden.</p>
<div id="antwoorden">
{articles}
</div>
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""


def export_command(lib: Library, filt: VraagFilter, fmt: str, out: str | None, echo, project=None) -> None:
    """`briefings export vragen`: notes on stderr, the export on stdout or atomically into `out`."""
    from pathlib import Path

    from briefings.content.load import display_path
    from briefings.writers.files import write_text_atomic

    result = export_vragen(lib, filt, project=project)
    for note in result.notes:
        echo(f"note: {note}", err=True)
    from briefings.printable import without_controls

    text = without_controls(render_export(result, fmt))  # JSON escapes them already; Markdown and HTML do not
    if out is None:
        echo(text, nl=False)
        return
    write_text_atomic(Path(out), text)
    echo(display_path(Path(out)))
