"""The click shells of the commands that move a model through the stages: set-version, promote, rollback.

Each edits a spec and renders; with --commit the edit and its render become one commit, with
--push that commit is pushed (see generator.cli.commands.promote).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from generator.cli.options import Settings, pass_settings, wait_option

if TYPE_CHECKING:
    from generator.cli.commands.promote import Publish


def _publish_options(fn: Callable[..., int]) -> Callable[..., int]:
    fn = click.option(
        "--push", is_flag=True, help="Commit (as --commit) and push; on a rejected push, redo the change on top."
    )(fn)
    return click.option(
        "--commit", "commit", is_flag=True, help="Commit the spec change and its render together, in one commit."
    )(fn)


def _publish(commit: bool, push: bool) -> Publish:
    from generator.cli.commands.promote import Publish

    return Publish(commit or push, push)


@click.command("set-version")
@click.argument("release")
@click.option("--version", "version", required=True, help="The new model version.")
@click.option("--uri", required=True, help="The new model artifact's URI.")
@click.option("--digest", required=True, help="The new model artifact's digest (sha256:...).")
@click.option("--image", default=None, help="A new runtime image (default: the first stage keeps its image).")
@_publish_options
@wait_option
@pass_settings
def set_version(
    settings: Settings,
    release: str,
    version: str,
    uri: str,
    digest: str,
    image: str | None,
    commit: bool,
    push: bool,
    wait: float,
) -> int:
    """Set a new model for RELEASE in the first stage; later stages are pinned to what they run now."""
    from generator.cli.commands import promote as command
    from generator.inputs.pins import NewModel

    new = NewModel(version, uri, digest, image)
    return command.run_set_version(settings.root, settings.console, release, new, wait, _publish(commit, push))


@click.command()
@click.argument("release")
@click.option("--from", "source_env", default=None, metavar="ENV", help="Environment to copy the pins from.")
@click.option("--to", "target_env", default=None, metavar="ENV", help="Environment to promote into.")
@click.option("--force", is_flag=True, help="Allow skipping a stage of the promotion order.")
@click.option(
    "--finish", is_flag=True, help="End the KServe canary in --env: its latest revision takes all the traffic."
)
@click.option("--env", "environment", default=None, metavar="ENV", help="With --finish: the environment.")
@_publish_options
@wait_option
@pass_settings
def promote(
    settings: Settings,
    release: str,
    source_env: str | None,
    target_env: str | None,
    force: bool,
    finish: bool,
    environment: str | None,
    commit: bool,
    push: bool,
    wait: float,
) -> int:
    """Copy version, artifact and image pins from one environment to the next, then render.

    Into an environment where the release is a KServe canary (Serverless), the new revision
    starts at rollout.canary.trafficPercent of the traffic; `--finish --env ENV` gives it all.
    """
    from generator.cli.commands import promote as command
    from generator.errors import UsageError

    publish = _publish(commit, push)
    if finish:
        if source_env is not None or target_env is not None or force:
            raise UsageError("--finish ends the canary running in --env: it takes no --from, --to or --force")
        if environment is None:
            raise UsageError("--finish needs --env ENV, the environment whose canary ends")
        return command.run_promote(settings.root, settings.console, release, None, environment, False, wait, publish)
    if environment is not None:
        raise UsageError("--env goes with --finish; a promotion names --from and --to")
    if source_env is None or target_env is None:
        raise UsageError("promote needs --from ENV and --to ENV (or --finish --env ENV)")
    return command.run_promote(settings.root, settings.console, release, source_env, target_env, force, wait, publish)


@click.command()
@click.argument("release")
@click.option("--env", "environment", required=True, metavar="ENV", help="Environment to roll back.")
@click.option("--to", "version", default=None, metavar="VERSION", help="Go back to this model version, as ENV ran it.")
@click.option("--to-revision", "revision", default=None, metavar="REV", help="Go back to what ENV ran at this commit.")
@_publish_options
@wait_option
@pass_settings
def rollback(
    settings: Settings,
    release: str,
    environment: str,
    version: str | None,
    revision: str | None,
    commit: bool,
    push: bool,
    wait: float,
) -> int:
    """Pin RELEASE in ENV to a state it ran before (default: the previous one), from git history, then render.

    Without --to or --to-revision, each rollback goes one step further back along what ENV
    ran, never forward to the state it just left.
    """
    from generator.cli.commands import promote as command
    from generator.errors import UsageError

    if version is not None and revision is not None:
        raise UsageError("--to and --to-revision each name the state to go back to: give one of them")
    publish, to = _publish(commit, push), command.Target(version, revision)
    return command.run_rollback(settings.root, settings.console, release, environment, wait, publish, to)
