"""The baseline of a redline build: the project as it was at a git revision, and who changed it since.

`briefings build ... --since REV` reads briefings.yaml, the content and the templates at REV from
git's object store into a temporary folder, loads them like any project and assembles the same
document there. The DOCX writer marks the differences as tracked changes (writers/redline.py) in a copy
beside the clean DOCX. `Baseline.authorship` names who made each: per item block (the DOCX anchors) the
newest change since REV to the files it is rendered from, so each change carries its own author and date;
files the document does not use count for nothing. Dates come from git (or the file), so the output stays
reproducible.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from briefings.content.revisions import RevisionError, export_content, git, repo_root, resolve
from briefings.errors import BriefingsError
from briefings.writers.redline import Revision

DEFAULT_AUTHOR = "briefings"
HINT = "build --since compares with a git revision of the project, e.g. --since HEAD or --since v1.0"


@dataclass
class Baseline:
    rev: str              # as given
    commit: str           # the full commit id
    project: object       # the project at rev, in a temporary folder
    library: object       # its library
    revision: Revision    # author and date of the newest change since rev, anywhere in content and templates
    folder: Path          # the temporary folder; close() removes it
    repo: Path | None = None
    authors: set = field(default_factory=set)  # who made the changes the documents built so far show
    tracked: list = field(default_factory=list)  # content and templates, relative to the repository

    @property
    def label(self) -> str:
        return f"{self.rev} ({self.commit[:12]})"

    def markdown(self, doc_id: str, woo: bool = False) -> str:
        """The document's Markdown as it was at rev (as the DOCX shows it); empty when it did not exist yet."""
        from briefings.content import model as m
        from briefings.documents.assemble import assemble

        doc = self.library.by_id.get(doc_id)
        if not isinstance(doc, m.Document):
            return ""
        try:
            assembled = assemble(self.library, doc, self.project, woo=woo)
        except BriefingsError as exc:
            raise self._failure(f"document '{doc_id}' does not build", exc) from None
        return assembled.markdown

    def authorship(self, lib, doc) -> "Authorship":
        """Who made each change in doc: per item block the newest change to the files it is rendered from
        (the item, the figures and items it refers to, an answer it takes over); for the rest the newest
        change to anything the document uses. Edits to files the document does not use count for nothing."""
        from briefings.content.library import INLINE
        from briefings.documents import anchors

        repo = self.repo
        used = [doc] + list(lib.uses(doc))

        def repo_path(item) -> str | None:
            path = getattr(item, "_path", "")
            if not path:
                return None
            try:
                return Path(path).resolve().relative_to(repo.resolve()).as_posix()
            except ValueError:
                return None

        files = sorted({p for p in map(repo_path, used) if p})
        templates = self.tracked[1:]  # the templates folder of the project being built
        revisions = file_revisions(repo, self.commit, files + templates)
        uncommitted = set(_uncommitted(repo, files + templates))

        def newest(paths) -> Revision | None:
            found = [p for p in paths if p in revisions]
            fresh = [revisions[p] for p in found if p in uncommitted]
            return _newest(fresh or [revisions[p] for p in found])

        by_anchor: dict[str, Revision] = {}
        used_ids = {item.id for item in used}
        for anchor in anchors.anchors_of(lib).values():
            if anchor.item_id not in used_ids:
                continue
            item = lib.by_id[anchor.item_id]
            text = anchors.source_text(lib, anchor) or ""
            related = [item] + [lib.by_id[t] for _, t in INLINE.findall(text) if t in lib.by_id]
            if anchor.field == "antwoord" and getattr(item, "antwoord_van", None) in lib.by_id:
                related.append(lib.by_id[item.antwoord_van])
            revision = newest([p for p in map(repo_path, related) if p])
            if revision is not None:
                by_anchor[anchors.bookmark_name(anchor, text)] = revision
        all_paths = list(revisions)
        default = newest(all_paths) or Revision(DEFAULT_AUTHOR, _commit_date(repo, self.commit)
                                                 or dt.datetime(2000, 1, 1))
        self.authors |= {r.author for r in by_anchor.values()} | {default.author}
        return Authorship(default, by_anchor)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _failure(self, what: str, exc: BriefingsError) -> RevisionError:
        text = exc.render().replace(str(self.folder) + os.sep, f"{self.rev}:")
        return RevisionError(f"at revision '{self.rev}' {what}:\n{text}")


def open_baseline(project, rev: str) -> Baseline:
    """The project at rev, loaded; raises RevisionError for an unknown revision or a project outside git."""
    from briefings.content.library import open_library
    from briefings.project import CONFIG_NAME, load_project

    root = Path(project.root).resolve()
    try:
        repo = repo_root(root).resolve()
    except RevisionError:
        raise RevisionError(f"--since {rev}: {root} is not in a git repository", hint=HINT) from None
    commit = resolve(repo, rev)
    folder = Path(tempfile.mkdtemp(prefix="briefings-since-"))
    tracked = _tracked(project, repo)
    baseline = Baseline(rev, commit, None, None, revision_since(repo, commit, tracked), folder, repo=repo,
                        tracked=tracked)
    try:
        old_root = folder / _relative(root, repo)
        old_root.mkdir(parents=True, exist_ok=True)
        config = git(repo, "show", f"{commit}:{_relative(root / CONFIG_NAME, repo)}")
        if config.returncode == 0:
            (old_root / CONFIG_NAME).write_bytes(config.stdout)
        try:
            baseline.project = load_project(old_root)
            for path in (baseline.project.content, baseline.project.templates):
                export_content(repo, commit, _relative(path, folder), folder)
            baseline.library = open_library(baseline.project.content)
        except BriefingsError as exc:
            if isinstance(exc, RevisionError):
                raise
            raise baseline._failure("the project does not load", exc) from None
    except BaseException:
        baseline.close()
        raise
    return baseline


