"""Argo CD objects: one AppProject per environment, Applications (or an ApplicationSet), sync waves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import edit
from tests.render_helpers import argocd, example, obj, render

REPO = "https://git.example.com/platform/model-gitops.git"


def test_app_project_restricts_sources_destinations_and_kinds() -> None:
    project = argocd(example(), "prod", "AppProject", "modelops-prod")
    assert project["metadata"]["namespace"] == "argocd"
    spec = project["spec"]
    assert spec["sourceRepos"] == [REPO]
    assert spec["destinations"] == [{"server": "https://prod-gpu.k8s.example.com", "namespace": "models-prod"}]
    assert spec["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
    rendered_kinds = sorted(
        {
            (o["apiVersion"].rpartition("/")[0], o["kind"])
            for p, o in example().items()
            if p.startswith("rendered/prod/") and "/_argocd/" not in p
        }
    )
    assert [(k["group"], k["kind"]) for k in spec["namespaceResourceWhitelist"]] == rendered_kinds
    assert ("apps", "Deployment") not in rendered_kinds  # prod runs Rollouts only: nothing else is allowed
    dev_kinds = argocd(example(), "dev", "AppProject", "modelops-dev")["spec"]["namespaceResourceWhitelist"]
    assert {"group": "apps", "kind": "Deployment"} in dev_kinds
    assert {"group": "argoproj.io", "kind": "Rollout"} not in dev_kinds


def test_application_per_release_and_environment() -> None:
    app = argocd(example(), "dev", "Application", "llama3-8b-chat-dev")
    assert app["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "0"}
    assert app["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert app["spec"]["project"] == "modelops-dev"
    assert app["spec"]["source"] == {"repoURL": REPO, "targetRevision": "main", "path": "rendered/dev/llama3-8b-chat"}
    assert app["spec"]["destination"] == {"server": "https://dev-gpu.k8s.example.com", "namespace": "models-dev"}
    assert app["spec"]["syncPolicy"] == {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": ["CreateNamespace=true", "PruneLast=true"],
        "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}},
        "managedNamespaceMetadata": {"labels": pod_security("baseline", "v1.31")},  # dev is relaxed
    }


def pod_security(enforce: str, version: str) -> dict[str, str]:
    return {
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": version,
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": version,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": version,
    }


def test_every_application_that_creates_the_namespace_labels_it_for_pod_security() -> None:
    """Argo CD creates the release namespace (CreateNamespace=true) and applies managedNamespaceMetadata
    to it; the enforced level follows the environment's policy, pinned to its Kubernetes version."""
    expected = {"dev": pod_security("baseline", "v1.31"), "staging": pod_security("restricted", "v1.31")}
    expected["prod"] = pod_security("restricted", "v1.30")
    apps = [(p, o) for p, o in example().items() if "/_argocd/" in p and o["kind"] == "Application"]
    for path, app in apps:
        env = path.split("/")[1]
        policy = app["spec"]["syncPolicy"]
        if app["metadata"]["name"] == f"modelops-{env}":
            # The root Application's namespace is Argo CD's own: modelops does not label it.
            assert "managedNamespaceMetadata" not in policy, path
            continue
        assert "CreateNamespace=true" in policy["syncOptions"], path
        assert policy["managedNamespaceMetadata"] == {"labels": expected[env]}, path


def test_pod_security_level_set_by_the_environment(example: Path) -> None:
    edit(example / "environments/dev.yaml", "    level: relaxed\n", "    level: relaxed\n    podSecurity: restricted\n")
    app = argocd(render(example), "dev", "Application", "llama3-8b-chat-dev")
    assert app["spec"]["syncPolicy"]["managedNamespaceMetadata"] == {"labels": pod_security("restricted", "v1.31")}


def test_prod_waits_for_a_manual_sync() -> None:
    for path, o in example().items():
        if path.startswith("rendered/prod/_argocd/") and o["kind"] == "Application":
            assert "automated" not in o["spec"]["syncPolicy"], path


