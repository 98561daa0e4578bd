"""The click shell of `modelops policy`: list, explain and test the rules in policies/."""

from __future__ import annotations

import click

from generator.cli.options import Settings, env_option, output_option, pass_settings


@click.group()
def policy() -> None:
    """Inspect the policy rules in policies/."""


@policy.command("list")
@env_option
@output_option("text", "json")
@pass_settings
def policy_list(settings: Settings, environments: tuple[str, ...], output: str) -> int:
    """The active rules of each environment."""
    from generator.cli.commands import policy as command

    return command.run_list(settings.root, settings.console, environments, output)


@policy.command("explain")
@click.argument("rule")
@pass_settings
def policy_explain(settings: Settings, rule: str) -> int:
    """A rule, its rationale, and a passing and a failing example."""
    from generator.cli.commands import policy as command

    return command.run_explain(settings.root, settings.console, rule)


@policy.command("test")
@pass_settings
def policy_test(settings: Settings) -> int:
    """Check every rule against its own examples: the passing one must pass, the failing one must fail."""
    from generator.cli.commands import policy as command

    return command.run_test(settings.root, settings.console)
