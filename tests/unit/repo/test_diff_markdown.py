"""The Markdown of a diff: summary first, version-label objects on one line, and a size limit."""

from __future__ import annotations

import copy
import re
from typing import Any

from generator.repo import diff, diff_markdown
from tests.unit.repo.test_diff_summary import ENVIRONMENTS, bump, find, tree, unit


def renamed(objects: list[dict[str, Any]], old: str, new: str) -> list[dict[str, Any]]:
    out = copy.deepcopy(objects)
    for obj in out:
        obj["metadata"]["name"] = obj["metadata"]["name"].replace(old, new)
    return out


def fleet(count: int) -> diff.TreeDiff:
    """`count` copies of llama3-8b-chat in prod, each scaled by one more replica."""
    base, head = {}, {}
    for i in range(count):
        name = f"llama-{i:03d}"
        objects = renamed(unit("prod", "llama3-8b-chat"), "llama3-8b-chat", name)
        scaled = copy.deepcopy(objects)
        find(scaled, "HorizontalPodAutoscaler")["spec"]["maxReplicas"] = 7
        base["prod", name], head["prod", name] = objects, scaled
    return diff.compare(tree(base), tree(head), "main", order=ENVIRONMENTS)


def test_a_bump_reads_summary_first_and_collapses_the_labels() -> None:
    llama = unit("dev", "llama3-8b-chat")
    head = bump(llama, "3.2.0")
    result = diff.compare(tree({("dev", "llama3-8b-chat"): llama}), tree({("dev", "llama3-8b-chat"): head}), "main")
    md, cut = diff_markdown.render(result)
    assert not cut
    lines = md.splitlines()
    assert lines[0] == "### modelops: manifests compared with `main`"
    assert lines[2].startswith("| release | environment | change | version | image | artifact | replicas |")
    assert lines[4].startswith("| llama3-8b-chat | dev | changed | 3.1.1 → 3.2.0 | vllm-openai:v0.11.0@e44d97c0 |")
    # The artifact cell is short: the URI's last segments and the digest's first characters.
    assert "| …/llama-3.1-8b-instruct/3.1.1/ @699d88c8 → …/x/3.2.0/ @699d88c8 | 1\u20133 | 1 | rolling | \u2013 |" in md
    assert "**llama3-8b-chat**: 9 objects differ only in version labels: `ConfigMap/llama3-8b-chat-runtime`" in md
    assert "<details>" not in md  # the bump changed nothing else
    assert len(lines) < 15


def test_each_other_object_is_a_collapsed_section_with_its_counts() -> None:
    result = fleet(1)
    md = diff_markdown.to_markdown(result)
    assert "<details><summary>HorizontalPodAutoscaler/llama-000 (+1 \u22121)</summary>\n\n```diff\n" in md
    assert "| llama-000 | prod | changed | 3.1.0 | " in md and "| 2\u20136 → 2\u20137 |" in md
    assert "10%→33%/14%, 50%" in md  # the split at 7 replicas is that of 6: one canary pod of 7 or 8


def test_the_limit_keeps_the_summary_and_whole_sections_and_says_what_was_cut() -> None:
    result = fleet(40)
    full, nothing = diff_markdown.render(result, 0)
    assert not nothing and full.count("<details>") == 40
    md, cut = diff_markdown.render(result, 8000)
    assert len(md) <= 8000 < len(full)
    assert md.count("| llama-") == 40  # every summary row
    shown = md.count("<details>")
    assert 0 < shown < 40 and md.count("</details>") == shown
    assert md.count("```") % 2 == 0  # no fence is left open
    assert (cut.rows, cut.objects, cut.environments) == (0, 40 - shown, ["prod"])
    footer = md.splitlines()[-1]
    assert footer.startswith(f"_Cut to stay under 8,000 characters: {40 - shown} objects in 1 environment (prod)")
    assert "`modelops diff --base main -o markdown --max-chars 0`" in footer and "artifact" in footer
    report = diff.to_json(result, cut, 8000)
    assert report["truncated"] is True and report["cut"] == {"rows": 0, "objects": 40 - shown, "environments": ["prod"]}


def test_a_summary_longer_than_the_limit_is_cut_by_rows() -> None:
    result = fleet(60)
    md, cut = diff_markdown.render(result, 4000)
    assert len(md) <= 4000
    rows = len(re.findall(r"^\| llama-", md, re.M))
    assert 0 < rows < 60 and cut.rows == 60 - rows and cut.objects == 60
    assert "<details>" not in md
    assert f"{60 - rows} of 60 summary rows and 60 objects in 1 environment (prod) not shown" in md


def test_short_forms() -> None:
    short = diff_markdown._short
    assert short("image", "ghcr.io/org/server:1.2@sha256:0123456789abcdef") == "server:1.2@01234567"
    assert short("image", "server:1.2") == "server:1.2"
    assert short("artifact", "s3://models/a/b/c/@sha256:fedcba9876543210") == "…/b/c/ @fedcba98"
    assert short("artifact", "s3://models/key@sha256:fedcba9876543210") == "s3://models/key @fedcba98"
    assert short("artifact", None) == "\u2013"
