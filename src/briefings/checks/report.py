"""Printing check findings as text, JSON or GitHub annotations, and the exit code they imply."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import click

SEVERITIES = ("error", "warning", "info")


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

    def render(self) -> str:
        loc = self.path if not self.line else f"{self.path}:{self.line}:{self.col}" if self.col else f"{self.path}:{self.line}"
        text = f"{loc}: {self.severity}: {self.message} [{self.rule}]"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def sort_findings(findings):
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (f.path, f.line, f.col, order.get(f.severity, 9), f.rule, f.message))


def print_findings(findings, fmt: str = "text") -> None:
    findings = sort_findings(findings)
    if fmt == "json":
        click.echo(json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2))
        return
    for f in findings:
        if fmt == "github":
            level = {"error": "error", "warning": "warning"}.get(f.severity, "notice")
            msg = f"{f.message} [{f.rule}]".replace("%", "%25").replace("\n", "%0A")
            click.echo(f"::{level} file={f.path},line={f.line or 1},col={f.col or 1},title={f.rule}::{msg}")
        else:
            click.echo(f.render())
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    if fmt == "text":
        summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items())
        click.echo(f"{summary}" if findings else "no findings", err=True)


def exit_code(findings, strict: bool = False) -> int:
    if any(f.severity == "error" for f in findings):
        return 1
    if strict and any(f.severity == "warning" for f in findings):
        return 1
    return 0
