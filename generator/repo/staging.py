"""Rendered files written ahead into a run's staging directory, so a run need not hold them in memory.

An incremental run that will write rendered/ stages each unit that differs from rendered/ as it
comes out of the workers, into the run directory the writer then swaps from
(`.git/modelops/run-<token>/staging/`, see generator.repo.writer), and keeps only the paths:
at 10,000 releases x 3 environments a cold render's files are 740 MB, which the run held until
the write.  `StagedFiles` reads a file back only when something asks for its bytes (the writer
comparing a changed file with the one on disk).  Staging writes nothing below rendered/: until
the writer swaps the directories in, rendered/ is untouched, and a run that is not written (its
report failed, or it was left for the whole pipeline) removes its staging when the process ends.
A unit that cannot be staged (a full disk, a read-only directory) is held in memory from then on,
so the run still reports what validation finds first; the writer then meets the error itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

from generator import atomic
from generator.errors import RepositoryError
from generator.layout import RENDERED_DIR
from generator.repo import lock

RUN_PREFIX = "run-"
STAGING = "staging"

# Run directories of this process still in use: a writer cleaning leftovers must not take them for a dead run's.
LIVE: set[Path] = set()


def target(staging: Path | str, path: str) -> str:
    """Where `path` (rendered/...) is staged below `staging`; refuses anything outside rendered/."""
    if not path.startswith(RENDERED_DIR + "/") or "/../" in f"/{path}/":
        raise AssertionError(f"refusing to write outside {RENDERED_DIR}/: {path}")
    return f"{staging}/{path[len(RENDERED_DIR) + 1 :]}"


def write_file(where: str, data: bytes) -> None:
    with open(where, "wb") as handle:
        handle.write(data)


def written_nothing(exc: OSError) -> RepositoryError:
    """A write of rendered/ that failed before anything in it changed."""
    where = f" ({exc.filename})" if exc.filename else ""
    return RepositoryError(f"could not write {RENDERED_DIR}/: {exc.strerror or exc}{where}; it is unchanged")


class Staging:
    """One run directory, filled unit by unit; `write` takes it over (`taken`) and swaps it in."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.run = lock.workdir(self.root) / f"{RUN_PREFIX}{uuid.uuid4().hex[:12]}"
        self.units: dict[str, set[str]] = {}  # unit directory -> its staged paths
        # Units that could not be staged (a full disk, a read-only directory) are held here instead,
        # so the run still reports its findings first; the writer then meets the error itself.
        self.held: dict[str, dict[str, bytes]] = {}
        self.taken = False
        self._made: set[str] = set()
        self._pid = os.getpid()

    def put(self, unit: str, files: Mapping[str, bytes]) -> None:
        """Stage `unit`'s files (all of them: a unit staged again loses the files it no longer has)."""
        if not self.units and not self.held:
            LIVE.add(self.run)
            atexit.register(self._at_exit)  # forked render workers end with os._exit and never run it
        staging = self.run / STAGING
        if not self.held:
            try:
                for gone in self.units.get(unit, set()) - set(files):
                    os.unlink(target(staging, gone))
                for path, data in files.items():
                    where = target(staging, path)
                    directory = where.rpartition("/")[0]
                    if directory not in self._made:
                        os.makedirs(directory, exist_ok=True)
                        self._made.add(directory)
                    write_file(where, data)
                self.units[unit] = set(files)
                return
            except OSError:
                pass  # held from here on; nothing below rendered/ has been touched
        for gone in self.units.pop(unit, set()):
            with contextlib.suppress(OSError):
                os.unlink(target(staging, gone))
        self.held[unit] = dict(files)

    def files(self, keep: set[str]) -> StagedFiles:
        """The staged (or held) files of the units in `keep`."""
        paths = [p for unit in keep for p in (*self.units.get(unit, ()), *self.held.get(unit, {}))]
        return StagedFiles(self, sorted(paths))

    def on_disk(self) -> set[str]:
        """The paths staged in the run directory (not held)."""
        return {p for paths in self.units.values() for p in paths}

    def discard(self) -> None:
        LIVE.discard(self.run)
        if self.run.exists():
            with contextlib.suppress(OSError):  # the tool's own directory: the next writer removes what is left
                atomic.remove(self.run)

    def _at_exit(self) -> None:
        if os.getpid() == self._pid and not self.taken:
            self.discard()


class StagedFiles(Mapping[str, bytes]):
    """path -> bytes of staged files, read from the staging directory (or, once swapped in, from rendered/)."""

    def __init__(self, staging: Staging, paths: list[str]) -> None:
        self.staging = staging
        self._paths = paths
        self._known = set(paths)

    def __getitem__(self, path: str) -> bytes:
        if path not in self._known:
            raise KeyError(path)
        held = self.staging.held.get(path.rpartition("/")[0], {})
        if path in held:
            return held[path]
        for where in (target(self.staging.run / STAGING, path), f"{self.staging.root}/{path}"):
            with contextlib.suppress(FileNotFoundError), open(where, "rb") as handle:
                return handle.read()
        raise KeyError(path)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def only(self, units: set[str]) -> StagedFiles:
        """These files, in the unit directories `units` only."""
        return StagedFiles(self.staging, [p for p in self._paths if p.rpartition("/")[0] in units])


def only(files: Mapping[str, bytes], units: set[str]) -> Mapping[str, bytes]:
    """`files` in the unit directories `units` only, staged ones left unread."""
    if isinstance(files, StagedFiles):
        return files.only(units)
    return {p: d for p, d in files.items() if p.rpartition("/")[0] in units}
