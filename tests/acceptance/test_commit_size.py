"""Commits of any size: no argument list limit, at most 50 files in the message, signing honoured."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import Runner, add_fleet, edit, git


@pytest.fixture
def large(example_repo: Path) -> Path:
    """160 more releases (about 1,000 files, two per unit: a manifest and its provenance)."""
    add_fleet(example_repo, 160)
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "fleet")
    return example_repo


def test_a_first_commit_of_166_releases_and_an_environment_wide_change(large: Path, run: Runner) -> None:
    result = run(large, "commit", "-m", "first render")
    assert result.exit_code == 0, result.err
    files = int(git(large, "ls-tree", "-r", "--name-only", "HEAD", "--", "rendered").count("\n")) + 1
    assert files > 990
    message = git(large, "log", "-1", "--format=%B")
    listed = [line for line in message.splitlines() if line.startswith("  A ")]
    assert len(listed) == 50
    assert f"  ... and {files - 50} more files" in message
    assert "Rendered-By: modelops" in message
    assert "Model-Release: fleet-160@3.0.2" in message  # trailers stay complete
    edit(large / "environments/staging.yaml", "namespace: models-staging", "namespace: models-staging2")
    git(large, "commit", "-qam", "rename staging's namespace")
    result = run(large, "commit", "-m", "move staging")
    assert result.exit_code == 0, result.err
    changed = git(large, "diff", "--name-only", "HEAD~1", "HEAD").splitlines()
    # Every staging unit: 166 manifests, their provenance and records, and the _argocd and _shared manifests
    # and records.
    assert len(changed) == 3 * 166 + 4 and all(p.startswith("rendered/staging/") for p in changed)
    assert run(large, "check").exit_code == 0
    assert git(large, "status", "--porcelain") == ""


def test_commit_gpgsign_is_honoured(example_repo: Path, run: Runner, tmp_path: Path) -> None:
    key = tmp_path / "signing-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    git(example_repo, "config", "gpg.format", "ssh")
    git(example_repo, "config", "user.signingkey", str(key))
    git(example_repo, "config", "commit.gpgsign", "true")
    assert run(example_repo, "commit", "-m", "signed render").exit_code == 0
    assert "-----BEGIN SSH SIGNATURE-----" in git(example_repo, "cat-file", "commit", "HEAD")
    allowed = tmp_path / "allowed"
    allowed.write_text(f"test@example.com {(tmp_path / 'signing-key.pub').read_text()}")
    git(example_repo, "config", "gpg.ssh.allowedSignersFile", str(allowed))
    git(example_repo, "verify-commit", "HEAD")  # raises unless the signature is good
