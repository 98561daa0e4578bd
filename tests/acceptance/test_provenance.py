"""Provenance: metadata beside each rendered release, Source-Commit trailers, `modelops provenance`."""

from __future__ import annotations

import json
from pathlib import Path

from generator import layout
from generator.inputs import yamlio
from generator.repo import provenance
from tests.conftest import Runner, edit, git, init_repo, manifest_objects

RELEASE = "llama3-8b-chat"
# prod pins an older version than the spec's default (spec.environments.prod.model)
PROD_VERSION, PROD_DIGEST = "3.1.0", "sha256:550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948"


def metadata(repo: Path, env: str, release: str = RELEASE) -> dict[str, object]:
    data: dict[str, object] = json.loads((repo / layout.metadata_path(env, release)).read_text())
    return data


def test_every_release_directory_says_what_it_was_rendered_from(example: Path, run: Runner) -> None:
    assert run(example, "render").exit_code == 0
    for directory in (example / "rendered").glob("*/*"):
        if not directory.name.startswith("_"):  # _argocd and _shared are the environment's, not a release's
            assert (directory / layout.METADATA_FILE).is_file(), directory
    meta = metadata(example, "prod")
    spec = yamlio.load((example / "releases/llama3-8b-chat.yaml").read_bytes(), "x").data
    env = yamlio.load((example / "environments/prod.yaml").read_bytes(), "x").data
    assert meta["inputs"]["spec"] == {"file": "releases/llama3-8b-chat.yaml", "sha256": provenance.data_hash(spec)}
    assert meta["inputs"]["environment"]["sha256"] == provenance.data_hash(env)
    assert meta["deploys"]["artifact"]["digest"] == PROD_DIGEST and meta["deploys"]["modelVersion"] == PROD_VERSION
    assert meta["deploys"]["imageDigest"] == spec["spec"]["runtime"]["image"].partition("@")[2]
    assert meta["generator"].startswith("modelops ")
    # No clock in it: the same inputs give the same bytes, and a comment changes nothing.
    before = (example / layout.metadata_path("prod", RELEASE)).read_bytes()
    edit(example / "releases/llama3-8b-chat.yaml", "# Chat assistant", "# The chat assistant")
    assert run(example, "render").exit_code == 0
    assert (example / layout.metadata_path("prod", RELEASE)).read_bytes() == before


def test_a_template_change_is_recorded(example: Path, run: Runner) -> None:
    assert run(example, "render").exit_code == 0
    before = metadata(example, "dev")["inputs"]["templates"]["sha256"]
    (example / "templates/release").mkdir(parents=True)
    (example / "templates/release/_note.yaml.j2").write_text("{# a partial nobody includes #}\n")
    assert run(example, "render").exit_code == 0
    assert metadata(example, "dev")["inputs"]["templates"]["sha256"] != before


def test_modelops_commit_names_the_spec_commit_and_provenance_follows_it(example_repo: Path, run: Runner) -> None:
    spec_commit = git(example_repo, "rev-parse", "HEAD")
    assert run(example_repo, "commit").exit_code == 0
    assert f"Source-Commit: {spec_commit}" in git(example_repo, "log", "-1", "--format=%B")
    traced = run(example_repo, "provenance", RELEASE, "--env", "prod", "-o", "json")
    assert traced.exit_code == 0, traced.err
    [prod] = traced.json()["releases"]
    assert prod["sourceCommit"] == spec_commit and prod["inputsVerified"] is True
    assert prod["renderedCommit"] == git(example_repo, "rev-parse", "HEAD")
    assert prod["deploys"]["artifact"]["digest"] == PROD_DIGEST

    # A new version: its own spec commit, its own rendering; the old one stays readable at its revision.
    edit(example_repo / "releases/llama3-8b-chat.yaml", "version: 3.1.1", "version: 3.1.2")
    git(example_repo, "commit", "-q", "-am", "llama3-8b-chat 3.1.2")
    second = git(example_repo, "rev-parse", "HEAD")
    assert run(example_repo, "commit").exit_code == 0
    now = run(example_repo, "provenance", RELEASE, "-o", "json").json()["releases"]
    assert {r["environment"] for r in now} == {"dev", "staging", "prod"}
    # Every environment's metadata names the new spec commit; prod still runs its pinned version.
    assert {r["environment"]: (r["sourceCommit"], r["deploys"]["modelVersion"]) for r in now} == {
        "dev": (second, "3.1.2"),
        "staging": (second, "3.1.2"),
        "prod": (second, PROD_VERSION),
    }
    old = run(example_repo, "provenance", RELEASE, "--env", "prod", "--rev", "HEAD~2", "-o", "json").json()
    assert old["releases"][0]["sourceCommit"] == spec_commit
    text = run(example_repo, "provenance", RELEASE, "--env", "prod").out
    assert f"from specs of  {second[:12]} llama3-8b-chat 3.1.2  (spec and environment hashes verified)" in text


