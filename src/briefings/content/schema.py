"""JSON Schema for every content file kind, published for editors (yaml-language-server)."""
from __future__ import annotations

import json
from pathlib import Path

from briefings.content import model as m
from briefings.errors import BriefingsError, did_you_mean

# schema name → model; documents get one schema per soort plus a combined one
SCHEMAS: dict[str, type] = {
    "bron": m.Bron,
    "cijfers": m.CijferBestand,
    "thema": m.Thema,
    "maatregel": m.Maatregel,
    "prestatieafspraken": m.Prestatieafspraken,
    "vraag": m.Vraag,
    "kernboodschap": m.Kernboodschap,
    "persoon": m.Persoon,
    "toezegging": m.Toezegging,
    **{f"document-{soort}": cls for soort, cls in m.DOCUMENT_SOORTEN.items()},
}

# fields the model fills in when another is given (a model_validator): required only without it
OPTIONAL_WITH: dict[str, tuple[tuple[str, str], ...]] = {"vraag": (("antwoord", "antwoord_van"),)}


def schema_for(name: str) -> dict:
    if name == "document":
        variants = [schema_for(f"document-{s}") for s in m.DOCUMENT_SOORTEN]
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Document",
                "oneOf": [{"$ref": f"document-{s}.schema.json"} for s in m.DOCUMENT_SOORTEN],
                "$comment": f"{len(variants)} document kinds"}
    cls = SCHEMAS.get(name)
    if cls is None:
        raise BriefingsError(f"unknown schema '{name}'", hint=did_you_mean(name, [*SCHEMAS, "document"])
                             or f"schemas: {', '.join([*SCHEMAS, 'document'])}")
    schema = cls.model_json_schema(mode="validation")
    for field, unless in OPTIONAL_WITH.get(name, ()):
        schema["required"] = [key for key in schema.get("required", []) if key != field]
        schema.setdefault("allOf", []).append({"if": {"not": {"required": [unless]}}, "then": {"required": [field]}})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{name}.schema.json"
    return schema


def schema_text(name: str | None) -> str:
    if name is None:
        return "\n".join([*SCHEMAS, "document"])
    return json.dumps(schema_for(name), ensure_ascii=False, indent=2)


def write_schemas(out: str) -> list[Path]:
    from briefings.writers.files import write_text_atomic

    folder = Path(out)
    written = []
    for name in [*SCHEMAS, "document"]:
        path = folder / f"{name}.schema.json"
        write_text_atomic(path, json.dumps(schema_for(name), ensure_ascii=False, indent=2) + "\n")
        written.append(path)
    return written
