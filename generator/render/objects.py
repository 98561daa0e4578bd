"""What the render stage produces: rendered objects with their YAML text, gathered in a tree.

Nothing here touches the disk: the tree says which file of rendered/ each object belongs
in, and generator.repo.writer makes rendered/ match it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from generator import layout
from generator.errors import Location, Path, TemplateError, nearest
from generator.render import emitter

_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


@dataclass
class RenderedObject:
    path: str  # repository-relative, e.g. rendered/dev/llama/deployment-llama.yaml
    obj: dict[str, Any]
    text: str
    environment: str
    template: str
    release: str | None = None
    origin: Location | None = None  # the release spec (or environment file) that produced it

    @property
    def resource(self) -> str:
        return f"{self.obj['kind']}/{self.obj['metadata']['name']}"

    @cached_property
    def lines(self) -> dict[Path, tuple[int, int]]:
        """(line, column) of every field in `text`; emitted again only when a finding needs a line."""
        return emitter.dump(self.obj)[1]

    def locate(self, path: Path) -> Location:
        found = nearest(self.lines, path)
        line, column = self.lines[found] if found is not None else (1, 1)
        return Location(self.path, line, column)


@dataclass
class RenderedTree:
    objects: dict[str, RenderedObject] = field(default_factory=dict)
    # Directories this render owns entirely: anything else found in them is stale.
    scopes: list[str] = field(default_factory=list)
    # Every environment was rendered, so directories of environments that no longer exist are stale.
    complete: bool = True
    # Files beside the manifests that are not Kubernetes objects: each release's provenance.
    metadata: dict[str, str] = field(default_factory=dict)

    def files(self) -> dict[str, bytes]:
        out = {path: obj.text.encode() for path, obj in self.objects.items()}
        out.update((path, text.encode()) for path, text in self.metadata.items())
        return dict(sorted(out.items()))

    def add(
        self, directory: str, template: str, obj: dict[str, Any], text: str | None = None, **provenance: Any
    ) -> RenderedObject:
        """File `obj` under `directory`; `text` is its YAML if already emitted (by a worker, or the cache)."""
        where = f"{layout.TEMPLATES_DIR}/{template}"
        meta = obj.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise TemplateError.at(f"rendered a {obj['kind']} without a valid metadata.name ({name!r})", where)
        path = f"{directory}/{obj['kind'].lower()}-{name}.yaml"
        if path in self.objects:
            raise TemplateError.at(f"two objects render to {path} (also from {self.objects[path].template})", where)
        if text is None:
            try:
                text = emitter.dump(obj, track=False)[0]
            except (TypeError, ValueError) as exc:
                raise TemplateError.at(f"cannot write {path}: {exc}", where) from None
        rendered = RenderedObject(path, obj, text, template=template, **provenance)
        self.objects[path] = rendered
        return rendered
