"""Where each effective value came from: the rows of `modelops explain`, for every release and environment."""

from __future__ import annotations

from typing import Any

from generator.inputs import origins, resolve, spec
from generator.inputs.sources import WorkTree
from tests.conftest import PROJECT


def _rebuild(rows: list[origins.Row]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in rows:
        node = out
        for key in row.path[:-1]:
            node = node.setdefault(key, {})
        node[row.path[-1]] = row.value
    return out


def test_rows_cover_the_effective_spec_and_point_at_their_key() -> None:
    """For every release and environment: the rows rebuild the effective spec, each on a line naming its key."""
    inputs = spec.load_inputs(WorkTree(PROJECT))
    for resolved in resolve.resolve_all(inputs):
        rows = origins.explain(resolved)
        assert _rebuild(rows) == resolved.spec, (resolved.name, resolved.env.name)
        for row in rows:
            file = PROJECT / row.location.file
            line = file.read_text(encoding="utf-8").splitlines()[row.location.line - 1]
            assert f"{row.path[-1]}:" in line, (resolved.name, resolved.env.name, row.field, row.place)
