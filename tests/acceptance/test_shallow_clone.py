"""A shallow clone (CI's default checkout) lacks history: commands say so and how to fetch it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit, git


def shallow_clone(repo: Path, run: Runner, tmp_path: Path) -> Path:
    """Two render commits (bge-embeddings changed in the second), cloned with --depth 1."""
    assert run(repo, "commit", "-m", "first render").exit_code == 0
    edit(repo / "releases/bge-embeddings.yaml", "team: search", "team: ranking")
    git(repo, "commit", "-qam", "bge: new team")
    assert run(repo, "commit", "-m", "second render").exit_code == 0
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    return shallow


def test_diff_and_provenance_in_a_shallow_clone(example_repo: Path, run: Runner, tmp_path: Path) -> None:
    shallow = shallow_clone(example_repo, run, tmp_path)

    result = run(shallow, "diff", "--base", "HEAD~1")
    assert result.exit_code == 3
    assert "HEAD~1 is not in this clone's history: it is a shallow clone" in result.err
    assert "git fetch --unshallow" in result.err and "internal error" not in result.err

    result = run(shallow, "provenance", "bge-embeddings", "--env", "dev", "-o", "json")
    assert result.exit_code == 0, result.err
    (trace,) = result.json()["releases"]  # rendered at HEAD, from specs in HEAD~1, which the clone lacks
    assert trace["inputsVerified"] is None  # not "the hashes do not match": they could not be checked
    assert "shallow clone" in trace["notVerifiedBecause"]
    text = run(shallow, "provenance", "bge-embeddings", "--env", "dev").out
    assert "not verified:" in text and "DO NOT match" not in text

    git(shallow, "fetch", "-q", "--unshallow")
    assert run(shallow, "diff", "--base", "HEAD~1").exit_code == 0
    result = run(shallow, "provenance", "bge-embeddings", "--env", "dev", "-o", "json")
    assert result.json()["releases"][0]["inputsVerified"] is True


def test_provenance_of_a_release_rendered_before_the_shallow_boundary(
    example_repo: Path, run: Runner, tmp_path: Path
) -> None:
    shallow = shallow_clone(example_repo, run, tmp_path)
    # llama3-8b-chat was last rendered by the first render, before the clone's history starts.
    result = run(shallow, "provenance", "llama3-8b-chat", "--env", "dev", "-o", "json")
    assert result.exit_code == 0, result.err
    (trace,) = result.json()["releases"]
    assert trace["inputsVerified"] is None and trace["sourceCommit"] is None
    assert "shallow clone's history starts at" in trace["notVerifiedBecause"]
    assert "DO NOT match" not in run(shallow, "provenance", "llama3-8b-chat", "--env", "dev").out
