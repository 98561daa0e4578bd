"""`diff --base` from the units that can differ gives what two whole renders give."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from generator.cli.commands import diff as diff_command
from generator.cli.console import Console
from generator.pipeline import difference, incremental
from generator.repo import commits, diff
from tests.conftest import PROJECT, add_fleet, edit, git


def _both(repo: Path, base: str = "HEAD") -> tuple[dict[str, object], dict[str, object] | None, int]:
    """(whole renders' diff, the units' diff or None, objects rendered for the units' diff)."""
    handle = commits.open_repo(repo)
    whole_base, whole_head, order = diff_command._whole(handle, repo, base, Console(out=io.StringIO()))
    whole = diff.to_json(diff.compare(whole_base, whole_head, base, order=order))
    outcome = incremental.evaluate(repo, write=False)
    assert outcome is not None
    pair = difference.trees(handle, repo, base, outcome)
    if pair is None:
        return whole, None, 0
    fast = diff.to_json(diff.compare(pair[0], pair[1], base, order=list(outcome.environments)))
    return whole, fast, len(pair[0].objects) + len(pair[1].objects)


@pytest.fixture
def committed(example_repo: Path) -> Path:
    assert incremental.evaluate(example_repo, write=False) is not None  # the index knows every unit
    return example_repo


def test_a_spec_change_renders_that_release_only(committed: Path) -> None:
    edit(committed / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    whole, fast, rendered = _both(committed)
    assert fast == whole
    # Its objects in three environments, on both sides, and no other release's.
    units = PROJECT.glob("rendered/*/bge-embeddings/manifest.yaml")  # what the example commits
    objects = sum(f.read_text("utf-8").count("\nkind: ") for f in units)
    assert 0 < rendered <= 2 * objects


def test_nothing_changed_renders_nothing(committed: Path) -> None:
    whole, fast, rendered = _both(committed)
    assert fast == whole
    assert rendered == 0


def test_added_removed_and_renamed_team_reach_the_applications(committed: Path) -> None:
    add_fleet(committed, 1)
    (committed / "releases/resnet50-classifier.yaml").unlink()
    edit(committed / "releases/bge-embeddings.yaml", "team: search", "team: ranking")
    whole, fast, _ = _both(committed)
    assert fast == whole
    environments = whole["environments"]
    assert isinstance(environments, dict)
    assert any(c["kind"] == "Application" for env in environments.values() for c in env["objects"])


def test_an_environment_change_renders_both_whole(committed: Path) -> None:
    edit(committed / "environments/staging.yaml", "namespace: models-staging", "namespace: models-staging-2")
    _, fast, _ = _both(committed)
    assert fast is None


def test_against_an_older_commit(committed: Path) -> None:
    edit(committed / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    git(committed, "commit", "-qam", "more replicas")
    edit(committed / "releases/llama3-8b-chat.yaml", "maxReplicas: 3", "maxReplicas: 2")
    whole, fast, _ = _both(committed, "HEAD~1")
    assert fast == whole
