"""Passwords, accounts (Art 30) and minors' consent (PIPL Arts 28, 31)."""

from __future__ import annotations

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
