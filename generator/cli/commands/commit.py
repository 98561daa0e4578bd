from __future__ import annotations

import json
import time
from pathlib import Path

import git

from generator.cli.console import Console
from generator.cli.reporters import formats
from generator.errors import EXIT_INVALID, EXIT_OK, Diagnostic, InputError, Location, RepositoryError
from generator.inputs.sources import WorkTree
from generator.inputs.spec import Environment
from generator.pipeline import incremental, records
from generator.render import argocd
from generator.repo import commits, lock, writer
from generator.repo import push as pushing

_LISTED = 20


def _render_and_commit(
    root: Path, repo: git.Repo, console: Console, message: str | None, allow_empty: bool
) -> commits.CommitResult | None:
    """One pass of render, validate, write, commit; None when validation failed (nothing written)."""
    stray = writer.strays(root)
    if stray:
        raise InputError(
            [
                Diagnostic(
                    "not rendered by modelops; rendered/ must hold only rendered manifests: remove it", Location(p)
                )
                for p in stray
            ]
        )
    outcome = incremental.evaluate(root, write=True, progress=console.progress)
    if outcome is not None:
        return _commit_units(root, repo, console, message, allow_empty, outcome)
    from generator.pipeline import compose  # the whole pipeline: only when the incremental run cannot do

    built, report = compose.evaluate(WorkTree(root), progress=console.progress)
    if built is None or report.failed():
        formats.get("text")(report, Console(quiet=console.quiet, color=console.err_color, out=console.err))
        console.fail("nothing written or committed: fix the errors above")
        return None
    at = commits.prefix(repo, root)
    _check_argocd_paths(built.inputs.environments, at)
    files = records.carry(root, built.tree.files())  # encoded once, for the guard, the write and the commit
    if not allow_empty:
        emptied = commits.emptied_since_head(repo, files, list(built.inputs.environments), at)
        writer.refuse_emptying(emptied, "committing would remove all {count} releases that HEAD has in")
    console.progress("rendered/", phase="writing")
    writer.write(root, built.tree, allow_empty, files)
    # The whole pipeline computes no records: an incremental run, possible now, brings them up to date.
    after = incremental.evaluate(root, write=True, progress=console.progress)
    if after is not None:
        return _commit_units(root, repo, console, message, True, after)
    console.progress(f"{len(files)} files", phase="committing")
    versions, order = compose.versions(built), list(built.inputs.environments)
    source = commits.source_commit(repo, at)
    return commits.commit_rendered(
        repo, files, lambda changes: commits.commit_message(changes, versions, message, order, source), at
    )


def _commit_units(
    root: Path, repo: git.Repo, console: Console, message: str | None, allow_empty: bool, outcome: incremental.Outcome
) -> commits.CommitResult | None:
    """As _render_and_commit, for an incremental run: only its changed units are written and hashed."""
    if outcome.report.failed():
        outcome.save()  # nothing written, but the units' records hold: the next run reuses them
        formats.get("text")(outcome.report, Console(quiet=console.quiet, color=console.err_color, out=console.err))
        console.fail("nothing written or committed: fix the errors above")
        return None
    at = commits.prefix(repo, root)
    _check_argocd_paths(outcome.environments, at)
    if not allow_empty:
        emptied = commits.emptied_since_head(repo, outcome.files, list(outcome.environments), at)
        writer.refuse_emptying(emptied, "committing would remove all {count} releases that HEAD has in")
    console.progress(f"{len(outcome.tree.scopes)} units", phase="writing")
    desired = outcome.desired
    writer.write(root, outcome.tree, True, desired)  # an environment emptied on disk went to the whole pipeline
    outcome.save(desired)
    console.progress(f"{len(outcome.files)} files", phase="committing")
    versions, order = outcome.versions(), list(outcome.environments)
    source = commits.source_commit(repo, at)
    return commits.commit_blobs(
        repo, outcome.files, lambda changes: commits.commit_message(changes, versions, message, order, source), at
    )


def _check_argocd_paths(environments: dict[str, Environment], at: str) -> None:
    """The Applications must point where rendered/ really is in the git repository Argo CD clones."""
    wrong = argocd.misplaced(environments, at)
    if wrong:
        raise InputError(wrong)


def _say(console: Console, result: commits.CommitResult) -> None:
    if result.warning:
        console.fail(f"warning: {result.warning}")
    if result.sha is None:
        console.say("nothing to commit: rendered/ already matches the specs")
        return
    console.say(f"committed {result.sha[:12]} {result.message.splitlines()[0]}")
    for change in result.files[:_LISTED]:
        console.say(f"  {change.status} {change.path}")
    if len(result.files) > _LISTED:
        console.say(f"  ... and {len(result.files) - _LISTED} more files")


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
    wait: float = lock.DEFAULT_WAIT,
    allow_empty: bool = False,
    allow_dirty: bool = False,
) -> int:
    """Render, validate, write rendered/ and commit it (only when something changed); optionally push."""
    if output != "text":
        console.machine_output()
    with lock.held(root, "modelops commit", wait, console.say):
        return _run(root, console, message, output, push, remote, branch, retries, allow_empty, allow_dirty)


def _run(
    root: Path,
    console: Console,
    message: str | None,
    output: str,
    push: bool,
    remote: str | None,
    branch: str | None,
    retries: int,
    allow_empty: bool,
    allow_dirty: bool,
) -> int:
    repo = commits.open_repo(root)
    restored = pushing.recover(repo)
    if restored is not None:
        console.say(f"a previous push rebuild was interrupted: your branch is back at {restored[:12]}")
    commits.check_can_commit(repo)
    if not allow_dirty:  # before either render path: nothing is written when this refuses
        commits.refuse_uncommitted_inputs(repo, commits.prefix(repo, root), "--allow-dirty")
    # Resolve the remote first: a missing remote is reported before anything is written.
    dest = pushing.target(repo, remote, branch) if push else None
    results: list[commits.CommitResult] = []
    pushed = False
    for attempt in range(retries + 1):
        result = _render_and_commit(root, repo, console, message, allow_empty)
        if result is None:
            return EXIT_INVALID
        results.append(result)
        if output == "text":
            _say(console, result)
        if dest is None:
            break
        try:
            console.progress(str(dest), phase="pushing")
            pushing.push(repo, dest)
            pushed = True
            console.say(f"pushed to {dest}")
            break
        except pushing.PushRejected:
            if attempt == retries:
                raise RepositoryError(
                    f"push to {dest} was rejected {retries + 1} times because the remote kept moving; "
                    f"your commit stays on the local branch. Run modelops commit --push again."
                ) from None
            console.say(f"push rejected: {dest} has new commits; rebuilding on top of them and rendering again")
            pushing.rebuild_on_remote(repo, dest, commits.prefix(repo, root))
            time.sleep(min(0.2 * 2**attempt, 2.0))
    if output == "json":
        # A rejected push drops the earlier attempts' rendered commits: only the last one is on the branch.
        last = results[-1]
        head = commits.head_id(repo)
        console.emit(
            json.dumps(
                {
                    "commit": last.sha,
                    "head": head,
                    "warning": last.warning or None,
                    "files": [{"status": f.status, "path": f.path} for f in last.files],
                    "message": last.message or None,
                    "pushed": pushed,
                    "remote": str(dest) if dest else None,
                    "attempts": len(results),
                },
                indent=2,
            )
        )
    return EXIT_OK
