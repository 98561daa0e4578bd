"""What the environment templates see: the Argo CD side of one environment.

An environment renders an AppProject, a root Application and one Application per release
(or one ApplicationSet); these helpers turn the environment file's `gitops`, `cluster` and
`sync` blocks into the fields those objects need.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from generator import layout
from generator.errors import Diagnostic
from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.render import traffic
from generator.schemas import kubernetes

# The label value every rendered object carries: what the schema lookup trusts (generator.schemas.lookup).
MANAGED_BY = "modelops"
# Argo CD sync waves: configuration and policy first, then the workloads with what scales and
# watches them.  Nothing comes after a workload: Argo CD starts a wave only once every earlier one
# is Healthy, and a Rollout paused at a canary or blue-green step is Suspended, so an HPA or
# ServiceMonitor in a later wave would wait for the whole rollout (and a paused prod rollout
# would leave its autoscaler unapplied).
WAVES = {"config": "-1", "workload": "0"}
CREATE_NAMESPACE = "CreateNamespace=true"


def application_name(release: str, env: str) -> str:
    return f"{release}-{env}"


def repository_path(env: Environment) -> str:
    """Where this GitOps repository sits in the git repository Argo CD clones: "" or "sub/dir/"
    (spec.gitops.path); every path an Application points at starts with it."""
    path = str(env.get("gitops", "path", default="")).strip("/")
    return f"{path}/" if path else ""


def misplaced(environments: dict[str, Environment], at: str) -> list[Diagnostic]:
    """Environments whose Applications would point elsewhere than where rendered/ is in the git repository."""
    where = f"in {at.rstrip('/')}/ of its git work tree" if at else "at the top of its git work tree"
    fix = f"spec.gitops.path: {json.dumps(at.rstrip('/'))}" if at else "no spec.gitops.path"
    message = f"this GitOps repository is {where}; its Applications must point there: set {fix}"
    return [
        env.doc.error(("spec", "gitops", "path"), message).diagnostics[0]
        for env in environments.values()
        if repository_path(env) != at
    ]


def sync_policy(env: Environment, respect_ignored: bool = False) -> dict[str, Any]:
    sync = env.spec.get("sync", {})
    policy: dict[str, Any] = {}
    if sync.get("automated", False):
        policy["automated"] = {"prune": sync.get("prune", True), "selfHeal": sync.get("selfHeal", True)}
    policy["syncOptions"] = [CREATE_NAMESPACE, "PruneLast=true"]
    if respect_ignored:
        # A sync applies the ignored fields too unless told not to: the route weights the
        # Rollouts controller set would jump back to the rendered ones (see traffic).
        policy["syncOptions"].append("RespectIgnoreDifferences=true")
    policy["retry"] = {
        "limit": sync.get("retryLimit", 5),
        "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"},
    }
    return policy


def pod_security_level(env: Environment) -> str:
    """spec.policy.podSecurity, else baseline for a relaxed environment and restricted for the others."""
    default = "baseline" if env.get("policy", "level") == "relaxed" else "restricted"
    return str(env.get("policy", "podSecurity", default=default))


def pod_security_labels(env: Environment) -> dict[str, str]:
    """The namespace's Pod Security admission labels, each mode pinned to the cluster's minor version
    so that a cluster upgrade does not tighten the rules under running releases.  audit and warn
    stay at restricted whatever is enforced: they show what enforcing restricted would reject."""
    version = "v" + kubernetes.minor(env.kubernetes_version)
    labels: dict[str, str] = {}
    for mode, level in (("audit", "restricted"), ("enforce", pod_security_level(env)), ("warn", "restricted")):
        labels[f"pod-security.kubernetes.io/{mode}"] = level
        labels[f"pod-security.kubernetes.io/{mode}-version"] = version
    return labels


def release_sync_policy(env: Environment, respect_ignored: bool = False) -> dict[str, Any]:
    """A release Application's sync policy: Argo CD creates the namespace (CreateNamespace=true), and
    managedNamespaceMetadata labels it as it does.  Every Application of the environment sets the
    same labels on the one namespace, so they never disagree."""
    policy = sync_policy(env, respect_ignored)
    if CREATE_NAMESPACE in policy["syncOptions"]:  # Argo CD applies the metadata only with it
        policy["managedNamespaceMetadata"] = {"labels": pod_security_labels(env)}
    return policy


def destination(env: Environment) -> dict[str, str]:
    cluster = env.spec["cluster"]
    key = "server" if "server" in cluster else "name"
    return {key: cluster[key], "namespace": env.namespace}


def gitops(env: Environment) -> dict[str, Any]:
    spec = env.spec["gitops"]
    return {
        "repoURL": spec["repoURL"],
        "targetRevision": spec.get("targetRevision", "HEAD"),
        "argocdNamespace": spec.get("argocdNamespace", "argocd"),
        "bootstrapProject": spec.get("bootstrapProject", "default"),
        "applicationSet": spec.get("applicationSet", False),
        "preserveResourcesOnDeletion": spec.get("preserveResourcesOnDeletion", False),
        "project": f"modelops-{env.name}",
    }


def environment(env: Environment) -> dict[str, Any]:
    return {"name": env.name, "namespace": env.namespace, "spec": env.spec, "file": env.file}


def context(
    env: Environment,
    releases: list[Resolved],
    kinds: set[tuple[str, str]],
    release_kinds: Mapping[str, Iterable[tuple[str, str]]] | None = None,
) -> dict[str, Any]:
    """The environment templates' variables; `kinds` are the (group, kind) pairs its releases render,
    `release_kinds` the same per release."""
    each = release_kinds or {}

    def ignored(r: Resolved) -> list[dict[str, Any]]:
        return traffic.ignore_differences(r.name, env.namespace, each.get(r.name, ()))

    return {
        "env": environment(env),
        "gitops": gitops(env),
        "destination": destination(env),
        # The root Application's (its namespace is Argo CD's own: no Pod Security labels there).
        "sync_policy": sync_policy(env),
        "set_ignore_differences": traffic.environment_ignore_differences(env),
        "set_sync_policy": release_sync_policy(env, bool(traffic.environment_ignore_differences(env))),
        "waves": WAVES,
        "argocd_path": repository_path(env) + layout.argocd_path(env.name),
        "rendered_dir": repository_path(env) + layout.RENDERED_DIR,
        "argocd_dir": layout.ARGOCD_DIR,
        "resource_kinds": [{"group": g, "kind": k} for g, k in sorted(kinds)],
        "releases": [
            {
                "name": r.name,
                "team": r.release.metadata["team"],
                "application": application_name(r.name, env.name),
                "path": repository_path(env) + layout.release_path(env.name, r.name),
                "ignoreDifferences": ignored(r),
                "syncPolicy": release_sync_policy(env, bool(ignored(r))),
                "labels": {
                    "app.kubernetes.io/managed-by": MANAGED_BY,
                    "modelops.io/environment": env.name,
                    "modelops.io/release": r.name,
                    "modelops.io/team": r.release.metadata["team"],
                },
            }
            for r in releases
        ],
    }
