from __future__ import annotations

from pathlib import Path

from generator import atomic
from generator.cli.console import Console
from generator.cli.reporters import formats
from generator.errors import EXIT_INVALID, EXIT_OK, UsageError
from generator.inputs import spec
from generator.inputs.pins import NewModel, Pins, plan_promotion, previous_pins, release_path, set_pins
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.repo import commits, lock, writer


def _apply(root: Path, console: Console, path: Path, env: str, pins: Pins) -> bool:
    """Write the pins, then validate and render; on any failure the spec file is put back, byte for byte."""
    return _apply_all(root, console, path, {env: pins})


def _apply_all(root: Path, console: Console, path: Path, by_env: dict[str, Pins]) -> bool:
    """Write the pins of each environment, then validate and render; on failure the spec is put back."""
    original = path.read_bytes()  # not read_text: its newline translation would turn CRLF into LF
    text = original.decode("utf-8")
    for env, pins in by_env.items():
        text = set_pins(text, env, pins)
    atomic.replace_file(path, text.encode())
    restored = True
    try:
        built, report = compose.evaluate(WorkTree(root))
        if built is None or report.failed():
            formats.get("text")(report, Console(quiet=console.quiet, color=console.err_color, out=console.err))
            console.fail(f"the result does not validate; {path.name} is unchanged and nothing was rendered")
            return False
        changes = writer.write(root, built.tree)
        restored = False
        console.say(
            f"rendered: {len(changes.added)} added, {len(changes.changed)} changed, "
            f"{len(changes.removed)} removed; review with `modelops diff --base HEAD`, then `modelops commit`"
        )
        return True
    finally:
        if restored:
            atomic.replace_file(path, original)


def _promote(root: Path, console: Console, release: str, source: str, target: str, force: bool) -> int:
    """Copy the version, artifact and image pins of RELEASE from one environment to the next, then render."""
    inputs = spec.load_inputs(WorkTree(root))
    rel, before, pins = plan_promotion(inputs, release, source, target, force)
    if before == pins:
        console.say(f"{release} in {target} already runs what {source} runs ({pins.version}); nothing to do")
        return EXIT_OK
    lines = before.describe_change(pins) if before else [f"version: {pins.version} (new in {target})"]
    console.say(f"promoting {release} from {source} to {target}:")
    for line in lines:
        console.say(f"  {line}")
    return EXIT_OK if _apply(root, console, release_path(root, rel), target, pins) else EXIT_INVALID


def _rollback(root: Path, console: Console, release: str, environment: str) -> int:
    """Restore the pins RELEASE had in ENVIRONMENT before the current ones, from the spec's git history."""
    inputs = spec.load_inputs(WorkTree(root))
    rel = spec.release(inputs, release)
    if environment not in rel.environments:
        raise UsageError(f"{release} is not deployed to {environment}")
    current = Pins.of(rel.spec, environment)
    repo = commits.open_repo(root)
    if commits.head_commit(repo) is None:
        raise UsageError(f"the branch has no commits yet: {release} has no earlier pins to roll back to")
    pins, sha = previous_pins(repo, rel, environment, commits.prefix(repo, root))
    console.say(f"rolling {release} in {environment} back to the pins of commit {sha[:12]}:")
    for line in current.describe_change(pins) if current else []:
        console.say(f"  {line}")
    return EXIT_OK if _apply(root, console, release_path(root, rel), environment, pins) else EXIT_INVALID


def _set_version(root: Path, console: Console, release: str, new: NewModel) -> int:
    """The new model enters the first stage of the promotion order; every later stage keeps what it runs."""
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
    return EXIT_OK if _apply_all(root, console, release_path(root, rel), by_env) else EXIT_INVALID


def run_set_version(root: Path, console: Console, release: str, new: NewModel, wait: float = lock.DEFAULT_WAIT) -> int:
    """Set the model of RELEASE in the first stage; later stages are pinned to what they run now."""
    with lock.held(root, "modelops set-version", wait, console.say):
        return _set_version(root, console, release, new)


def run_promote(
    root: Path, console: Console, release: str, source: str, target: str, force: bool, wait: float = lock.DEFAULT_WAIT
) -> int:
    """Copy the version, artifact and image pins of RELEASE from one environment to the next, then render."""
    with lock.held(root, "modelops promote", wait, console.say):
        return _promote(root, console, release, source, target, force)


def run_rollback(root: Path, console: Console, release: str, environment: str, wait: float = lock.DEFAULT_WAIT) -> int:
    """Restore the pins RELEASE had in ENVIRONMENT before the current ones, from the spec's git history."""
    with lock.held(root, "modelops rollback", wait, console.say):
        return _rollback(root, console, release, environment)
