"""Key-field lock and corrections (Art 29), and school-maintained information (Art 17).

Once a record is submitted, 姓名, 性别, 出生年月, 身份证号 and 照片 (the policy's
``locked_fields``) cannot be changed directly; a correction request approved by the
supervising unit changes them. Art 17 information (简历, 成绩, 评价, 奖励, 处分) is
changed by the school with no review.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import TypeVar

from xueji.decision import Decision
from xueji.ids import normalize as normalize_id
from xueji.lifecycle import StudentStatus
from xueji.lifecycle.tables import STUDENT
from xueji.model import Student
from xueji.policy.model import PERSON_FIELDS, Policy
from xueji.rules._base import Checks
from xueji.rules.enrolment import (  # (_LINK: the duplicate's ``use``)
    _LINK,
    check_age,
    check_foreign_ids,
    check_guardian_id,
    check_id_agreement,
    check_photo,
)

__all__ = [
    "CORRECTABLE_FIELDS",
    "KEY_FIELDS",
    "NOT_HELD",
    "changed_fields",
    "changes_nothing",
    "check_agreement",
    "check_corrected_age",
    "check_corrected_photo",
    "check_correction",
    "check_direct_edit",
    "check_edit_changes",
    "check_edit_status",
    "check_filed_fields",
    "check_guardian_after",
    "check_id_kept",
    "check_ids_taken",
    "check_info",
    "check_key_fields_kept",
    "check_photo_kept",
    "check_still_changes",
    "check_unique_id",
    "locked_for",
]

KEY_FIELDS = ("name", "sex", "birth_date", "id_number", "photo")
"""The fields a policy may lock (Art 29)."""

CORRECTABLE_FIELDS = PERSON_FIELDS
"""Every field a correction may carry: the person's fields, which a profile may lock
(``locked_fields``: :data:`~xueji.policy.model.LOCKABLE_FIELDS`), and the guardian's
identity number, locked while it identifies a record with none of its own
(:func:`locked_for`)."""


def locked_for(student: Student, policy: Policy) -> frozenset[str]:
    """The fields of ``student`` a direct edit may not touch once submitted, and a
    correction may change: the policy's ``locked_fields`` and, while the record has no
    identity number and the policy locks the identity number, the guardian's identity
    number. Reading (Art 13 with Art 29): a student with no identity number is
    identified by a guardian's (其父母或其他法定监护人的身份证号码为标识号), which for
    that record is the 身份证号 Art 29 locks; before, it was edited (or removed) with
    no review, and the same child was then enrolled again (found by the review)."""
    fields = policy.locked_fields.value
    if "id_number" in fields and student.id_number is None and student.guardian_id:
        return fields | {"guardian_id"}
    return fields


def check_direct_edit(student: Student, fields: Mapping[str, object], policy: Policy) -> Decision:
    """Art 29: a direct edit may not touch a locked field once the record is submitted
    (the guardian's identity number too, while it identifies the record: :func:`locked_for`).

    A record past the draft (submitted for review, registered, or any status after)
    counts as submitted whatever its ``submitted`` flag says: only a draft is edited
    before it is reported (a draft continued at a new school keeps the flag of its
    first entry), and the flag of a record past it is false only if it was edited
    outside the registry (the record's digest reports that, Art 32(三)); the lock does
    not rest on the flag alone.

    The step shows the fields edited, whether the record is submitted, its status,
    and the policy's ``locked_fields``.
    """
    locked_fields = policy.locked_fields
    submitted = student.submitted or student.status is not StudentStatus.DRAFT
    locked = sorted(set(fields) & locked_for(student, policy)) if submitted else []
    c = Checks()
    c.rule(
        "correction.locked",
        not locked,
        article=locked_fields.article,
        params=(("locked_fields", locked_fields),),
        student=student.id,
        fields=",".join(locked or sorted(fields)) or "-",
        seen={"submitted": submitted, "status": student.status.value},
    )
    return c.decision()


NOT_HELD = frozenset(
    {StudentStatus.VOIDED, StudentStatus.CROSS_PROVINCE_OUT, StudentStatus.CROSS_BORDER_OUT}
)
"""The statuses of a record no longer the school's to maintain: voided (entered in
error), gone out of the province (Art 22) or the country (Art 23). A graduate's, a
dropout's and a suspended student's record stays the school's (its last results, a
kept registry)."""


def check_edit_status(student: Student) -> Decision:
    """Art 29 (with Arts 22-23): a direct edit is of a record held here, not one
    voided or gone out of the province or the country (:data:`NOT_HELD`). Before, a
    non-key field of a voided record was edited (found by the key-fields review)."""
    c = Checks()
    c.rule(
        "edit.status",
        student.status not in NOT_HELD,
        student=student.id,
        status=student.status.value,
    )
    return c.decision()


_V = TypeVar("_V")


def changed_fields(student: Student, fields: Mapping[str, _V]) -> dict[str, _V]:
    """The fields of a direct edit whose values differ from the record's (an identity
    number compared as the record holds it: :func:`_normalized`). The others change
    nothing, and the edit drops them: before, ``--no-migrant`` of a record not a
    migrant's logged ``migrant: False -> False`` (found by the CLI review)."""
    return {
        k: v
        for k, v in fields.items()
        if getattr(student, k, None) != (_normalized(v) if k in _ID_FIELDS else v)
    }


