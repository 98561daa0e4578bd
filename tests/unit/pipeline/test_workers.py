"""Worker processes: the same bytes and the same errors as rendering in one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import TemplateError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.pipeline.cache import RenderCache
from tests.conftest import write
from tests.render_helpers import files_and_findings


def build(repo: Path, store: RenderCache | None) -> compose.Build:
    return compose.build(WorkTree(repo), cache=store)


def test_worker_processes_render_the_same_bytes_and_errors(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELOPS_JOBS", "1")
    serial = files_and_findings(build(example, None))
    monkeypatch.setenv("MODELOPS_JOBS", "2")
    assert files_and_findings(build(example, None)) == serial

    write(
        example / "templates/release/broken.yaml.j2", "{% if release.name == 'llama3-8b-chat' %}{{ nope }}{% endif %}\n"
    )
    errors = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("MODELOPS_JOBS", jobs)
        with pytest.raises(TemplateError) as caught:
            build(example, None)
        errors[jobs] = [d.format() for d in caught.value.diagnostics]
    assert errors["1"] == errors["2"] and "templates/release/broken.yaml.j2:1" in errors["1"][0]
