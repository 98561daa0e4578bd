from __future__ import annotations

import json
from pathlib import Path

from generator import gitops, pipeline, reporters, tree
from generator.console import Console
from generator.errors import EXIT_INVALID, EXIT_OK
from generator.sources import WorkTree

_LISTED = 20


def run(
    root: Path,
    console: Console,
    message: str | None,
    output: str,
    *,
    push: bool = False,
    remote: str | None = None,
    branch: str | None = None,
    retries: int = 3,
) -> int:
    """Render, validate, write rendered/ and commit it, only when something changed."""
    repo = gitops.open_repo(root)
    gitops.check_can_commit(repo)
    built, report = pipeline.evaluate(WorkTree(root), progress=console.progress)
    if built is None or report.failed():
        reporters.get("text")(report, Console(quiet=console.quiet, color=console.err_color, out=console.err))
        console.fail("nothing written or committed: fix the errors above")
        return EXIT_INVALID
    tree.write(root, built.tree)
    versions = pipeline.versions(built)
    result = gitops.commit_rendered(repo, lambda files: gitops.commit_message(files, versions, message))
    if output == "json":
        console.emit(
            json.dumps(
                {
                    "commit": result.sha,
                    "files": [{"status": f.status, "path": f.path} for f in result.files],
                    "message": result.message or None,
                },
                indent=2,
            )
        )
    elif result.sha is None:
        console.say("nothing to commit: rendered/ already matches the specs")
    else:
        console.say(f"committed {result.sha[:12]} {result.message.splitlines()[0]}")
        for change in result.files[:_LISTED]:
            console.say(f"  {change.status} {change.path}")
        if len(result.files) > _LISTED:
            console.say(f"  ... and {len(result.files) - _LISTED} more files")
    return EXIT_OK
