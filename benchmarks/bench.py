"""Speed figures for modelops; prints a table, asserts nothing.

    python benchmarks/bench.py                 # 6 example releases, then 60 and 240 synthetic ones
    python benchmarks/bench.py --releases 500  # one size only

Each synthetic release is a copy of an example release under a new name, so the mix of
runtimes and strategies stays that of the example repository.  Figures are wall-clock
seconds on this machine (median of --repeat runs).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from generator import pipeline, spec, tree
from generator.sources import WorkTree

PROJECT = Path(__file__).resolve().parent.parent


def make_repo(root: Path, releases: int) -> Path:
    for name in ("environments", "releases", "policies"):
        if (PROJECT / name).is_dir():
            shutil.copytree(PROJECT / name, root / name)
    examples = sorted((root / "releases").glob("*.yaml"))
    waivers_file = root / "policies/waivers.yaml"
    yaml = YAML()
    waivers = yaml.load(waivers_file) if waivers_file.is_file() else None
    if releases > len(examples):
        for i in range(releases - len(examples)):
            source = examples[i % len(examples)]
            name = f"{source.stem[:30]}-{i:04d}"
            text = source.read_text().replace(f"name: {source.stem}\n", f"name: {name}\n", 1)
            (root / "releases" / f"{name}.yaml").write_text(text)
            # A copy inherits its original's waivers, so the copies validate like the examples.
            if waivers is not None:
                for waiver in [w for w in waivers["waivers"] if w["release"] == source.stem]:
                    waivers["waivers"].append({**waiver, "release": name})
    if waivers is not None:
        yaml.dump(waivers, waivers_file)
    # Scale GPU capacity with the number of releases so the capacity check passes.
    for env in (root / "environments").glob("*.yaml"):
        text = env.read_text()
        for capacity in ("capacity: 8", "capacity: 16", "capacity: 32"):
            text = text.replace(capacity, f"capacity: {int(capacity.split()[1]) * max(1, releases)}")
        env.write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    return root


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def cli_seconds(repo: Path, *args: str, repeat: int) -> float:
    def call() -> None:
        subprocess.run(["modelops", "--repo", str(repo), *args], check=False, capture_output=True)

    return timed(call, repeat)[0]


def bench(releases: int, repeat: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "gitops", releases)
        source = WorkTree(repo)
        count = len(list((repo / "releases").glob("*.yaml")))
        load_s, inputs = timed(lambda: spec.load_inputs(source), repeat)
        build_s, built = timed(lambda: pipeline.build(source), repeat)
        assert isinstance(built, pipeline.Build)
        validate_s, report = timed(lambda: pipeline.validate(built), repeat)
        write_s, _ = timed(lambda: tree.write(repo, built.tree), 1)
        noop_s, _ = timed(lambda: tree.write(repo, built.tree), repeat)
        files = len(built.tree.objects)
        one_spec = sorted((repo / "releases").glob("*.yaml"))[0]
        rows = [
            ("releases x environments", f"{count} x {len(inputs.environments)}"),  # type: ignore[attr-defined]
            ("rendered files", str(files)),
            ("load + schema-check specs", f"{load_s:.3f}s"),
            ("build (load, resolve, render)", f"{build_s:.3f}s  ({files / build_s:.0f} files/s)"),
            ("validate (schemas, capacity, policies)", f"{validate_s:.3f}s  ({files / validate_s:.0f} objects/s)"),
            ("write rendered/ (first)", f"{write_s:.3f}s"),
            ("write rendered/ (no change)", f"{noop_s:.3f}s"),
            (
                "modelops lint ONE_SPEC (pre-commit hook)",
                f"{cli_seconds(repo, 'lint', str(one_spec), repeat=repeat):.3f}s",
            ),
            ("modelops check (pre-commit hook)", f"{cli_seconds(repo, 'check', repeat=repeat):.3f}s"),
            ("modelops validate (whole CLI run)", f"{cli_seconds(repo, 'validate', repeat=repeat):.3f}s"),
        ]
        failed = report.failed()  # type: ignore[attr-defined]
        rows.append(("validation result", "FAILED" if failed else "ok"))
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, action="append", help="number of releases (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = args.releases or [6, 60, 240]
    for size in sizes:
        print(f"\n== {size} releases ==")
        for label, value in bench(size, args.repeat):
            print(f"  {label:44} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
