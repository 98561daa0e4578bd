"""`modelops requirements`: per environment, what its cluster must run and hold for what the repository renders.

Renders in memory (nothing is written, no lock is taken) so the answer is about today's specs,
not a possibly stale rendered/; see generator.validate.requirements for where each row comes from.
It reports, it does not validate: input that fails its schema is an error as everywhere, but a
spec that `validate` would refuse still gets its table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.cli.console import Console
from generator.errors import EXIT_OK, printable
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.validate import requirements
from generator.validate.references import Reference
from generator.validate.requirements import Prerequisites, Requirement

_MAX_KINDS = 3


def _flat(settings: dict[str, Any]) -> list[str]:
    """`trafficRouter=none`, `release=kube-prometheus-stack`: the leaves of a declared block."""
    out: list[str] = []
    for key, value in settings.items():
        # A selector repeated for rules and ServiceMonitors (the usual case) is shown once.
        leaves = _flat(value) if isinstance(value, dict) else [f"{key}={value}"]
        out.extend(leaf for leaf in leaves if leaf not in out)
    return out


def _declared(row: Requirement) -> str:
    if row.capability is None:
        return "n/a"
    if not row.declared:
        return " ".join(["not declared", *(f"({s})" for s in _flat(row.settings))])
    return " ".join([row.version or "declared", *_flat(row.settings)])


def _needed_by(row: Requirement) -> str:
    kinds = ", ".join(
        f"{kind}{f' ({feature})' if feature else ''} x{count}" for (_, kind, feature), count in row.needed_by.items()
    )
    releases = len(row.releases)
    return f"{kinds}; {releases} release{'s' if releases != 1 else ''}"


def _named_by(ref: Reference) -> str:
    kinds = list(dict.fromkeys(field.split(" ")[0] for field in ref.fields))
    if len(kinds) > _MAX_KINDS:  # a namespace is named by every object in it
        kinds = [*kinds[: _MAX_KINDS - 1], f"{len(kinds) - _MAX_KINDS + 1} more kinds"]
    releases = len(ref.releases)
    return f"{', '.join(kinds)}; {releases} release{'s' if releases != 1 else ''}"


def _table(console: Console, rows: Sequence[Sequence[str]]) -> None:
    # The last column (a command) is left unpadded: it is the long one.
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [printable(cell).ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        console.emit("  " + "  ".join([*cells, printable(row[-1])]).rstrip())


def _print_text(console: Console, found: Prerequisites) -> None:
    console.emit(f"{printable(found.environment)} ({printable(found.cluster)}):")
    header = ("component", "needed by", "declared", "install")
    _table(console, [header, *((r.component, _needed_by(r), _declared(r), r.install) for r in found.components)])
    if not found.references:
        return
    console.emit("")
    console.emit("  referenced, not rendered:")
    rows = [("kind", "name", "namespace", "named by", "create")]
    rows += [(r.kind, r.name, r.namespace or "-", _named_by(r), r.create) for r in found.references]
    _table(console, rows)
    for ref in found.references:
        if ref.note:
            console.emit(f"  note: {printable(ref.kind)}/{printable(ref.name)}: {printable(ref.note)}")


def run(root: Path, console: Console, environments: tuple[str, ...], output: str) -> int:
    """Print each environment's prerequisites: the components its cluster runs, and the objects it must hold."""
    if output != "text":
        console.machine_output()
    # Past the cross-field checks: a capability the environment does not declare is then a row
    # marked "not declared" (validate refuses it) rather than an error that hides the whole table.
    built = compose.build(WorkTree(root), environments, cross_check=False)
    found = requirements.collect(built.inputs.environments, built.tree.objects.values())
    if output == "json":
        console.emit(json.dumps({"environments": [p.to_json() for p in found]}, indent=2, ensure_ascii=False))
        return EXIT_OK
    for index, prerequisites in enumerate(found):
        if index:
            console.emit("")
        _print_text(console, prerequisites)
    return EXIT_OK
