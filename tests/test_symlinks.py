"""The content root is a boundary: nothing is read through a link that leads outside it, and fmt writes
nothing outside it. Links that stay inside the root work as before."""
import pytest

from conftest import run_cli

SECRET = "GEHEIM-7731"
VRAAG = ("id: {id}\nvraag: Wat is {text}?\nantwoord: Het antwoord.\nstatus: concept\nclassificatie: intern\n"
         "themas: []\nbronnen: []\nmaatregelen: []\n")
MESSY = "vraag: Wat is " + SECRET + "?\nid: buiten\nantwoord: \"a\\nb\"\nstatus: concept\nclassificatie: intern\n"
NOCACHE = {"BRIEFINGS_CACHE": "0"}


@pytest.fixture
def root(tmp_path):
    (tmp_path / "content" / "vragen").mkdir(parents=True)
    (tmp_path / "content" / "vragen" / "a.yaml").write_text(VRAAG.format(id="a", text="a"), encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "buiten.yaml").write_text(MESSY, encoding="utf-8")
    return tmp_path


def assert_refused(result, where: str):
    assert result.returncode == 1, result.stderr
    assert f"{where}: reached through a link that leads outside the content folder" in result.stderr, result.stderr
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("args", [["check"], ["list", "vraag"], ["show", "a"], ["export", "vragen"]])
def test_a_linked_file_outside_the_root_is_not_read(root, args):
    (root / "content" / "vragen" / "link.yaml").symlink_to(root / "outside" / "buiten.yaml")
    assert_refused(run_cli(*args, cwd=root, env=NOCACHE), "content/vragen/link.yaml")


def test_a_linked_folder_outside_the_root_is_not_read(root):
    (root / "content" / "vragen" / "a.yaml").rename(root / "outside" / "a.yaml")
    (root / "content" / "vragen").rmdir()
    (root / "content" / "vragen").symlink_to(root / "outside", target_is_directory=True)
    result = run_cli("check", cwd=root, env=NOCACHE)
    assert_refused(result, "content/vragen/buiten.yaml")


def test_a_link_inside_the_root_is_followed(root):
    shared = root / "content" / ".gedeeld"
    shared.mkdir()
    (shared / "b.yaml").write_text(VRAAG.format(id="b", text="b"), encoding="utf-8")
    (root / "content" / "vragen" / "b.yaml").symlink_to(shared / "b.yaml")
    result = run_cli("list", "vraag", cwd=root, env=NOCACHE)
    assert result.returncode == 0, result.stderr
    assert "Wat is b?" in result.stdout


def test_fmt_does_not_write_through_a_link_outside_the_root(root):
    (root / "content" / "vragen" / "link.yaml").symlink_to(root / "outside" / "buiten.yaml")
    for args in (["fmt"], ["fmt", "content/vragen/link.yaml"], ["fmt", "content"]):
        result = run_cli(*args, cwd=root, env=NOCACHE)
        assert result.returncode == 1, result.stderr
        assert "content/vragen/link.yaml:" in result.stderr and SECRET not in result.stdout + result.stderr
        assert (root / "outside" / "buiten.yaml").read_text(encoding="utf-8") == MESSY
        assert (root / "content" / "vragen" / "link.yaml").is_symlink()


def test_fmt_does_not_write_a_file_outside_the_root(root):
    result = run_cli("fmt", "outside/buiten.yaml", cwd=root, env=NOCACHE)
    assert result.returncode == 1
    assert result.stderr.startswith("outside/buiten.yaml: outside the content folder")
    assert (root / "outside" / "buiten.yaml").read_text(encoding="utf-8") == MESSY


def test_fmt_writes_through_a_link_inside_the_root(root):
    shared = root / "content" / ".gedeeld"
    shared.mkdir()
    (shared / "m.yaml").write_text(MESSY.replace("id: buiten", "id: m"), encoding="utf-8")
    (root / "content" / "vragen" / "m.yaml").symlink_to(shared / "m.yaml")
    result = run_cli("fmt", cwd=root, env=NOCACHE)
    assert result.returncode == 0, result.stderr
    assert (shared / "m.yaml").read_text(encoding="utf-8").startswith("id: m\n")
    assert (root / "content" / "vragen" / "m.yaml").is_symlink()
