"""Privacy rules for minors' data (PIPL Arts 28, 31).

A child under 14's personal information is sensitive (PIPL Art 28); processing it
needs the consent of a parent or guardian (Art 31). The registry records the basis on
the student (:class:`~xueji.model.Consent`). Reading: a registry is also kept under a
legal duty (PIPL Art 13(3)), so a missing consent is a warning for the school to
complete, not a refusal to register a child.

>>> import datetime as dt
>>> check_consent(dt.date(2020, 3, 1), None, on=dt.date(2026, 9, 1)).codes
('privacy.consent_missing',)
>>> step = check_consent(dt.date(2010, 3, 1), None, on=dt.date(2026, 9, 1)).steps[0]
>>> step.verdict.value, dict(step.facts)["age"], [p.name for p in step.params]
('allow', '16', ['consent_age'])
"""

from __future__ import annotations

import datetime as _dt

from xueji.articles import Article
from xueji.decision import Decision
from xueji.explain import ParamUse
from xueji.model import Consent
from xueji.rules._base import Checks, full_years

__all__ = ["CONSENT_AGE", "CONSENT_BASES", "check_consent"]

CONSENT_AGE = 14
"""Under this age a guardian's consent is needed (PIPL Art 31)."""

CONSENT_BASES = frozenset({"guardian_consent", "legal_duty"})
"""The bases a :class:`~xueji.model.Consent` may record: ``guardian_consent``, a
parent's or other guardian's consent (PIPL Art 31, what the Excel import and the
demonstration record), and ``legal_duty``, the registry kept under a legal duty (PIPL
Art 13(3); the reading of the module). Any other text (an empty one) is bad input at
the registry's door: before, it cleared ``privacy.consent_missing``."""

_CONSENT_AGE = ParamUse(
    "consent_age", str(CONSENT_AGE), Article("个人信息保护法", 31), note="a statute, not a policy"
)


def check_consent(birth_date: _dt.date, consent: Consent | None, *, on: _dt.date) -> Decision:
    """A warning when a child under 14 has no recorded basis for processing.

    The step shows the basis recorded (never the guardian's details)."""
    age = full_years(birth_date, on)
    c = Checks()
    c.check(
        "privacy.consent_missing",
        age >= CONSENT_AGE or consent is not None,
        {"age": age, "on": on},
        warn=True,
        params=(_CONSENT_AGE,),
        seen={"consent": consent.basis if consent is not None else "-"},
    )
    return c.decision()
