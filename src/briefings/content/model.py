"""The content model: one pydantic class per kind of item, with Dutch field names.

Fields that point at other items carry `Ref(kind)` metadata; fields holding
Markdown carry `MD`. The library uses both to resolve references generically.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator


class Ref:
    """Marks a field whose values are ids of items of `kind`."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return f"Ref({self.kind!r})"


class _Markdown:
    """Marks a field holding Markdown with inline references ([[cijfer:id]])."""


MD = _Markdown()

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        max_length=120,
        description="Stable id: lowercase letters, digits and hyphens.",
    ),
]
Markdown = Annotated[str, MD]


def ref(kind: str):
    return Annotated[str, Ref(kind)]


def refs(kind: str):
    return Annotated[list[Annotated[str, Ref(kind)]], Ref(kind)]


Status = Literal["concept", "afgestemd", "definitief"]
DocumentStatus = Literal["concept", "afgestemd", "definitief", "verzonden"]
FINAL = ("definitief", "verzonden")  # document statuses that carry no "Concept" marking
Classificatie = Literal["openbaar", "intern", "vertrouwelijk"]
Pijler = Literal["inclusie", "diversiteit", "overkoepelend"]

CLASSIFICATIE_NIVEAU = {"openbaar": 0, "intern": 1, "vertrouwelijk": 2}

# The grounds of the Woo (Wet open overheid) on which a fragment may be withheld: article, paragraph, point.
WOO_GRONDEN = {
    "5.1.1a": "eenheid van de Kroon",
    "5.1.1b": "veiligheid van de Staat",
    "5.1.1c": "vertrouwelijk verstrekte bedrijfs- en fabricagegegevens",
    "5.1.1d": "bijzondere persoonsgegevens",
    "5.1.1e": "nationale identificatienummers",
    "5.1.2a": "betrekkingen met andere staten en internationale organisaties",
    "5.1.2b": "economische of financiële belangen van de Staat",
    "5.1.2c": "opsporing en vervolging van strafbare feiten",
    "5.1.2d": "inspectie, controle en toezicht door bestuursorganen",
    "5.1.2e": "persoonlijke levenssfeer",
    "5.1.2f": "concurrentiegevoelige bedrijfs- en fabricagegegevens",
    "5.1.2g": "milieu",
    "5.1.2h": "beveiliging van personen en bedrijven",
    "5.1.2i": "goed functioneren van de Staat en bestuursorganen",
    "5.2": "persoonlijke beleidsopvattingen in documenten voor intern beraad",
}
WooGrond = Literal[tuple(WOO_GRONDEN)]  # type: ignore[valid-type]
WooBesluitSoort = Literal["openbaar", "deels openbaar", "niet openbaar"]


class Model(BaseModel):
    # defer_build: validators are built on first use, so commands that validate nothing (--help, a check
    # from the parse cache, a no-op build) do not pay for building them at import
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, validate_default=False, defer_build=True,
                              allow_inf_nan=False)  # "nan" or "inf" as text: never "NaN%" in a document


class Item(Model):
    """An addressable item. `kind` names it in references: [[kind:id]]."""

    kind: ClassVar[str] = "item"
    folder: ClassVar[str] = ""
    id: Id
    _path: str = PrivateAttr(default="")
    _line: int = PrivateAttr(default=0)
    _col: int = PrivateAttr(default=0)
    _parent: str | None = PrivateAttr(default=None)

    def label(self) -> str:
        return getattr(self, "titel", None) or self.id


# --- sources -----------------------------------------------------------------


class Bevinding(Item):
    kind: ClassVar[str] = "bevinding"
    tekst: Markdown


class Aanbeveling(Item):
    kind: ClassVar[str] = "aanbeveling"
    tekst: Markdown
    reactie: Literal["overgenomen", "deels", "niet-overgenomen"] | None = Field(
        default=None, description="The explicit response; needed when no measure answers it."
    )
    toelichting: Markdown | None = Field(default=None, description="The reason behind the response.")

    def label(self) -> str:
        return self.tekst.strip().splitlines()[0]


class Bron(Item):
    kind: ClassVar[str] = "bron"
    folder: ClassVar[str] = "bronnen"
    organisatie: str
    titel: str
    afkorting: str | None = None
    soort: Literal[
        "kwalitatief-onderzoek", "kwantitatief-onderzoek", "extern-advies", "monitor", "beleid", "registratie"
    ]
    jaar: str = Field(description="Year or period, e.g. '2024' or '2021-2023'.")
    referentie: str = Field(description="How to cite or find the source.")
    classificatie: Classificatie = "openbaar"
    samenvatting: Markdown | None = None
    bevindingen: list[Bevinding] = []
    aanbevelingen: list[Aanbeveling] = []

    def label(self) -> str:
        return self.afkorting or self.organisatie


