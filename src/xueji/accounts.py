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
national revision of the registry rules): once the same day six months after the
last use (the month's last day when that month is shorter) has passed.

An argument of the wrong type (a password that is not ``str``, a policy that is not a
:class:`PasswordPolicy`, a ``datetime`` or text where a date belongs, a count that is
not a whole number or is negative) is :class:`~xueji.errors.XuejiError` with code
``account.bad_input``, in Chinese and English.

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
from xueji.errors import XuejiError
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


def _bad_input(zh: str, en: str) -> XuejiError:
    return XuejiError("account.bad_input", zh, en)


def _check_policy(policy: object) -> None:
    if not isinstance(policy, PasswordPolicy):
        kind = type(policy).__name__
        raise _bad_input(
            f"密码策略应为 PasswordPolicy（如 DENGBAO_L3），而不是 {kind}",
            f"the policy must be a PasswordPolicy (such as DENGBAO_L3), not {kind}",
        )


def _check_date(value: object, what_zh: str, what_en: str) -> None:
    """A ``datetime.date``, not a ``datetime`` (whose day depends on its time zone:
    convert it with :func:`xueji.workdays.as_china_date`) nor ISO text."""
    if type(value) is not _dt.date:
        kind = type(value).__name__
        raise _bad_input(
            f"{what_zh}应为日期（date），而不是 {kind}（datetime 请先用"
            " xueji.workdays.as_china_date 转换，文本请先用 date.fromisoformat）",
            f"{what_en} must be a date, not {kind} (convert a datetime with"
            " xueji.workdays.as_china_date, text with date.fromisoformat)",
        )


def _check_count(value: object, what_zh: str, what_en: str, minimum: int) -> int:
    """A whole number (an ``int``, not a ``bool``) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        kind = type(value).__name__
        raise _bad_input(
            f"{what_zh}应为整数，而不是 {kind}", f"{what_en} must be an int, not {kind}"
        )
    if value < minimum:
        raise _bad_input(
            f"{what_zh}至少为 {minimum}，而不是 {value}",
            f"{what_en} must be at least {minimum}, not {value}",
        )
    return int(value)


def check_password(password: str, policy: PasswordPolicy) -> Decision:
    """Length, composition and common-password rules of ``policy``, explained.

    ``password`` is ``str`` (``bytes`` are decoded by the caller, who knows their
    encoding)."""
    if not isinstance(password, str):
        kind = type(password).__name__
        raise _bad_input(
            f"密码应为文本（str），而不是 {kind}", f"a password must be a str, not {kind}"
        )
    _check_policy(policy)
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
    _check_date(last_changed, "密码修改日期", "the date the password was changed")
    _check_date(today, "今天", "today")
    _check_policy(policy)
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
    """Whether ``failures`` consecutive failures (a whole number, 0 or more) lock the
    account."""
    _check_count(failures, "连续失败次数", "the number of failures", 0)
    _check_policy(policy)
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
    """Accounts not used for more than ``months`` months (1 or more): to be frozen.

    Reading: an account is flagged once the day ``months`` months after its last use
    has passed, that day being the month's last when the month is shorter (last used
    on 2026-02-28: flagged from 2026-08-29; on 2026-08-31: from 2027-03-01; on
    2024-02-29, a leap day: from 2024-08-30). Before, the cutoff was counted back
    from today, which clamped at a month's end the other way: an account last used
    on 2026-02-28 was not flagged on 2026-08-31, six months and three days later.

    ``last_used`` maps each account's name (``str``) to the ``date`` it was last
    used; a ``datetime`` or text is refused (``account.bad_input``), as is a
    ``today`` that is not a date.

    >>> import datetime as dt
    >>> inactive_accounts({"a": dt.date(2026, 2, 28)}, today=dt.date(2026, 8, 31))
    ['a']
    """
    _check_date(today, "今天", "today")
    months = _check_count(months, "月数", "the number of months", 1)
    if not isinstance(last_used, Mapping):
        kind = type(last_used).__name__
        raise _bad_input(
            f"最后使用日期应为映射（账户名 → 日期），而不是 {kind}",
            f"last_used must be a mapping (account name -> date), not {kind}",
        )
    for account, used in last_used.items():
        if not isinstance(account, str):
            kind = type(account).__name__
            raise _bad_input(
                f"账户名应为文本，而不是 {kind}", f"an account name must be a str, not {kind}"
            )
        _check_date(used, f"账户 {account} 的最后使用日期", f"the last use of account {account}")
    return sorted(
        account for account, used in last_used.items() if _unused_since(used, months) < today
    )


def _unused_since(used: _dt.date, months: int) -> _dt.date:
    """The day ``months`` months after ``used`` (clamped to the month's end), or
    :data:`datetime.date.max` when that is past year 9999."""
    try:
        return used + relativedelta(months=months)
    except (OverflowError, ValueError):
        return _dt.date.max
