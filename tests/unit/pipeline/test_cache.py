"""The render cache: same bytes as rendering afresh, and never stale."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from generator.inputs.sources import WorkTree
from generator.pipeline import cache, compose
from generator.pipeline.cache import RenderCache
from tests.conftest import edit, write
from tests.render_helpers import files_and_findings

RELEASES = 6
ENVIRONMENTS = 3
UNITS = RELEASES * ENVIRONMENTS  # one entry per release in each environment


def build(repo: Path, store: RenderCache | None) -> compose.Build:
    return compose.build(WorkTree(repo), cache=store)


@pytest.fixture
def store(tmp_path: Path) -> RenderCache:
    return RenderCache(tmp_path / "cache")


def warm(repo: Path, store: RenderCache) -> RenderCache:
    """Fill the cache, then return a fresh handle on it (a new run)."""
    files_and_findings(build(repo, store))
    return RenderCache(store.directory)


def test_a_warm_run_gives_the_same_bytes_and_findings_as_no_cache(example: Path, store: RenderCache) -> None:
    expected = files_and_findings(build(example, None))
    again = warm(example, store)
    built = build(example, again)
    assert (again.hits, again.misses) == (UNITS, 0)
    assert files_and_findings(built) == expected


def test_one_changed_release_is_the_only_one_rendered_again(example: Path, store: RenderCache) -> None:
    again = warm(example, store)
    spec = example / "releases/bge-embeddings.yaml"
    spec.write_text(spec.read_text().replace("team: search", "team: ranking"))
    built = build(example, again)
    assert (again.hits, again.misses) == (UNITS - ENVIRONMENTS, ENVIRONMENTS)
    assert files_and_findings(built) == files_and_findings(build(example, None))
    assert (
        "team: ranking" in built.tree.objects["rendered/dev/bge-embeddings/serviceaccount-bge-embeddings"].text
    )


def test_an_override_for_one_environment_renders_only_that_unit_again(example: Path, store: RenderCache) -> None:
    again = warm(example, store)
    edit(example / "releases/toxicity-classifier.yaml", "        minReplicas: 2\n", "        minReplicas: 3\n")
    built = build(example, again)
    assert (again.hits, again.misses) == (UNITS - 1, 1)
    assert files_and_findings(built) == files_and_findings(build(example, None))


def test_a_run_for_one_environment_uses_the_entries_of_a_full_run(example: Path, store: RenderCache) -> None:
    again = warm(example, store)
    built = compose.build(WorkTree(example), ("staging",), cache=again)
    assert (again.hits, again.misses) == (RELEASES, 0)
    expected = compose.build(WorkTree(example), ("staging",), cache=None)
    assert files_and_findings(built) == files_and_findings(expected)


def test_the_order_keys_are_written_in_changes_neither_the_key_nor_the_output(
    example: Path, store: RenderCache
) -> None:
    """The renderer sees every mapping with sorted keys, so the key's canonical JSON is what it renders from."""
    expected = files_and_findings(build(example, None))
    again = warm(example, store)
    edit(
        example / "environments/prod.yaml",
        "        store: vault-backend\n        key: ml-platform/prod/model-store-readonly\n",
        "        key: ml-platform/prod/model-store-readonly\n        store: vault-backend\n",
    )
    edit(
        example / "environments/prod.yaml",
        "  namespace: models-prod\n",
        "",
    )
    edit(
        example / "environments/prod.yaml",
        "  cluster:\n    server: https://prod-gpu.k8s.example.com\n",
        "  namespace: models-prod\n  cluster:\n    server: https://prod-gpu.k8s.example.com\n",
    )
    built = build(example, again)
    assert (again.hits, again.misses) == (UNITS, 0)
    assert files_and_findings(built) == expected
    assert files_and_findings(build(example, None)) == expected


def test_a_template_change_renders_every_unit_again(example: Path, store: RenderCache) -> None:
    again = warm(example, store)
    write(example / "templates/release/note.yaml.j2", NOTE)
    built = build(example, again)
    assert (again.hits, again.misses) == (0, UNITS)
    assert files_and_findings(built) == files_and_findings(build(example, None))


def test_an_environment_change_renders_that_environment_again(example: Path, store: RenderCache) -> None:
    again = warm(example, store)
    edit(example / "environments/staging.yaml", "namespace: models-staging", "namespace: models-staging2")
    built = build(example, again)
    assert (again.hits, again.misses) == (UNITS - RELEASES, RELEASES)
    assert files_and_findings(built) == files_and_findings(build(example, None))


def test_a_template_reached_through_a_symlinked_directory_is_part_of_the_key(example: Path, store: RenderCache) -> None:
    shared = example / "shared/release"
    shared.mkdir(parents=True)
    write(shared / "note.yaml.j2", NOTE)
    (example / "templates").mkdir()
    (example / "templates/release").symlink_to("../shared/release")
    again = warm(example, store)
    write(shared / "note.yaml.j2", NOTE.replace("note: cached", "note: edited"))
    built = build(example, again)
    assert (again.hits, again.misses) == (0, UNITS)
    assert "note: edited" in built.tree.objects["rendered/dev/bge-embeddings/configmap-bge-embeddings-note"].text


NOTE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ names.workload ~ '-note' }}\n"
    "  namespace: {{ env.namespace }}\ndata:\n  note: cached\n"
)


def test_schema_findings_come_back_from_the_cache(example: Path, store: RenderCache) -> None:
    write(
        example / "templates/release/bad.yaml.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ names.workload ~ '-bad' }}\n"
        "  namespace: {{ env.namespace }}\nbogus: 1\n",
    )
    cold = files_and_findings(build(example, store))
    assert any("bogus" in finding for finding in cold[1])
    again = RenderCache(store.directory)
    assert files_and_findings(build(example, again)) == cold
    assert again.hits == UNITS


def test_a_damaged_entry_counts_as_missing(example: Path, store: RenderCache) -> None:
    again = warm(example, store)
    entries = sorted((store.directory / "render").rglob("*.pickle"))
    assert len(entries) == UNITS
    entries[0].write_bytes(b"\x80\x05not a pickle")
    entries[1].write_bytes(b"")
    entries[2].write_bytes(pickle.dumps([("x",)]))  # unpickles, but is no entry
    built = build(example, again)
    assert (again.hits, again.misses) == (UNITS - 3, 3)
    assert files_and_findings(built) == files_and_findings(build(example, None))


def test_a_cache_directory_others_can_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o700)
    monkeypatch.setenv("MODELOPS_CACHE_DIR", str(shared))
    assert cache.default() is not None
    monkeypatch.setenv("MODELOPS_CACHE_DIR", str(tmp_path / "new-cache"))
    assert cache.default() is not None and (tmp_path / "new-cache").stat().st_mode & 0o777 == 0o700  # made private
    monkeypatch.setenv("MODELOPS_CACHE_DIR", str(shared))
    os.chmod(shared, 0o777)
    assert cache.default() is None
    os.chmod(shared, 0o755)  # others could reach what a lax umask lets them write below it
    assert cache.default() is None
    os.chmod(shared, 0o700)
    monkeypatch.setenv("MODELOPS_NO_CACHE", "1")
    assert cache.default() is None
