"""The command line. Each command parses its options and calls one stage; imports are lazy so --help is instant."""
from __future__ import annotations

import os
import sys

import click

FORMATS = click.Choice(["text", "json"])


class Ctx:
    def __init__(self, root):
        self.root = root
        self._project = None
        self._library = None

    @property
    def project(self):
        if self._project is None:
            from .project import load_project

            self._project = load_project(self.root)
        return self._project

    @property
    def library(self):
        if self._library is None:
            from .library import open_library

            self._library = open_library(self.project.content)
        return self._library


pass_ctx = click.make_pass_decorator(Ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--root", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Project folder (holds briefings.yaml, content/, templates/). Default: found upwards from here.")
@click.version_option(package_name="briefings")
@click.pass_context
def cli(ctx, root):
    """Policy documents as code: YAML content in, checked DOCX and Markdown out."""
    ctx.obj = Ctx(root)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option("--document", "documents", multiple=True, help="Check only what these documents use.")
@pass_ctx
def check(c, fmt, strict, documents):
    """Check the library: schema, ids, references and traceability rules."""
    from .checks import run_checks
    from .report import exit_code, print_findings

    findings = run_checks(c.library, c.project, documents=documents or None)
    print_findings(findings, fmt)
    sys.exit(exit_code(findings, strict))


@cli.command("list")
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def list_(c, kind, fmt):
    """List the items of one KIND (vraag, maatregel, bron, cijfer, aanbeveling, document, ...)."""
    from .views import list_items

    click.echo(list_items(c.library, kind, fmt))


@cli.command()
@click.argument("item_id")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_ctx
def show(c, item_id, fmt):
    """Show one item with everything that links to it."""
    from .views import show_item

    click.echo(show_item(c.library, item_id, fmt))


@cli.command()
@click.argument("kind", required=False)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Write <kind>.schema.json files here (default: print).")
def schema(kind, out):
    """JSON Schema for content files, for editor validation and completion."""
    from .schema import schema_text, write_schemas

    if out:
        for path in write_schemas(out):
            click.echo(path)
    else:
        click.echo(schema_text(kind))


def main(argv=None):
    """Entry point: user errors print as `path:line:col: message`; nothing prints a traceback."""
    try:
        cli.main(args=argv, prog_name="briefings", standalone_mode=True)
    except SystemExit:
        raise
    except RecursionError:
        click.echo("briefings: input nested too deeply", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: say so briefly, show the traceback only on request
        if os.environ.get("BRIEFINGS_DEBUG"):
            raise
        click.echo(f"briefings: internal error: {type(exc).__name__}: {exc} (set BRIEFINGS_DEBUG=1 for details)",
                   err=True)
        sys.exit(1)
