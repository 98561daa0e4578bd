"""Bad and hostile input from tests/corpus/: one clear line per problem, exit 1, nothing written, no traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.inputs import yamlio
from tests.conftest import PROJECT, Runner, files_under, write

CORPUS = PROJECT / "tests/corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected").is_file())


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def overlay(example: Path, case: str) -> None:
    shutil.copytree(CORPUS / case / "files", example, dirs_exist_ok=True)


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(example: Path, run: Runner, case: str) -> None:
    overlay(example, case)
    expected = (CORPUS / case / "expected").read_text(encoding="utf-8").splitlines()
    assert expected, f"{case}/expected is empty"
    before = files_under(example)

    result = run(example, "render")
    assert result.exit_code == 1
    printed = result.err.splitlines()
    for line in expected:
        assert line in printed
    assert "Traceback" not in result.out + result.err
    assert files_under(example) == before  # nothing written, nothing removed

    report = run(example, "validate", "-o", "json")
    assert report.exit_code == 1
    errors = [d for d in report.json()["diagnostics"] if d["severity"] == "error"]
    assert len(errors) == len(expected)
    assert {(d["file"], d["line"]) for d in errors} == {
        (line.split(":")[0], int(line.split(":")[1])) for line in expected
    }


def test_oversized_file_is_refused_before_parsing(example: Path, run: Runner) -> None:
    spec = example / "releases/toxicity-classifier.yaml"
    padding = "# " + "x" * 1022 + "\n"
    spec.write_text(spec.read_text(encoding="utf-8") + padding * (yamlio.MAX_FILE_BYTES // 1024), encoding="utf-8")
    result = run(example, "render")
    assert result.exit_code == 1
    assert (
        "releases/toxicity-classifier.yaml:1:1: file is larger than the limit of 524288 bytes (512 KiB)" in result.err
    )
    assert not (example / "rendered").exists()


@pytest.mark.parametrize("directory", ["releases", "environments", "policies", "templates"])
def test_symlink_pointing_outside_the_repository_is_refused(
    example: Path, run: Runner, tmp_path: Path, directory: str
) -> None:
    outside = write(tmp_path / "outside/secret.yaml", "apiVersion: v1\n")
    (example / directory).mkdir(exist_ok=True)
    name = "release/deployment.yaml.j2" if directory == "templates" else "evil.yaml"
    link = example / directory / name
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, link)
    result = run(example, "render")
    assert result.exit_code == 1
    assert f"{directory}/{name}:1:1: is a symbolic link that points outside the repository; refusing to read it" in (
        result.err
    )
    assert not (example / "rendered").exists()
