"""What one rendered release directory runs, read from the bytes of its two files.

`modelops.metadata` says what is deployed (model version, image, artifact: the `deploys`
block generator.repo.provenance writes); `manifest.yaml` says how much of it (replicas from
the HorizontalPodAutoscaler, the KEDA ScaledObject or the InferenceService, GPUs per replica from the workload's
containers).  Only the documents of those kinds are parsed: a history reads hundreds of
versions of a manifest, and the rest of each is ConfigMaps and Services.  A file that is
missing or was mangled by hand gives unknown (None) fields, never an error: a history must
still list the commit that broke it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from generator.inputs import yamlio
from generator.repo.status import WORKLOAD_KINDS

# As generator.render.context names it; importing that module would load every runtime.
GPU_RESOURCE = "nvidia.com/gpu"
# Each autoscaler kind and its (min, max) replica fields: KEDA's ScaledObject replaces the HPA.
_SCALER_KINDS = {
    "HorizontalPodAutoscaler": ("minReplicas", "maxReplicas"),
    "ScaledObject": ("minReplicaCount", "maxReplicaCount"),
}
_WANTED = re.compile(
    rb"^kind:[ \t]*[\"']?(" + b"|".join(k.encode() for k in (*WORKLOAD_KINDS, *_SCALER_KINDS)) + rb")\b", re.M
)
_SEPARATOR = re.compile(rb"^---[ \t]*\r?\n", re.M)


@dataclass(frozen=True)
class Running:
    model_version: str | None = None
    image: str | None = None
    image_digest: str | None = None
    artifact_uri: str | None = None
    artifact_digest: str | None = None
    replicas: int | None = None  # the workload's own spec.replicas; modelops leaves it to the autoscaler
    min_replicas: int | None = None
    max_replicas: int | None = None
    gpus: int | None = None  # per replica

    def deploys(self) -> tuple[str | None, ...]:
        """What a promotion or a rollback moves between environments; replicas and GPUs stay per environment."""
        return (self.model_version, self.image, self.artifact_uri, self.artifact_digest)

    def to_json(self) -> dict[str, object]:
        return {
            "modelVersion": self.model_version,
            "image": self.image,
            "imageDigest": self.image_digest,
            "artifact": {"uri": self.artifact_uri, "digest": self.artifact_digest},
            "replicas": self.replicas,
            "minReplicas": self.min_replicas,
            "maxReplicas": self.max_replicas,
            "gpus": self.gpus,
        }


# Field names as -o json spells them, for `changed` lists.
_JSON_NAMES = {
    "model_version": "modelVersion",
    "image": "image",
    "image_digest": "imageDigest",
    "artifact_uri": "artifact.uri",
    "artifact_digest": "artifact.digest",
    "replicas": "replicas",
    "min_replicas": "minReplicas",
    "max_replicas": "maxReplicas",
    "gpus": "gpus",
}


def changed(before: Running | None, after: Running | None) -> list[str]:
    """The -o json names of the fields that differ; every known field when one side does not run at all."""
    if before == after:
        return []
    if before is None or after is None:
        present = after if after is not None else before
        assert present is not None
        return [_JSON_NAMES[f.name] for f in fields(Running) if getattr(present, f.name) is not None]
    return [_JSON_NAMES[f.name] for f in fields(Running) if getattr(before, f.name) != getattr(after, f.name)]


def read(metadata: bytes | None, manifest: bytes | None, sized: Running | None = None) -> Running | None:
    """What the directory runs; None when neither file exists (the release is not deployed there).

    `sized` is `sizing(manifest)` when the caller has it already: a history reads one manifest
    beside many versions of the metadata, and parsing it is most of the cost.
    """
    if metadata is None and manifest is None:
        return None
    base = sized if sized is not None else sizing(manifest)
    deploys = _deploys(metadata)
    if not deploys:
        return base
    artifact = _mapping(deploys.get("artifact"))
    return replace(
        base,
        model_version=_text(deploys.get("modelVersion")),
        image=_text(deploys.get("image")),
        image_digest=_text(deploys.get("imageDigest")),
        artifact_uri=_text(artifact.get("uri")),
        artifact_digest=_text(artifact.get("digest")),
    )


def sizing(manifest: bytes | None) -> Running:
    """What manifest.yaml alone says: replicas and GPUs, and what its workload's labels and annotations name."""
    return of_objects(_objects(manifest))


def of_objects(objects: list[dict[str, Any]]) -> Running:
    """What one unit's parsed objects say it runs (`diff` has them parsed already)."""
    workload = next((o for o in objects if o.get("kind") in WORKLOAD_KINDS), {})
    meta = _mapping(workload.get("metadata"))
    labels, notes = _mapping(meta.get("labels")), _mapping(meta.get("annotations"))
    image = _text(notes.get("modelops.io/image"))
    low, high = _scaling(workload, objects)
    spec = _mapping(workload.get("spec"))
    return Running(
        model_version=_text(labels.get("modelops.io/model-version")),
        image=image,
        image_digest=image.partition("@")[2] or None if image is not None else None,
        artifact_uri=_text(notes.get("modelops.io/artifact-uri")),
        artifact_digest=_text(notes.get("modelops.io/artifact-digest")),
        replicas=_count(spec.get("replicas")),
        min_replicas=low,
        max_replicas=high,
        gpus=_gpus(spec) if workload else None,
    )


def _deploys(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    deploys = data.get("deploys") if isinstance(data, dict) else None
    return deploys if isinstance(deploys, dict) else {}


def _objects(raw: bytes | None) -> list[dict[str, Any]]:
    if not raw:
        return []
    chunks = [c for c in _SEPARATOR.split(raw) if _WANTED.search(c)]
    out = []
    for chunk in chunks:
        for doc in yamlio.load_all(chunk, "manifest.yaml", positions=False):  # values only: nothing is located
            if isinstance(doc, yamlio.Document) and isinstance(doc.data, dict):
                out.append(doc.data)
    return out


def _scaling(workload: dict[str, Any], objects: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """min and max replicas: the InferenceService's predictor, else the autoscaler aimed at the workload."""
    spec = _mapping(workload.get("spec"))
    predictor = spec.get("predictor")
    if workload.get("kind") == "InferenceService" and isinstance(predictor, dict):
        return _count(predictor.get("minReplicas")), _count(predictor.get("maxReplicas"))
    for obj in objects:
        fields = _SCALER_KINDS.get(str(obj.get("kind")))
        scaler = obj.get("spec")
        if fields and isinstance(scaler, dict):
            return _count(scaler.get(fields[0])), _count(scaler.get(fields[1]))
    return None, None


def _gpus(node: object) -> int:
    """GPUs one replica requests: the sum over its containers (init containers run before, not beside them)."""
    total = 0
    if isinstance(node, dict):
        resources = node.get("resources")
        if isinstance(resources, dict):
            for side in ("requests", "limits"):  # a request defaults to the limit
                amounts = resources.get(side)
                if isinstance(amounts, dict) and GPU_RESOURCE in amounts:
                    total += _count(amounts[GPU_RESOURCE]) or 0
                    break
        for key, value in node.items():
            if key not in ("initContainers", "resources"):
                total += _gpus(value)
    elif isinstance(node, list):
        total += sum(_gpus(item) for item in node)
    return total


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _text(value: object) -> str | None:
    return None if value is None else str(value)
