"""GPU capacity: what the releases of an environment would use at max replicas, per GPU type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from generator import catalog
from generator.errors import Diagnostic, format_path
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
    rows: dict[tuple[str, str], CapacityRow] = {}
    for env in environments.values():
        for gpu_type, spec in sorted(env.get("gpuTypes", default={}).items()):
            rows[(env.name, gpu_type)] = CapacityRow(env.name, gpu_type, spec["capacity"])
    for r in resolved:
        gpu = r.get("resources", "gpu")
        if not gpu["count"]:
            continue
        key = (r.env.name, gpu.get("type", "?"))
        row = rows.setdefault(key, CapacityRow(r.env.name, key[1], None))
        replicas = r.get("scaling", "maxReplicas")
        row.requested += gpu["count"] * replicas
        row.releases.append((r.name, gpu["count"], replicas))
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