# --- figures -----------------------------------------------------------------


class Cijfer(Item):
    kind: ClassVar[str] = "cijfer"
    waarde: float
    eenheid: Literal["procent", "aantal"]
    omschrijving: str
    decimalen: int = Field(default=0, ge=0, le=4)
    benadering: str = Field(default="", max_length=20, description="Words before an approximate value: 'ca.', 'boven de'.")
    bron: Annotated[str, Ref("bron")] | None = Field(default=None, description="Overrides the file's source.")
    peildatum: dt.date | None = Field(default=None, description="Overrides the file's reference date.")
    update_verwacht: str | None = Field(default=None, description="Note when an update is pending.")
    classificatie: Classificatie = "openbaar"

    def label(self) -> str:
        return self.omschrijving


class CijferBestand(Model):
    """A file of figures that share a source and reference date."""

    folder: ClassVar[str] = "cijfers"
    bron: Annotated[str, Ref("bron")] | None = None
    peildatum: dt.date | None = None
    cijfers: list[Cijfer]


# --- themes, measures, agreements ----------------------------------------------


class Thema(Item):
    kind: ClassVar[str] = "thema"
    folder: ClassVar[str] = "themas"
    nummer: int = Field(ge=1)
    titel: str
    pijler: Pijler
    omschrijving: Markdown


class Maatregel(Item):
    kind: ClassVar[str] = "maatregel"
    folder: ClassVar[str] = "maatregelen"
    titel: str
    thema: Annotated[str, Ref("thema")]
    status: Literal["nieuw", "lopend", "doorlopend"]
    soort: Literal["beleid", "voorbereiding-uitvoering", "uitvoering"]
    beschrijving: Markdown
    naar_aanleiding_van: refs("aanbeveling") = Field(default=[], description="Recommendations this measure answers.")
    aanleiding: str | None = Field(default=None, description="Why a new measure exists when no recommendation is cited.")
    classificatie: Classificatie = "openbaar"


class Prestatieafspraak(Item):
    kind: ClassVar[str] = "prestatieafspraak"
    nummer: int
    tekst: Markdown

    def label(self) -> str:
        return self.tekst.strip().splitlines()[0]


class Doel(Model):
    titel: str
    afspraken: list[Prestatieafspraak]


class Prestatieafspraken(Item):
    kind: ClassVar[str] = "prestatieafspraken"
    folder: ClassVar[str] = "prestatieafspraken"
    titel: str
    spoor: Literal["inclusie", "representatie"]
    omschrijving: Markdown
    doelen: list[Doel]
    classificatie: Classificatie = "openbaar"


# --- questions and key messages ------------------------------------------------


class Beoordeling(Model):
    """The last review of an answer and a fingerprint of what it rested on then."""

    datum: dt.date
    door: Annotated[str, Ref("persoon")] | None = None
    vingerafdruk: str = Field(pattern=r"^[0-9a-f]{16}$")


class Lakking(Model):
    """A fragment withheld from a Woo publication on a ground of the Woo; the ground code stands in its place."""

    grond: WooGrond = Field(description="Woo ground, e.g. 5.2, 5.1.2e, 5.1.2i.")
    reden: str = Field(description="Why it is withheld, in a sentence.")
    tekst: str | None = Field(default=None, description=(
        "The fragment exactly as it stands in the text (a sentence or bullet, references as typed). "
        "Without tekst and blok the whole answer is withheld."))
    blok: int | None = Field(default=None, ge=1, description="Key messages: withhold this block as a whole (1 = first).")


