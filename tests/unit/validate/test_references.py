from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.render.objects import RenderedObject
from generator.validate import references
from generator.validate.references import Reference
from tests.conftest import PROJECT, drop_shared_secrets


@cache
def built() -> compose.Build:
    return compose.build(WorkTree(PROJECT))


def found(env: str, build: compose.Build | None = None) -> dict[tuple[str, str], Reference]:
    build = build or built()
    objects = [o for o in build.tree.objects.values() if o.environment == env]
    return {(r.kind, r.name): r for r in references.collect(build.inputs.environments[env], objects)}


ALL = (
    "bge-embeddings",
    "distilbert-sentiment",
    "llama3-70b-instruct",
    "llama3-8b-chat",
    "resnet50-classifier",
    "toxicity-classifier",
)


def test_prod_names_a_priority_class_and_the_store_of_its_shared_secret() -> None:
    prod = found("prod")
    assert list(prod) == [
        ("PriorityClass", "model-serving-critical"),
        ("ClusterSecretStore", "vault-backend"),
        ("Gateway", "inference-gateway"),
        ("Namespace", "argocd"),
        ("Namespace", "inference-gateway"),
        ("Namespace", "knative-serving"),
        ("Namespace", "models-prod"),
        ("Namespace", "monitoring"),
    ]
    gateway = prod[("Gateway", "inference-gateway")]
    assert (gateway.namespace, gateway.fields) == ("inference-gateway", ("HTTPRoute spec.parentRefs",))
    assert gateway.releases == ("bge-embeddings", "llama3-8b-chat", "toxicity-classifier")
    assert "allowedRoutes.namespaces admits models-prod" in gateway.create
    priority = prod[("PriorityClass", "model-serving-critical")]
    assert priority.namespace is None and len(priority.releases) == 6
    assert priority.fields == (
        "InferenceService spec.predictor.priorityClassName",
        "Rollout spec.template.spec.priorityClassName",
    )
    assert priority.create == "kubectl create priorityclass model-serving-critical --value=1000000"

    # The store of the environment's model-store-readonly, which serves every release that reads that Secret.
    store = prod[("ClusterSecretStore", "vault-backend")]
    assert (store.namespace, store.fields, store.releases) == (None, ("ExternalSecret spec.secretStoreRef",), ALL)
    assert store.note is None  # the store the environment declares (validate refuses any other)


def test_the_fetcher_secret_is_a_prerequisite_where_the_environment_does_not_render_it(example: Path) -> None:
    drop_shared_secrets(example, "prod")
    prod = found("prod", compose.build(WorkTree(example)))
    assert ("ClusterSecretStore", "vault-backend") not in prod  # nothing in prod renders an ExternalSecret now
    fetcher = prod[("Secret", "model-store-readonly")]
    assert fetcher.namespace == "models-prod"
    assert fetcher.fields == (
        "Rollout spec.template.spec.initContainers.envFrom.secretRef.name",
        "ServiceAccount secrets.name",  # KServe's storage initializer, through the predictor's ServiceAccount
    )
    assert fetcher.create == (
        "kubectl create secret generic model-store-readonly -n models-prod "
        "--from-literal=AWS_ACCESS_KEY_ID=... --from-literal=AWS_SECRET_ACCESS_KEY=... "
        "--from-literal=awsAccessKeyID=... --from-literal=awsSecretAccessKey=..."
    )
    assert fetcher.note and "spec.artifacts.credentialsSecret" in fetcher.note and "awsAccessKeyID" in fetcher.note


def test_what_the_repository_renders_is_not_a_prerequisite() -> None:
    prod = found("prod")
    assert ("Secret", "model-store-readonly") not in prod  # the environment's ExternalSecret writes it
    assert not [key for key in prod if key[0] in ("ServiceAccount", "ConfigMap")]  # all rendered


def test_namespaces_say_who_creates_them() -> None:
    prod = found("prod")
    assert prod[("Namespace", "models-prod")].create == "created by Argo CD when it syncs (CreateNamespace=true)"
    assert prod[("Namespace", "argocd")].create.startswith("created by the Argo CD installation")
    assert prod[("Namespace", "inference-gateway")].create.startswith("kubectl create namespace inference-gateway")
    assert ("Namespace", "inference-gateway") not in found("dev")  # dev's gateway is ingress-nginx
    assert prod[("Namespace", "knative-serving")].create.startswith("created by the Knative Serving installation")
    assert ("Namespace", "knative-serving") not in found("dev")  # dev's KServe is RawDeployment


def _object(obj: dict[str, Any]) -> RenderedObject:
    key = f"rendered/prod/demo/{obj['kind'].lower()}-{obj['metadata']['name']}"
    return RenderedObject(key, "rendered/prod/demo/manifest.yaml", obj, "", "prod", "t.yaml.j2", "demo")


def test_pull_secrets_config_maps_and_service_accounts_not_rendered_are_listed() -> None:
    env = built().inputs.environments["prod"]
    pod = {"serviceAccountName": "runner", "imagePullSecrets": [{"name": "registry"}]}
    pod["volumes"] = [{"name": "c", "configMap": {"name": "settings"}}, {"name": "d", "configMap": {"name": "ours"}}]
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "demo", "namespace": "models-prod"},
        "spec": {"template": {"spec": pod}},
    }
    ours = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ours", "namespace": "models-prod"}}
    listed = references.collect(env, [_object(deployment), _object(ours)])
    assert [(r.kind, r.name, r.namespace) for r in listed] == [
        ("Secret", "registry", "models-prod"),
        ("ConfigMap", "settings", "models-prod"),
        ("ServiceAccount", "runner", "models-prod"),
        ("Namespace", "models-prod", None),
    ]
    assert listed[0].fields == ("Deployment spec.template.spec.imagePullSecrets.name",)
