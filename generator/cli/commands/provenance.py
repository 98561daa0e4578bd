from __future__ import annotations

import json
from pathlib import Path

import git

from generator import layout
from generator.cli.console import Console
from generator.errors import EXIT_OK, UsageError
from generator.layout import RENDERED_DIR
from generator.repo import commits, provenance


def _environments(repo: git.Repo, rev: str, at: str) -> list[str]:
    try:
        rendered = repo.commit(rev).tree / (at + RENDERED_DIR)
    except (KeyError, ValueError):
        return []
    return [t.name for t in rendered.trees]


def run(root: Path, console: Console, release: str, environments: tuple[str, ...], rev: str, output: str) -> int:
    """Which spec commit and which artifact each environment runs for RELEASE, read from git alone."""
    repo = commits.open_repo(root)
    try:
        repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError):
        raise UsageError(f"unknown git revision {rev!r}") from None
    at = commits.prefix(repo, root)
    names = list(environments) or _environments(repo, rev, at)
    traces = [t for env in names if (t := provenance.trace(repo, rev, env, release, at)) is not None]
    missing = [env for env in names if env not in {t.environment for t in traces}]
    if (environments and missing) or not traces:
        where = f"in {', '.join(missing)} " if environments and missing else ""
        expected = layout.metadata_path("<env>", release)
        raise UsageError(f"{release!r} is not rendered {where}at {rev} ({expected})")
    if output == "json":
        console.emit(json.dumps({"revision": rev, "releases": [t.to_json() for t in traces]}, indent=2))
        return EXIT_OK
    for t in traces:
        deploys, inputs = t.metadata["deploys"], t.metadata["inputs"]
        if t.source_commit is None:
            unrecorded = "not recorded (rendered from uncommitted specs)"
            source = f"not verified: {t.unverified}" if t.unverified else unrecorded
        else:
            if t.verified is None:
                check = f"not verified: {t.unverified}"
            else:
                check = "spec and environment hashes verified" if t.verified else "hashes DO NOT match that commit"
            source = f"{t.source_commit[:12]} {t.source_subject}  ({check})"
        rows = [
            ("model version", deploys["modelVersion"]),
            ("image", deploys["image"]),
            ("artifact", f"{deploys['artifact']['uri']} {deploys['artifact']['digest']}"),
            ("rendered in", t.rendered_commit[:12]),
            ("from specs of", source),
            ("spec", f"{inputs['spec']['file']} {inputs['spec']['sha256']}"),
            ("environment", f"{inputs['environment']['file']} {inputs['environment']['sha256']}"),
            ("templates", inputs["templates"]["sha256"]),
            ("manifests", f"{t.metadata['manifests']['count']} files {t.metadata['manifests']['sha256']}"),
            ("generator", t.metadata["generator"]),
        ]
        console.emit(f"{release} in {t.environment} (at {rev}):")
        for label, value in rows:
            console.emit(f"  {label:14} {value}")
    return EXIT_OK
