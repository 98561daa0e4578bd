"""Each misconfiguration gives one clear line naming the spec line that caused it."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import InputError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import copy_example, edit, write
from tests.render_helpers import findings

CASES = [
    (
        "releases/llama3-70b-instruct.yaml",
        "tensorParallelSize: 4",
        "tensorParallelSize: 2",
        "releases/llama3-70b-instruct.yaml:23:7: spec.runtime.args.tensorParallelSize: tensorParallelSize 2 must "
        "equal the GPU count 4 (resources.gpu.count) (in dev, staging, prod)",
    ),
    (
        "releases/llama3-8b-chat.yaml",
        "      count: 1\n",
        "      count: 0\n",
        "releases/llama3-8b-chat.yaml:33:7: spec.resources.gpu.count: the vllm runtime needs at least one GPU "
        "(in dev, staging, prod)",
    ),
    (
        "releases/llama3-8b-chat.yaml",
        "type: nvidia-l4",
        "type: nvidia-a100",
        "releases/llama3-8b-chat.yaml:34:7: spec.resources.gpu.type: GPU type 'nvidia-a100' is not among the "
        "environment's gpuTypes (nvidia-l4, nvidia-h100) (in dev, staging, prod)",
    ),
    (
        "releases/resnet50-classifier.yaml",
        "    strategy: blue-green\n",
        "    strategy: rolling\n",
        "releases/resnet50-classifier.yaml:41:9: spec.rollout.strategy: environment prod requires rollout strategy "
        "canary or blue-green, not rolling (in prod)",
    ),
    (
        "releases/toxicity-classifier.yaml",
        "    minReplicas: 1\n",
        "    minReplicas: 7\n",
        "releases/toxicity-classifier.yaml:28:5: spec.scaling.minReplicas: minReplicas 7 is greater than "
        "maxReplicas 6 (in dev, staging)",
    ),
    (
        "releases/resnet50-classifier.yaml",
        "      modelArchive: resnet50-products.mar\n",
        "",
        "releases/resnet50-classifier.yaml:22:5: spec.runtime.args.modelArchive: the torchserve runtime needs "
        "args.modelArchive (the .mar file to load) (in dev, staging, prod)",
    ),
    (
        "releases/distilbert-sentiment.yaml",
        "        strategy: canary\n",
        "        strategy: blue-green\n",
        "releases/distilbert-sentiment.yaml:40:9: spec.rollout.strategy: the kserve runtime supports rolling and "
        "canary (canaryTrafficPercent), not blue-green (in prod)",
    ),
    (
        "releases/llama3-8b-chat.yaml",
        "        value: INFO\n",
        "        value: INFO\n      - name: API_KEY\n        value: sk-live-0123456789abcdefghij\n",
        "releases/llama3-8b-chat.yaml:30:9: spec.runtime.env[1].value: env var API_KEY holds a plaintext secret; "
        "reference a Secret with secretKeyRef (or declare an ExternalSecret under spec.secrets) "
        "(in dev, staging, prod)",
    ),
    (
        "releases/toxicity-classifier.yaml",
        "uri: gs://ts-models/toxicity-bert/3.0.2/",
        "uri: oci://registry.example.com/models/toxicity:3.0.2",
        "releases/toxicity-classifier.yaml:15:7: spec.model.artifact.uri: the artifact fetcher cannot read oci:// "
        "URIs; use one of s3://, gs://, hf://, https://, pvc:// (in dev, staging, prod)",
    ),
    (
        "releases/toxicity-classifier.yaml",
        "uri: gs://ts-models/toxicity-bert/3.0.2/",
        "uri: pvc://Model_Store/toxicity/3.0.2",
        "releases/toxicity-classifier.yaml:15:7: spec.model.artifact.uri: pvc://CLAIM/PATH: 'Model_Store' is not a "
        "PersistentVolumeClaim name (in dev, staging, prod)",
    ),
    (
        "releases/distilbert-sentiment.yaml",
        "uri: s3://models/distilbert/sst2/1.2.0/",
        "uri: pvc://model-store/../other/sst2",
        "releases/distilbert-sentiment.yaml:15:7: spec.model.artifact.uri: pvc://CLAIM/PATH: '../other/sst2' must "
        "be a relative path inside the claim, without . or .. (in dev, staging, prod)",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), CASES, ids=[c[3].split(": ")[1] for c in CASES])
def test_misconfiguration_is_one_clear_line(example: Path, file: str, old: str, new: str, expected: str) -> None:
    edit(example / file, old, new)
    assert findings(example) == [expected]


def test_kserve_canary_needs_a_traffic_percentage(example: Path) -> None:
    edit(
        example / "releases/distilbert-sentiment.yaml",
        "          trafficPercent: 10\n",
        "          steps:\n            - setWeight: 10\n",
    )
    assert findings(example) == [
        "releases/distilbert-sentiment.yaml:41:9: spec.rollout.canary: a kserve canary needs "
        "rollout.canary.trafficPercent (in prod)"
    ]


def test_custom_metric_needs_its_name(example: Path) -> None:
    edit(example / "releases/llama3-8b-chat.yaml", "      type: queue ", "      type: pods  ")
    assert findings(example) == [
        "releases/llama3-8b-chat.yaml:38:5: spec.scaling.metric.name: a pods metric needs name (in dev, staging, prod)"
    ]


def test_environment_without_gpu_types(example: Path) -> None:
    text = (example / "environments/dev.yaml").read_text()
    start, end = text.index("  gpuTypes:\n"), text.index("  policy:\n")
    write(example / "environments/dev.yaml", text[:start] + text[end:])
    assert any(
        "GPU type 'nvidia-l4' is not among the environment's gpuTypes (none) (in dev)" in f for f in findings(example)
    )


def test_a_gpu_memory_alert_below_what_vllm_allocates_is_refused(tmp_path: Path) -> None:
    """vLLM takes gpuMemoryUtilization of each GPU at start: a lower alert bound would always fire."""
    repo = copy_example(tmp_path / "repo")
    edit(
        repo / "releases/llama3-70b-instruct.yaml", "      maxTimeToFirstTokenSeconds: 8", "      maxGpuMemoryUsed: 0.9"
    )
    with pytest.raises(InputError) as caught:
        compose.build(WorkTree(repo))
    (error,) = caught.value.diagnostics
    assert (error.field, error.environment) == ("spec.monitoring.alerts.maxGpuMemoryUsed", "prod")  # DCGM declared
    assert "not above the 0.92 of each GPU that vLLM allocates" in error.message
