from __future__ import annotations

from pathlib import Path

from generator import atomic
from generator.cli.console import Console
from generator.errors import EXIT_OK, UsageError
from generator.schemas import bundle


def run(console: Console, kind: str | None, directory: Path | None) -> int:
    """Print the schema of `kind`, or write the schemas (all, or only `kind`) into `directory`."""
    if directory is None:
        if kind is None:
            raise UsageError(f"name a file kind ({', '.join(bundle.KINDS)}) or use --write DIR")
        console.emit(bundle.text(kind))
        return EXIT_OK
    files = {bundle.file_name(kind): bundle.text(kind)} if kind else bundle.all_files()
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--write {directory}: not a directory")
    atomic.replace_files(directory, {name: text.encode() for name, text in files.items()})
    for name in files:
        console.say(f"wrote {directory / name}")
    return EXIT_OK
