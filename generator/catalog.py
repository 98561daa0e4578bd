"""What every rule id in a report means: the tool's own checks plus the policy rules of policies/."""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import Severity


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    description: str
    severity: Severity = Severity.ERROR


TOOL_RULES = {
    r.id: r
    for r in (
        RuleInfo(
            "spec-schema",
            "Specs and environments follow their JSON Schema",
            "Release specs, environment files and their effective (merged) specs are checked against the "
            "schemas in generator/schemas/; unknown fields are errors.",
        ),
        RuleInfo(
            "spec",
            "Effective specs are consistent",
            "Cross-field rules: replica bounds, GPU type offered by the environment, tensor parallelism "
            "equal to the GPU count, runtime-specific settings.",
        ),
        RuleInfo(
            "required-strategy",
            "The environment's required rollout strategy is used",
            "An environment can require canary or blue-green rollouts (spec.policy.requiredStrategies).",
        ),
        RuleInfo(
            "no-plaintext-secrets",
            "No plaintext secrets in specs",
            "Environment variables that hold credentials must reference a Secret or an ExternalSecret.",
        ),
        RuleInfo(
            "kubernetes-schema",
            "Rendered objects are valid for the pinned Kubernetes version",
            "Core kinds against the strict OpenAPI schemas of the environment's Kubernetes version; custom "
            "resources against the project's strict schemas. Checked offline.",
        ),
        RuleInfo(
            "gpu-capacity",
            "Releases fit the environment's GPU capacity",
            "GPUs per pod times max replicas, summed per GPU type, must not exceed the environment's capacity.",
        ),
        RuleInfo(
            "policy-file",
            "Policy files are well formed",
            "Policy and waiver files follow their schemas; paths, schema fragments and built-ins are valid.",
        ),
        RuleInfo(
            "policy-waiver",
            "Waivers are current and used",
            "An expired waiver stops applying; a waiver that matches no finding should be removed.",
            Severity.WARNING,
        ),
        RuleInfo(
            "template",
            "Templates render valid manifests",
            "Templates must render, reference only defined values and produce Kubernetes objects.",
        ),
    )
}
