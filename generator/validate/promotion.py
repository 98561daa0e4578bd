"""Promotion order in a pull request: a change reaches an environment only from the stage it promotes from.

`promote` refuses to skip a stage; a hand edit can still do it (a release-wide model.version bump
changes every environment that takes the release-wide pins). Comparing the base revision with the
head, an environment whose pins (version, artifact URI and digest, image) changed must now run
what its predecessor in the promotion order ran at the base: that is what `promote` writes, and
`set-version` changes only the first stage and pins the others to what they run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator import catalog
from generator.errors import Diagnostic, Severity, format_path
from generator.inputs.pins import PIN_FIELDS, Pins, dig
from generator.inputs.spec import Environment, Release

# The environment's spec.policy.level decides how much a skipped stage counts.
SEVERITY = {"strict": Severity.ERROR, "standard": Severity.WARNING, "relaxed": Severity.INFO}
_NAMES = ("version", "artifact", "artifact digest", "image")


def findings(
    pairs: Iterable[tuple[dict[str, Any], Release]], environments: dict[str, Environment], base: str
) -> list[Diagnostic]:
    """One finding per release and environment that skips a stage; `pairs`: (the release's spec at `base`,
    the release as it is now) for each release whose spec changed and that existed at `base`."""
    out = []
    for then, release in pairs:
        then_envs = then.get("environments") or {}
        for env in environments.values():
            source = env.promotes_from
            # A first stage takes anything; an environment new to the release is a new deployment, not a change.
            if source is None or env.name not in release.environments or env.name not in then_envs:
                continue
            before, now = Pins.of(then, env.name), Pins.of(release.spec, env.name)
            if before is None or now is None or now == before:
                continue
            ran = Pins.of(then, source) if source in then_envs else None
            if now != ran:
                out.append(_finding(release, env, source, before, now, ran, base))
    return out


def _finding(
    release: Release, env: Environment, source: str, before: Pins, now: Pins, ran: Pins | None, base: str
) -> Diagnostic:
    index = _cause(before, now, ran)
    field = PIN_FIELDS[index]
    block = (release.spec.get("environments") or {}).get(env.name) or {}
    # The line that sets the value: the environment's own pin, else the release-wide field.
    path = ("spec", "environments", env.name, *field) if dig(block, field) is not None else ("spec", *field)
    if ran is None:
        message = (
            f"{_NAMES[index]} {now.values()[index]} skips a stage: {env.name} promotes from {source}, "
            f"which does not run {release.name} at {base}"
        )
    else:
        differ = [i for i in range(len(_NAMES)) if now.values()[i] != ran.values()[i]]
        what = ", ".join(f"{_NAMES[i]} {now.values()[i]}" for i in differ)
        theirs = ", ".join(f"{_NAMES[i]} {ran.values()[i]}" for i in differ)
        message = (
            f"{what} skips a stage: {env.name} promotes from {source}, which runs {theirs} at {base}; "
            f"let {source} run it first, then `modelops promote {release.name} --from {source} --to {env.name}`"
        )
    level = env.get("policy", "level", default="standard")
    return Diagnostic(
        message,
        release.doc.locate(path),
        format_path(path),
        severity=SEVERITY.get(str(level), Severity.WARNING),
        rule=catalog.PROMOTION_ORDER,
        environment=env.name,
        release=release.name,
    )


def _cause(before: Pins, now: Pins, ran: Pins | None) -> int:
    """The pin to point at: the first that changed to something the predecessor does not run, else the first
    that changed (a partial promotion: the version moved, the image it left behind differs)."""
    changed = [i for i, (old, new) in enumerate(zip(before.values(), now.values(), strict=True)) if old != new]
    theirs = ran.values() if ran is not None else (None,) * len(_NAMES)
    return next((i for i in changed if now.values()[i] != theirs[i]), changed[0])
