"""The rendered tree: deterministic bytes, one object per file, named by kind and name."""

from __future__ import annotations

from pathlib import Path

from generator.inputs import yamlio
from tests.render_helpers import rendered

LLAMA = "releases/llama3-8b-chat.yaml"


def test_same_input_same_bytes(example: Path, tmp_path: Path) -> None:
    first = rendered(example)
    second = rendered(example)
    assert first == second
    assert all(data.endswith(b"\n") and b"\r" not in data for data in first.values())
    # Reordering keys in a spec changes nothing in the output.
    text = (example / LLAMA).read_text()
    reordered = text.replace('    cpu: "4"\n    memory: 32Gi\n', '    memory: 32Gi\n    cpu: "4"\n')
    assert reordered != text
    (example / LLAMA).write_text(reordered)
    assert rendered(example) == first


def test_file_layout_and_names(example: Path) -> None:
    files = rendered(example)
    assert "rendered/dev/llama3-8b-chat/deployment-llama3-8b-chat.yaml" in files
    assert "rendered/prod/_argocd/application-llama3-8b-chat-prod.yaml" in files
    assert "rendered/prod/_argocd/appproject-modelops-prod.yaml" in files
    for path, data in files.items():
        obj = yamlio.load(data, path).data  # exactly one document per file
        assert path.rsplit("/", 1)[1] == f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
        assert list(obj)[:3] == ["apiVersion", "kind", "metadata"]
