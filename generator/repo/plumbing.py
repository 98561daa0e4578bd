"""Git plumbing fed on stdin, for commits of any size.

A commit of rendered/ can touch tens of thousands of files: nothing here passes a path or
the message as a command-line argument (Linux caps one argument at 128 KiB, all of them at
about 2 MiB).  Paths go to `update-index -z --index-info` and `hash-object --stdin-paths`,
the message to `commit-tree -F -`.  The tree is built in a private index (GIT_INDEX_FILE)
from HEAD's tree plus the changed paths only, so a user's staged work is never swept in and
unchanged files are never hashed again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import subprocess
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.errors import RepositoryError

REGULAR = "100644"
_PER_HASHER = 1000  # fewer files than this a process: starting another costs more than it saves


@dataclass(frozen=True)
class Git:
    """git in one work tree; `git_dir` holds the private index files."""

    work_tree: Path
    git_dir: Path

    def run(self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
        return self.output(*args, stdin=stdin, env=env).decode(errors="surrogateescape")

    def output(self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
        """What git printed, as bytes (`cat-file --batch` prints file contents)."""
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.work_tree,
                input=stdin,
                capture_output=True,
                env={**os.environ, **(env or {})},
                check=False,
            )
        except OSError as exc:
            raise RepositoryError(f"cannot run git: {exc.strerror or exc}") from None
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip() or done.stdout.decode(errors="replace").strip()
            raise RepositoryError(f"git {args[0]} failed: {detail or f'exit {done.returncode}'}")
        return done.stdout

    @functools.cached_property
    def _object_format(self) -> str:  # asked once: a commit needs it three times
        return self.run("rev-parse", "--show-object-format").strip() or "sha1"

    def object_format(self) -> str:
        return self._object_format

    def _null_id(self) -> str:
        """The all-zero object id, which `update-index --index-info` reads as "remove this path"."""
        return "0" * (64 if self.object_format() == "sha256" else 40)

    def blob_ids(self, files: Mapping[str, bytes]) -> dict[str, str]:
        """The id git gives each file's content (computed here: nothing is written yet)."""
        algorithm = hashlib.sha256 if self.object_format() == "sha256" else hashlib.sha1
        return {path: algorithm(b"blob %d\0" % len(data) + data).hexdigest() for path, data in files.items()}

    def tree_files(self, rev: str | None, directory: str) -> dict[str, tuple[str, str]]:
        """path -> (mode, id) of every file below `directory` in `rev` (empty without a commit)."""
        if rev is None:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for entry in self.run("ls-tree", "-r", "-z", "--full-tree", rev, "--", directory).split("\0"):
            if entry:
                meta, _, path = entry.partition("\t")
                mode, _, rest = meta.partition(" ")
                out[path] = (mode, rest.partition(" ")[2])
        return out

    def write_blobs(self, paths: list[str], expected: Mapping[str, str]) -> None:
        """Store the files at `paths` (relative to the work tree) as objects, checking each id."""
        if not paths:
            return
        # Compressing and writing loose objects is CPU-bound in git: thousands of files go to one
        # hash-object per core (9,012 files: 1.3 s in one, 0.7 s in two).
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        parts = max(1, min(cores, 4, len(paths) // _PER_HASHER))
        size = -(-len(paths) // parts)
        chunks = [paths[start : start + size] for start in range(0, len(paths), size)]

        def hashed(chunk: list[str]) -> list[str]:
            listing = "\n".join(chunk).encode(errors="surrogateescape") + b"\n"
            return self.run("hash-object", "-w", "--no-filters", "--stdin-paths", stdin=listing).split()

        with ThreadPoolExecutor(len(chunks)) as pool:
            ids = [found for done in pool.map(hashed, chunks) for found in done]
        for path, found in zip(paths, ids, strict=True):
            if found != expected[path]:
                raise RepositoryError(f"{path} changed on disk while it was being committed; run the command again")

    def tree_with(self, base: str | None, updates: Mapping[str, str], removals: list[str]) -> str:
        """The id of `base`'s tree with `updates` (path -> blob id, regular files) and `removals` applied."""
        # In the tool's own directory, named like a run's leftovers: a kill here leaves nothing for good.
        work = self.git_dir / "modelops"
        work.mkdir(exist_ok=True)
        fd, index = tempfile.mkstemp(prefix="run-index-", dir=work)
        os.close(fd)
        os.unlink(index)  # git wants to create it; an empty file is not an index
        env = {"GIT_INDEX_FILE": index}
        zero = self._null_id()
        try:
            if base is not None:
                self.run("read-tree", base, env=env)
            lines = [f"{REGULAR} {blob}\t{path}" for path, blob in updates.items()]
            lines += [f"0 {zero}\t{path}" for path in removals]
            if lines:
                payload = "\0".join(lines).encode(errors="surrogateescape") + b"\0"
                self.run("update-index", "-z", "--index-info", stdin=payload, env=env)
            return self.run("write-tree", env=env).strip()
        finally:
            if os.path.exists(index):
                os.unlink(index)

    def signing(self) -> list[str]:
        """`-S` when the repository asks for signed commits (commit.gpgSign); commit-tree would not sign."""
        try:
            value = self.run("config", "--get", "commit.gpgsign").strip().lower()
        except RepositoryError:  # not set
            return []
        if value in ("true", "yes", "on", "1"):
            return ["-S"]
        if value in ("false", "no", "off", "0", ""):
            return []
        raise RepositoryError(f"commit.gpgsign is {value!r}, which git does not read as true or false; fix the config")

    def commit_tree(self, tree: str, parent: str | None, message: str) -> str:
        parents = ["-p", parent] if parent else []
        return self.run("commit-tree", tree, *parents, *self.signing(), "-F", "-", stdin=message.encode()).strip()

    def update_ref(self, ref: str, new: str, old: str | None, reason: str) -> None:
        """Move `ref` to `new` only if it still points at `old` (compare-and-swap)."""
        zero = "0" * len(new)
        try:
            self.run("update-ref", "-m", reason, ref, new, old or zero)
        except RepositoryError:
            raise RepositoryError(
                f"{ref.removeprefix('refs/heads/')} moved while modelops was committing (a git command outside "
                "modelops?); nothing was committed: run the command again"
            ) from None

    def staged_changes(self, commit: str, directory: str) -> list[str]:
        """Paths below `directory` where the user's index differs from `commit`."""
        out = self.run("diff-index", "--cached", "-z", "--name-only", "--no-renames", commit, "--", directory)
        return [path for path in out.split("\0") if path]

    def reset_index(
        self, commit: str, paths: list[str], directories: list[str], tree: Mapping[str, tuple[str, str]] | None = None
    ) -> None:
        """The user's index takes `paths` (below `directories`) as they are in `commit`, whose files there
        are `tree` (path -> (mode, id); listed from git when not given); the rest of the index is left alone.

        Entries set from the commit's tree (`update-index --index-info`, its ids and modes; a path the
        commit lacks removed), then the index's stat data refreshed, so that git does not hash them all
        again at the next status: `git reset COMMIT -- PATHS` did the same in 1.1 s for the 9,012 files
        of a cold commit at 1,000 releases (its path matching grows with paths times entries), this in
        0.2 s."""
        if not paths:
            return
        if tree is None:
            tree = {}
            for directory in directories:
                tree.update(self.tree_files(commit, directory))
        zero = self._null_id()
        lines = [f"{tree[p][0]} {tree[p][1]}\t{p}" if p in tree else f"0 {zero}\t{p}" for p in paths]
        payload = "\0".join(lines).encode(errors="surrogateescape") + b"\0"
        self.run("update-index", "-z", "--index-info", stdin=payload)
        # Stat data only (a modified file stays modified, unstaged), and only a saving: a failure here,
        # or an unmerged path elsewhere in the index, leaves rendered/ synced all the same.
        with contextlib.suppress(RepositoryError):
            self.run("update-index", "-q", "--unmerged", "--refresh")
