"""Build documents: check, assemble every document in memory, then write all outputs atomically."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from briefings import __version__
from briefings.content import model as m
from briefings.errors import BriefingsError, CheckFailed, Location, did_you_mean
from briefings.content.library import Library

FORMATS = ("md", "docx")  # what render_document can write (a build request defaults to all: pipeline.FORMATS)


@dataclass
class Output:
    doc: m.Document
    path: Path
    data: bytes
    assembled: object = None  # the Assembled document it was made from
    write: bool = True    # False: a DOCX made only to be converted to PDF
    draft: bool = False   # a DOCX whose table of contents LibreOffice has yet to number (documents.layout)
    tracked: bool = False  # the copy with tracked changes (<id>.wijzigingen.docx): no PDF is made of it


def select_documents(lib: Library, project, kind: str | None, doc_id: str | None, all_: bool) -> list[m.Document]:
    docs = lib.documents()
    if all_:
        return docs
    if kind is None:
        kind = "annotatie"
    soorten = sorted(m.DOCUMENT_SOORTEN)
    if kind not in m.DOCUMENT_SOORTEN:
        if kind in lib.by_id and isinstance(lib.by_id[kind], m.Document):
            return [lib.by_id[kind]]
        raise BriefingsError(f"unknown document kind or id '{kind}'",
                             hint=did_you_mean(kind, soorten + [d.id for d in docs])
                             or f"kinds: {', '.join(soorten)}")
    of_kind = [d for d in docs if d.soort == kind]
    if doc_id:
        doc = lib.get(doc_id, "document")
        if doc.soort != kind:
            raise BriefingsError(f"document '{doc_id}' is a {doc.soort}, not a {kind}",
                                 hint=f"briefings build {doc.soort} {doc_id}")
        return [doc]
    if kind == "annotatie" and project.standaard_document in lib.by_id:
        return [lib.by_id[project.standaard_document]]
    if not of_kind:
        present = sorted({d.soort for d in docs})
        raise BriefingsError(f"the library has no document of kind '{kind}'",
                             hint=f"it has: {', '.join(present)}" if present else "content/documenten/ is empty")
    return of_kind


def git_commit(root: Path) -> str:
    override = os.environ.get("BRIEFINGS_COMMIT")
    if override:
        return override
    try:
        result = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=5)
        commit = result.stdout.strip()
        if result.returncode or not commit:
            return "onbekend"
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "content", "templates"], cwd=root,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return commit + ("-gewijzigd" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "onbekend"


_ADDED_FIELDS = (("lakken", []), ("woo", None))


def content_hash(lib: Library, doc: m.Document) -> str:
    """A hash of every item the document rests on: traces a printed copy back to its sources."""
    digest = hashlib.sha256()
    for item in sorted(lib.uses(doc), key=lambda i: (i.kind, i.id)):
        data = item.model_dump(mode="json")
        for key, empty in _ADDED_FIELDS:  # fields added later: unset, they keep the hash as it was
            if key in data and data[key] == empty:
                del data[key]
        for bijlage in data.get("bijlagen", ()) if isinstance(item, m.Document) else ():
            if bijlage.get("bestand", "") is None:
                del bijlage["bestand"]  # keeps the hash of documents that include no file as it was
        if isinstance(item, m.Document) and data.get("inhoudsopgave") is False:
            del data["inhoudsopgave"]  # likewise for documents without a table of contents
        included = [b._inhoud for b in getattr(item, "bijlagen", ()) if b._inhoud is not None]
        if included:  # the text of files the attachments include (bestand)
            data["_inhoud"] = included
        payload = json.dumps(data, sort_keys=True, ensure_ascii=False)
        digest.update(f"{item.kind}:{item.id}:{payload}\n".encode())
    return digest.hexdigest()[:16]


def provenance(commit: str, chash: str) -> str:
    return f"Opgesteld met briefings {__version__} · commit {commit} · inhoud {chash}"


def colophon(commit: str, chash: str) -> str:
    """The provenance at the end of the Markdown, as a comment: it traces the file, readers do not see it."""
    return f"\n<!-- {provenance(commit, chash)} -->\n"


def render_document(lib: Library, project, doc: m.Document, formats: tuple[str, ...], out_dir: Path,
                    woo: bool = False, reference_doc: Path | None = None, commit: str | None = None,
                    audience: str | None = None, baseline=None, toc_pages: dict[str, int] | None = None
                    ) -> list[Output]:
    """One document's outputs, in memory. `audience` defaults to openbaar for Woo, else the document's own.

    With a baseline (baseline.Baseline) the DOCX shows the changes since it as tracked changes. A PDF
    needs the DOCX: it is made (not written unless asked for) and converted later (documents.layout).
    A document with a table of contents gets a draft DOCX unless `toc_pages` gives its page numbers.
    """
    from briefings.documents.assemble import assemble
    from briefings.documents.woo import WOO_AUTHOR, Redactor, printed_code, refuse_document

    refuse_document(lib, doc, audience, woo)
    commit = commit or git_commit(project.root)
    reference = reference_doc or project.templates / "huisstijl.docx"
    needs_docx = "docx" in formats or "pdf" in formats
    if needs_docx:
        check_reference(reference)
    suffix = "-woo" if woo else ""
    assembled = assemble(lib, doc, project, woo=woo)
    chash = content_hash(lib, doc)
    outputs = []
    if "md" in formats:
        from briefings.documents.anchors import strip as strip_anchors

        from briefings.printable import without_controls

        markdown = assembled.markdown + colophon(commit, chash)
        text = without_controls(strip_anchors(markdown))  # an ESC from content must not reach a reader's terminal
        outputs.append(Output(doc, out_dir / f"{doc.id}{suffix}.md", text.encode("utf-8"), assembled))
    if needs_docx:
        from briefings.writers.docx import DocxMeta, markdown_to_docx

        meta = DocxMeta(
            title=assembled.title,
            subject=assembled.subject,
            author=WOO_AUTHOR if woo else doc.auteur,  # a Woo copy names no one in its properties
            keywords=assembled.keywords,
            classification=assembled.classification,
            concept=doc.status not in m.FINAL,
            reference=assembled.reference,
            date=doc.datum,
            toc=assembled.toc,
            toc_pages=toc_pages,
            toc_field=toc_pages is not None,
            custom={"briefings-commit": commit, "briefings-inhoud": chash, "briefings-document": doc.id,
                    "briefings-versie": __version__},
            provenance=provenance(commit, chash),
        )
        docx_path = out_dir / f"{doc.id}{suffix}.docx"
        draft = assembled.toc and toc_pages is None
        markdown = assembled.markdown
        if woo or baseline is None:
            old = None
            if baseline is not None:
                old = baseline.markdown(doc.id, woo=woo)
                meta.custom["briefings-sinds"] = baseline.commit
            revision = baseline.revision if baseline is not None else None
            if woo and revision is not None:  # tracked changes by the ground code, never by a name from git
                revision = dataclasses.replace(revision, author=printed_code(project))
            data = markdown_to_docx(markdown, meta, reference, baseline=old, revision=revision)
            if woo:  # the whole package: the reference document's headers, properties, comments and people too
                from briefings.writers.scrub import scrub_docx

                people = [*lib.items("persoon"), *(baseline.library.items("persoon") if baseline is not None else ())]
                data = scrub_docx(data, Redactor(people, printed_code(project)), printed_code(project))
            outputs.append(Output(doc, docx_path, data, assembled, write="docx" in formats, draft=draft))
        else:  # a copy with tracked changes, each by its own author, beside the clean DOCX, which stays as built
            outputs.append(Output(doc, docx_path, markdown_to_docx(markdown, meta, reference), assembled,
                                  write="docx" in formats, draft=draft))
            if "docx" in formats:  # the tracked copy is for Word; a PDF is made of the clean DOCX
                tracked = dataclasses.replace(meta, custom={**meta.custom, "briefings-sinds": baseline.commit})
                data = markdown_to_docx(markdown, tracked, reference, baseline=baseline.markdown(doc.id),
                                        revision=baseline.authorship(lib, doc))
                outputs.append(Output(doc, out_dir / f"{doc.id}.wijzigingen.docx", data, assembled, tracked=True))
    return outputs


def check_reference(reference: Path) -> None:
    """Refuse a reference document that is missing or not a .docx before building anything on it."""
    import zipfile

    from briefings.content.load import display_path

    where = Location(display_path(reference))
    if not reference.is_file():
        raise BriefingsError("reference document not found", where,
                             "run templates/make_huisstijl.py, or pass an existing .docx with --reference-doc")
    if not zipfile.is_zipfile(reference):
        raise BriefingsError("reference document is not a .docx (not a zip package)", where,
                             "save it from Word as a .docx, or run templates/make_huisstijl.py")


def render_outputs(lib: Library, project, docs: list[m.Document], formats: tuple[str, ...], out_dir: Path,
                   woo: bool = False, reference_doc: Path | None = None, progress=None,
                   audience: str | None = None, baseline=None) -> list[Output]:
    """Everything in memory; nothing written yet."""
    commit = git_commit(project.root)
    outputs: list[Output] = []
    for doc in docs:
        outputs += render_document(lib, project, doc, formats, out_dir, woo=woo, reference_doc=reference_doc,
                                   commit=commit, audience=audience, baseline=baseline)
        if progress is not None:
            progress.update(1)
    paths = [o.path for o in outputs]
    if len(set(paths)) != len(paths):
        raise BriefingsError("two outputs would be written to the same path")
    return outputs


def write_outputs(outputs: list[Output]) -> list[Path]:
    from briefings.writers.files import write_bytes_atomic

    written = [o for o in outputs if o.write]
    for output in written:
        write_bytes_atomic(output.path, output.data)
    return [o.path for o in written]


def refuse_on_errors(lib: Library, project, docs: list[m.Document], echo) -> list:
    """Raise CheckFailed when the checks find errors in what docs use; else return the findings."""
    import click

    from briefings.checks.rules import run_checks

    findings = run_checks(lib, project, documents=[d.id for d in docs], least="error")
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        for finding in errors:  # on stderr: stdout lists what a build wrote
            click.echo(finding.render(), err=True)
        raise CheckFailed(f"not built: {len(errors)} error{'s' if len(errors) != 1 else ''} in the content these "
                          "documents use (see above; `briefings check` lists all findings)")
    return findings

