"""Incremental builds: rebuild only the outputs whose inputs changed.

`build/.briefings-manifest.json` records, per output, a hash of everything it was built from: the
canonical content of every item the document uses (Library.uses), included attachment files, the
templates' text, the reference document's bytes (DOCX and PDF), the options (format, Woo, audience;
a PDF's export options), and the version of briefings and its code. A PDF is made from the DOCX, so it is
rebuilt exactly when the DOCX would be; it does not need the DOCX to be asked for or written. An output is rebuilt when it is missing, when it changed
on disk since it was written, or when that hash differs. Deciding this loads the library and hashes;
it imports neither Jinja2 nor python-docx. When no file a build reads changed since the last build of
the same request, `manifest` answers without loading the library.

The colophon of an output that is not rebuilt keeps the commit of the build that wrote it; its
content hash still identifies the content (`--force` rewrites every output).

Many documents are rendered in worker processes (PARALLEL_MIN or more, on a machine with more than one
core): fewer cost more in starting workers than they save.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from briefings.content import model as m
from briefings.content.library import Library
from briefings.documents.manifest import read_manifest, write_manifest
from briefings.paths import code_key

PDF_OPTIONS = "libreoffice writer_pdf_Export pdf/a-2b pdf/ua"  # change it when writers.pdf makes other PDFs
PARALLEL_MIN = 12  # measured on 2 cores: the 7 shipped documents take 0.80 s in one process, 0.74 s in two
_HASHED_PRIVATE = ("_inhoud",)  # private attributes that hold content (an included attachment's text)


# -- input hashes -------------------------------------------------------------------------------------


def _canonical(value):
    if isinstance(value, BaseModel):
        data = {name: _canonical(v) for name, v in value.__dict__.items()}
        private = value.__pydantic_private__ or {}
        for name in _HASHED_PRIVATE:
            if private.get(name) is not None:
                data[name] = _canonical(private[name])
        return data
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def document_inputs(lib: Library, doc: m.Document) -> str:
    """A hash of the canonical content of every item the document uses."""
    digest = hashlib.sha256()
    for item in sorted(lib.uses(doc), key=lambda i: (i.kind, i.id)):
        payload = json.dumps(_canonical(item), sort_keys=True, ensure_ascii=False, default=str)
        digest.update(f"{item.kind}:{item.id}:{payload}\n".encode())
    return digest.hexdigest()


def files_key(folder: Path, suffixes: tuple[str, ...] = (".j2",)) -> str:
    """A hash of the text of every template in a folder."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(suffixes)):
            digest.update(f"{path.relative_to(folder).as_posix()}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def file_key(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


# -- the plan ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """Which outputs to build and which are up to date."""

    out_dir: Path
    manifest: dict  # as read_manifest gives it
    stale: dict[str, tuple[str, ...]] = field(default_factory=dict)  # document id → formats to build
    keys: dict[str, str] = field(default_factory=dict)  # output name → input hash
    unchanged: list[Path] = field(default_factory=list)


def output_path(out_dir: Path, doc: m.Document, fmt: str, woo: bool) -> Path:
    return out_dir / f"{doc.id}{'-woo' if woo else ''}.{fmt}"


def plan_build(lib: Library, project, docs: list[m.Document], formats: tuple[str, ...], out_dir: Path,
               woo: bool = False, audience: str | None = None, reference_doc: Path | None = None,
               force: bool = False) -> Plan:
    manifest = read_manifest(out_dir)
    plan = Plan(out_dir, manifest)
    recorded = manifest["outputs"]
    common = hashlib.sha256(json.dumps([code_key(), files_key(project.templates), woo, audience]).encode())
    reference = None
    for doc in docs:
        inputs = document_inputs(lib, doc)
        wanted = []
        for fmt in formats:
            path = output_path(out_dir, doc, fmt, woo)
            digest = common.copy()
            digest.update(f"{doc.id}:{fmt}:{inputs}".encode())
            if fmt in ("docx", "pdf"):  # a PDF is converted from the DOCX
                if reference is None:
                    reference = file_key(reference_doc or project.templates / "huisstijl.docx")
                digest.update(reference.encode())
            if fmt == "pdf":
                digest.update(PDF_OPTIONS.encode())
            key = digest.hexdigest()
            name = path.relative_to(out_dir).as_posix()
            plan.keys[name] = key
            if force or not _up_to_date(path, recorded.get(name), key):
                wanted.append(fmt)
            else:
                plan.unchanged.append(path)
        if wanted:
            plan.stale[doc.id] = tuple(wanted)
    return plan


def _up_to_date(path: Path, entry, key: str) -> bool:
    if not isinstance(entry, dict) or entry.get("inputs") != key:
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    return entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns


def record(plan: Plan, written: list[Path], since: str | None = None, quick: tuple | None = None,
           unfinished: frozenset = frozenset()) -> None:
    """Note the outputs just written in the manifest, and write it (atomically), when something changed.
    The copy with tracked changes (since, <id>.wijzigingen.docx) is not the plain build of its inputs: the next
    plain build replaces it; neither is an unfinished output (a table of contents without page numbers, for
    want of LibreOffice). `quick` is the request's key, snapshot and settings (quick.take), taken before the
    library loaded: the next build of the request answers from it while nothing changes."""
    for path in written:
        name = path.relative_to(plan.out_dir).as_posix()
        st = path.stat()
        tracked = since is not None and (name.endswith(".wijzigingen.docx") or name not in plan.keys)
        key = "unfinished" if path in unfinished else f"since:{since}" if tracked else plan.keys[name]
        plan.manifest["outputs"][name] = {"inputs": key, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if written:
        write_manifest(plan.out_dir, plan.manifest)
    recorded = plan.manifest["outputs"]
    if (since is None and quick is not None and not unfinished
            and all(isinstance(recorded.get(name), dict) and recorded[name].get("inputs") == key
                    for name, key in plan.keys.items())):
        from briefings.documents.quick import remember

        remember(str(plan.out_dir), quick[0], quick[1], list(plan.keys), quick[2])


# -- rendering, in parallel when it pays ------------------------------------------------------------------

_JOB: dict = {}


def _render_one(doc_id: str) -> list[tuple[str, bytes]] | str:
    """In a worker: one document's outputs, or the message of the error that stopped it."""
    from briefings.documents.build import render_document
    from briefings.errors import BriefingsError

    job = _JOB
    doc = job["lib"].by_id[doc_id]
    try:
        outputs = render_document(job["lib"], job["project"], doc, job["formats"][doc_id], job["out_dir"],
                                  woo=job["woo"], reference_doc=job["reference_doc"], commit=job["commit"],
                                  audience=job["audience"])
    except BriefingsError as exc:  # sent back as text: the error classes do not all survive pickling
        return exc.render()
    return [(str(o.path), o.data, o.write, o.draft, o.tracked) for o in outputs]


def _worker_start() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def workers_for(n_docs: int) -> int:
    from briefings.content.parallel import cores

    cpus = cores()
    return 1 if n_docs < PARALLEL_MIN or cpus < 2 else min(cpus, n_docs)


def render_stale(lib: Library, project, plan: Plan, woo: bool = False, audience: str | None = None,
                 reference_doc: Path | None = None, baseline=None, progress=None) -> list:
    """The outputs of the stale documents, in memory, in document order."""
    from briefings.documents.build import Output, git_commit, render_document

    docs = [lib.by_id[doc_id] for doc_id in plan.stale]
    commit = git_commit(project.root)
    workers = 1 if baseline is not None else workers_for(len(docs))
    outputs = []
    if workers == 1:
        for doc in docs:
            outputs += render_document(lib, project, doc, plan.stale[doc.id], plan.out_dir, woo=woo,
                                       reference_doc=reference_doc, commit=commit, audience=audience,
                                       baseline=baseline)
            if progress is not None:
                progress.update(1)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # the first document is rendered here: its imports and compiled templates are then shared by
        # the forked workers instead of being redone in each
        first, docs = docs[0], docs[1:]
        outputs += render_document(lib, project, first, plan.stale[first.id], plan.out_dir, woo=woo,
                                   reference_doc=reference_doc, commit=commit, audience=audience)
        if progress is not None:
            progress.update(1)
        _JOB.update(lib=lib, project=project, formats=plan.stale, out_dir=plan.out_dir, woo=woo,
                    audience=audience, reference_doc=reference_doc, commit=commit)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_start) as pool:
            try:
                for doc, rendered in zip(docs, pool.map(_render_one, [d.id for d in docs])):
                    if isinstance(rendered, str):
                        from briefings.errors import BriefingsError

                        raise BriefingsError(rendered)
                    outputs += [Output(doc, Path(path), data, write=write, draft=draft, tracked=tracked)
                                for path, data, write, draft, tracked in rendered]
                    if progress is not None:
                        progress.update(1)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                _JOB.clear()
    paths = [o.path for o in outputs]
    if len(set(paths)) != len(paths):
        from briefings.errors import BriefingsError

        raise BriefingsError("two outputs would be written to the same path")
    return outputs
