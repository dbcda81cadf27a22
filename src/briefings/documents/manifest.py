"""The build manifest (`build/.briefings-manifest.json`), and the quick answer to "did anything change?".

The manifest records, per output, a hash of its inputs (see incremental) with the output's size and
modification time. Computing those hashes needs the library loaded. So the manifest also keeps, per
build request (kind, document, formats, options, folders), a snapshot of the files a build reads:
the path, size, modification and change time and inode of every file under the content and template
folders, the settings file and the reference document, and the code of briefings itself. When the
snapshot taken now equals the one recorded, and every output is still the file that build wrote,
nothing changed: `build` answers without loading the library, importing only what this module does.

A snapshot is taken before the library loads, so a file changed while a build runs makes the next
snapshot differ. A file changed in the last RACY_SECONDS may change again within the same timestamp:
such a snapshot is not recorded. A symbolic link anywhere in those folders switches the quick answer
off (a linked file's own changes would not show).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from briefings import __version__

MANIFEST = ".briefings-manifest.json"
RACY_SECONDS = 2
KEEP_REQUESTS = 16  # snapshots of this many different requests are kept


def read_manifest(out_dir: Path) -> dict:
    """The whole manifest: {"outputs": {name: entry}, "quick": {request: snapshot}}; empty when unreadable."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"outputs": {}, "quick": {}}
    if not isinstance(data, dict):
        data = {}
    outputs, quick = data.get("outputs"), data.get("quick")
    return {"outputs": outputs if isinstance(outputs, dict) else {}, "quick": quick if isinstance(quick, dict) else {}}


def write_manifest(out_dir: Path, manifest: dict) -> None:
    from briefings.writers.files import write_text_atomic

    kept = {name: entry for name, entry in sorted(manifest["outputs"].items()) if (out_dir / name).is_file()}
    newest = sorted(manifest.get("quick", {}).items(), key=lambda item: _recorded_at(item[1]))[-KEEP_REQUESTS:]
    quick = dict(newest)
    text = json.dumps({"briefings": __version__, "outputs": kept, "quick": quick}, indent=1, sort_keys=True,
                      ensure_ascii=False)
    write_text_atomic(out_dir / MANIFEST, text + "\n")


def _recorded_at(entry) -> int:
    at = entry.get("at") if isinstance(entry, dict) else None
    return at if isinstance(at, int) else 0


_CODE_KEY: str | None = None


def code_key() -> str:
    """Changes with the version of briefings and with any change to its code."""
    global _CODE_KEY
    if _CODE_KEY is None:
        digest = hashlib.sha256(__version__.encode())
        package = Path(__file__).parents[1]  # the whole briefings package
        for path in sorted(package.rglob("*.py")):
            st = path.stat()
            digest.update(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        _CODE_KEY = digest.hexdigest()
    return _CODE_KEY


class _Linked(Exception):
    pass


def snapshot(project, request: list) -> tuple[str, str | None]:
    """(request key, snapshot of the files a build of that request reads); the snapshot is None when it
    cannot be trusted (a symbolic link, an unreadable folder, a file changed too recently)."""
    request_key = hashlib.sha256(json.dumps(
        [str(Path(p).resolve()) for p in (project.root, project.content, project.templates, project.build)]
        + [str(project.config_path or "")] + request, default=str).encode()).hexdigest()[:32]
    lines: list[str] = [code_key()]
    newest = 0
    try:
        for folder in (project.content, project.templates):
            newest = max(newest, _walk(Path(folder), lines))
        for extra in (project.config_path, *[Path(r) for r in request if isinstance(r, Path)]):
            if extra is not None:
                newest = max(newest, _stat_line(str(extra), os.stat(extra), lines))
    except (OSError, _Linked):
        return request_key, None
    if time.time_ns() - newest < RACY_SECONDS * 1_000_000_000:
        return request_key, None
    return request_key, hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def _walk(folder: Path, lines: list[str]) -> int:
    newest = 0
    if os.path.islink(folder):
        raise _Linked
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    lines.append(f"dir {folder}")
    for entry in entries:
        if entry.is_symlink():
            raise _Linked
        if entry.is_dir():
            newest = max(newest, _walk(Path(entry.path), lines))
        else:
            newest = max(newest, _stat_line(entry.path, entry.stat(), lines))
    return newest


def _stat_line(path: str, st: os.stat_result, lines: list[str]) -> int:
    lines.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}")
    return max(st.st_mtime_ns, st.st_ctime_ns)


def unchanged_outputs(out_dir: Path, request_key: str, tree: str | None) -> list[Path] | None:
    """The outputs of a request whose recorded snapshot equals `tree`, when each is still the file that
    was written for it; None when the library must be loaded to decide."""
    if tree is None:
        return None
    manifest = read_manifest(out_dir)
    recorded = manifest["quick"].get(request_key)
    if not isinstance(recorded, dict) or recorded.get("tree") != tree or not isinstance(recorded.get("outputs"), list):
        return None
    paths = []
    for item in recorded["outputs"]:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return None
        name, key = item
        entry = manifest["outputs"].get(name)
        path = out_dir / name
        if not isinstance(entry, dict) or entry.get("inputs") != key:
            return None
        try:
            st = path.stat()
        except OSError:
            return None
        if entry.get("size") != st.st_size or entry.get("mtime_ns") != st.st_mtime_ns:
            return None
        paths.append(path)
    return paths


def remember(manifest: dict, request_key: str, tree: str | None, keys: dict[str, str]) -> bool:
    """Record the snapshot of a request whose outputs (name → input hash, in order) are all up to date.
    Whether the manifest changed."""
    if tree is None:
        return False
    entry = {"tree": tree, "outputs": [[name, key] for name, key in keys.items()]}
    quick = manifest.setdefault("quick", {})
    known = quick.get(request_key)
    if isinstance(known, dict) and {k: known.get(k) for k in entry} == entry:
        return False
    quick[request_key] = {**entry, "at": time.time_ns()}  # the requests recorded longest ago are dropped first
    return True
