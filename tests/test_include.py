"""An attachment can include a Markdown file (bijlage.bestand); its path cannot leave the content folder."""
import pytest

from conftest import copy_project, run_cli

SPEC = "content/documenten/factsheet-verwey-jonker-2024.yaml"
FIXED = {"BRIEFINGS_COMMIT": "0000000incl"}


def include(project, bestand: str, text: str | None = "Toelichting: [[cijfer:vj-ongewenst-gedrag]] meldt dit.\n"):
    """Give the factsheet an attachment that includes `bestand` (written with `text` unless None)."""
    spec = project / SPEC
    spec.write_text(spec.read_text(encoding="utf-8")
                    + f"bijlagen:\n  - id: toelichting\n    titel: Toelichting\n    bestand: {bestand}\n",
                    encoding="utf-8")
    if text is not None:
        target = project / "content" / bestand
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return spec, len(spec.read_text(encoding="utf-8").splitlines())  # the line of `bestand:`


@pytest.fixture()
def project(tmp_path):
    return copy_project(tmp_path / "p")


def test_included_text_becomes_the_attachment_body(project):
    include(project, "documenten/teksten/toelichting.md")
    result = run_cli("build", "factsheet", "--format", "md", cwd=project, env=FIXED)
    assert result.returncode == 0, result.stderr
    text = (project / "build" / "factsheet-verwey-jonker-2024.md").read_text(encoding="utf-8")
    assert "# Bijlage 1: Toelichting" in text
    assert "Toelichting: 55% meldt dit." in text  # the inline reference is expanded


def test_changing_the_included_file_rebuilds_the_document(project):
    include(project, "documenten/teksten/toelichting.md")
    assert run_cli("build", "factsheet", "--format", "md", cwd=project, env=FIXED).returncode == 0
    assert "unchanged" in run_cli("build", "factsheet", "--format", "md", cwd=project, env=FIXED).stdout
    (project / "content" / "documenten" / "teksten" / "toelichting.md").write_text("Nieuwe tekst.\n")
    result = run_cli("build", "factsheet", "--format", "md", cwd=project, env=FIXED)
    assert "unchanged" not in result.stdout
    assert "Nieuwe tekst." in (project / "build" / "factsheet-verwey-jonker-2024.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("bestand, message", [
    ("../buiten.md", "path '../buiten.md' escapes the content folder"),
    ("documenten/../../buiten.md", "path 'documenten/../../buiten.md' escapes the content folder"),
    ("/etc/passwd", "absolute path '/etc/passwd' is not allowed"),
    ("~/notities.md", "absolute path '~/notities.md' is not allowed"),
])
def test_paths_outside_the_content_folder_are_refused(project, bestand, message):
    (project / "buiten.md").write_text("geheim\n", encoding="utf-8")
    spec, line = include(project, bestand, text=None)
    result = run_cli("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{SPEC}:{line}:14: {message}"), result.stderr
    assert "hint: give a path relative to the content folder" in result.stderr
    assert "Traceback" not in result.stderr
    build = run_cli("build", "factsheet", cwd=project)
    assert build.returncode == 1 and "geheim" not in build.stdout + build.stderr
    assert not (project / "build").exists()


def test_symlink_out_of_the_content_folder_is_refused(project, tmp_path):
    (tmp_path / "buiten.md").write_text("geheim\n", encoding="utf-8")
    (project / "content" / "documenten" / "link.md").symlink_to(tmp_path / "buiten.md")
    spec, line = include(project, "documenten/link.md", text=None)
    result = run_cli("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{SPEC}:{line}:14: path 'documenten/link.md' escapes the content folder")


def test_missing_included_file(project):
    spec, line = include(project, "documenten/ontbreekt.md", text=None)
    result = run_cli("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{SPEC}:{line}:14: bestand: file not found: documenten/ontbreekt.md")


def test_dangling_reference_in_included_file_names_its_line(project):
    include(project, "documenten/toelichting.md", "Eerste regel.\n\nZie [[cijfer:vj-ongewenst-gedrg]].\n")
    result = run_cli("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("content/documenten/toelichting.md:3:5: bijlagen.0.bestand: unknown cijfer "
                                    "'vj-ongewenst-gedrg'"), result.stderr
    assert "did you mean 'vj-ongewenst-gedrag'?" in result.stderr


def test_binary_included_file(project):
    include(project, "documenten/plaatje.md", text=None)
    (project / "content" / "documenten" / "plaatje.md").write_bytes(b"\x89PNG\x00\x00")
    result = run_cli("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("content/documenten/plaatje.md:1:1: file holds a NUL byte")
