"""set-version, promote and rollback: edit a release's pins, render, and with --commit commit both at once.

Each command first plans its edit (which pins go into which environment block) from the specs
as they are, then applies it: the spec is written, everything is validated and rendered, and
on any failure the spec is put back byte for byte.  With --commit the edited spec and the
rendered tree go into ONE commit (commits.commit_blobs with the spec as an input blob), so no
clone can ever render rendered/ from a spec that is not committed with it; the repository
lock is held from the plan to the push.  A rejected push drops that commit, moves onto the
remote tip (push.rebuild_on_remote) and plans again: the other writer may have changed the
spec, or made the change already.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator import atomic
from generator.cli.commands import render as render_command
from generator.cli.console import Console
from generator.cli.reporters import formats
from generator.errors import EXIT_INVALID, EXIT_OK, RepositoryError, UsageError
from generator.inputs import spec
from generator.inputs.pins import NewModel, Pins, canary_running, plan_promotion, release_path, set_pins
from generator.inputs.resolve import resolve
from generator.inputs.sources import WorkTree
from generator.inputs.spec import Inputs, Release
from generator.pipeline import compose, incremental, records, seeding
from generator.pipeline.stamps import blob_id
from generator.render import kserve_cluster
from generator.repo import commits, history, lock, rollback_target, writer
from generator.repo import push as pushing
from generator.validate.report import Report

if TYPE_CHECKING:
    import git

_PUSH_RETRIES = 3


@dataclass(frozen=True)
class Publish:
    """What happens after the render: nothing (the user reviews and commits), a commit, a commit and a push."""

    commit: bool = False
    push: bool = False


@dataclass(frozen=True)
class Plan:
    """One edit of one spec file: the pins of each environment, and the subject its commit gets.

    `canary` says, per environment, whether a KServe canary starts there (True) or ends (False).
    """

    path: Path
    by_env: dict[str, Pins]
    subject: str
    canary: dict[str, bool] = field(default_factory=dict)


@dataclass
class Rendered:
    """What a render wrote: every rendered file's blob id, and the versions and order for the commit."""

    files: Mapping[str, str]
    versions: dict[tuple[str, str], str]
    order: list[str]


def _render(root: Path, console: Console) -> tuple[Rendered | None, Report]:
    """Render, validate and write rendered/: the changed units only where the incremental run can."""
    outcome = incremental.evaluate(root, write=True, progress=console.progress)
    if outcome is not None:
        if outcome.report.failed():
            outcome.save()
            return None, outcome.report
        changes = writer.write(root, outcome.tree, True, outcome.desired)
        outcome.save(outcome.desired)
        done = Rendered(outcome.files, outcome.versions(), list(outcome.environments))
    else:
        built, report = compose.evaluate(WorkTree(root))
        if built is None or report.failed():
            return None, report
        files = records.carry(root, built.tree.files())
        changes = writer.write(root, built.tree, desired=files)
        after = render_command.records_after_whole(root, changes)
        sha256 = seeding.sha256_repository(root)
        ids = after.files if after is not None else {p: blob_id(d, sha256) for p, d in files.items()}
        done = Rendered(ids, compose.versions(built), list(built.inputs.environments))
    console.say(f"rendered: {len(changes.added)} added, {len(changes.changed)} changed, {len(changes.removed)} removed")
    return done, Report()


def _apply(root: Path, console: Console, plan: Plan) -> Rendered | None:
    """Write the pins of each environment, then validate and render; on failure the spec is put back."""
    path = plan.path
    original = path.read_bytes()  # not read_text: its newline translation would turn CRLF into LF
    text = original.decode("utf-8")
    for env in {**plan.by_env, **plan.canary}:
        text = set_pins(text, env, plan.by_env.get(env), plan.canary.get(env))
    atomic.replace_file(path, text.encode())
    restored = True
    try:
        done, report = _render(root, console)
        if done is None:
            formats.get("text")(report, Console(quiet=console.quiet, color=console.err_color, out=console.err))
            console.fail(f"the result does not validate; {path.name} is unchanged and nothing was rendered")
            return None
        restored = False
        return done
    finally:
        if restored:
            atomic.replace_file(path, original)


def _plan_promote(root: Path, console: Console, release: str, source: str, target: str, force: bool) -> Plan | int:
    inputs = spec.load_inputs(WorkTree(root))
    rel, before, pins = plan_promotion(inputs, release, source, target, force)
    if before == pins:
        console.say(f"{release} in {target} already runs what {source} runs ({pins.version}); nothing to do")
        return EXIT_OK
    lines = before.describe_change(pins) if before else [f"version: {pins.version} (new in {target})"]
    console.say(f"promoting {release} from {source} to {target}:")
    for line in lines:
        console.say(f"  {line}")
    canary = _canary_starts(inputs, rel, target, before is not None, console)
    return Plan(release_path(root, rel), {target: pins}, f"promote {release} {pins.version} to {target}", canary)