def check_edit_changes(student: Student, fields: Mapping[str, object]) -> Decision:
    """Art 29: a direct edit changes something (:func:`changed_fields`). One that
    changes nothing is no error (a form saved as it was): a warning, and the edit
    writes nothing, no record version and no change-log entry."""
    c = Checks()
    c.rule(
        "edit.no_change",
        bool(changed_fields(student, fields)),
        warn=True,
        student=student.id,
        seen={"given": ",".join(sorted(fields)) or "-"},
    )
    return c.decision()


def check_info(student: Student, entry_on: _dt.date, *, today: _dt.date) -> Decision:
    """Art 17: the school records information on a record it holds (not one of
    :data:`NOT_HELD`), and an entry dated today or earlier (it records what happened).
    Before, an entry was written to a voided record, one gone out of the province, and
    dated 2099 (found by the key-fields review). The steps show the record's status,
    and the entry's date beside today."""
    c = Checks()
    c.rule(
        "info.status",
        student.status not in NOT_HELD,
        student=student.id,
        status=student.status.value,
    )
    c.rule("info.future", entry_on <= today, on=entry_on, today=today)
    return c.decision()


_CORRECTABLE = ",".join(sorted(st.value for st in StudentStatus if STUDENT.get(st, "correct")))
"""The statuses whose record an approved correction can be applied to (the table): a
draft only if reported before (:func:`check_correction`)."""


def check_correction(
    student: Student, changes: Mapping[str, object], *, today: _dt.date, policy: Policy
) -> Decision:
    """Art 29: a correction touches key fields only, changes something, and leaves sex
    and birth date in agreement with the identity number (checked only when the
    first two rules pass)."""
    locked_fields = policy.locked_fields
    changed = {"changed": ",".join(sorted(changes)) or "-"}
    other = sorted(set(changes) - locked_for(student, policy))
    c = Checks()
    # a record that has left (graduated, transferred out, voided) could never take the
    # approved correction: refused when filed, not stuck at its approval. A draft is
    # edited directly, unless its key fields were reported before and stay locked (a
    # record taken up again, sent back by the review: Arts 15, 29)
    c.rule(
        "correction.status",
        STUDENT.get(student.status, "correct") is not None
        and (student.submitted or student.status is not StudentStatus.DRAFT),
        student=student.id,
        status=student.status.value,
        seen={"allowed_from": _CORRECTABLE},
    )
    c.rule(
        "correction.not_key_field",
        not (other or not changes),
        params=(("locked_fields", locked_fields),),
        fields=",".join(other) or "-",
        seen=changed,
    )
    c.rule(
        "correction.no_change",
        not changes_nothing(student, changes),
        student=student.id,
        seen=changed,
    )
    if c.found:
        return c.decision()
    kept = Decision.combine(check_id_kept(student, changes), check_photo_kept(student, changes))
    if not kept.allowed:
        return Decision.combine(c.decision(), kept)
    return Decision.combine(c.decision(), kept, check_agreement(student, changes, today=today))


