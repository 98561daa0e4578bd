"""The environment's shared secrets: declared once in its file, rendered once, used by many releases.

Two releases that each declared `secrets: [{name: huggingface}]` rendered ExternalSecret/huggingface
twice in one namespace: two Argo CD Applications claimed one object (generator.validate.ownership
now refuses that).  A secret several releases really read is declared in the environment file's
`spec.secrets` (the same shape as a release's entries) and rendered once, as its own unit
rendered/<env>/_shared, which its own Application syncs.  A release says it uses one with
`secrets: [{shared: NAME}]` (validate refuses a name the environment does not declare, and a
release secret named like an environment one); an env var reads it with `secretKeyRef` as it
reads any Secret, and `artifacts.credentialsSecret` may name one.

Why a unit and an Application of its own, rather than the objects in _argocd or in one release:
_argocd is synced by the root Application into Argo CD's namespace under the bootstrap project,
so the secrets there would be outside the environment's AppProject and deleted with the root
Application; and filing them under one of their releases would delete them for every other one
when that release goes.  The _shared Application has the environment's destination and project,
so every object still belongs to exactly one Application.

Deleting: the Application carries no resources finalizer, unlike the releases' ones, so when the
environment stops declaring secrets and Argo CD prunes the Application, the ExternalSecrets (and
the Secrets the operator owns through them) stay in the namespace, orphaned, instead of vanishing
under pods that still mount them; removing them then is a deliberate step.  Within the
Application the environment's prune setting applies as for releases: validate guarantees that no
release still uses a secret the environment stops declaring, so a prune never removes one in use.

Order: the Application is in the config sync wave (-1), before the releases' Applications (0).
Argo CD has no health check for Applications by default (removed in 1.8), so the root waits for
the wave only where the argocd-cm customisation for argoproj.io/Application is installed; without
it the release pods that start first retry until the operator has written the Secret.
"""

from __future__ import annotations

from typing import Any

from generator import layout
from generator.inputs.spec import Environment
from generator.render import argocd

EXTERNAL_SECRETS_API = "external-secrets.io/v1"


def declared(env: Environment) -> list[dict[str, Any]]:
    """The environment's spec.secrets, in file order."""
    found: list[dict[str, Any]] = env.get("secrets", default=[]) or []
    return found


def names(env: Environment) -> dict[str, int]:
    """Name -> index in spec.secrets of every secret the environment declares."""
    return {str(s["name"]): i for i, s in enumerate(declared(env))}


def application_name(env: str) -> str:
    # Beside the root modelops-<env> and the releases' <release>-<env>: equal to one of those only for
    # a release named modelops-secrets in an environment named secrets (RenderedTree refuses that).
    return f"modelops-{env}-secrets"


def labels(env: Environment) -> dict[str, str]:
    return {"app.kubernetes.io/managed-by": "modelops", "modelops.io/environment": env.name}


def context(env: Environment) -> dict[str, Any]:
    """What the templates in templates/shared/ see (env is the renderer's view of the environment)."""
    caps = env.get("cluster", "capabilities", default={})
    return {
        "env": argocd.environment(env),
        "secrets": declared(env),
        "labels": labels(env),
        "waves": argocd.WAVES,
        "external_secrets_api": caps.get("externalSecrets", {}).get("apiVersion", EXTERNAL_SECRETS_API),
    }


def application(env: Environment, prefix: str) -> dict[str, Any] | None:
    """The _shared Application's fields for the environment templates; None without spec.secrets.
    `prefix`: where the GitOps repository sits in the git repository (argocd.repository_path)."""
    if not declared(env):
        return None
    return {
        "name": application_name(env.name),
        "path": prefix + layout.shared_path(env.name),
        "labels": labels(env),
        "syncPolicy": argocd.release_sync_policy(env),  # the namespace's labels, as every Application sets them
    }
