"""Stage 1 for a build of some documents: load only the files those documents need.

A document needs itself, every item it refers to and, upstream, every item those refer to (a question's
figures, their sources, the answers it takes over, ...), and what its overviews list: all measures for an
overview of interventions, all sources with recommendations for an overview that names none, and for each
recommendation the measures that answer it. Every build also loads all themes and people (the templates
list themes; Woo redaction knows every person). A library built from those files gives the document the
same items, the same output and, for every rule that does not compare an item with the whole library,
the same findings (`briefings check` still checks the whole library).

Which file holds which id comes from a text scan of each file (its `id:` keys; for a measure every word from
its `naar_aanleiding_van` key on, or every word of a file with an anchor), kept per file in the cache folder and
redone for a file that changed. The scan
only proposes files: what is loaded is parsed and resolved as ever. Whatever it cannot settle (an id that
no file seems to hold, a file that does not parse, a reference that does not resolve, a link leading
outside the content folder) makes the build load the whole library, so that errors read exactly as
`briefings check` gives them.

Libraries of fewer than SCOPE_MIN_FILES files are loaded whole: finding what to load would take longer
than loading it. BRIEFINGS_SCOPE=1 scopes a build of any size, BRIEFINGS_SCOPE=0 never.
"""
from __future__ import annotations

import os
import re
import time

from briefings import paths
from briefings.content import model as m
from briefings.content.load import (Content, content_paths, add_objects, building, parse_files,
                                    read_include)
from briefings.errors import BriefingsError

SCOPE_MIN_FILES = 500
CACHE_MIN_FILES = 1000  # a closure this large is read from the parse cache (when there is one), not parsed
RACY_SECONDS = 2  # a file changed this recently may change again within the same timestamp: not kept
INDEX_VERSION = 3

# `id: x` as a key of a block mapping (also `- id: x`) or of a flow mapping (`{id: x, ...}`), quoted or not
_ID = re.compile(r"""(?:^[ \t-]*|[{,][ \t]*)['"]?id['"]?[ \t]*:[ \t]*['"]?([a-z0-9][a-z0-9-]*)""", re.M)
_TOP_ID = re.compile(r"""^['"]?id['"]?[ \t]*:[ \t]*['"]?([a-z0-9][a-z0-9-]*)""", re.M)  # a file's own id
_SOORT = re.compile(r"""^['"]?soort['"]?[ \t]*:[ \t]*['"]?([a-z][a-z-]*)""", re.M)  # a document's kind
_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")

_WHOLE_FOLDERS = ("themas", "personen")
_MEASURES = "maatregelen"
_ANSWERS = "naar_aanleiding_van"  # the key of a measure that names the recommendations it answers


def setting() -> str:
    return os.environ.get("BRIEFINGS_SCOPE", "auto").strip().lower()


class Unsettled(Exception):
    """The scan cannot say which files a build needs: load the whole library."""


def scoped_library(project, pick):
    """A Library of what the documents that `pick(documents)` names need, or None to load the whole library.

    `pick` gets {document id: soort or None} of every document file the scan found and returns the ids of
    the documents to build, or None when it cannot tell."""
    from briefings.content.library import Library

    if setting() in ("0", "off", "no", "false"):
        return None
    root = project.content
    try:
        if any(entry.is_dir() and not entry.name.startswith(".") and entry.name not in m.KINDS
               for entry in os.scandir(root)):
            return None  # an unknown folder: reported by a whole load
        outside: list[str] = []
        files = content_paths(root, outside)
        if outside or (setting() not in ("1", "on", "yes", "true") and len(files) < SCOPE_MIN_FILES):
            return None
        scan = _scan(root, files)
        documents = {}
        for folder, path in files:
            if folder == "documenten":
                top = scan[path][1]
                if top is None:
                    return None  # a document whose id the scan cannot tell
                documents[top[0]] = top[1]
        wanted = pick(documents)
        if not wanted:
            return None
        with building(freeze=False):  # many objects, no cycles: the collector would only cost time
            return Library(_load(root, files, scan, wanted))
    except (Unsettled, BriefingsError, OSError):
        return None


