"""The sandbox's limits: what a template's source may hold, and what its expressions may build."""

from __future__ import annotations

import jinja2
import pytest

from generator.errors import TemplateError
from generator.render import sandbox


def source_error(source: str) -> str:
    with pytest.raises(TemplateError) as info:
        sandbox.check_source(sandbox.Sandbox(), source, "templates/release/t.yaml.j2")
    return info.value.diagnostics[0].format()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a\n" + "{% if x %}" * 33, "t.yaml.j2:2: blocks nest more than 32 deep"),
        ("{% for i in x %}\n" * 17, "t.yaml.j2:17: for loops nest more than 16 deep"),
        ("{% set a %}" * 33, "t.yaml.j2:1: blocks nest more than 32 deep"),
        ("{{ " + "(" * 33 + "1" + ")" * 33 + " }}", "t.yaml.j2:1: brackets nest more than 32 deep"),
        ("{{ 1" + " + 1" * 201 + " }}", "t.yaml.j2:1: an expression with more than 200 operators"),
        ("x\n{{ 1e999 }}", "t.yaml.j2:2: the number 1e999 is too large for a float"),
        ("{{ " + "1" * 4301 + " }}", "t.yaml.j2:1: an integer literal of more than 4300 digits"),
    ],
)
def test_source_past_a_limit_is_refused_at_its_line(source: str, expected: str) -> None:
    assert expected in source_error(source)


def test_sequential_and_closed_blocks_do_not_add_up() -> None:
    source = "{% set a = 1 %}" * 100 + ("{% if x %}{% for i in y %}{% endfor %}{% endif %}\n" * 100)
    sandbox.check_source(sandbox.Sandbox(), source, "t.yaml.j2")


def render(expression: str) -> str:
    return str(sandbox.Sandbox().from_string("{{ " + expression + " }}").render(x=[1]))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("'ab' * 10**6", "a string of length 2 * 1000000 would be 2000000 long"),
        ("x * 10**7", "a list of length 1 * 10000000"),
        ("10 ** (10 ** 10)", "10 ** 10000000000 has more than 4300 digits"),
        ("(10 ** 4000) * (10 ** 4000)", "the product has more than 4300 digits"),
        ("range(10 ** 6)", "range() of 1000000 items is past the limit of 100000"),
        ("lipsum(n=10000)", "lipsum(n=10000, max=100) may produce more than"),
    ],
)
def test_expressions_past_a_limit_are_refused_before_they_are_built(expression: str, message: str) -> None:
    with pytest.raises(sandbox.Refused, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        render(expression)


def test_ordinary_arithmetic_is_untouched() -> None:
    assert render("'ab' * 3 ~ (2 ** 62) ~ (3 * 4) ~ (range(3) | list | length)") == "ababab4611686018427387904123"


@pytest.mark.parametrize("expression", ["x.__class__.__mro__()", "x.append(1)"])
def test_the_sandbox_still_refuses_python_internals_and_mutation(expression: str) -> None:
    with pytest.raises(jinja2.exceptions.SecurityError):
        render(expression)


def test_lipsum_renders_the_same_text_every_time() -> None:
    import random

    from generator.render.sandbox import Sandbox

    before = random.getstate()
    env = Sandbox()
    first = env.from_string("{{ lipsum(n=2) }}").render()
    random.seed(12345)  # whatever else the process does with random numbers
    assert env.from_string("{{ lipsum(n=2) }}").render() == first
    random.setstate(before)
