"""Incremental builds: only outputs whose inputs changed are rebuilt; the manifest says what they were."""
import json
import re

import pytest

from conftest import copy_project, run_cli

FIXED = {"BRIEFINGS_COMMIT": "0000000incr"}


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


def test_noop_rebuild_writes_nothing(project):
    before = {p.name: p.stat().st_mtime_ns for p in (project / "build").iterdir()}
    written, unchanged = build(project)
    assert written == set()
    assert unchanged == outputs(project)
    after = {p.name: p.stat().st_mtime_ns for p in (project / "build").iterdir()}
    assert after == before  # not even the manifest is rewritten


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
