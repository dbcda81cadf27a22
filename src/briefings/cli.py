"""The command line. Each command parses its options and calls one stage; imports are lazy so --help is instant."""
from __future__ import annotations

import os
import sys

import click

from briefings import __version__

FORMATS = click.Choice(["text", "json"])


class Ctx:
    def __init__(self, root):
        self.root = root
        self._project = None
        self._library = None

    @property
    def project(self):
        if self._project is None:
            from briefings.project import load_project

            self._project = load_project(self.root)
        return self._project

    @property
    def library(self):
        if self._library is None:
            import gc

            from briefings.content.library import open_library

            self._library = open_library(self.project.content, save_cache=False)
            click.get_current_context().call_on_close(self._library.content.save_cache)  # also on exit 1
            if len(self._library.content.paths) >= FREEZE_MIN_FILES:
                _LARGE.append(self._library)
            gc.freeze()  # the library lives until the command ends: spare later collections from walking it
        return self._library


FREEZE_MIN_FILES = 500  # as load.FREEZE_MIN_FILES, without importing the loader for --help
_LARGE: list = []  # a large library this process loaded: see _exit_now


pass_ctx = click.make_pass_decorator(Ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80})  # start.WIDTH
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=str), default=None,
              help="Project folder (holds briefings.yaml, content/, templates/). Default: found upwards from here.")
@click.version_option(version=__version__, prog_name="briefings")  # not from the package metadata: 0.1 s
@click.pass_context
def cli(ctx, root):
    """Policy documents as code: YAML content in, checked DOCX, Markdown and PDF out."""
    ctx.obj = Ctx(root)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option("--document", "documents", multiple=True, help="Check only what these documents use.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Check as of this date (due dates, embargoes). Default: today.")
@click.option("--list-rules", is_flag=True, help="List the rules with their severity and stop.")
@pass_ctx
def check(c, fmt, strict, documents, today, list_rules):
    """Check the library: schema, ids, references and traceability rules.

    Exit code 0 when clean, 1 on errors (or warnings with --strict), 2 on usage errors.
    """
    if list_rules:
        from briefings.checks.rules import describe_rules

        click.echo(describe_rules(c.project))
        return
    from briefings.checks.record import checked_rows, print_rows

    # loading reports schema, id and reference errors first
    rows = checked_rows(lambda: c.library, c.project, documents, today.date() if today else None)
    sys.exit(print_rows(rows, fmt, strict))


@cli.command("list")
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def list_(c, kind, fmt):
    """List the items of one KIND (vraag, maatregel, bron, cijfer, aanbeveling, document, ...)."""
    from briefings.content.views import list_items

    click.echo(list_items(c.library, kind, fmt))


@cli.command()
@click.argument("item_id")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_ctx
def show(c, item_id, fmt):
    """Show one item with everything that links to it."""
    from briefings.content.views import show_item

    click.echo(show_item(c.library, item_id, fmt))


@cli.command()
@click.argument("kind", required=False)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Write <kind>.schema.json files here (default: print).")
def schema(kind, out):
    """JSON Schema for content files, for editor validation and completion."""
    from briefings.content.schema import schema_text, write_schemas

    if out:
        for path in write_schemas(out):
            click.echo(path)
    else:
        click.echo(schema_text(kind))


@cli.command()
@click.argument("kind", required=False)
@click.argument("doc", required=False)
@click.option("--all", "all_", is_flag=True, help="Build every document in the library.")
@click.option("--format", "fmt", type=click.Choice(["docx", "md", "pdf", "both", "all"]), default="both",
              show_default=True, help="both: md and docx; all: md, docx and pdf (PDF/A, tagged; needs LibreOffice).")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Output folder (default: build/).")
