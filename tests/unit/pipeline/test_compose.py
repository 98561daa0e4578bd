"""Properties over generated specs: every runtime, strategy and override combination renders, validates,
is deterministic and re-renders as a no-op; arbitrary values and bytes never end in a traceback."""

from __future__ import annotations

import copy
import datetime
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.inputs import yamlio
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.repo import writer
from tests.conftest import PROJECT, copy_example, write

BASES = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((PROJECT / "releases").glob("*.yaml"))}
# A fixed day keeps waiver expiry out of the properties.
TODAY = datetime.date(2026, 11, 25)
PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE = st.sampled_from(
    ["x\n---\nkind: Secret", "a: b", "{{ 7 * 7 }}", "{% raw %}", "# not a comment", "*alias", "&anchor", "'\"\\", ""]
)
FREE_TEXT = HOSTILE | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


def _runtime(base: dict[str, Any]) -> str:
    return base["spec"]["runtime"]["kind"]


def _gpus(base: dict[str, Any]) -> int:
    return base["spec"]["resources"].get("gpu", {}).get("count", 0)


# GPUs a generated release may use at a rollout's peak, beside the example's other releases:
# H100s (4-GPU pods) only it uses, L4s it shares with releases that need up to half of them.
_ALLOWANCE = {4: {"dev": 8, "staging": 16, "prod": 32}, 1: {"dev": 4, "staging": 4, "prod": 8}}


def _top(gpus: int, env: str, doubles: bool) -> int:
    """The most max replicas whose rollout peak (twice the pods, or a 25% surge) fits the allowance."""
    if not gpus:
        return 6
    allowance = _ALLOWANCE[4 if gpus >= 4 else 1][env]
    top = 1
    while gpus * (2 * (top + 1) if doubles else top + 1 + -(-(top + 1) // 4)) <= allowance:
        top += 1
    return top


@st.composite
def environment_block(draw: st.DrawFn, base: dict[str, Any], env: str) -> dict[str, Any]:
    runtime = _runtime(base)
    choices = ["rolling", "canary", "blue-green"]
    if runtime == "kserve":  # a KServe canary needs Serverless, which only prod declares
        choices = ["rolling", "canary"] if env == "prod" else ["rolling"]
    if env == "prod":  # prod requires a progressive strategy and two replicas (policies)
        choices = [c for c in choices if c != "rolling"]
    strategy = draw(st.sampled_from(choices))
    low = 2 if env == "prod" else 1
    # 4-GPU pods: at most 2 replicas (the per-release GPU budget, MO-RES-003), fewer where a rollout's peak must fit.
    top = min(
        2 if _gpus(base) >= 4 else 6, _top(_gpus(base), env, doubles=strategy == "blue-green" or runtime == "kserve")
    )
    minimum = draw(st.integers(low, max(low, top - 1)))
    maximum = draw(st.integers(minimum, max(minimum, top)))
    rollout: dict[str, Any] = {"strategy": strategy}
    if strategy == "canary":
        if runtime == "kserve":
            rollout["canary"] = {"trafficPercent": draw(st.integers(1, 99)), "inProgress": draw(st.booleans())}
        elif draw(st.booleans()):
            weights = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=3)))
            steps: list[dict[str, Any]] = []
            for weight in weights:
                steps += [{"setWeight": weight}, {"pause": {"duration": f"{draw(st.integers(1, 30))}m"}}]
            rollout["canary"] = {"steps": steps}
    block: dict[str, Any] = {"scaling": {"minReplicas": minimum, "maxReplicas": maximum}, "rollout": rollout}
    if draw(st.booleans()):
        block["resources"] = {"memory": f"{draw(st.integers(4, 64))}Gi"}
    return block


