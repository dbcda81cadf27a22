"""The YAML loader: plain files are built straight from libyaml's events, everything else through its node
graph. Both must give the same data, positions and errors; YAML 1.1 semantics that content relies on are
pinned here (PyYAML follows YAML 1.1, most other parsers 1.2)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefings.content import yamlpos
from briefings.content.yamlpos import load_yaml, pack_positions, position_of
from briefings.errors import ContentError

from conftest import ROOT

YAML_1_1 = [  # text → value, as PyYAML's YAML 1.1 resolver gives it
    ("yes", True), ("No", False), ("on", True), ("OFF", False), ("true", True), ("y", "y"), ("n", "n"),
    ("010", 8), ("0o10", "0o10"), ("0x1F", 31), ("1_000", 1000), ("1:30", 90), ("08", "08"), ("1e3", "1e3"),
    ("1.5e3", "1.5e3"), ("1.0e+3", 1000.0), ("~", None), ("null", None), ("", None),
    ("2024-07-04", dt.date(2024, 7, 4)), ("2024-07-04 10:30:00", dt.datetime(2024, 7, 4, 10, 30)),
    ("'yes'", "yes"), ('"010"', "010"), ("'2024-07-04'", "2024-07-04"), ("! 12", 12), ("!!str 12", "12"),
    ("!!int '12'", 12), ("|\n  yes\n", "yes\n"), ("'55%'", "55%"), ("55%", "55%"), ("'-'", "-"),
]


@pytest.mark.parametrize("text,value", YAML_1_1, ids=[t for t, _ in YAML_1_1])
def test_yaml_1_1_scalars(text, value):
    loaded = load_yaml(f"waarde: {text}\n", "x.yaml")["waarde"]
    assert loaded == value and type(loaded) is type(value)
    assert load_yaml(f"- {text}\n", "x.yaml")[0] == value
    if not text.startswith(("!", "|")):
        assert yamlpos._load_plain(f"waarde: {text}\n", "x.yaml") is not yamlpos._COMPOSE, "a plain file"


def same(text: str) -> None:
    """The event path and the node path give the same data and positions."""
    plain = yamlpos._load_plain(text, "x.yaml")
    composed = yamlpos._load_composed(text, "x.yaml")
    assert plain is not yamlpos._COMPOSE
    assert plain == composed and type(plain) is type(composed)
    assert pack_positions(plain) == pack_positions(composed)


def test_every_shipped_file_loads_the_same_both_ways():
    files = sorted((ROOT / "content").rglob("*.yaml"))
    assert len(files) > 100
    for path in files:
        same(path.read_text(encoding="utf-8"))


def test_shapes_load_the_same_both_ways():
    same("")
    same("# only a comment\n")
    same("---\n")
    same("just text\n")
    same("- a\n- [b, {c: d}]\n- {}\n- []\n-\n")
    same("a:\n  b:\n    - c: 1\n      d: 'twee'\n    - \"drie\"\ne: >-\n  vier\n  vijf\nf: |\n  zes\n")
    same("yes: 1\n2024-01-01: datum\n3: drie\n~: leeg\n")
    same("a: {b: [1, 2, {c: [3]}]}\n")
    same("a: ! 12\nb: !!str 12\nc: !!int '12'\nd: !!map {e: 1}\nf: !!seq [1]\n")
    deep = "".join("  " * i + f"k{i}:\n" for i in range(99)) + "  " * 99 + "k: v\n"
    same(deep)


def test_positions_from_the_event_path():
    data = load_yaml("id: a\nlijst:\n  - een\n  - 'twee'\ntekst: |\n  regel\n", "x.yaml")
    assert data.key_position("lijst")[:2] == (2, 1)
    assert data["lijst"].item_position(1) == (4, 5, "'")
    assert data.value_position("tekst") == (5, 8, "|")
    assert position_of(data, ("lijst", 0))[:2] == (3, 5)


@pytest.mark.parametrize("text,message,where", [
    ("a: 1\na: 2\n", "duplicate key 'a' (first at line 1)", (2, 1)),
    ("a: !foo bar\n", "tag '!foo' is not allowed", (1, 4)),
    ("a: !!python/object:os.system x\n", "is not allowed", (1, 4)),
    ("a: !!binary aGFsbG8=\n", None, None),  # a standard tag the safe loader knows: the node path builds it
    ("a: 2024-02-30\n", "'2024-02-30' is not a valid date", (1, 4)),
    ("a: .inf\n", "'.inf' is not a finite number", (1, 4)),
    ("a: &x [1]\nb: *x\n", None, None),
    ("a: [1\n", "invalid YAML", None),
    ("a: 1\n---\nb: 2\n", "a second document", None),
    ("<<: {a: 1}\nb: 2\n", None, None),
    ("[1]: a\n", "a key must be a plain word", (1, 1)),
], ids=["duplicate", "tag", "python-tag", "binary", "bad-date", "infinite", "anchor", "unclosed", "two-documents", "merge",
        "list-key"])
def test_errors_and_the_rest_go_through_the_node_path(text, message, where):
    assert yamlpos._load_plain(text, "x.yaml") is yamlpos._COMPOSE
    if message is None:
        assert load_yaml(text, "x.yaml") == yamlpos._load_composed(text, "x.yaml")
        return
    with pytest.raises(ContentError) as caught:
        load_yaml(text, "x.yaml")
    assert message in caught.value.problem
    if where is not None:
        assert (caught.value.location.line, caught.value.location.col) == where


def test_too_deep_is_refused_with_its_place():
    text = "".join("  " * i + f"k{i}:\n" for i in range(101)) + "  " * 101 + "k: v\n"
    with pytest.raises(ContentError) as caught:
        load_yaml(text, "diep.yaml")
    assert "nested more than 100 levels deep" in caught.value.problem
    assert str(caught.value.location).startswith("diep.yaml:")


def test_generated_library_loads_the_same_both_ways(tmp_path: Path):
    import subprocess
    import sys

    out = tmp_path / "x2"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--scale", "2", "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    for path in sorted((out / "content").rglob("*.yaml")):
        same(path.read_text(encoding="utf-8"))
