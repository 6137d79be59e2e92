"""Key-field lock and corrections (Art 29), and school-maintained information (Art 17).

Once a record is submitted, 姓名, 性别, 出生年月, 身份证号 and 照片 (the policy's
``locked_fields``) cannot be changed directly; a correction request approved by the
supervising unit changes them. Art 17 information (简历, 成绩, 评价, 奖励, 处分) is
changed by the school with no review.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from xueji.decision import Decision
from xueji.model import Student
from xueji.policy.model import Policy
from xueji.rules._base import violation
from xueji.rules.enrolment import check_id_agreement

__all__ = ["KEY_FIELDS", "check_correction", "check_direct_edit"]

KEY_FIELDS = ("name", "sex", "birth_date", "id_number", "photo")
"""The fields a policy may lock (Art 29)."""


def check_direct_edit(student: Student, fields: Mapping[str, object], policy: Policy) -> Decision:
    """Art 29: a direct edit may not touch a locked field once the record is submitted."""
    if not student.submitted:
        return Decision.allow()
    locked = sorted(set(fields) & policy.locked_fields.value)
    if not locked:
        return Decision.allow()
    return Decision.refuse(
        violation(
            "correction.locked",
            article=policy.locked_fields.article,
            student=student.id,
            fields=",".join(locked),
        )
    )


def check_correction(
    student: Student, changes: Mapping[str, object], *, today: _dt.date, policy: Policy
) -> Decision:
    """Art 29: a correction touches key fields only, changes something, and leaves sex
    and birth date in agreement with the identity number."""
    found = []
    other = sorted(set(changes) - policy.locked_fields.value)
    if other or not changes:
        found.append(violation("correction.not_key_field", fields=",".join(other) or "-"))
    if changes and all(getattr(student, k, None) == v for k, v in changes.items()):
        found.append(violation("correction.no_change", student=student.id))
    if found:
        return Decision(found)
    after = {k: changes.get(k, getattr(student, k)) for k in ("id_number", "sex", "birth_date")}
    return check_id_agreement(
        after["id_number"],  # type: ignore[arg-type]
        sex=str(after["sex"]),
        birth_date=after["birth_date"],  # type: ignore[arg-type]
        today=today,
    )
