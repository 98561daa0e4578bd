"""What the render stage produces: rendered objects with their YAML text, gathered in a tree.

Nothing here touches the disk: the tree says which file of rendered/ each object belongs
in, and generator.repo.writer makes rendered/ match it.

Each unit (a release in an environment, or an environment's _argocd) is one file,
`manifest.yaml`, a multi-document stream with the objects in key order (kind, then name),
as Argo CD's source hydrator writes one manifest.yaml per application path.  One file per
object meant 31,167 files at 1,000 releases x 3 environments; writing them cost 4.7 s and
`git add && commit` 13.5 s, against 0.3-0.4 s and 0.75 s for the same bytes in 3,003 files.
Argo CD's directory source reads every document of the stream, as it read the separate files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator import layout
from generator.errors import Location, Path, TemplateError
from generator.render import emitter

_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
DOCUMENT_START = "---\n"


@dataclass
class RenderedObject:
    key: str  # unique in the tree, e.g. rendered/dev/llama/deployment-llama (the unit's directory, kind-name)
    path: str  # the file it is written in, e.g. rendered/dev/llama/manifest.yaml
    obj: dict[str, Any]
    text: str
    environment: str
    template: str
    release: str | None = None
    origin: Location | None = None  # the release spec (or environment file) that produced it
    offset: int = 0  # lines of `path` before this object's first line (set by RenderedTree.place)

    @property
    def resource(self) -> str:
        return f"{self.obj['kind']}/{self.obj['metadata']['name']}"

    def locate(self, path: Path) -> Location:
        """Where `path` (or the nearest field above it, for a missing one) is in the file the object is written in."""
        line, column = emitter.locate(self.text, path)[1]
        return Location(self.path, line + self.offset, column)


@dataclass
class RenderedTree:
    objects: dict[str, RenderedObject] = field(default_factory=dict)
    # Directories this render owns entirely: anything else found in them is stale.
    scopes: list[str] = field(default_factory=list)
    # Every environment was rendered, so directories of environments that no longer exist are stale.
    complete: bool = True
    # Files beside the manifests that are not Kubernetes objects: each release's provenance.
    metadata: dict[str, str] = field(default_factory=dict)

    def place(self) -> dict[str, list[RenderedObject]]:
        """Give each object its offset in its manifest (after the last object is added); returns by_file()."""
        manifests = self.by_file()
        for objects in manifests.values():
            lines = 0
            for obj in objects:
                obj.offset = lines + 1  # the document's `---` line
                lines = obj.offset + obj.text.count("\n")
        return manifests

    def files(self) -> dict[str, bytes]:
        """Every file of the tree: each unit's manifest, and each release's provenance."""
        out = {
            path: "".join(DOCUMENT_START + obj.text for obj in objects).encode()
            for path, objects in self.place().items()
        }
        out.update((path, text.encode()) for path, text in self.metadata.items())
        return dict(sorted(out.items()))

    def by_file(self) -> dict[str, list[RenderedObject]]:
        """The objects of each manifest file, in the order they are written."""
        out: dict[str, list[RenderedObject]] = {}
        for key in sorted(self.objects):
            out.setdefault(self.objects[key].path, []).append(self.objects[key])
        return out

    def add(
        self, directory: str, template: str, obj: dict[str, Any], text: str | None = None, **provenance: Any
    ) -> RenderedObject:
        """File `obj` under `directory`; `text` is its YAML if already emitted (by a worker, or the cache)."""
        where = f"{layout.TEMPLATES_DIR}/{template}"
        meta = obj.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise TemplateError.at(f"rendered a {obj['kind']} without a valid metadata.name ({name!r})", where)
        key = f"{directory}/{obj['kind'].lower()}-{name}"
        path = f"{directory}/{layout.MANIFEST_FILE}"
        if key in self.objects:
            raise TemplateError.at(
                f"two objects render as {obj['kind']}/{name} in {path} (also from {self.objects[key].template})", where
            )
        if text is None:
            try:
                text = emitter.dump(obj)
            except (TypeError, ValueError) as exc:
                raise TemplateError.at(f"cannot write {path}: {exc}", where) from None
        rendered = RenderedObject(key, path, obj, text, template=template, **provenance)
        self.objects[key] = rendered
        return rendered
