"""The click shell of `modelops requirements`: what each cluster must run and hold for what the repository renders."""

from __future__ import annotations

import click

from generator.cli.options import Settings, env_option, output_option, pass_settings


@click.command("requirements")
@env_option
@output_option("text", "json")
@pass_settings
def requirements(settings: Settings, environments: tuple[str, ...], output: str) -> int:
    """Per environment: the controllers its cluster must run (with the versions declared in
    spec.cluster.capabilities) and the objects the rendered manifests name but do not create."""
    from generator.cli.commands import requirements as command

    return command.run(settings.root, settings.console, environments, output)
