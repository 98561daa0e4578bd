"""Control characters from input files never reach a text report raw: no fake log lines, no escape sequences."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import Runner, edit

RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # anything but the newline that ends each line
KEY = 'spec:\n  "scal\\e[2K\\rreleases/ok.yaml:1:1: fine\\x85": 1\n'
SHOWN = 'spec["scal\\x1b[2K\\rreleases/ok.yaml:1:1: fine\\x85"]'


@pytest.fixture
def hostile(example: Path) -> Path:
    edit(example / "releases/toxicity-classifier.yaml", "spec:\n", KEY)
    return example


@pytest.mark.parametrize("command", ["render", "lint", "validate"])
def test_a_key_with_esc_and_cr_is_escaped_in_text_reports(hostile: Path, run: Runner, command: str) -> None:
    result = run(hostile, command)
    assert result.exit_code == 1
    printed = result.out + result.err
    assert not RAW.search(printed), printed
    assert f"releases/toxicity-classifier.yaml:9:3: {SHOWN}: unknown field" in printed


def test_tap_report_carries_the_key_in_yaml_escapes(hostile: Path, run: Runner) -> None:
    result = run(hostile, "validate", "-o", "tap")
    assert not RAW.search(result.out)
    assert 'field: "spec[\\"scal\\u001b[2K\\rreleases/ok.yaml:1:1: fine\\u0085\\"]"' in result.out


def test_junit_report_stays_well_formed_xml(hostile: Path, run: Runner) -> None:
    result = run(hostile, "validate", "-o", "junit")
    assert not RAW.search(result.out)
    failure = ET.fromstring(result.out).find(".//failure")
    assert failure is not None and SHOWN in (failure.text or "")


def test_json_report_keeps_the_key_as_written(hostile: Path, run: Runner) -> None:
    errors = run(hostile, "validate", "-o", "json").json()["diagnostics"]
    fields = [d["field"] for d in errors if d["severity"] == "error"]
    assert fields == ['spec["scal\x1b[2K\rreleases/ok.yaml:1:1: fine\x85"]']


def test_policy_text_is_escaped_in_policy_list(example: Path, run: Runner) -> None:
    edit(example / "policies/security.yaml", "title: Pods run as a non-root user", 'title: "Pods run\\e[8m as root"')
    result = run(example, "policy", "list", "--env", "dev")
    assert result.exit_code == 0
    assert "Pods run\\x1b[8m as root" in result.out and not RAW.search(result.out)