def test_specs_and_output_committed_together_are_their_own_source(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "render").exit_code == 0
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "specs and rendered together")
    [prod] = run(example_repo, "provenance", RELEASE, "--env", "prod", "-o", "json").json()["releases"]
    assert prod["sourceCommit"] == git(example_repo, "rev-parse", "HEAD") and prod["inputsVerified"] is True


def test_rendering_uncommitted_specs_records_no_source(example_repo: Path, run: Runner) -> None:
    edit(example_repo / "releases/llama3-8b-chat.yaml", "version: 3.1.1", "version: 3.1.9")
    assert run(example_repo, "commit", "--allow-dirty").exit_code == 0
    assert "-dirty" in git(example_repo, "log", "-1", "--format=%B")
    [prod] = run(example_repo, "provenance", RELEASE, "--env", "prod", "-o", "json").json()["releases"]
    assert prod["sourceCommit"] is None and prod["inputsVerified"] is None
    assert "not recorded" in run(example_repo, "provenance", RELEASE, "--env", "prod").out


def test_a_git_ignored_template_means_the_source_is_not_recorded(example_repo: Path, run: Runner) -> None:
    (example_repo / ".gitignore").write_text("templates/release/local-*\n")
    git(example_repo, "add", ".gitignore")
    git(example_repo, "commit", "-q", "-m", "ignore local templates")
    (example_repo / "templates/release").mkdir(parents=True)
    (example_repo / "templates/release/local-extra.yaml.j2").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ names.workload ~ '-extra' }}\n"
        "  namespace: {{ env.namespace }}\n"
    )
    assert run(example_repo, "commit").exit_code == 0
    assert "-dirty" in git(example_repo, "log", "-1", "--format=%B")
    [prod] = run(example_repo, "provenance", RELEASE, "--env", "prod", "-o", "json").json()["releases"]
    assert prod["sourceCommit"] is None


def test_a_new_output_from_the_same_inputs_moves_the_rendering_commit(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit").exit_code == 0
    first = git(example_repo, "rev-parse", "HEAD")
    # Same spec and environment, different output (as a new modelops would give): the metadata must change.
    (example_repo / "templates/release").mkdir(parents=True)
    (example_repo / "templates/release/extra.yaml.j2").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ names.workload ~ '-extra' }}\n"
        "  namespace: {{ env.namespace }}\n"
    )
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "an extra ConfigMap")
    assert run(example_repo, "commit").exit_code == 0
    [prod] = run(example_repo, "provenance", RELEASE, "--env", "prod", "-o", "json").json()["releases"]
    assert prod["renderedCommit"] == git(example_repo, "rev-parse", "HEAD") != first
    manifest = (example_repo / "rendered/prod" / RELEASE / "manifest.yaml").read_text(encoding="utf-8")
    assert prod["manifests"]["count"] == len(manifest_objects(manifest))


def test_a_damaged_provenance_file_is_an_input_error(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit").exit_code == 0
    (example_repo / layout.metadata_path("prod", RELEASE)).write_text("{}\n")
    git(example_repo, "commit", "-q", "-am", "damaged by hand")
    result = run(example_repo, "provenance", RELEASE, "--env", "prod")
    assert result.exit_code == 1 and "Traceback" not in result.err
    assert (
        "rendered/prod/llama3-8b-chat/modelops.metadata" in result.err
        and "not a modelops provenance file" in result.err
    )


def test_unknown_release_environment_or_revision_is_a_usage_error(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit").exit_code == 0
    for args in (("nope",), (RELEASE, "--env", "qa"), (RELEASE, "--rev", "no-such-ref")):
        result = run(example_repo, "provenance", *args)
        assert result.exit_code == 2 and "Traceback" not in result.err
        assert result.err.strip()


def test_a_source_commit_missing_from_the_repository_is_not_verified(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit").exit_code == 0
    git(example_repo, "commit", "-q", "--amend", "-m", "render\n\nSource-Commit: " + "1" * 40)
    result = run(example_repo, "provenance", RELEASE, "--env", "prod", "-o", "json")
    assert result.exit_code == 0, result.err
    [prod] = result.json()["releases"]
    # Not "the hashes do not match": they could not be checked.
    assert prod["inputsVerified"] is None and prod["sourceSubject"] == "(not in this clone)"
    assert prod["notVerifiedBecause"] == f"unknown git revision {'1' * 40!r}"


def test_the_first_commit_of_a_new_repository_records_no_source(example: Path, run: Runner) -> None:
    init_repo(example)  # no commit yet: `modelops commit --allow-dirty` makes the first one, with rendered/ only
    assert run(example, "commit", "-m", "first", "--allow-dirty").exit_code == 0
    result = run(example, "provenance", RELEASE, "--env", "prod", "-o", "json")
    assert result.exit_code == 0, result.err
    [prod] = result.json()["releases"]
    assert prod["sourceCommit"] is None and prod["inputsVerified"] is None  # not "hashes DO NOT match"
