"""`validate --base REV`: the Argo CD objects each environment had rendered at REV, for the
ApplicationSet switch check (generator.validate.switching). One file read per environment."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from generator import layout
from generator.errors import Diagnostic, InputError
from generator.inputs import yamlio
from generator.inputs.sources import GitTree
from generator.inputs.spec import Environment
from generator.repo import commits
from generator.validate import switching
from generator.validate.policy import engine
from generator.validate.policy.model import Policies


def _objects_at(source: GitTree, env: str) -> list[dict[str, Any]]:
    path = f"{layout.argocd_path(env)}/{layout.MANIFEST_FILE}"
    try:
        raw = source.read(path)
    except InputError:  # not rendered at the base (a new environment, before the first render)
        return []
    docs = yamlio.load_all(raw, f"{path}@{source.label}", positions=False)
    return [
        d.data
        for d in docs
        if isinstance(d, yamlio.Document) and isinstance(d.data, dict) and isinstance(d.data.get("metadata"), dict)
    ]


def findings(
    root: Path, base: str, environments: dict[str, Environment], policies: Policies, today: datetime.date
) -> list[Diagnostic]:
    """Switch findings of the working tree's environment files against what `base` rendered, waivers applied."""
    repo = commits.open_repo(root)
    source = GitTree(repo, base, commits.prefix(repo, root))
    found = [
        d for env in environments.values() for d in switching.environment(env, _objects_at(source, env.name), base)
    ]
    return engine.waive(policies, found, today)[0]
