"""Where things live in a GitOps repository: the input directories and the rendered/ layout.

Every stage that names a path of the repository takes it from here, so the layout Argo CD
syncs (rendered/<env>/<release>, rendered/<env>/_argocd, rendered/<env>/_shared) is written down once.
"""

from __future__ import annotations

RELEASES_DIR = "releases"
ENVIRONMENTS_DIR = "environments"
POLICIES_DIR = "policies"
TEMPLATES_DIR = "templates"
# What a render reads: a change below any of these makes a rendered tree out of date.
INPUT_DIRS = (RELEASES_DIR, ENVIRONMENTS_DIR, TEMPLATES_DIR, POLICIES_DIR)

RENDERED_DIR = "rendered"
ARGOCD_DIR = "_argocd"
# The environment's own objects (its spec.secrets), synced by an Application of their own.
SHARED_DIR = "_shared"
# Provenance beside each release's manifests; not *.yaml or *.json, so Argo CD's directory source skips it.
METADATA_FILE = "modelops.metadata"
# What each unit was rendered from and found (generator.pipeline.records): committed, so a fresh clone
# renders only what changed; not *.yaml or *.json either.
RECORD_FILE = "modelops.record"
# Every unit's objects, one multi-document stream (see generator.render.objects for the figures).
MANIFEST_FILE = "manifest.yaml"


def environment_path(env: str) -> str:
    return f"{RENDERED_DIR}/{env}"


def release_path(env: str, release: str) -> str:
    return f"{RENDERED_DIR}/{env}/{release}"


def argocd_path(env: str) -> str:
    return f"{RENDERED_DIR}/{env}/{ARGOCD_DIR}"


def shared_path(env: str) -> str:
    return f"{RENDERED_DIR}/{env}/{SHARED_DIR}"


def is_release_dir(name: str) -> bool:
    """A release's directory, not one of the environment's own (_argocd, _shared): release names are
    DNS labels, which never start with an underscore."""
    return not name.startswith("_")


def metadata_path(env: str, release: str) -> str:
    return f"{release_path(env, release)}/{METADATA_FILE}"
