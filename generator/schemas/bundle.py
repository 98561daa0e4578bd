"""Self-contained JSON Schemas of the input file kinds, for editors and other validators.

The shipped schemas refer to each other (an environment borrows `dnsLabel`, `rollout`, ...
from the release schema) and are resolved at run time through one jsonschema-rs registry.
An editor's YAML language server is handed one file, so each printed schema carries every
definition it uses in its own `$defs` and refers to them only with local `#/$defs/...`
pointers: plain JSON pointers work in every draft, also in language servers that implement
draft-07 only and know nothing of embedded `$id` resources.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urldefrag, urljoin

from generator.schemas import shipped

KINDS: dict[str, str] = {
    "release": "modelrelease.schema.json",
    "environment": "environment.schema.json",
    "policy": "policyset.schema.json",
    "waivers": "waiverlist.schema.json",
}

_DEFS_PREFIX = "/$defs/"


class _Bundler:
    """Copies a root schema, pulling definitions of other shipped schemas into its `$defs`."""

    def __init__(self, root: dict[str, Any]):
        self.root_id: str = root["$id"]
        self.out = copy.deepcopy(root)
        self.defs: dict[str, Any] = self.out.setdefault("$defs", {})
        # (schema $id, definition name) -> name in the bundle's $defs
        self.names: dict[tuple[str, str], str] = {(self.root_id, name): name for name in self.defs}
        self.pending: list[tuple[str, str]] = []

    def bundle(self) -> dict[str, Any]:
        self.out = self._rewrite(self.out, self.root_id)
        self.defs = self.out["$defs"]
        while self.pending:
            doc_id, name = self.pending.pop(0)
            source = shipped.documents()[doc_id]["$defs"][name]
            self.defs[self.names[(doc_id, name)]] = self._rewrite(copy.deepcopy(source), doc_id)
        if not self.defs:
            del self.out["$defs"]
        return self.out

    def _local_name(self, doc_id: str, name: str) -> str:
        key = (doc_id, name)
        if key not in self.names:
            taken = set(self.names.values())
            # A borrowed definition keeps its name unless the root schema has its own of that name.
            local = name if name not in taken else f"{doc_id.rsplit('/', 1)[-1].split('.')[0]}-{name}"
            self.names[key] = local
            self.pending.append(key)
        return self.names[key]

    def _ref(self, ref: str, doc_id: str) -> str:
        target, fragment = urldefrag(urljoin(doc_id, ref))
        if target not in shipped.documents() or not fragment.startswith(_DEFS_PREFIX):
            raise ValueError(f"{doc_id}: cannot bundle $ref {ref!r}")  # a shipped schema changed shape: a bug
        name, _, rest = fragment[len(_DEFS_PREFIX) :].partition("/")
        local = name if target == self.root_id else self._local_name(target, name)
        return f"#{_DEFS_PREFIX}{local}" + (f"/{rest}" if rest else "")

    def _rewrite_entry(self, key: str, value: Any, doc_id: str) -> Any:
        return self._ref(value, doc_id) if key == "$ref" and isinstance(value, str) else self._rewrite(value, doc_id)

    def _rewrite(self, node: Any, doc_id: str) -> Any:
        if isinstance(node, dict):
            return {key: self._rewrite_entry(key, value, doc_id) for key, value in node.items()}
        if isinstance(node, list):
            return [self._rewrite(item, doc_id) for item in node]
        return node


def bundled(kind: str) -> dict[str, Any]:
    """The schema of `kind` (a key of KINDS) with every definition it needs inside it."""
    return _Bundler(shipped.schema(KINDS[kind])).bundle()


def text(kind: str) -> str:
    """Deterministic bytes: the shipped key order, two-space indent, LF, a trailing newline."""
    return json.dumps(bundled(kind), indent=2, ensure_ascii=False) + "\n"


def file_name(kind: str) -> str:
    return f"{kind}.schema.json"


def all_files() -> dict[str, str]:
    """file name -> text, for every kind."""
    return {file_name(kind): text(kind) for kind in KINDS}
