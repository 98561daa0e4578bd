"""KServe: an InferenceService whose predictor KServe turns into pods.

KServe's storage initializer downloads `storageUri`; it supports fewer schemes than the
model fetcher does.  Canary traffic splitting (`canaryTrafficPercent`) needs KServe's
Serverless deployment mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.errors import Diagnostic
from generator.render.runtimes.base import AnalysisQuery, Server

if TYPE_CHECKING:
    from generator.inputs.resolve import Resolved

kind = "kserve"
workload = "kserve"
# No Rollout, hence no AnalysisTemplate: KServe splits canary traffic itself.
METRICS: frozenset[str] = frozenset()
# No gauge of waiting requests to scale on: CPU or memory only.
SCALING = None
STORAGE_SCHEMES = ("s3://", "gs://", "hf://", "https://", "pvc://", "oci://")


def server(release: Resolved) -> Server:
    return Server(
        args=list(release.get("runtime", "extraArgs")),
        ports=[],
        readiness={},
        liveness={},
        startup={},
    )


def check(release: Resolved) -> list[Diagnostic]:
    out = []
    if not release.get("model", "format"):
        out.append(
            release.diagnostic(
                ("model", "format"), "the kserve runtime needs model.format (the KServe modelFormat name)"
            )
        )
    uri = release.get("model", "artifact", "uri")
    if not uri.startswith(STORAGE_SCHEMES):
        out.append(
            release.diagnostic(
                ("model", "artifact", "uri"),
                f"KServe cannot download {uri.split('://')[0]}:// URIs; use one of " + ", ".join(STORAGE_SCHEMES),
            )
        )
    strategy = release.get("rollout", "strategy")
    if strategy == "blue-green":
        out.append(
            release.diagnostic(
                ("rollout", "strategy"),
                "the kserve runtime supports rolling and canary (canaryTrafficPercent), not blue-green",
            )
        )
    if strategy == "canary" and release.get("rollout", "canary", "trafficPercent") is None:
        out.append(release.diagnostic(("rollout", "canary"), "a kserve canary needs rollout.canary.trafficPercent"))
    return out


def analysis(selector: str, window: str) -> list[AnalysisQuery]:
    return []
