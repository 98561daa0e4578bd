"""Where each effective value of a resolved release came from.

The merge (generator/merge.py) already records, for every value, the layer that set it;
this module only reads that record back as one row per value, in the order of the merged
document, so that a user can see which file and line to edit to change a value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.errors import Location, Path, format_path
from generator.inputs import resolve
from generator.inputs.merge import Layer
from generator.inputs.resolve import ATOMIC, Resolved


class Origin(enum.StrEnum):
    """The four merge layers, lowest first (README: "How values merge")."""

    DEFAULT = "default"
    ENVIRONMENT = "environment"
    RELEASE = "release"
    OVERRIDE = "override"


@dataclass(frozen=True)
class Row:
    path: Path
    value: Any
    origin: Origin
    location: Location

    @property
    def field(self) -> str:
        return format_path(self.path)

    @property
    def place(self) -> str:
        """`file:line`: a column would only add noise to a table of whole lines."""
        loc = self.location
        return f"{loc.file}:{loc.line}" if loc.line is not None else loc.file

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.field,
            "value": self.value,
            "origin": self.origin.value,
            "file": self.location.file,
            "line": self.location.line,
        }




def _leaves(node: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """Values a layer sets as a whole: scalars, lists, empty mappings and atomic mappings."""
    # A list or an atomic mapping is replaced whole by a higher layer, so it has one origin
    # and is one row; splitting it would suggest its items could come from different files.
    if isinstance(node, dict) and node and path not in ATOMIC:
        for key, child in node.items():
            yield from _leaves(child, (*path, key))
    else:
        yield path, node


def _origin(resolved: Resolved, layer: Layer | None) -> Origin:
    # resolve() builds exactly four layers; they are told apart by the document they were
    # read from and where in it they sit, not by their display names.
    if layer is None or layer.doc is None:
        return Origin.DEFAULT
    if layer.doc is resolved.env.doc:
        return Origin.ENVIRONMENT
    if layer.prefix[:2] == ("spec", "environments"):
        return Origin.OVERRIDE
    return Origin.RELEASE


def explain(resolved: Resolved) -> list[Row]:
    """One row per effective value of `resolved`, in the order of the merged spec."""
    rows: list[Row] = []
    for path, value in _leaves(resolved.spec, ()):
        layer = resolved.merged.layer_of(path)
        origin = _origin(resolved, layer)
        # The merge keeps the built-in layer without positions; explaining a default needs the file's own lines.
        source = layer if origin is not Origin.DEFAULT and layer is not None else resolve.defaults_document()
        rows.append(Row(path, value, origin, source.locate(path)))
    return rows


def matches(row: Row, prefix: str) -> bool:
    """`scaling` selects `scaling.maxReplicas`; `scaling.metric.type` selects the whole-metric row."""
    field = row.field
    if field == prefix:
        return True
    inside = field.startswith(prefix) and field[len(prefix)] in ".["
    contains = prefix.startswith(field) and prefix[len(field)] in ".["
    return inside or contains
