"""The fetcher image's Dockerfile, read statically (no docker here): what the rendered init container assumes
of it (non-root numeric user, `modelops` as entrypoint, HOME and TMPDIR on the /tmp emptyDir, nothing
written at run time) and that its build context holds everything the wheel is built from."""

from __future__ import annotations

import json
import shlex
import tomllib

from tests.conftest import PROJECT
from tests.render_helpers import example, obj, pod

Instruction = tuple[str, str]


def _instructions() -> list[Instruction]:
    text = (PROJECT / "Dockerfile").read_text(encoding="utf-8")
    logical = text.replace("\\\n", " ")
    out = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _stages() -> list[list[Instruction]]:
    stages: list[list[Instruction]] = []
    for keyword, rest in _instructions():
        if keyword == "FROM":
            stages.append([])
        stages[-1].append((keyword, rest))
    return stages


def _env(stage: list[Instruction]) -> dict[str, str]:
    found = {}
    for keyword, rest in stage:
        if keyword == "ENV":
            found.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
    return found


def test_a_slim_multi_stage_build_whose_final_stage_only_copies_the_installed_tool() -> None:
    build, final = _stages()
    assert build[0][1].startswith("python:") and build[0][1].endswith(" AS build")
    assert final[0] == ("FROM", build[0][1].removesuffix(" AS build"))
    assert "-slim" in final[0][1]
    assert any(k == "RUN" and "pip install '.[fetch]'" in r for k, r in build)
    assert "fetch" in tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert [r for k, r in final if k == "COPY"] == ["--from=build /opt/modelops /opt/modelops"]
    assert not [k for k, _ in final if k == "RUN"]


def test_it_runs_as_a_numeric_non_root_user_with_modelops_as_entrypoint() -> None:
    final = _stages()[-1]
    [user] = [r for k, r in final if k == "USER"]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) > 0 and gid.isdigit() and int(gid) > 0  # runAsNonRoot checks a numeric uid
    [entrypoint] = [r for k, r in final if k == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["modelops"]  # exec form: no shell at run time
    init = pod(obj(example(), "prod", "llama3-8b-chat", "Rollout"))["initContainers"][0]
    assert init["command"][0] == "modelops"
    scripts = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["modelops"] == "generator.cli.main:main"


def test_it_writes_only_to_the_volumes_the_init_container_mounts() -> None:
    env = _env(_stages()[-1])
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # the .pyc files were compiled at build time
    assert env["HOME"] == env["TMPDIR"] == "/tmp"
    assert env["PATH"].split(":")[0] == "/opt/modelops/bin"
    init = pod(obj(example(), "prod", "llama3-8b-chat", "Rollout"))["initContainers"][0]
    assert init["securityContext"]["readOnlyRootFilesystem"] is True
    assert "/tmp" in {m["mountPath"] for m in init["volumeMounts"]}


def test_the_build_context_holds_what_the_wheel_is_built_from() -> None:
    build = _stages()[0]
    # COPY SRC... DEST: every word but the last is a path of the context.
    copied = {src.rstrip("/") for k, r in build if k == "COPY" for src in shlex.split(r)[:-1]}
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    needed = {"pyproject.toml", pyproject["project"]["readme"], "generator"}
    needed |= set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"])
    assert needed <= copied
    for source in copied:
        assert (PROJECT / source).exists(), source
    ignore = (PROJECT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "**" in ignore and {f"!{s}" for s in copied} <= {line.rstrip("/") for line in ignore}