def _relative(path: Path, base: Path) -> PurePosixPath:
    try:
        return PurePosixPath(Path(os.path.normpath(path)).relative_to(base).as_posix())
    except ValueError:
        raise RevisionError(f"{path} is not inside the git repository {base}", hint=HINT) from None


def _tracked(project, repo: Path) -> list[str]:
    """The paths whose changes count: content and templates."""
    return [str(_relative(Path(p).resolve(), repo)) for p in (project.content, project.templates)]


def revision_since(repo: Path, commit: str, paths: list[str]) -> Revision:
    """Author and date of the newest change to paths since commit.

    Uncommitted changes are the newest: git's user.name, dated by the newest changed file (or
    SOURCE_DATE_EPOCH). Otherwise the newest commit in commit..HEAD that touches paths. With no change
    at all: nobody, at the date of commit itself.
    """
    changed = _uncommitted(repo, paths)
    if changed:
        name = git(repo, "config", "user.name").stdout.decode("utf-8", "replace").strip()
        return Revision(name or DEFAULT_AUTHOR, _source_date() or _newest_mtime(repo, changed)
                        or _commit_date(repo, "HEAD") or _commit_date(repo, commit))
    log = git(repo, "log", "-1", "--format=%an%x00%aI", f"{commit}..HEAD", "--", *paths)
    if log.returncode == 0 and log.stdout.strip():
        name, _, date = log.stdout.decode("utf-8", "replace").strip().partition("\0")
        return Revision(name or DEFAULT_AUTHOR, dt.datetime.fromisoformat(date))
    return Revision(DEFAULT_AUTHOR, _commit_date(repo, commit) or dt.datetime(2000, 1, 1))


def _uncommitted(repo: Path, paths: list[str]) -> list[str]:
    status = git(repo, "status", "--porcelain", "-z", "--untracked-files=all", "--", *paths)
    entries = status.stdout.decode("utf-8", "surrogateescape").split("\0")
    changed, skip = [], False
    for entry in entries:
        if skip or len(entry) < 4:
            skip = False
            continue
        changed.append(entry[3:])
        skip = entry[0] in "RC"  # a rename or copy is followed by its source path
    return changed


def _source_date() -> dt.datetime | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return dt.datetime.fromtimestamp(int(value), dt.timezone.utc) if value.isdigit() else None


def _newest_mtime(repo: Path, paths: list[str]) -> dt.datetime | None:
    times = [(repo / p).stat().st_mtime for p in paths if (repo / p).exists()]
    return dt.datetime.fromtimestamp(int(max(times)), dt.timezone.utc) if times else None


def _commit_date(repo: Path, rev: str) -> dt.datetime | None:
    result = git(repo, "log", "-1", "--format=%aI", rev)
    text = result.stdout.decode().strip()
    return dt.datetime.fromisoformat(text) if result.returncode == 0 and text else None



@dataclass(frozen=True)
class Authorship:
    """Who made which change: per anchor (one item's block in the DOCX) the newest change to the files it
    is rendered from; `default` for the blocks without an anchor (headings, tables, attachments)."""

    default: Revision
    by_anchor: dict[str, Revision]

    @property
    def author(self) -> str:
        return self.default.author

    @property
    def stamp(self) -> str:
        return self.default.stamp

    def for_anchors(self, names) -> Revision:
        for name in names:
            found = self.by_anchor.get(name)
            if found is not None:
                return found
        return self.default


def file_revisions(repo: Path, commit: str, paths: list[str]) -> dict[str, Revision]:
    """Repository path → the newest change to it since commit: an uncommitted edit (git's user.name, dated
    by SOURCE_DATE_EPOCH or the file's time), else the newest commit in commit..HEAD that touches it."""
    found: dict[str, Revision] = {}
    changed = _uncommitted(repo, paths)
    if changed:
        name = git(repo, "config", "user.name").stdout.decode("utf-8", "replace").strip() or DEFAULT_AUTHOR
        for path in changed:
            found[path] = Revision(name, _source_date() or _newest_mtime(repo, [path]) or _today())
    log = git(repo, "log", "--format=%x01%an%x00%aI", "--name-only", f"{commit}..HEAD", "--", *paths)
    if log.returncode == 0:
        current = None
        for line in log.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith("\x01"):
                name, _, date = line[1:].partition("\0")
                current = Revision(name or DEFAULT_AUTHOR, dt.datetime.fromisoformat(date))
            elif line.strip() and current is not None:
                found.setdefault(line.strip(), current)  # newest first: the first commit seen is the last change
    return found


def _today() -> dt.datetime:
    today = dt.date.today()
    return dt.datetime(today.year, today.month, today.day, tzinfo=dt.timezone.utc)


def _newest(revisions: list[Revision]) -> Revision | None:
    def moment(revision: Revision) -> dt.datetime:
        date = revision.date
        return date if date.tzinfo is not None else date.replace(tzinfo=dt.timezone.utc)
    return max(revisions, key=moment, default=None)
