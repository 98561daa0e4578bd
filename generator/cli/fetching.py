"""The click shells of `modelops fetch` and `modelops digest` (fsspec is imported only when they run)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Settings, output_option, pass_settings
from generator.fetch.retries import RETRIES


@click.command()
@click.option("--uri", required=True, help="s3://, gs://, hf://, http(s)://, pvc:// or a local path.")
@click.option("--digest", "expected", required=True, metavar="sha256:HEX", help="The artifact's content digest.")
@click.option("--dest", required=True, type=click.Path(path_type=Path), help="Where the verified artifact goes.")
@click.option(
    "--retries",
    type=click.IntRange(0),
    default=RETRIES,
    show_default=True,
    help="Retries of a file after attempts that fetched nothing more (each retry resumes where the last stopped).",
)
@pass_settings
def fetch(settings: Settings, uri: str, expected: str, dest: Path, retries: int) -> int:
    """Download an artifact, verify its digest, then move it into DEST (nothing is left there on failure).

    With pvc://CLAIM/PATH, DEST is where the claim is mounted: it is verified in place, not copied.
    """
    from generator.cli.commands import fetch as command

    return command.run_fetch(settings.console, uri, expected, dest, retries)


@click.command()
@click.argument("target", metavar="PATH|URI")
@output_option("text", "json")
@pass_settings
def digest(settings: Settings, target: str, output: str) -> int:
    """Print the content digest of a file, directory or remote prefix (for artifact.digest)."""
    from generator.cli.commands import fetch as command

    return command.run_digest(settings.console, target, output)
