"""Honest environment values: placeholders left in, a repoURL that is not this repository, plain http.

`modelops init` and the bundled example write example.com values so that a new repository
renders and validates at once; nothing would otherwise tell a team that its Applications point
at a Git server and clusters that do not exist. These findings are warnings (a repository can
be rendered and reviewed before its cluster exists) that a waiver can acknowledge per environment.

Pure functions on data: the origin remote's URL is read by the caller (generator.repo.remotes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from generator import catalog
from generator.errors import Diagnostic, Path, Severity, format_path
from generator.inputs.spec import Environment

# The clone URLs spec.gitops.repoURL accepts (the environment schema's pattern says the same):
# https://, http:// (in-cluster Git servers, with a warning), ssh:// and scp-like USER@HOST:PATH.
CLONE_URL = re.compile(r"(https?://|ssh://|[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:)\S+")
ALLOWED = "https://HOST/PATH, ssh://[USER@]HOST[:PORT]/PATH, USER@HOST:PATH, or http:// for an in-cluster Git server"

# Names reserved for documentation and examples (RFC 2606, RFC 6761): they never resolve to a real service.
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
_RESERVED_TLDS = ("example", "invalid")
_MARKER = re.compile(
    r"(?i)(?<![a-z0-9])(change-?me|replace-?me|fix-?me|todo|placeholder|your[-_][a-z]+)(?![a-z0-9])|<[^<>\s]+>"
)
_SCP = re.compile(r"(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?!//)(?P<path>\S+)")


def host_of(value: str) -> str:
    """The host a URL, scp-like Git address, registry prefix or image reference names ("" if none)."""
    if "://" in value:
        try:
            return (urlsplit(value).hostname or "").lower()
        except ValueError:
            return ""
    scp = _SCP.fullmatch(value)
    if scp and "@" in value.split(":", 1)[0]:
        return scp["host"].lower()
    first = value.split("/", 1)[0]
    # An image's first segment is a registry only when it looks like a host (Docker's rule).
    if "/" in value and ("." in first or ":" in first or first == "localhost"):
        return first.split(":", 1)[0].lower()
    return ""


def placeholder(value: str) -> str | None:
    """Why `value` is a placeholder (a reserved example host, a CHANGEME-like marker), or None."""
    host = host_of(value).rstrip(".")
    for domain in _RESERVED_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return f"{host} is a reserved example domain"
    if host.rsplit(".", 1)[-1] in _RESERVED_TLDS and host:
        return f"{host} is under the reserved .{host.rsplit('.', 1)[-1]} domain"
    marker = _MARKER.search(value)
    if marker:
        return f"{marker.group()!r} is a placeholder"
    return None


def repository_key(url: str) -> str | None:
    """One form for the ssh and https addresses of a Git repository: host/path, without user, port, the
    trailing slash or .git; None for what Argo CD cannot clone (a local path, file://)."""
    url = url.strip()
    if "://" in url:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        if parts.scheme.lower() not in ("https", "http", "ssh", "git") or not host:
            return None
        path = parts.path
    else:
        scp = _SCP.fullmatch(url)
        if scp is None:
            return None
        host, path = scp["host"].lower(), scp["path"]
    path = path.strip("/").removesuffix(".git").rstrip("/")
    return f"{host}/{path}" if path else None


def _warning(env: Environment, path: Path, message: str, rule: str) -> Diagnostic:
    return Diagnostic(
        message,
        env.doc.locate(path),
        format_path(path),
        severity=Severity.WARNING,
        rule=rule,
        environment=env.name,
    )


def _values(env: Environment) -> Iterable[tuple[Path, str, str]]:
    """(field path, what it is, value) of every value that names a place outside this repository."""
    for key, what in (("server", "cluster server"), ("name", "cluster name")):
        if isinstance(env.get("cluster", key), str):
            yield ("spec", "cluster", key), what, env.get("cluster", key)
    for index, registry in enumerate(env.get("registries", default=[]) or []):
        if isinstance(registry, str):
            yield ("spec", "registries", index), "registry", registry
    image = env.get("artifacts", "fetcherImage")
    if isinstance(image, str):
        yield ("spec", "artifacts", "fetcherImage"), "fetcher image", image


def environment(env: Environment, origin: str | None) -> list[Diagnostic]:
    """The warnings of one environment file; `origin`: the URL of the repository's origin remote, if any."""
    out = []
    field = ("spec", "gitops", "repoURL")
    repo_url = env.get("gitops", "repoURL")
    if isinstance(repo_url, str):
        why = placeholder(repo_url)
        if why:
            fix = f": set it to this repository's clone URL, {origin}" if origin and repository_key(origin) else ""
            out.append(
                _warning(env, field, f"placeholder repoURL {repo_url} ({why}){fix}", catalog.PLACEHOLDER_VALUE)
            )
        elif origin is not None and repository_key(origin) and repository_key(origin) != repository_key(repo_url):
            out.append(
                _warning(
                    env,
                    field,
                    f"repoURL {repo_url} is not this repository's origin ({origin}): Argo CD would sync "
                    "another repository than the one reviewed here",
                    catalog.REPO_URL_ORIGIN,
                )
            )
        if repo_url.lower().startswith("http://"):
            out.append(
                _warning(
                    env,
                    field,
                    f"repoURL {repo_url} is plain http: fine for a Git server inside the cluster "
                    "(http://gitea.gitea.svc:3000/...); anywhere else use https:// or ssh",
                    catalog.REPO_URL_HTTP,
                )
            )
    for path, what, value in _values(env):
        why = placeholder(value)
        if why:
            message = f"placeholder {what} {value} ({why}): replace it with the real one"
            out.append(_warning(env, path, message, catalog.PLACEHOLDER_VALUE))
    return out


def findings(environments: Iterable[Environment], origin: str | None) -> list[Diagnostic]:
    return [d for env in environments for d in environment(env, origin)]
