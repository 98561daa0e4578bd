"""Which entries of releases/, environments/ and policies/ are input files.

Release specs may sit in folders below releases/ (teams keep their own); environment and
policy files are read only directly in their directory.  Names starting with "." (.gitkeep,
editor files) are left out, as every Source leaves them out.  Any other entry that is not an
input file is an error naming it, so nothing put there is skipped without a word: a README,
a .json or .YAML file, a FIFO, a link to nothing, a directory named x.yaml.  Every Source
lists through here, so the working tree and a git commit (`diff --base`) agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator import catalog
from generator.errors import Diagnostic, InputError, Location, sort_key
from generator.inputs.sources import YAML_SUFFIXES, Entry, Kind, Source
from generator.layout import ENVIRONMENTS_DIR, POLICIES_DIR, RELEASES_DIR


@dataclass(frozen=True)
class InputDir:
    directory: str
    one: str  # what each file is, as messages name it: "a release spec"
    many: str  # "release specs"
    nested: bool  # whether folders below the directory are read


RELEASES = InputDir(RELEASES_DIR, "a release spec", "release specs", nested=True)
ENVIRONMENTS = InputDir(ENVIRONMENTS_DIR, "an environment file", "environment files", nested=False)
POLICIES = InputDir(POLICIES_DIR, "a policy file", "policy files", nested=False)


def _suffix(name: str) -> str:
    """PurePosixPath(name).suffix, without building a path for each of 10,000 specs."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _refusal(entry: Entry, where: InputDir) -> str | None:
    """Why `entry` is not an input file of `where`; None for an input file or a folder to read."""
    if entry.kind is Kind.FILE and entry.name.endswith(YAML_SUFFIXES):  # the common case, first
        return None
    if entry.kind is Kind.OTHER:
        return entry.what
    suffix = _suffix(entry.name)
    if entry.kind is Kind.DIRECTORY:
        if entry.link:  # never followed, so that a link cannot make a loop or read a tree twice
            return f"is a symbolic link to a directory; links to directories are not followed in {where.directory}/"
        if suffix.lower() in YAML_SUFFIXES:
            return f"is a directory, not {where.one}"
        if not where.nested:
            return f"is a directory; {where.many} are read only directly in {where.directory}/, not in subdirectories"
        return None
    if suffix in YAML_SUFFIXES:
        return None
    if suffix.lower() in YAML_SUFFIXES:
        renamed = entry.name[: -len(suffix)] + suffix.lower()
        return f"not read as {where.one}: the extension must be lower case; rename it to {renamed}"
    ignored = '(names starting with "." are ignored)'
    return f"not {where.one}: only .yaml and .yml files belong in {where.directory}/ {ignored}"


def _scan(source: Source, where: InputDir, directory: str, found: list[str], problems: list[Diagnostic]) -> None:
    for entry in source.entries(directory):
        refusal = _refusal(entry, where)
        if refusal is not None:
            problems.append(Diagnostic(refusal, Location(entry.path), rule=catalog.INPUT_FILE))
        elif entry.kind is Kind.DIRECTORY:
            _scan(source, where, entry.path, found, problems)
        else:
            found.append(entry.path)


@dataclass(frozen=True)
class Listing:
    files: list[str]  # sorted
    problems: list[Diagnostic]  # the entries that are not input files, each naming its path

    def checked(self) -> list[str]:
        """The files; InputError naming every problem if there is one."""
        if self.problems:
            raise InputError(sorted(self.problems, key=sort_key))
        return self.files


def files(source: Source, where: InputDir) -> Listing:
    """The input files of `where` and the entries that are not input files."""
    found: list[str] = []
    problems: list[Diagnostic] = []
    _scan(source, where, where.directory, found, problems)
    return Listing(sorted(found), problems)


def release_files(source: Source) -> Listing:
    """Every release spec below releases/; release names (file name stems) are unique across its folders."""
    listing = files(source, RELEASES)
    first: dict[str, str] = {}
    for path in listing.files:
        name = path.rsplit("/", 1)[-1]
        stem = name[: len(name) - len(_suffix(name))]
        if stem in first:
            listing.problems.append(
                Diagnostic(
                    f"release {stem!r} is also defined in {first[stem]}; release names (file names without the "
                    f"extension) must be unique across {RELEASES_DIR}/ and its folders",
                    Location(path),
                    rule=catalog.INPUT_FILE,
                )
            )
        first.setdefault(stem, path)
    return listing
