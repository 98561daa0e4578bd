"""validate's findings about the environment files as a whole, after the report of the pipeline: placeholder
values and repoURL against the origin remote, and with a base revision the promotion order and the
ApplicationSet switch. Read here (the origin's URL, the base revision), judged in generator.validate."""

from __future__ import annotations

import datetime
from pathlib import Path

from generator.errors import Diagnostic, PolicyError
from generator.inputs.sources import WorkTree
from generator.inputs.spec import Environment
from generator.repo import remotes
from generator.validate import placeholders
from generator.validate.policy import engine, loader
from generator.validate.policy.model import Policies


def findings(
    root: Path,
    environments: dict[str, Environment],
    base: str | None,
    today: datetime.date,
    policies: Policies | None = None,
) -> list[Diagnostic]:
    """Waivers applied; RepositoryError when `base` is not a revision of the repository.  `policies`: as
    the run that made the report loaded them (its environment-wide waivers are all the placeholder
    findings can meet); without, or with `base`, they are loaded here."""
    if policies is None or base is not None:
        try:
            policies = loader.load(WorkTree(root))
        except PolicyError:
            policies = Policies()  # the report names the policy errors; no waiver applies meanwhile
    found = placeholders.findings(environments.values(), remotes.origin_url(root))
    out = engine.waive(policies, found, today)[0]
    if base is not None:
        from generator.pipeline import promotion, switching

        out += promotion.findings(root, base, environments, policies, today)
        out += switching.findings(root, base, environments, policies, today)
    return out
