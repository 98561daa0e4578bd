"""The `modelops` command line: click parsing only; each command runs a function in generator.commands."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from pathlib import Path

import click

from generator import __version__
from generator.cli.console import Console
from generator.cli.options import (
    Settings,
    allow_dirty_option,
    allow_empty_option,
    commit_msg_option,
    commits_option,
    env_option,
    output_option,
    pass_settings,
    report_error,
    wait_option,
)
from generator.errors import EXIT_REPOSITORY, EXIT_USAGE, ModelOpsError, UsageError, printable

EXIT_INTERNAL = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="modelops")
@click.option(
    "--repo",
    type=click.Path(path_type=Path),
    default=".",
    envvar="MODELOPS_REPO",
    show_default=True,
    help="The GitOps repository (releases/, environments/, rendered/).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and requested reports.")
@click.option("--color/--no-color", default=None, help="Force or disable colour (NO_COLOR is honoured).")
@click.pass_context
def cli(ctx: click.Context, repo: Path, quiet: bool, color: bool | None) -> None:
    """Render, validate and commit Kubernetes manifests for AI model releases."""
    if not repo.is_dir():
        raise UsageError(f"--repo {repo}: no such directory")
    ctx.obj = Settings(repo.resolve(), Console(quiet=quiet, color=color))


@cli.command()
@env_option
@output_option("text", "json")
@wait_option
@allow_empty_option
@click.option(
    "--refresh-records",
    is_flag=True,
    help="Render every unit and write every record afresh (after a policy-rule change, so fresh clones reuse them).",
)
@pass_settings
def render(
    settings: Settings,
    environments: tuple[str, ...],
    output: str,
    wait: float,
    allow_empty: bool,
    refresh_records: bool,
) -> int:
    """Render every release for every environment into rendered/.

    Schema errors stop the run before anything is written.
    """
    from generator.cli.commands import render as command

    if refresh_records and environments:
        raise UsageError("--refresh-records renders every environment: it cannot be combined with --env")
    return command.run(settings.root, settings.console, environments, output, wait, allow_empty, refresh_records)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path, allow_dash=True))
@env_option
@output_option("text", "json", "junit", "sarif", "tap")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on warnings too. With PATHs: also reject unknown fields and duplicate keys (as kubeconform -strict).",
)
@click.option(
    "--kubernetes-version",
    metavar="X.Y[.Z]",
    help="With PATHs: the Kubernetes version whose schemas apply (default 1.33).",
)
@click.option("--summary", is_flag=True, help="With PATHs: print a summary line (on stderr with -o other than text).")
@click.option(
    "--skip", multiple=True, metavar="KIND,...", help="With PATHs: skip these kinds or apiVersion/kinds (repeatable)."
)
@click.option("--ignore-missing-schemas", is_flag=True, help="With PATHs: skip objects no schema is known for.")
@click.option(
    "--schema-location",
    "schema_locations",
    multiple=True,
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="With PATHs: CRD YAML files or {kind}_{version}.json schemas for custom resources (repeatable).",
)
@click.option(
    "--base",
    metavar="REV",
    help="Also report changes since REV that skip a stage of the promotion order (a pull request's base).",
)
@pass_settings
def validate(
    settings: Settings,
    paths: tuple[Path, ...],
    environments: tuple[str, ...],
    output: str,
    strict: bool,
    kubernetes_version: str | None,
    summary: bool,
    skip: tuple[str, ...],
    ignore_missing_schemas: bool,
    schema_locations: tuple[Path, ...],
    base: str | None,
) -> int:
    """Validate the repository, or with PATHs any Kubernetes YAML.

    Without PATH: specs, rendered manifests (Kubernetes schemas, offline), GPU capacity and policies.
    With PATHs (files, directories, - for stdin): each object against the schema of its apiVersion
    and kind, offline, as kubeconform does.
    """
    from generator.cli.commands import validate as command

    options = command.PathOptions(kubernetes_version, summary, skip, ignore_missing_schemas, schema_locations)
    return command.dispatch(settings.root, settings.console, paths, environments, output, strict, options, base)


@cli.command()
@click.option("-m", "--message", help="Commit subject (the body still lists files and releases).")
@click.option("--push", is_flag=True, help="Push the commit; on a rejected push, rebase and re-render, then retry.")
@click.option("--remote", default=None, help="Remote to push to (default: the branch's upstream, else origin).")
@click.option("--branch", default=None, help="Remote branch to push to (default: the current branch's name).")
@click.option(
    "--retries",
    type=click.IntRange(0, 20),
    default=3,
    show_default=True,
    help="How many times to retry a rejected push.",
)
@output_option("text", "json")
@wait_option
@allow_empty_option
@allow_dirty_option
@pass_settings
def commit(
    settings: Settings,
    message: str | None,
    push: bool,
    remote: str | None,
    branch: str | None,
    retries: int,
    output: str,
    wait: float,
    allow_empty: bool,
    allow_dirty: bool,
) -> int:
    """Render, validate and commit rendered/, only if something changed."""
    from generator.cli.commands import commit as command

    return command.run(
        settings.root,
        settings.console,
        message,
        output,
        push=push,
        remote=remote,
        branch=branch,
        retries=retries,
        wait=wait,
        allow_empty=allow_empty,
        allow_dirty=allow_dirty,
    )


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@output_option("text", "json")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@pass_settings
def lint(settings: Settings, files: tuple[Path, ...], output: str, strict: bool) -> int:
    """Check release specs and environment files (schema and spec policies) without rendering.

    Fast and file-scoped: this is what the pre-commit hook runs on the files it is given.
    """
    from generator.cli.commands import lint as command

    return command.run(settings.root, settings.console, files, output, strict)


@cli.command()
@output_option("text", "json")
@commits_option
@commit_msg_option
@pass_settings
def check(settings: Settings, output: str, revisions: str | None, message_file: Path | None) -> int:
    """Fail when rendered/ is not exactly what the specs render to today.

    With --commits: fail when a commit of the range changes rendered/ without the modelops trailers.
    With --commit-msg (the commit-msg hook): add them to the message of a hand commit of rendered/.
    """
    from generator.cli.commands import check as command

    return command.dispatch(settings.root, settings.console, output, revisions, message_file)


@cli.command()
@click.option("--base", required=True, metavar="REF", help="Git revision to compare against (e.g. origin/main).")
@env_option
@output_option("text", "markdown", "json")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences.")
@click.option(
    "--max-chars",
    type=click.IntRange(min=0),
    default=60_000,
    show_default=True,
    metavar="N",
    help="Keep the Markdown under N characters (a GitHub comment holds 65,536): the summary first, "
    "then the object diffs that fit, and a line saying what was cut. 0: no limit. "
    "-o json says whether the Markdown would be cut (`truncated`).",
)
@pass_settings
def diff(
    settings: Settings, base: str, environments: tuple[str, ...], output: str, exit_code: bool, max_chars: int
) -> int:
    """Per-environment differences between the manifests of REF and of the working tree, summary first."""
    from generator.cli.commands import diff as command

    return command.run(settings.root, settings.console, base, environments, output, exit_code, max_chars)


@cli.command()
@output_option("text", "json")
@pass_settings
def status(settings: Settings, output: str) -> int:
    """Per environment: each release's version, digests, strategy and the commit that last changed it."""
    from generator.cli.commands import status as command

    return command.run(settings.root, settings.console, output)