def _canary_starts(inputs: Inputs, rel: Release, env: str, running: bool, console: Console) -> dict[str, bool]:
    """{env: True} when the new pins start a KServe canary there: a revision runs already and takes the rest."""
    if not running:  # a first revision takes all the traffic whatever the percentage
        return {}
    found = resolve(rel, spec.environment(inputs, env))
    if not kserve_cluster.splits_traffic(found):
        return {}
    percent = found.get("rollout", "canary", "trafficPercent")
    console.say(
        f"  canary: the new revision takes {percent}% of the traffic; "
        f"`modelops promote {rel.name} --finish --env {env}` gives it all"
    )
    return {env: True}


def _plan_finish(root: Path, console: Console, release: str, environment: str) -> Plan | int:
    inputs = spec.load_inputs(WorkTree(root))
    rel = spec.release(inputs, release)
    if environment not in rel.environments:
        raise UsageError(f"{release} is not deployed to {environment}")
    if not canary_running(rel.spec, environment):
        console.say(f"{release} runs no canary in {environment}; nothing to do")
        return EXIT_OK
    console.say(f"finishing the canary of {release} in {environment}: the latest revision takes all the traffic")
    subject = f"promote {release} to 100% in {environment}"
    return Plan(release_path(root, rel), {}, subject, {environment: False})


@dataclass(frozen=True)
class Target:
    """What a rollback goes back to: the previous state (both None), a version, or what ran at a revision."""

    version: str | None = None
    revision: str | None = None


def _plan_rollback(root: Path, console: Console, release: str, environment: str, to: Target) -> Plan | int:
    inputs = spec.load_inputs(WorkTree(root))
    rel = spec.release(inputs, release)
    if environment not in rel.environments:
        raise UsageError(f"{release} is not deployed to {environment}")
    current = Pins.of(rel.spec, environment)
    repo = commits.open_repo(root)
    if commits.head_id(repo) is None:
        raise UsageError(f"the branch has no commits yet: {release} has no earlier pins to roll back to")
    at = commits.prefix(repo, root)
    entries = history.collect(commits.plumbing_of(repo), at, environment, release, list(inputs.environments))
    if to.version is not None:
        state = rollback_target.of_version(entries, release, environment, to.version)
    elif to.revision is not None:
        found = rollback_target.at_revision(repo, at, environment, release, to.revision)
        state = rollback_target.of_revision(entries, release, environment, to.revision, found)
    else:
        state = rollback_target.previous(entries, release, environment)
    pins = Pins(state.version, state.uri, state.digest, state.image)
    if pins == current:
        console.say(
            f"{release} in {environment} is already pinned to what it ran in {state.sha[:12]} "
            f"({pins.version}); nothing to do"
        )
        return EXIT_OK
    console.say(f"rolling {release} in {environment} back to what it ran in commit {state.sha[:12]}:")
    for line in current.describe_change(pins) if current else []:
        console.say(f"  {line}")
    subject = f"rollback {release} in {environment} to {pins.version}"
    # All traffic goes back at once: a rollback is no new canary, and ends one that runs.
    canary = {environment: False} if canary_running(rel.spec, environment) else {}
    return Plan(release_path(root, rel), {environment: pins}, subject, canary)


def _plan_set_version(root: Path, console: Console, release: str, new: NewModel) -> Plan | int:
    inputs = spec.load_inputs(WorkTree(root))
    rel = spec.release(inputs, release)
    stages = [name for name in inputs.environments if name in rel.environments]
    if not stages:
        raise UsageError(f"{release} is not deployed to any environment")
    first = stages[0]
    current = Pins.of(rel.spec, first)
    assert current is not None  # a loaded spec has passed its schema
    pins = Pins(new.version, new.uri, new.digest, new.image or current.image)
    by_env = {first: pins}
    for env in stages[1:]:
        held = Pins.of(rel.spec, env)
        assert held is not None
        by_env[env] = held  # written out so that the release-wide values no longer reach this stage
    if current == pins:
        console.say(f"{release} in {first} already runs {pins.version}; nothing to do")
        return EXIT_OK
    console.say(f"setting {release} in {first} (first stage):")
    for line in current.describe_change(pins):
        console.say(f"  {line}")
    if stages[1:]:
        console.say(f"  {', '.join(stages[1:])} keep what they run now")
    canary = _canary_starts(inputs, rel, first, True, console)
    return Plan(release_path(root, rel), by_env, f"set-version {release} {pins.version} in {first}", canary)


