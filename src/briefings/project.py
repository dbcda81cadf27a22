"""Where a project's content, templates and output live, and its settings (briefings.yaml)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from briefings import paths
from briefings.checks.settings import CHECK_DEFAULTS
from briefings.errors import ContentError, Location
from briefings.paths import CONFIG_NAME

PACKAGE_ROOT = Path(paths.PACKAGE_ROOT)  # the source checkout: built-in content lives here

DEFAULTS = {
    "content": "content",
    "templates": "templates",
    "build": "build",
    "standaard_document": "annotatie-fkd-verwey-jonker",
    "checks": {},
    "woo": {},
}

_TOOI = "https://identifier.overheid.nl/tooi/def/thes/kern/"
# Woo publication settings (briefings.yaml, `woo:`); the URIs are TOOI values of the DiWoo 0.9.8 value lists.
WOO_DEFAULTS = {
    "notatie": "{artikel}, {lid}, {sub}",  # how a ground prints: 5.1.2e as "5.1, 2, e", like the released sources
    "weglating": "[{grond}]",  # what stands where a fragment was withheld
    "uitgever": "https://identifier.overheid.nl/tooi/id/gemeente/gm0363",  # gemeente Amsterdam
    "publicatie_url": "https://example.org/woo/",  # where build/woo/ is served, for the sitemap
    "taal": "http://publications.europa.eu/resource/authority/language/NLD",
    "informatiecategorie": {
        "annotatie": _TOOI + "c_db4862c3",  # vergaderstukken decentrale overheden
        "raadsbrief": _TOOI + "c_8c840238",  # bij vertegenwoordigende organen ingekomen stukken
        "factsheet": _TOOI + "c_fdaee95e",  # onderzoeksrapporten
        "achtergrondnotitie": _TOOI + "c_40a05794",  # organisatie en werkwijze
        "agenda": _TOOI + "c_40a05794",
        "matrix": _TOOI + "c_99a836c7",  # adviezen
    },
}


@dataclass
class Project:
    root: Path
    content: Path
    templates: Path
    build: Path
    standaard_document: str
    checks: dict = field(default_factory=dict)
    config_path: Path | None = None
    woo: dict = field(default_factory=lambda: dict(WOO_DEFAULTS))


def _check_types(data: dict, shown: str) -> None:
    """Settings of the wrong type, as `briefings.yaml:line:col: message`."""
    from briefings.content.yamlpos import position_of

    def fail(loc: tuple, message: str, hint: str | None = None):
        pos = position_of(data, loc)
        raise ContentError(f"{'.'.join(loc)}: {message}", Location(shown, pos.line, pos.col), hint)

    for key in ("content", "templates", "build", "standaard_document"):
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            fail((key,), f"expected a path or name, got {data[key]!r:.40}")
    checks = data.get("checks")
    if checks is None:
        return
    if not isinstance(checks, dict):
        fail(("checks",), "expected a mapping of check settings", f"settings: {', '.join(CHECK_DEFAULTS)}")
    days = checks.get("max_leeftijd_cijfer_dagen", 0)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        fail(("checks", "max_leeftijd_cijfer_dagen"), f"expected a whole number of days (0 or more), got {days!r:.40}")
    threshold = checks.get("gelijkenis_drempel", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        fail(("checks", "gelijkenis_drempel"), f"expected a number from 0 to 1, got {threshold!r:.40}",
             "0.85 reports questions that are 85% the same or more")
    ernst = checks.get("ernst")
    if ernst is not None and not isinstance(ernst, dict):
        fail(("checks", "ernst"), "expected a mapping of rule id to error, warning, info or off")
    _check_woo(data, fail)


def _check_woo(data: dict, fail) -> None:
    from briefings.errors import did_you_mean

    woo = data.get("woo")
    if woo is None:
        return
    if not isinstance(woo, dict):
        fail(("woo",), "expected a mapping of Woo publication settings", f"settings: {', '.join(WOO_DEFAULTS)}")
    for key, value in woo.items():
        if key not in WOO_DEFAULTS:
            fail(("woo", key), f"unknown Woo setting '{key}'", did_you_mean(str(key), WOO_DEFAULTS)
                 or f"settings: {', '.join(WOO_DEFAULTS)}")
        if key == "informatiecategorie":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                fail(("woo", key), "expected a mapping of document kind to a TOOI URI")
        elif not isinstance(value, str) or not value.strip():
            fail(("woo", key), f"expected text, got {value!r:.40}")
    notatie = woo.get("notatie", WOO_DEFAULTS["notatie"])
    if "{artikel}" not in notatie:
        fail(("woo", "notatie"), "the notation must hold {artikel}", 'e.g. "{artikel}, {lid}, {sub}" or "{artikel}.{lid}{sub}"')
    if "{grond}" not in woo.get("weglating", "{grond}"):
        fail(("woo", "weglating"), "the text for a withheld fragment must hold {grond}", 'e.g. "[{grond}]"')


def _check_severities(data: dict, shown: str) -> None:
    """Unknown rules and severities in checks.ernst, where they stand (`briefings check --list-rules`)."""
    ernst = (data.get("checks") or {}).get("ernst") or {}
    if not ernst:
        return
    from briefings.checks.rules import OFF, RULES
    from briefings.errors import did_you_mean
    from briefings.checks.report import SEVERITIES
    from briefings.content.yamlpos import position_of

    known = {r.id for r in RULES}
    for rule_id, severity in ernst.items():
        if rule_id not in known:
            pos = position_of(data, ("checks", "ernst", rule_id), key_itself=True)
            raise ContentError(f"checks.ernst: unknown rule '{rule_id}'", Location(shown, pos.line, pos.col),
                               did_you_mean(str(rule_id), known) or f"rules: {', '.join(sorted(known))}")
        if severity not in (*SEVERITIES, OFF):
            pos = position_of(data, ("checks", "ernst", rule_id))
            raise ContentError(f"checks.ernst.{rule_id}: '{severity}' is not one of error, warning, info, off",
                               Location(shown, pos.line, pos.col), did_you_mean(str(severity), (*SEVERITIES, OFF)))


def load_project(root: Path | None = None) -> Project:
    root = Path(root if root else paths.find_root())
    settings = dict(DEFAULTS)
    config_path = root / CONFIG_NAME
    if config_path.is_file():
        from briefings.content.yamlpos import load_yaml, position_of

        shown = paths.display_path(config_path)
        try:
            text = config_path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            from briefings.errors import not_utf8

            raise not_utf8(shown, config_path.read_bytes()) from None
        data = load_yaml(text, shown) or {}
        if not isinstance(data, dict):
            raise ContentError("expected a mapping of settings", Location(shown, 1, 1))
        for key, value in data.items():
            if key not in DEFAULTS:
                from briefings.errors import did_you_mean

                pos = position_of(data, (key,), key_itself=True)
                raise ContentError(f"unknown setting '{key}'", Location(shown, pos.line, pos.col),
                                   did_you_mean(key, DEFAULTS) or f"settings: {', '.join(DEFAULTS)}")
            settings[key] = value
        _check_types(data, shown)
        checks = settings.get("checks") or {}
        for key in checks:
            if key not in CHECK_DEFAULTS:
                from briefings.errors import did_you_mean

                pos = position_of(data, ("checks", key), key_itself=True)
                raise ContentError(f"unknown check setting '{key}'", Location(shown, pos.line, pos.col),
                                   did_you_mean(key, CHECK_DEFAULTS))
        _check_severities(data, shown)
    else:
        config_path = None
    checks = {**CHECK_DEFAULTS, **(settings.get("checks") or {})}
    woo = {**WOO_DEFAULTS, **(settings.get("woo") or {})}
    woo["informatiecategorie"] = {**WOO_DEFAULTS["informatiecategorie"],
                                  **((settings.get("woo") or {}).get("informatiecategorie") or {})}
    return Project(
        root=root,
        content=root / settings["content"],
        templates=root / settings["templates"],
        build=root / settings["build"],
        standaard_document=settings["standaard_document"],
        checks=checks,
        config_path=config_path,
        woo=woo,
    )
