"""The model artifact in a pod: the volume it lands on and the init container that fetches or verifies it.

Downloaded artifacts (s3://, gs://, hf://, https://) go to an emptyDir. The fetcher mounts it
at the parent of MODEL_DIR because it stages the download beside DEST and renames the verified
tree into place, which needs DEST and its staging directory on one writable filesystem (a
mount point cannot be renamed over, and the root filesystem is read-only); the server mounts
only the `models` sub-directory, read-only.

pvc://CLAIM/PATH is read where it lies, as KServe's storage initializer does
(pkg/webhook/admission/pod/storage_initializer_injector.go): the claim is mounted read-only
at MODEL_DIR with PATH as its subPath, so PATH names a directory (or is empty: the claim's
root). The fetcher mounts the same read-only view and verifies its digest in place.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from generator import distribution
from generator.fetch import sources
from generator.inputs.resolve import Resolved
from generator.render.runtimes.base import MODEL_DIR

VOLUME = "model"
PVC_SCHEME = sources.PVC
FETCH_SCHEMES = sources.SCHEMES  # pods of the other runtimes need one of them
FETCH_TMP = "fetch-tmp"


@dataclass(frozen=True)
class Claim:
    name: str
    path: str  # inside the claim, without leading or trailing /; "" is the claim's root


def claim(uri: str) -> Claim | None:
    """The claim and path of a pvc:// URI (as KServe's ParsePvcURI splits it); None for other schemes."""
    if not uri.startswith(PVC_SCHEME):
        return None
    name, _, path = uri.removeprefix(PVC_SCHEME).partition("/")
    return Claim(name, path.strip("/"))


def _claim_of(r: Resolved) -> Claim | None:
    return claim(r.get("model", "artifact", "uri"))


def volume(r: Resolved) -> dict[str, Any]:
    found = _claim_of(r)
    if found:
        return {"name": VOLUME, "persistentVolumeClaim": {"claimName": found.name, "readOnly": True}}
    return {"name": VOLUME, "emptyDir": {"sizeLimit": r.get("model", "artifact", "size")}}


def server_mount(r: Resolved) -> dict[str, Any]:
    found = _claim_of(r)
    sub = found.path if found else posixpath.basename(MODEL_DIR)
    return {"name": VOLUME, "mountPath": MODEL_DIR, "readOnly": True, **({"subPath": sub} if sub else {})}


def fetcher_mount(r: Resolved) -> dict[str, Any]:
    if _claim_of(r):
        return server_mount(r)  # verified exactly where, and as, the server reads it
    return {"name": VOLUME, "mountPath": posixpath.dirname(MODEL_DIR)}


def fetcher_image(r: Resolved) -> str:
    artifacts = r.env.spec.get("artifacts") or {}
    return str(artifacts.get("fetcherImage") or distribution.fetcher_image())


def init_container(
    r: Resolved, security: dict[str, Any], tmp_volume: str, env: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The init container: `modelops fetch` (the ENTRYPOINT of the image Dockerfile builds, named here too
    so that a mirror of the image with another entrypoint runs the same command)."""
    artifacts = r.env.spec.get("artifacts") or {}
    container: dict[str, Any] = {
        "name": "fetch-model",
        "image": fetcher_image(r),
        "command": ["modelops", "fetch"],
        "args": [
            "--uri",
            r.get("model", "artifact", "uri"),
            "--digest",
            r.get("model", "artifact", "digest"),
            "--dest",
            MODEL_DIR,
        ],
    }
    if "credentialsSecret" in artifacts and not _claim_of(r):
        container["envFrom"] = [{"secretRef": {"name": artifacts["credentialsSecret"]}}]
    if env:
        container["env"] = env
    container["resources"] = {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    # The image writes nothing but DEST and TMPDIR=HOME=/tmp (an emptyDir), so its root can stay read-only.
    container["securityContext"] = {**security, "readOnlyRootFilesystem": True}
    container["volumeMounts"] = [fetcher_mount(r), {"name": tmp_volume, "mountPath": "/tmp"}]
    return container
