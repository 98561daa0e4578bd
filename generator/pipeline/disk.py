"""What rendered/ holds now, unit by unit: the blob id of every file (from its stamp), and what
sits in an environment's directory without being a unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator import layout
from generator.inputs.spec import Environment
from generator.pipeline.index import Record
from generator.pipeline.stamps import Stamps

Unit = tuple[str, str, str | None, str]  # (directory, environment, release or None for _argocd and _shared, key)


class WholePipeline(Exception):
    """This run needs the whole pipeline."""


@dataclass
class Disk:
    """What the unit directories hold now: blob id of every file, and entries that are not files."""

    blobs: dict[str, str | None] = field(default_factory=dict)  # path -> blob id (None: not a regular file)
    entries: dict[str, list[str]] = field(default_factory=dict)  # unit directory -> paths in it
    stale: list[str] = field(default_factory=list)  # what sits in an environment's directory and is no unit

    def look(self, root: Path, unit: str, stamps: Stamps) -> None:
        names = sorted(stamps.listings.listdir(unit))
        paths = [f"{unit}/{name}" for name in names]
        self.entries[unit] = paths
        for rel in paths:
            self.blobs[rel] = stamps.blob(rel)

    def matches(self, unit: str, record: Record) -> bool:
        present = self.entries.get(unit, [])
        return len(present) == len(record.files) and all(self.blobs.get(p) == record.files.get(p) for p in present)


def survey(root: Path, environments: dict[str, Environment], plan: list[Unit], stamps: Stamps) -> Disk:
    """The unit directories' files and their stamps; anything else in rendered/ is stale or needs the whole pipeline."""
    found = Disk()
    rendered = root / layout.RENDERED_DIR
    if rendered.is_symlink():
        raise WholePipeline
    top = [e for e in stamps.listings.listdir(layout.RENDERED_DIR) if not e.startswith(".")]
    if set(top) - set(environments):
        raise WholePipeline  # a stale environment directory, or a stray file: the writer's full guards decide
    units = {u[0] for u in plan}
    for env_name in environments:
        directory = rendered / env_name
        if directory.is_symlink():
            raise WholePipeline
        present = sorted(stamps.listings.listdir(layout.environment_path(env_name)))
        stale = [
            n for n in present if n != layout.ARGOCD_DIR and f"{layout.environment_path(env_name)}/{n}" not in units
        ]
        if stale and not any(u[1] == env_name and u[2] is not None for u in plan):
            raise WholePipeline  # the environment would lose its last release: the writer refuses that
        found.stale.extend(f"{layout.environment_path(env_name)}/{n}" for n in stale)
    for unit, _, _, _ in plan:
        found.look(root, unit, stamps)
    return found