def _load(root, files: list[tuple[str, str]], scan: dict, wanted: list[str]) -> Content:
    from briefings.content.library import walk_refs

    defined: dict[str, list[str]] = {}
    by_folder: dict[str, list[str]] = {}
    for folder, path in files:
        by_folder.setdefault(folder, []).append(path)
        for item_id in scan[path][0]:
            defined.setdefault(item_id, []).append(path)
    folder_of = {path: folder for folder, path in files}
    chosen: set[str] = set()
    pending: list[str] = []
    whole: set[str] = set()

    def want(path: str) -> None:
        if path not in chosen:
            chosen.add(path)
            pending.append(path)

    def want_id(item_id: str) -> None:
        found = defined.get(item_id)
        if not found:
            raise Unsettled(item_id)
        for path in found:  # an id in two files: both, so that the duplicate is reported
            want(path)

    def want_folder(folder: str) -> None:
        if folder not in whole:
            whole.add(folder)
            for path in by_folder.get(folder, ()):
                want(path)

    for doc_id in wanted:
        want_id(doc_id)
    for folder in _WHOLE_FOLDERS:
        want_folder(folder)
    objects: dict[str, object] = {}
    naming: dict[str, list[str]] | None = None
    cache = None
    while pending:
        batch, pending[:] = sorted(pending), []
        errors: list[BriefingsError] = []
        if cache is None and len(batch) >= CACHE_MIN_FILES:
            from briefings.content.cache import ParseCache

            cache = ParseCache.open(root, len(files))  # read, never written: it holds the whole library
        parsed = parse_files(root, [(folder_of[path], path) for path in batch], cache, errors)
        if errors:
            raise Unsettled("a file does not load")
        objects.update(zip(batch, parsed))
        part = Content(root=root)
        add_objects(part, parsed)
        for item in part.items:
            if isinstance(item, m.Document):
                for bijlage in item.bijlagen:
                    if bijlage.bestand is not None:
                        read_include(root, bijlage)
                _overviews(item, want_folder)
            for link in walk_refs(item):
                want_id(link.target)
            if isinstance(item, m.Aanbeveling):  # the measures that answer it
                if naming is None:  # word → the measure files that hold it, for the ids of source files
                    naming = {}
                    named = {i for path in by_folder.get("bronnen", ()) for i in scan[path][0]}
                    for path in by_folder.get(_MEASURES, ()):
                        for word in scan[path][2].split():
                            if word in named:
                                naming.setdefault(word, []).append(path)
                for path in naming.get(item.id, ()):
                    want(path)
        for obj in parsed:
            if isinstance(obj, m.CijferBestand) and obj.bron:  # the parent of its figures
                want_id(obj.bron)
    content = Content(root=root)
    order = [(folder, path) for folder, path in files if path in objects]
    content.paths = [path for _, path in order]
    add_objects(content, [objects[path] for _, path in order])
    return content


def _overviews(doc: m.Document, want_folder) -> None:
    """The folders a document's library-wide overviews list."""
    for bijlage in doc.bijlagen:
        if bijlage.overzicht == "interventies":
            want_folder(_MEASURES)
        elif bijlage.overzicht in ("maatregelen-onderzoeken", "aanbevelingen") and not bijlage.bronnen:
            want_folder("bronnen")
    if isinstance(doc, m.Matrix) and not doc.bronnen:
        want_folder("bronnen")


# -- the scan, kept per file in the cache folder ------------------------------------------------------------


def _scan(root, files: list[tuple[str, str]]) -> dict[str, tuple]:
    """path → (ids, top, words) of every content file: its `id:` values; for a document (its own id, its
    soort), else None; for a measure the words that could name a recommendation, else nothing."""
    from briefings.snapshots import stat_of

    record_path = os.path.join(paths.root_cache_folder(root), "id-scan")
    kept = None if paths.caching_off() else paths.read_marshal(record_path)
    if not (isinstance(kept, tuple) and len(kept) == 2 and kept[0] == INDEX_VERSION and isinstance(kept[1], dict)):
        kept = (INDEX_VERSION, {})
    old = kept[1]
    found: dict[str, tuple] = {}
    keep: dict[str, tuple] = {}
    racy = time.time_ns() - RACY_SECONDS * 1_000_000_000
    changed = False
    for folder, path in files:
        st = stat_of(path)
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        entry = old.get(path)
        if entry is None or entry[0] != key:
            entry = (key, _scan_file(folder, path))
            changed = True
            if max(st.st_mtime_ns, st.st_ctime_ns) >= racy:
                found[path] = entry[1]
                continue
        found[path] = entry[1]
        keep[path] = entry
    if (changed or len(keep) != len(old)) and not paths.caching_off():
        paths.write_marshal(record_path, (INDEX_VERSION, keep))
    return found


def _scan_file(folder: str, path: str) -> tuple:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        raise Unsettled(path) from None
    ids = tuple(_ID.findall(text))
    top = None
    if folder == "documenten":
        own, soort = _TOP_ID.search(text), _SOORT.search(text)
        top = (own.group(1), soort.group(1) if soort else None) if own else None
    words = ""
    if folder == _MEASURES:  # what it answers is named after the key (or, through an anchor, anywhere)
        start = 0 if "&" in text else text.find(_ANSWERS)
        words = " ".join(sorted(set(_WORD.findall(text, start)))) if start >= 0 else ""
    return ids, top, words