class Vraag(Item):
    kind: ClassVar[str] = "vraag"
    folder: ClassVar[str] = "vragen"
    vraag: Markdown
    antwoord: Markdown = Field(description=(
        "The answer. With antwoord_van it may be left out, or hold lines of its own after the answer taken "
        "over; [[antwoord:id]] includes another answer at that place."))
    antwoord_van: Annotated[str, Ref("vraag")] | None = Field(default=None, description=(
        "Take over the answer of this question (one source of truth): the built text is that answer, "
        "rendered for the document it lands in."))
    themas: refs("thema") = []
    bronnen: refs("bron") = []
    maatregelen: refs("maatregel") = []
    gesteld_door: Annotated[str, Ref("persoon")] | None = Field(default=None, description="Council member who asked.")
    status: Status
    classificatie: Classificatie
    gecontroleerd: dt.date | None = Field(default=None, description="Date the answer was last checked.")
    beoordeling: Beoordeling | None = None
    embargo: dt.date | None = Field(default=None, description="Not public before this date.")
    notitie: str | None = Field(default=None, description="Internal note; never exported.")
    lakken: list[Lakking] = Field(default=[], description="Fragments withheld from a Woo publication.")

    def label(self) -> str:
        return self.vraag.strip().splitlines()[0]

    @model_validator(mode="before")
    @classmethod
    def _answer_taken_over(cls, data):
        """antwoord may be left out when antwoord_van names the answer taken over."""
        if isinstance(data, dict) and "antwoord" not in data and data.get("antwoord_van"):
            return {**data, "antwoord": ""}
        return data


class Kernboodschap(Item):
    kind: ClassVar[str] = "kernboodschap"
    folder: ClassVar[str] = "kernboodschap"
    titel: str
    blokken: list[Markdown] = Field(description="Groups of key messages, each a Markdown list.")
    bronnen: refs("bron") = []
    status: Status
    classificatie: Classificatie
    embargo: dt.date | None = None
    lakken: list[Lakking] = Field(default=[], description="Fragments or blocks withheld from a Woo publication.")


# --- people and commitments ----------------------------------------------------


class Persoon(Item):
    kind: ClassVar[str] = "persoon"
    folder: ClassVar[str] = "personen"
    naam: str = Field(description="Full name as it appears in documents.")
    rol: Literal["ambtenaar", "wethouder", "raadslid", "extern"]
    functie: str | None = None
    aanspreekvorm: str | None = Field(default=None, description="How documents name them, e.g. 'wethouder van Buren'.")
    partij: str | None = None
    organisatie: str | None = None
    woo_gelakt: bool = Field(default=False, description="Name already redacted in the source (Woo 5.1.2e).")

    @property
    def gekozen(self) -> bool:
        """Elected officials stay named in a Woo publication."""
        return self.rol in ("wethouder", "raadslid")

    def label(self) -> str:
        return self.naam


class Toezegging(Item):
    kind: ClassVar[str] = "toezegging"
    folder: ClassVar[str] = "toezeggingen"
    soort: Literal["toezegging", "actie"] = "toezegging"
    tekst: Markdown = Field(description="What was promised or agreed.")
    door: Annotated[str, Ref("persoon")] | None = Field(default=None, description="Who promised it or owns the action.")
    datum: dt.date = Field(description="When it was made.")
    gedaan_in: str | None = Field(default=None, description="Meeting or letter where it was made.")
    vraag: Annotated[str, Ref("vraag")] | None = None
    uiterlijk: dt.date | None = Field(default=None, description="Due date.")
    status: Literal["open", "afgerond", "vervallen"]
    classificatie: Classificatie = "intern"

    def label(self) -> str:
        return self.tekst.strip().splitlines()[0]


# --- documents -----------------------------------------------------------------


class Bijlage(Model):
    id: Id
    titel: str
    document: Annotated[str, Ref("document")] | None = Field(default=None, description="Another document, included.")
    overzicht: Literal["interventies", "maatregelen-onderzoeken", "aanbevelingen", "cijfers"] | None = None
    bronnen: refs("bron") = Field(default=[], description="Limit an overview to these sources.")
    cijfers: refs("cijfer") = []
    beschrijving: Markdown | None = None
    bestand: str | None = Field(default=None, description=(
        "A Markdown file, relative to the content root, whose text is the attachment's body; inline "
        "references in it are expanded."))
    notitie: str | None = Field(default=None, description="Editorial note shown with the title.")
    classificatie: Classificatie | None = None
    _inhoud: str | None = PrivateAttr(default=None)  # the text of `bestand`, read when the library loads
    _inhoud_pad: str = PrivateAttr(default="")  # its path as shown in messages


