"""`briefings export vragen`: filters, what never leaves, figures, embargo, the JSON shape, the HTML page."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from briefings.publish.export import VraagFilter, export_vragen, render_export
from conftest import FIXTURES, run_cli

PROJECT = FIXTURES / "export"
TODAY = dt.date(2025, 1, 15)
DEFAULT_IDS = ["embargo-verlopen", "hoeveel-meldingen", "wie-doet-wat"]  # library (file) order


@pytest.fixture(scope="module")
def lib():
    from briefings.content.library import open_library

    return open_library(PROJECT / "content")


def ids(export) -> list[str]:
    return [a.id for a in export.vragen]


def run(lib, fmt="md", **filters):
    return render_export(export_vragen(lib, VraagFilter(**filters), today=TODAY), fmt)


# -- filters ------------------------------------------------------------------------------


def test_default_is_final_public_answers_only(lib):
    export = export_vragen(lib, today=TODAY)
    assert ids(export) == DEFAULT_IDS  # no concept, no intern, no afgestemd, nothing under embargo
    assert export.audience == "openbaar"


@pytest.mark.parametrize("filters, expected", [
    ({"themas": ("representatie",)}, ["embargo-verlopen", "wie-doet-wat"]),
    ({"themas": ("veiligheid",)}, ["hoeveel-meldingen", "wie-doet-wat"]),
    ({"themas": ("veiligheid", "representatie")}, DEFAULT_IDS),  # any of the values
    ({"bronnen": ("monitor-open",)}, ["hoeveel-meldingen", "wie-doet-wat"]),
    ({"themas": ("representatie",), "bronnen": ("monitor-open",)}, ["wie-doet-wat"]),  # every filter
    ({"statussen": ("concept",)}, ["nog-in-concept"]),
    ({"statussen": ("concept", "definitief"), "themas": ("veiligheid",)},
     ["hoeveel-meldingen", "nog-in-concept", "wie-doet-wat"]),
    ({"classificaties": ("intern",)}, ["alleen-intern"]),
    ({"themas": ("toegankelijkheid",)}, []),
])
def test_filters(lib, filters, expected):
    assert ids(export_vragen(lib, VraagFilter(**filters), today=TODAY)) == expected


def test_unknown_filter_id_is_an_error_with_a_hint():
    result = run_cli("--root", str(PROJECT), "export", "vragen", "--thema", "toegankelijkhied")
    assert result.returncode == 1
    assert "unknown thema 'toegankelijkhied'" in result.stderr
    assert "did you mean 'toegankelijkheid'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_filters_are_repeatable():
    result = run_cli("--root", str(PROJECT), "export", "vragen", "--format", "json",
                     "--status", "concept", "--status", "definitief", "--thema", "veiligheid")
    assert result.returncode == 0, result.stderr
    assert [v["id"] for v in json.loads(result.stdout)["vragen"]] == \
        ["hoeveel-meldingen", "nog-in-concept", "wie-doet-wat"]


# -- what a reader sees, and what never leaves ----------------------------------------------


def test_figures_and_references_are_rendered_without_a_document(lib):
    text = run(lib, "md")
    assert "- 20,74% van de medewerkers meldt ongewenst gedrag." in text  # capital at the start of an item
    assert "Er deden 1.500 medewerkers mee, een respons van boven de 30%." in text
    assert "Zie het cijferoverzicht (de bijlage)" in text
    assert "het antwoord op ‘Wie doet wat bij <meldingen> & signalen?’." in text
    assert "[[" not in text


def test_themes_and_sources_are_listed(lib):
    text = run(lib, "md")
    assert "**Thema’s:** Representatie; Sociale veiligheid" in text
    assert ("- Onderzoeksbureau Stad, *Monitor veilig werken* (2024). "
            "Onderzoeksbureau Stad (2024), Monitor veilig werken") in text


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_officials_are_redacted_and_elected_officials_named(lib, fmt):
    text = run(lib, fmt)
    for name in ("Joost", "Bakkerveld"):  # through [[persoon:..]] and typed as plain text
        assert name.lower() not in text.lower()
    assert "5.1.2e werkt dit uit; 5.1.2e en 5.1.2e zijn bereikbaar." in text
    assert "Karin de Wit stuurt de raad een brief." in text


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_no_internal_fields(lib, fmt):
    text = run(lib, fmt)
    if fmt == "html":  # what a reader sees; markup such as role="status" is no field
        text = html.unescape(re.sub(r"<style>.*?</style>|<script>.*?</script>|<[^>]+>", " ", text, flags=re.S))
    text = text.lower()
    for internal in ("interne-aantekening-niet-delen",  # notitie
                     "0123456789abcdef",  # beoordeling (the date last checked is shown: issue 12)
                     "jansma",  # gesteld_door
                     "definitief", "status", "openbaar", "classificatie", "notitie", "beoordeling",
                     "gesteld"):
        assert internal not in text, internal


def test_json_shape(lib):
    data = json.loads(run(lib, "json"))
    assert set(data) == {"stand", "aantal", "vragen"}
    assert data["stand"] == "2025-01-15"
    assert data["aantal"] == 3
    first = data["vragen"][1]
    assert set(first) == {"id", "vraag", "antwoord", "status", "gecontroleerd", "gebruikt_in", "themas", "bronnen"}
    assert first["id"] == "hoeveel-meldingen"
    assert first["vraag"] == "Hoeveel medewerkers melden ongewenst gedrag?"
    assert first["antwoord"].startswith("- 20,74% van de medewerkers")
    assert first["status"] == "definitief"
    assert first["themas"] == [{"id": "veiligheid", "titel": "Sociale veiligheid"}]
    assert first["bronnen"] == [{"id": "monitor-open", "organisatie": "Onderzoeksbureau Stad",
                                 "titel": "Monitor veilig werken", "jaar": "2024",
                                 "referentie": "Onderzoeksbureau Stad (2024), Monitor veilig werken"}]
    assert "INTERNE" not in json.dumps(data)


# -- embargo and audience -----------------------------------------------------------------------


def test_embargo_is_left_out_of_public_exports(lib):
    export = export_vragen(lib, VraagFilter(themas=("representatie",)), today=TODAY)
    assert "onder-embargo" not in ids(export)
    assert "embargo-verlopen" in ids(export)  # the date has passed
    assert any("onder-embargo" in n and "niet openbaar voor 1 juni 2999" in n for n in export.notes)


def test_embargo_ends_on_its_date(lib):
    before = export_vragen(lib, VraagFilter(themas=("representatie",)), today=dt.date(2999, 5, 31))
    assert "onder-embargo" not in ids(before)
    on_the_day = export_vragen(lib, VraagFilter(themas=("representatie",)), today=dt.date(2999, 6, 1))
    assert "onder-embargo" in ids(on_the_day)


def test_internal_audience_sees_embargoed_items(lib):
    export = export_vragen(lib, VraagFilter(classificaties=("openbaar", "intern")), today=TODAY)
    assert "onder-embargo" in ids(export)
    assert "alleen-intern" in ids(export)
    assert export.audience == "intern"


def test_classification_above_openbaar_notes_not_for_publication():
    result = run_cli("--root", str(PROJECT), "export", "vragen", "--classificatie", "intern")
    assert result.returncode == 0, result.stderr
    assert "not for publication" in result.stderr
    assert "Welke afdeling heeft de meeste meldingen?" in result.stdout
    public = run_cli("--root", str(PROJECT), "export", "vragen")
    assert "not for publication" not in public.stderr


# -- writing -------------------------------------------------------------------------------------


def test_out_writes_the_file(tmp_path):
    target = tmp_path / "sub" / "vragen.json"
    result = run_cli("--root", str(PROJECT), "export", "vragen", "--format", "json", "--out", str(target))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["aantal"] == 3
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


# -- the HTML page ---------------------------------------------------------------------------------


class _Page(HTMLParser):
    """Tags, attributes and text of a page, checking that elements nest properly."""

    VOID = {"meta", "input", "br", "hr", "img", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, list[str]] = {}
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        for tag in self.stack:
            self.text.setdefault(tag, []).append(data)

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def page_html(lib) -> str:
    return run(lib, "html")


@pytest.fixture(scope="module")
def page(page_html) -> _Page:
    parsed = _Page()
    parsed.feed(page_html)
    parsed.close()
    return parsed


def test_html_is_one_accessible_page(page_html, page):
    assert page_html.startswith("<!DOCTYPE html>\n<html lang=\"nl\">")
    assert page.errors == [] and page.stack == []
    assert page.all("meta")[0] == {"charset": "utf-8"}
    assert "".join(page.text["title"]) == "Vragen en antwoorden"
    assert len(page.all("h1")) == 1
    assert len(page.all("h2")) == 3
    search = page.all("input")
    assert search == [{"type": "search", "id": "zoek", "name": "zoek", "autocomplete": "off", "spellcheck": "false",
                       "aria-controls": "antwoorden", "aria-describedby": "aantal"}]
    assert page.all("label") == [{"for": "zoek"}]
    assert page.all("p")[1]["aria-live"] == "polite"
    assert "3 van 3 antwoorden zichtbaar" in "".join(page.text["p"])


def test_html_answers_are_real_lists(page):
    assert len(page.all("ul")) >= 2
    assert len(page.all("ol")) == 1
    assert "De leidinggevende luistert." in "".join(page.text["li"])


def test_html_escapes_content_and_loads_nothing_external(page_html, page):
    assert "<script>alert" not in page_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page_html
    assert "Wie doet wat bij &lt;meldingen&gt; &amp; signalen?" in page_html
    assert len(page.all("script")) == 1 and page.all("script")[0] == {}  # inline only
    assert page.all("link") == [] and page.all("img") == [] and page.all("iframe") == []
    assert not re.search(r"\b(?:src|href)\s*=|url\(|@import", page_html)


# -- the page in a real browser -------------------------------------------------------------------


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("chromium is not installed; run scripts/test, which installs it", pytrace=False)


def open_in_chromium(page: Path, fragment: str, profile: Path) -> tuple[str, str]:
    """The DOM after the page's scripts ran, and Chromium's log (console messages included)."""
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               "--dump-dom", page.as_uri() + fragment]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def visible(dom: str) -> list[str]:
    """Ids of the answers the page shows."""
    return [m.group(1) for m in re.finditer(r'<article class="vraag" id="vraag-([a-z0-9-]+)"([^>]*)>', dom)
            if "hidden" not in m.group(2)]


def console_problems(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if ":CONSOLE" in line and ("Uncaught" in line or "ERROR:CONSOLE" in line or "error" in line.lower())]


@pytest.mark.clients
@pytest.mark.parametrize("fragment, expected, count", [
    ("", DEFAULT_IDS, "3 van 3 antwoorden zichtbaar"),
    ("#zoek=luistert", ["wie-doet-wat"], "1 van 3 antwoorden zichtbaar"),
    ("#zoek=MEDEWERKERS%20gedrag", ["hoeveel-meldingen"], "1 van 3 antwoorden zichtbaar"),  # every word, any case
    ("#zoek=monitor+veilig", ["hoeveel-meldingen", "wie-doet-wat"], "2 van 3 antwoorden zichtbaar"),  # sources too
    ("#zoek=niets-zoals-dit", [], "0 van 3 antwoorden zichtbaar"),
])
def test_search_box_filters_answers_in_chromium(page_html, tmp_path, fragment, expected, count):
    target = tmp_path / "vragen.html"
    target.write_text(page_html, encoding="utf-8")
    dom, log = open_in_chromium(target, fragment, tmp_path / "profiel")
    assert visible(dom) == expected
    assert f'data-zichtbaar="{len(expected)}">{count}</p>' in dom
    nothing_found = re.search(r'<p id="geen"( hidden="")?>', dom)
    assert bool(nothing_found.group(1)) == bool(expected)
    assert console_problems(log) == []


@pytest.mark.clients
def test_page_reports_script_errors_to_the_test(page_html, tmp_path):
    """The console check above can see a failing script: break the page and look."""
    target = tmp_path / "kapot.html"
    target.write_text(page_html.replace('getElementById("zoek")', 'getElementById("bestaat-niet")'), encoding="utf-8")
    dom, log = open_in_chromium(target, "#zoek=luistert", tmp_path / "profiel")
    assert any("Uncaught" in line for line in console_problems(log))


def test_each_answer_shows_when_it_was_last_checked_and_where_it_was_used():
    result = run_cli("export", "vragen", "--classificatie", "intern")
    assert result.returncode == 0, result.stderr
    assert "**Laatst gecontroleerd:** 4 juli 2024" in result.stdout
    assert "**Gebruikt in:** Kwantitatief onderzoek van Verwey-Jonker naar ervaren discriminatie en ander " \
           "ongewenst gedrag (4 juli 2024)" in result.stdout


def test_classificatie_is_the_audience_as_in_build():
    """--classificatie intern includes the openbaar answers too, as `build --classificatie` does."""
    intern = run_cli("--root", str(PROJECT), "export", "vragen", "--classificatie", "intern", "--format", "json")
    public = run_cli("--root", str(PROJECT), "export", "vragen", "--format", "json")
    intern_ids = {v["id"] for v in json.loads(intern.stdout)["vragen"]}
    assert {v["id"] for v in json.loads(public.stdout)["vragen"]} < intern_ids


def test_an_empty_export_says_which_filter_left_what_out():
    result = run_cli("export", "vragen")
    assert result.returncode == 0
    assert "no questions match: of 65 questions, left out" in result.stderr
    assert "65 by --classificatie (to include them: --classificatie intern (not for publication))" in result.stderr


def test_the_cli_export_prints_the_projects_notation_of_the_ground(tmp_path):
    """The shipped notation is that of the released sources ("5.1, 2, e"); the export follows it, as builds do."""
    import shutil

    from conftest import run_cli

    shutil.copytree(PROJECT / "content", tmp_path / "content")
    (tmp_path / "briefings.yaml").write_text('content: content\nwoo:\n  notatie: "{artikel}, {lid}, {sub}"\n',
                                             encoding="utf-8")
    result = run_cli("--root", str(tmp_path), "export", "vragen")
    assert result.returncode == 0, result.stderr
    assert "5.1, 2, e werkt dit uit; 5.1, 2, e en 5.1, 2, e zijn bereikbaar." in result.stdout
    assert "5.1.2e" not in result.stdout and "Bakkerveld" not in result.stdout
