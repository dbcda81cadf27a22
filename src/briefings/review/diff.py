"""What changed in the content between two git revisions: items added, removed and changed, by id.

The content at a revision is read straight from git's object store into a temporary folder and loaded
like any library, so the comparison is between items, not lines: a moved key or a reflowed paragraph is
no change, a new figure value is. Documents that use a changed item, in either revision, are listed
as affected.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import shutil
import tempfile
import typing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import BaseModel

from briefings.content import model as m
from briefings.content.revisions import RevisionError, export_content, git, repo_root, resolve  # noqa: F401
from briefings.errors import BriefingsError
from briefings.content.library import Library, open_library
from briefings.content.load import display_path

WORKING_TREE = "working tree"
_TOKEN = re.compile(r"\n|[^\S\n]+|\w+|[^\w\s]")
_LABEL_WIDTH = 80


@dataclass
class Revision:
    """One side of a comparison: its name as given, its commit (None for the working tree) and its library."""

    name: str
    commit: str | None
    library: Library
    root: Path  # the content folder it was loaded from

    @property
    def title(self) -> str:
        return f"{self.name} ({self.commit[:7]})" if self.commit else self.name


def open_revision(project, rev: str | None, workdir: Path) -> Revision:
    """The library at a revision; None is the working tree."""
    content = Path(project.content)
    if rev is None:
        return Revision(WORKING_TREE, None, open_library(content), content)
    repo = repo_root(content if content.exists() else Path(project.root))
    commit = resolve(repo, rev)
    try:
        content_rel = PurePosixPath(content.resolve().relative_to(repo.resolve()).as_posix())
    except ValueError:
        raise RevisionError(f"the content folder {content} is not inside the git repository {repo}") from None
    folder = export_content(repo, commit, content_rel, workdir / commit)
    try:
        library = open_library(folder)
    except BriefingsError as exc:
        text = exc.render()
        for shown in {str(workdir / commit), display_path(workdir / commit)}:  # as messages print paths
            text = text.replace(shown + os.sep, f"{rev}:")
        raise RevisionError(f"the content at revision '{rev}' does not load:\n{text}") from None
    return Revision(rev, commit, library, folder)


# --- comparing --------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    old: object
    new: object

    @property
    def is_text(self) -> bool:
        return isinstance(self.old, str) and isinstance(self.new, str)

    def words(self) -> list[tuple[str, str]]:
        """The word diff of a text field: ("=", same), ("-", removed), ("+", added) segments."""
        return word_diff(self.old, self.new) if self.is_text else []


@dataclass
class ItemChange:
    status: str  # added | removed | changed
    id: str
    kind: str
    label: str
    path: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class AffectedDocument:
    id: str
    titel: str
    items: list[str]


@dataclass
class ContentDiff:
    old: str
    new: str
    items: list[ItemChange]
    documents: list[AffectedDocument]

    def by_status(self, status: str) -> list[ItemChange]:
        return [c for c in self.items if c.status == status]


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff: words, runs of spaces, line breaks and punctuation are the units."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    from briefings.writers.redline import phrase_diff  # the DOCX redline aligns words the same way

    for tag, i1, i2, j1, j2 in phrase_diff(a, b, str.isspace):
        if tag == "=":
            add("=", "".join(a[i1:i2]))
        else:
            add("-", "".join(a[i1:i2]))
            add("+", "".join(b[j1:j2]))
    return segments


def _project(value):
    """A field's value for comparison: child items by id (they are compared on their own)."""
    if isinstance(value, m.Item):
        return value.id
    if isinstance(value, BaseModel):
        return {name: _project(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list):
        return [_project(v) for v in value]
    return value


def _is_children(cls: type[BaseModel], name: str) -> bool:
    """A field holding child items (a source's findings and recommendations): they are diffed themselves."""
    annotation = cls.model_fields[name].annotation
    args = typing.get_args(annotation)
    return typing.get_origin(annotation) is list and bool(args) and isinstance(args[0], type) and issubclass(
        args[0], m.Item)


def compare_items(old: m.Item, new: m.Item) -> list[FieldChange]:
    """The fields that differ, down into nested parts (`onderdelen.1.tekst`); child items are left out."""
    changes: list[FieldChange] = []
    if type(old) is not type(new):
        changes.append(FieldChange("kind", old.kind, new.kind))
    names = list(type(new).model_fields) + [n for n in type(old).model_fields if n not in type(new).model_fields]
    for name in names:
        cls = type(new) if name in type(new).model_fields else type(old)
        if not _is_children(cls, name):
            _compare_values(name, _project(getattr(old, name, None)), _project(getattr(new, name, None)), changes)
    return changes


def _compare_values(path: str, a, b, out: list[FieldChange]) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(b) + [k for k in a if k not in b]:
            _compare_values(f"{path}.{key}", a.get(key), b.get(key), out)
    elif isinstance(a, list) and isinstance(b, list) and a and b and all(isinstance(x, dict) for x in a + b):
        _compare_parts(path, a, b, out)
    else:
        out.append(FieldChange(path, a, b))


def _compare_parts(path: str, a: list[dict], b: list[dict], out: list[FieldChange]) -> None:
    """Lists of nested parts (sections, attachments): aligned, so one inserted section is one change."""
    def key(part: dict) -> str:
        return json.dumps(part, sort_keys=True, default=str)

    matcher = difflib.SequenceMatcher(None, [key(x) for x in a], [key(x) for x in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            _compare_values(f"{path}.{j1 + k}", a[i1 + k], b[j1 + k], out)
        for k in range(i1 + paired, i2):
            out.append(FieldChange(f"{path}.{k}", a[k], None))
        for k in range(j1 + paired, j2):
            out.append(FieldChange(f"{path}.{k}", None, b[k]))


def _label(item: m.Item) -> str:
    text = " ".join(str(item.label()).split())
    return text if len(text) <= _LABEL_WIDTH else text[:_LABEL_WIDTH - 1] + "…"


def _path(item: m.Item, root: Path) -> str:
    path = Path(getattr(item, "_path", "") or "")
    try:
        return (PurePosixPath(root.name) / PurePosixPath(Path(os.path.abspath(path)).relative_to(
            os.path.abspath(root)).as_posix())).as_posix()
    except ValueError:
        return path.as_posix()


def _order(change: ItemChange):
    kinds = m.ITEM_KINDS
    return (kinds.index(change.kind) if change.kind in kinds else len(kinds), change.id)


def compare(old: Revision, new: Revision) -> ContentDiff:
    """Items added, removed and changed from old to new, and the documents they touch."""
    a, b = old.library.by_id, new.library.by_id
    items: list[ItemChange] = []
    for item_id in b.keys() - a.keys():
        item = b[item_id]
        items.append(ItemChange("added", item_id, item.kind, _label(item), _path(item, new.root)))
    for item_id in a.keys() - b.keys():
        item = a[item_id]
        items.append(ItemChange("removed", item_id, item.kind, _label(item), _path(item, old.root)))
    for item_id in a.keys() & b.keys():
        fields = compare_items(a[item_id], b[item_id])
        if fields:
            item = b[item_id]
            items.append(ItemChange("changed", item_id, item.kind, _label(item), _path(item, new.root), fields))
    items.sort(key=_order)
    return ContentDiff(old.title, new.title, items, affected_documents(old.library, new.library, items))


def affected_documents(old: Library, new: Library, items: list[ItemChange]) -> list[AffectedDocument]:
    """Documents that use a changed, added or removed item, in either revision."""
    touched = {c.id for c in items}
    found: dict[str, AffectedDocument] = {}
    for lib in (new, old):
        for doc in lib.documents():
            hits = [i.id for i in lib.uses(doc) if i.id in touched]
            if not hits:
                continue
            entry = found.setdefault(doc.id, AffectedDocument(doc.id, _label(doc), []))
            entry.items.extend(h for h in hits if h not in entry.items)
    for entry in found.values():
        entry.items.sort()
    return sorted(found.values(), key=lambda d: d.id)


def diff_revisions(project, rev: str | None = None, rev2: str | None = None) -> ContentDiff:
    """The content diff between rev (default HEAD) and rev2 (default the working tree)."""
    workdir = Path(tempfile.mkdtemp(prefix="briefings-diff-"))
    try:
        old = open_revision(project, rev or "HEAD", workdir)
        new = open_revision(project, rev2, workdir)
        return compare(old, new)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- output -----------------------------------------------------------------------------------------


def _show(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):  # a nested part: named by its title or id
        name = value.get("titel") or value.get("id")
        return f"'{name}'" if name else json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=True)
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _lines(segments: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Segments split at line breaks; only lines that hold a change."""
    lines: list[list[tuple[str, str]]] = [[]]
    for op, text in segments:
        for i, part in enumerate(text.split("\n")):
            if i:
                lines.append([])
            if part:
                lines[-1].append((op, part))
    return [line for line in lines if any(op != "=" for op, _ in line)]


def _list_change(old: list, new: list) -> list[tuple[str, str]]:
    removed = [v for v in old if v not in new]
    added = [v for v in new if v not in old]
    if not removed and not added:  # same values, another order
        return [("-", _show(old)), ("+", _show(new))]
    return [("-", _show(v)) for v in removed] + [("+", _show(v)) for v in added]


def render_text(diff: ContentDiff) -> str:
    out = [f"content diff {diff.old} → {diff.new}: {_summary(diff)}"]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for status in ("added", "removed", "changed"):
        changes = diff.by_status(status)
        if not changes:
            continue
        out += ["", status]
        for c in changes:
            out.append(f"  {marks[status]} {c.kind} {c.id}: {c.label}  ({c.path})")
            for f in c.fields:
                out += _text_field(f)
    if diff.documents:
        out += ["", "affected documents"]
        for d in diff.documents:
            out.append(f"  {d.id} ({d.titel}): {', '.join(d.items)}")
    return "\n".join(out) + "\n"


def _text_field(f: FieldChange) -> list[str]:
    mark = {"-": lambda t: f"[-{t}-]", "+": lambda t: f"{{+{t}+}}", "=": lambda t: t}
    if f.is_text:
        lines = _lines(f.words())
        if len(lines) == 1 and "\n" not in f.old + f.new:
            return [f"      {f.name}: " + "".join(mark[op](t) for op, t in lines[0])]
        return [f"      {f.name}:"] + ["        " + "".join(mark[op](t) for op, t in line) for line in lines]
    if isinstance(f.old, list) and isinstance(f.new, list):
        return [f"      {f.name}: " + " ".join(mark[op](t) for op, t in _list_change(f.old, f.new))]
    return [f"      {f.name}: {_show(f.old)} → {_show(f.new)}"]


_MD_SPECIAL = re.compile(r"([\\`*_~<>|\[\]])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_segment(op: str, text: str) -> str:
    """A changed run in Markdown; spaces stay outside the markers so they render."""
    if op == "=" or not text.strip():
        return _md(text)
    core = text.strip()  # not a regex: (.*?)(\s*)$ is quadratic in a long run of spaces
    lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    marker = "~~" if op == "-" else "**"
    return f"{lead}{marker}{_md(core)}{marker}{trail}"


def _md_line(segments: list[tuple[str, str]]) -> str:
    """One line of a word diff in Markdown: ~~removed~~ **added**, a space between the two."""
    out = []
    for i, (op, text) in enumerate(segments):
        if op == "+" and i and segments[i - 1][0] == "-" and not segments[i - 1][1][-1:].isspace():
            out.append(" ")
        out.append(_md_segment(op, text))
    return "".join(out)


def render_markdown(diff: ContentDiff) -> str:
    out = [f"## Content changes: `{diff.old}` → `{diff.new}`", "", _summary(diff)]
    titles = {"added": "Added", "removed": "Removed", "changed": "Changed"}
    for status in ("added", "removed", "changed"):
        changes = diff.by_status(status)
        if not changes:
            continue
        out += ["", f"### {titles[status]} ({len(changes)})", ""]
        for c in changes:
            out.append(f"- {c.kind} `{c.id}`: {_md(c.label)}")
            for f in c.fields:
                out += _markdown_field(f)
    if diff.documents:
        out += ["", f"### Affected documents ({len(diff.documents)})", ""]
        for d in diff.documents:
            out.append(f"- `{d.id}`: {_md(d.titel)} (uses {', '.join(f'`{i}`' for i in d.items)})")
    return "\n".join(out) + "\n"


def _markdown_field(f: FieldChange) -> list[str]:
    if f.is_text:
        lines = _lines(f.words())
        if len(lines) == 1 and "\n" not in f.old + f.new:
            return [f"  - `{f.name}`: " + _md_line(lines[0])]
        return [f"  - `{f.name}`:", ""] + ["    > " + _md_line(line) for line in lines] + [""]
    if isinstance(f.old, list) and isinstance(f.new, list):
        return [f"  - `{f.name}`: " + " ".join(_md_segment(op, t) for op, t in _list_change(f.old, f.new))]
    return [f"  - `{f.name}`: " + _md_segment("-", _show(f.old)) + " → " + _md_segment("+", _show(f.new))]


def _summary(diff: ContentDiff) -> str:
    if not diff.items:
        return "no content changes"
    counts = ", ".join(f"{len(diff.by_status(s))} {s}" for s in ("added", "removed", "changed"))
    n = len(diff.documents)
    return f"{counts}; {n} document{'s' if n != 1 else ''} affected"


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def render_json(diff: ContentDiff) -> str:
    def item(c: ItemChange) -> dict:
        entry = {"id": c.id, "kind": c.kind, "label": c.label, "path": c.path}
        if c.status == "changed":
            entry["fields"] = [
                {"field": f.name, "old": f.old, "new": f.new, **({"words": [list(s) for s in f.words()]}
                                                                 if f.is_text else {})}
                for f in c.fields
            ]
        return entry

    data = {
        "from": diff.old,
        "to": diff.new,
        **{status: [item(c) for c in diff.by_status(status)] for status in ("added", "removed", "changed")},
        "documents": [{"id": d.id, "titel": d.titel, "items": d.items} for d in diff.documents],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def diff_command(project, rev: str | None, rev2: str | None, fmt: str = "text") -> str:
    """The `diff` command: the rendered content diff."""
    return RENDERERS[fmt](diff_revisions(project, rev, rev2))
