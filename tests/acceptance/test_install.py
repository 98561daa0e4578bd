"""The generated workflow's install step, run as written on a tagged clone of this project, in a fresh venv.

Nothing comes from the internet: pip resolves the dependencies (and the build backend) from the
package index this machine configures, and the project itself from `git+file://` a clone whose
tag is the one the workflow pins. The full install takes about a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from generator import __version__, distribution
from tests.conftest import PROJECT, git

WORKFLOW = yaml.safe_load((PROJECT / "examples/github-actions/modelops.yml").read_text(encoding="utf-8"))


def install_step(job: str) -> str:
    (script,) = [s["run"] for s in WORKFLOW["jobs"][job]["steps"] if "pip install" in s.get("run", "")]
    return str(script)


def test_the_publish_job_installs_this_version_from_the_repository() -> None:
    assert install_step("publish") == f'python -m pip install "{distribution.pip_requirement()}"'


def test_the_install_step_works_from_a_local_clone(
    hook_repo: tuple[Path, str], pip_cache: Path, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    git(tmp_path, "clone", "-q", str(hook_repo[0]), str(source))
    git(source, "tag", distribution.tag())
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    script = install_step("publish").replace(distribution.REPOSITORY, source.as_uri())
    assert re.search(rf"git\+file://\S+@v{re.escape(__version__)}\"$", script)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "PIP_CACHE_DIR": str(pip_cache)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    version = subprocess.run([str(venv / "bin/modelops"), "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"modelops, version {__version__}"
    # The installed copy, not this checkout, answered: the wheel carries its templates and policies.
    located = subprocess.run(
        [str(venv / "bin/python"), "-c", "from generator import builtin; print(builtin.shipped('templates'))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert located.stdout.strip().startswith(str(venv)), located.stdout + located.stderr
