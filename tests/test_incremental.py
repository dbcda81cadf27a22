"""Incremental builds: only outputs whose inputs changed are rebuilt; the manifest says what they were."""
import json
import os
import re
import subprocess
import sys
import time

import pytest

from briefings import paths
from briefings.documents import quick

from conftest import copy_project, run_cli

FIXED = {"BRIEFINGS_COMMIT": "0000000incr"}
SETTLE = quick.RACY_SECONDS + 0.2  # files changed more recently than this are never trusted by their stat


def build(project, *args):
    result = run_cli("build", "--all", *args, cwd=project, env=FIXED)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    written = {line.rsplit("/", 1)[-1] for line in lines if not line.startswith("unchanged: ")}
    unchanged = {line.rsplit("/", 1)[-1] for line in lines if line.startswith("unchanged: ")}
    return written, unchanged


def outputs(project):
    return {p.name for p in (project / "build").iterdir() if not p.name.startswith(".")}


@pytest.fixture()
def project(tmp_path):
    project = copy_project(tmp_path)
    written, unchanged = build(project)
    assert unchanged == set() and written == outputs(project)
    return project


def users_of(project, item_id):
    """The ids of the documents that use an item, as the library says."""
    from briefings.content.library import open_library

    lib = open_library(project / "content")
    return {d.id for d in lib.documents() if item_id in {i.id for i in lib.uses(d)}}


def manifest_of(project):
    return json.loads((project / "build" / ".briefings-manifest.json").read_text(encoding="utf-8"))


def test_noop_rebuild_writes_nothing(project):
    before = {p.name: p.stat().st_mtime_ns for p in (project / "build").iterdir() if not p.name.startswith(".")}
    recorded = manifest_of(project)["outputs"]
    written, unchanged = build(project)
    assert written == set()
    assert unchanged == outputs(project)
    after = {p.name: p.stat().st_mtime_ns for p in (project / "build").iterdir() if not p.name.startswith(".")}
    assert after == before
    assert manifest_of(project)["outputs"] == recorded  # at most the snapshot of this request was added
    time.sleep(SETTLE)
    build(project)  # the files have settled: this one records the snapshot
    stamp = (project / "build" / ".briefings-manifest.json").stat().st_mtime_ns
    assert build(project) == (set(), outputs(project))
    assert (project / "build" / ".briefings-manifest.json").stat().st_mtime_ns == stamp  # not even the manifest


def test_noop_rebuild_loads_no_renderer(project):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "briefings", "build", "--all"],
                            cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert not {"jinja2", "docx", "markdown_it", "babel"} & imported


def test_changed_figure_rebuilds_exactly_the_documents_using_it(project):
    expected = users_of(project, "vj-ongewenst-gedrag")
    all_docs = {p.stem for p in (project / "content" / "documenten").glob("*.yaml")}
    assert expected and expected < all_docs  # the test means something only if some documents do not use it
    figures = project / "content" / "cijfers" / "verwey-jonker-2024.yaml"
    text = figures.read_text(encoding="utf-8")
    changed = re.sub(r"(id: vj-ongewenst-gedrag\n\s+waarde:) 55", r"\1 56", text)
    assert changed != text
    figures.write_text(changed, encoding="utf-8")
    written, unchanged = build(project)
    assert {name.rsplit(".", 1)[0] for name in written} == expected
    assert {name.rsplit(".", 1)[0] for name in unchanged} == all_docs - expected
    assert "56%" in (project / "build" / "factsheet-verwey-jonker-2024.md").read_text(encoding="utf-8")


def test_force_rebuilds_everything(project):
    written, unchanged = build(project, "--force")
    assert unchanged == set()
    assert written == outputs(project)


def test_deleted_output_is_rebuilt(project):
    (project / "build" / "factsheet-verwey-jonker-2024.docx").unlink()
    written, unchanged = build(project)
    assert written == {"factsheet-verwey-jonker-2024.docx"}
    assert (project / "build" / "factsheet-verwey-jonker-2024.docx").is_file()


def test_output_changed_on_disk_is_rebuilt(project):
    target = project / "build" / "raadsbrief-voortgang-vervolgstappen-2024.md"
    original = target.read_bytes()
    target.write_text("edited by hand\n", encoding="utf-8")
    written, _ = build(project)
    assert written == {target.name}
    assert target.read_bytes() == original


