"""`modelops check`: rendered/ must be exactly what the specs render to."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PROJECT, Runner


def test_check_detects_stale_and_hand_edited_trees(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "check").exit_code == 1  # nothing rendered yet
    run(example_repo, "render")
    assert run(example_repo, "check").exit_code == 0
    hand = example_repo / "rendered/prod/llama3-8b-chat/manifest.yaml"
    hand.write_text(hand.read_text().replace("type: ClusterIP", "type: LoadBalancer"))
    result = run(example_repo, "check", "-o", "json")
    assert result.exit_code == 1
    assert result.json()["changed"] == ["rendered/prod/llama3-8b-chat/manifest.yaml"]
    text = run(example_repo, "check")
    assert "changed  rendered/prod/llama3-8b-chat/manifest.yaml" in text.err


def test_the_projects_own_rendered_tree_is_current(run: Runner) -> None:
    """rendered/ in this repository is the bundled example's output; a template change must re-render it."""
    result = run(PROJECT, "check")
    assert result.exit_code == 0, result.out + result.err


def test_check_names_fifty_files_then_how_many_more(example_repo: Path, run: Runner) -> None:
    """An environment-wide change (or a modelops upgrade, which changes every record) makes thousands of
    files out of date at scale: the text report names 50, `-o json` all of them."""
    run(example_repo, "render")
    for env in ("dev", "staging", "prod"):
        path = example_repo / f"environments/{env}.yaml"
        path.write_text(path.read_text().replace(f"namespace: models-{env}", f"namespace: models-{env}-2"))
    text = run(example_repo, "check")
    assert text.exit_code == 1
    listed = [line for line in text.err.splitlines() if line.startswith("  ") and "rendered/" in line]
    changed = run(example_repo, "check", "-o", "json").json()["changed"]
    assert len(listed) == 50 and len(changed) > 50
    assert f"  ... and {len(changed) - 50} more (-o json lists every one)" in text.err.splitlines()
