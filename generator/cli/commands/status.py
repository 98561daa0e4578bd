from __future__ import annotations

import json
from pathlib import Path

from generator.cli.console import Console
from generator.errors import EXIT_OK, InputError, printable
from generator.inputs import spec
from generator.inputs.sources import WorkTree
from generator.repo import commits, status


def _short(digest: str) -> str:
    return digest[:19] if digest.startswith("sha256:") else digest


def run(root: Path, console: Console, output: str) -> int:
    """Per environment, what the committed rendered tree deploys and the commit that last changed it."""
    repo = commits.open_repo(root)
    try:
        order = list(spec.load_environments(WorkTree(root)))
    except InputError:
        order = []  # status reads git; a broken environment file must not hide what is deployed
    rows = status.collect(repo, "HEAD", order, commits.prefix(repo, root)) if commits.head_id(repo) else []
    if output == "json":
        console.emit(json.dumps({"environments": _grouped(rows)}, indent=2))
        return EXIT_OK
    if not rows:
        console.say("no rendered releases committed yet (run modelops commit)")
        return EXIT_OK
    header = ("release", "version", "strategy", "image", "artifact", "commit")
    for env in dict.fromkeys(r.environment for r in rows):
        # Read from rendered/ and commit messages, which anyone with push access writes.
        table = [header] + [
            tuple(
                printable(cell)
                for cell in (
                    r.release,
                    r.version,
                    r.strategy,
                    _short(r.image_digest or r.image),
                    _short(r.artifact_digest),
                    f"{r.commit[:12]} {r.time[:16].replace('T', ' ') or r.date} {r.author.split(' <')[0]}: {r.subject}",
                )
            )
            for r in rows
            if r.environment == env
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
        console.emit(f"{printable(env)}:")
        for row in table:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
            console.emit("  " + "  ".join([*cells, row[-1]]).rstrip())
    return EXIT_OK


def _grouped(rows: list[status.ReleaseStatus]) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        out.setdefault(row.environment, []).append(row.to_json())
    return out
