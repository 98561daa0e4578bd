"""libyaml's fast reader means what the careful reader means."""

from __future__ import annotations

import pytest

from generator.errors import InputError
from generator.inputs import fastyaml, yamlio


@pytest.mark.parametrize(
    "text",
    [
        "team:\tsearch\n",  # a tab libyaml lets through
        "team:\tsearch\n# owned by R&D\n",
        "%YAML 1.1\n---\nflag: yes\nmode: 0o17\n",
    ],
)
def test_the_fast_reader_and_the_careful_one_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome() -> object:
        try:
            return yamlio.load(text.encode(), "x.yaml").data
        except InputError as exc:
            return [d.format() for d in exc.diagnostics]

    fast = outcome()
    monkeypatch.setattr(fastyaml, "compose", lambda text: None)
    assert fast == outcome()
