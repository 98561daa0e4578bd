"""What an incremental run found (generator.pipeline.incremental), and keeping its index afterwards."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator import layout
from generator.inputs.spec import Environment
from generator.pipeline import disk, settled
from generator.pipeline import index as unit_index
from generator.pipeline.index import Facts, Index
from generator.pipeline.stamps import Stamps, blob_id
from generator.render.objects import RenderedTree
from generator.validate.policy.model import Policies
from generator.validate.report import Report


@dataclass
class Outcome:
    """A run over the whole repository, of which only `rendered` units were rendered again."""

    environments: dict[str, Environment]
    report: Report
    tree: RenderedTree  # no objects: its scopes name the units to write and those to remove
    desired: Mapping[str, bytes]  # the files of the units to write (staged ahead when the run writes)
    files: Mapping[str, str]  # every file the repository renders: path -> blob id
    facts: list[Facts]  # every unit, in the order of their directories
    rendered: int  # units rendered by this run
    out_of_date: list[str]  # unit directories whose files on disk differ from what they render to
    disk: disk.Disk
    index: Index
    stamps: Stamps
    changed: bool = True  # the index has new or fewer records than it was loaded with
    today: datetime.date | None = None  # the day its waivers were applied as of
    kept: bool = False  # the answer a settled run kept (generator.pipeline.settled): nothing to save
    policies: Policies | None = None  # as loaded for the report (a kept answer: its environment-wide waivers)
    read: Mapping[str, str] | None = None  # a kept answer's files read (an ordinary run's are its stamps)

    @classmethod
    def from_kept(cls, found: settled.Kept, environments: dict[str, Environment], today: datetime.date) -> Outcome:
        """The outcome of a run answered from the kept answer: nothing rendered, nothing out of date."""
        root = str(found.stamps.root)
        empty = disk.Disk()
        return cls(environments, found.report, RenderedTree(complete=False), {}, found.files, found.facts, 0, [],
                   empty, Index(root), found.stamps, False, today, True, found.policies, found.read)  # fmt: skip

    def blobs(self) -> Mapping[str, str]:
        """path -> blob id of every file the run read: the inputs and the rendered files."""
        return self.read if self.read is not None else {p: s[4] for p, s in self.stamps.fresh.items()}

    def spec_blobs(self) -> dict[str, str]:
        """path -> blob id of every release spec."""
        if self.read is not None:
            return {p: b for p, b in self.read.items() if p.startswith(f"{layout.RELEASES_DIR}/")}
        return {p: s.blob for p, s in self.index.specs.items()}

    def versions(self) -> dict[tuple[str, str], str]:
        return {(f.environment, f.release): f.version for f in self.facts if f.release is not None}

    def save(self, written: Mapping[str, bytes] | None = None) -> None:
        """Keep the index, with the stamps of the files this run wrote (a run that changed nothing
        and read no file writes nothing: its index would be the same), and the run's answer if
        rendered/ is now what the inputs render to (`written`: this run's out-of-date units, written)."""
        if self.kept:
            return
        stamps = self.stamps
        if written or self.changed or stamps.read or stamps.fresh.keys() != stamps.known.keys():
            self._save_index(written)
        settled.keep(self, written is not None)

    def _save_index(self, written: Mapping[str, bytes] | None) -> None:
        stamps = self.stamps
        scopes = set(self.tree.scopes)  # unit directories rendered/<env>/<name>, or a stray file there
        for path in [p for p in stamps.fresh if p in scopes or "/".join(p.split("/")[:3]) in scopes]:
            stamps.forget(path)
        for path in written or {}:
            known = self.files.get(path)  # the id its record holds: neither read back nor hashed again
            stamps.note(path, known or blob_id((written or {})[path], stamps.sha256))
        self.index.stamps, self.index.taken_ns = stamps.snapshot()
        unit_index.save(Path(self.index.root), self.index)
