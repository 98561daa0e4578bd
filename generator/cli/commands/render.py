from __future__ import annotations

import json
from pathlib import Path

from generator.cli.console import Console
from generator.cli.reporters import formats
from generator.errors import EXIT_INVALID, EXIT_OK, InputError
from generator.inputs.sources import WorkTree
from generator.inputs.spec import Environment
from generator.pipeline import incremental, records
from generator.render import argocd
from generator.render.objects import RenderedTree
from generator.repo import lock, staging, writer
from generator.validate.report import Report


def run(
    root: Path,
    console: Console,
    environments: tuple[str, ...],
    output: str,
    wait: float = lock.DEFAULT_WAIT,
    allow_empty: bool = False,
    refresh: bool = False,
) -> int:
    """Render every release for every environment into rendered/, after validating in memory."""
    with lock.held(root, "modelops render", wait, console.say):
        outcome = (
            None
            if environments
            else incremental.evaluate(root, write=True, progress=console.progress, refresh=refresh, kept=True)
        )
        if outcome is not None:
            return _write(root, console, output, outcome.environments, outcome.report, outcome.tree, outcome)
        from generator.pipeline import compose  # the whole pipeline: only when the incremental run cannot do

        built, report = compose.evaluate(WorkTree(root), environments, progress=console.progress)
        if built is None:
            return _refuse(console, report)
        return _write(
            root, console, output, built.inputs.environments, report, built.tree, None, allow_empty, environments
        )


def records_after_whole(
    root: Path, changes: writer.Changes, selected: tuple[str, ...] = ()
) -> incremental.Outcome | None:
    """Bring the units' records up to date after the whole pipeline wrote their files (it computes none):
    an incremental run now renders again only the units whose records are stale, and writes them, in the
    `selected` environments only (all without); `changes` gains what it wrote.  None if it cannot run."""
    outcome = incremental.evaluate(root, write=True)
    if outcome is None or outcome.report.failed():
        return None
    kept = [s for s in outcome.tree.scopes if not selected or s.split("/")[1] in selected]
    outcome.tree.scopes = kept
    desired = staging.only(outcome.desired, set(kept))
    more = writer.write(root, outcome.tree, True, desired)
    outcome.save(desired)
    changes.added = sorted({*changes.added, *more.added})
    changes.changed = sorted({*changes.changed, *more.changed} - set(changes.added))
    return outcome


def _refuse(console: Console, report: Report) -> int:
    formats.get("text")(report, Console(quiet=console.quiet, color=console.err_color, out=console.err))
    console.fail("nothing written: fix the errors above")
    return EXIT_INVALID


def _write(
    root: Path,
    console: Console,
    output: str,
    environments: dict[str, Environment],
    report: Report,
    tree: RenderedTree,
    outcome: incremental.Outcome | None,
    allow_empty: bool = False,
    selected: tuple[str, ...] = (),
) -> int:
    """Write `tree` (the whole rendered tree, or an incremental run's changed units) once it validates."""
    if report.failed():
        if outcome is not None:
            outcome.save()  # what the units render to and find holds whatever the findings: the next run reuses it
        return _refuse(console, report)
    at = lock.place(root)
    wrong = argocd.misplaced(environments, at) if at is not None else []
    if wrong:
        raise InputError(wrong)
    console.progress(f"{len(tree.scopes)} units" if outcome else "rendered/", phase="writing")
    desired = outcome.desired if outcome is not None else records.carry(root, tree.files())
    # An incremental run writes only its changed units; it has already left an environment that
    # would lose its last release to the whole pipeline, whose guard refuses that.
    changes = writer.write(root, tree, allow_empty or outcome is not None, desired)
    if outcome is not None:
        outcome.save(desired)
        files = len(outcome.files)
        releases = sum(1 for f in outcome.facts if f.release is not None)
        changes.unchanged = files - len(changes.added) - len(changes.changed)
    else:
        records_after_whole(root, changes, selected)
        files = len(desired) + len([p for p in changes.added if p not in desired])
        releases = len({(o.environment, o.release) for o in tree.objects.values() if o.release})
    for stray in changes.strays:
        console.fail(f"warning: {stray} is not rendered by modelops; `modelops check` fails until it is removed")
    if output == "json":
        console.emit(json.dumps({"files": files, **changes.to_json()}, indent=2))
        return EXIT_OK
    console.say(
        f"rendered {releases} release deployments in {len(environments)} environments: "
        f"{files} files ({len(changes.added)} added, {len(changes.changed)} changed, "
        f"{len(changes.removed)} removed)"
    )
    return EXIT_OK
