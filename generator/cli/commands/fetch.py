"""`modelops fetch` (the init container's command) and `modelops digest`."""

from __future__ import annotations

import json
from pathlib import Path

from generator.cli.console import Console
from generator.errors import EXIT_OK


def run_fetch(console: Console, uri: str, expected: str, dest: Path, retries: int) -> int:
    from generator.fetch import download

    actual = download.fetch(uri, expected, dest, retries)
    console.say(f"{dest}: {actual}")
    return EXIT_OK


def run_digest(console: Console, target: str, output: str) -> int:
    from generator.fetch import digest, download

    local = Path(target)
    value = digest.of_path(local) if "://" not in target and local.exists() else download.remote_digest(target)
    console.emit(json.dumps({"target": target, "digest": value}) if output == "json" else value)
    return EXIT_OK