def test_no_object_waits_for_a_workload_that_can_pause() -> None:
    """Argo CD starts a wave once every earlier one is Healthy; a paused Rollout is Suspended."""
    for path, o in example().items():
        if "/_argocd/" in path:
            continue
        wave = int(o["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))
        assert wave <= 0, f"{path}: {o['kind']} in wave {wave}, after the workloads"


def test_sync_waves_are_strings_ordering_config_before_workloads() -> None:
    waves = {
        o["kind"]: o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for p, o in example().items()
        if p.startswith("rendered/prod/llama3-8b-chat/")
    }
    assert waves == {
        "ConfigMap": "-1",
        "ServiceAccount": "-1",
        "NetworkPolicy": "-1",
        "AnalysisTemplate": "-1",
        "PrometheusRule": "-1",
        "Rollout": "0",
        "Service": "0",
        "PodDisruptionBudget": "0",
        "HorizontalPodAutoscaler": "0",
        "ServiceMonitor": "0",
        # prod's canaries go through the Gateway API: the route syncs with the Services it names.
        "HTTPRoute": "0",
    }
    assert argocd(example(), "prod", "AppProject", "modelops-prod")["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "-1"
    }


def test_root_application_of_each_environment() -> None:
    root = argocd(example(), "staging", "Application", "modelops-staging")
    assert root["spec"]["source"]["path"] == "rendered/staging/_argocd"
    assert root["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "argocd"}
    assert root["spec"]["project"] == "default"


def _staging_gitops(example: Path, field: str) -> dict[str, dict[str, Any]]:
    """The example rendered with `field: true` in staging's gitops block."""
    line = "    targetRevision: main\n"
    edit(example / "environments/staging.yaml", line, f"{line}    {field}: true\n")
    return render(example)


def test_application_set_instead_of_applications(example: Path) -> None:
    objects = _staging_gitops(example, "applicationSet")
    staging = [p for p in objects if p.startswith("rendered/staging/_argocd/")]
    assert sorted(p.rsplit("/", 1)[1] for p in staging) == [
        "application-modelops-staging",
        "application-modelops-staging-secrets",  # _shared is no release: the ApplicationSet leaves it out
        "applicationset-modelops-staging",
        "appproject-modelops-staging",
    ]
    appset = argocd(objects, "staging", "ApplicationSet", "modelops-staging")
    assert appset["spec"]["generators"] == [
        {
            "git": {
                "repoURL": REPO,
                "revision": "main",
                "directories": [
                    {"path": "rendered/staging/*"},
                    {"path": "rendered/staging/_argocd", "exclude": True},
                    {"path": "rendered/staging/_shared", "exclude": True},
                ],
            }
        }
    ]
    template = appset["spec"]["template"]
    assert template["metadata"]["name"] == "{{.path.basename}}-staging"
    assert template["spec"]["source"]["path"] == "{{.path.path}}"
    assert template["spec"]["project"] == "modelops-staging"
    assert appset["spec"]["goTemplateOptions"] == ["missingkey=error"]
    # No finalizer in the template and preserveResourcesOnDeletion: the controller then adds none, so
    # deleting the ApplicationSet or one of its Applications leaves the workloads running.
    assert appset["spec"]["syncPolicy"] == {"preserveResourcesOnDeletion": True}
    assert "finalizers" not in template["metadata"]
    assert "CreateNamespace=true" in template["spec"]["syncPolicy"]["syncOptions"]
    assert template["spec"]["syncPolicy"]["managedNamespaceMetadata"] == {"labels": pod_security("restricted", "v1.31")}
    assert "rendered/dev/_argocd/application-llama3-8b-chat-dev" in objects  # other environments unchanged


def test_applications_without_the_resources_finalizer_when_asked(example: Path) -> None:
    objects = _staging_gitops(example, "preserveResourcesOnDeletion")
    assert "finalizers" not in argocd(objects, "staging", "Application", "llama3-8b-chat-staging")["metadata"]
    prod = argocd(objects, "prod", "Application", "llama3-8b-chat-prod")["metadata"]
    assert prod["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]


def test_labels_follow_the_recommended_conventions() -> None:
    labels = obj(example(), "prod", "llama3-8b-chat", "Rollout")["metadata"]["labels"]
    assert labels == {
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/instance": "llama3-8b-chat-prod",
        "app.kubernetes.io/managed-by": "modelops",
        "app.kubernetes.io/name": "llama3-8b-chat",
        "app.kubernetes.io/part-of": "assistants",
        "app.kubernetes.io/version": "3.1.0",
        "modelops.io/environment": "prod",
        "modelops.io/model-name": "meta-llama-Llama-3.1-8B-Instruct",
        "modelops.io/model-version": "3.1.0",
        "modelops.io/runtime": "vllm",
        "modelops.io/team": "assistants",
    }