@cli.command("schema")
@click.argument("kind", required=False, type=click.Choice(["release", "environment", "policy", "waivers"]))
@click.option(
    "--write",
    "directory",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write the schemas (every kind, or only KIND) to DIR/<kind>.schema.json instead of printing.",
)
@pass_settings
def schema_command(settings: Settings, kind: str | None, directory: Path | None) -> int:
    """Print the self-contained JSON Schema of a file kind, for editors (yaml-language-server)."""
    from generator.cli.commands import schema as command

    return command.run(settings.console, kind, directory)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@pass_settings
def init(settings: Settings, directory: Path) -> int:
    """Create a new GitOps repository in DIRECTORY: environments, an example release, policies, hooks, CI.

    DIRECTORY must be new or empty; it becomes a git repository unless it is inside one.
    """
    from generator.cli.commands import init as command

    return command.run(settings.console, directory)


@cli.command()
@click.argument("release")
@click.option(
    "--env",
    "environment",
    metavar="ENV",
    help="Environment to explain (required unless RELEASE is deployed to only one).",
)
@click.option("--field", metavar="PREFIX", help="Only fields at or below PREFIX (e.g. scaling, rollout.canary).")
@output_option("text", "json")
@pass_settings
def explain(settings: Settings, release: str, environment: str | None, field: str | None, output: str) -> int:
    """Each effective value of RELEASE in ENV and where it was set: default, environment, release or override."""
    from generator.cli.commands import explain as command

    return command.run(settings.root, settings.console, release, environment, output, field)


