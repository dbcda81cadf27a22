"""The recommendations matrix: every recommendation of a source, the response and the measures answering it."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from briefings.content.library import Library


@dataclass(frozen=True)
class MatrixMaatregel:
    id: str
    titel: str
    status: str


@dataclass(frozen=True)
class MatrixRow:
    bron_id: str
    bron: str  # the source's label (afkorting or organisation)
    aanbeveling_id: str
    aanbeveling: str
    reactie: str  # overgenomen | deels | niet-overgenomen | maatregel | "" (unanswered)
    toelichting: str
    maatregelen: list[MatrixMaatregel] = field(default_factory=list)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def matrix_rows(lib: Library, bronnen: list[str] | None = None) -> list[MatrixRow]:
    """One row per recommendation, by source (in the given order, else file order), then file order."""
    sources = [lib.get(i, "bron") for i in bronnen] if bronnen else lib.sources_with_recommendations()
    rows = []
    for bron in sources:
        for rec in bron.aanbevelingen:
            measures = [MatrixMaatregel(x.id, x.titel, x.status) for x in lib.measures_for(rec.id)]
            reactie = rec.reactie or ("maatregel" if measures else "")
            rows.append(MatrixRow(bron.id, bron.label(), rec.id, _one_line(rec.tekst), reactie,
                                  _one_line(rec.toelichting), measures))
    return rows


COLUMNS = (("Bron", 20), ("Aanbeveling", 46), ("Reactie", 16), ("Toelichting", 30), ("Maatregelen", 36))


def render_matrix_text(rows: list[MatrixRow]) -> str:
    """A terminal table; each column as wide as its content up to a cap, long cells wrapped."""
    def cells(row: MatrixRow) -> list[str]:
        measures = "; ".join(f"{x.titel} ({x.id})" for x in row.maatregelen)
        return [row.bron, row.aanbeveling, row.reactie or "—", row.toelichting, measures]

    table = [cells(r) for r in rows]
    widths = [min(cap, max([len(title)] + [len(t[i]) for t in table])) for i, (title, cap) in enumerate(COLUMNS)]

    def render(values: list[str]) -> list[str]:
        wrapped = [textwrap.wrap(v, w, break_on_hyphens=False) or [""] for v, w in zip(values, widths)]
        height = max(len(c) for c in wrapped)
        return ["  ".join((c[i] if i < len(c) else "").ljust(w) for c, w in zip(wrapped, widths)).rstrip()
                for i in range(height)]

    out = render([title for title, _ in COLUMNS]) + ["  ".join("-" * w for w in widths)]
    for values in table:
        out += render(values)
    unanswered = sum(1 for r in rows if not r.reactie)
    out.append(f"({len(rows)} recommendations, {unanswered} unanswered)")
    return "\n".join(out)


def matrix_command(lib: Library, bronnen: list[str] | None, fmt: str) -> str:
    """`briefings matrix` as text or JSON."""
    import dataclasses
    import json

    rows = matrix_rows(lib, bronnen)
    if fmt == "json":
        return json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False, indent=2)
    return render_matrix_text(rows)
