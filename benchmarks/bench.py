"""Speed of modelops on a synthetic repository, and of the peer kubernetes-validate on the same manifests.

    python benchmarks/bench.py                    # 100 releases x 3 environments
    python benchmarks/bench.py --releases 1000    # the large case
    python benchmarks/bench.py --releases 100 --releases 1000 --json results.json
    python benchmarks/bench.py --releases 1000 --kapitan /tmp/kapvenv/bin/kapitan   # and the peer Kapitan

Each synthetic release is a copy of one of the example releases under a new name, so the
mix of runtimes (vLLM, Triton, TorchServe, TF Serving, KServe) and strategies (rolling,
canary, blue-green) is that of the example repository.  Every figure is the median of
--repeat runs, wall-clock seconds on this machine; CLI figures include interpreter start-up.
Prints a table, writes JSON, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parent.parent
CORE_KINDS = ("deployment", "service", "horizontalpodautoscaler", "poddisruptionbudget", "networkpolicy",
              "serviceaccount", "configmap")  # fmt: skip
PEER_SAMPLE = 1200  # kubernetes-validate takes ~17 ms a file: a sample keeps the run short
PEER_VERSION = "1.31"


WAIVERS_PER_FILE = 400  # a policy file is an input and has its 512 KiB limit: copies' waivers go in several


def make_repo(root: Path, releases: int) -> Path:
    for name in ("environments", "releases", "policies"):
        shutil.copytree(PROJECT / name, root / name)
    examples = sorted((root / "releases").glob("*.yaml"))
    yaml = YAML()
    originals = yaml.load(root / "policies/waivers.yaml")
    copies = []
    for i in range(max(0, releases - len(examples))):
        source = examples[i % len(examples)]
        name = f"{source.stem[:30]}-{i:04d}"
        text = source.read_text().replace(f"name: {source.stem}\n", f"name: {name}\n", 1)
        (root / "releases" / f"{name}.yaml").write_text(text)
        # A copy inherits its original's waivers, so the copies validate like the examples; the
        # environment-wide ones (no release: the example's placeholders) already cover every copy.
        copies += [{**w, "release": name} for w in originals["waivers"] if w.get("release") == source.stem]
    for start in range(0, len(copies), WAIVERS_PER_FILE):
        number = start // WAIVERS_PER_FILE + 1
        listing = {
            "apiVersion": originals["apiVersion"],
            "kind": "WaiverList",
            "metadata": {"name": f"copies-{number:03d}"},
            "waivers": copies[start : start + WAIVERS_PER_FILE],
        }
        yaml.dump(listing, root / f"policies/waivers-copies-{number:03d}.yaml")
    # GPU capacity grows with the fleet, so the capacity check passes.
    for env in (root / "environments").glob("*.yaml"):
        text = env.read_text()
        for capacity in ("capacity: 8", "capacity: 16", "capacity: 32"):
            text = text.replace(capacity, f"capacity: {int(capacity.split()[1]) * max(1, releases)}")
        env.write_text(text)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "specs"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    return root


def median(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> float:
    samples = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def command(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """(seconds, peak RSS in MiB) of one process; it must succeed."""
    with tempfile.TemporaryFile() as errors:  # not a pipe: a long error report would block the child
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(args[:4])} ... failed: {errors.read().decode()[-4000:]}")
    return elapsed, usage.ru_maxrss // 1024


def command_median(
    args: list[str], env: dict[str, str], cwd: Path, repeat: int, before: Any = None
) -> tuple[float, int]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(command(args, env, cwd))
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def toggle_one_release(repo: Path) -> None:
    """A real edit of one spec (its maxReplicas), alternating so every run changes something, committed
    as its author would (`modelops commit` refuses uncommitted specs)."""
    spec = repo / "releases/bge-embeddings.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("maxReplicas: 4\n", "maxReplicas: 5\n") if "maxReplicas: 4\n" in text
                    else text.replace("maxReplicas: 5\n", "maxReplicas: 4\n"))  # fmt: skip
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qam", "replicas"]
    subprocess.run(git, cwd=repo, check=True, capture_output=True)


def core_sample(repo: Path) -> list[Path]:
    """Core-kind objects taken out of the units' manifests, one file each (what both checkers read)."""
    import yaml

    sample = repo / "bench-sample"
    shutil.rmtree(sample, ignore_errors=True)
    sample.mkdir()
    docs = [
        text
        for path in sorted((repo / "rendered").rglob("manifest.yaml"))
        for text in path.read_text().split("---\n")
        if text and yaml.load(text, Loader=yaml.CSafeLoader)["kind"].lower() in CORE_KINDS
    ]
    step = max(1, len(docs) // PEER_SAMPLE)
    files = []
    for i, text in enumerate(docs[::step][:PEER_SAMPLE]):
        files.append(sample / f"{i:05d}.yaml")
        files[-1].write_text(text)
    return files


def peer_comparison(repo: Path, env: dict[str, str], repeat: int) -> dict[str, Any]:
    """kubernetes-validate and modelops on the same files, same version, strict: CLI and Python API."""
    import kubernetes_validate
    import yaml

    from generator.schemas import lookup

    files = core_sample(repo)
    rel = [str(p.relative_to(repo)) for p in files]
    ours_cli = command_median(
        ["modelops", "validate", "--strict", "--kubernetes-version", PEER_VERSION, *rel], env, repo, repeat
    )[0]
    peer_cli = command_median(
        ["kubernetes-validate", "--strict", "--quiet", "-k", f"{PEER_VERSION}.0", *rel], env, repo, 1
    )[0]
    objects = [yaml.load(p.read_text(), Loader=yaml.CSafeLoader) for p in files]
    lookup.rendered(PEER_VERSION).validate(objects[0])  # compile outside the timing, as the peer caches too
    ours_api = median(lambda: [lookup.rendered(PEER_VERSION).validate(o) for o in objects], repeat)
    peer_api = median(lambda: [kubernetes_validate.validate(o, f"{PEER_VERSION}.0", strict=True) for o in objects], 1)
    return {
        "files": len(files),
        "kubernetes_version": PEER_VERSION,
        "peer": f"kubernetes-validate {kubernetes_validate.__version__}",
        "cli_seconds": {"modelops": ours_cli, "peer": peer_cli, "ratio": peer_cli / ours_cli},
        "api_seconds": {"modelops": ours_api, "peer": peer_api, "ratio": peer_api / ours_api},
    }


GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@example.com"}  # fmt: skip


def _cold_copy(repo: Path, where: Path, env: dict[str, str]) -> tuple[dict[str, str], Path]:
    """A clone of the specs' commit with a render cache of its own: no rendered/, cache or index.  A new
    directory each time, and nothing deleted before the timed run: on this disk, creating files right
    after deleting thousands costs up to ten times as much (writing 9,012 files: 0.3 s fresh, 2.6 s just
    after removing the last run's), which no user's first render pays."""
    subprocess.run(["git", "clone", "-q", str(repo), str(where)], check=True)
    return {**env, "MODELOPS_CACHE_DIR": f"{where}.cache"}, where


def _validate_paths(repo: Path, env: dict[str, str]) -> dict[str, Any]:
    """`modelops validate rendered/` (the kubeconform mode) in one process: resources per second."""
    args = ["modelops", "validate", "--summary", "rendered"]
    proc = subprocess.run(args, cwd=repo, env={**env, "MODELOPS_JOBS": "1"}, capture_output=True, text=True)
    resources = int(proc.stdout.split("Summary: ")[1].split()[0])
    seconds = command(args, {**env, "MODELOPS_JOBS": "1"}, repo)[0]
    return {"resources": resources, "seconds": seconds, "per_second": resources / seconds}


def bench(releases: int, repeat: int, kapitan: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "gitops", releases)
        cache_dir = Path(tmp) / "cache"
        # Bytecode caching on, as an installed package has it (this machine's shells turn it off).
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELOPS_NO_CACHE")}
        env.update({"MODELOPS_CACHE_DIR": str(cache_dir), "NO_COLOR": "1", **GIT_ENV})
        render, commit = ["modelops", "render", "-q"], ["modelops", "commit", "-q", "-m", "bench"]
        cold_runs = [command(render, *_cold_copy(repo, Path(tmp) / f"cold-{i}", env)) for i in range(repeat)]
        cold, cold_rss = statistics.median(r[0] for r in cold_runs), max(r[1] for r in cold_runs)
        first_commit, _ = command(commit, env, repo)  # the repository has never been rendered: cold too
        files = subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD", "rendered"], cwd=repo,
                               capture_output=True, text=True).stdout.count("\n")  # fmt: skip
        command(render, env, repo)  # stamps taken, racily clean files read once more
        time.sleep(2.5)  # ... and older than the index: from here on stat data answers
        command(render, env, repo)
        noop = {name: command_median(["modelops", name, *extra], env, repo, repeat)[0]
                for name, extra in (("render", ["-q"]), ("check", []), ("validate", ["-q"]))}  # fmt: skip
        change, change_rss = command_median(commit, env, repo, repeat, before=lambda: toggle_one_release(repo))
        diff = command_median(["modelops", "diff", "--base", "HEAD~1"], env, repo, repeat)[0]
        lint = command_median(["modelops", "lint", "releases/bge-embeddings.yaml"], env, repo, max(5, repeat))[0]
        clone_env = {**env, "MODELOPS_CACHE_DIR": str(Path(tmp) / "clone-cache")}
        fresh: dict[str, float] = {}
        for name, args in (("check", ["modelops", "check"]), ("validate", ["modelops", "validate", "-q"]),
                           ("render", render)):  # fmt: skip
            clone = Path(tmp) / f"clone-{name}"  # each command the first in its own clone: no index, no cache
            subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
            fresh[name] = command(args, clone_env, clone)[0]
        clone_first = fresh["render"]
        clone = Path(tmp) / "clone-commit"
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        toggle_one_release(clone)
        clone_change = command(commit, clone_env, clone)[0]
        paths = _validate_paths(repo, env)
        peer = peer_comparison(repo, env, repeat)
        kapitan_s = None
        if kapitan:
            from kapitan_peer import compile_seconds, project

            targets = project(repo, Path(tmp) / "kapitan")
            kapitan_s = {"targets": targets, "seconds": compile_seconds(Path(tmp) / "kapitan", kapitan)}
    return {
        "releases": releases,
        "environments": 3,
        "files": files,
        "cold_render_cli_seconds": cold,
        "cold_render_cli_peak_rss_mib": cold_rss,
        "cold_render_validate_commit_cli_seconds": first_commit,
        "no_change_cli_seconds": noop,
        "one_release_change_commit_cli_seconds": change,
        "one_release_change_peak_rss_mib": change_rss,
        "diff_base_after_one_change_cli_seconds": diff,
        "lint_one_spec_cli_seconds": lint,
        "fresh_clone_first_render_cli_seconds": clone_first,
        "fresh_clone_first_cli_seconds": fresh,
        "fresh_clone_one_change_commit_cli_seconds": clone_change,
        "validate_paths": paths,
        "peer": peer,
        "kapitan": kapitan_s,
    }


