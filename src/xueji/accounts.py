"""Account and password policy (Art 30): the library checks and explains; it never
stores passwords.

Art 30 asks for passwords "of a certain complexity, changed periodically". Two
profiles a deployment picks from:

* :data:`DENGBAO_L3`: the 等保 2.0 level-3 baseline common in Chinese government
  systems: at least 8 characters, 3 of 4 character classes, change every 90 days,
  lock after 5 failures.
* :data:`OWASP_ASVS_L2`: OWASP ASVS 5.0 level 2: at least 8 characters (15
  recommended), no composition rules, no forced rotation, a check against common
  passwords; failures are rate-limited rather than counted to a lock.

Accounts unused for more than six months are flagged for freezing (the 2025
national revision of the registry rules).

>>> check_password("Abc12345", DENGBAO_L3).allowed
True
>>> check_password("abcdefgh", DENGBAO_L3).codes
('password.classes',)
>>> check_password("123456789", OWASP_ASVS_L2).codes
('password.common', 'password.recommended_length')
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

import attrs
from dateutil.relativedelta import relativedelta

from xueji.decision import Decision, Violation
from xueji.rules._base import violation

__all__ = [
    "COMMON_PASSWORDS",
    "DENGBAO_L3",
    "OWASP_ASVS_L2",
    "PasswordPolicy",
    "check_lockout",
    "check_password",
    "check_rotation",
    "inactive_accounts",
]


@attrs.frozen
class PasswordPolicy:
    """A password profile. ``None`` switches a rule off."""

    name: str
    source: str
    min_length: int
    recommended_length: int
    min_classes: int  # of lower, upper, digit, other; 0 = no composition rule
    max_age_days: int | None  # forced rotation
    lock_after_failures: int | None
    check_common: bool


DENGBAO_L3 = PasswordPolicy("dengbao-2.0-l3", "GB/T 22239-2019 第三级", 8, 8, 3, 90, 5, False)
OWASP_ASVS_L2 = PasswordPolicy(
    "owasp-asvs-5.0-l2", "OWASP ASVS 5.0 Level 2", 8, 15, 0, None, None, True
)


def _common() -> frozenset[str]:
    from importlib.resources import files

    text = files("xueji.data").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


COMMON_PASSWORDS = _common()
"""The most common passwords (``xueji/data/common-passwords.txt``)."""


def _classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def check_password(password: str, policy: PasswordPolicy) -> Decision:
    """Length, composition and common-password rules of ``policy``, explained."""
    found: list[Violation] = []
    warnings: list[Violation] = []
    if len(password) < policy.min_length:
        found.append(
            violation(
                "password.too_short",
                length=len(password),
                minimum=policy.min_length,
                policy=policy.name,
            )
        )
    if policy.min_classes and _classes(password) < policy.min_classes:
        found.append(
            violation(
                "password.classes",
                classes=_classes(password),
                minimum=policy.min_classes,
                policy=policy.name,
            )
        )
    if policy.check_common and password.lower() in COMMON_PASSWORDS:
        found.append(violation("password.common", policy=policy.name))
    if policy.min_length <= len(password) < policy.recommended_length:
        warnings.append(
            violation(
                "password.recommended_length",
                length=len(password),
                recommended=policy.recommended_length,
                policy=policy.name,
            )
        )
    return Decision(found, warnings)


def check_rotation(last_changed: _dt.date, *, today: _dt.date, policy: PasswordPolicy) -> Decision:
    """Whether the password must be changed (forced rotation, where the policy has it)."""
    if policy.max_age_days is None:
        return Decision.allow()
    age = (today - last_changed).days
    if age <= policy.max_age_days:
        return Decision.allow()
    return Decision.refuse(
        violation(
            "password.expired", age_days=age, max_age_days=policy.max_age_days, policy=policy.name
        )
    )


def check_lockout(failures: int, policy: PasswordPolicy) -> Decision:
    """Whether consecutive failures lock the account."""
    if policy.lock_after_failures is None or failures < policy.lock_after_failures:
        return Decision.allow()
    return Decision.refuse(
        violation(
            "account.locked",
            failures=failures,
            limit=policy.lock_after_failures,
            policy=policy.name,
        )
    )


def inactive_accounts(
    last_used: Mapping[str, _dt.date], *, today: _dt.date, months: int = 6
) -> list[str]:
    """Accounts not used for more than ``months`` months: to be frozen."""
    cutoff = today - relativedelta(months=months)
    return sorted(account for account, used in last_used.items() if used < cutoff)
