"""Stop a real modelops run just before a known step of its work, so that a test can SIGKILL it there.

    python tests/crash_points.py POINT REPOSITORY modelops-arguments...

runs the command line (generator.cli.main, as the `modelops` script does) in this process
with an audit hook: CPython raises an audit event before every file operation and every
subprocess, and the hook stops the process with SIGSTOP just before the operation that
starts POINT.  Nothing in modelops knows about it and nothing is timed: the test waits
for the stop (waitpid with WUNTRACED), reads the file system to tell which phase the run
is really in, then kills it.  The points are told apart by what the run does, not by the
writer's names for its files, so that they hold wherever the writer keeps its staging
directory and backups:

  rendering   the first template read (the build, before anything is written)
  staging     the 20th manifest written: the new directories are being built aside
  swapping    the 4th rename that moves a live directory rendered/<env>/<name> in or out
  swapped     the first rename or removal after those that moves no live directory: clean-up
  committing  the first git command after the swap: rendered/ written, nothing committed
  committed   the first git command after the branch moved: the commit made, the run not finished
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

POINTS = ("rendering", "staging", "swapping", "swapped", "committing", "committed")
_WRITE = os.O_WRONLY | os.O_RDWR


class Stopper:
    def __init__(self, point: str, repository: Path) -> None:
        self.point = point
        self.git_dir = repository.resolve() / ".git"
        self.rendered = repository.resolve() / "rendered"
        self.manifests = self.live_renames = 0
        self.stopped = False
        self.head = self.branch_tip()

    def branch_tip(self) -> str:
        """The commit the checked-out branch points at, read from .git as git keeps it (no git command)."""
        ref = (self.git_dir / "HEAD").read_text().strip().removeprefix("ref: ")
        loose = self.git_dir / ref
        if loose.is_file():
            return loose.read_text().strip()
        packed = self.git_dir / "packed-refs"
        lines = packed.read_text().splitlines() if packed.is_file() else []
        return next((line.split()[0] for line in lines if line.endswith(f" {ref}")), "")

    def _live(self, *paths: Any) -> bool:
        """Whether one of `paths` is a live directory rendered/<env>/<release or _argocd> of the repository."""
        for path in paths:
            if isinstance(path, str | bytes | os.PathLike):
                where = Path(os.fsdecode(path))
                names = (where.name, where.parent.name)
                if where.parent.parent == self.rendered and not any(n.startswith(".") for n in names):
                    return True
        return False

    def reached(self, event: str, args: tuple[Any, ...]) -> bool:
        if event == "open" and isinstance(args[0], str):
            path, flags = args[0], args[2]
            if path.endswith(".yaml.j2"):
                return self.point == "rendering"
            if path.endswith(".yaml") and isinstance(flags, int) and flags & _WRITE:
                self.manifests += 1
                return self.point == "staging" and self.manifests == 20
        if event == "os.rename" and self._live(args[0], args[1]):
            self.live_renames += 1
            return self.point == "swapping" and self.live_renames == 4
        if event in ("os.rename", "os.remove", "os.rmdir", "shutil.rmtree") and self.live_renames:
            return self.point == "swapped"
        if event == "subprocess.Popen" and self.live_renames:
            return self.point == "committing" or (self.point == "committed" and self.branch_tip() != self.head)
        return False

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.stopped and self.reached(event, args):
            self.stopped = True
            os.kill(os.getpid(), signal.SIGSTOP)


def main(argv: list[str]) -> int:
    point, repository, arguments = argv[0], Path(argv[1]), argv[2:]
    if point not in POINTS:
        raise SystemExit(f"unknown point {point!r}; one of {', '.join(POINTS)}")
    sys.addaudithook(Stopper(point, repository))
    from generator.cli.main import main as modelops

    return modelops(["--repo", str(repository), *arguments])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
