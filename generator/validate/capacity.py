"""GPU capacity: what the releases of an environment would use at max replicas, per GPU type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generator import catalog
from generator.errors import Diagnostic, format_path

if TYPE_CHECKING:  # the report (and with it this table) is read by commands that never resolve a spec
    from generator.inputs.resolve import Resolved
    from generator.inputs.spec import Environment


@dataclass
class CapacityRow:
    environment: str
    gpu_type: str
    capacity: int | None  # None: the environment does not offer this type
    requested: int = 0
    releases: list[tuple[str, int, int]] = field(default_factory=list)  # (release, GPUs per pod, max replicas)

    @property
    def over(self) -> bool:
        return self.capacity is None or self.requested > self.capacity

    def to_json(self) -> dict[str, object]:
        return {
            "environment": self.environment,
            "gpuType": self.gpu_type,
            "capacity": self.capacity,
            "requested": self.requested,
            "releases": [{"release": r, "gpusPerReplica": g, "maxReplicas": m} for r, g, m in self.releases],
        }


def table(resolved: Iterable[Resolved], environments: dict[str, Environment]) -> list[CapacityRow]:
    return table_of([(r.env.name, r.name, *use) for r in resolved if (use := gpu_use(r))], environments)


def gpu_use(r: Resolved) -> tuple[str, int, int] | None:
    """(GPU type, GPUs per replica, max replicas) of a release that asks for GPUs."""
    gpu = r.get("resources", "gpu")
    return (gpu.get("type", "?"), gpu["count"], r.get("scaling", "maxReplicas")) if gpu["count"] else None


def table_of(
    uses: Iterable[tuple[str, str, str, int, int]], environments: dict[str, Environment]
) -> list[CapacityRow]:
    """The table from (environment, release, GPU type, GPUs per replica, max replicas), in release order."""
    rows: dict[tuple[str, str], CapacityRow] = {}
    for env in environments.values():
        for gpu_type, spec in sorted(env.get("gpuTypes", default={}).items()):
            rows[(env.name, gpu_type)] = CapacityRow(env.name, gpu_type, spec["capacity"])
    for env_name, release, gpu_type, count, replicas in uses:
        row = rows.setdefault((env_name, gpu_type), CapacityRow(env_name, gpu_type, None))
        row.requested += count * replicas
        row.releases.append((release, count, replicas))
    return list(rows.values())


def findings(rows: Iterable[CapacityRow], environments: dict[str, Environment]) -> list[Diagnostic]:
    out = []
    for row in rows:
        if not row.over or row.capacity is None:
            continue  # an unknown GPU type is already an input error
        env = environments[row.environment]
        path = ("spec", "gpuTypes", row.gpu_type, "capacity")
        users = ", ".join(f"{name} {gpus}x{replicas}" for name, gpus, replicas in row.releases)
        out.append(
            Diagnostic(
                f"releases would use {row.requested} {row.gpu_type} GPUs at max replicas but the environment has "
                f"{row.capacity} ({users})",
                env.doc.locate(path),
                format_path(path),
                rule=catalog.GPU_CAPACITY,
                environment=env.name,
            )
        )
    return out
