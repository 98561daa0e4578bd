"""The rendered tree: deterministic bytes, one manifest per unit, objects keyed by kind and name."""

from __future__ import annotations

from pathlib import Path

from generator.inputs import yamlio
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
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
    objects = rendered(example)
    assert "rendered/dev/llama3-8b-chat/deployment-llama3-8b-chat" in objects
    assert "rendered/prod/_argocd/application-llama3-8b-chat-prod" in objects
    assert "rendered/prod/_argocd/appproject-modelops-prod" in objects
    for key, data in objects.items():
        obj = yamlio.load(data, key).data  # each object's text is one document
        assert key.rsplit("/", 1)[1] == f"{obj['kind'].lower()}-{obj['metadata']['name']}"
        assert list(obj)[:3] == ["apiVersion", "kind", "metadata"]


def test_one_manifest_per_unit_holds_its_objects_in_key_order(example: Path) -> None:
    tree = compose.build(WorkTree(example)).tree
    files = tree.files()
    manifests = [p for p in files if p.endswith(".yaml")]
    assert all(p.endswith("/manifest.yaml") for p in manifests)
    # A release in an environment, or an environment's _argocd or _shared.
    assert len(manifests) == len({(o.environment, o.release or o.path.split("/")[2]) for o in tree.objects.values()})
    for path in manifests:
        docs = yamlio.load_all(files[path], path)
        mine = [o for key, o in sorted(tree.objects.items()) if o.path == path]
        assert [d.data for d in docs if isinstance(d, yamlio.Document)] == [o.obj for o in mine]
        text = files[path].decode()
        assert text.startswith("---\n") and text.count("\n---\n") == len(mine) - 1
        for o in mine:  # each object knows the line it starts on in its manifest
            assert text.splitlines()[o.offset - 1] == "---"
            assert text.splitlines()[o.offset] == o.text.splitlines()[0]
