"""JUnit XML for CI systems that show test reports: one suite per environment, a case per object."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from generator.cli.console import Console
from generator.errors import Diagnostic, printable
from generator.validate.report import Report


def _case(
    rep: Report, suite: ET.Element, classname: str, name: str, file: str | None, found: list[Diagnostic]
) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name, **({"file": file} if file else {})})
    errors = [d for d in found if rep.failing(d.severity)]
    others = [d for d in found if not rep.failing(d.severity)]
    if errors:
        failure = ET.SubElement(case, "failure", {"type": errors[0].rule or "modelops", "message": errors[0].message})
        failure.text = "\n".join(d.format() for d in errors)
    if others:
        ET.SubElement(case, "system-out").text = "\n".join(f"{d.severity.value}: {d.format()}" for d in others)
    return 1, 1 if errors else 0


def _suite(root: ET.Element, suites: dict[str, ET.Element], name: str) -> ET.Element:
    if name not in suites:
        suites[name] = ET.SubElement(root, "testsuite", {"name": name})
    return suites[name]


def document(rep: Report) -> ET.Element:
    root = ET.Element("testsuites", {"name": "modelops"})
    suites: dict[str, ET.Element] = {}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for resource in rep.every_resource():
        # A manifest checked outside the repository (validate PATH...) has no environment: one suite per file.
        group = resource.environment or resource.path
        suite = _suite(root, suites, group)
        tests, failures = _case(
            rep,
            suite,
            f"{resource.environment}.{resource.release or 'argocd'}" if resource.environment else resource.path,
            f"{resource.kind}/{resource.name}",
            resource.path,
            resource.diagnostics,
        )
        counts[group][0] += tests
        counts[group][1] += failures
    for skipped in getattr(rep, "skipped", []):  # validate PATH...: --skip, --ignore-missing-schemas
        attrs = {"classname": skipped.file, "name": f"{skipped.kind}/{skipped.name}", "file": skipped.file}
        case = ET.SubElement(_suite(root, suites, skipped.file), "testcase", attrs)
        ET.SubElement(case, "skipped", {"message": skipped.reason})
        counts[skipped.file][0] += 1
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for diag in rep.findings:
        by_file[diag.location.file if diag.location else "modelops"].append(diag)
    if by_file or not rep.every_resource():
        suite = _suite(root, suites, "inputs")
        for file, found in sorted(by_file.items()):
            tests, failures = _case(rep, suite, "inputs", file, file if file != "modelops" else None, found)
            counts["inputs"][0] += tests
            counts["inputs"][1] += failures
    for name, suite in suites.items():
        suite.set("tests", str(counts[name][0]))
        suite.set("failures", str(counts[name][1]))
        suite.set("errors", "0")
    root.set("tests", str(sum(c[0] for c in counts.values())))
    root.set("failures", str(sum(c[1] for c in counts.values())))
    root.set("errors", "0")
    return root


def report(rep: Report, console: Console) -> None:
    tree = document(rep)
    for element in tree.iter():  # XML 1.0 cannot carry control characters at all; texts hold formatted lines
        for key, value in element.attrib.items():
            element.set(key, printable(value))
    ET.indent(tree)
    console.emit('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree, encoding="unicode") + "\n")
