"""What the commands share on the command line: their settings, error boundary and common options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.cli.console import Console
from generator.errors import ModelOpsError, merge_environments, sort_key
from generator.repo.lock import DEFAULT_WAIT

if TYPE_CHECKING:
    from click.decorators import FC  # what click.option's decorator takes and returns


@dataclass
class Settings:
    root: Path
    console: Console


_pass_settings = click.make_pass_decorator(Settings)


def pass_settings(fn: Callable[..., int]) -> Callable[..., int]:
    """Hand the command its Settings and report its errors with the user's console settings."""

    @functools.wraps(fn)
    def wrapper(settings: Settings, *args: Any, quiet: bool = False, **kwargs: Any) -> int:
        if quiet:
            settings.console.quiet = True
        try:
            return fn(settings, *args, **kwargs)
        except ModelOpsError as exc:
            report_error(settings.console, exc)
            return exc.exit_code

    # -q is accepted after the command name too, as most tools allow.
    quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only errors and requested reports.")
    return quiet_option(_pass_settings(wrapper))


env_option = click.option(
    "--env", "environments", multiple=True, metavar="ENV", help="Only this environment (repeatable)."
)


wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=DEFAULT_WAIT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another modelops run writing this repository before giving up (exit 3).",
)
allow_empty_option = click.option(
    "--allow-empty",
    is_flag=True,
    help="Allow a render that removes every release of an environment (refused otherwise).",
)

allow_dirty_option = click.option(
    "--allow-dirty",
    is_flag=True,
    help="Commit even though releases/, environments/, policies/ or templates/ have uncommitted changes "
    "(Source-Commit then ends in -dirty).",
)

commits_option = click.option(
    "--commits",
    "revisions",
    metavar="REV..HEAD",
    help="Check the commits of this range instead: each that changes rendered/ must carry the modelops trailers.",
)
commit_msg_option = click.option(
    "--commit-msg",
    "message_file",
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The commit-msg hook: add the trailers to FILE when the staged changes touch rendered/.",
)


def output_option(*choices: str) -> Callable[[FC], FC]:
    return click.option(
        "-o", "--output", type=click.Choice(choices), default=choices[0], show_default=True, help="Output format."
    )


def report_error(console: Console, error: ModelOpsError) -> None:
    for diag in sorted(merge_environments(error.diagnostics), key=sort_key):
        console.error(diag)