@st.composite
def valid_release(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(BASES)))
    spec = copy.deepcopy(BASES[name])
    spec["spec"]["rollout"] = {"strategy": "rolling"}
    spec["spec"].pop("scaling", None) if draw(st.booleans()) and not _gpus(spec) else None
    envs = draw(st.sets(st.sampled_from(["dev", "staging", "prod"]), min_size=1))
    spec["spec"]["environments"] = {env: draw(environment_block(spec, env)) for env in sorted(envs)}
    if _runtime(spec) != "kserve":
        extra = {"name": "MODEL_NOTE", "value": draw(FREE_TEXT)}
        spec["spec"]["runtime"]["env"] = [*spec["spec"]["runtime"].get("env", []), extra]
    return spec


def _repo(root: Path, release: dict[str, Any]) -> Path:
    copy_example(root, ("environments", "policies"))
    name = release["metadata"]["name"]
    write(root / f"releases/{name}.yaml", yaml.safe_dump(release, sort_keys=False, allow_unicode=True))
    return root


@PROPERTY_SETTINGS
@given(valid_release())
def test_valid_specs_render_validate_and_rerender_as_a_no_op(release: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = _repo(Path(tmp), release)
        built = compose.build(WorkTree(root))
        report = compose.validate(built, TODAY)
        assert not report.failed(), [d.format() for d in report.diagnostics()]
        files = built.tree.files()
        assert compose.build(WorkTree(root)).tree.files() == files
        writer.write(root, built.tree)
        assert writer.plan(root, compose.build(WorkTree(root)).tree).empty
        documents = [
            doc.data
            for path, data in files.items()
            if path.endswith(".yaml")  # each release's modelops.metadata is JSON, not a manifest
            for doc in yamlio.load_all(data, path)
            if isinstance(doc, yamlio.Document)
        ]
        assert len(documents) == len(built.tree.objects) and all(d["kind"] for d in documents)
        note = next((e["value"] for e in release["spec"]["runtime"].get("env", []) if e["name"] == "MODEL_NOTE"), None)
        if note is not None:
            workloads = [d for d in documents if d["kind"] in ("Deployment", "Rollout")]
            for obj in workloads:
                env = obj["spec"]["template"]["spec"]["containers"][0]["env"]
                assert {"name": "MODEL_NOTE", "value": note} in env  # literal: no template or YAML injection


SPEC_PATHS = [
    ("metadata", "name"),
    ("metadata", "owner"),
    ("spec", "model", "version"),
    ("spec", "model", "artifact", "digest"),
    ("spec", "runtime", "kind"),
    ("spec", "runtime", "image"),
    ("spec", "runtime", "args"),
    ("spec", "resources", "cpu"),
    ("spec", "resources", "memory"),
    ("spec", "resources", "gpu", "count"),
    ("spec", "scaling", "minReplicas"),
    ("spec", "scaling", "metric"),
    ("spec", "rollout"),
    ("spec", "environments"),
    ("spec", "environments", "prod"),
]
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | FREE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(FREE_TEXT, children, max_size=3),
    max_leaves=8,
)


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node.get(key), dict) or key not in node else {}
    node[path[-1]] = value


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(BASES)), st.sampled_from(SPEC_PATHS), ANY_VALUE)
def test_any_value_in_any_field_is_a_finding_not_a_crash(name: str, path: tuple[str, ...], value: Any) -> None:
    release = copy.deepcopy(BASES[name])
    _set(release, path, value)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        copy_example(root, ("environments", "policies"))
        write(root / f"releases/{name}.yaml", yaml.safe_dump(release, sort_keys=False, allow_unicode=True))
        built, report = compose.evaluate(WorkTree(root))  # raises only on a bug
        if built is None:
            assert report.failed() and all(d.location for d in report.diagnostics())


@PROPERTY_SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_any_bytes_as_a_release_file_is_a_finding_not_a_crash(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        copy_example(root, ("environments", "policies"))
        (root / "releases").mkdir()
        (root / "releases/anything.yaml").write_bytes(raw)
        built, report = compose.evaluate(WorkTree(root))
        assert built is None and report.failed()
        assert all(d.location and d.location.file == "releases/anything.yaml" for d in report.diagnostics())