@cli.command("provenance")
@click.argument("release")
@click.option("--env", "environments", multiple=True, metavar="ENV", help="Only this environment (repeatable).")
@click.option("--rev", default="HEAD", show_default=True, metavar="REF", help="The commit to read rendered/ from.")
@output_option("text", "json")
@pass_settings
def provenance_command(settings: Settings, release: str, environments: tuple[str, ...], rev: str, output: str) -> int:
    """Which spec commit, image and model artifact each environment runs for RELEASE, from git alone."""
    from generator.cli.commands import provenance as command

    return command.run(settings.root, settings.console, release, environments, rev, output)


def _terminated(signum: int, frame: object) -> None:
    # CI cancels a job with SIGTERM: unwind like Ctrl-C, so every cleanup (rendered/ swaps, a push
    # rebuild, the writer lock) runs before the process ends.
    raise KeyboardInterrupt


# Collect cycles after 100,000 allocations, not 700: a run builds its index and rendered objects in bulk
# and keeps them; at 1,000 releases the default spent 0.1-0.27 s of a 0.6 s no-change run re-walking them.
_GC_THRESHOLDS = (100_000, 50, 1000)


def main(argv: list[str] | None = None) -> int:
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    thresholds = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        return _run(argv)
    finally:
        gc.set_threshold(*thresholds)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(argv: list[str] | None) -> int:
    """The one error boundary: every failure becomes a message and an exit code, never a traceback."""
    console = Console()
    try:
        result = cli.main(args=argv, prog_name="modelops", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        console.fail("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except ModelOpsError as exc:
        report_error(console, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        console.fail("interrupted")
        return 130
    except PermissionError as exc:  # the repository as the user set it up, not a bug: say which path
        where = printable(os.fsdecode(exc.filename)) if exc.filename is not None else "a file of the repository"
        console.fail(f"modelops: {where}: permission denied (modelops reads every input and rendered file)")
        return EXIT_REPOSITORY
    except Exception as exc:  # a bug in modelops, not bad input
        if os.environ.get("MODELOPS_DEBUG"):
            import traceback  # only here: a bug's report, not every run's start-up

            traceback.print_exc()
        console.fail(
            f"modelops: internal error: {type(exc).__name__}: {exc} "
            "(set MODELOPS_DEBUG=1 for a traceback, and please report it)"
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else 0


# Commands kept in their own modules (this one stays under 400 lines).
from generator.cli.auditing import history  # noqa: E402
from generator.cli.fetching import digest, fetch  # noqa: E402
from generator.cli.policies import policy  # noqa: E402
from generator.cli.prerequisites import requirements  # noqa: E402
from generator.cli.versioning import promote, rollback, set_version  # noqa: E402

for _command in (policy, fetch, digest, promote, rollback, set_version, requirements, history):
    cli.add_command(_command)


if __name__ == "__main__":
    sys.exit(main())
