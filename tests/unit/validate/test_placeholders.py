"""Placeholder values, repoURL against origin and plain-http repoURLs, judged on an environment file."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.catalog import PLACEHOLDER_VALUE, REPO_URL_HTTP, REPO_URL_ORIGIN, Severity
from generator.inputs import yamlio
from generator.inputs.spec import Environment
from generator.schemas import shipped
from generator.validate import placeholders

ENV = """\
apiVersion: modelops.io/v1alpha1
kind: Environment
metadata:
  name: prod
spec:
  cluster:
    server: {server}
  namespace: models-prod
  kubernetesVersion: "1.31"
  gitops:
    repoURL: {repo}
  artifacts:
    fetcherImage: {fetcher}
  registries:
    - {registry}
"""
REAL = {
    "server": "https://prod-gpu.k8s.corp.internal",
    "repo": "git@git.corp.internal:platform/models.git",
    "fetcher": "registry.corp.internal/platform/fetcher:1@sha256:" + "0" * 64,
    "registry": "registry.corp.internal/",
}


def _env(**values: str) -> Environment:
    text = ENV.format(**{**REAL, **values})
    return Environment("prod", yamlio.load(text, "environments/prod.yaml"))


def _found(env: Environment, origin: str | None = None) -> list[tuple[int | None, str, str]]:
    out = []
    for d in placeholders.environment(env, origin):
        assert d.severity is Severity.WARNING and d.environment == "prod" and d.release is None
        assert d.location is not None and d.location.file == "environments/prod.yaml"
        out.append((d.location.line, d.field, d.rule))
    return out


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("https://git.example.com/platform/x.git", True),
        ("git@git.example.org:platform/x.git", True),
        ("ssh://git@example.net:2222/x.git", True),
        ("https://prod.k8s.corp.example", True),
        ("registry.example.com/", True),
        ("registry.example.com/mirror/vllm:v1@sha256:" + "0" * 64, True),
        ("https://api.cluster.invalid:6443", True),
        ("https://CHANGEME.corp.internal", True),
        ("https://git.corp.internal/<your-org>/models.git", True),
        ("registry.corp.internal/your-team/", True),
        ("https://git.corp.internal/platform/models.git", False),
        ("https://kubernetes.default.svc", False),
        ("registry.corp.internal/", False),
        ("docker.io/library/python:3.12", False),
        ("https://notexample.com/x.git", False),  # only the reserved names and their subdomains
        ("https://example.company.io/x.git", False),
        ("https://git.corp.internal/platform/todolist.git", False),  # a marker only as a whole word
        ("http://gitea-http.gitea.svc:3000/platform/models.git", False),
    ],
)
def test_placeholder_values(value: str, placeholder: bool) -> None:
    assert (placeholders.placeholder(value) is not None) is placeholder


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("git@github.com:acme/models.git", "https://github.com/acme/models"),
        ("ssh://git@github.com/acme/models.git", "https://github.com/acme/models.git"),
        ("ssh://git@git.corp.internal:2222/acme/models.git", "https://git.corp.internal/acme/models/"),
        ("https://GitHub.com/acme/models.git", "git@github.com:acme/models"),
        ("https://user@git.corp.internal/acme/models.git", "https://git.corp.internal/acme/models"),
        ("http://gitea-http.gitea.svc:3000/acme/models.git", "git@gitea-http.gitea.svc:acme/models.git"),
    ],
)
def test_ssh_and_https_forms_of_one_repository_are_the_same(one: str, other: str) -> None:
    assert placeholders.repository_key(one) == placeholders.repository_key(other) is not None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("git@github.com:acme/models.git", "git@github.com:acme/models-staging.git"),
        ("git@github.com:acme/models.git", "git@gitlab.com:acme/models.git"),
        ("https://github.com/acme/models", "https://github.com/other/models"),
    ],
)
def test_other_repositories_differ(one: str, other: str) -> None:
    assert placeholders.repository_key(one) != placeholders.repository_key(other)


@pytest.mark.parametrize("url", ["/srv/git/models.git", "file:///srv/git/models.git", "../models.git", ""])
def test_what_argo_cd_cannot_clone_has_no_key(url: str) -> None:
    assert placeholders.repository_key(url) is None


@given(
    host=st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,2}", fullmatch=True),
    path=st.from_regex(r"[a-z][a-z0-9-]{0,8}(/[a-z][a-z0-9-]{0,8}){0,2}", fullmatch=True),
)
def test_every_form_of_a_repository_has_one_key(host: str, path: str) -> None:
    forms = [
        f"https://{host}/{path}",
        f"https://{host}/{path}.git",
        f"ssh://git@{host}/{path}.git",
        f"git@{host}:{path}.git",
        f"git@{host}:{path}/",
    ]
    assert len({placeholders.repository_key(f) for f in forms}) == 1


def test_real_values_give_no_finding() -> None:
    assert _found(_env()) == []
    assert _found(_env(), origin="https://git.corp.internal/platform/models") == []


def test_each_placeholder_is_a_warning_on_its_line() -> None:
    env = _env(
        server="https://prod-gpu.k8s.example.com",
        repo="https://git.example.com/platform/model-gitops.git",
        fetcher="registry.example.com/platform/fetcher:1@sha256:" + "0" * 64,
        registry="registry.example.com/",
    )
    assert _found(env) == [
        (11, "spec.gitops.repoURL", PLACEHOLDER_VALUE),
        (7, "spec.cluster.server", PLACEHOLDER_VALUE),
        (15, "spec.registries[0]", PLACEHOLDER_VALUE),
        (13, "spec.artifacts.fetcherImage", PLACEHOLDER_VALUE),
    ]
    # the placeholder says what to write instead when origin is known; no second finding for origin
    found = placeholders.environment(env, "git@git.corp.internal:platform/models.git")
    assert [d.rule for d in found].count(REPO_URL_ORIGIN) == 0
    assert found[0].message.endswith("set it to this repository's clone URL, git@git.corp.internal:platform/models.git")


def test_a_repo_url_other_than_origin_is_a_warning() -> None:
    assert _found(_env(), origin="https://git.corp.internal/platform/other.git") == [
        (11, "spec.gitops.repoURL", REPO_URL_ORIGIN)
    ]
    assert _found(_env(), origin="/srv/git/models.git") == []  # a local origin: nothing to compare


def test_an_http_repo_url_is_a_warning() -> None:
    env = _env(repo="http://gitea-http.gitea.svc:3000/platform/models.git")
    assert _found(env) == [(11, "spec.gitops.repoURL", REPO_URL_HTTP)]
    assert "a Git server inside the cluster" in placeholders.environment(env, None)[0].message


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://git.corp.internal/platform/models.git", True),
        ("http://gitea-http.gitea.svc:3000/platform/models.git", True),
        ("ssh://git@git.corp.internal:2222/platform/models.git", True),
        ("git@git.corp.internal:platform/models.git", True),
        ("org-1@vs-ssh.visualstudio.com:v3/org/project/repo", True),
        ("ftp://git.corp.internal/models.git", False),
        ("git.corp.internal/platform/models.git", False),
        ("/srv/git/models.git", False),
    ],
)
def test_the_schema_and_init_accept_the_same_clone_urls(url: str, valid: bool) -> None:
    text = ENV.format(**{**REAL, "repo": url})
    doc = yamlio.load(text, "environments/prod.yaml")
    errors = shipped.validate("environment.schema.json", doc.data, doc.raw)
    assert (not errors) is valid
    assert (placeholders.CLONE_URL.fullmatch(url) is not None) is valid
    if not valid:
        ((path, message),) = errors
        assert path == ("spec", "gitops", "repoURL")
        assert "https://HOST/PATH" in message and "http:// is accepted for a Git server inside the cluster" in message


def test_clone_url_pattern_is_the_schemas() -> None:
    spec = shipped.schema("environment.schema.json")["properties"]["spec"]
    pattern = spec["properties"]["gitops"]["properties"]["repoURL"]["pattern"]
    assert re.fullmatch(r"\^\((.*)\)\[\^\\s\]\+\$", pattern)
    assert pattern == "^" + placeholders.CLONE_URL.pattern.removesuffix(r"\S+") + r"[^\s]+$"
