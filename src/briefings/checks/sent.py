"""Sent documents (`briefings verzend`): the library as it was sent, and what changed in it since."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from briefings.content import model as m
from briefings.content.library import Library, open_library
from briefings.content.revisions import export_content, repo_root, RevisionError
from briefings.content.positions import locate
from briefings.errors import Location


def library_at(content: Path, commit: str) -> Library:
    """The library of the content folder as it was at commit (loaded from a temporary copy)."""
    from pathlib import PurePosixPath

    content = Path(content).resolve()
    repo = repo_root(content).resolve()
    folder = Path(tempfile.mkdtemp(prefix="briefings-verzonden-"))
    try:
        rel = PurePosixPath(content.relative_to(repo).as_posix())
        return open_library(export_content(repo, commit, rel, folder), save_cache=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_FROZEN_FIELDS = {"status", "verzending"}  # what `verzend` itself writes into the spec


def _dump(item: m.Item) -> dict:
    data = item.model_dump(mode="json", exclude_none=True)
    if isinstance(item, m.Document):
        data = {k: v for k, v in data.items() if k not in _FROZEN_FIELDS}
    if isinstance(item, m.Vraag):
        data.pop("beoordeling", None)  # a new review changes no text
    return data


def changes_since_sent(lib: Library, doc: m.Document) -> list[tuple[Location, str, str]]:
    """(where, item id, what) for each item whose change since the document was sent would alter a build of it."""
    sent = doc.verzending
    try:
        old = library_at(lib.root, sent.commit)
    except (RevisionError, OSError) as exc:
        return [(locate(doc, "verzending", "commit"), doc.id,
                 f"the sent version ({sent.commit[:12]}) cannot be read: {exc}")]
    then = {item.id: item for item in old.uses(old.by_id[doc.id])} if isinstance(old.by_id.get(doc.id), m.Document) \
        else {}
    now = {item.id: item for item in lib.uses(doc)}
    found = []
    for item_id, item in now.items():
        before = then.get(item_id)
        if before is None:
            found.append((locate(item), item_id, f"{item.kind} '{item_id}' was added"))
        elif _dump(before) != _dump(item):
            found.append((locate(item), item_id, f"{item.kind} '{item_id}' changed"))
    for item_id, item in then.items():
        if item_id not in now:
            found.append((locate(doc), item_id, f"{item.kind} '{item_id}' was left out"))
    return found
