"""Loading specs and environments: every bad input is one clear line naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import InputError
from generator.inputs import spec
from generator.inputs.sources import WorkTree
from tests.conftest import edit, write

LLAMA = "releases/llama3-8b-chat.yaml"


def errors(repo: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        spec.load_inputs(WorkTree(repo))
    return [d.format() for d in info.value.diagnostics]


def test_example_loads_in_promotion_order(example: Path) -> None:
    inputs = spec.load_inputs(WorkTree(example))
    assert list(inputs.environments) == ["dev", "staging", "prod"]
    assert [e.depth for e in inputs.environments.values()] == [0, 1, 2]
    assert "llama3-8b-chat" in inputs.releases


def test_unknown_field_suggests_the_right_one(example: Path) -> None:
    edit(example / LLAMA, "    minReplicas: 1\n    maxReplicas: 3", "    minReplica: 1\n    maxReplicas: 3")
    assert errors(example) == [
        f'{LLAMA}:36:5: spec.scaling.minReplica: unknown field "minReplica" (did you mean "minReplicas"?)'
    ]


def test_wrong_type_tells_how_to_fix_it(example: Path) -> None:
    edit(example / LLAMA, 'cpu: "4"', "cpu: 4")
    assert errors(example) == [f'{LLAMA}:30:5: spec.resources.cpu: expected a string; write it in quotes: "4"']


def test_missing_required_field_points_at_its_parent(example: Path) -> None:
    edit(example / LLAMA, "      digest: sha256:699d88c83fa006cba4f3c7b2aae94bb5bea48b80f8f0892e66e92d3a9246d3db\n", "")
    assert errors(example) == [f"{LLAMA}:14:5: spec.model.artifact.digest: missing required field"]


def test_unknown_environment_in_a_release(example: Path) -> None:
    edit(example / LLAMA, "    dev: {}\n", "    dev: {}\n    qa: {}\n")
    assert errors(example) == [
        f"{LLAMA}:46:5: spec.environments.qa: unknown environment 'qa'; environments/ defines: dev, staging, prod"
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Llama3", 'invalid value "Llama3": DNS-1035 label'),
        ("llama_3", 'invalid value "llama_3": DNS-1035 label'),
        ("../../etc", 'invalid value "../../etc": DNS-1035 label'),
        ("a" * 41, "is 41 characters long; maximum is 40"),
    ],
)
def test_release_names_must_be_dns_labels(example: Path, name: str, message: str) -> None:
    edit(example / LLAMA, "  name: llama3-8b-chat", f"  name: {name}")
    (found,) = errors(example)
    assert found.startswith(f"{LLAMA}:5:3: metadata.name: ")
    assert message in found


def test_name_must_match_the_file(example: Path) -> None:
    edit(example / LLAMA, "  name: llama3-8b-chat", "  name: other-name")
    assert errors(example) == [
        f"{LLAMA}:5:3: metadata.name: name 'other-name' must match the file name 'llama3-8b-chat'"
    ]


def test_duplicate_release_names(example: Path) -> None:
    (example / "releases/llama3-8b-chat.yml").write_bytes((example / LLAMA).read_bytes())
    assert errors(example) == [
        f"releases/llama3-8b-chat.yml: release 'llama3-8b-chat' is also defined in {LLAMA}; release names (file "
        "names without the extension) must be unique across releases/ and its folders"
    ]


def test_every_broken_file_is_reported_in_one_run(example: Path) -> None:
    edit(example / LLAMA, "kind: ModelRelease", "kind: ModelReleas")
    write(example / "releases/broken.yaml", "apiVersion: [\n")
    found = errors(example)
    assert len(found) == 2
    assert found[0].startswith("releases/broken.yaml:2:1: invalid YAML")
    assert found[1] == f'{LLAMA}:3:1: kind: expected "ModelRelease", got "ModelReleas"'


def test_environment_problems(example: Path) -> None:
    edit(example / "environments/prod.yaml", 'kubernetesVersion: "1.30"', 'kubernetesVersion: "1.99"')
    edit(
        example / "environments/dev.yaml",
        "  namespace: models-dev\n",
        "  namespace: models-dev\n  promotion:\n    from: prod\n",
    )
    found = errors(example)
    assert found == [
        "environments/dev.yaml:30:5: spec.promotion.from: promotion order has a cycle: dev -> prod -> staging -> dev",
        "environments/prod.yaml:31:3: spec.kubernetesVersion: Kubernetes 1.99 has no bundled schemas; "
        "supported: 1.25 to 1.37",
    ]


def test_kubernetes_version_must_be_quoted(example: Path) -> None:
    edit(example / "environments/prod.yaml", 'kubernetesVersion: "1.30"', "kubernetesVersion: 1.30")
    assert errors(example) == [
        'environments/prod.yaml:31:3: spec.kubernetesVersion: expected a string; write it in quotes: "1.30"'
    ]
