"""Kubernetes integer fields are written as integers, whether the spec or a template wrote 6.0."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit, rendered_object, write

TOXICITY = "releases/toxicity-classifier.yaml"
HPA = "rendered/{env}/toxicity-classifier/manifest.yaml"


def hpa(example: Path, env: str) -> dict[str, object]:
    obj = rendered_object(example, env, "toxicity-classifier", "HorizontalPodAutoscaler")
    spec: dict[str, object] = obj["spec"]
    return spec


def test_whole_numbers_written_as_floats_in_a_spec_are_emitted_as_integers(example: Path, run: Runner) -> None:
    edit(example / TOXICITY, "    maxReplicas: 6\n", "    maxReplicas: 6.0\n")
    edit(example / TOXICITY, "        minReplicas: 2\n", "        minReplicas: 2e0\n")
    result = run(example, "render")
    assert result.exit_code == 0, result.err
    text = (example / HPA.format(env="prod")).read_text(encoding="utf-8")
    assert "  maxReplicas: 6\n" in text and "  minReplicas: 2\n" in text
    assert "6.0" not in text
    assert type(hpa(example, "dev")["maxReplicas"]) is int


def test_a_fraction_in_an_integer_field_is_refused(example: Path, run: Runner) -> None:
    edit(example / TOXICITY, "    maxReplicas: 6\n", "    maxReplicas: 6.5\n")
    result = run(example, "render")
    assert result.exit_code == 1
    assert "toxicity-classifier.yaml:29:5: spec.scaling.maxReplicas: expected an integer, got 6.5" in result.err
    assert not (example / "rendered").exists()


def test_environment_defaults_written_as_floats_are_emitted_as_integers(example: Path, run: Runner) -> None:
    edit(example / "environments/staging.yaml", "      maxReplicas: 2\n", "      maxReplicas: 2.0\n")
    edit(example / TOXICITY, "    maxReplicas: 6\n", "")
    assert run(example, "render").exit_code == 0
    assert "  maxReplicas: 2\n" in (example / HPA.format(env="staging")).read_text(encoding="utf-8")


def test_a_template_that_computes_a_whole_float_writes_an_integer(example: Path, run: Runner) -> None:
    write(
        example / "templates/release/hpa.yaml.j2",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        "  name: {{ names.workload }}\n  namespace: {{ env.namespace }}\nspec:\n"
        "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ names.workload }}}\n"
        "  minReplicas: {{ scaling.minReplicas * 1.0 }}\n  maxReplicas: {{ scaling.maxReplicas / 1 }}\n",
    )
    result = run(example, "render")
    assert result.exit_code == 0, result.err
    text = (example / HPA.format(env="dev")).read_text(encoding="utf-8")
    assert "  minReplicas: 1\n  maxReplicas: 6\n" in text
