"""Layered merge of spec fragments that remembers where every value came from.

Mappings merge key by key; lists and scalars from a higher layer replace the lower
value whole, and so do mappings that are one choice among several shapes (the scaling
metric: a cpu target and a custom metric name must never mix).  Each merged value keeps
the file position of the layer that set it, so an error in an effective spec points at
the line a human wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from generator.errors import Location, Path, nearest
from generator.inputs.yamlio import Document


@dataclass(frozen=True)
class Layer:
    """`data` is found in `doc` below `prefix` (e.g. ("spec", "environments", "prod"))."""

    name: str
    data: dict[str, Any]
    doc: Document | None = None
    prefix: Path = ()

    def locate(self, path: Path) -> Location:
        if self.doc is None:
            return Location(f"<{self.name}>")
        return self.doc.locate((*self.prefix, *path))


@dataclass
class Merged:
    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[Path, Layer] = field(default_factory=dict)

    def locate(self, path: Path) -> Location:
        """Where the value at `path` (or its nearest set ancestor) was written."""
        found = nearest(self.origins, path)
        if found is not None:
            return self.origins[found].locate(found)
        for layer in reversed(list(self.origins.values())):
            return layer.locate(())
        return Location("<unknown>")

    def layer_of(self, path: Path) -> Layer | None:
        found = nearest(self.origins, path)
        return self.origins[found] if found is not None else None

    def get(self, path: Path, default: Any = None) -> Any:
        node: Any = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node


def _record(origins: dict[Path, Layer], path: Path, value: Any, layer: Layer) -> None:
    origins[path] = layer
    if isinstance(value, dict):
        for key, child in value.items():
            _record(origins, (*path, key), child, layer)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _record(origins, (*path, index), child, layer)


def _copy(value: Any) -> Any:
    """A deep copy of loaded YAML data (mappings, lists, scalars): deepcopy's generality costs 3x."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


def _forget(origins: dict[Path, Layer], path: Path, old: Any) -> None:
    """Drop the origins below `path` of the value `old` being replaced (walking it, not every origin)."""
    if isinstance(old, dict):
        for key, child in old.items():
            origins.pop((*path, key), None)
            _forget(origins, (*path, key), child)
    elif isinstance(old, list):
        for index, child in enumerate(old):
            origins.pop((*path, index), None)
            _forget(origins, (*path, index), child)


def _merge_into(
    target: dict[str, Any], source: dict[str, Any], path: Path, layer: Layer, merged: Merged, atomic: frozenset[Path]
) -> None:
    for key, value in source.items():
        child = (*path, key)
        if isinstance(value, dict) and isinstance(target.get(key), dict) and child not in atomic:
            merged.origins[child] = layer  # the latest layer that wrote into this mapping
            _merge_into(target[key], value, child, layer, merged, atomic)
        else:
            _forget(merged.origins, child, target.get(key))
            target[key] = _copy(value)
            _record(merged.origins, child, value, layer)


def merge(layers: Iterable[Layer], atomic: frozenset[Path] = frozenset()) -> Merged:
    """Merge `layers`, lowest first; mappings at `atomic` paths are replaced whole, like lists."""
    merged = Merged()
    for layer in layers:
        _merge_into(merged.data, layer.data, (), layer, merged, atomic)
    return merged
