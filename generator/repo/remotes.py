"""The origin remote of the git repository a GitOps repository sits in, for validate's repoURL check."""

from __future__ import annotations

import configparser
from pathlib import Path

import git


def origin_url(root: Path) -> str | None:
    """The URL of remote "origin" of the work tree holding `root`; None outside git or without an origin.

    Read from the config file, not `git remote get-url`: one validate run spawns no git process for it."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        url = repo.config_reader().get_value('remote "origin"', "url", default="")
    except (configparser.Error, OSError, ValueError):
        return None
    return str(url).strip() or None
