"""The project's content as it was at a git revision: resolving revisions and exporting the content folder."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from briefings.errors import BriefingsError


class RevisionError(BriefingsError):
    """Not a git repository, an unknown revision, or content at a revision that does not load."""


# --- reading a revision ----------------------------------------------------------------------------


def git(repo: Path, *args: str, input_: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], input=input_, capture_output=True,
                              env={**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C"})
    except FileNotFoundError:
        raise RevisionError("git is not installed", hint="install git to compare revisions") from None


def repo_root(path: Path) -> Path:
    """The top folder of the git working tree holding path."""
    result = git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise RevisionError(f"not a git repository: {path}",
                            hint="briefings diff compares revisions of a project kept in git")
    return Path(result.stdout.decode().strip())


def resolve(repo: Path, rev: str) -> str:
    """The commit id a revision names."""
    if not rev or rev.startswith("-"):
        raise RevisionError(f"unknown revision '{rev}'")
    result = git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if result.returncode != 0:
        raise RevisionError(f"unknown revision '{rev}'",
                            hint="give a commit, branch or tag, e.g. HEAD~1 or main (see `git log --oneline`)")
    return result.stdout.decode().strip()


def export_content(repo: Path, commit: str, content_rel: PurePosixPath, dest: Path) -> Path:
    """Write the content folder as it was at commit under dest; returns its path there."""
    target = dest / content_rel
    target.mkdir(parents=True, exist_ok=True)
    listing = git(repo, "ls-tree", "-r", "-z", "--full-tree", commit, "--", str(content_rel))
    if listing.returncode != 0:
        raise RevisionError(f"cannot list the content at {commit[:12]}: {listing.stderr.decode().strip()}")
    blobs = []
    for entry in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, kind, oid = meta.split()
        if kind == "blob" and mode in ("100644", "100755"):
            blobs.append((oid, PurePosixPath(path)))
    if not blobs:
        return target
    batch = git(repo, "cat-file", "--batch", input_="".join(f"{oid}\n" for oid, _ in blobs).encode())
    if batch.returncode != 0:
        raise RevisionError(f"cannot read the content at {commit[:12]}: {batch.stderr.decode().strip()}")
    data, at = batch.stdout, 0
    for oid, path in blobs:
        header_end = data.index(b"\n", at)
        size = int(data[at:header_end].split()[2])
        body = data[header_end + 1:header_end + 1 + size]
        at = header_end + 1 + size + 1
        relative = path.relative_to(content_rel)
        if ".." in relative.parts:
            continue
        out = target.joinpath(*relative.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(body)
    return target
