"""Where a project's content, templates and output live, and its settings (briefings.yaml)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError, Location

CONFIG_NAME = "briefings.yaml"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the source checkout: built-in content lives here

DEFAULTS = {
    "content": "content",
    "templates": "templates",
    "build": "build",
    "standaard_document": "annotatie-fkd-verwey-jonker",
    "checks": {},
}

CHECK_DEFAULTS = {
    "max_leeftijd_cijfer_dagen": 730,  # a figure older than this, relative to the document date, is stale
    "gelijkenis_drempel": 0.85,  # near-duplicate questions at or above this similarity
    "ernst": {},  # rule id → error | warning | info | off
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


def find_root(start: Path | None = None) -> Path:
    """The nearest folder upwards holding briefings.yaml or content/; else the built-in project."""
    env = os.environ.get("BRIEFINGS_ROOT")
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file() or (folder / "content").is_dir():
            return folder
    return PACKAGE_ROOT


def load_project(root: Path | None = None) -> Project:
    root = Path(root) if root else find_root()
    settings = dict(DEFAULTS)
    config_path = root / CONFIG_NAME
    if config_path.is_file():
        from .load import display_path
        from .yamlpos import load_yaml, position_of

        shown = display_path(config_path)
        data = load_yaml(config_path.read_text(encoding="utf-8"), shown) or {}
        if not isinstance(data, dict):
            raise ContentError("expected a mapping of settings", Location(shown, 1, 1))
        for key, value in data.items():
            if key not in DEFAULTS:
                from .errors import did_you_mean

                pos = position_of(data, (key,), key_itself=True)
                raise ContentError(f"unknown setting '{key}'", Location(shown, pos.line, pos.col),
                                   did_you_mean(key, DEFAULTS) or f"settings: {', '.join(DEFAULTS)}")
            settings[key] = value
        checks = settings.get("checks") or {}
        for key in checks:
            if key not in CHECK_DEFAULTS:
                from .errors import did_you_mean

                pos = position_of(data, ("checks", key), key_itself=True)
                raise ContentError(f"unknown check setting '{key}'", Location(shown, pos.line, pos.col),
                                   did_you_mean(key, CHECK_DEFAULTS))
    else:
        config_path = None
    checks = {**CHECK_DEFAULTS, **(settings.get("checks") or {})}
    return Project(
        root=root,
        content=root / settings["content"],
        templates=root / settings["templates"],
        build=root / settings["build"],
        standaard_document=settings["standaard_document"],
        checks=checks,
        config_path=config_path,
    )