def check_filed_fields(changes: Mapping[str, object], *, request: str) -> Decision:
    """Art 29, at approval: the stored correction holds fields a correction may change
    (:data:`CORRECTABLE_FIELDS`) and nothing else. Its fields were checked when it was
    filed (:func:`check_correction`); a request stored by another program, or changed
    in the database since, may hold others (a school, a grade, a status), which the
    approval applied to the record as they stood (found by the key-fields review: a
    student moved to another school by a name's correction). Refused, nothing written:
    the unit rejects it. The step names the fields that are no key field."""
    other = sorted(set(changes) - set(CORRECTABLE_FIELDS))
    c = Checks()
    c.rule(
        "correction.not_key_field",
        not (other or not changes),
        fields=",".join(other) or "-",
        request=request,
        seen={"changed": ",".join(sorted(changes)) or "-"},
    )
    return c.decision()


def changes_nothing(student: Student, changes: Mapping[str, object]) -> bool:
    """Whether ``changes`` (not empty) would leave ``student`` as it is: asked when a
    correction is filed and again when it is approved (another correction to the same
    value may have been approved in between)."""
    return bool(changes) and all(
        getattr(student, k, None) == (_normalized(v) if k in _ID_FIELDS else v)
        for k, v in changes.items()
    )


def check_still_changes(student: Student, changes: Mapping[str, object]) -> Decision:
    """Art 29, at approval: the correction still changes something (the record as it
    is now; see :func:`changes_nothing`)."""
    c = Checks()
    c.rule(
        "correction.no_change",
        not changes_nothing(student, changes),
        student=student.id,
        seen={"changed": ",".join(sorted(changes)) or "-"},
    )
    return c.decision()


_ID_FIELDS = ("id_number", "guardian_id")
"""The fields holding an identity number (normalised before they are compared)."""


def _normalized(value: object) -> object:
    """An identity number as the record holds it (a lower-case ``x`` made upper, spaces
    gone), so that typing the held number differently is no change; anything else as
    given (the rules after this one say what is wrong with it)."""
    return normalize_id(value) if isinstance(value, str) else value


def check_id_kept(student: Student, changes: Mapping[str, object]) -> Decision:
    """Art 13 (一人一籍一号): an identity number is corrected, never removed. The record's
    学籍号 was issued from it (G + the number): a record left with the number and no
    identity number (nor a guardian's) answered to a 学籍号 no one held, and a later
    enrolment under that identity number was given it too. A record entered under a
    wrong number is corrected to the right one.

    So is the guardian's identity number of a record with none of its own (its
    identifier, Art 13: ``correction.guardian_removed``): the same child, no longer
    found by it, was enrolled again and issued a second J number (Art 14; found by the
    review). Removed with an identity number given in the same change, it no longer
    identifies the record and may go."""
    c = Checks()
    removed = "id_number" in changes and not changes["id_number"] and bool(student.id_number)
    c.rule("correction.id_removed", not removed, student=student.id)
    own = changes.get("id_number", student.id_number)
    dropped = "guardian_id" in changes and not changes["guardian_id"] and not own
    c.rule(
        "correction.guardian_removed",
        not (dropped and bool(student.guardian_id)),
        student=student.id,
    )
    return c.decision()


_TAKEN_UP_KEPT = frozenset(KEY_FIELDS) - {"photo"} | {"guardian_id"}
"""The key fields a record taken up again keeps as first reported (the photo is the
new entry's, Art 12)."""

_CORRECT = "request_correction"
"""How a key field given otherwise at a new entry reaches the record (Art 29)."""


