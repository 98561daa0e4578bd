"""generator.clock: MODELOPS_TODAY fixes the day waivers are judged on; without it, the real date."""

from __future__ import annotations

import datetime

import pytest

from generator import clock
from generator.errors import UsageError
from tests.conftest import TODAY


def test_the_suite_runs_on_a_fixed_day() -> None:
    assert clock.today() == TODAY == datetime.date(2026, 6, 15)


def test_modelops_today_fixes_the_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELOPS_TODAY", "2031-02-28")
    assert clock.today() == datetime.date(2031, 2, 28)
    monkeypatch.setenv("MODELOPS_TODAY", " 2027-09-30\n")  # as a shell or a CI file might leave it
    assert clock.today() == datetime.date(2027, 9, 30)


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "2026-02-30", "15.06.2026"])
def test_an_invalid_date_is_a_usage_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MODELOPS_TODAY", value)
    with pytest.raises(UsageError) as info:
        clock.today()
    message = str(info.value)
    assert "MODELOPS_TODAY" in message and value in message
    assert info.value.exit_code == 2


@pytest.mark.parametrize("setting", [None, "", "  "])
def test_unset_means_the_real_date(monkeypatch: pytest.MonkeyPatch, setting: str | None) -> None:
    if setting is None:
        monkeypatch.delenv("MODELOPS_TODAY")
    else:
        monkeypatch.setenv("MODELOPS_TODAY", setting)
    before = datetime.date.today()
    today = clock.today()
    assert today in (before, datetime.date.today())  # the same day, even across midnight
