"""Passwords, accounts (Art 30) and minors' consent (PIPL Arts 28, 31)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import D, Province
from xueji.accounts import (
    COMMON_PASSWORDS,
    DENGBAO_L3,
    OWASP_ASVS_L2,
    check_lockout,
    check_password,
    check_rotation,
    inactive_accounts,
)
from xueji.errors import XuejiError
from xueji.model import Consent


@pytest.mark.parametrize(
    ("password", "dengbao", "owasp"),
    [
        ("Abc12345", (), ("password.recommended_length",)),
        ("abcdefgh", ("password.classes",), ("password.recommended_length",)),
        ("Ab1!", ("password.too_short",), ("password.too_short",)),
        ("123456789", ("password.classes",), ("password.common", "password.recommended_length")),
        ("correct horse battery staple", ("password.classes",), ()),
        ("Tr0ub4dor&3xyzab", (), ()),
        # the ends of each length (found by the test review): 7 characters are too
        # short, 8 are enough; 14 are short of ASVS's recommended 15, 15 are not
        ("Ab1!xyz", ("password.too_short",), ("password.too_short",)),
        ("Ab1!xyzw", (), ("password.recommended_length",)),
        ("Ab1!xyzwabcdef", (), ("password.recommended_length",)),
        ("Ab1!xyzwabcdefg", (), ()),
        # a common password in capitals is as common (the list is compared lower-cased)
        ("ASDFGHJKL", ("password.classes",), ("password.common", "password.recommended_length")),
    ],
)
def test_art30_password_profiles(
    password: str, dengbao: tuple[str, ...], owasp: tuple[str, ...]
) -> None:
    assert check_password(password, DENGBAO_L3).codes == dengbao
    assert check_password(password, OWASP_ASVS_L2).codes == owasp
    assert all(v.article.number == 30 for v in check_password(password, DENGBAO_L3).violations)


def test_art30_rotation_and_lockout() -> None:
    assert check_rotation(D(2026, 1, 1), today=D(2026, 3, 31), policy=DENGBAO_L3).allowed
    # 90 days old is the last day it may be kept, 91 too old (found by the test review)
    assert (D(2026, 4, 1) - D(2026, 1, 1)).days == DENGBAO_L3.max_age_days == 90
    assert check_rotation(D(2026, 1, 1), today=D(2026, 4, 1), policy=DENGBAO_L3).allowed
    assert check_rotation(D(2026, 1, 1), today=D(2026, 4, 2), policy=DENGBAO_L3).codes == (
        "password.expired",
    )
    assert check_rotation(D(2000, 1, 1), today=D(2026, 4, 2), policy=OWASP_ASVS_L2).allowed
    assert check_lockout(4, DENGBAO_L3).allowed
    assert check_lockout(5, DENGBAO_L3).codes == ("account.locked",)
    assert check_lockout(50, OWASP_ASVS_L2).allowed  # rate-limited, not locked


def test_art30_inactive_accounts_are_flagged() -> None:
    used = {"a": D(2026, 5, 27), "b": D(2026, 5, 29), "c": D(2025, 1, 1)}
    assert inactive_accounts(used, today=D(2026, 11, 28)) == ["a", "c"]


def test_common_password_list_is_loaded() -> None:
    assert "123456" in COMMON_PASSWORDS
    assert "#" not in "".join(COMMON_PASSWORDS)


def test_art30_consent_for_a_child_under_14(province: Province) -> None:
    from tests.conftest import make_id, school_actor
    from xueji.model import Photo

    kw = {
        "school": "A",
        "class_id": "A-1",
        "grade": 1,
        "name": "甲",
        "sex": "M",
        "birth_date": D(2020, 3, 1),
        "hukou_region": "340104",
        "photo": Photo(D(2026, 9, 1), "x"),
    }
    out = province.reg.enroll(school_actor("A"), id_number=make_id(D(2020, 3, 1)), **kw)  # type: ignore[arg-type]
    assert out.allowed
    assert out.decision.codes == ("privacy.consent_missing",)
    consent = Consent("guardian_consent", "甲的母亲", D(2026, 8, 30))
    ok = province.reg.enroll(
        school_actor("A"), id_number=make_id(D(2020, 3, 1)), consent=consent, **kw
    )  # type: ignore[arg-type]
    assert ok.decision.codes == ()
    assert ok.student is not None
    assert ok.student.consent == consent


@pytest.mark.parametrize(
    ("used", "today", "flagged"),
    [
        # six months and three days unused: the month-end of February is no excuse
        (D(2026, 2, 28), D(2026, 8, 31), True),
        (D(2026, 2, 28), D(2026, 8, 28), False),  # six months to the day
        (D(2026, 2, 28), D(2026, 8, 29), True),
        # from a 31st into a short month: the anniversary is the month's last day
        (D(2026, 8, 31), D(2027, 2, 28), False),
        (D(2026, 8, 31), D(2027, 3, 1), True),
        (D(2026, 8, 29), D(2027, 2, 28), False),
        # leap years
        (D(2024, 2, 29), D(2024, 8, 29), False),
        (D(2024, 2, 29), D(2024, 8, 30), True),
        (D(2023, 8, 31), D(2024, 2, 29), False),
        (D(2023, 8, 31), D(2024, 3, 1), True),
        (D(2026, 12, 31), D(2027, 6, 30), False),
        (D(2026, 12, 31), D(2027, 7, 1), True),
    ],
)
def test_art30_inactive_means_past_the_month_anniversary_of_the_last_use(
    used: dt.date, today: dt.date, flagged: bool
) -> None:
    """Review finding: the cutoff was ``today - 6 months``, which clamps at a month's
    end, so an account last used on 2026-02-28 was not flagged on 2026-08-31 (six
    months and three days). An account is flagged once ``used + months`` (clamped to
    the month's last day) is before today."""
    assert inactive_accounts({"a": used}, today=today) == (["a"] if flagged else [])


def test_art30_inactive_accounts_over_other_periods() -> None:
    used = {"a": D(2024, 2, 29), "b": D(2025, 2, 28)}
    assert inactive_accounts(used, today=D(2025, 3, 1), months=12) == ["a"]
    assert inactive_accounts(used, today=D(2025, 2, 28), months=12) == []
    assert inactive_accounts(used, today=D(2025, 3, 1), months=1) == ["a"]
    assert inactive_accounts(used, today=D(2025, 3, 29), months=1) == ["a", "b"]
    assert inactive_accounts(used, today=D(2025, 3, 1), months=10**6) == []  # past year 9999


def _bad(call: Any, code: str = "account.bad_input") -> XuejiError:
    with pytest.raises(XuejiError) as err:
        call()
    assert err.value.code == code
    assert err.value.message_zh != err.value.message_en
    return err.value


def test_art30_account_checks_refuse_arguments_of_the_wrong_type() -> None:
    """Review finding: each raised a raw TypeError or AttributeError (or, for a
    negative count of months or failures, answered as if it meant something)."""
    today = D(2026, 11, 28)
    calls: list[Any] = [
        lambda: check_password(None, DENGBAO_L3),
        lambda: check_password(12345678, DENGBAO_L3),
        lambda: check_password(b"Abc12345", DENGBAO_L3),
        lambda: check_password("Abc12345", "dengbao"),
        lambda: check_password("Abc12345", None),
        lambda: check_rotation(dt.datetime(2026, 1, 1), today=D(2026, 4, 2), policy=DENGBAO_L3),
        lambda: check_rotation("2026-01-01", today=D(2026, 4, 2), policy=DENGBAO_L3),
        lambda: check_rotation(D(2026, 1, 1), today=dt.datetime(2026, 4, 2), policy=DENGBAO_L3),
        lambda: check_rotation(D(2026, 1, 1), today=D(2026, 4, 2), policy="dengbao"),
        lambda: check_rotation(D(2026, 1, 1), today=D(2026, 4, 2), policy=None),
        lambda: check_lockout("5", DENGBAO_L3),
        lambda: check_lockout(None, DENGBAO_L3),
        lambda: check_lockout(5.0, DENGBAO_L3),
        lambda: check_lockout(True, DENGBAO_L3),
        lambda: check_lockout(-1, DENGBAO_L3),
        lambda: check_lockout(-1, OWASP_ASVS_L2),
        lambda: check_lockout(3, "dengbao"),
        lambda: inactive_accounts({"a": None}, today=today),
        lambda: inactive_accounts({"a": dt.datetime(2026, 1, 1)}, today=today),
        lambda: inactive_accounts({"a": "2026-01-01"}, today=today),
        lambda: inactive_accounts({1: D(2026, 1, 1)}, today=today),
        lambda: inactive_accounts([("a", D(2026, 1, 1))], today=today),
        lambda: inactive_accounts({"a": D(2026, 1, 1)}, today=dt.datetime(2026, 11, 28)),
        lambda: inactive_accounts({"a": D(2026, 1, 1)}, today="2026-11-28"),
        lambda: inactive_accounts({"a": D(2026, 11, 27)}, today=today, months=0),
        lambda: inactive_accounts({"a": D(2026, 11, 27)}, today=today, months=-6),
        lambda: inactive_accounts({"a": D(2026, 11, 27)}, today=today, months=6.0),
        lambda: inactive_accounts({"a": D(2026, 11, 27)}, today=today, months=True),
    ]
    for call in calls:
        _bad(call)
    # what they accept is unchanged
    assert check_lockout(0, DENGBAO_L3).allowed
    assert inactive_accounts({}, today=today) == []
    err = _bad(lambda: check_password(b"Abc12345", DENGBAO_L3))
    assert "bytes" in err.message_en
