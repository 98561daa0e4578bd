"""Promotion and rollback: move a release's pins (model version, artifact, image) between environments.

Specs are edited with ruamel.yaml's round-trip mode, so comments, key order and quoting
survive; only the pinned fields of one environment block change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from generator.errors import UsageError
from generator.inputs import spec
from generator.inputs.spec import Inputs, Release
from generator.layout import RELEASES_DIR

# The fields a promotion carries, as paths below spec (and below spec.environments.<env>).
PIN_FIELDS: tuple[tuple[str, ...], ...] = (
    ("model", "version"),
    ("model", "artifact", "uri"),
    ("model", "artifact", "digest"),
    ("runtime", "image"),
)


@dataclass(frozen=True)
class Pins:
    version: str
    uri: str
    digest: str
    image: str

    @classmethod
    def of(cls, spec: dict[str, Any], env: str) -> Pins | None:
        """The pins `env` runs: its block's values over the release-wide ones (None if incomplete)."""
        block = (spec.get("environments") or {}).get(env) or {}
        values = []
        for path in PIN_FIELDS:
            value = dig(block, path)
            value = value if value is not None else dig(spec, path)
            if not isinstance(value, str):
                return None
            values.append(value)
        return cls(*values)

    def values(self) -> tuple[str, str, str, str]:
        return (self.version, self.uri, self.digest, self.image)

    def describe_change(self, new: Pins) -> list[str]:
        names = ("version", "artifact", "artifact digest", "image")
        pairs = zip(names, self.values(), new.values(), strict=True)
        return [f"{name}: {old} -> {value}" for name, old, value in pairs if old != value]


@dataclass(frozen=True)
class NewModel:
    """What `set-version` brings into the first stage (image None: keep the stage's image)."""

    version: str
    uri: str
    digest: str
    image: str | None = None


def dig(node: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# Below spec.environments.<env>: a KServe canary runs there (see generator.render.kserve_cluster.canary_percent).
CANARY_FLAG: tuple[str, ...] = ("rollout", "canary", "inProgress")


def canary_running(spec: dict[str, Any], env: str) -> bool:
    return dig((spec.get("environments") or {}).get(env) or {}, CANARY_FLAG) is True


# (mapping, sequence, dash offset): `key:\n  - item` (the examples' style), `key:\n- item`, wider styles.
_STYLES = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0), (4, 4, 2))


def _yaml_for(text: str) -> tuple[YAML, Any]:
    """A round-trip loader set to the file's own indentation: the style that reproduces it exactly."""
    chosen = None
    for mapping, sequence, offset in _STYLES:
        y = YAML()
        y.preserve_quotes = True
        y.width = 4096
        y.indent(mapping=mapping, sequence=sequence, offset=offset)
        data = y.load(text)
        out = io.StringIO()
        y.dump(data, out)
        if out.getvalue() == text:
            return y, data
        chosen = chosen or (y, data)
    assert chosen is not None
    return chosen  # no style reproduces the file byte for byte: the first one normalises it


def _child(node: CommentedMap, key: str) -> CommentedMap:
    value = node.get(key)
    if not isinstance(value, CommentedMap):
        value = CommentedMap()
        node[key] = value
    if value.fa.flow_style():
        value.fa.set_block_style()  # `prod: {}` gains keys: write it as a block
    return value


def set_pins(text: str, env: str, pins: Pins | None, canary: bool | None = None) -> str:
    """`text` of a release spec with `pins` (None: unchanged) written into spec.environments.<env>,
    and the canary flag set (True), removed (False) or left as it is (None).

    ruamel.yaml writes LF; a file whose every line ends in CRLF gets CRLF back, so that a promotion
    changes only the pinned lines (a file with mixed endings comes back with LF).
    """
    crlf = "\r\n" in text and "\n" not in text.replace("\r\n", "")
    y, data = _yaml_for(text.replace("\r\n", "\n") if crlf else text)
    block = _child(_child(_child(data, "spec"), "environments"), env)
    for path, value in zip(PIN_FIELDS, pins.values() if pins else (), strict=False):
        node = block
        for part in path[:-1]:
            node = _child(node, part)
        node[path[-1]] = value
    if canary:
        _child(_child(block, CANARY_FLAG[0]), CANARY_FLAG[1])[CANARY_FLAG[2]] = True
    elif canary is False:
        _remove(block, CANARY_FLAG)
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue().replace("\n", "\r\n") if crlf else out.getvalue()


def _remove(node: CommentedMap, path: tuple[str, ...]) -> None:
    """Delete node[path...]; a mapping the deletion leaves empty goes too, as if it had never been written."""
    child = node.get(path[0])
    if len(path) > 1:
        if isinstance(child, CommentedMap):
            _remove(child, path[1:])
            if not child:
                del node[path[0]]
    elif path[0] in node:
        del node[path[0]]


def plan_promotion(
    inputs: Inputs, release: str, source: str, target: str, force: bool
) -> tuple[Release, Pins | None, Pins]:
    """(release, pins of target now, pins to write); refuses a skipped stage unless forced."""
    rel = spec.release(inputs, release)
    src, dst = spec.environment(inputs, source), spec.environment(inputs, target)
    if src.name == dst.name:
        raise UsageError("--from and --to name the same environment")
    if src.name not in rel.environments:
        raise UsageError(f"{release} is not deployed to {source}; nothing to promote")
    if dst.promotes_from != src.name and not force:
        order = f"{dst.name} promotes from {dst.promotes_from}" if dst.promotes_from else f"{dst.name} is a first stage"
        raise UsageError(f"{order}, not from {src.name}; promoting would skip a stage (use --force to do it anyway)")
    source_pins = Pins.of(rel.spec, src.name)
    assert source_pins is not None  # a loaded spec has passed its schema
    current = Pins.of(rel.spec, dst.name) if dst.name in rel.environments else None
    return rel, current, source_pins


def release_path(root: Path, release: Release) -> Path:
    """The spec file of `release` on disk: in releases/ or any folder below it."""
    if PurePosixPath(release.file).parts[0] != RELEASES_DIR:
        raise UsageError(f"{release.file} is not in {RELEASES_DIR}/")
    return root / release.file
