"""A whole build, top to bottom (as `briefings build` runs it): gather and check everything first, write last."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefings.content.library import Library

FORMATS = ("md", "docx")  # every output format, the default of a build


@dataclass
class BuildRequest:
    """What `briefings build` was asked for."""

    kind: str | None = None
    doc: str | None = None
    all_: bool = False
    formats: tuple[str, ...] = FORMATS
    out: Path | None = None
    reference_doc: Path | None = None
    woo: bool = False
    audience: str | None = None
    check: bool = True
    since: str | None = None
    force: bool = False
    quiet: bool = False  # do not print the warnings about what is built


def build_documents(open_library, project, req: BuildRequest, echo, progress=None, on_close=None) -> list[Path]:
    """A whole build: select, refuse what the audience may not see, plan, check, render, write, record.

    `open_library()` gives the library, loaded only when the manifest cannot say that nothing changed;
    `echo` prints a line for the user; `progress(length)` gives a context manager with update(n) for
    builds of several documents; `on_close(callback)` registers clean-up for the end of the command."""
    from briefings.documents import quick as quick_answer
    from briefings.errors import display_path

    out_dir = req.out or project.build
    quick = None
    if not (req.since or req.woo):  # taken before the library loads: a file changed meanwhile shows next time
        quick = quick_answer.take(project, [req.kind, req.doc, req.all_, list(req.formats), req.reference_doc,
                                            req.woo, req.audience], out_dir, [req.reference_doc] if req.reference_doc else [])
        unchanged = None if req.force else quick_answer.unchanged(str(out_dir), *quick[:2])
        if unchanged is not None:
            for path in unchanged:
                echo(f"unchanged: {display_path(path)}")
            return []
    lib = _library_for(open_library, project, req)
    return _build(lib, project, req, out_dir, quick, echo, progress, on_close)


def _library_for(open_library, project, req: BuildRequest) -> "Library":
    """What a build of some documents loads: only what they need (content.scope), or the whole library for
    --all, --since and --woo, and when a rule the build runs compares with the whole library."""
    if not (req.all_ or req.since or req.woo):
        from briefings.checks.rules import whole_library_rules
        from briefings.content.scope import scoped_library

        if not (req.check and whole_library_rules(project)):
            lib = scoped_library(project, lambda documents: _pick(project, req, documents))
            if lib is not None:
                return lib
    return open_library()


def _pick(project, req: BuildRequest, documents: dict) -> list[str] | None:
    """The ids of the documents a request builds, as documents.build.select_documents picks them, from
    {id: soort} of every document; None when that cannot be told."""
    from briefings.content import model as m

    kind = req.kind or "annotatie"
    if kind not in m.DOCUMENT_SOORTEN:  # a document id
        return [kind] if kind in documents else None
    if req.doc:
        return [req.doc] if req.doc in documents else None
    if kind == "annotatie" and project.standaard_document in documents:
        return [project.standaard_document]
    if None in documents.values():
        return None
    return [doc_id for doc_id, soort in documents.items() if soort == kind] or None


def _build(lib: "Library", project, req: BuildRequest, out_dir: Path, quick, echo, progress, on_close) -> list[Path]:
    from briefings.documents.build import refuse_on_errors, select_documents, write_outputs
    from briefings.documents.incremental import plan_build, record, render_stale
    from briefings.documents.layout import lay_out, needs_layout
    from briefings.documents.woo import refuse_documents
    from briefings.errors import display_path

    docs = select_documents(lib, project, req.kind, req.doc, req.all_)
    decided = [d for d in docs if d.woo is not None] if req.woo and req.audience is None else []
    docs = [d for d in docs if d not in decided]
    refuse_documents(lib, docs, req.audience, req.woo)  # nothing for readers who may not see it, checks or not
    refuse_documents(lib, [d for d in decided if d.woo.besluit != "niet openbaar"], woo=True)
    sent = [d for d in docs if d.verzending is not None]
    written_sent = _rebuild_sent(project, sent, req, out_dir, echo) if sent else []
    docs = [d for d in docs if d.verzending is None]
    baseline = None
    if req.since:
        from briefings.documents.baseline import open_baseline

        baseline = open_baseline(project, req.since)
        if on_close is not None:
            on_close(baseline.close)
    written = list(written_sent)
    if decided:  # the Woo publication package: build/woo/<doc-id>/, sitemap and inventory
        from briefings.publish.woo_package import publish_woo

        if req.check:
            refuse_on_errors(lib, project, decided, echo)
        written += publish_woo(lib, project, decided, req.out, echo, baseline)
    if not docs:
        return written
    plan = plan_build(lib, project, docs, req.formats, out_dir, woo=req.woo, audience=req.audience,
                      reference_doc=req.reference_doc, force=req.force or baseline is not None)
    for path in plan.unchanged:
        echo(f"unchanged: {display_path(path)}")
    if not plan.stale:
        record(plan, [], quick=quick)  # writes only a new snapshot
        return written
    docs = [lib.by_id[doc_id] for doc_id in plan.stale]
    if any("pdf" in formats for formats in plan.stale.values()):
        from briefings.writers.pdf import find_soffice

        find_soffice()  # before any work: a PDF cannot be made without LibreOffice
    findings = refuse_on_errors(lib, project, docs, echo) if req.check else []
    options = dict(woo=req.woo, audience=req.audience, reference_doc=req.reference_doc, baseline=baseline)
    if len(docs) > 1 and progress is not None:
        with progress(len(docs)) as bar:
            outputs = render_stale(lib, project, plan, progress=bar, **options)
    else:
        outputs = render_stale(lib, project, plan, **options)
    unfinished = set()
    if needs_layout(outputs, plan.stale):
        outputs, unfinished = lay_out(outputs, plan.stale, _rerender(lib, project, plan, options), _warn_layout)
    paths = write_outputs(outputs)
    record(plan, paths, since=baseline.commit if baseline is not None else None, quick=quick,
           unfinished=frozenset(unfinished))
    for path in paths:
        echo(display_path(path))
    if not req.quiet:
        _warn(findings, docs, echo)
    if baseline is not None:
        if req.woo:
            echo(f"tracked changes since {baseline.label}, by the ground code on {baseline.revision.stamp}")
        else:
            tracked = [path.name for path in paths if path.name.endswith(".wijzigingen.docx")]
            echo(f"tracked changes since {baseline.label} in {', '.join(tracked) or 'no DOCX'}, by "
                 f"{', '.join(sorted(baseline.authors)) or 'nobody'}")
    return written + paths


SHOWN_WARNINGS = 5


def _warn(findings, docs, echo) -> None:
    """The warnings about the documents built and what they use: a count and the first few, on stderr."""
    warnings = [f for f in findings if f.severity == "warning"]
    if not warnings:
        return
    ids = " ".join(f"--document {d.id}" for d in docs) if len(docs) <= 2 else ""
    echo(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} in what was built "
         f"(`briefings check{' ' + ids if ids else ''}` lists them; --quiet hides this):", err=True)
    for finding in warnings[:SHOWN_WARNINGS]:
        echo(finding.render(), err=True)
    if len(warnings) > SHOWN_WARNINGS:
        echo(f"... and {len(warnings) - SHOWN_WARNINGS} more", err=True)


def _rebuild_sent(project, sent, req: BuildRequest, out_dir: Path, echo) -> list[Path]:
    """Sent documents are rebuilt from the commit they were sent from, exactly as sent."""
    from briefings.documents.build import write_outputs
    from briefings.documents.lifecycle import rebuild_sent
    from briefings.errors import display_path

    written = []
    for doc in sent:
        outputs = rebuild_sent(project, doc, req.formats, out_dir, woo=req.woo, audience=req.audience,
                               warn=_warn_layout)
        for path in write_outputs(outputs):
            echo(f"{display_path(path)}  (as sent on {doc.verzending.datum}, from commit {doc.verzending.commit[:12]})")
            written.append(path)
    return written


def _rerender(lib: Library, project, plan, options: dict):
    """render(doc, pages): the document's final DOCX, its table of contents numbered with pages."""
    from briefings.documents.build import git_commit, render_document

    commit = git_commit(project.root)

    def render(doc, pages: dict[str, int]):
        outputs = render_document(lib, project, doc, ("docx",), plan.out_dir, commit=commit, toc_pages=pages,
                                  **options)
        return next(o for o in outputs if o.path.suffix == ".docx")

    return render


def _warn_layout(text: str) -> None:
    import click

    click.echo(f"warning: {text}", err=True)
