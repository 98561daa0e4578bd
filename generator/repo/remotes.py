"""The origin remote of the git repository a GitOps repository sits in, for validate's repoURL check."""

from __future__ import annotations

import subprocess
from pathlib import Path


def origin_url(root: Path) -> str | None:
    """The URL of remote "origin" of the work tree holding `root`, as its config spells it; None outside
    git or without an origin.

    Asked of `git config` (one process, 3 ms: GitPython took 45 ms to import for it), which reads the
    repository's, the user's and the system's files, includes too, as every git command does."""
    try:
        done = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"],
            cwd=root,
            capture_output=True,
            text=True,
            errors="surrogateescape",
            check=False,
        )
    except OSError:  # no git: then no origin either
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None
