from __future__ import annotations

from pathlib import Path

from generator import atomic
from generator.cli.console import Console
from generator.cli.reporters import formats
from generator.errors import EXIT_INVALID, EXIT_OK, UsageError
from generator.inputs import spec
from generator.inputs.pins import Pins, plan_promotion, previous_pins, release_path, set_pins
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.repo import commits, lock, writer


def _apply(root: Path, console: Console, path: Path, env: str, pins: Pins) -> bool:
    """Write the pins, then validate and render; on any failure the spec file is put back, byte for byte."""
    original = path.read_bytes()  # not read_text: its newline translation would turn CRLF into LF
    atomic.replace_file(path, set_pins(original.decode("utf-8"), env, pins).encode())
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