ROWS = [
    ("rendered files (committed)", lambda r: f"{r['files']}"),
    ("cold `render` (CLI; no cache, rendered/ or index)", lambda r: f"{r['cold_render_cli_seconds']:.2f} s"),
    ("  peak RSS", lambda r: f"{r['cold_render_cli_peak_rss_mib']} MiB"),
    ("cold render + validate + commit (`commit`)", lambda r: f"{r['cold_render_validate_commit_cli_seconds']:.2f} s"),
    ("no change: `render`", lambda r: f"{r['no_change_cli_seconds']['render']:.2f} s"),
    ("no change: `check`", lambda r: f"{r['no_change_cli_seconds']['check']:.2f} s"),
    ("no change: `validate`", lambda r: f"{r['no_change_cli_seconds']['validate']:.2f} s"),
    ("one-release change: render + validate + commit", lambda r: f"{r['one_release_change_commit_cli_seconds']:.2f} s"),
    ("  peak RSS", lambda r: f"{r['one_release_change_peak_rss_mib']} MiB"),
    ("`diff --base HEAD~1` after it", lambda r: f"{r['diff_base_after_one_change_cli_seconds']:.2f} s"),
    ("pre-commit `lint ONE_SPEC`", lambda r: f"{r['lint_one_spec_cli_seconds']:.2f} s"),
    ("fresh clone: first `render` (no index)", lambda r: f"{r['fresh_clone_first_render_cli_seconds']:.2f} s"),
    ("fresh clone: first `check`", lambda r: f"{r['fresh_clone_first_cli_seconds']['check']:.2f} s"),
    ("fresh clone: first `validate`", lambda r: f"{r['fresh_clone_first_cli_seconds']['validate']:.2f} s"),
    ("fresh clone: one-release change `commit`", lambda r: f"{r['fresh_clone_one_change_commit_cli_seconds']:.2f} s"),
    ("`validate rendered/` (kubeconform mode), 1 process", lambda r: _paths(r["validate_paths"])),
    ("schemas vs kubernetes-validate, API (x faster)", lambda r: _ratio(r["peer"], "api_seconds")),
    ("schemas vs kubernetes-validate, CLI (x faster)", lambda r: _ratio(r["peer"], "cli_seconds")),
    ("vs Kapitan 0.36, cold (x faster)", lambda r: _kapitan(r)),
]


