"""A build of one document loads only what that document needs (content/scope.py): the same items, output and
findings as from the whole library, and the whole library whenever the scan cannot settle what to load."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from briefings.checks.rules import RULES, run_checks
from briefings.content.library import open_library
from briefings.content.scope import SCOPE_MIN_FILES, scoped_library
from briefings.documents.build import content_hash, render_document
from briefings.documents.pipeline import BuildRequest, _library_for, _pick
from briefings.project import load_project
from briefings.snapshots import RACY_SECONDS

from conftest import ROOT, copy_project, run_cli

DOCUMENTS = sorted(p.stem for p in (ROOT / "content" / "documenten").glob("*.yaml"))
WHOLE_LIBRARY = {r.id for r in RULES if r.whole_library}
FACTSHEET = "factsheet-verwey-jonker-2024"


@pytest.fixture()
def scoped(monkeypatch, tmp_path):
    monkeypatch.setenv("BRIEFINGS_SCOPE", "1")
    monkeypatch.setenv("BRIEFINGS_CACHE_DIR", str(tmp_path / "cache"))


def env_of(tmp_path, scope="1"):
    return {"BRIEFINGS_SCOPE": scope, "BRIEFINGS_CACHE_DIR": str(tmp_path / "cache"), "BRIEFINGS_COMMIT": "0000000"}


def markdown(lib, project, doc_id: str) -> bytes:
    return render_document(lib, project, lib.by_id[doc_id], ("md",), project.build, commit="0000000")[0].data


@pytest.mark.parametrize("doc_id", DOCUMENTS)
def test_a_scoped_library_gives_a_document_what_the_whole_library_gives(scoped, library, project, doc_id):
    lib = scoped_library(project, lambda documents: [doc_id])
    assert lib is not None
    assert len(lib.content.paths) < len(library.content.paths)  # it did leave files unread
    doc, whole = lib.by_id[doc_id], library.by_id[doc_id]
    assert [i.id for i in lib.uses(doc)] == [i.id for i in library.uses(whole)]
    assert content_hash(lib, doc) == content_hash(library, whole)
    assert markdown(lib, project, doc_id) == markdown(library, project, doc_id)
    for least in ("error", "info"):
        assert [f for f in run_checks(lib, project, [doc_id], least=least) if f.rule not in WHOLE_LIBRARY] == \
            [f for f in run_checks(library, project, [doc_id], least=least) if f.rule not in WHOLE_LIBRARY]


def test_a_build_of_one_document_does_not_read_the_rest(scoped, tmp_path):
    project_dir = copy_project(tmp_path / "p")
    clean = run_cli("build", FACTSHEET, "--format", "md", "--out", str(tmp_path / "clean"), cwd=project_dir,
                    env=env_of(tmp_path))
    assert clean.returncode == 0, clean.stderr
    lib = scoped_library(load_project(project_dir), lambda documents: [FACTSHEET])
    unread = sorted(p for p in (project_dir / "content" / "vragen").glob("*.yaml") if str(p) not in lib.content.paths)
    assert unread
    unread[0].write_text("id: [broken\n", encoding="utf-8")

    built = run_cli("build", FACTSHEET, "--format", "md", "--out", str(tmp_path / "out"), cwd=project_dir,
                    env=env_of(tmp_path))
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / f"{FACTSHEET}.md").read_bytes() == (tmp_path / "clean" / f"{FACTSHEET}.md").read_bytes()
    shown = f"content/vragen/{unread[0].name}:2:1: invalid YAML"
    checked = run_cli("check", cwd=project_dir, env=env_of(tmp_path))
    assert checked.returncode == 1 and shown in checked.stdout + checked.stderr  # the library's check still sees it
    whole = run_cli("build", FACTSHEET, "--format", "md", "--out", str(tmp_path / "whole"), cwd=project_dir,
                    env=env_of(tmp_path, "0"))
    assert whole.returncode == 1 and shown in whole.stderr


def _unknown_figure(root: Path) -> None:
    path = root / "content" / "documenten" / f"{FACTSHEET}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "[[cijfer:vj-discriminatie]]" in text
    path.write_text(text.replace("[[cijfer:vj-discriminatie]]", "[[cijfer:vj-discriminatei]]", 1), encoding="utf-8")


def _broken_source(root: Path) -> None:
    path = root / "content" / "bronnen" / "verwey-jonker-2024.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - [unclosed\n", encoding="utf-8")


def _duplicate_figure(root: Path) -> None:
    lib = open_library(root / "content")
    figure = next(i for i in lib.uses(lib.by_id[FACTSHEET]) if i.kind == "cijfer")
    (root / "content" / "cijfers" / "tweede.yaml").write_text(
        f"bron: cbs-barometer-culturele-diversiteit\npeildatum: 2024-01-01\ncijfers:\n  - id: {figure.id}\n"
        "    waarde: 1\n    eenheid: procent\n    omschrijving: Een tweede\n", encoding="utf-8")


@pytest.mark.parametrize("breaking", [_unknown_figure, _broken_source, _duplicate_figure])
def test_what_the_scan_cannot_settle_is_reported_as_by_the_whole_library(tmp_path, breaking):
    project_dir = copy_project(tmp_path / "p")
    breaking(project_dir)
    scoped = run_cli("build", FACTSHEET, "--format", "md", cwd=project_dir, env=env_of(tmp_path))
    whole = run_cli("build", FACTSHEET, "--format", "md", cwd=project_dir, env=env_of(tmp_path, "0"))
    assert scoped.returncode == whole.returncode == 1
    assert scoped.stderr == whole.stderr and "Traceback" not in scoped.stderr
    assert ":" in scoped.stderr.splitlines()[0]  # path:line:col: message


def test_an_unknown_document_is_reported_as_ever(tmp_path):
    scoped = run_cli("build", "factsheet", "factsheet-verwey-jonker-2042", cwd=ROOT, env=env_of(tmp_path))
    whole = run_cli("build", "factsheet", "factsheet-verwey-jonker-2042", cwd=ROOT, env=env_of(tmp_path, "0"))
    assert (scoped.returncode, scoped.stderr) == (whole.returncode, whole.stderr)
    assert scoped.returncode == 1 and "did you mean" in scoped.stderr


def test_a_measure_answering_a_listed_recommendation_is_found_however_it_names_it(scoped, tmp_path):
    project_dir = copy_project(tmp_path / "p")
    project = load_project(project_dir)
    lib = open_library(project.content)
    doc_id = "reactie-op-aanbevelingen"
    recs = [i for i in lib.uses(lib.by_id[doc_id]) if i.kind == "aanbeveling"]
    measures = project_dir / "content" / "maatregelen"
    (measures / "sub").mkdir()
    thema = lib.items("maatregel")[0].thema
    (measures / "sub" / "nieuw-blok.yaml").write_text(
        f"id: nieuw-blok\ntitel: Nieuw, blok\nthema: {thema}\nstatus: nieuw\nsoort: uitvoering\n"
        f"beschrijving: Een maatregel.\nnaar_aanleiding_van:\n  - '{recs[0].id}'\n", encoding="utf-8")
    (measures / "nieuw-stroom.yaml").write_text(
        f'{{id: nieuw-stroom, titel: "Nieuw, stroom", thema: {thema}, status: nieuw, soort: uitvoering, '
        f'beschrijving: Een maatregel., naar_aanleiding_van: ["{recs[-1].id}"]}}\n', encoding="utf-8")
    (measures / "nieuw-anker.yaml").write_text(  # named before the key, through an anchor
        f"id: nieuw-anker\ntitel: &aanbeveling {recs[1].id}\nthema: {thema}\nstatus: nieuw\nsoort: uitvoering\n"
        "beschrijving: Een maatregel.\nnaar_aanleiding_van: [*aanbeveling]\n", encoding="utf-8")
    new = {"nieuw-blok", "nieuw-stroom", "nieuw-anker"}
    whole = open_library(project.content)
    assert new <= {x.id for r in recs for x in whole.measures_for(r.id)}

    part = scoped_library(project, lambda documents: [doc_id])
    assert new <= set(part.by_id)
    assert markdown(part, project, doc_id) == markdown(whole, project, doc_id)


def test_the_scan_follows_an_edit(scoped, tmp_path):
    project_dir = copy_project(tmp_path / "p")
    project = load_project(project_dir)
    before = scoped_library(project, lambda documents: [FACTSHEET])
    assert list((tmp_path / "cache").rglob("id-scan"))
    unused = next(p for p in sorted((project_dir / "content" / "vragen").glob("*.yaml"))
                  if str(p) not in before.content.paths)
    question = unused.stem
    time.sleep(RACY_SECONDS + 0.2)  # the scan of every file is kept
    assert scoped_library(project, lambda documents: [FACTSHEET]).by_id.keys() == before.by_id.keys()
    path = project_dir / "content" / "documenten" / f"{FACTSHEET}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - titel: Kerncijfers\n", f"  - titel: Kerncijfers\n    vragen: [{question}]\n", 1),
                    encoding="utf-8")
    after = scoped_library(project, lambda documents: [FACTSHEET])
    assert after is not None and question in after.by_id


def test_a_build_loads_the_whole_library_when_it_must(scoped, tmp_path, project):
    def whole():
        return "whole"

    assert _library_for(whole, project, BuildRequest(kind=FACTSHEET)) != "whole"
    for req in (BuildRequest(all_=True), BuildRequest(kind=FACTSHEET, since="HEAD"),
                BuildRequest(kind=FACTSHEET, woo=True)):
        assert _library_for(whole, project, req) == "whole"
    project_dir = copy_project(tmp_path / "p")
    settings = project_dir / "briefings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("  ernst: {}", "  ernst: {answer-copy: error}"),
                        encoding="utf-8")
    strict = load_project(project_dir)
    assert _library_for(whole, strict, BuildRequest(kind=FACTSHEET)) == "whole"  # it compares with every answer
    assert _library_for(whole, strict, BuildRequest(kind=FACTSHEET, check=False)) != "whole"


def test_a_small_library_is_loaded_whole_unless_asked(monkeypatch, tmp_path, project):
    monkeypatch.setenv("BRIEFINGS_CACHE_DIR", str(tmp_path / "cache"))
    assert len(list((ROOT / "content").rglob("*.yaml"))) < SCOPE_MIN_FILES
    for setting in ("auto", "0"):
        monkeypatch.setenv("BRIEFINGS_SCOPE", setting)
        assert scoped_library(project, lambda documents: [FACTSHEET]) is None
    monkeypatch.setenv("BRIEFINGS_SCOPE", "1")
    assert scoped_library(project, lambda documents: [FACTSHEET]) is not None


@pytest.mark.parametrize("kind, doc, expected", [
    (None, None, ["annotatie-fkd-verwey-jonker"]),
    ("factsheet", None, [FACTSHEET]),
    ("factsheet", FACTSHEET, [FACTSHEET]),
    (FACTSHEET, None, [FACTSHEET]),
    ("agenda", None, ["agenda-stuurgroep-2024-03-25", "agenda-voortgangsoverleg-2024-05-13"]),
    ("factsheet", "onbekend", None),
    ("onbekend", None, None),
])
def test_the_documents_picked_are_those_the_build_selects(scoped, project, kind, doc, expected):
    lib = scoped_library(project, lambda documents: _pick(project, BuildRequest(kind=kind, doc=doc), documents))
    if expected is None:
        assert lib is None
        return
    from briefings.documents.build import select_documents

    assert sorted(d.id for d in select_documents(lib, project, kind, doc, False)) == expected


@pytest.mark.parametrize("doc_id", ["annotatie-fkd-verwey-jonker", "reactie-op-aanbevelingen"])
def test_a_scoped_build_writes_the_same_files(tmp_path, doc_id):
    written = {}
    for scope in ("1", "0"):
        out = tmp_path / f"scope-{scope}"
        result = run_cli("build", doc_id, "--out", str(out), "--quiet", cwd=ROOT, env=env_of(tmp_path, scope))
        assert result.returncode == 0, result.stderr
        written[scope] = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}
    assert set(written["1"]) == {f"{doc_id}.md", f"{doc_id}.docx"}
    assert written["1"] == written["0"]
