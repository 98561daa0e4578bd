"""Where this tool is published and how one version of it is named there.

modelops is installed from its Git repository, not from a package index: the name
`modelops` on PyPI belongs to an unrelated project, and `modelops-gitops` is not published
there. Every release is a tag `v<version>` (`v0.1.0` for `__version__ == "0.1.0"`) in
REPOSITORY, and everything that pins modelops names that tag:

- the CI workflow `modelops init` writes (examples/github-actions/modelops.yml): the GitHub
  Action `ACTION@v<version>` for pull requests and `pip install "git+REPOSITORY@v<version>"`
  on main;
- the pre-commit example in the README and .pre-commit-hooks.yaml (`rev: v<version>`);
- pyproject.toml's `[project.urls]`;
- the artifact fetcher image built from Dockerfile, FETCHER_IMAGE:v<version>, the default of an
  environment's `artifacts.fetcherImage` (the README names it).

Those are data files, so they hold the values literally; tests/unit/test_distribution.py
compares each with the constants here, so a version bump that forgets one fails the tests.
"""

from __future__ import annotations

from generator import __version__

NAME = "modelops-gitops"  # the distribution's name (pyproject.toml), for extras: modelops-gitops[fetch]
# The GitHub repository (owner/name) that holds the source, the tags and action.yml.
ACTION = "modelops-gitops/modelops"
REPOSITORY = f"https://github.com/{ACTION}"
# The image of Dockerfile (`modelops fetch` as the init container), published by the repository's owner.
FETCHER_IMAGE = f"ghcr.io/{ACTION.split('/')[0]}/modelops-fetcher"


def tag(version: str = __version__) -> str:
    """The Git tag of a release: `v` and the version, as pre-commit's `rev:` and `uses: ...@` expect."""
    return f"v{version}"


def pip_requirement(repository: str = REPOSITORY, version: str = __version__, extras: tuple[str, ...] = ()) -> str:
    """What `pip install` takes to install this version from its Git repository (a URL, or file:// a clone);
    with extras, the PEP 508 direct reference `modelops-gitops[fetch] @ git+...`."""
    url = f"git+{repository}@{tag(version)}"
    return f"{NAME}[{','.join(extras)}] @ {url}" if extras else url


def fetcher_image(version: str = __version__) -> str:
    """The fetcher image of this version: an environment without `artifacts.fetcherImage` runs it."""
    return f"{FETCHER_IMAGE}:{tag(version)}"
