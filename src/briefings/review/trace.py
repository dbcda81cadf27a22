"""`trace`: what an item rests on (upstream) and what rests on it (downstream), down to the documents.

Trees are plain dicts and lists, so they serialise to JSON as they are. An item met a second time
is shown once more with `"repeat": true` and no children; that also stops cycles.
"""
from __future__ import annotations

from collections import defaultdict

from briefings.content import model as m
from briefings.content.library import Library, reuses
from briefings.content.positions import locate


def _info(item: m.Item) -> dict:
    label = " ".join(str(item.label()).split())
    return {"id": item.id, "kind": item.kind, "label": label if len(label) <= 80 else label[:79] + "…",
            "location": str(locate(item))}


class _Graph:
    """Edges in both directions: (field, item) pairs, each target once per item."""

    def __init__(self, lib: Library):
        self.lib = lib
        self.out: dict[str, list[tuple[str, m.Item]]] = defaultdict(list)
        self.into: dict[str, list[tuple[str, m.Item]]] = defaultdict(list)
        self._edges: set[tuple[str, str]] = set()
        for link in lib.links:
            target = lib.by_id.get(link.target)
            if target is not None and link.kind != "bijlage":
                self._add(link.source, f"takes over its answer ({link.field})" if reuses(link) else link.field, target)
        for item in lib.by_id.values():
            parent = lib.parent(item)
            if parent is not None:
                self._add(item, "onderdeel van", parent)
            if isinstance(item, m.Document):
                for extra in lib._overview_items(item):
                    self._add(item, "overzicht", extra)

    def _add(self, source: m.Item, field: str, target: m.Item) -> None:
        if source is target or (source.id, target.id) in self._edges:
            return
        self._edges.add((source.id, target.id))
        self.out[source.id].append((field, target))
        self.into[target.id].append((field, source))

    def tree(self, item: m.Item, edges: dict, seen: set[str]) -> list[dict]:
        nodes = []
        for field, other in edges.get(item.id, ()):
            node = {**_info(other), "via": field}
            if other.id in seen:
                node["repeat"] = True
                node["children"] = []
            else:
                seen.add(other.id)
                node["children"] = self.tree(other, edges, seen)
            nodes.append(node)
        return nodes


def trace(lib: Library, item_id: str) -> dict:
    """{item, upstream, downstream, documents}: the documents are those that use the item (lib.uses)."""
    item = lib.get(item_id)
    graph = _Graph(lib)
    documents = [d for d in lib.documents() if d is not item and any(x is item for x in lib.uses(d))]
    return {
        "item": _info(item),
        "upstream": graph.tree(item, graph.out, {item.id}),
        "downstream": graph.tree(item, graph.into, {item.id}),
        "documents": [_info(d) for d in documents],
    }


def _lines(nodes: list[dict], prefix: str = "") -> list[str]:
    out = []
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        text = f"{node['kind']} {node['id']}  {node['label']}"
        if node.get("via"):
            text += f"  [{node['via']}]"
        if node.get("repeat"):
            text += "  (see above)"
        out.append(prefix + ("└── " if last else "├── ") + text)
        out += _lines(node.get("children", []), prefix + ("    " if last else "│   "))
    return out


def render_tree(tree: dict) -> str:
    """The result of trace() as an indented text tree."""
    item = tree["item"]
    out = [f"{item['kind']} {item['id']}  {item['label']}  ({item['location']})"]
    for title, key in (("rests on", "upstream"), ("used by", "downstream"), ("documents to rebuild", "documents")):
        out.append(title)
        out += _lines(tree[key]) or ["└── (nothing)"]
    return "\n".join(out)
