"""Dutch notation for dates and numbers, through babel."""
from __future__ import annotations

import datetime as dt

from briefings.content import model as m

LOCALE = "nl_NL"


def datum(value: dt.date | None, pattern: str = "d MMMM y") -> str:
    """13 mei 2024."""
    if value is None:
        return ""
    from babel.dates import format_date

    return format_date(value, format=pattern, locale=LOCALE)


def getal(value: float, decimalen: int = 0) -> str:
    """1.500 and 20,74."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimalen if decimalen else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def cijfer(c: m.Cijfer) -> str:
    """A figure as it reads in prose: '55%', '20,74%', 'ca. 240', 'boven de 30%'."""
    text = getal(c.waarde, c.decimalen)
    if c.eenheid == "procent":
        text += "%"
    return f"{c.benadering} {text}" if c.benadering else text


REACTIES = {"overgenomen": "Overgenomen", "deels": "Deels overgenomen", "niet-overgenomen": "Niet overgenomen"}


def reactie(code: str | None, maatregelen: int = 0) -> str:
    """The response to a recommendation in words: 'Overgenomen', 'Opgevolgd met 2 maatregelen'."""
    if code in REACTIES:
        return REACTIES[code]
    if maatregelen == 1:
        return "Opgevolgd met een maatregel"
    if maatregelen:
        return f"Opgevolgd met {maatregelen} maatregelen"
    return "Nog geen reactie"


def sentence_start(text: str, start: int) -> bool:
    """Whether text[start] begins a sentence: at the start of a (list) line, or after . ! ? or :."""
    import re

    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].strip(" -*>\t")
    return not before or bool(re.fullmatch(r"\d+[.)]|[o▪]", before)) or before[-1] in ".!?:"


def mid_sentence(title: str) -> str:
    """A title as it reads inside a Dutch sentence: "Second opinion meldingen" → "second opinion meldingen";
    an abbreviation or a name stays ("BIWS ...", "MWO ...", "Amsterdam ...": a capital or a letter
    other than the first, or a known name, keeps it)."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and first not in PROPER_NAMES:
        return title[0].lower() + title[1:]
    return title


PROPER_NAMES = {"Amsterdam", "Amsterdamse", "Verwey-Jonker", "Nederland", "Nederlandse"}
