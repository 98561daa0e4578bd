"""KServe, field by field."""

from __future__ import annotations

from tests.render_helpers import example, kinds, obj


def test_kserve_emits_an_inference_service_instead_of_deployment_service_hpa() -> None:
    assert kinds(example(), "dev", "distilbert-sentiment") == [
        "InferenceService",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
    ]
    isvc = obj(example(), "dev", "distilbert-sentiment", "InferenceService")
    predictor = isvc["spec"]["predictor"]
    assert predictor["model"]["modelFormat"] == {"name": "huggingface"}
    assert predictor["model"]["protocolVersion"] == "v2"
    assert predictor["model"]["storageUri"] == "s3://models/distilbert/sst2/1.2.0/"
    assert predictor["model"]["args"] == ["--task=sequence_classification"]
    assert predictor["model"]["resources"] == {
        "requests": {"cpu": "2", "memory": "4Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (1, 4)
    assert (predictor["scaleMetric"], predictor["scaleTarget"]) == ("cpu", 70)
    assert "canaryTrafficPercent" not in predictor  # rolling in dev
    assert predictor["annotations"]["modelops.io/artifact-digest"] == (
        "sha256:ca393538e13ea7a0ec9925d82a0ee93c135c4550a4506584777523882b77af07"
    )
    pdb = obj(example(), "dev", "distilbert-sentiment", "PodDisruptionBudget")
    assert pdb["spec"]["selector"] == {"matchLabels": {"serving.kserve.io/inferenceservice": "distilbert-sentiment"}}
    prod = obj(example(), "prod", "distilbert-sentiment", "InferenceService")["spec"]["predictor"]
    assert prod["canaryTrafficPercent"] == 10
