"""`validate --base REV`: switching gitops.applicationSet must not let Argo CD delete the workloads."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import Runner, edit, git

RULE = "MO-ENV-004"
STAGING = "environments/staging.yaml"
SWITCH = "    targetRevision: main\n    applicationSet: true\n"
PRESERVE = "    preserveResourcesOnDeletion: true\n"


def _switch(repo: Path, run: Runner, to: str) -> None:
    edit(repo / STAGING, "    targetRevision: main\n", to)
    git(repo, "commit", "-q", "-am", "staging: " + to.strip().replace("\n", ", "))
    assert run(repo, "commit", "-q").exit_code == 0, "the render of the change"


def _findings(repo: Path, run: Runner, *args: str) -> tuple[int, list[dict]]:
    result = run(repo, "validate", "-o", "json", *args)
    return result.exit_code, [d for d in result.json()["diagnostics"] if d["rule"] == RULE]


def _line(repo: Path, text: str) -> int:
    return next(n for n, line in enumerate((repo / STAGING).read_text().splitlines(), 1) if line == text)


def test_switching_with_finalizers_at_the_base_is_an_error_on_the_switch_line(
    example_repo: Path, base: str, run: Runner
) -> None:
    _switch(example_repo, run, SWITCH)
    code, found = _findings(example_repo, run, "--base", "main")
    assert code == 1
    (finding,) = found
    assert (finding["file"], finding["line"], finding["field"]) == (
        STAGING,
        _line(example_repo, "    applicationSet: true"),
        "spec.gitops.applicationSet",
    )
    assert (finding["severity"], finding["environment"]) == ("error", "staging")
    message = finding["message"]
    assert "resources finalizer" in message and "llama3-8b-chat-staging" in message
    assert "gitops.preserveResourcesOnDeletion: true" in message and "let Argo CD sync it" in message
    # without a base nothing is compared; against the switch commit itself the Applications are gone already
    assert _findings(example_repo, run) == (0, [])
    assert _findings(example_repo, run, "--base", "HEAD")[1] == []


def test_the_two_step_migration_passes(example_repo: Path, base: str, run: Runner) -> None:
    _switch(example_repo, run, "    targetRevision: main\n" + PRESERVE)
    manifest = yaml.safe_load_all((example_repo / "rendered/staging/_argocd/manifest.yaml").read_text())
    apps = [o for o in manifest if o["kind"] == "Application" and "modelops.io/release" in o["metadata"]["labels"]]
    assert apps and all("finalizers" not in a["metadata"] for a in apps)
    assert _findings(example_repo, run, "--base", "main") == (0, [])
    synced = git(example_repo, "rev-parse", "HEAD")  # the step Argo CD has synced
    edit(example_repo / STAGING, "    preserveResourcesOnDeletion: true\n", PRESERVE + "    applicationSet: true\n")
    git(example_repo, "commit", "-q", "-am", "staging: applicationSet")
    assert run(example_repo, "commit", "-q").exit_code == 0
    assert _findings(example_repo, run, "--base", synced) == (0, [])
    # in one pull request against main, both steps at once are still the unsafe switch
    assert len(_findings(example_repo, run, "--base", "main")[1]) == 1


def test_switching_back_from_an_applicationset_that_cascades_is_an_error(
    example_repo: Path, base: str, run: Runner
) -> None:
    _switch(example_repo, run, SWITCH)
    safe = git(example_repo, "rev-parse", "HEAD")  # the ApplicationSet as this version renders it
    # an ApplicationSet rendered before preserveResourcesOnDeletion: the controller adds the finalizer
    manifest = example_repo / "rendered/staging/_argocd/manifest.yaml"
    edit(manifest, "  syncPolicy:\n    preserveResourcesOnDeletion: true\n", "")
    git(example_repo, "commit", "-q", "-am", "an ApplicationSet of an older modelops")
    edit(example_repo / STAGING, "    applicationSet: true\n", "")
    code, found = _findings(example_repo, run, "--base", "HEAD")
    assert code == 1 and len(found) == 1
    assert "deletes the ApplicationSet modelops-staging" in found[0]["message"]
    assert (found[0]["file"], found[0]["field"]) == (STAGING, "spec.gitops.applicationSet")
    assert _findings(example_repo, run, "--base", safe)[1] == []  # its Applications carry no finalizer


def test_the_switch_finding_can_be_waived_for_its_environment(example_repo: Path, base: str, run: Runner) -> None:
    _switch(example_repo, run, SWITCH)
    waivers = example_repo / "policies/waivers.yaml"
    waivers.write_text(
        waivers.read_text()
        + "  - rule: MO-ENV-004\n    environment: staging\n    reason: staging runs nothing anyone uses yet\n"
        "    owner: platform@example.com\n    expires: \"2030-01-01\"\n"
    )
    code, found = _findings(example_repo, run, "--base", "main")
    assert code == 0
    assert [d["severity"] for d in found] == ["info"]
