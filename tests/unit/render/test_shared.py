"""The environment's shared secrets: rendered once in rendered/<env>/_shared, synced by an Application of
their own before the releases', and referenced, never rendered again, by the releases that use them."""

from __future__ import annotations

from pathlib import Path

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.validate import references
from tests.conftest import PROJECT, drop_shared_secrets, edit
from tests.render_helpers import argocd, example, obj, pod, render

RELEASES = (
    "bge-embeddings",
    "distilbert-sentiment",
    "llama3-70b-instruct",
    "llama3-8b-chat",
    "resnet50-classifier",
    "toxicity-classifier",
)


def test_each_environment_renders_its_secrets_once_in_its_namespace() -> None:
    for env in ("dev", "staging", "prod"):
        shared = {k: o for k, o in example().items() if k.startswith(f"rendered/{env}/_shared/")}
        assert list(shared) == [f"rendered/{env}/_shared/externalsecret-model-store-readonly"]
        secret = obj(example(), env, "_shared", "ExternalSecret", "model-store-readonly")
        assert secret["apiVersion"] == "external-secrets.io/v1"  # the environment's externalSecrets.apiVersion
        assert secret["metadata"]["namespace"] == f"models-{env}"
        assert secret["metadata"]["labels"] == {
            "app.kubernetes.io/managed-by": "modelops",
            "modelops.io/environment": env,
        }
        assert secret["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "-1"}
        assert secret["spec"] == {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "vault-backend", "kind": "ClusterSecretStore"},
            "target": {"name": "model-store-readonly", "creationPolicy": "Owner"},
            "dataFrom": [{"extract": {"key": f"ml-platform/{env}/model-store-readonly"}}],
        }
    # No release renders it: every one reads the one Secret (its fetcher, or KServe's ServiceAccount).
    assert not [k for k, o in example().items() if o["kind"] == "ExternalSecret" and "/_shared/" not in k]
    fetcher = pod(obj(example(), "prod", "llama3-8b-chat", "Rollout"))["initContainers"][0]
    assert fetcher["envFrom"] == [{"secretRef": {"name": "model-store-readonly"}}]


def test_the_shared_application_syncs_before_the_releases_and_deletes_nothing() -> None:
    for env in ("dev", "staging", "prod"):
        app = argocd(example(), env, "Application", f"modelops-{env}-secrets")
        release = argocd(example(), env, "Application", f"llama3-8b-chat-{env}")
        assert app["spec"]["source"]["path"] == f"rendered/{env}/_shared"
        assert app["spec"]["project"] == release["spec"]["project"] == f"modelops-{env}"
        assert app["spec"]["destination"] == release["spec"]["destination"]
        waves = (app, release)
        assert [int(a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for a in waves] == [-1, 0]
        # No resources finalizer: deleting the Application leaves the Secrets under the pods that mount them.
        assert "finalizers" not in app["metadata"] and release["metadata"]["finalizers"]
        assert "modelops.io/release" not in app["metadata"]["labels"]
        # The namespace's Pod Security labels, as every Application of the environment sets them.
        policy, theirs = app["spec"]["syncPolicy"], release["spec"]["syncPolicy"]
        assert policy["managedNamespaceMetadata"] == theirs["managedNamespaceMetadata"]
        assert ("automated" in policy) == (env != "prod")  # prod syncs by hand, like its releases
        project = argocd(example(), env, "AppProject", f"modelops-{env}")
        assert {"group": "external-secrets.io", "kind": "ExternalSecret"} in project["spec"][
            "namespaceResourceWhitelist"
        ]


def test_without_spec_secrets_there_is_no_shared_unit_nor_its_application(example: Path) -> None:
    drop_shared_secrets(example, "staging")
    objects = render(example)
    assert not [k for k in objects if k.startswith("rendered/staging/_shared/")]
    assert "rendered/staging/_argocd/application-modelops-staging-secrets" not in objects
    project = argocd(objects, "staging", "AppProject", "modelops-staging")
    assert "ExternalSecret" not in {k["kind"] for k in project["spec"]["namespaceResourceWhitelist"]}
    assert "rendered/prod/_shared/externalsecret-model-store-readonly" in objects


def test_a_release_that_uses_a_shared_secret_renders_only_its_reference(example: Path) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "  environments:\n",
        "  secrets:\n    - shared: model-store-readonly\n  environments:\n",
    )
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "        value: INFO\n",
        "        value: INFO\n      - name: AWS_ACCESS_KEY_ID\n"
        "        secretKeyRef: {name: model-store-readonly, key: AWS_ACCESS_KEY_ID}\n",
    )
    objects = render(example)
    assert not [k for k in objects if k.startswith("rendered/dev/llama3-8b-chat/externalsecret-")]
    server = pod(obj(objects, "dev", "llama3-8b-chat", "Deployment"))["containers"][0]
    ref = {"secretKeyRef": {"name": "model-store-readonly", "key": "AWS_ACCESS_KEY_ID"}}
    assert {"name": "AWS_ACCESS_KEY_ID", "valueFrom": ref} in server["env"]
    assert list(k for k in objects if "/_shared/" in k and k.startswith("rendered/dev/")) == [
        "rendered/dev/_shared/externalsecret-model-store-readonly"
    ]


def test_the_application_set_leaves_the_shared_unit_to_its_own_application(example: Path) -> None:
    edit(
        example / "environments/dev.yaml",
        "    targetRevision: main\n",
        "    targetRevision: main\n    applicationSet: true\n",
    )
    objects = render(example)
    appset = argocd(objects, "dev", "ApplicationSet", "modelops-dev")
    excluded = [d["path"] for d in appset["spec"]["generators"][0]["git"]["directories"] if d.get("exclude")]
    assert excluded == ["rendered/dev/_argocd", "rendered/dev/_shared"]
    assert argocd(objects, "dev", "Application", "modelops-dev-secrets")["spec"]["source"]["path"] == (
        "rendered/dev/_shared"
    )


def test_a_subdirectory_repository_points_the_shared_application_there(example: Path) -> None:
    edit(
        example / "environments/dev.yaml", "    targetRevision: main\n", "    targetRevision: main\n    path: gitops\n"
    )
    app = argocd(render(example), "dev", "Application", "modelops-dev-secrets")
    assert app["spec"]["source"]["path"] == "gitops/rendered/dev/_shared"


def test_every_release_is_served_by_the_store_of_the_shared_secret() -> None:
    built = compose.build(WorkTree(PROJECT))
    prod = [o for o in built.tree.objects.values() if o.environment == "prod"]
    served = references.served(prod, "models-prod")
    assert served["rendered/prod/_shared/externalsecret-model-store-readonly"] == RELEASES
    assert served["rendered/prod/_argocd/appproject-modelops-prod"] == ()
