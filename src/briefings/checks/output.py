"""The text of check findings (text, JSON, GitHub annotations) and the exit code they imply, from plain rows.

Kept apart from report.Finding and Click, so that a check answered from its record (see record) prints
exactly what a check that ran prints, without importing either."""

SEVERITIES = ("error", "warning", "info")
FIELDS = ("path", "line", "col", "severity", "rule", "message", "hint", "item")  # a row, as report.Finding


def render_row(row) -> str:
    path, line, col, severity, rule, message, hint = row[:7]
    loc = path if not line else f"{path}:{line}:{col}" if col else f"{path}:{line}"
    text = f"{loc}: {severity}: {message} [{rule}]"
    if hint:
        text += f"\n  hint: {hint}"
    return text


def sort_key(row):
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return (row[0], row[1], row[2], order.get(row[3], 9), row[4], row[5])


def format_rows(rows, fmt: str = "text") -> tuple[list[str], str | None]:
    """(lines for standard output, the summary line for standard error or None) of sorted rows."""
    if fmt == "json":
        import json

        return [json.dumps([dict(zip(FIELDS, row)) for row in rows], ensure_ascii=False, indent=2)], None
    out = []
    for row in rows:
        if fmt == "github":
            level = {"error": "error", "warning": "warning"}.get(row[3], "notice")
            msg = f"{row[5]} [{row[4]}]".replace("%", "%25").replace("\n", "%0A")
            out.append(f"::{level} file={row[0]},line={row[1] or 1},col={row[2] or 1},title={row[4]}::{msg}")
        else:
            out.append(render_row(row))
    if fmt != "text":
        return out, None
    counts = {s: sum(1 for row in rows if row[3] == s) for s in SEVERITIES}
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items())
    return out, summary if rows else "no findings"


def exit_code_of(rows, strict: bool = False) -> int:
    if any(row[3] == "error" for row in rows):
        return 1
    if strict and any(row[3] == "warning" for row in rows):
        return 1
    return 0
