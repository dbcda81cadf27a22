"""`briefings fmt`: one canonical layout, comments kept, data unchanged, files replaced in one step."""
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefings.content import fmt
from briefings.writers import files
from briefings.content import model as m
from briefings.errors import ContentError
from conftest import ROOT, run_cli

FUZZ_EXAMPLES = int(os.environ.get("BRIEFINGS_FUZZ_EXAMPLES", "100"))  # raise for a longer local run


def canonical(text: str, folder: str | None = "vragen") -> str:
    return fmt.format_text(text, folder, "test.yaml")


# --- the property: data kept, idempotent -----------------------------------------------------------

WORDS = ["de", "het", "een", "medewerkers", "ongewenst", "gedrag", "gemeente", "raad", "wethouder", "café",
         "geïnformeerd", "één", "ruïne", "👍", "🏳️‍🌈", "€", "55%", "1.500", "n.a.v.", "'t", "’s",
         "“quote”",
         "it's", '"zo"', "a: b", "key:", ": ", " #", "#", "- ", "[[cijfer:vj-respons]]", "*nadruk*", "&", "!",
         "%", "@", "`", "|", ">", "{x}", "[x]", "?", ",", "\t", "yes", "no", "on", "off", "null", "~", "0777",
         "12:30", "2024-07-04", "1e3", "3.14", "-1"]
SPECIAL = ["yes", "no", "on", "off", "Yes", "NO", "y", "n", "true", "False", "null", "~", "", " ", "0777", "007",
           "1_000", "1e3", "1.0e+3", "12:30", ".5", "+1", "0x1F", ".inf", ".nan", "2024-07-04", "2024-07-04 10:00",
           "-", "- item", ": colon", "a: b", "a #b", "#hash", "it's", '"quoted"', "'single'", "  leading",
           "trailing  ", "😀", "é ü ï", "€ 5,-", "*", "&anchor", "*alias", "!tag", "%x", "@x", "`x", "|", ">",
           "{x}", "[x]", "?", "?x", ",", "=", "<<", "\t", "tab\there", "cr\rlf", "bell\x07"]


def _line(words) -> str:
    return " ".join(words)


line = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(_line)
free_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85\u2028\u2029\ufeff"),
                    max_size=40)
multi_line = st.lists(
    st.one_of(line, line.map(lambda s: "- " + s), line.map(lambda s: "  - " + s), st.just(""), free_text),
    min_size=2, max_size=8,
).map("\n".join).flatmap(lambda s: st.sampled_from([s, s + "\n", s + "\n\n", " " + s]))
scalar = st.one_of(
    line, free_text, multi_line, st.sampled_from(SPECIAL), st.sampled_from(WORDS),
    st.integers(-10**6, 10**6), st.booleans(), st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1)),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(0, 99999).map(str),  # numbers as strings
)
ids = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
QUESTION_KEYS = list(m.Vraag.model_fields) + list(m.Maatregel.model_fields) + ["onbekend", "x-extra"]
SECTION_KEYS = list(m.Onderdeel.model_fields)


def mapping(keys, values):
    return st.dictionaries(st.sampled_from(keys), values, max_size=len(keys))


section = mapping(SECTION_KEYS, st.one_of(scalar, st.lists(ids, max_size=4)))
value = st.one_of(
    scalar, scalar, scalar,
    st.lists(ids, max_size=6), st.lists(scalar, max_size=4),
    st.lists(section, max_size=3),
    mapping(list(m.Beoordeling.model_fields) + ["extra"], scalar),
)
question = mapping(QUESTION_KEYS, value)


