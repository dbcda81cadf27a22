"""The build manifest (`build/.briefings-manifest.json`): per output, a hash of its inputs (see incremental)
with the output's size and modification time. Whether anything changed at all is answered before the
library loads, by `quick`."""
from __future__ import annotations

import json
from pathlib import Path

from briefings import __version__
from briefings.documents.quick import MANIFEST


def read_manifest(out_dir: Path) -> dict:
    """The whole manifest: {"outputs": {name: entry}}; empty when unreadable."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"outputs": {}}
    outputs = data.get("outputs") if isinstance(data, dict) else None
    return {"outputs": outputs if isinstance(outputs, dict) else {}}


def write_manifest(out_dir: Path, manifest: dict) -> None:
    from briefings.writers.files import write_text_atomic

    kept = {name: entry for name, entry in sorted(manifest["outputs"].items()) if (out_dir / name).is_file()}
    text = json.dumps({"briefings": __version__, "outputs": kept}, indent=1, sort_keys=True, ensure_ascii=False)
    write_text_atomic(out_dir / MANIFEST, text + "\n")
