"""A repository template that fails as it renders: a finding at its file and line, the same in worker
processes as in one, nothing written, and the next run unaffected (bad templates are in tests/corpus/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.render import sandbox
from tests.conftest import Runner, files_under, modelops_subprocess, write

CONFIGMAP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ names.workload ~ '-extra' }}\n"
    "  namespace: {{ env.namespace }}\ndata:\n"
)
FAILING = {
    "recursion": (
        "{% include 'release/extra.yaml.j2' %}\n",
        "templates/release/extra.yaml.j2:1: templates nest too deeply",
    ),
    "memory": (
        CONFIGMAP + "  wide: {{ 'x' | center(10**15) }}\n",
        "templates/release/extra.yaml.j2:7: template ran out of memory",
    ),
    "limit": (
        CONFIGMAP + "  big: {{ 2 ** 100000 }}\n",
        "templates/release/extra.yaml.j2:7: 2 ** 100000 has more than",
    ),
    "document": (
        CONFIGMAP.replace("apiVersion: v1\n", "") + "  a: b\n",
        "templates/release/extra.yaml.j2:1: document 1 of the output is not a Kubernetes object: it has no apiVersion",
    ),
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_worker_processes_report_the_same_finding_and_survive(example: Path, case: str) -> None:
    template, expected = FAILING[case]
    write(example / "templates/release/extra.yaml.j2", template)
    before = files_under(example)
    results = {}
    for jobs in ("1", "2"):
        done = modelops_subprocess(example, "render", env={"MODELOPS_JOBS": jobs, "MODELOPS_NO_CACHE": "1"})
        assert done.returncode == 1, done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
        results[jobs] = done.stderr
    assert results["1"] == results["2"]
    assert f"{expected}" in results["1"]
    assert "(rendering release bge-embeddings) (in dev) [template]" in results["1"]
    assert files_under(example) == before


def test_a_failed_run_leaves_no_state_behind(example: Path) -> None:
    """The budget and the call depth belong to one run: a render after a refused one is whole."""
    good = compose.build(WorkTree(example), cache=None).tree.files()
    write(example / "templates/release/extra.yaml.j2", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}\n")
    with pytest.raises(Exception, match="macro calls nest"):
        compose.build(WorkTree(example), cache=None)
    (example / "templates/release/extra.yaml.j2").unlink()
    assert compose.build(WorkTree(example), cache=None).tree.files() == good


def test_limits_leave_room_for_ordinary_templates(example: Path, run: Runner) -> None:
    write(
        example / "templates/release/extra.yaml.j2",
        CONFIGMAP
        + "{% macro deep(n) %}{% if n %}{% set _ = deep(n - 1) %}{% endif %}{% endmacro %}\n"
        + "{% set _ = deep(" + str(sandbox.MAX_CALL_DEPTH - 1) + ") %}\n"
        + "  depth: bottom\n"
        + "  wide: {{ 'x' * 1000 }}\n"
        + "  power: {{ (2 ** 62) | string }}\n"
        + "{% for i in range(3) %}{% for j in range(3) %}\n"
        + "  {{ 'cell' ~ i ~ j }}: {{ (i * j) | string }}\n"
        + "{% endfor %}{% endfor %}\n",
    )
    result = run(example, "render")
    assert result.exit_code == 0, result.err
    text = (example / "rendered/dev/bge-embeddings/manifest.yaml").read_text(encoding="utf-8")
    assert "  depth: bottom\n" in text and f"  power: \"{2**62}\"\n" in text and "  cell22: \"4\"\n" in text
