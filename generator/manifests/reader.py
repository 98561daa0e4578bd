"""Reading Kubernetes manifests from anywhere: files, directories, stdin.

This is the input side of `modelops validate PATH...`: every YAML (or JSON) document of every
file becomes a Manifest that remembers the document it came from, so that a finding on
`spec.replicas` names the line of `replicas:` in that file.  Empty documents are skipped and
`kind: List` is expanded into its items, as kubectl does.

Manifests written by other tools are read more leniently than the project's own inputs:
files may hold many documents and be larger (CRD bundles run to megabytes), aliases are
allowed (still bounded, every expansion counts against the node limit), and a duplicate key is
recorded rather than refused, so that the checker can decide by --strict.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from generator import catalog
from generator.errors import Diagnostic, InputError, Location, Path, UsageError
from generator.inputs import yamlio
from generator.inputs.files import NotRegular, read_regular

STDIN = "-"
STDIN_NAME = "stdin"  # what diagnostics call standard input, as kubeconform does
EXTENSIONS = (".yaml", ".yml", ".json")
MAX_BYTES = 16 * 1024 * 1024
MAX_NODES = 1_000_000
READ_RULE = catalog.YAML  # a file or document that could not be read


@dataclass
class Manifest:
    """One object: `obj` sits at `path` inside `document` (() or ("items", i) of a List)."""

    document: yamlio.Document
    path: Path
    obj: Any
    # The document again with positions, for one read without them: called only to place a finding.
    placed: Callable[[], yamlio.Document] | None = None

    @property
    def file(self) -> str:
        return self.document.file

    def locate(self, field: Path) -> Location:
        if not self.document.positions and self.placed is not None:
            self.document = self.placed()
        return self.document.locate((*self.path, *field))

    def duplicates(self) -> list[tuple[Path, Location]]:
        """Keys written twice inside this object, with the field path relative to it."""
        n = len(self.path)
        return [
            (where[n:], Location(self.file, line, col))
            for where, line, col in self.document.duplicates
            if where[:n] == self.path
        ]


@dataclass
class Loaded:
    files: list[str] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)
    # Files and documents that could not be read, one diagnostic each.
    errors: list[Diagnostic] = field(default_factory=list)


def expand(paths: Iterable[FsPath | str]) -> list[str]:
    """The files named by `paths`: files as given, directories walked for *.yaml, *.yml, *.json.

    Hidden files and directories (.git, .github) are left out of walks; a missing path is a
    usage error, since it is a typo on the command line, not an invalid manifest.
    """
    out: dict[str, None] = {}
    for given in paths:
        text = str(given)
        if text == STDIN:
            out[STDIN] = None
            continue
        path = FsPath(text)
        if path.is_dir():
            for found in _walk(path):
                out[found] = None
        elif path.exists():
            out[path.as_posix()] = None
        else:
            raise UsageError(f"{text}: no such file or directory")
    return list(out)


def _walk(root: FsPath) -> list[str]:
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(EXTENSIONS):
                found.append((FsPath(current) / name).as_posix())
    return found


def parse(raw: bytes, file: str) -> tuple[list[Manifest], list[Diagnostic]]:
    """The manifests of one file's bytes, and what could not be read (pure: no I/O)."""
    manifests: list[Manifest] = []
    errors: list[Diagnostic] = []
    options: dict[str, Any] = {"max_bytes": MAX_BYTES, "max_nodes": MAX_NODES, "aliases": True, "duplicate_keys": True}

    @functools.cache
    def with_positions() -> list[yamlio.Document | InputError]:
        return yamlio.load_all(raw, file, **options)

    def placer(index: int) -> Callable[[], yamlio.Document]:
        def placed() -> yamlio.Document:
            found = with_positions()[index]
            assert isinstance(found, yamlio.Document)  # it was read without positions, so it reads with them
            return found

        return placed

    for index, item in enumerate(yamlio.load_all(raw, file, positions=False, **options)):
        if isinstance(item, InputError):
            errors.extend(d.with_context(rule=READ_RULE) for d in item.diagnostics)
            continue
        data = item.data
        if data is None:
            continue  # an empty document: `---` at the end of a file, or only comments
        placed = None if item.positions else placer(index)
        if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
            manifests.extend(
                Manifest(item, ("items", i), obj, placed) for i, obj in enumerate(data["items"]) if obj is not None
            )
        else:
            manifests.append(Manifest(item, (), data, placed))
    return manifests, errors


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """For the life of what `load` read (wrap the whole use of it, so that it is freed inside): libyaml's
    nodes and the values built from them hold no reference cycles, so reference counting frees what is
    dropped, and the cycle collector walking the millions kept, again and again, was a fifth of the time
    spent reading the rendered files of 1,000 releases. It runs as usual again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(paths: Iterable[FsPath | str], stdin: Callable[[int], bytes]) -> Loaded:
    """Read every file named by `paths` (`-` calls `stdin(size)` once, for at most MAX_BYTES + 1 bytes)."""
    loaded = Loaded()
    for file in expand(paths):
        name = STDIN_NAME if file == STDIN else file
        loaded.files.append(name)
        try:
            # One byte past the limit is enough for yamlio to refuse the file as too large.
            raw = stdin(MAX_BYTES + 1) if file == STDIN else read_regular(file, MAX_BYTES)
        except NotRegular as exc:
            loaded.errors.append(Diagnostic(exc.message, Location(name), rule=READ_RULE))
            continue
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            loaded.errors.append(Diagnostic(f"cannot read the file: {reason}", Location(name), rule=READ_RULE))
            continue
        manifests, errors = parse(raw, name)
        loaded.manifests.extend(manifests)
        loaded.errors.extend(errors)
    return loaded
