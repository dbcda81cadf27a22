"""The baseline of a redline build: the project as it was at a git revision, and who changed it since.

`briefings build ... --since REV` reads briefings.yaml, the content and the templates at REV from
git's object store into a temporary folder, loads them like any project and assembles the same
document there. The DOCX writer marks the differences as tracked changes (writers/redline.py),
attributed to the author of the newest change and dated by it, so the output stays reproducible.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
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
    revision: Revision    # author and date of the changes since rev
    folder: Path          # the temporary folder; close() removes it

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
    baseline = Baseline(rev, commit, None, None, revision_since(repo, commit, _tracked(project, repo)), folder)
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

