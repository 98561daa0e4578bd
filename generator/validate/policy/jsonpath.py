"""A small JSONPath: `$`, `.key`, `['key']`, `[n]`, `[*]` and `.*` — enough to point at fields of manifests.

Selecting returns every matching node with its path, so a finding can name the exact line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.errors import Path

_TOKEN = re.compile(
    r"""\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)   # .key
      | \.\*                                    # .*
      | \[\s*(?P<index>-?\d+)\s*\]              # [0]
      | \[\s*\*\s*\]                            # [*]
      | \[\s*'(?P<quoted>(?:[^'\\]|\\.)*)'\s*\] # ['app.kubernetes.io/name']
    """,
    re.VERBOSE,
)

WILDCARD = object()


class JsonPathError(ValueError):
    pass


@dataclass(frozen=True)
class JsonPath:
    text: str
    steps: tuple[object, ...]  # str key, int index, or WILDCARD

    def select(self, root: Any) -> Iterator[tuple[Path, Any]]:
        nodes: list[tuple[Path, Any]] = [((), root)]
        for step in self.steps:
            following: list[tuple[Path, Any]] = []
            for path, node in nodes:
                if step is WILDCARD:
                    if isinstance(node, dict):
                        following.extend(((*path, k), v) for k, v in node.items())
                    elif isinstance(node, list):
                        following.extend(((*path, i), v) for i, v in enumerate(node))
                elif isinstance(step, int):
                    if isinstance(node, list) and -len(node) <= step < len(node):
                        index = step % len(node)
                        following.append(((*path, index), node[index]))
                elif isinstance(node, dict) and step in node:
                    following.append(((*path, str(step)), node[str(step)]))
            nodes = following
        yield from nodes


def parse(text: str) -> JsonPath:
    if not text.startswith("$"):
        raise JsonPathError(f"a path starts with $: {text!r}")
    steps: list[object] = []
    position = 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise JsonPathError(f"cannot read {text!r} at character {position + 1} ({text[position:]!r})")
        if match.group("name") is not None:
            steps.append(match.group("name"))
        elif match.group("index") is not None:
            steps.append(int(match.group("index")))
        elif match.group("quoted") is not None:
            steps.append(re.sub(r"\\(.)", r"\1", match.group("quoted")))
        else:
            steps.append(WILDCARD)
        position = match.end()
    return JsonPath(text, tuple(steps))
