"""The click shell of `modelops history`: each change of what runs, read from git alone."""

from __future__ import annotations

import click

from generator.cli.options import Settings, output_option, pass_settings


@click.command("history")
@click.argument("release", required=False)
@click.option("--env", "environment", metavar="ENV", help="Only this environment.")
@output_option("text", "json")
@pass_settings
def history(settings: Settings, release: str | None, environment: str | None, output: str) -> int:
    """Per environment, each change of what RELEASE (default: every release) runs.

    Version, image, artifact, replicas and GPUs; when, by whom, in which commit and through
    which command (render, promote, rollback, set-version, or manual for a commit made by hand).
    """
    from generator.cli.commands import history as command

    return command.run(settings.root, settings.console, release, environment, output)
