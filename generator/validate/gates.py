"""Cross-field rules of what watches a release: the blue-green smoke test and the alerts.

A declared sample request the environment cannot send is an error (the gate would silently
fall back to testing nothing); a gate without any request is the policy MO-REL-005's warning,
on the rendered Rollout, so that a repository can waive it.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.errors import Diagnostic
from generator.inputs.resolve import Resolved
from generator.render import alerts, analysis, smoketest


def _smoke_test(r: Resolved) -> Iterable[Diagnostic]:
    declared = r.get("rollout", "blueGreen", "smokeTest", default={})
    if smoketest.request(r) is None or "path" not in declared or smoketest.image(r) is not None:
        return
    yield r.diagnostic(
        ("rollout", "blueGreen", "smokeTest", "path"),
        f"the smoke test needs an image with curl, and environment {r.env.name} ({r.env.file}) declares no "
        "spec.smokeTest.image (pinned by digest)",
    )


def _gpu_memory(r: Resolved) -> Iterable[Diagnostic]:
    """vLLM takes gpuMemoryUtilization of each GPU at start: an alert bound below it always fires."""
    if r.get("runtime", "kind") != "vllm" or not alerts.enabled(r) or "dcgmExporter" not in alerts.capabilities(r):
        return
    taken = r.get("runtime", "args", "gpuMemoryUtilization", default=0.9)
    bound = r.get("monitoring", "alerts", "maxGpuMemoryUsed")
    if bound <= taken:
        yield r.diagnostic(
            ("monitoring", "alerts", "maxGpuMemoryUsed"),
            f"maxGpuMemoryUsed {analysis.number(bound)} is not above the {analysis.number(taken)} of each GPU that "
            "vLLM allocates at start (runtime.args.gpuMemoryUtilization): the alert would always fire",
        )


def check(r: Resolved) -> Iterable[Diagnostic]:
    yield from _smoke_test(r)
    yield from _gpu_memory(r)
