from __future__ import annotations

import json
from pathlib import Path

from generator import __version__
from generator.cli.console import Console
from generator.errors import EXIT_INVALID, EXIT_OK, UsageError, printable
from generator.inputs.sources import WorkTree
from generator.pipeline import incremental, records
from generator.render import argocd
from generator.repo import lock, writer

# How to give a commit the trailers after the fact: the hook cannot (an amend that changes nothing more
# stages nothing under rendered/, and `git revert` runs no commit-msg hook), `--trailer` can.
_FIX = (
    "add them: `git commit --amend --no-edit --trailer 'Rendered-By: modelops {version}' "
    "--trailer 'Modelops-Command: manual'` for the last commit (`git rebase -i` to stop at an older one), "
    "or re-make it with `modelops commit` (commit the specs alone, then `modelops commit` renders and commits "
    "rendered/ with its trailers); the commit-msg hook (modelops-commit-trailers, "
    "`pre-commit install --hook-type commit-msg`) adds them to the next hand commit of rendered/"
)

_LISTED = 50  # files named in the text report, as in a commit message


def dispatch(root: Path, console: Console, output: str, revisions: str | None, message_file: Path | None) -> int:
    """`check`, `check --commits RANGE` or `check --commit-msg FILE`."""
    if revisions is not None and message_file is not None:
        raise UsageError("--commits and --commit-msg cannot be combined")
    if revisions is not None:
        return run_commits(root, console, revisions, output)
    if message_file is not None:
        return run_commit_msg(root, console, message_file)
    return run(root, console, output)


def run(root: Path, console: Console, output: str) -> int:
    """Exit 1, listing the files, when rendered/ differs from what the specs render to today."""
    if output != "text":
        console.machine_output()
    outcome = incremental.evaluate(root, write=False, kept=True)
    if outcome is not None:
        changes, environments = _changes(root, outcome), outcome.environments
        outcome.save()
    else:
        from generator.pipeline import compose  # the whole pipeline: only when the incremental run cannot do

        built = compose.build(WorkTree(root))
        changes = writer.plan(root, built.tree, records.carry(root, built.tree.files()))
        environments = built.inputs.environments
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
        listed = [
            f"  {label:8} {path}"
            for label, paths in (("missing", changes.added), ("changed", changes.changed), ("stale", changes.removed))
            for path in paths
        ]
        for line in listed[:_LISTED]:  # a modelops upgrade changes every record: -o json lists them all
            console.fail(line)
        if len(listed) > _LISTED:
            console.fail(f"  ... and {len(listed) - _LISTED} more (-o json lists every one)")
        console.fail("run `modelops render` (or `modelops commit`) and commit the result")
    for diag in wrong:
        console.error(diag)
    for stray in changes.strays:
        console.fail(f"{stray}: not rendered by modelops; rendered/ must hold only rendered manifests, remove it")
    return EXIT_INVALID


def _changes(root: Path, outcome: incremental.Outcome) -> writer.Changes:
    """What rendering would add, change and remove, from the stamps of the units that are out of date."""
    changes = writer.Changes(strays=writer.strays(root))
    by_unit: dict[str, dict[str, str]] = {unit: {} for unit in outcome.out_of_date}
    for path, blob in outcome.files.items() if by_unit else ():
        if path.rpartition("/")[0] in by_unit:
            by_unit[path.rpartition("/")[0]][path] = blob
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


def run_commits(root: Path, console: Console, revisions: str, output: str) -> int:
    """Exit 1, naming each, when a commit of `revisions` changes rendered/ without the modelops trailers."""
    from generator.repo import commits, trailers  # GitPython: only for the commands that read git

    if output != "text":
        console.machine_output()
    repo = commits.open_repo(root)
    count, found = trailers.offenders(commits.plumbing_of(repo), revisions, commits.prefix(repo, root))
    if output == "json":
        report = {"ok": not found, "range": revisions, "checked": count, "offenders": [o.to_json() for o in found]}
        console.emit(json.dumps(report, indent=2))
        return EXIT_INVALID if found else EXIT_OK
    if not found:
        changing = {0: "no commit changes", 1: "1 commit changes"}.get(count, f"{count} commits change")
        console.say(f"{revisions}: {changing} rendered/, with the modelops trailers")
        return EXIT_OK
    that = "1 commit that changes" if count == 1 else f"{count} commits that change"
    lack = "lacks" if len(found) == 1 else "lack"
    console.fail(f"{revisions}: {len(found)} of {that} rendered/ {lack} the modelops trailers:")
    for offender in found:
        # Subjects are written by anyone with push access.
        lacking = ", ".join(f"no {what}" for what in offender.missing)
        console.fail(f"  {offender.sha[:12]} {printable(offender.subject)}: {lacking}")
    console.fail("fix: " + _FIX.format(version=__version__))
    return EXIT_INVALID


def run_commit_msg(root: Path, console: Console, message_file: Path) -> int:
    """The commit-msg hook: add the trailers to the message of a hand commit that changes rendered/."""
    from generator.repo import commits, trailers

    if not message_file.is_file():
        raise UsageError(f"--commit-msg {message_file}: no such file")
    repo = commits.open_repo(root)
    added = trailers.stamp(commits.plumbing_of(repo), message_file, commits.prefix(repo, root))
    if added:
        console.say("rendered/ changes: added the trailers " + ", ".join(added))
    return EXIT_OK
