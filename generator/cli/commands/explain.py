from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from generator.cli.console import Console
from generator.errors import EXIT_OK, UsageError, format_path, printable
from generator.inputs import origins, resolve, spec
from generator.inputs.origins import Origin, Row
from generator.inputs.sources import WorkTree
from generator.render import traffic
from generator.validate import canary_traffic

# Longer values (image references, digests) overflow their column rather than widen every row.
_MAX_VALUE_WIDTH = 40
_ORIGIN_COLOR = {
    Origin.DEFAULT: "dim",
    Origin.ENVIRONMENT: "cyan",
    Origin.RELEASE: "green",
    Origin.OVERRIDE: "yellow",
}


def _release_file(source: WorkTree, name: str) -> str:
    # A release's name must equal its file name, so only that file is loaded: a broken spec
    # of another release must not stop anyone from explaining this one.
    paths = spec.release_paths(source)
    for path in paths:
        if PurePosixPath(path).stem == name:
            return path
    raise UsageError(spec.unknown("release", name, [PurePosixPath(p).stem for p in paths]))


def _environment(release: spec.Release, inputs: spec.Inputs, name: str | None) -> spec.Environment:
    deployed = release.environments
    if name is None:
        if len(deployed) == 1:
            return inputs.environments[deployed[0]]
        raise UsageError(f"{release.name} is deployed to {', '.join(deployed)}; choose one with --env ENV")
    env = spec.environment(inputs, name)
    if name not in deployed:
        raise UsageError(f"{release.name} is not deployed to {name}; it is deployed to {', '.join(deployed)}")
    return env


def _select(rows: list[Row], prefix: str | None) -> list[Row]:
    if prefix is None:
        return rows
    # Diagnostics name fields `spec.scaling...`; accept that spelling too.
    wanted = prefix.removeprefix("spec.")
    chosen = [row for row in rows if origins.matches(row, wanted)]
    if not chosen:
        tops = ", ".join(dict.fromkeys(format_path(row.path[:1]) for row in rows))
        raise UsageError(f"no effective value matches --field {prefix}; top-level fields: {tops}")
    return chosen


def _value_text(row: Row) -> str:
    return json.dumps(row.value, ensure_ascii=False)


def _print_text(console: Console, rows: list[Row]) -> None:
    table = [(printable(row.field), printable(_value_text(row)), printable(row.place), row) for row in rows]
    field_width = max(len(field) for field, *_ in table)
    value_width = max((len(value) for _, value, *_ in table if len(value) <= _MAX_VALUE_WIDTH), default=0)
    location_width = max(len(location) for _, _, location, _ in table)
    for field, value, location, row in table:
        # Pad before painting: escape codes would otherwise count towards the column width.
        cells = [
            field.ljust(field_width),
            value.ljust(value_width),
            console.paint(location.ljust(location_width), _ORIGIN_COLOR[row.origin]),
            console.paint(f"({row.origin.value})", _ORIGIN_COLOR[row.origin]),
        ]
        console.emit("  ".join(cells))


def _traffic_json(r: resolve.Resolved) -> dict[str, object] | None:
    """How the canary's traffic is split: by the router (exact), or per step by pod count at min and max replicas."""
    if r.get("rollout", "strategy") != "canary":
        return None
    router = traffic.routed(r)
    if router is not None:
        return {"router": router, "exact": True, "steps": []}
    if not canary_traffic.applies(r):
        return None
    steps = [
        {
            "step": s.index,
            "setWeight": s.weight,
            "at": [
                {"replicas": x.replicas, "canaryPods": x.canary, "stablePods": x.stable, "percent": round(x.actual, 1)}
                for x in (s.low, s.high)
            ],
        }
        for s in canary_traffic.steps(r)
    ]
    return {"router": traffic.NONE, "exact": False, "steps": steps}


def _print_traffic(console: Console, r: resolve.Resolved) -> None:
    found = _traffic_json(r)
    if found is None:
        return
    if found["exact"]:
        console.emit(f"canary traffic: exact weights, set by the {found['router']} traffic router")
        return
    low, high = r.get("scaling", "minReplicas"), r.get("scaling", "maxReplicas")
    console.emit(f"canary traffic: no traffic router, split by pod count (at minReplicas {low} / maxReplicas {high}):")
    for s in canary_traffic.steps(r):
        cells = [f"{x.actual:.0f}% ({x.canary} canary + {x.stable} stable)" for x in (s.low, s.high)]
        off = f"  off by more than {canary_traffic.TOLERANCE} points" if s.off_by > canary_traffic.TOLERANCE else ""
        console.emit(f"  steps[{s.index}] setWeight {s.weight:>3}:  {cells[0]}  /  {cells[1]}{off}")


def run(root: Path, console: Console, release: str, environment: str | None, output: str, field: str | None) -> int:
    """The effective values of RELEASE in ENVIRONMENT, each with the file and line that set it."""
    if output != "text":
        console.machine_output()
    source = WorkTree(root)
    inputs = spec.load_inputs(source, [_release_file(source, release)])
    rel = next(iter(inputs.releases.values()))
    env = _environment(rel, inputs, environment)
    effective = resolve.resolve(rel, env)
    rows = _select(origins.explain(effective), field)
    if output == "json":
        document = {
            "release": rel.name,
            "environment": env.name,
            "values": [row.to_json() for row in rows],
            "canaryTraffic": _traffic_json(effective),
        }
        console.emit(json.dumps(document, indent=2, ensure_ascii=False))
        return EXIT_OK
    console.say(f"{rel.name} in {env.name}: effective values and where each was set")
    _print_text(console, rows)
    if field is None:
        _print_traffic(console, effective)
    return EXIT_OK
