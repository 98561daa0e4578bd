"""No object is rendered by two releases of one environment: the whole pipeline and an incremental
run (in a git work tree) both refuse it, naming both releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Runner, add_release_secret, edit, git, write


def _second_release_with_the_same_secret(repo: Path) -> None:
    assert "  secrets:" not in (repo / "releases/llama3-8b-chat.yaml").read_text(encoding="utf-8")
    add_release_secret(repo, "llama3-8b-chat")


def _errors(run: Runner, repo: Path) -> list[dict[str, object]]:
    result = run(repo, "validate", "-o", "json")
    assert result.exit_code == 1
    return [d for d in result.json()["diagnostics"] if d["rule"] == "shared-object"]


@pytest.mark.parametrize("in_git", [False, True], ids=["whole-pipeline", "incremental"])
def test_a_secret_declared_by_two_releases_is_an_error_naming_both(example: Path, run: Runner, in_git: bool) -> None:
    add_release_secret(example)
    if in_git:
        git(example, "init", "-q", "-b", "main")
        assert run(example, "render").exit_code == 0  # the index knows every unit before the change
    _second_release_with_the_same_secret(example)
    found = _errors(run, example)
    envs = {d["environment"] for d in found}
    assert envs >= {"dev", "prod"}
    message = str(found[0]["message"])
    assert "ExternalSecret/huggingface" in message
    assert "llama3-70b-instruct" in message and "llama3-8b-chat" in message
    assert run(example, "render").exit_code == 1  # nothing written


def test_a_release_named_like_another_releases_metrics_service(example_repo: Path, run: Runner) -> None:
    source = (example_repo / "releases/bge-embeddings.yaml").read_text(encoding="utf-8")
    write(
        example_repo / "releases/toxicity-classifier-metrics.yaml",
        source.replace("name: bge-embeddings\n", "name: toxicity-classifier-metrics\n", 1),
    )
    found = _errors(run, example_repo)
    assert any("Service/toxicity-classifier-metrics" in str(d["message"]) for d in found)
    edit(example_repo / "releases/toxicity-classifier-metrics.yaml", "toxicity-classifier-metrics", "toxicity-ok")
    (example_repo / "releases/toxicity-classifier-metrics.yaml").rename(example_repo / "releases/toxicity-ok.yaml")
    after = run(example_repo, "validate", "-o", "json").json()["diagnostics"]
    assert not [d for d in after if d["rule"] == "shared-object"]  # (the copy lacks bge-embeddings' waivers)


@pytest.mark.parametrize("in_git", [False, True], ids=["whole-pipeline", "incremental"])
def test_a_release_object_named_like_a_shared_secret_is_an_error_naming_the_environment(
    example: Path, run: Runner, in_git: bool
) -> None:
    if in_git:
        git(example, "init", "-q", "-b", "main")
        assert run(example, "render").exit_code == 0
    # A repository template of its own that renders, for one release, what the environment renders for all.
    write(
        example / "templates/release/store.yaml.j2",
        "{% if release.name == 'bge-embeddings' %}\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
        "metadata:\n  name: model-store-readonly\n  namespace: {{ env.namespace }}\n"
        "spec:\n  secretStoreRef: {name: vault-backend, kind: ClusterSecretStore}\n"
        "  target: {name: model-store-readonly}\n  dataFrom:\n    - extract: {key: other}\n{% endif %}\n",
    )
    found = _errors(run, example)
    assert {d["environment"] for d in found} == {"dev", "staging", "prod"}
    message = str(found[0]["message"])
    assert message.startswith("ExternalSecret/model-store-readonly in namespace models-")
    assert "rendered by the environment's shared secrets (spec.secrets) and bge-embeddings in " in message
    assert found[0]["release"] == "bge-embeddings"  # placed on the release's object, not the environment's
