"""The click shell of `modelops set-version`: a new model enters at the first stage of the promotion order."""

from __future__ import annotations

import click

from generator.cli.options import Settings, pass_settings, wait_option


@click.command("set-version")
@click.argument("release")
@click.option("--version", "version", required=True, help="The new model version.")
@click.option("--uri", required=True, help="The new model artifact's URI.")
@click.option("--digest", required=True, help="The new model artifact's digest (sha256:...).")
@click.option("--image", default=None, help="A new runtime image (default: the first stage keeps its image).")
@wait_option
@pass_settings
def set_version(
    settings: Settings, release: str, version: str, uri: str, digest: str, image: str | None, wait: float
) -> int:
    """Set a new model for RELEASE in the first stage; later stages are pinned to what they run now."""
    from generator.cli.commands import promote as command
    from generator.inputs.pins import NewModel

    new = NewModel(version, uri, digest, image)
    return command.run_set_version(settings.root, settings.console, release, new, wait)
