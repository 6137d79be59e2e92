"""Enrolment rules (Arts 12-16): age, duplicates, photo, classes, deadlines.

>>> import datetime as dt
>>> from xueji.policy import ANHUI_2013
>>> check_age(dt.date(2020, 8, 31), entry_year=2026, policy=ANHUI_2013).allowed
True
>>> check_age(dt.date(2020, 9, 1), entry_year=2026, policy=ANHUI_2013).codes
('enrolment.too_young',)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta

from xueji.decision import Decision, Violation
from xueji.ids import parse as parse_id
from xueji.model import School, SchoolClass, Student
from xueji.policy.model import Policy
from xueji.policy.values import Stage
from xueji.rules._base import full_years, violation

__all__ = [
    "check_age",
    "check_class",
    "check_duplicate",
    "check_entry_deadline",
    "check_id_agreement",
    "check_photo",
    "check_stage",
]


def check_age(birth_date: _dt.date, *, entry_year: int, policy: Policy) -> Decision:
    """Art 14: no registry for pre-school children: the student must be at least
    ``school_entry_age`` years old on ``school_entry_age_cutoff`` of the entry year.

    The rule applies to every grade (a pre-school child cannot hold a registry in
    any grade); older students are never refused by it.
    """
    cutoff = policy.school_entry_age_cutoff.value.in_year(entry_year)
    age = full_years(birth_date, cutoff)
    if age >= policy.school_entry_age.value:
        return Decision.allow()
    return Decision.refuse(
        violation(
            "enrolment.too_young",
            article=policy.school_entry_age.article,
            birth_date=birth_date.isoformat(),
            cutoff=cutoff.isoformat(),
            age_at_cutoff=age,
            minimum=policy.school_entry_age.value,
        )
    )


def check_id_agreement(
    id_number: str | None, *, sex: str, birth_date: _dt.date, today: _dt.date
) -> Decision:
    """Art 29: sex and birth date must agree with the identity number."""
    if id_number is None:
        return Decision.allow()
    rid = parse_id(id_number, today=today)
    found: list[Violation] = []
    if rid.sex != sex or rid.birth_date != birth_date:
        found.append(
            violation(
                "enrolment.id_mismatch",
                id_number=rid.masked(),
                sex=sex,
                id_sex=rid.sex,
                birth_date=birth_date.isoformat(),
                id_birth_date=rid.birth_date.isoformat(),
            )
        )
    return Decision(found)


def check_duplicate(candidates: Iterable[Student], *, continuing: bool) -> Decision:
    """Art 14: no second registry for a student who has one.

    ``candidates`` are existing records of the same person (found by identity
    number, by registry number, or by guardian + name + birth date for a student
    without an identity number). A record that ended in graduation or completion may
    be continued into the next stage (Art 12: grades 7 and 10 keep the 学籍号) when
    ``continuing``; any other existing record is a duplicate. Voided records (entered
    in error) do not count.
    """
    from xueji.lifecycle.tables import StudentStatus as St

    found = []
    for s in candidates:
        if s.status is St.VOIDED:
            continue
        if continuing and s.status in (St.GRADUATED, St.COMPLETED):
            continue
        found.append(
            violation(
                "enrolment.duplicate",
                existing=s.id,
                registry_number=s.registry_number or "-",
                status=s.status.value,
                school=s.school,
            )
        )
    return Decision(found)


def check_photo(
    photo_taken: _dt.date | None, *, grade: int, entry_year: int, policy: Policy
) -> Decision:
    """Art 12: every initial-grade student has a photo taken in the year of entry."""
    if grade not in policy.initial_grades.value:
        return Decision.allow()
    if photo_taken is not None and photo_taken.year == entry_year:
        return Decision.allow()
    return Decision.refuse(
        violation(
            "enrolment.photo_missing",
            article=policy.initial_grades.article,
            grade=grade,
            entry_year=entry_year,
            photo_taken=photo_taken.isoformat() if photo_taken else "-",
        )
    )


def check_stage(school: School, stage: Stage) -> Decision:
    """Art 2: the school teaches the student's stage."""
    if stage in school.stages:
        return Decision.allow()
    return Decision.refuse(violation("enrolment.stage_mismatch", school=school.code, stage=stage))


def check_class(
    klass: SchoolClass, *, school: str, grade: int, stage: Stage, size: int, policy: Policy
) -> Decision:
    """Art 16: a real class of this school and grade, with a head teacher, under its cap.

    ``size`` is the number of registries the class already holds (not counting the
    student being placed).
    """
    found = []
    if klass.virtual:
        found.append(violation("class.virtual", class_id=klass.id))
    if not klass.head_teacher.strip():
        found.append(violation("class.no_head_teacher", class_id=klass.id))
    if klass.school != school or klass.grade != grade:
        found.append(
            violation(
                "class.wrong_school",
                class_id=klass.id,
                school=school,
                grade=grade,
                class_school=klass.school,
                class_grade=klass.grade,
            )
        )
    cap = policy.class_size_caps.value.get(stage)
    if cap is not None and size + 1 > cap:
        found.append(
            violation(
                "class.full",
                article=policy.class_size_caps.article,
                class_id=klass.id,
                size=size,
                cap=cap,
            )
        )
    return Decision(found)


def check_entry_deadline(on: _dt.date, *, entry_date: _dt.date, policy: Policy) -> Decision:
    """Art 15: entry and review finish by ``new_student_deadline`` (30 September) of the
    entry year; a profile with ``registration_within_months`` (national: one month
    after entry) also checks that. Lateness is a warning (flagged for Art 32), never
    a refusal: a late student still gets a registry.
    """
    warnings = []
    md = policy.new_student_deadline.value
    due = md.in_year(entry_date.year) if md is not None else None
    if md is not None and due is not None and entry_date > due:
        due = md.in_year(entry_date.year + 1)  # entered after the autumn deadline: next year's
    if due is not None and on > due:
        warnings.append(
            violation(
                "enrolment.late",
                article=policy.new_student_deadline.article,
                on=on.isoformat(),
                deadline=due.isoformat(),
            )
        )
    months = policy.registration_within_months.value
    if months is not None:
        limit = entry_date + relativedelta(months=months)
        if on > limit:
            warnings.append(
                violation(
                    "enrolment.registration_late",
                    article=policy.registration_within_months.article,
                    on=on.isoformat(),
                    entry_date=entry_date.isoformat(),
                    limit=limit.isoformat(),
                )
            )
    return Decision.allow(warnings=warnings)