@click.option("--reference-doc", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Word styles to build on (default: templates/huisstijl.docx).")
@click.option("--woo", is_flag=True, help="Woo publication: officials' names become the ground code 5.1.2e.")
@click.option("--classificatie", "audience", type=click.Choice(["openbaar", "intern", "vertrouwelijk"]), default=None,
              help="Audience of the build (default: the document's own classification; openbaar with --woo).")
@click.option("--no-check", is_flag=True, help="Build even when the checks find errors.")
@click.option("--since", metavar="REV", default=None,
              help="Also write <id>.wijzigingen.docx: the changes since this git revision as tracked changes.")
@click.option("--force", is_flag=True, help="Rebuild every output, also those whose inputs did not change.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print the warnings about what is built.")
@pass_ctx
def build(c, kind, doc, all_, fmt, out, reference_doc, woo, audience, no_check, since, force, quiet):
    """Build documents to DOCX, Markdown and PDF.

    KIND is a document kind (annotatie, raadsbrief, factsheet, achtergrondnotitie, agenda, matrix) or a
    document id; DOC picks one document of that kind. Without arguments: the default annotation.
    """
    from pathlib import Path

    from briefings.documents.pipeline import BuildRequest, build_documents

    if all_ and (kind or doc):
        raise click.UsageError("give either --all or KIND [DOC], not both")
    formats = {"both": ("md", "docx"), "all": ("md", "docx", "pdf")}.get(fmt, (fmt,))
    if since and "docx" not in formats:
        raise click.UsageError("--since marks the changes in the DOCX; use --format docx or both")
    req = BuildRequest(kind, doc, all_, formats, Path(out) if out else None,
                       Path(reference_doc) if reference_doc else None, woo, audience, not no_check, since, force, quiet)
    build_documents(lambda: c.library, c.project, req, click.echo, _progress if sys.stderr.isatty() else None,
                    click.get_current_context().call_on_close)


@cli.command()
@click.argument("doc")
@click.option("--datum", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Date it was sent (default: today).")
@pass_ctx
def verzend(c, doc, datum):
    """Record that definitief document DOC was sent: status verzonden, the date and the git commit.

    From then on `build` rebuilds exactly the sent version from that commit.
    """
    import datetime as dt

    from briefings.documents.lifecycle import send

    commit = send(c.library, c.project, doc, datum.date() if datum else dt.date.today())
    click.echo(f"sent: {doc} from commit {commit[:12]}; `build` now rebuilds this version")


@cli.command()
@click.argument("kind")
@click.option("--id", "item_id", prompt="id", help="The new item's id (lowercase, digits, hyphens).")
@click.option("--vraag", default=None, help="The question text (nieuw vraag).")
@click.option("--titel", default=None, help="The title (documents, key messages, measures).")
@click.option("--op-basis-van", "basis", default=None, metavar="DOC",
              help="Start from an earlier document: its sections and questions, a new id and date, status concept.")
@pass_ctx
def nieuw(c, kind, item_id, vraag, titel, basis):
    """Write a new content file of KIND (vraag, persoon, cijfer, kernboodschap, maatregel, toezegging, or a
    document kind such as annotatie) that passes `briefings check` at once."""
    from briefings.content.load import display_path
    from briefings.content.scaffold import create

    values = {k: v for k, v in (("vraag", vraag), ("titel", titel)) if v is not None}
    click.echo(display_path(create(c.library, kind, item_id, values, basis)))


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--thema", "themas", multiple=True, help="Only questions on this theme (repeatable).")
@click.option("--bron", "bronnen", multiple=True, help="Only questions resting on this source (repeatable).")
@click.option("--status", "statussen", multiple=True, type=click.Choice(["concept", "afgestemd", "definitief"]))
@click.option("--raadslid", "raadsleden", multiple=True, help="Only questions this council member asked.")
@click.option("--document", "documenten", multiple=True, help="Only questions this document uses.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@pass_ctx
def zoek(c, query, themas, bronnen, statussen, raadsleden, documenten, fmt, limit):
    """Search questions and answers: ranked, word forms and diacritics folded ("vraag 13 DOC" finds by number)."""
    from briefings.search.index import Filters, search

    filters = Filters(themas, bronnen, statussen, raadsleden, documenten)
    click.echo(search(c.project, lambda: c.library, " ".join(query), filters, fmt, limit,
                      note=lambda text: click.echo(text, err=True)))


def _progress(length: int):
    """A progress bar on stderr, only for a person watching; stderr stays errors only otherwise."""
    return click.progressbar(length=length, label="building", file=getattr(sys.stderr, "stream", sys.stderr))


@cli.group("export")
def export_():
    """Export content for communications: approved, public answers unless asked otherwise."""


@export_.command("vragen")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True,
              help="html: one self-contained page with a search box.")
@click.option("--thema", "themas", multiple=True, help="Only questions on this theme (repeatable).")
@click.option("--bron", "bronnen", multiple=True, help="Only questions resting on this source (repeatable).")
@click.option("--status", "statussen", multiple=True, type=click.Choice(["concept", "afgestemd", "definitief"]),
              help="Answers with this status (repeatable; default: definitief).")
@click.option("--classificatie", "classificaties", multiple=True,
              type=click.Choice(["openbaar", "intern", "vertrouwelijk"]),
              help="The audience, as in build: answers of this classification and below (default: openbaar). "
                   "Above openbaar the export is not for publication.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to this file (default: print).")
@pass_ctx
def export_vragen(c, fmt, themas, bronnen, statussen, classificaties, out):
    """Questions and answers with figures, themes and sources; no internal fields, no officials' names."""
    from briefings.publish.export import VraagFilter, export_command

    filt = VraagFilter(themas=themas, bronnen=bronnen, statussen=statussen or ("definitief",),
                       classificaties=VraagFilter.up_to(classificaties or ("openbaar",)))
    export_command(c.library, filt, fmt, out, click.echo, c.project)


@cli.command()
@click.argument("ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Review every question.")
@click.option("--door", default=None, help="Person id of the reviewer.")
@pass_ctx
def review(c, ids, all_, door):
    """Record that answers were reviewed: date and a fingerprint of what they rest on."""
    import datetime as dt

    from briefings.checks.fingerprint import review as record_review
    from briefings.content.load import display_path

    if all_:
        ids = tuple(v.id for v in c.library.items("vraag"))
    if not ids:
        raise click.UsageError("give one or more question ids, or --all")
    for path in record_review(c.library, list(ids), dt.date.today(), door=door):
        click.echo(display_path(path))


@cli.command()
@click.argument("item_id")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_ctx
def trace(c, item_id, fmt):
    """What an item rests on (upstream) and which items and documents use it (downstream)."""
    import json

    from briefings.review.trace import render_tree, trace as trace_item

    tree = trace_item(c.library, item_id)
    click.echo(json.dumps(tree, ensure_ascii=False, indent=2) if fmt == "json" else render_tree(tree))


@cli.command()
@click.option("--bron", "bronnen", multiple=True, help="Only these sources (repeatable).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_ctx
def matrix(c, bronnen, fmt):
    """Recommendations × measures: the response to every recommendation.

    Build it as a document with `briefings build matrix`.
    """
    from briefings.review.matrix import matrix_command

    click.echo(matrix_command(c.library, list(bronnen) or None, fmt))


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--check", is_flag=True, help="Write nothing; list the files that would change and exit 1 if any.")
@pass_ctx
def fmt_(c, paths, check):
    """Rewrite content files in their canonical layout (default: the whole content folder).

    Keys in model order, comments kept, data unchanged; every file is replaced in one step.
    """
    from briefings.content.fmt import run

    sys.exit(run(c.project.content, paths, check, click.echo))


@cli.group("import")
def import_():
    """Bring Word documents into the library: an annotation written by hand, or a reviewer's edits."""


@import_.command("annotatie")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--dry-run", is_flag=True, help="Write nothing; print the files it would write.")
@click.option("--id", "doc_id", default=None, help="Id of the new document (default: from meeting and agenda item).")
@pass_ctx
def import_annotatie(c, file, dry_run, doc_id):
    """An annotation written in Word (.docx) or Markdown → a document spec, its questions and key messages."""
    from briefings.importers.annotatie import run

    sys.exit(run(c.project, file, dry_run, doc_id, click.echo))


@import_.command("wijzigingen")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--dry-run", is_flag=True, help="Write nothing; show the result as `briefings diff` would.")
@click.option("--opmerkingen", is_flag=True, help="Keep the reviewers' comments in each question's notitie.")
@pass_ctx
def import_wijzigingen(c, file, dry_run, opmerkingen):
    """A built DOCX edited in Word (tracked changes, direct edits, comments) back into the YAML."""
    from briefings.importers.wijzigingen import run

    sys.exit(run(c.project, file, dry_run, opmerkingen, click.echo))


@cli.command("diff")
@click.argument("rev", required=False)
@click.argument("rev2", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@pass_ctx
def diff_(c, rev, rev2, fmt):
    """What changed in the content between two git revisions, item by item.

    Default: HEAD against the working tree; one REV: REV against the working tree.
    """
    from briefings.review.diff import diff_command

    click.echo(diff_command(c.project, rev, rev2, fmt), nl=False)


def _interrupted(signum, frame):
    """SIGTERM ends a run as Ctrl-C does: temporary files are removed, finished outputs stay."""
    import signal

    caller = frame
    while caller is not None:
        if caller.f_code.co_name == "__del__":  # an exception there is only printed and lost: try again shortly
            signal.signal(signal.SIGALRM, _interrupted)
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
        caller = caller.f_back
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not interrupt the clean-up
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt


def _unraisable(info) -> None:
    """An interrupt that landed where Python only reports exceptions (a finaliser, a weakref callback in the
    import system): raise it again shortly, at a point where it ends the run, instead of printing it."""
    if isinstance(info.exc_value, KeyboardInterrupt):
        import signal

        signal.signal(signal.SIGALRM, _interrupted)
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        return
    sys.__unraisablehook__(info)


def _skip_pydantic_plugins() -> None:
    """No scan of every installed package for pydantic plugins, and not even the import of importlib.metadata
    that pydantic's plugin loader makes to be able to scan (a tenth of a build's imports)."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__" and "pydantic.plugin._loader" not in sys.modules:
        import types

        loader = types.ModuleType("pydantic.plugin._loader", "No pydantic plugins (PYDANTIC_DISABLE_PLUGINS=__all__).")
        loader.get_plugins = lambda: ()
        sys.modules[loader.__name__] = loader


def main(argv=None):
    """Entry point: user errors print as `path:line:col: message`; nothing prints a traceback."""
    import signal

    _skip_pydantic_plugins()
    previous = {}
    current = signal.getsignal(signal.SIGINT)
    if current is signal.default_int_handler or getattr(current, "briefings_early", False):  # not when embedded
        try:
            previous = {sig: signal.signal(sig, _interrupted) for sig in (signal.SIGINT, signal.SIGTERM)}
            sys.unraisablehook = _unraisable
        except ValueError:  # not the main thread
            previous = {}
    from briefings.printable import PrintableStream

    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PrintableStream(sys.stdout), PrintableStream(sys.stderr)
    try:
        _run(argv, previous)
    except KeyboardInterrupt:  # landed after the command had finished, while tidying up
        sys.exit(130)
    except SystemExit as exc:
        if _LARGE and argv is None:  # run as a program, done with a large library
            _exit_now(exc.code)
        raise
    finally:
        sys.stdout, sys.stderr = streams


def _exit_now(code) -> None:
    """Exit without freeing a large library object by object, which takes longer than checking it
    (a quarter of a second for 17,000 files). Exit handlers still run and output is flushed."""
    import atexit

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 1  # e.g. a closed pipe: as Python itself reports it
    os._exit(status)


def _run(argv, previous: dict) -> None:
    import signal

    try:
        cli.main(args=argv, prog_name="briefings", standalone_mode=True)
    except SystemExit:
        raise
    except RecursionError:
        click.echo("briefings: input nested too deeply", err=True)
        sys.exit(1)
    except OSError as exc:  # the operating system refused; where it was known, a stage said what it was doing
        if os.environ.get("BRIEFINGS_DEBUG"):
            raise
        from briefings.errors import shown_path

        reason = exc.strerror or str(exc) or type(exc).__name__
        click.echo(f"briefings: cannot access {shown_path(exc.filename)}: {reason}" if exc.filename
                   else f"briefings: {reason}", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: say so briefly, show the traceback only on request
        if os.environ.get("BRIEFINGS_DEBUG"):
            raise
        click.echo(f"briefings: internal error: {type(exc).__name__}: {exc} (set BRIEFINGS_DEBUG=1 for details)",
                   err=True)
        sys.exit(1)
    finally:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is _interrupted:  # after an interrupt they stay ignored until the exit
                signal.signal(sig, handler)
        if previous and sys.unraisablehook is _unraisable:
            sys.unraisablehook = sys.__unraisablehook__
        import gc

        gc.unfreeze()  # for a caller that goes on (Ctx.library froze the library)