def test_template_change_rebuilds_all(project):
    template = project / "templates" / "factsheet.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "{# a comment #}\n", encoding="utf-8")
    written, unchanged = build(project)
    assert unchanged == set()
    assert written == outputs(project)


def test_reference_doc_change_rebuilds_only_docx(project):
    reference = project / "templates" / "huisstijl.docx"
    reference.write_bytes(reference.read_bytes())  # same bytes: nothing to do
    assert build(project)[0] == set()
    import io
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(reference) as old, zipfile.ZipFile(data, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
        new.writestr("customXml/extra.xml", "<x/>")
    reference.write_bytes(data.getvalue())
    written, unchanged = build(project)
    assert written == {name for name in outputs(project) if name.endswith(".docx")}
    assert unchanged == {name for name in outputs(project) if name.endswith(".md")}


def test_options_are_part_of_the_inputs(project):
    written, _ = build(project, "--format", "md", "--out", "build")
    assert written == set()  # same options as the first build, for the Markdown
    result = run_cli("build", "factsheet", "--woo", cwd=project, env=FIXED)
    assert result.returncode == 0, result.stderr
    assert "unchanged" not in result.stdout  # a Woo copy is another output
    again = run_cli("build", "factsheet", "--woo", cwd=project, env=FIXED)
    assert again.stdout.count("unchanged: ") == 2


def test_manifest_is_json_with_every_output(project):
    manifest = json.loads((project / "build" / ".briefings-manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == outputs(project)
    for entry in manifest["outputs"].values():
        assert re.fullmatch(r"[0-9a-f]{64}", entry["inputs"])
    assert not list((project / "build").glob("*.tmp")) and not list((project / "build").glob(".*.tmp"))


# -- answering from the manifest's snapshot, without loading the library ---------------------------------


def imports_of(project, *args):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "briefings", "build", *args], cwd=project,
                            capture_output=True, text=True, env={**os.environ, **FIXED})
    assert result.returncode == 0, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    return result.stdout, imported


@pytest.fixture()
def settled(project):
    """A built project whose files are old enough to be trusted by their stat, with its snapshot recorded."""
    time.sleep(SETTLE)
    assert build(project)[0] == set()  # records the snapshot
    return project


def test_nothing_changed_answers_without_loading_the_library(settled):
    slow = run_cli("build", "--all", "--force", cwd=settled, env=FIXED)  # as a rebuild lists them
    time.sleep(SETTLE)
    run_cli("build", "--all", cwd=settled, env=FIXED)
    stdout, imported = imports_of(settled, "--all")
    assert stdout == "".join(f"unchanged: {line}\n" for line in slow.stdout.splitlines())
    assert not {"pydantic", "briefings.content.model", "briefings.content.load", "jinja2", "docx"} & imported
    assert not {"click", "yaml", "pathlib", "json", "hashlib"} & imported  # answered before the command line


@pytest.mark.parametrize("args", [[], ["raadsbrief"], ["--format", "md", "--all"], ["--all", "--format=docx", "-q"],
                                  ["annotatie", "annotatie-fkd-verwey-jonker", "--no-check"]])
def test_the_quick_answer_prints_what_the_build_would(settled, args):
    """Answered from the record or by loading the library, `build` prints the same lines."""
    first = run_cli("build", *args, cwd=settled, env=FIXED)  # records this request (or builds what is missing)
    assert first.returncode == 0, first.stderr
    time.sleep(SETTLE)
    slow = run_cli("build", *args, "--force", cwd=settled, env=FIXED)
    assert slow.returncode == 0, slow.stderr
    time.sleep(SETTLE)
    recording = run_cli("build", *args, cwd=settled, env=FIXED)
    stdout, imported = imports_of(settled, *args)
    assert "click" not in imported
    expected = "".join(f"unchanged: {line}\n" for line in slow.stdout.splitlines() if line.startswith("build/"))
    assert recording.stdout == expected
    assert stdout == expected


@pytest.mark.parametrize("args", [["--all", "raadsbrief"], ["--out", "elders"], ["--force"], ["--woo"], ["--help"],
                                  ["--format", "odt"], ["--format"], ["a", "b", "c"], ["--since", "HEAD"]])
def test_requests_the_quick_answer_leaves_to_the_command_line(args):
    assert quick.build_request(args) is None


def test_the_quick_answer_needs_the_same_settings(settled):
    """The record keeps the settings file's state: an edited one sends `build` through the command line,
    which reads it (and reports what is wrong with it)."""
    settings = settled / "briefings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "onbekend: 1\n", encoding="utf-8")
    time.sleep(SETTLE)
    result = run_cli("build", "--all", cwd=settled, env=FIXED)
    assert result.returncode == 1 and "unknown setting 'onbekend'" in result.stderr


def test_every_kind_of_change_is_seen_after_the_files_settle(settled):
    """Content, an included file, a template, the reference document, the settings: each change is older
    than the racy window when the next build looks, so only the snapshot can tell that it happened."""
    expected = users_of(settled, "vj-ongewenst-gedrag")
    figures = settled / "content" / "cijfers" / "verwey-jonker-2024.yaml"
    figures.write_text(re.sub(r"(id: vj-ongewenst-gedrag\n\s+waarde:) 55", r"\1 57",
                              figures.read_text(encoding="utf-8")), encoding="utf-8")
    time.sleep(SETTLE)
    written, _ = build(settled)
    assert {name.rsplit(".", 1)[0] for name in written} == expected

    template = settled / "templates" / "factsheet.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "{# a comment #}\n", encoding="utf-8")
    time.sleep(SETTLE)
    assert build(settled)[0] == outputs(settled)  # every template counts for every document

    comment = settled / "content" / "vragen" / "representatief-hele-gemeente.yaml"
    comment.write_text(comment.read_text(encoding="utf-8") + "# only a comment\n", encoding="utf-8")
    time.sleep(SETTLE)
    assert build(settled) == (set(), outputs(settled))  # looked at again: the content is the same

    reference = settled / "templates" / "huisstijl.docx"
    reference.write_bytes(reference.read_bytes() + b"")
    import io
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(reference) as old, zipfile.ZipFile(data, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
        new.writestr("customXml/extra.xml", "<x/>")
    reference.write_bytes(data.getvalue())
    time.sleep(SETTLE)
    assert build(settled)[0] == {name for name in outputs(settled) if name.endswith(".docx")}

    settings = settled / "briefings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    time.sleep(SETTLE)
    _, imported = imports_of(settled, "--all")
    assert "briefings.content.load" in imported  # a changed settings file: the library is looked at again


def test_options_and_code_are_part_of_the_snapshot(settled, monkeypatch):
    from briefings.project import load_project

    project = load_project(settled)
    key, tree, _ = quick.take(project, [None, None, True, ["md", "docx"]], project.build, [])
    assert tree is not None
    assert quick.take(project, [None, None, True, ["md"]], project.build, [])[0] != key  # another request
    monkeypatch.setattr(paths, "_CODE_KEY", "another version of briefings")
    assert quick.take(project, [None, None, True, ["md", "docx"]], project.build, [])[:2] != (key, tree)
    stdout, imported = imports_of(settled, "--all", "--format", "md")
    assert "briefings.content.load" in imported  # a request not seen before loads the library
    assert stdout.count("unchanged: ") == len(outputs(settled)) // 2


def test_an_output_changed_on_disk_or_a_damaged_manifest_is_not_trusted(settled):
    target = settled / "build" / "raadsbrief-voortgang-vervolgstappen-2024.md"
    original = target.read_bytes()
    target.write_text("edited by hand\n", encoding="utf-8")
    assert build(settled)[0] == {target.name}
    assert target.read_bytes() == original
    manifest = settled / "build" / ".briefings-manifest.json"
    manifest.write_text("{ damaged", encoding="utf-8")
    assert build(settled) == (outputs(settled), set())
    (settled / "build" / "agenda-stuurgroep-2024-03-25.docx").unlink()
    assert build(settled)[0] == {"agenda-stuurgroep-2024-03-25.docx"}


def test_a_symbolic_link_switches_the_snapshot_off(settled):
    (settled / "content" / "vragen" / "link.md").symlink_to(settled / "README-not-there.md")
    from briefings.project import load_project

    project = load_project(settled)
    assert quick.take(project, [], project.build, [])[1] is None
