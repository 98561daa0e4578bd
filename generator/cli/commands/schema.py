from __future__ import annotations

import os
import tempfile
from pathlib import Path

from generator.cli.console import Console
from generator.errors import EXIT_OK, RepositoryError, UsageError
from generator.schemas import bundle


def run(console: Console, kind: str | None, directory: Path | None) -> int:
    """Print the schema of `kind`, or write the schemas (all, or only `kind`) into `directory`."""
    if directory is None:
        if kind is None:
            raise UsageError(f"name a file kind ({', '.join(bundle.KINDS)}) or use --write DIR")
        console.emit(bundle.text(kind))
        return EXIT_OK
    files = {bundle.file_name(kind): bundle.text(kind)} if kind else bundle.all_files()
    for name in write_files(directory, files):
        console.say(f"wrote {directory / name}")
    return EXIT_OK


def write_files(directory: Path, files: dict[str, str]) -> list[str]:
    """Write `files` (name -> text) into `directory`, creating it; each file is replaced whole.

    Every file is written to a temporary name first and renamed only when all are written,
    so a failure (a full disk) leaves the previous schemas, never a truncated one.
    """
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--write {directory}: not a directory")
    staged: list[tuple[str, str]] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            fd, tmp = tempfile.mkstemp(prefix=".modelops-", dir=directory)
            staged.append((tmp, name))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the schemas from other users and tools
        for tmp, name in staged:
            os.replace(tmp, directory / name)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise RepositoryError(f"could not write {directory}: {exc.strerror or exc}{where}") from None
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return list(files)
