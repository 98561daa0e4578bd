"""Writing rendered/: exact, all or nothing, never through a symlink."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.repo import writer
from tests.conftest import files_under, write


def render_into(repo: Path, environments: tuple[str, ...] = ()) -> writer.Changes:
    return writer.write(repo, compose.build(WorkTree(repo), environments or None).tree)


def test_first_write_then_no_op(example: Path) -> None:
    first = render_into(example)
    assert first.added and not first.changed and not first.removed
    before = files_under(example / "rendered")
    again = render_into(example)
    assert again.empty and again.unchanged == len(first.added)
    assert files_under(example / "rendered") == before


def test_a_one_release_change_rewrites_only_that_release(example: Path) -> None:
    """Unchanged files keep their inode (linked into the new directory), untouched environments are not swapped."""
    render_into(example)
    rendered = example / "rendered"
    inodes = {p: p.stat().st_ino for p in rendered.rglob("*.yaml")}
    spec = example / "releases/bge-embeddings.yaml"
    spec.write_text(spec.read_text().replace("team: ", "team: x", 1))
    changes = render_into(example)
    touched = {*changes.added, *changes.changed, *changes.removed}
    assert touched and {p.split("/")[1] for p in touched} <= {"dev", "staging", "prod"}
    for path, inode in inodes.items():
        rel = path.relative_to(example).as_posix()
        if rel not in touched:
            assert path.stat().st_ino == inode, rel
    assert render_into(example).empty


def test_removed_release_loses_its_directory(example: Path) -> None:
    render_into(example)
    (example / "releases/resnet50-classifier.yaml").unlink()
    changes = render_into(example)
    assert not (example / "rendered/dev/resnet50-classifier").exists()
    assert "rendered/prod/resnet50-classifier/manifest.yaml" in changes.removed
    assert "rendered/prod/_argocd/manifest.yaml" in changes.changed  # its Application is gone


def test_stale_and_hand_edited_files_are_replaced(example: Path) -> None:
    render_into(example)
    write(example / "rendered/dev/llama3-8b-chat/extra.yaml", "kind: ConfigMap\n")
    hand = example / "rendered/dev/llama3-8b-chat/manifest.yaml"
    original = hand.read_bytes()
    hand.write_text("edited by hand\n")
    write(example / "rendered/qa/old/manifest.yaml", "stale environment\n")
    changes = render_into(example)
    assert changes.removed == ["rendered/dev/llama3-8b-chat/extra.yaml", "rendered/qa/old/manifest.yaml"]
    assert changes.changed == ["rendered/dev/llama3-8b-chat/manifest.yaml"]
    assert hand.read_bytes() == original
    assert not (example / "rendered/qa").exists()


def test_single_environment_render_leaves_others_alone(example: Path) -> None:
    render_into(example)
    prod = files_under(example / "rendered/prod")
    write(example / "rendered/prod/note.yaml", "kept\n")
    (example / "releases/bge-embeddings.yaml").unlink()
    changes = render_into(example, ("dev",))
    assert all(p.startswith("rendered/dev/") for p in changes.removed)
    assert (example / "rendered/prod/note.yaml").exists()
    assert files_under(example / "rendered/prod") == {**prod, "note.yaml": b"kept\n"}


def test_leftovers_of_an_interrupted_run_are_cleaned(example: Path) -> None:
    render_into(example)
    leftover = example / "rendered/.modelops-staging-deadbeef/dev/x.yaml"
    write(leftover, "half written")
    shutil.move(example / "rendered/dev", example / "rendered/.modelops-old-deadbeef-dev")
    render_into(example)
    assert not leftover.exists()
    assert not (example / "rendered/.modelops-old-deadbeef-dev").exists()
    assert (example / "rendered/dev/llama3-8b-chat/manifest.yaml").exists()


@pytest.mark.parametrize("link", ["rendered", "rendered/dev"])
def test_symlinks_in_rendered_are_refused(example: Path, tmp_path: Path, link: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (example / link).parent.mkdir(exist_ok=True)
    os.symlink(outside, example / link)
    with pytest.raises(InputError) as info:
        render_into(example)
    assert "symbolic link" in info.value.diagnostics[0].message
    assert list(outside.iterdir()) == []


def test_a_run_killed_mid_swap_gets_its_old_environment_back(example: Path) -> None:
    render_into(example)
    prod = files_under(example / "rendered/prod")
    # Killed after moving prod aside and before moving the new prod in:
    shutil.move(example / "rendered/prod", example / "rendered/.modelops-old-0123456789ab-prod")
    render_into(example, ("dev",))  # a run that does not render prod must not lose it
    assert files_under(example / "rendered/prod") == prod
    assert not [p for p in (example / "rendered").iterdir() if p.name.startswith(".modelops-")]


def test_a_stray_file_directly_under_rendered_is_removed(example: Path) -> None:
    render_into(example)
    write(example / "rendered/NOTES.md", "hand-written\n")
    assert render_into(example).removed == ["rendered/NOTES.md"]
    assert sorted(p.name for p in (example / "rendered").iterdir()) == ["dev", "prod", "staging"]


def test_a_file_where_an_environment_directory_belongs_is_replaced_by_the_environment(example: Path) -> None:
    (example / "rendered").mkdir()
    (example / "rendered/dev").write_text("not a directory\n")
    changes = render_into(example)
    assert "rendered/dev" in changes.removed
    assert (example / "rendered/dev").is_dir()
    assert render_into(example).empty  # nothing missing: every dev release is in place


def test_trash_from_an_interrupted_cleanup_is_deleted_not_restored(example: Path) -> None:
    render_into(example)
    release = example / "rendered/dev/bge-embeddings"
    trash = example / "rendered/dev/.modelops-trash-0123456789ab-.modelops-old-0123456789ab-gone"
    trash.mkdir()
    (trash / "half.yaml").write_text("half deleted\n")
    writer.clean_leftovers(example)
    assert not trash.exists() and not (example / "rendered/dev/gone").exists()
    assert release.is_dir()
