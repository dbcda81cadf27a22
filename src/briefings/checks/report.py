"""Printing check findings as text, JSON or GitHub annotations, and the exit code they imply."""
from __future__ import annotations

from dataclasses import dataclass

import click

from briefings.checks.output import SEVERITIES, exit_code_of, format_rows, render_row, sort_key  # noqa: F401


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    severity: str
    rule: str
    message: str
    hint: str | None = None
    item: str | None = None

    def row(self) -> tuple:
        return (self.path, self.line, self.col, self.severity, self.rule, self.message, self.hint, self.item)

    def render(self) -> str:
        return render_row(self.row())


def sort_findings(findings):
    return sorted(findings, key=lambda f: sort_key(f.row()))


def print_findings(findings, fmt: str = "text") -> None:
    lines, summary = format_rows([f.row() for f in sort_findings(findings)], fmt)
    for line in lines:
        click.echo(line)
    if summary is not None:
        click.echo(summary, err=True)


def exit_code(findings, strict: bool = False) -> int:
    return exit_code_of([f.row() for f in findings], strict)