@st.composite
def yaml_files(draw):
    """A question- or measure-like mapping as PyYAML would write it, in any of its layouts, with comments."""
    data = draw(question)
    text = yaml.safe_dump(
        data, allow_unicode=draw(st.booleans()), sort_keys=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, None, True])), indent=draw(st.sampled_from([2, 4])),
        width=draw(st.sampled_from([40, 80, 1000])),
    )
    comments = []
    lines = text.split("\n")
    if draw(st.booleans()):
        comments.append("# yaml-language-server: $schema=../../schemas/vraag.schema.json")
        lines.insert(0, comments[-1])
    # full-line and end-of-line comments at top-level keys, where they cannot fall inside a value
    for i in range(len(lines) - 2, 0, -1):
        here, below = lines[i], lines[i + 1]
        top = here[:1] not in ("", " ", "#", "-", "{", "}")
        if top and draw(st.integers(0, 4)) == 0:
            comments.append(f"# opmerking {i}: één 😀")
            lines.insert(i, comments[-1])
        elif top and below[:1] not in ("", " ", "-") and not here.rstrip().endswith(("|", ">", "|-", ">-")) \
                and draw(st.integers(0, 4)) == 0:
            comments.append(f"# eol {i}")
            lines[i] = here + "   " + comments[-1]
    return data, "\n".join(lines), comments