class Onderdeel(Model):
    """A section of a document. It may hold text, items drawn from the library and subsections."""

    titel: str | None = None
    raadslid: Annotated[str, Ref("persoon")] | None = Field(default=None, description="Questions of this council member.")
    tekst: Markdown | None = None
    vragen: refs("vraag") = []
    maatregelen: refs("maatregel") = []
    cijfers: refs("cijfer") = []
    bronnen: refs("bron") = Field(default=[], description="Show these sources with their findings.")
    aanbevelingen: refs("aanbeveling") = Field(default=[], description="Show these recommendations with their measures.")
    toezeggingen: refs("toezegging") = []
    prestatieafspraken: refs("prestatieafspraken") = []
    bijlagen: list[str] = Field(default=[], description="Attachment titles listed under this section.")
    onderdelen: list[Onderdeel] = []


class WooBesluit(Model):
    """The Woo decision on a document: published as a whole, in part, or not at all."""

    besluit: WooBesluitSoort
    datum: dt.date = Field(description="Date of the decision.")
    kenmerk: str = Field(description="Reference of the Woo request or of the active publication.")
    gronden: list[WooGrond] = Field(default=[], description="Grounds for withholding the whole document (niet openbaar).")
    toelichting: str | None = None


class Verzending(Model):
    """When a document was sent, and the git commit its content was sent from."""

    datum: dt.date
    commit: str = Field(pattern=r"^[0-9a-f]{40}$", description="The git commit of what was sent.")


class Document(Item):
    kind: ClassVar[str] = "document"
    folder: ClassVar[str] = "documenten"
    soort: str
    titel: str
    datum: dt.date
    kenmerk: str | None = None
    classificatie: Classificatie
    status: DocumentStatus = Field(description="concept → afgestemd → definitief → verzonden (set by `briefings verzend`).")
    auteur: str = "Bureau Inclusie en Diversiteit"
    onderwerp: str | None = None
    trefwoorden: list[str] = []
    embargo: dt.date | None = None
    inhoudsopgave: bool = Field(default=False, description=(
        "A table of contents after the title, with an entry and page number per heading (DOCX and PDF)."))
    woo: WooBesluit | None = Field(default=None, description="The Woo decision: how `build --woo` publishes it.")
    bijlagen: list[Bijlage] = []
    onderdelen: list[Onderdeel] = []
    verzending: Verzending | None = Field(default=None, description=(
        "Recorded by `briefings verzend`: a build of a sent document rebuilds this commit's version."))


class Annotatie(Document):
    soort: Literal["annotatie"]
    voor: Annotated[str, Ref("persoon")]
    vergadering: str
    agendapunt: str
    gevraagd_besluit: Markdown
    behandelend_ambtenaar: refs("persoon") = []
    kernboodschap: Annotated[str, Ref("kernboodschap")]


class Raadsbrief(Document):
    soort: Literal["raadsbrief"]
    aan: str
    portefeuille: str
    namens: str = Field(description="Closing: on whose behalf the letter is signed.")
    ondertekening: refs("persoon") = []
    inleiding: Markdown
    afsluiting: Markdown


class Factsheet(Document):
    soort: Literal["factsheet"]
    bron: Annotated[str, Ref("bron")]
    inleiding: Markdown


class Achtergrondnotitie(Document):
    soort: Literal["achtergrondnotitie"]
    aanleiding: str


class Agenda(Document):
    soort: Literal["agenda"]
    vergadering: str
    tijd: str
    locatie: str
    aanwezig: refs("persoon") = []
    voorzitter: Annotated[str, Ref("persoon")] | None = None
    actielijst: refs("toezegging") = []
    notitie: Markdown | None = None


class Matrix(Document):
    soort: Literal["matrix"]
    bronnen: refs("bron") = Field(default=[], description="Sources to include; empty means all.")
    inleiding: Markdown


DOCUMENT_SOORTEN: dict[str, type[Document]] = {
    "annotatie": Annotatie,
    "raadsbrief": Raadsbrief,
    "factsheet": Factsheet,
    "achtergrondnotitie": Achtergrondnotitie,
    "agenda": Agenda,
    "matrix": Matrix,
}

# One class per folder of the content root; cijfers files hold groups.
KINDS: dict[str, type[Model]] = {
    "bronnen": Bron,
    "cijfers": CijferBestand,
    "themas": Thema,
    "maatregelen": Maatregel,
    "prestatieafspraken": Prestatieafspraken,
    "vragen": Vraag,
    "kernboodschap": Kernboodschap,
    "personen": Persoon,
    "toezeggingen": Toezegging,
    "documenten": Document,
}

ITEM_KINDS = ["bron", "bevinding", "aanbeveling", "cijfer", "thema", "maatregel", "prestatieafspraken",
              "prestatieafspraak", "vraag", "kernboodschap", "persoon", "toezegging", "document"]
