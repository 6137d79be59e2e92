"""Transfer legality (Arts 20-25).

Pure checks over :class:`TransferFacts`. The city of a school is found through its
supervising-unit tree (Art 4), not guessed from codes; the city of a student's 户籍 is
the first four digits of its GB/T 2260 code (the only thing a 户籍 record gives).

Readings chosen:

* **Same-city school choice (Art 25(1)).** A student whose 户籍 is in the city of both
  the sending and the receiving school, moving for a reason other than a guardian's
  job move or a change of 户籍 or address (Art 20), is choosing a school: refused.
* **借读 into a senior high (Art 25(1)).** A transfer into a senior high of one city
  from a school of another city is flagged for verification of its material
  (warning ``transfer.verify_material``); material found false is refused.
* **Term window (Art 25(2)).** The policy's ``transfer_window`` and ``terms``. Inside
  a term but outside the window, a transfer needs a stated reason: a warning with
  one, a refusal without. Between terms, no warning.
"""

from __future__ import annotations

import datetime as _dt

import attrs
from dateutil.relativedelta import relativedelta

from xueji.decision import Decision, Violation
from xueji.lifecycle.tables import StudentStatus
from xueji.model import Student, TransferReason
from xueji.policy.model import Policy
from xueji.policy.values import Stage, WindowReading
from xueji.rules._base import violation

__all__ = ["TransferFacts", "check_abroad", "check_transfer", "in_transfer_window"]


@attrs.frozen
class TransferFacts:
    """What a transfer decision looks at."""

    student: Student
    from_school: str
    to_school: str
    from_city: str  # the city unit of the sending school's authority tree
    to_city: str
    from_city_region: str  # that city's GB/T 2260 code
    to_city_region: str
    to_stages: frozenset[Stage]  # the stages the receiving school teaches
    from_special: bool  # the sending school is a special-education school
    to_special: bool
    reason: TransferReason
    stated_reason: str = ""
    material_false: bool = False  # the authority found the material false (Art 25)
    open_transfers: int = 0  # open transfer requests of this student


def in_transfer_window(on: _dt.date, policy: Policy) -> tuple[bool, str]:
    """Whether ``on`` is a normal time for a transfer (Art 25(2)), and the term it is in.

    Returns (True, "") between terms.
    """
    window = policy.transfer_window.value
    span = relativedelta(months=window.months)
    for term in policy.terms.value:
        for year in (on.year - 1, on.year):
            first, last = term.dates(year)
            if not first <= on <= last:
                continue
            if window.reading is WindowReading.START_OR_END:
                ok = on <= first + span or on >= last - span
            else:
                ok = on <= last - span
            return ok, term.name
    return True, ""


def _same_city_prefix(region: str, city_region: str) -> bool:
    return region[:4] == city_region[:4]


def check_transfer(facts: TransferFacts, *, on: _dt.date, policy: Policy) -> Decision:
    """Every legality rule for an in-province transfer request on ``on``."""
    s = facts.student
    found: list[Violation] = []
    warnings: list[Violation] = []
    if s.status is not StudentStatus.REGISTERED:
        found.append(violation("transfer.status", student=s.id, status=s.status.value))
    if facts.open_transfers:
        found.append(violation("transfer.already_open", student=s.id))
    if facts.from_school == facts.to_school:
        found.append(violation("transfer.same_school", school=facts.to_school))
    if s.special_needs and facts.from_special != facts.to_special:
        found.append(
            violation(
                "transfer.not_needed",
                student=s.id,
                from_school=facts.from_school,
                to_school=facts.to_school,
            )
        )
    if facts.reason is TransferReason.OTHER and not facts.stated_reason.strip():
        found.append(violation("transfer.reason_missing", student=s.id))
    same_city = facts.from_city == facts.to_city
    if (
        same_city
        and _same_city_prefix(s.hukou_region, facts.to_city_region)
        and facts.reason is TransferReason.OTHER
    ):
        found.append(
            violation(
                "transfer.same_city_choice",
                student=s.id,
                city=facts.to_city,
                hukou_region=s.hukou_region,
                reason=facts.reason.value,
            )
        )
    if Stage.SENIOR in facts.to_stages and s.stage is Stage.SENIOR and not same_city:
        if facts.material_false:
            found.append(violation("transfer.false_material", student=s.id, to_city=facts.to_city))
        else:
            warnings.append(
                violation(
                    "transfer.verify_material",
                    student=s.id,
                    from_city=facts.from_city,
                    to_city=facts.to_city,
                )
            )
    blackout = policy.transfer_blackout.value
    if blackout is not None:
        start, end = (blackout[0].in_year(on.year), blackout[1].in_year(on.year))
        if start <= on <= end:
            found.append(
                violation(
                    "transfer.blackout",
                    article=policy.transfer_blackout.article,
                    on=on.isoformat(),
                    start=start.isoformat(),
                    end=end.isoformat(),
                )
            )
    ok, term = in_transfer_window(on, policy)
    if not ok:
        code = "transfer.mid_term" if facts.stated_reason.strip() else "transfer.mid_term_no_reason"
        v = violation(
            code,
            article=policy.transfer_window.article,
            on=on.isoformat(),
            term=term,
            stated_reason=facts.stated_reason or "-",
        )
        (warnings if code == "transfer.mid_term" else found).append(v)
    return Decision(found, warnings)


def check_abroad(
    student: Student, *, destination: str, leave_date: _dt.date | None, reason: str
) -> Decision:
    """Art 23: a cross-border transfer out states destination, date and reason."""
    found = []
    if student.status is not StudentStatus.REGISTERED:
        found.append(violation("transfer.status", student=student.id, status=student.status.value))
    if not destination.strip() or leave_date is None or not reason.strip():
        found.append(
            violation(
                "transfer.abroad_details",
                student=student.id,
                destination=destination or "-",
                reason=reason or "-",
                date=leave_date.isoformat() if leave_date else "-",
            )
        )
    return Decision(found)