def _paths(found: dict[str, Any]) -> str:
    return f"{found['per_second']:.0f} resources/s ({found['resources']} in {found['seconds']:.2f} s)"


def _kapitan(r: dict[str, Any]) -> str:
    if not r["kapitan"]:
        return "not run (--kapitan)"
    k = r["kapitan"]
    return f"{k['seconds'] / r['cold_render_cli_seconds']:.1f}x ({k['seconds']:.2f} s, {k['targets']} targets)"


def _ratio(peer: dict[str, Any], key: str) -> str:
    times = peer[key]
    return f"{times['ratio']:.0f}x ({times['modelops']:.3f} s vs {times['peer']:.2f} s, {peer['files']} files)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, action="append", help="number of releases (repeatable; default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="where to write the results")
    parser.add_argument("--kapitan", help="a kapitan 0.36 script (in a venv of its own) to compare with")
    args = parser.parse_args()
    results = []
    for size in args.releases or [100]:
        print(f"benchmarking {size} releases x 3 environments ...", file=sys.stderr, flush=True)
        results.append(bench(size, args.repeat, args.kapitan))
    header = "| | " + " | ".join(f"{r['releases']} releases" for r in results) + " |"
    print(header + "\n|---|" + "---|" * len(results))
    for label, cell in ROWS:
        print(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    print(f"\nresults written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
