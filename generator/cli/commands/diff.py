from __future__ import annotations

import json
from pathlib import Path

import git

from generator.cli.console import Console
from generator.errors import EXIT_INVALID, EXIT_OK, InputError, TemplateError
from generator.inputs.sources import GitTree, WorkTree
from generator.pipeline import compose, difference, incremental
from generator.render.objects import RenderedTree
from generator.repo import commits, committed, diff, diff_markdown


def run(
    root: Path,
    console: Console,
    base: str,
    environments: tuple[str, ...],
    output: str,
    exit_code: bool,
    max_chars: int = diff_markdown.DEFAULT_MAX_CHARS,
) -> int:
    """Render REF (read from git, the working tree untouched) and the working tree; show what differs."""
    if output != "text":
        console.machine_output()
    repo = commits.open_repo(root)
    outcome = incremental.evaluate(root, write=False, kept=True)
    pair = difference.trees(repo, root, base, outcome) if outcome is not None else None
    if outcome is not None:
        outcome.save()
    if outcome is not None and pair is not None:
        base_tree, head, order = pair[0], pair[1], list(outcome.environments)
    else:
        base_tree, head, order = _whole(repo, root, base, console)
    unknown = [
        e
        for e in environments
        if e not in {*order, *(o.environment for o in (*head.objects.values(), *base_tree.objects.values()))}
    ]
    if unknown:
        console.say(f"warning: no objects for environment {', '.join(unknown)}")
    result = diff.compare(base_tree, head, base, environments, order=order)
    if output == "json":
        cut = diff_markdown.render(result, max_chars)[1]
        console.emit(json.dumps(diff.to_json(result, cut, max_chars), indent=2))
    elif output == "markdown":
        console.emit(diff_markdown.to_markdown(result, max_chars))
    else:
        console.emit(diff.to_text(result))
    return EXIT_INVALID if exit_code and not result.empty else EXIT_OK


def _whole(repo: git.Repo, root: Path, base: str, console: Console) -> tuple[RenderedTree, RenderedTree, list[str]]:
    """Both trees rendered whole: when the inputs every unit shares differ, or a side does not render."""
    base_source = GitTree(repo, base, commits.prefix(repo, root))
    head_build = compose.build(WorkTree(root))
    try:
        base_tree = compose.build(base_source).tree
    except (InputError, TemplateError) as exc:
        # A pull request may fix a broken base, or a newer modelops may refuse what an older one
        # rendered: compare with what the base committed, which is what Argo CD runs, rather than
        # refuse or call every object "added".
        base_tree = committed.tree(repo, base, commits.prefix(repo, root))
        console.say(
            f"warning: {base_source.label} does not render ({len(exc.diagnostics)} errors); "
            f"comparing with its committed rendered/ ({len(base_tree.objects)} objects)"
        )
    return base_tree, head_build.tree, list(head_build.inputs.environments)