def _carry_out(root: Path, console: Console, command: str, plan: Callable[[], Plan | int], publish: Publish) -> int:
    """Plan, apply and (as `publish` asks) commit and push; the caller holds the repository lock."""
    if not publish.commit:
        planned = plan()
        if isinstance(planned, int):
            return planned
        if _apply(root, console, planned) is None:
            return EXIT_INVALID
        spec_file = planned.path.relative_to(root).as_posix()
        console.say(
            f"review with `modelops diff --base HEAD`, then `git commit {spec_file}` and `modelops commit`; "
            "or next time pass --commit, which commits the spec and its render together"
        )
        return EXIT_OK
    repo = commits.open_repo(root)
    restored = pushing.recover(repo)
    if restored is not None:
        console.say(f"a previous push rebuild was interrupted: your branch is back at {restored[:12]}")
    commits.check_can_commit(repo)
    at = commits.prefix(repo, root)
    # Other uncommitted inputs would be rendered into a commit that does not hold them.
    commits.refuse_uncommitted_inputs(repo, at)
    dest = pushing.target(repo, None, None) if publish.push else None
    for attempt in range(_PUSH_RETRIES + 1):
        planned = plan()
        if isinstance(planned, int):
            return planned
        built = _apply(root, console, planned)
        if built is None:
            return EXIT_INVALID
        result = _commit(repo, root, at, command, planned, built)
        if result.warning:
            console.fail(f"warning: {result.warning}")
        if result.sha is None:
            console.say("nothing to commit: the spec and rendered/ already match HEAD")
            return EXIT_OK
        console.say(f"committed {result.sha[:12]} {planned.subject}")
        if dest is None:
            return EXIT_OK
        try:
            console.progress(str(dest), phase="pushing")
            pushing.push(repo, dest)
            console.say(f"pushed to {dest}")
            return EXIT_OK
        except pushing.PushRejected:
            if attempt == _PUSH_RETRIES:
                raise RepositoryError(
                    f"push to {dest} was rejected {_PUSH_RETRIES + 1} times because the remote kept moving; "
                    f"your commit stays on the local branch: push it with `git push` once it applies"
                ) from None
            console.say(f"push rejected: {dest} has new commits; doing the {command} again on top of them")
            pushing.rebuild_on_remote(repo, dest, at, drop={result.sha})
            time.sleep(min(0.2 * 2**attempt, 2.0))
    return EXIT_OK  # not reached: the last attempt returns or raises


def _commit(repo: git.Repo, root: Path, at: str, command: str, plan: Plan, built: Rendered) -> commits.CommitResult:
    """One commit of the edited spec and the rendered tree, with the trailers `modelops commit` writes."""
    spec_path = plan.path.relative_to(root).as_posix()
    gitx = commits.plumbing_of(repo)
    spec_blob = gitx.blob_ids({spec_path: plan.path.read_bytes()})

    def message(changes: list[commits.FileChange]) -> str:
        return commits.commit_message(changes, built.versions, plan.subject, built.order, None, command)

    return commits.commit_blobs(repo, built.files, message, at, inputs=spec_blob)


def _locked(
    root: Path, console: Console, command: str, plan: Callable[[], Plan | int], wait: float, publish: Publish
) -> int:
    with lock.held(root, f"modelops {command}", wait, console.say):
        return _carry_out(root, console, command, plan, publish)


def run_set_version(
    root: Path,
    console: Console,
    release: str,
    new: NewModel,
    wait: float = lock.DEFAULT_WAIT,
    publish: Publish = Publish(),
) -> int:
    """Set the model of RELEASE in the first stage; later stages are pinned to what they run now."""
    plan = functools.partial(_plan_set_version, root, console, release, new)
    return _locked(root, console, "set-version", plan, wait, publish)


def run_promote(
    root: Path,
    console: Console,
    release: str,
    source: str | None,
    target: str,
    force: bool,
    wait: float = lock.DEFAULT_WAIT,
    publish: Publish = Publish(),
) -> int:
    """Copy the version, artifact and image pins of RELEASE from one environment to the next, then render.

    With no source (`promote --finish`): end the KServe canary in `target`, whose latest revision
    then takes all the traffic.
    """
    if source is None:
        plan = functools.partial(_plan_finish, root, console, release, target)
        return _locked(root, console, "promote", plan, wait, publish)
    plan = functools.partial(_plan_promote, root, console, release, source, target, force)
    return _locked(root, console, "promote", plan, wait, publish)


def run_rollback(
    root: Path,
    console: Console,
    release: str,
    environment: str,
    wait: float = lock.DEFAULT_WAIT,
    publish: Publish = Publish(),
    to: Target = Target(),
) -> int:
    """Pin RELEASE in ENVIRONMENT to a state it ran (see generator.repo.rollback_target), then render."""
    plan = functools.partial(_plan_rollback, root, console, release, environment, to)
    return _locked(root, console, "rollback", plan, wait, publish)
