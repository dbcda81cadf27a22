"""The document lifecycle concept → afgestemd → definitief → verzonden: `verzend` freezes what was sent.

`briefings verzend DOC` records the date and the git commit of a definitief document whose content is
committed. From then on a build of that document rebuilds it from that commit (content, templates and
settings as they were), so the sent version never changes; `check` reports later changes as information.
"""
from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

from briefings.content import model as m
from briefings.content.library import Library
from briefings.content.load import display_path
from briefings.content.positions import locate
from briefings.errors import BriefingsError, ContentError, Location

HINT = "set status: definitief, commit the content, build and check the document, then run `briefings verzend`"


def send(lib: Library, project, doc_id: str, today: dt.date) -> str:
    """Record that a document was sent: status verzonden, the date and the commit. Returns the commit."""
    from briefings.checks.rules import run_checks
    from briefings.content.revisions import RevisionError, repo_root, resolve

    doc = lib.get(doc_id, "document")
    if doc.verzending is not None:
        raise BriefingsError(f"document '{doc.id}' was already sent on {doc.verzending.datum} "
                             f"({doc.verzending.commit[:12]})", locate(doc, "verzending"),
                             "a sent document stays as it was; make a new document for a new version")
    if doc.status != "definitief":
        raise BriefingsError(f"document '{doc.id}' is {doc.status}; only a definitief document can be sent",
                             locate(doc, "status"), HINT)
    root = Path(project.root).resolve()
    try:
        repo = repo_root(root)
        commit = resolve(repo, "HEAD")
    except RevisionError as exc:
        raise BriefingsError(f"cannot record what was sent: {exc.problem}", Location(display_path(root)),
                             "the project must be in git: the sent version is rebuilt from its commit") from None
    dirty = _uncommitted(repo, [project.content, project.templates, project.config_path])
    if dirty:
        raise BriefingsError(f"uncommitted changes: {', '.join(dirty[:5])}" + (" …" if len(dirty) > 5 else ""),
                             Location(display_path(root)), "commit them first: the sent version is rebuilt from the commit")
    errors = [f for f in run_checks(lib, project, documents=[doc.id], today=today) if f.severity == "error"]
    if errors:
        raise BriefingsError("\n".join(f.render() for f in errors) + f"\nnot sent: {len(errors)} error(s) in what "
                             f"'{doc.id}' uses")
    path = Path(doc._path)
    _write_sent(path if path.is_absolute() else Path.cwd() / path, today, commit)
    return commit


def _uncommitted(repo: Path, paths) -> list[str]:
    names = [str(p) for p in paths if p is not None and Path(p).exists()]
    result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", *names], cwd=repo,
                            capture_output=True, text=True)
    return [line[3:] for line in result.stdout.splitlines() if len(line) > 3]


def _write_sent(path: Path, today: dt.date, commit: str) -> None:
    """status: verzonden and verzending: {datum, commit} in the spec, comments and layout kept."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    from briefings.writers.files import write_text_atomic

    original = path.read_bytes().decode("utf-8")
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(original)
    data["status"] = "verzonden"
    entry = CommentedMap({"datum": today, "commit": commit})
    keys = list(data)
    data.insert(keys.index("status") + 1, "verzending", entry)
    out = io.StringIO()
    yaml.dump(data, out)
    write_text_atomic(path, out.getvalue())


def rebuild_sent(project, doc: m.Document, formats, out_dir: Path, woo: bool = False, audience=None, warn=None):
    """The outputs of a sent document as they were sent: built from the library at its commit.
    A table of contents is numbered and a PDF made as for any build (documents.layout); `warn(text)`
    reports a table of contents left without page numbers."""
    from briefings.documents.baseline import open_baseline
    from briefings.documents.build import render_document
    from briefings.documents.layout import lay_out, needs_layout

    sent = doc.verzending
    baseline = open_baseline(project, sent.commit)
    try:
        then = baseline.library.by_id.get(doc.id)
        if not isinstance(then, m.Document):
            raise ContentError(f"document '{doc.id}' is not in commit {sent.commit[:12]}",
                               locate(doc, "verzending", "commit"))
        options = dict(woo=woo, commit=sent.commit[:12], audience=audience)
        outputs = render_document(baseline.library, baseline.project, then, formats, out_dir, **options)
        asked = {then.id: tuple(formats)}
        if needs_layout(outputs, asked):
            def rerender(again: m.Document, pages: dict[str, int]):
                made = render_document(baseline.library, baseline.project, again, ("docx",), out_dir,
                                       toc_pages=pages, **options)
                return next(o for o in made if o.path.suffix == ".docx")

            outputs, _ = lay_out(outputs, asked, rerender, warn or (lambda text: None))
        return outputs
    finally:
        baseline.close()
