"""Privacy rules for minors' data (PIPL Arts 28, 31).

A child under 14's personal information is sensitive (PIPL Art 28); processing it
needs the consent of a parent or guardian (Art 31). The registry records the basis on
the student (:class:`~xueji.model.Consent`). Reading: a registry is also kept under a
legal duty (PIPL Art 13(3)), so a missing consent is a warning for the school to
complete, not a refusal to register a child.

>>> import datetime as dt
>>> check_consent(dt.date(2020, 3, 1), None, on=dt.date(2026, 9, 1)).codes
('privacy.consent_missing',)
"""

from __future__ import annotations

import datetime as _dt

from xueji.decision import Decision
from xueji.model import Consent
from xueji.rules._base import full_years, violation

__all__ = ["CONSENT_AGE", "check_consent"]

CONSENT_AGE = 14
"""Under this age a guardian's consent is needed (PIPL Art 31)."""


def check_consent(birth_date: _dt.date, consent: Consent | None, *, on: _dt.date) -> Decision:
    """A warning when a child under 14 has no recorded basis for processing."""
    age = full_years(birth_date, on)
    if age >= CONSENT_AGE or consent is not None:
        return Decision.allow()
    return Decision.allow(
        warnings=[violation("privacy.consent_missing", age=age, on=on.isoformat())]
    )
