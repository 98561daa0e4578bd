from __future__ import annotations

import json
from pathlib import Path

from generator.cli.console import Console
from generator.cli.reporters import formats
from generator.errors import EXIT_INVALID, EXIT_OK, InputError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.render import argocd
from generator.repo import lock, writer


def run(
    root: Path,
    console: Console,
    environments: tuple[str, ...],
    output: str,
    wait: float = lock.DEFAULT_WAIT,
    allow_empty: bool = False,
) -> int:
    """Render every release for every environment into rendered/, after validating in memory."""
    with lock.held(root, "modelops render", wait, console.say):
        built, report = compose.evaluate(WorkTree(root), environments, progress=console.progress)
        if built is None or report.failed():
            formats.get("text")(report, Console(quiet=console.quiet, color=console.err_color, out=console.err))
            console.fail("nothing written: fix the errors above")
            return EXIT_INVALID
        at = lock.place(root)
        wrong = argocd.misplaced(built.inputs.environments, at) if at is not None else []
        if wrong:
            raise InputError(wrong)
        changes = writer.write(root, built.tree, allow_empty)
    for stray in changes.strays:
        console.fail(f"warning: {stray} is not rendered by modelops; `modelops check` fails until it is removed")
    files = len(built.tree.by_file()) + len(built.tree.metadata)
    if output == "json":
        console.emit(json.dumps({"files": files, **changes.to_json()}, indent=2))
        return EXIT_OK
    releases = len({(r.env.name, r.name) for r in built.resolved})
    console.say(
        f"rendered {releases} release deployments in {len(built.inputs.environments)} environments: "
        f"{files} files ({len(changes.added)} added, {len(changes.changed)} changed, "
        f"{len(changes.removed)} removed)"
    )
    return EXIT_OK
