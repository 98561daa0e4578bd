"""A release uses an environment's secret by reference, never by declaring it again, and an
environment's spec.secrets are checked like a release's: each message names the file, line and field."""

from __future__ import annotations

from pathlib import Path

from generator.inputs.sources import WorkTree
from generator.pipeline import incremental
from tests.conftest import RELEASE_SECRET, Runner, edit, git
from tests.render_helpers import findings

LLAMA = "releases/llama3-8b-chat.yaml"


def _use(example: Path, entry: str, where: str = "  environments:\n") -> None:
    edit(example / LLAMA, where, f"  secrets:\n    - {entry}\n{where}")


def test_a_reference_to_a_secret_the_environment_does_not_declare_is_an_error(example: Path) -> None:
    _use(example, "shared: huggingface")
    (error,) = findings(example)[:1]
    assert error.startswith(f"{LLAMA}:45:7: spec.secrets[0].shared: secret huggingface is not declared in ")
    assert "environments/dev.yaml spec.secrets declares model-store-readonly" in error


def test_a_reference_holds_in_every_environment_the_release_runs_in(example: Path) -> None:
    _use(example, "shared: model-store-readonly")
    assert not [f for f in findings(example) if "spec.secrets" in f]
    path = example / "environments/staging.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    - name: model-store-readonly\n", "    - name: model-store\n"), encoding="utf-8")
    edit(path, "credentialsSecret: model-store-readonly", "credentialsSecret: model-store")
    found = [f for f in findings(example) if "is not declared" in f]
    assert len(found) == 1 and "environment staging" in found[0] and "declares model-store\n" not in found[0]
    assert found[0].endswith("environments/staging.yaml spec.secrets declares model-store (in staging)")


def test_a_release_secret_named_like_an_environment_secret_names_both_files(example: Path) -> None:
    edit(
        example / LLAMA,
        "  environments:\n",
        RELEASE_SECRET.replace("huggingface", "model-store-readonly") + "  environments:\n",
    )
    found = [f for f in findings(example) if "also declared for environment" in f]
    assert len(found) == 3  # one per environment: each names its own file
    assert found[0].startswith(f"{LLAMA}:45:7: spec.secrets[0].name: secret model-store-readonly is also declared ")
    assert "for environment dev at environments/dev.yaml:68:7 (spec.secrets[0])" in found[0]
    assert "use the environment's with `- shared: model-store-readonly`" in found[0]


def test_a_reference_takes_nothing_but_the_name(example: Path) -> None:
    _use(example, "{shared: model-store-readonly, name: model-store-readonly}")
    (error,) = findings(example)[:1]
    assert error.startswith(f'{LLAMA}:45:38: spec.secrets[0].name: unknown field "name"; allowed fields: shared')


def test_an_environment_declares_each_secret_once_from_the_declared_store(example: Path) -> None:
    path = example / "environments/prod.yaml"
    text = path.read_text(encoding="utf-8")
    entry = text[text.index("    - name: model-store-readonly\n") :]
    path.write_text(text + entry.replace("vault-backend", "other-vault"), encoding="utf-8")
    found = findings(example)
    assert found == [
        "environments/prod.yaml:104:7: spec.secrets[1].name: secret model-store-readonly is declared twice",
        "environments/prod.yaml:106:9: spec.secrets[1].external.store: ClusterSecretStore other-vault is not the "
        "one this environment declares (spec.cluster.capabilities.externalSecrets.clusterSecretStore: "
        "vault-backend): the ExternalSecret would never sync",
    ]


def test_environment_secrets_need_the_external_secrets_operator(example: Path) -> None:
    edit(
        example / "environments/dev.yaml",
        "      externalSecrets:\n        apiVersion: external-secrets.io/v1\n"
        "        clusterSecretStore: vault-backend\n",
        "",
    )
    (error,) = findings(example)
    assert error.startswith("environments/dev.yaml:64:3: spec.secrets: spec.secrets render External Secrets")
    assert error.endswith("does not declare spec.cluster.capabilities.externalSecrets")


def test_kserve_s3_settings_need_a_secret_that_carries_their_annotations(example: Path) -> None:
    edit(
        example / "environments/dev.yaml",
        "    credentialsSecret: model-store-readonly\n",
        "    credentialsSecret: model-store-readonly\n    storageInitializer:\n"
        "      s3: {endpoint: minio.storage.svc:9000}\n",
    )
    (error,) = findings(example)
    assert "spec.artifacts.storageInitializer.s3: KServe reads these settings from annotations on Secret " in error


def test_the_incremental_path_leaves_reference_errors_to_the_whole_pipeline(example: Path, run: Runner) -> None:
    git(example, "init", "-q", "-b", "main")
    assert run(example, "render").exit_code == 0
    _use(example, "shared: huggingface")
    assert incremental.evaluate(example, write=False) is None
    result = run(example, "validate")
    assert result.exit_code == 1 and f"{LLAMA}:45:7: spec.secrets[0].shared" in result.out
    assert WorkTree(example).is_dir("rendered/dev/_shared")
