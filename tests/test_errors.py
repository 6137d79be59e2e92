"""The errors a host application handles: every one importable from the package face,
and messages whose Chinese half is Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import xueji
from xueji import errors
from xueji.errors import ConcurrencyConflict, DuplicateKey, StaleVersion

ROOT = Path(__file__).resolve().parent.parent


def test_every_error_is_in_the_package_face() -> None:
    """Found by the host review: ``xueji.AccessDenied`` (the Art 28 refusal a host maps
    to 403) was not exported, nor ``ClockBackwards``, ``ReadOnlyRecord``, ``NotADate``:
    a host had to know their module."""
    classes = [n for n in errors.__all__ if isinstance(getattr(errors, n), type)]
    assert "AccessDenied" in classes
    missing = [name for name in classes if name not in xueji.__all__]
    assert missing == []
    for name in classes:
        assert getattr(xueji, name) is getattr(errors, name)


_KINDS = ("unit", "school", "class", "student", "request", "change log", "change log entry")


@pytest.mark.parametrize("kind", _KINDS)
def test_a_conflicts_and_a_duplicates_chinese_names_the_kind_in_chinese(kind: str) -> None:
    """Found by the host review: ``student S0000001 已被修改（...）``, ``school A 已存在``:
    the record's kind went into the Chinese half in English."""
    from xueji.registry import _expect
    from xueji.storage.sql import _conflict

    made = [
        ConcurrencyConflict.version(kind, "K1", 5, 6),
        DuplicateKey(kind, "K1"),
        DuplicateKey(kind, "K1", adding="unit" if kind != "unit" else "school"),
        _conflict(kind, "K1"),
    ]
    with pytest.raises(StaleVersion) as stale:
        _expect(kind, "K1", 5, 6)
    made.append(stale.value)
    for e in made:
        assert not re.search(r"[A-Za-z]{2,}", e.message_zh.replace("K1", "")), e.message_zh
        assert kind in e.message_en


def test_the_chinese_names_of_the_kinds() -> None:
    assert DuplicateKey("school", "A").message_zh == "学校 A 已存在"
    assert DuplicateKey("unit", "340104", adding="school").message_zh == (
        "单位 340104 已存在：学校不能使用其代码（单位与学校共用一套代码）"
    )
    assert ConcurrencyConflict.version("student", "S0000001", 5, 6).message_zh == (
        "学生 S0000001 已被修改（版本 6，期望 5）"
    )
    assert DuplicateKey("school", "A").kind == "school"  # (the code a program reads)


def test_the_registry_guide_lists_the_errors_a_handler_meets() -> None:
    """Found by the host review: docs/registry.md's list left out ``AccessDenied``, and
    did not say that ``Refused`` is a ``PermissionError`` too (a host mapping
    ``PermissionError`` to 403 answered a rule's refusal as an access denial)."""
    text = (ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
    section = text.split("## Outcomes, refusals and errors", 1)[1].split("\n## ", 1)[0]
    for said in (
        "`AccessDenied`",
        "`access.denied`",
        "403",
        "`DuplicateKey`",
        "`storage.duplicate`",
        "`PermissionError`",
        "`idempotency.mismatch`",
        "`e.code`",
    ):
        assert said in section, said
    assert issubclass(xueji.Refused, PermissionError)
    assert issubclass(xueji.AccessDenied, PermissionError)
    assert not issubclass(xueji.XuejiError, ValueError)  # (command.bad_input: e.code)
