"""GPU capacity: what the releases of an environment use at max replicas, per GPU type, and at the
peak of a rollout, which is what is checked.

A rollout runs old and new pods side by side: a blue-green rollout scales its preview to full
size before it switches (twice the pods), a canary or rolling update adds up to `maxSurge`
(25% by default, rounded up, as Kubernetes and Argo Rollouts round it), and a KServe
InferenceService runs its new revision beside the old one until traffic moves (twice the
pods).  At max replicas, llama3-70b-instruct's blue-green rollout in prod needs 32 H100s where
its steady state needs 16.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generator import catalog
from generator.errors import Diagnostic, format_path
from generator.render.canary_split import surge_count

if TYPE_CHECKING:  # the report (and with it this table) is read by commands that never resolve a spec
    from generator.inputs.resolve import Resolved
    from generator.inputs.spec import Environment


@dataclass
class CapacityRow:
    environment: str
    gpu_type: str
    capacity: int | None  # None: the environment does not offer this type
    requested: int = 0  # at max replicas, steady state
    peak: int = 0  # at max replicas, during a rollout
    # (release, GPUs per pod, max replicas, replicas at a rollout's peak)
    releases: list[tuple[str, int, int, int]] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.capacity is None or self.peak > self.capacity

    def to_json(self) -> dict[str, object]:
        return {
            "environment": self.environment,
            "gpuType": self.gpu_type,
            "capacity": self.capacity,
            "requested": self.requested,
            "peak": self.peak,
            "releases": [
                {"release": r, "gpusPerReplica": g, "maxReplicas": m, "peakReplicas": p} for r, g, m, p in self.releases
            ],
        }


def table(resolved: Iterable[Resolved], environments: dict[str, Environment]) -> list[CapacityRow]:
    return table_of([(r.env.name, r.name, *use) for r in resolved if (use := gpu_use(r))], environments)


def gpu_use(r: Resolved) -> tuple[str, int, int, int] | None:
    """(GPU type, GPUs per replica, max replicas, replicas at a rollout's peak) of a release that asks for GPUs."""
    from generator.render.runtimes import registry

    gpu = r.get("resources", "gpu")
    if not gpu["count"]:
        return None
    replicas = int(r.get("scaling", "maxReplicas"))
    strategy = r.get("rollout", "strategy")
    if strategy == "blue-green" or registry.get(r.get("runtime", "kind")).workload == "kserve":
        peak = 2 * replicas
    else:
        peak = replicas + surge_count(r.get("rollout", "maxSurge"), replicas)
    return (gpu.get("type", "?"), gpu["count"], replicas, peak)


def table_of(
    uses: Iterable[tuple[str, str, str, int, int, int]], environments: dict[str, Environment]
) -> list[CapacityRow]:
    """The table from (environment, release, GPU type, GPUs per replica, max replicas, peak replicas)."""
    rows: dict[tuple[str, str], CapacityRow] = {}
    for env in environments.values():
        for gpu_type, spec in sorted(env.get("gpuTypes", default={}).items()):
            rows[(env.name, gpu_type)] = CapacityRow(env.name, gpu_type, spec["capacity"])
    for env_name, release, gpu_type, count, replicas, peak in uses:
        row = rows.setdefault((env_name, gpu_type), CapacityRow(env_name, gpu_type, None))
        row.requested += count * replicas
        row.peak += count * peak
        row.releases.append((release, count, replicas, peak))
    return list(rows.values())


def findings(rows: Iterable[CapacityRow], environments: dict[str, Environment]) -> list[Diagnostic]:
    out = []
    for row in rows:
        if not row.over or row.capacity is None:
            continue  # an unknown GPU type is already an input error
        env = environments[row.environment]
        path = ("spec", "gpuTypes", row.gpu_type, "capacity")
        users = ", ".join(f"{name} {gpus}x{peak}" for name, gpus, _, peak in row.releases)
        out.append(
            Diagnostic(
                f"releases would use {row.peak} {row.gpu_type} GPUs at max replicas during a rollout "
                f"({row.requested} once it is done) but the environment has {row.capacity} ({users})",
                env.doc.locate(path),
                format_path(path),
                rule=catalog.GPU_CAPACITY,
                environment=env.name,
            )
        )
    return out
