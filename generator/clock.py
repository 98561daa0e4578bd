"""Today's date, as waivers see it.

Waivers expire on a date, so a validation's verdict depends on the day it runs.  `today()`
is the one place that asks the clock; MODELOPS_TODAY=YYYY-MM-DD fixes it, so a CI job can
re-run an old commit's validation as of the day it ran, a team can ask which waivers will
have expired by a release date, and tests never depend on the real date.
"""

from __future__ import annotations

import datetime
import os

from generator.errors import UsageError

ENV_VAR = "MODELOPS_TODAY"


def today() -> datetime.date:
    setting = os.environ.get(ENV_VAR, "").strip()
    if not setting:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(setting)
    except ValueError:
        raise UsageError(f"{ENV_VAR}={setting!r}: expected a date such as 2026-12-31") from None
