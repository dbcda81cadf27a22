"""DiWoo metadata (version 0.9.8): one `diwoo:Document` per published document, validated against the
vendored schema (schemas/diwoo/) offline, and the sitemap the Woo index harvests.

Values come from the TOOI value lists of the standard; their labels are read from the vendored
list file, so a URI and its label cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from briefings.errors import BriefingsError, Location

NS = "https://standaarden.overheid.nl/diwoo/metadata/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
EXTRA_NS = "https://briefings.example/woo"  # our extraMetadata fields: the Woo decision and the package
VERSION = "0.9.8"
_TOOI = "https://identifier.overheid.nl/tooi/def/thes/kern/"
VASTSTELLING = _TOOI + "c_641ecd76"
FORMATS = {"pdf": "http://publications.europa.eu/resource/authority/file-type/PDF",
           "docx": "http://publications.europa.eu/resource/authority/file-type/DOCX"}


def schema_folder() -> Path:
    from briefings.project import PACKAGE_ROOT

    return PACKAGE_ROOT / "schemas" / "diwoo"


@dataclass
class Metadata:
    """What the DiWoo record of one document says (and what the inventory lists)."""

    doc_id: str
    titel: str
    omschrijving: str
    soort: str
    creatiedatum: dt.date
    kenmerk: str | None
    besluit: str
    besluitdatum: dt.date
    besluitkenmerk: str
    gronden: list[str]
    trefwoorden: list[str] = field(default_factory=list)
    bestanden: list[str] = field(default_factory=list)
    informatiecategorie: str = ""
    uitgever: str = ""
    taal: str = ""


@lru_cache(maxsize=1)
def labels() -> dict[str, str]:
    """Every URI of the value lists → its label (the first text of its documentation)."""
    from lxml import etree

    found: dict[str, str] = {}
    xs = "{http://www.w3.org/2001/XMLSchema}"
    for _, element in etree.iterparse(str(schema_folder() / "diwoo-metadata-lijsten.xsd"), tag=f"{xs}enumeration"):
        texts = [t.strip() for t in element.itertext() if t.strip()]
        found[element.get("value")] = texts[0] if texts else element.get("value")
        element.clear()
    return found


def label(uri: str) -> str:
    return labels().get(uri, uri)  # an unknown URI keeps itself as label; the schema then names it invalid


def document_element(meta: Metadata):
    """One diwoo:Document element."""
    from lxml import etree

    def sub(parent, name: str, text: str | None = None, resource: str | None = None):
        element = etree.SubElement(parent, f"{{{NS}}}{name}")
        if resource is not None:
            element.set("resource", resource)
        if text is not None:
            element.text = text
        return element

    root = etree.Element(f"{{{NS}}}Document", nsmap={"diwoo": NS})
    diwoo = sub(root, "DiWoo")
    identifiers = sub(diwoo, "identifiers")
    for identifier in (meta.kenmerk, meta.doc_id):
        if identifier:
            sub(identifiers, "identifier", identifier)
    sub(diwoo, "publisher", label(meta.uitgever), meta.uitgever)
    sub(sub(diwoo, "titelcollectie"), "officieleTitel", meta.titel)
    if meta.omschrijving:
        sub(sub(diwoo, "omschrijvingen"), "omschrijving", meta.omschrijving)
    classificatie = sub(diwoo, "classificatiecollectie")
    sub(sub(classificatie, "informatiecategorieen"), "informatiecategorie", label(meta.informatiecategorie),
        meta.informatiecategorie)
    if meta.trefwoorden:
        trefwoorden = sub(classificatie, "trefwoorden")
        for trefwoord in meta.trefwoorden:
            sub(trefwoorden, "trefwoord", trefwoord)
    sub(diwoo, "creatiedatum", meta.creatiedatum.isoformat())
    sub(diwoo, "language", label(meta.taal), meta.taal)
    if meta.besluit != "niet openbaar":
        sub(diwoo, "format", label(FORMATS["pdf"]), FORMATS["pdf"])
    handeling = sub(sub(diwoo, "documenthandelingen"), "documenthandeling")
    sub(handeling, "soortHandeling", label(VASTSTELLING), VASTSTELLING)
    sub(handeling, "atTime", dt.datetime.combine(meta.creatiedatum, dt.time()).isoformat())
    sub(handeling, "wasAssociatedWith", label(meta.uitgever), meta.uitgever)
    extra = sub(root, "extraMetadata")
    sub(extra, "namespace", EXTRA_NS)
    sub(extra, "prefix", "briefings")
    fields = sub(extra, "extraMetadatavelden")
    for key, values in (("woo-besluit", [meta.besluit]), ("woo-besluitdatum", [meta.besluitdatum.isoformat()]),
                        ("woo-kenmerk", [meta.besluitkenmerk]), ("weigeringsgronden", meta.gronden),
                        ("soort", [meta.soort]), ("bestanden", meta.bestanden)):
        if values:
            veld = sub(fields, "extraMetadataveld")
            sub(veld, "key", key)
            holder = sub(veld, "values")
            for value in values:
                sub(holder, "value", value)
    return root


def read_metadata(element) -> Metadata:
    """A diwoo:Document written by document_element, read back (for the sitemap and inventory of a
    publication built in several runs)."""
    def text(path: str) -> str:
        found = element.find(path, {"d": NS})
        return found.text or "" if found is not None else ""

    extra = {veld.findtext("d:key", "", {"d": NS}): [v.text or "" for v in veld.iterfind("d:values/d:value", {"d": NS})]
             for veld in element.iterfind("d:extraMetadata/d:extraMetadatavelden/d:extraMetadataveld", {"d": NS})}
    ids = [i.text or "" for i in element.iterfind("d:DiWoo/d:identifiers/d:identifier", {"d": NS})]
    return Metadata(
        doc_id=ids[-1] if ids else "", titel=text("d:DiWoo/d:titelcollectie/d:officieleTitel"),
        omschrijving=text("d:DiWoo/d:omschrijvingen/d:omschrijving"), soort=(extra.get("soort") or [""])[0],
        creatiedatum=dt.date.fromisoformat(text("d:DiWoo/d:creatiedatum")), kenmerk=ids[0] if len(ids) > 1 else None,
        besluit=(extra.get("woo-besluit") or [""])[0],
        besluitdatum=dt.date.fromisoformat((extra.get("woo-besluitdatum") or ["2000-01-01"])[0]),
        besluitkenmerk=(extra.get("woo-kenmerk") or [""])[0], gronden=extra.get("weigeringsgronden", []),
        bestanden=extra.get("bestanden", []))


@lru_cache(maxsize=1)
def schema():
    """The DiWoo 0.9.8 schema, loaded from the vendored files only (about 1.5 s: load it once)."""
    import xmlschema

    folder = schema_folder()
    return xmlschema.XMLSchema(str(folder / "diwoo-metadata.xsd"),
                               locations=[("https://www.nationaalarchief.nl/mdto", str(folder / "MDTO-XML1.0.1.xsd"))],
                               allow="local")


def validate(element, doc_id: str, where: Location | None = None) -> None:
    """Raise a BriefingsError naming the first failing element of an invalid diwoo:Document."""
    import re

    for error in schema().iter_errors(element):
        path = re.sub(r"/(?:diwoo|ns\d+):", "/", error.path or "").strip("/").replace("/", " › ")
        failing = error.elem.tag.rsplit("}", 1)[-1] if getattr(error, "elem", None) is not None else "Document"
        reason = re.sub(r"value must be one of \[.*\]", "not a value of its list", error.reason or str(error))
        raise BriefingsError(f"DiWoo metadata of '{doc_id}' is invalid at diwoo:{failing}: {reason} ({path})", where,
                             f"valid values are in the DiWoo {VERSION} value lists: "
                             "schemas/diwoo/diwoo-metadata-lijsten.xsd")


def to_bytes(element) -> bytes:
    from lxml import etree

    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sitemap(entries: list[tuple[str, dt.date, object]]) -> bytes:
    """The sitemap the Woo index harvests: one <url> per published document, its diwoo:Document inside."""
    import copy

    from lxml import etree

    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "diwoo": NS})
    for loc, lastmod, element in entries:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.isoformat()
        url.append(copy.deepcopy(element))
    return to_bytes(urlset)
