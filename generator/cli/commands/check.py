from __future__ import annotations

import json
from pathlib import Path

from generator.cli.console import Console
from generator.errors import EXIT_INVALID, EXIT_OK
from generator.inputs.sources import WorkTree
from generator.pipeline import incremental
from generator.render import argocd
from generator.repo import lock, writer


def run(root: Path, console: Console, output: str) -> int:
    """Exit 1, listing the files, when rendered/ differs from what the specs render to today."""
    if output != "text":
        console.machine_output()
    outcome = incremental.evaluate(root, write=False)
    if outcome is not None:
        changes, environments = _changes(root, outcome), outcome.environments
        outcome.save()
    else:
        from generator.pipeline import compose  # the whole pipeline: only when the incremental run cannot do

        built = compose.build(WorkTree(root))
        changes, environments = writer.plan(root, built.tree), built.inputs.environments
    at = lock.place(root)
    wrong = argocd.misplaced(environments, at) if at is not None else []
    current = changes.empty and not changes.strays and not wrong
    if output == "json":
        misplaced = [d.to_json() for d in wrong]
        console.emit(json.dumps({"upToDate": current, **changes.to_json(), "misplaced": misplaced}, indent=2))
        return EXIT_OK if current else EXIT_INVALID
    if current:
        console.say(f"rendered/ is up to date ({changes.unchanged} files)")
        return EXIT_OK
    if not changes.empty:
        count = len(changes.added) + len(changes.changed) + len(changes.removed)
        console.fail(f"rendered/ is out of date: {count} files differ from what the specs render to")
        for label, paths in (("missing", changes.added), ("changed", changes.changed), ("stale", changes.removed)):
            for path in paths:
                console.fail(f"  {label:8} {path}")
        console.fail("run `modelops render` (or `modelops commit`) and commit the result")
    for diag in wrong:
        console.error(diag)
    for stray in changes.strays:
        console.fail(f"{stray}: not rendered by modelops; rendered/ must hold only rendered manifests, remove it")
    return EXIT_INVALID


def _changes(root: Path, outcome: incremental.Outcome) -> writer.Changes:
    """What rendering would add, change and remove, from the stamps of the units that are out of date."""
    changes = writer.Changes(strays=writer.strays(root))
    by_unit: dict[str, dict[str, str]] = {}
    for path, blob in outcome.files.items():
        by_unit.setdefault(path.rpartition("/")[0], {})[path] = blob
    for unit in outcome.out_of_date:
        present = set(outcome.disk.entries.get(unit, []))
        wanted = by_unit.get(unit, {})
        for path, blob in sorted(wanted.items()):
            if path not in present:
                changes.added.append(path)
            elif outcome.disk.blobs.get(path) != blob:
                changes.changed.append(path)
        changes.removed.extend(sorted(present - set(wanted)))
    for stale in outcome.disk.stale:
        changes.removed.extend(writer.existing_files(root, [stale]))
    changes.added.sort()
    changes.changed.sort()
    changes.removed.sort()
    changes.unchanged = len(outcome.files) - len(changes.added) - len(changes.changed)
    return changes