@settings(derandomize=True, max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(yaml_files(), st.sampled_from(["vragen", "maatregelen", None]))
def test_fmt_keeps_data_and_comments_and_is_idempotent(case, folder):
    data, text, comments = case
    assert yaml.safe_load(text) == data  # the input itself is sound
    once = canonical(text, folder)
    assert yaml.safe_load(once) == data
    assert canonical(once, folder) == once
    for comment in comments:
        assert comment in once
    assert once.endswith("\n") and not once.endswith("\n\n")
    assert all(line == line.rstrip(" \t") for line in once.split("\n"))
    if folder:
        order = fmt.key_order(m.KINDS[folder])
        known = [k for k in yaml.safe_load(once) if k in order]
        assert known == sorted(known, key=order.index)


BRON_KEYS = ["id", "organisatie", "titel", "afkorting", "soort", "jaar", "referentie", "samenvatting", "onbekend"]
REC_KEYS = ["id", "tekst", "reactie", "toelichting", "extra"]
ENTRY_VALUES = ["a", "b c", "'q'", "2024", "'x: y'", "|\n  regel 1\n  regel 2", ">-\n  lang\n  gevouwen",
                "|+\n  keep\n"]


@st.composite
def commented_sources(draw):
    """A source with recommendations in shuffled key order, comments above and after entries at every level."""
    comments: list[str] = []

    def comment(indent: int) -> str:
        comments.append(f"# c{len(comments)}")
        return " " * indent + comments[-1]

    def entry(key: str, indent: int, dash: bool = False) -> list[str]:
        lines = [comment(draw(st.sampled_from([0, 2, 4]))) for _ in range(draw(st.integers(0, 3)) == 0)]
        head, *body = draw(st.sampled_from(ENTRY_VALUES)).split("\n")
        prefix = " " * (indent - 2) + "- " if dash else " " * indent
        if head[:1] not in ("|", ">") and draw(st.integers(0, 3)) == 0:
            comments.append(f"# eol{len(comments)}")
            head += "  " + comments[-1]
        lines.append(f"{prefix}{key}: {head}")
        lines += [" " * indent + line for line in body]
        return lines + [""] * (draw(st.integers(0, 5)) == 0)

    lines = ["# yaml-language-server: $schema=../../schemas/bron.schema.json"]
    comments.append(lines[0])
    keys = draw(st.permutations(BRON_KEYS))[:draw(st.integers(1, len(BRON_KEYS)))]
    at = draw(st.integers(0, len(keys)))
    for i, key in enumerate(keys + ["-"]):
        if i == at:
            lines.append("aanbevelingen:")
            for _ in range(draw(st.integers(1, 3))):
                rec = draw(st.permutations(REC_KEYS))[:draw(st.integers(1, len(REC_KEYS)))]
                for j, rk in enumerate(rec):
                    lines += entry(rk, 4, dash=j == 0)
        if key != "-":
            lines += entry(key, 0)
    if draw(st.booleans()):
        lines.append(comment(0))
    return "\n".join(lines) + "\n", comments


@settings(derandomize=True, max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(commented_sources())
def test_reordering_keeps_every_comment(case):
    text, comments = case
    data = yaml.safe_load(text)
    once = canonical(text, "bronnen")
    assert yaml.safe_load(once) == data
    assert canonical(once, "bronnen") == once
    for comment in comments:
        assert comment in once
    assert list(yaml.safe_load(once)) == sorted(data, key=lambda k: fmt.key_order(m.Bron).index(k)
                                                if k in m.Bron.model_fields else 99)


# --- the layout ------------------------------------------------------------------------------------


def test_canonical_layout():
    text = (
        "# yaml-language-server: $schema=../../schemas/vraag.schema.json\n"
        "status: definitief    # concept | afgestemd | definitief\n"
        "vraag: \"Zijn de uitkomsten representatief?\"\n"
        "id: representatief\n"
        "antwoord: \"- Ja\\n- Ook: \\\"zeker\\\"\\n\"\n"
        "themas:\n"
        "- sturen-en-monitoring\n"
        "bronnen: [verwey-jonker-2024]\n"
        "classificatie: 'intern'\n"
        "gecontroleerd: 2024-07-04\n"
        "notitie: 'yes'\n"
        "onbekend: 1   \n"
    )
    assert canonical(text) == (
        "# yaml-language-server: $schema=../../schemas/vraag.schema.json\n"
        "id: representatief\n"
        "vraag: Zijn de uitkomsten representatief?\n"
        "antwoord: |\n"
        "  - Ja\n"
        "  - Ook: \"zeker\"\n"
        "themas:\n"
        "  - sturen-en-monitoring\n"
        "bronnen: [verwey-jonker-2024]\n"
        "status: definitief    # concept | afgestemd | definitief\n"
        "classificatie: intern\n"
        "gecontroleerd: 2024-07-04\n"
        "notitie: 'yes'\n"
        "onbekend: 1\n"
    )


def test_nested_parts_are_ordered_by_their_own_models():
    text = (
        "soort: annotatie\nid: a\ntitel: T\n"
        "onderdelen:\n"
        "  - vragen: [v]\n    titel: Eerst\n"
        "    onderdelen:\n      - tekst: x\n        titel: Sub\n"
        "bijlagen:\n  - titel: B\n    id: b\n"
        "voor: p\ndatum: 2024-07-04\n"
    )
    out = canonical(text, "documenten")
    assert out == (
        "id: a\nsoort: annotatie\ntitel: T\ndatum: 2024-07-04\nvoor: p\n"
        "bijlagen:\n  - id: b\n    titel: B\n"
        "onderdelen:\n"
        "  - titel: Eerst\n    vragen: [v]\n"
        "    onderdelen:\n      - titel: Sub\n        tekst: x\n"
    )


def test_figures_and_recommendations_are_ordered():
    cijfers = ("cijfers:\n  - waarde: 5\n    id: c\n    eenheid: aantal\n    omschrijving: x\n"
               "peildatum: 2024-01-01\nbron: b\n")
    assert canonical(cijfers, "cijfers") == (
        "bron: b\npeildatum: 2024-01-01\ncijfers:\n"
        "  - id: c\n    waarde: 5\n    eenheid: aantal\n    omschrijving: x\n")
    bron = "id: b\naanbevelingen:\n  - reactie: deels\n    tekst: t\n    id: a\n"
    assert canonical(bron, "bronnen") == "id: b\naanbevelingen:\n  - id: a\n    tekst: t\n    reactie: deels\n"


def test_comments_survive_head_inline_and_in_lists():
    text = (
        "# yaml-language-server: $schema=../../schemas/bron.schema.json\n"
        "# Second head line\n"
        "titel: T   # inline titel\n"
        "id: b   # inline id\n"
        "aanbevelingen:\n"
        "    # before the first recommendation\n"
        "    - id: a1\n"
        "      tekst: eerste   # inline in list\n"
        "    # Aanvullende aanbevelingen\n"
        "    - tekst: tweede\n"
        "      id: a2\n"
        "# before organisatie\n"
        "organisatie: O\n"
    )
    out = canonical(text, "bronnen")
    assert out == (
        "# yaml-language-server: $schema=../../schemas/bron.schema.json\n"
        "# Second head line\n"
        "id: b   # inline id\n"
        "# before organisatie\n"
        "organisatie: O\n"
        "titel: T   # inline titel\n"
        "aanbevelingen:\n"
        "  # before the first recommendation\n"
        "  - id: a1\n"
        "    tekst: eerste     # inline in list\n"  # an end-of-line comment keeps its column
        "  # Aanvullende aanbevelingen\n"
        "  - id: a2\n"
        "    tekst: tweede\n"
    )
    assert canonical(out, "bronnen") == out


def test_blank_lines_between_sections_stay_single():
    text = "id: d\nsoort: agenda\nonderdelen:\n  - tekst: |\n      a\n\n\n\n  - titel: b\n\n\n"
    out = canonical(text, "documenten")
    assert out == "id: d\nsoort: agenda\nonderdelen:\n  - tekst: |\n      a\n\n  - titel: b\n"


def test_long_text_wraps_at_the_width_and_keeps_its_style():
    words = " ".join(["woord"] * 60)
    out = canonical(f"id: x\nvraag: {words}\nantwoord: >-\n  {words}\n")
    assert max(len(line) for line in out.split("\n")) <= fmt.WIDTH
    assert "antwoord: >-\n" in out
    assert yaml.safe_load(out) == {"id": "x", "vraag": words, "antwoord": words}


def test_a_flow_list_that_does_not_fit_becomes_a_block():
    ids_ = [f"maatregel-met-een-lange-naam-{i}" for i in range(6)]
    out = canonical(f"id: x\nmaatregelen: [{', '.join(ids_)}]\nbronnen: [a, b]\n")
    assert out == "id: x\nbronnen: [a, b]\nmaatregelen:\n" + "".join(f"  - {i}\n" for i in ids_)


def test_dates_stay_dates_and_strings_that_look_like_other_types_stay_quoted():
    text = "id: x\ngecontroleerd: 2024-07-04\nvraag: '2024-07-04'\nantwoord: \"on\"\nnotitie: '0777'\njaar: '2024'\n"
    out = canonical(text)
    assert yaml.safe_load(out) == yaml.safe_load(text)
    assert "gecontroleerd: 2024-07-04\n" in out and "vraag: '2024-07-04'\n" in out and "antwoord: 'on'\n" in out


def test_empty_and_comment_only_files_are_left_alone():
    assert canonical("") == ""
    assert canonical("# only a comment\n") == "# only a comment\n"


def test_broken_yaml_is_reported_with_its_position():
    with pytest.raises(ContentError) as info:
        canonical("id: x\nvraag: [unclosed\n")
    assert str(info.value.location).startswith("test.yaml:")
    assert info.value.location.line >= 2


def test_a_format_that_would_change_data_is_refused(monkeypatch):
    monkeypatch.setattr(fmt, "_tidy", lambda text: text.replace("waarde: 55", "waarde: 56"))
    with pytest.raises(fmt.FormatError, match="different data"):
        canonical("id: c\nwaarde: 55\n")


# --- writing files ---------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def project(tmp_path: Path) -> Path:
    write(tmp_path / "briefings.yaml", "content: content\n")
    write(tmp_path / "content/vragen/ok.yaml",
          "id: ok\nvraag: v\nantwoord: a\nstatus: concept\nclassificatie: intern\n")
    write(tmp_path / "content/vragen/messy.yaml", "vraag: v\nid: messy   # keep me\nantwoord: \"a\\nb\"\n")
    return tmp_path


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_check_lists_what_would_change_and_writes_nothing(tmp_path):
    root = project(tmp_path)
    before = (root / "content/vragen/messy.yaml").read_text()
    result = run_cli("fmt", "--check", cwd=root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [os.path.join("content", "vragen", "messy.yaml")]
    assert (root / "content/vragen/messy.yaml").read_text() == before

    result = run_cli("fmt", cwd=root)
    assert result.returncode == 0, result.stderr
    expected = "id: messy   # keep me\nvraag: v\nantwoord: |-\n  a\n  b\n"
    assert (root / "content/vragen/messy.yaml").read_text() == expected
    assert run_cli("fmt", "--check", cwd=root).returncode == 0
    assert run_cli("fmt", "--check", cwd=root).stdout == ""


def test_fmt_takes_paths_and_keeps_the_file_mode(tmp_path):
    root = project(tmp_path)
    messy = root / "content/vragen/messy.yaml"
    messy.chmod(0o640)
    result = run_cli("fmt", "content/vragen/messy.yaml", cwd=root)
    assert result.returncode == 0, result.stderr
    assert messy.read_text().startswith("id: messy")
    assert messy.stat().st_mode & 0o777 == 0o640
    assert temp_files(root) == []


def test_broken_file_is_reported_and_left_untouched(tmp_path):
    root = project(tmp_path)
    broken = write(root / "content/vragen/broken.yaml", "id: broken\nvraag: [unclosed\n")
    result = run_cli("fmt", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(os.path.join("content", "vragen", "broken.yaml") + ":3:1: invalid YAML")
    assert broken.read_text() == "id: broken\nvraag: [unclosed\n"
    assert (root / "content/vragen/messy.yaml").read_text().startswith("id: messy")  # the others are done


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed-temp-file", "named-temp-file"])
def test_a_failed_replace_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch, unnamed):
    if not unnamed:
        monkeypatch.setattr(files, "_write_unnamed", lambda path, data: False)
    root = project(tmp_path)
    messy = root / "content/vragen/messy.yaml"
    before = messy.read_text()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        fmt.format_file(messy, "vragen")
    assert messy.read_text() == before
    assert temp_files(root) == []


KILL_SCRIPT = """
import sys
from pathlib import Path
from briefings.content import fmt
sys.stdout.write("go\\n"); sys.stdout.flush()
fmt.format_file(Path(sys.argv[1]), "vragen")
"""


def test_a_killed_fmt_leaves_the_old_or_the_new_file_and_no_temp_file(tmp_path):
    lines = "".join(f"  - Regel {i}: medewerkers ervaren ongewenst gedrag, zegt 55% (één op twee).\n"
                    for i in range(6000))
    old = "vraag: Groot?\nid: groot\nantwoord: |\n" + lines + "status: concept\nclassificatie: intern\n"
    path = tmp_path / "groot.yaml"
    new = canonical(old)
    assert new != old
    rng = random.Random(20240704)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(write(tmp_path / "probe.yaml", old))], env=env,
                   check=True, capture_output=True)
    duration = time.monotonic() - start
    outcomes = set()
    for _ in range(6):
        write(path, old)
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(path)], env=env, stdout=subprocess.PIPE)
        proc.stdout.readline()
        time.sleep(rng.uniform(0, duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = path.read_text(encoding="utf-8")
        assert text in (old, new)
        outcomes.add(text == new)
        assert temp_files(tmp_path) == []
    print("killed before/after the replace:", sorted(outcomes), f"fmt took {duration:.2f}s")


def test_shipped_content_is_canonical():
    result = run_cli("fmt", "--check", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_pre_commit_hooks_are_declared():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["briefings-check"]["entry"] == "briefings check"
    assert hooks["briefings-check"]["pass_filenames"] is False
    assert hooks["briefings-fmt"]["entry"] == "briefings fmt"
    assert all(h["language"] == "python" for h in hooks.values())
