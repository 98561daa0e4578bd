"""Speed of modelops on a synthetic repository, and of the peer kubernetes-validate on the same manifests.

    python benchmarks/bench.py                    # 100 releases x 3 environments
    python benchmarks/bench.py --releases 1000    # the large case
    python benchmarks/bench.py --releases 100 --releases 1000 --json results.json

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


def make_repo(root: Path, releases: int) -> Path:
    for name in ("environments", "releases", "policies"):
        shutil.copytree(PROJECT / name, root / name)
    examples = sorted((root / "releases").glob("*.yaml"))
    waivers_file = root / "policies/waivers.yaml"
    yaml = YAML()
    waivers = yaml.load(waivers_file)
    for i in range(max(0, releases - len(examples))):
        source = examples[i % len(examples)]
        name = f"{source.stem[:30]}-{i:04d}"
        text = source.read_text().replace(f"name: {source.stem}\n", f"name: {name}\n", 1)
        (root / "releases" / f"{name}.yaml").write_text(text)
        # A copy inherits its original's waivers, so the copies validate like the examples.
        for waiver in [w for w in waivers["waivers"] if w["release"] == source.stem]:
            waivers["waivers"].append({**waiver, "release": name})
    yaml.dump(waivers, waivers_file)
    # GPU capacity grows with the fleet, so the capacity check passes.
    for env in (root / "environments").glob("*.yaml"):
        text = env.read_text()
        for capacity in ("capacity: 8", "capacity: 16", "capacity: 32"):
            text = text.replace(capacity, f"capacity: {int(capacity.split()[1]) * max(1, releases)}")
        env.write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
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
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:4])} ... failed: {proc.stderr.read().decode() if proc.stderr else ''}")
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
    """A real edit of one spec (its team label), alternating so every run changes something."""
    spec = repo / "releases/bge-embeddings.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("team: search\n", "team: ranking\n") if "team: search\n" in text
                    else text.replace("team: ranking\n", "team: search\n"))  # fmt: skip


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


def commit_figures(repo: Path, env: dict[str, str], repeat: int) -> dict[str, Any]:
    """`modelops commit` of the whole rendered tree into a fresh git repository, then of a one-release change."""
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    genv = {**env, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "b@example.com"}  # fmt: skip
    shutil.rmtree(repo / ".git", ignore_errors=True)
    for args in (["init", "-q", "-b", "main"], ["add", "environments", "releases", "policies"], ["commit", "-qm", "s"]):
        subprocess.run([*git, *args], cwd=repo, check=True, env=genv)
    first = command(["modelops", "commit", "-q", "-m", "first"], genv, repo)
    files = subprocess.run([*git, "ls-tree", "-r", "--name-only", "HEAD"], cwd=repo, capture_output=True, text=True)
    change = command_median(
        ["modelops", "commit", "-q", "-m", "one"], genv, repo, repeat, before=lambda: toggle_one_release(repo)
    )[0]
    return {
        "first_commit_cli_seconds": first[0],
        "committed_files": files.stdout.count("\n"),
        "one_release_change_commit_cli_seconds": change,
    }


def bench(releases: int, repeat: int) -> dict[str, Any]:
    from generator.inputs.sources import WorkTree
    from generator.pipeline import compose
    from generator.repo import writer

    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "gitops", releases)
        cache_dir = Path(tmp) / "cache"
        env = {**os.environ, "MODELOPS_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
        env.pop("MODELOPS_NO_CACHE", None)
        os.environ["MODELOPS_NO_CACHE"] = "1"  # in-process figures below are cold unless a cache is passed

        def clear() -> None:
            shutil.rmtree(repo / "rendered", ignore_errors=True)
            shutil.rmtree(cache_dir, ignore_errors=True)

        cold_cli, cold_rss = command_median(["modelops", "render", "-q"], env, repo, repeat, before=clear)
        source = WorkTree(repo)
        built = compose.build(source, cache=None)
        files = len(built.tree.objects)
        build_s = median(lambda: compose.build(source, cache=None), repeat)
        validate_s = median(lambda: compose.validate(built), repeat)
        failed = compose.validate(built).failed()
        write_s = median(
            lambda: writer.write(repo, built.tree), repeat, before=lambda: shutil.rmtree(repo / "rendered")
        )
        os.environ.pop("MODELOPS_NO_CACHE")

        command(["modelops", "render", "-q"], env, repo)  # warm: rendered/ and the cache are current
        render = ["modelops", "render", "-q"]
        change_cli = command_median(render, env, repo, repeat, before=lambda: toggle_one_release(repo))[0]
        from generator.pipeline.cache import RenderCache

        def change_in_process() -> None:
            compose.validate(compose.build(source, cache=RenderCache(cache_dir)))

        change_s = median(change_in_process, repeat, before=lambda: toggle_one_release(repo))
        noop_cli = command_median(["modelops", "render", "-q"], env, repo, repeat)[0]
        hook = command_median(["modelops", "lint", "releases/bge-embeddings.yaml"], env, repo, max(5, repeat))[0]
        check = command_median(["modelops", "check"], env, repo, repeat)[0]
        commits = commit_figures(repo, env, repeat)
        peer = peer_comparison(repo, env, repeat)
    return {
        "releases": releases,
        "environments": 3,
        "files": files,
        "valid": not failed,
        "cold_render_cli_seconds": cold_cli,
        "cold_render_cli_peak_rss_mib": cold_rss,
        "build_seconds": build_s,
        "validate_seconds": validate_s,
        "cold_render_plus_validate_seconds": build_s + validate_s,
        "write_first_seconds": write_s,
        "one_release_change_in_process_seconds": change_s,
        "one_release_change_cli_seconds": change_cli,
        "no_change_render_cli_seconds": noop_cli,
        "lint_one_spec_cli_seconds": hook,
        "check_cli_seconds": check,
        **commits,
        "peer": peer,
    }


ROWS = [
    ("rendered files", lambda r: f"{r['files']}"),
    ("render + validate, cold, in process", lambda r: f"{r['cold_render_plus_validate_seconds']:.2f} s"),
    ("  of which load + resolve + render", lambda r: f"{r['build_seconds']:.2f} s"),
    ("  of which validate (schemas, policies)", lambda r: f"{r['validate_seconds']:.2f} s"),
    ("write rendered/ from empty", lambda r: f"{r['write_first_seconds']:.2f} s"),
    ("`modelops render`, cold (CLI, empty cache)", lambda r: f"{r['cold_render_cli_seconds']:.2f} s"),
    ("  peak RSS", lambda r: f"{r['cold_render_cli_peak_rss_mib']} MiB"),
    ("one-release change: re-render + validate", lambda r: f"{r['one_release_change_in_process_seconds']:.2f} s"),
    ("one-release change: `modelops render` (CLI)", lambda r: f"{r['one_release_change_cli_seconds']:.2f} s"),
    ("no change: `modelops render` (CLI)", lambda r: f"{r['no_change_render_cli_seconds']:.2f} s"),
    ("pre-commit `modelops lint ONE_SPEC` (CLI)", lambda r: f"{r['lint_one_spec_cli_seconds']:.2f} s"),
    ("pre-commit `modelops check` (CLI)", lambda r: f"{r['check_cli_seconds']:.2f} s"),
    ("first `modelops commit` (CLI)", lambda r: f"{r['first_commit_cli_seconds']:.2f} s, {r['committed_files']} files"),
    ("one-release change: `modelops commit` (CLI)", lambda r: f"{r['one_release_change_commit_cli_seconds']:.2f} s"),
    ("schemas vs kubernetes-validate, API (x faster)", lambda r: _ratio(r["peer"], "api_seconds")),
    ("schemas vs kubernetes-validate, CLI (x faster)", lambda r: _ratio(r["peer"], "cli_seconds")),
]


def _ratio(peer: dict[str, Any], key: str) -> str:
    times = peer[key]
    return f"{times['ratio']:.0f}x ({times['modelops']:.3f} s vs {times['peer']:.2f} s, {peer['files']} files)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, action="append", help="number of releases (repeatable; default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="where to write the results")
    args = parser.parse_args()
    results = []
    for size in args.releases or [100]:
        print(f"benchmarking {size} releases x 3 environments ...", file=sys.stderr, flush=True)
        results.append(bench(size, args.repeat))
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