def check_key_fields_kept(
    student: Student, given: Mapping[str, object], policy: Policy
) -> Decision:
    """Art 29 (with Art 12): a record taken up again by an enrolment (a graduate
    continuing into the next stage, a senior dropout enrolled again) keeps the key
    fields reported at its first entry (:func:`locked_for`; the photo is the new
    entry's): they change by an approved correction. Those the enrolment gives
    otherwise (``given``: the enrolment's person fields) are not applied, and said:
    a warning naming the fields (never their values), its ``use`` the correction.
    Before, they were dropped in silence (found by the key-fields review: a J-number
    graduate's own identity number typed at grade 7 was lost, and a later enrolment
    by that number opened a second registry). A name differing only in white space is
    the same (as the same child is found); identity numbers are compared normalised."""
    fields = locked_for(student, policy) & _TAKEN_UP_KEPT
    differ = sorted(
        k
        for k in fields
        if given.get(k) is not None and not _same(k, getattr(student, k, None), given[k])
    )
    c = Checks()
    c.rule(
        "enrolment.key_fields_kept",
        not differ,
        warn=True,
        student=student.id,
        fields=",".join(differ) or "-",
        use=_LINK if "id_number" in differ else _CORRECT,
    )
    return c.decision()


def _same(field: str, held: object, given: object) -> bool:
    """Whether ``given`` is the value ``held`` of ``field`` (see
    :func:`check_key_fields_kept`)."""
    if field == "name" and isinstance(held, str) and isinstance(given, str):
        return "".join(held.split()) == "".join(given.split())
    if field in _ID_FIELDS:
        return held == _normalized(given)
    return held == given


def check_photo_kept(student: Student, changes: Mapping[str, object]) -> Decision:
    """Art 29 (with Art 12): a photo is a key field corrected, never removed (an
    initial grade's is required). Before, a correction removing it was filed, and its
    approval failed on the empty value (found by the review). Asked when a correction
    is filed and again at approval (one filed before)."""
    c = Checks()
    removed = "photo" in changes and not changes["photo"] and student.photo is not None
    c.rule("correction.photo_removed", not removed, student=student.id)
    return c.decision()


def check_corrected_photo(
    student: Student, changes: Mapping[str, object], *, policy: Policy
) -> Decision:
    """Art 29 with Art 12: a corrected photo is held to the photo rule of an enrolment.
    It is the student's, not taken before the birth date of the record as ``changes``
    would leave it (``correction.photo_date``); for a student of an initial grade
    (``initial_grades``) it is of the year of entry, as
    :func:`~xueji.rules.enrolment.check_photo` asks at enrolment and at the review
    (``enrolment.photo_missing``). Both refuse, as that rule does: a photo is a key
    field, and a correction that cannot be the student's is not the truth Art 29
    records. (A photo taken after today is bad input before any rule: the registry's
    input check.) Asked when a correction carrying a photo is filed and again at
    approval (a birth date corrected in between counts); no step otherwise. Before,
    only the photo's removal was checked: a photo taken five years before the child
    was born was approved (found by the enrolment review)."""
    photo = changes.get("photo")
    taken = getattr(photo, "taken_on", None)
    if not isinstance(taken, _dt.date):
        return Decision.allow()
    born = changes.get("birth_date", student.birth_date)
    c = Checks()
    c.rule(
        "correction.photo_date",
        not (isinstance(born, _dt.date) and taken < born),
        student=student.id,
        photo_taken=taken,
    )
    if c.found:
        return c.decision()
    return Decision.combine(
        c.decision(),
        check_photo(taken, grade=student.grade, entry_year=student.entry_date.year, policy=policy),
    )


def check_agreement(
    student: Student,
    changes: Mapping[str, object],
    *,
    today: _dt.date,
    code: str = "correction.id_mismatch",
) -> Decision:
    """Art 29: the record as ``changes`` would leave it has sex and birth date in
    agreement with its identity number. Asked when a correction is filed and again
    when it is approved: two corrections, each in agreement with the record when
    filed, could together leave it out of agreement.

    Refused as ``correction.id_mismatch`` (before, ``enrolment.id_mismatch``, which
    read as the refusal of an enrolment: found by the identity-number review), with
    the facts of :func:`~xueji.rules.enrolment.check_id_agreement` (no number, no
    birth date). A direct edit (``Registry.update_student``) passes
    ``code="enrolment.id_mismatch"``, as before: it is most often a draft's, the new
    record not yet reported."""
    after = {k: changes.get(k, getattr(student, k)) for k in ("id_number", "sex", "birth_date")}
    return check_id_agreement(
        after["id_number"],  # type: ignore[arg-type]
        sex=str(after["sex"]),
        birth_date=after["birth_date"],  # type: ignore[arg-type]
        today=today,
        code=code,
    )


