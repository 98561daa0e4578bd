"""What a rendered release directory runs, from the bytes of its files."""

from __future__ import annotations

from pathlib import Path

from generator.repo import running
from generator.repo.running import Running

PROJECT = Path(__file__).resolve().parents[3]


def rendered(env: str, release: str) -> tuple[bytes, bytes]:
    base = PROJECT / "rendered" / env / release
    return (base / "modelops.metadata").read_bytes(), (base / "manifest.yaml").read_bytes()


def test_a_rollout_with_its_autoscaler() -> None:
    now = running.read(*rendered("prod", "llama3-8b-chat"))
    assert now is not None
    assert (now.model_version, now.min_replicas, now.max_replicas, now.gpus, now.replicas) == ("3.1.0", 2, 6, 1, None)
    assert now.image_digest == "sha256:e44d97c0831ea25f1a5afb18388af5136e27eec77f466915df43bcd1f50f96d5"
    assert now.artifact_digest == "sha256:550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948"


def test_an_inference_service_and_a_multi_gpu_deployment() -> None:
    isvc = running.read(*rendered("prod", "distilbert-sentiment"))
    assert isvc is not None and (isvc.min_replicas, isvc.max_replicas, isvc.gpus) == (2, 4, 0)
    big = running.read(*rendered("dev", "llama3-70b-instruct"))
    assert big is not None and (big.min_replicas, big.max_replicas, big.gpus) == (1, 1, 4)


def test_a_keda_scaled_object_is_the_autoscaler_where_it_replaces_the_hpa() -> None:
    now = running.read(*rendered("staging", "llama3-8b-chat"))
    assert now is not None and (now.min_replicas, now.max_replicas, now.gpus) == (1, 2, 1)


def test_init_containers_do_not_add_gpus_and_limits_stand_for_requests() -> None:
    manifest = b"""kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      initContainers:
        - resources: {requests: {nvidia.com/gpu: 8}}
      containers:
        - resources: {limits: {nvidia.com/gpu: "2"}}
        - resources: {requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: 1}}
"""
    now = running.read(None, manifest)
    assert now is not None and (now.gpus, now.replicas) == (3, 3)


def test_without_metadata_the_workload_annotations_say_what_is_deployed() -> None:
    _, manifest = rendered("prod", "llama3-8b-chat")
    now = running.read(None, manifest)
    assert now == running.read(*rendered("prod", "llama3-8b-chat"))


def test_mangled_files_give_unknown_fields_and_no_files_nothing() -> None:
    assert running.read(None, None) is None
    assert running.read(b"{not json", b"kind: Deployment\nspec: [unclosed\n") == Running()


def test_changed_names_the_json_fields() -> None:
    before = Running("1", "img", None, "s3://a", "sha256:1", None, 1, 2, 1)
    after = Running("2", "img", None, "s3://b", "sha256:1", None, 1, 4, 1)
    assert running.changed(before, after) == ["modelVersion", "artifact.uri", "maxReplicas"]
    assert running.changed(None, after) == [
        "modelVersion", "image", "artifact.uri", "artifact.digest", "minReplicas", "maxReplicas", "gpus",
    ]  # fmt: skip
    assert running.changed(after, after) == []