_GUARDIAN_FACTS = ("guardian_id", "id_number", "birth_date")
"""The fields :func:`~xueji.rules.enrolment.check_guardian_id` reads."""


def check_guardian_after(student: Student, changes: Mapping[str, object]) -> Decision:
    """Art 13, for an edit or a correction: the guardian's identity number of the
    record as ``changes`` would leave it is a parent's or other legal guardian's (not
    the student's own, its holder born before the student), as an enrolment checks
    (:func:`~xueji.rules.enrolment.check_guardian_id`). Asked when the change touches
    the guardian's number, the student's or the birth date (no step otherwise: a
    record stored before the rule is not refused an unrelated edit); when filed and
    again at approval (another correction approved in between may have changed the
    birth date). Before, an edit or a correction set a guardian born after the child,
    or the child's own number (found by the key-fields review). The identity numbers
    come validated and normalised."""
    if not any(k in changes for k in _GUARDIAN_FACTS):
        return Decision.allow()
    after = {k: changes.get(k, getattr(student, k)) for k in _GUARDIAN_FACTS}
    return check_guardian_id(
        after["guardian_id"] or None,  # type: ignore[arg-type]
        id_number=after["id_number"] or None,  # type: ignore[arg-type]
        birth_date=after["birth_date"],  # type: ignore[arg-type]
    )


def check_ids_taken(changes: Mapping[str, object], *, policy: Policy) -> Decision:
    """Art 13 as the profile reads it, for an edit or a correction: an identity number
    ``changes`` give (the student's or the guardian's, validated and normalised) that
    is a foreigner's permanent residence ID card's is taken only where the profile's
    ``foreign_permanent_resident_ids`` says so, as an enrolment checks it
    (:func:`~xueji.rules.enrolment.check_foreign_ids`); no step otherwise. A number
    the record holds already is not asked of again (an unrelated correction of a
    record stored under another profile is not refused for it)."""
    return check_foreign_ids(
        changes.get("id_number") or None,  # type: ignore[arg-type]
        changes.get("guardian_id") or None,  # type: ignore[arg-type]
        policy=policy,
    )


def check_corrected_age(
    student: Student, changes: Mapping[str, object], *, policy: Policy
) -> Decision:
    """Art 14, said: a corrected birth date that makes the student younger than the
    school entry age on the cutoff of the record's entry (the rule that refuses such a
    child's enrolment, :func:`~xueji.rules.enrolment.check_age`) is a warning, not a
    refusal: a correction records the truth (Art 29), and the authority looks into
    the registry. Asked when a correction changing the birth date is filed and again
    at approval; no step otherwise. Before, a correction that made a grade-1 pupil
    one month old went through with no word (found by the key-fields review)."""
    born = changes.get("birth_date")
    if not isinstance(born, _dt.date):
        return Decision.allow()
    return check_age(born, entry_date=student.entry_date, policy=policy, warn=True)


def check_unique_id(student: Student, holders: Iterable[Student]) -> Decision:
    """Art 13 (一人一籍一号): a corrected ID number that another record (not voided)
    already holds is refused, when the correction is filed and again when it is
    approved (the other record may have come in between). Before, a correction could
    give two students the same number, which every look-up then found twice."""
    c = Checks()
    others = [h.id for h in holders if h.id != student.id and h.status is not StudentStatus.VOIDED]
    c.rule(
        "correction.duplicate",
        not others,
        student=student.id,
        existing=",".join(others) or "-",
    )
    return c.decision()
