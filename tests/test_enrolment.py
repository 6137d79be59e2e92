"""Enrolment and review (Arts 12-16), key-field lock and Art 17 information (Art 29)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest

from tests.conftest import (
    PROVINCE,
    D,
    Province,
    authority,
    enrol_kwargs,
    five_four_province,
    make_id,
    school_actor,
)
from xueji.articles import Article, anhui
from xueji.errors import AccessDenied, NotFound, TransitionRefused, XuejiError
from xueji.lifecycle import RequestState, StudentStatus
from xueji.masking import mask
from xueji.model import Actor, InfoEntry, InfoGroup, Photo, TransferReason, stage_of_grade
from xueji.policy import Policy, Stage

A = school_actor("A")


def refused(out: object) -> tuple[str, ...]:
    """The codes of the violations only (enrolment may also warn, e.g. on consent)."""
    decision = getattr(out, "decision", out)
    return tuple(v.code for v in decision.violations)


def test_art12_grade1_gets_registry_and_regional_numbers(province: Province) -> None:
    s = province.enroll("A", 1)
    assert s.registry_number == "G" + s.id_number  # type: ignore[operator]
    assert s.regional_number is not None
    assert s.regional_number.startswith("3401042026" + "1")
    assert s.status is StudentStatus.DRAFT
    assert [e.command for e in province.reg.history(PROVINCE, s.id)] == ["enroll"]


def test_art12_grade7_keeps_registry_number_with_new_regional_number(province: Province) -> None:
    p = Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(school_actor("A"), s.id).allowed
    p.at(D(2026, 9, 1))
    nxt = p.enroll("J", 7, birth=D(2014, 3, 1), id_number=s.id_number)
    assert nxt.id == s.id  # the same record continues
    assert nxt.registry_number == s.registry_number
    assert nxt.regional_number != s.regional_number
    assert nxt.regional_numbers == (s.regional_number, nxt.regional_number)
    assert nxt.status is StudentStatus.DRAFT
    assert nxt.school == "J"


def test_art12_initial_grade_needs_photo_of_entry_year(province: Province) -> None:
    out = province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2020, 3, 1)),
        photo=Photo(D(2025, 6, 1), "x"),
    )
    assert refused(out) == ("enrolment.photo_missing",)
    # a grade 3 entrant needs none
    assert province.enroll("A", 3, photo=None).status is StudentStatus.DRAFT


def test_art13_student_without_id_gets_j_number_and_twins_differ(province: Province) -> None:
    guardian = make_id(D(1990, 1, 1), "F")
    twins = [
        province.enroll(
            "A", 1, birth=D(2020, 3, 1), id_number=None, guardian_id=guardian, name=name
        )
        for name in ("大双", "小双")
    ]
    numbers = {t.registry_number for t in twins}
    assert len(numbers) == 2
    assert all(n is not None and n.startswith("J340104") for n in numbers)


def test_art13_no_identifier_is_refused(province: Province) -> None:
    out = province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert out.decision.codes == ("enrolment.no_identifier",)


def test_art14_pre_school_child_refused(province: Province) -> None:
    out = province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 9, 1),
        hukou_region="340104",
        id_number=make_id(D(2020, 9, 1)),
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert refused(out) == ("enrolment.too_young",)
    assert out.decision.violations[0].facts  # the facts the rule used
    assert province.reg.students_of(PROVINCE, "A") == []  # nothing written


def test_art14_one_registry_per_person(province: Province) -> None:
    s = province.enroll("A", 1)
    out = province.reg.enroll(
        school_actor("B"),
        school="B",
        class_id="B-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=s.birth_date,
        hukou_region="340104",
        id_number=s.id_number,
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert "enrolment.duplicate" in out.decision.codes
    # the refusal tells school B of the record, not its number: the facts were
    # not masked, and the G registry number (G + the ID number) went out in full
    assert s.id_number is not None
    shown = [repr(out), repr(out.decision), str(out.decision.to_dict())]
    shown += [repr(v.facts) for v in out.decision.violations]
    assert all(s.id_number not in text for text in shown)
    facts = dict(next(v for v in out.decision.violations if v.code == "enrolment.duplicate").facts)
    assert facts["registry_number"] == "G" + mask(s.id_number)


def test_art14_guardian_identified_child_who_later_gets_an_id_is_one_person(
    province: Province,
) -> None:
    guardian = make_id(D(1990, 1, 1), "F")
    s = province.register(
        "A", 1, birth=D(2020, 3, 1), id_number=None, guardian_id=guardian, name="小明"
    )
    j_number = s.registry_number
    own_id = make_id(D(2020, 3, 1))
    req = province.reg.request_correction(A, s.id, {"id_number": own_id}, "办理了身份证")
    assert req.request is not None
    province.reg.approve(authority("340104"), req.request.id)
    linked = province.reg.student(PROVINCE, s.id)
    assert linked.registry_number == "G" + own_id
    assert linked.numbers is not None
    assert linked.numbers.answers_to(j_number or "")
    # enrolling the same child again, by the new ID or by the guardian, is a duplicate
    again = province.reg.enroll(
        school_actor("B"),
        school="B",
        class_id="B-1",
        grade=1,
        name="小明",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=own_id,
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert "enrolment.duplicate" in again.decision.codes


def test_art14_linked_child_enrolled_again_by_the_guardian_is_a_duplicate(
    province: Province,
) -> None:
    """A J-number child given an ID number by a correction was found by the guardian
    only while the record had no ID number: another school enrolled the child again
    by the guardian's ID (two registries, Art 14). The twin, with another name, is
    still a child of its own, linked or not."""
    guardian = make_id(D(1990, 1, 1), "F")
    born = D(2020, 3, 1)
    s = province.register("A", 1, birth=born, id_number=None, guardian_id=guardian, name="大双")
    req = province.reg.request_correction(A, s.id, {"id_number": make_id(born)}, "办理了身份证")
    assert req.request is not None
    assert province.reg.approve(authority("340104"), req.request.id).allowed
    by_guardian = {
        "school": "B",
        "class_id": "B-1",
        "grade": 1,
        "name": "大双",
        "sex": "M",
        "birth_date": born,
        "hukou_region": "340104",
        "guardian_id": guardian,
        "photo": Photo(D(2026, 9, 1), "x"),
    }
    again = province.reg.enroll(school_actor("B"), **by_guardian)  # type: ignore[arg-type]
    assert refused(again) == ("enrolment.duplicate",)
    facts = dict(again.decision.violations[0].facts)
    assert facts["existing"] == s.id
    # a bulk import sends a row without an ID number through enroll: the same answer
    bulk = province.reg.enroll_many(school_actor("B"), [by_guardian], all_or_nothing=False)
    assert [(i, refused(d)) for i, d in bulk.refused] == [(0, ("enrolment.duplicate",))]
    assert province.reg.students_of(school_actor("B"), "B") == []
    # the twin with the same guardian and birth date is another child
    twin = province.enroll("B", 1, birth=born, id_number=None, guardian_id=guardian, name="小双")
    assert twin.registry_number is not None
    assert twin.registry_number.startswith("J")


def test_art14_a_j_number_child_enrolled_again_with_its_own_id_is_a_duplicate(
    province: Province,
) -> None:
    """Found by the review: a child first enrolled by a guardian's ID alone (a J
    number) and enrolled again with its own ID number beside the same guardian's, name
    and birth date got a second registry (enroll, enroll_many and transfer_in looked
    only at the ID number when one was given); the other order was caught. The same
    person (Arts 13-14): refused, pointing to the correction that links the ID number
    to the record (link_resident_id). A twin with another name is another child."""
    guardian = make_id(D(1990, 1, 1), "F")
    born = D(2020, 3, 1)
    own = make_id(born, n=40)
    s = province.register("A", 1, birth=born, id_number=None, guardian_id=guardian, name="小明")
    assert s.registry_number is not None
    assert s.registry_number.startswith("J")
    row = {
        "school": "B",
        "class_id": "B-1",
        "grade": 1,
        "name": "小明",
        "sex": "M",
        "birth_date": born,
        "hukou_region": "340104",
        "id_number": own,
        "guardian_id": guardian,
        "photo": Photo(D(2026, 9, 1), "x"),
    }
    school_b = school_actor("B")
    again = province.reg.enroll(school_b, **row)  # type: ignore[arg-type]
    assert refused(again) == ("enrolment.duplicate",)
    v = again.decision.violations[0]
    assert v.article == anhui(14)
    facts = dict(v.facts)
    assert facts["existing"] == s.id
    assert "link_resident_id" in facts["use"]
    assert own not in repr(again.decision)  # (the ID number is not shown)
    # a bulk import: alone, and after the guardian's row of the same child in its chunk
    bulk = province.reg.enroll_many(school_b, [row], all_or_nothing=False)
    assert [(i, refused(d)) for i, d in bulk.refused] == [(0, ("enrolment.duplicate",))]
    g2 = make_id(D(1991, 1, 1), "F", n=2)
    first = {**row, "name": "小红", "guardian_id": g2, "id_number": None}
    second = {**row, "name": "小红", "guardian_id": g2, "id_number": make_id(born, n=41)}
    bulk = province.reg.enroll_many(school_b, [first, second], all_or_nothing=False)
    assert [s.name for s in bulk.applied] == ["小红"]
    assert [(i, refused(d)) for i, d in bulk.refused] == [(1, ("enrolment.duplicate",))]
    # from abroad, with the ID number and the same guardian: the record held here
    back = province.reg.transfer_in(
        school_b,
        origin="新加坡",
        abroad=True,
        school="B",
        class_id="B-1",
        grade=1,
        name="小明",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        id_number=own,
        guardian_id=guardian,
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert refused(back) == ("enrolment.duplicate",)
    assert [x.id for x in province.reg.students_of(school_b, "B")] == [bulk.applied[0].id]
    # the twin, with its own ID number, is another child
    twin = province.reg.enroll(
        school_b, **{**row, "name": "小亮", "id_number": make_id(born, n=42)}
    )  # type: ignore[arg-type]
    assert twin.allowed, twin.decision
    # the way the refusal points to: the ID number linked to the record, which is
    # then found by it
    req = province.reg.request_correction(A, s.id, {"id_number": own}, "办理了身份证")
    assert req.request is not None
    assert province.reg.approve(authority("340104"), req.request.id).allowed
    assert province.reg.student(PROVINCE, s.id).registry_number == "G" + own
    assert refused(province.reg.enroll(school_b, **row)) == ("enrolment.duplicate",)  # type: ignore[arg-type]


def test_art12_a_j_number_graduate_continuing_with_its_own_id_keeps_its_record() -> None:
    """The same person (see above) as a graduate continuing into grade 7: the record
    held under the J number continues (Art 12: the 学籍号 kept), not a second
    registry under the G number; the ID number is then linked by a correction."""
    p = Province(D(2026, 6, 1))
    guardian = make_id(D(1990, 1, 1), "F", n=3)
    born = D(2014, 3, 1)
    own = make_id(born, n=9)
    s = p.register("A", 6, birth=born, id_number=None, guardian_id=guardian, name="小明")
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(A, s.id).allowed
    p.at(D(2026, 9, 1))
    nxt = p.enroll("J", 7, birth=born, id_number=own, guardian_id=guardian, name="小明")
    assert (nxt.id, nxt.registry_number) == (s.id, s.registry_number)
    fix = p.reg.request_correction(school_actor("J"), s.id, {"id_number": own}, "补录身份证号")
    assert fix.allowed, fix.decision


def test_art13_a_guardian_s_id_is_another_person_s_born_before_the_student(
    province: Province,
) -> None:
    """Found by the review: the guardian's ID number was only checked for validity, so
    the child's own ID number typed into the guardian's field, or the ID number of a
    "guardian" born after the child, was accepted, and the child later enrolled by its
    own ID number got a second registry. Art 13 identifies such a child by a parent's
    or other legal guardian's number (the information true): refused, on every
    enrolment route, the facts showing neither number nor birth date."""
    born = D(2020, 3, 1)
    own = make_id(born, n=50)
    base = enrol_kwargs(born, name="王五", id_number=None)
    cases = {
        "own number as the guardian's": {"guardian_id": own},
        "own number in both fields": {"guardian_id": own, "id_number": own},
        "a guardian born after the child": {"guardian_id": make_id(D(2024, 1, 1), "F", n=51)},
        "a guardian born the same day": {"guardian_id": make_id(born, "F", n=52)},
    }
    for why, over in cases.items():
        out = province.reg.enroll(A, **{**base, **over})
        assert refused(out) == ("enrolment.guardian_id",), why
        v = out.decision.violations[0]
        assert v.article == anhui(13)
        assert "****-**-**" not in repr(v.facts)
        assert own not in repr(out.decision)
        assert "2020" not in repr(v.facts)
        bulk = province.reg.enroll_many(A, [{**base, **over}], all_or_nothing=False)
        assert [refused(d) for _, d in bulk.refused] == [("enrolment.guardian_id",)], why
    assert province.reg.students_of(A, "A") == []
    back = province.reg.transfer_in(
        A,
        origin="新加坡",
        abroad=True,
        school="A",
        class_id="A-1",
        grade=1,
        name="王五",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        guardian_id=own,
    )
    assert refused(back) == ("enrolment.guardian_id",)
    # a guardian born before the child passes, and the step says so
    ok = province.reg.enroll(A, **{**base, "guardian_id": make_id(D(1990, 1, 1), "F", n=53)})
    assert ok.allowed, ok.decision
    step = next(s for s in ok.decision.explain().steps if s.rule == "enrolment.guardian_id")
    assert dict(step.facts)["guardian_born_before"] == "True"
    assert province.enroll("B", 1, birth=born, id_number=own, name="王五").id_number == own


def test_art14_the_same_child_is_found_whatever_white_space_its_name_was_typed_with(
    province: Province,
) -> None:
    """Found by the review: a child known by a guardian's ID was found again by its
    name compared exactly, so "张三 " or "张　三" (an ideographic space) after "张三" was
    a new child with a second J number (Art 14). Names are compared with every white
    space removed; the name is stored as typed."""
    guardian = make_id(D(1990, 5, 5), "M", n=60)
    born = D(2020, 3, 1)
    first = province.enroll("A", 1, birth=born, id_number=None, guardian_id=guardian, name="张 三")
    assert first.name == "张 三"  # as typed
    for typed in ("张三", "张三 ", "张\u3000三", " 张\u3000三\u00a0"):
        row = enrol_kwargs(born, name=typed, id_number=None, guardian_id=guardian)
        assert refused(province.reg.enroll(A, **row)) == ("enrolment.duplicate",), typed
        bulk = province.reg.enroll_many(A, [row], all_or_nothing=False)
        assert [refused(d) for _, d in bulk.refused] == [("enrolment.duplicate",)], typed
    twin = province.enroll("A", 1, birth=born, id_number=None, guardian_id=guardian, name="张四")
    assert twin.id != first.id


def test_art15_submit_review_and_register(province: Province) -> None:
    s = province.enroll("A", 1)
    sub = province.reg.submit(A, s.id)
    assert sub.student is not None
    assert sub.student.status is StudentStatus.PENDING_REVIEW
    assert sub.request is not None
    assert sub.request.deadline == D(2026, 9, 30)
    # the wrong authority cannot approve
    wrong = province.reg.approve(authority("340202"), sub.request.id)
    assert wrong.decision.codes == ("stage.wrong_party",)
    ok = province.reg.approve(authority("340104"), sub.request.id)
    assert ok.student is not None
    assert ok.student.status is StudentStatus.REGISTERED
    # clicking approve again changes nothing
    again = province.reg.approve(authority("340104"), sub.request.id)
    assert again.allowed
    assert again.request == ok.request


def test_art15_rejected_review_goes_back_to_the_school(province: Province) -> None:
    s = province.enroll("A", 1)
    sub = province.reg.submit(A, s.id)
    assert sub.request is not None
    out = province.reg.reject(authority("340104"), sub.request.id, "照片不清")
    assert out.request is not None
    assert out.request.state is RequestState.REJECTED
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.DRAFT


def test_art14_a_new_student_on_false_material_is_rejected_citing_article_14(
    province: Province,
) -> None:
    """``enrolment.false_material`` (Art 14: no registry on false material) was in the
    catalogue and the traceability table, and nothing said it. The authority reviewing
    a new student rejects it on false material as a transfer's does (Art 25,
    ``decide_transfer``): ``reject(material_false=True)``, the rule as the decision's
    warning, the note 材料虚假 with the article, the record back to the school."""
    s = province.enroll("A", 1)
    sub = province.reg.submit(A, s.id)
    assert sub.request is not None
    out = province.reg.reject(authority("340104"), sub.request.id, material_false=True)
    assert out.allowed
    assert out.decision.codes == ("enrolment.false_material",)
    (warned,) = out.decision.warnings
    assert warned.article == anhui(14)
    assert dict(warned.facts) == {"request": sub.request.id}
    assert "[enrolment.false_material]" in out.decision.explain().text("en")
    assert out.request is not None
    assert out.request.state is RequestState.REJECTED
    assert out.request.history[-1].note == "材料虚假（第十四条）"
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.DRAFT
    # a note given is kept
    again = province.reg.submit(A, s.id)
    assert again.request is not None
    noted = province.reg.reject(
        authority("340104"), again.request.id, "户口本伪造", material_false=True
    )
    assert noted.request is not None
    assert noted.request.history[-1].note == "户口本伪造"


def test_art14_material_false_is_for_a_new_student_s_review_only(province: Province) -> None:
    """On another request (a suspension, a transfer: ``decide_transfer``'s) or as a
    flag that is not a bool, ``material_false`` is bad input and nothing is written."""
    s = province.register("A", 2)
    suspension = province.reg.suspend(A, s.id, "病").request
    assert suspension is not None
    t = province.register("A", 3)
    transfer = province.reg.request_transfer(
        school_actor("W"), t.id, to_school="W", to_class="W-3", reason=TransferReason.JOB_MOVE
    ).request
    assert transfer is not None
    draft = province.enroll("A", 1)
    review = province.reg.submit(A, draft.id).request
    assert review is not None
    before = len(province.log())
    for actor, rid, flag, said in (
        (authority("340104"), suspension.id, True, "new student's review"),
        (school_actor("W"), transfer.id, True, "decide_transfer"),
        (authority("340104"), review.id, "true", "True or False"),
    ):
        with pytest.raises(XuejiError) as e:
            province.reg.reject(actor, rid, material_false=flag)  # type: ignore[arg-type]
        assert e.value.code == "command.bad_input"
        assert said in e.value.message_en
    assert len(province.log()) == before
    assert province.reg.request(PROVINCE, suspension.id).state is RequestState.AT_AUTHORITY


def test_art14_false_material_cites_the_profile_s_article() -> None:
    """Under another province's profile the rule and the note cite its article where it
    re-cites ``rule.enrolment.false_material``, else Anhui's, marked inherited."""
    from tests.test_policy import JIANGSU_FILE, SU
    from xueji.policy import parse_policy

    recited = JIANGSU_FILE + (
        f'\n[citations]\n"rule.enrolment.false_material" = {{ instrument = "{SU}", number = 11 }}\n'
    )
    for text, article, note in (
        (recited, Article(SU, 11), "材料虚假（第十一条）"),
        (
            JIANGSU_FILE,
            attrs.evolve(anhui(14), inherited_from="anhui-2013"),
            "材料虚假（皖教基〔2013〕20号 第十四条（沿用 anhui-2013））",
        ),
    ):
        p = Province(D(2026, 9, 1), policies=(parse_policy(text, where="js.toml"),))
        s = p.enroll("A", 1)
        sub = p.reg.submit(A, s.id)
        assert sub.request is not None
        out = p.reg.reject(authority("340104"), sub.request.id, material_false=True)
        assert out.decision.warnings[0].article == article
        assert out.request is not None
        assert out.request.history[-1].note == note


def test_art15_a_new_student_sent_back_by_the_review_is_corrected_by_the_school(
    province: Province,
) -> None:
    """Found by the review: the review's rejection sends a new student back to the
    school to correct (Art 15), but the record stayed marked submitted, so its wrong
    key field could be changed neither directly (``correction.locked``) nor by a
    correction (``correction.status``: a draft). A record on its first entry is
    unlocked by the rejection (logged); submitted again, its key fields lock again."""
    s = province.enroll("A", 1, name="张三")
    sub = province.reg.submit(A, s.id)
    assert sub.request is not None
    province.reg.reject(authority("340104"), sub.request.id, "姓名有误")
    back = province.reg.student(PROVINCE, s.id)
    assert (back.status, back.submitted) == (StudentStatus.DRAFT, False)
    entry = [e for e in province.reg.history(PROVINCE, s.id) if e.command == "review_rejected"]
    assert [(e.before["submitted"], e.after["submitted"]) for e in entry] == [("True", "False")]
    fixed = province.reg.update_student(A, s.id, name="张山")
    assert fixed.allowed, fixed.decision
    again = province.reg.submit(A, s.id)
    assert again.request is not None
    assert province.reg.update_student(A, s.id, name="张四").decision.codes == (
        "correction.locked",
    )
    assert province.reg.approve(authority("340104"), again.request.id).allowed
    done = province.reg.student(PROVINCE, s.id)
    assert (done.status, done.name) == (StudentStatus.REGISTERED, "张山")


def test_art15_late_entry_is_flagged_not_refused(province: Province) -> None:
    s = province.enroll("A", 1)
    province.at(D(2026, 10, 8))
    sub = province.reg.submit(A, s.id)
    assert sub.allowed
    assert sub.decision.codes == ("enrolment.late",)
    assert sub.request is not None
    assert sub.request.warnings == ("enrolment.late",)


def test_art16_virtual_class_and_class_without_head_teacher(province: Province) -> None:
    from xueji.model import SchoolClass

    virtual = province.reg.add_class(
        A, SchoolClass("V", "A", "虚拟班", 1, "某某", D(2026, 9, 1), virtual=True)
    )
    assert refused(virtual) == ("class.virtual",)
    province.reg.add_class(A, SchoolClass("N", "A", "无班主任", 1, " ", D(2026, 9, 1)))
    out = province.reg.enroll(
        A,
        school="A",
        class_id="N",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2020, 3, 1)),
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert refused(out) == ("class.no_head_teacher",)


def test_art16_class_size_cap(province: Province) -> None:
    for _ in range(45):
        province.enroll("A", 1)
    out = province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2020, 3, 1)),
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert refused(out) == ("class.full",)


def test_art29_key_fields_locked_after_submission(province: Province) -> None:
    s = province.enroll("A", 1)
    assert province.reg.update_student(A, s.id, name="改名").allowed  # before submission
    province.reg.submit(A, s.id)
    out = province.reg.update_student(A, s.id, name="再改")
    assert out.decision.codes == ("correction.locked",)
    assert province.reg.student(PROVINCE, s.id).name == "改名"
    assert province.reg.update_student(A, s.id, hukou_region="340202").allowed


def test_art29_correction_approved_by_authority_keeps_old_values(province: Province) -> None:
    s = province.register("A", 1, name="王小二")
    req = province.reg.request_correction(A, s.id, {"name": "王晓二"}, "户口本为准")
    assert req.request is not None
    assert province.reg.student(PROVINCE, s.id).name == "王小二"  # not yet
    province.reg.approve(authority("340104"), req.request.id)
    assert province.reg.student(PROVINCE, s.id).name == "王晓二"
    entry = [e for e in province.reg.history(PROVINCE, s.id) if e.command == "correct"][-1]
    assert entry.before["name"] == "王小二"
    assert entry.after["name"] == "王晓二"


def test_art13_a_corrected_identity_number_reissues_the_registry_number(
    province: Province,
) -> None:
    """Found by the analysts' review: after an approved correction of the identity
    number the 学籍号 kept the wrong one, and the person who holds it, enrolled later,
    was issued the same 学籍号. The G number now follows the corrected identity number
    (Art 13); the wrong one is voided: kept in the history, no longer finding the
    student, and free for its holder."""
    born = D(2019, 3, 1)
    wrong, right = make_id(born), make_id(born)
    assert wrong != right
    s = province.register("A", 1, birth=born, id_number=wrong)
    assert s.registry_number == "G" + wrong
    fix = province.reg.request_correction(A, s.id, {"id_number": right}, "身份证号录错")
    assert fix.request is not None
    assert province.reg.approve(authority("340104"), fix.request.id).allowed
    fixed = province.reg.student(PROVINCE, s.id)
    assert fixed.registry_number == "G" + right
    assert fixed.numbers is not None
    assert fixed.numbers.voided == ("G" + wrong,)
    assert [n.text for n in fixed.numbers.all_numbers] == ["G" + wrong, "G" + right]
    holder = province.register("B", 1, birth=born, id_number=wrong)
    assert holder.registry_number == "G" + wrong
    with province.store.unit_of_work() as uow:
        assert [x.id for x in uow.students.by_registry_number("G" + wrong)] == [holder.id]
        assert [x.id for x in uow.students.by_registry_number("G" + right)] == [s.id]
    report = province.reg.detect(PROVINCE)
    assert report.log.ok
    assert [f for f in report.findings if f.kind == "altered_record"] == []


def test_art15_the_autumn_intake_typed_after_30_september_is_late(province: Province) -> None:
    """Found by the analysts' review: a grade-1 student typed in on 9 October without
    an entry date entered "on 9 October", after the 30 September deadline, so the
    deadline became next year's and the lateness went unflagged. A student of an
    initial grade typed in the autumn term without an entry date entered on its first
    day (1 September); a bulk import likewise; a grade-3 newcomer entered on the day;
    a student who really entered in October says so."""
    province.at(D(2026, 10, 9))
    s = province.enroll("A", 1)
    assert s.entry_date == D(2026, 9, 1)
    out = province.reg.submit(A, s.id)
    assert out.decision.codes == ("enrolment.late",)
    rows = [
        {
            "school": "A",
            "class_id": "A-1",
            "grade": 1,
            "name": "乙",
            "sex": "M",
            "birth_date": D(2020, 3, 2),
            "hukou_region": "340104",
            "id_number": make_id(D(2020, 3, 2)),
            "photo": Photo(D(2026, 9, 1), "x"),
        }
    ]
    bulk = province.reg.enroll_many(A, rows)
    assert [x.entry_date for x in bulk.applied] == [D(2026, 9, 1)]
    assert province.enroll("A", 3).entry_date == D(2026, 10, 9)
    late = province.enroll("A", 1, entry_date=D(2026, 10, 8))
    assert late.entry_date == D(2026, 10, 8)
    assert province.reg.submit(A, late.id).decision.codes == ()
    province.at(D(2027, 3, 1))  # the spring term: the day it is typed
    # (born 2020: 6 by 31 August 2026, the cutoff of the school year a spring entry joins)
    assert province.enroll("A", 1, birth=D(2020, 3, 1)).entry_date == D(2027, 3, 1)


def test_art13_a_draft_s_identity_number_edited_reissues_the_registry_number(
    province: Province,
) -> None:
    """Found by the session review: editing a draft's identity number (before it is
    submitted, no correction needed) kept the 学籍号 built on the wrong number, and the
    holder of that number, enrolled later, got the same 学籍号."""
    born = D(2020, 3, 1)
    wrong, right = make_id(born), make_id(born)
    s = province.enroll("A", 1, birth=born, id_number=wrong)
    assert province.reg.update_student(A, s.id, id_number=right).allowed
    edited = province.reg.student(PROVINCE, s.id)
    assert edited.registry_number == "G" + right
    holder = province.enroll("B", 1, birth=born, id_number=wrong)
    assert holder.registry_number == "G" + wrong
    with province.store.unit_of_work() as uow:
        assert [x.id for x in uow.students.by_registry_number("G" + wrong)] == [holder.id]
    assert [f for f in province.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    # another draft may not take a number a record holds (Art 14), nor its 学籍号
    other = province.enroll("A", 1, birth=born)
    refused = province.reg.update_student(A, other.id, id_number=wrong)
    assert not refused.allowed
    assert province.reg.student(PROVINCE, other.id).id_number != wrong


def test_art15_the_intake_default_follows_the_deadline_s_term_and_continuing_students() -> None:
    """Found by the session review: a student continuing into grade 7 typed in
    October entered "on the day" (next year's deadline, lateness unflagged); and the
    intake term was taken to be the first listed, so a profile listing spring first
    put a September entrant in February. The intake term is the one in which
    ``new_student_deadline`` falls."""
    import attrs

    from xueji.policy import ANHUI_2013
    from xueji.policy.values import MonthDay, Term

    p = Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(A, s.id).allowed
    p.at(D(2026, 10, 9))
    nxt = p.enroll("J", 7, birth=D(2014, 3, 1), id_number=s.id_number)
    assert nxt.id == s.id
    assert nxt.entry_date == D(2026, 9, 1)
    spring_first = attrs.evolve(
        ANHUI_2013,
        terms=attrs.evolve(
            ANHUI_2013.terms,
            value=(
                Term("春季学期", MonthDay(2, 15), MonthDay(7, 15)),
                Term("秋季学期", MonthDay(9, 1), MonthDay(1, 31)),
            ),
        ),
    )
    q = Province(D(2026, 9, 3), policies=(spring_first,))
    assert q.enroll("A", 1).entry_date == D(2026, 9, 1)
    q.at(D(2027, 1, 10))  # the autumn term's January: the September intake still
    typed = q.enroll("A", 1, birth=D(2020, 3, 1), photo=Photo(D(2026, 9, 5), "x"))
    assert typed.entry_date == D(2026, 9, 1)  # its photo is of that year (Art 12)
    assert q.reg.submit(A, typed.id).decision.codes == ("enrolment.late",)
    q.at(D(2027, 3, 1))  # the spring term: entered on the day
    assert q.enroll("A", 1, birth=D(2020, 3, 1)).entry_date == D(2027, 3, 1)


def test_art2_a_stage_given_must_have_the_grade(province: Province) -> None:
    """Found by the review: a stage given explicitly was never checked against the
    grade ("primary grade 8" was enrolled, and could never graduate)."""
    from xueji.policy import Stage

    with pytest.raises(XuejiError) as err:
        province.enroll("A", 8, stage=Stage.PRIMARY, class_id="A-1")
    assert err.value.code == "command.bad_input"
    assert "grade 8" in err.value.message_en
    assert province.enroll("SP", 3, stage=Stage.SPECIAL, class_id="SP-3").stage is Stage.SPECIAL


def test_art29_a_correction_is_filed_only_for_a_record_it_can_be_applied_to(
    province: Province,
) -> None:
    """A correction of a record that has left (graduated, here) was filed and then
    could never be approved (its approval failed as request.cannot_complete); a draft's
    key fields are edited directly. Both are refused when filed."""
    p = province
    draft = p.enroll("A", 1)
    out = p.reg.request_correction(A, draft.id, {"name": "王晓二"}, "户口本为准")
    assert refused(out) == ("correction.status",)
    assert out.request is None
    p.at(D(2027, 7, 10))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    assert p.reg.graduate(A, s.id).allowed
    before = len(p.log())
    out = p.reg.request_correction(A, s.id, {"name": "王晓二"}, "户口本为准")
    assert refused(out) == ("correction.status",)
    assert len(p.log()) == before
    assert dict(out.decision.violations[0].facts)["status"] == "graduated"


def test_art29_a_photo_is_corrected_never_removed_and_an_approval_never_crashes(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the review: a correction removing the photo was filed, and its approval
    raised a raw ``ValueError`` (the empty payload read as a photo). A photo is a key
    field corrected, not removed (Art 29; an initial grade's is required, Art 12):
    refused when filed (``correction.photo_removed``), and again at the approval of
    one filed before; a payload that cannot be read is refused at approval
    (``correction.unreadable``), nothing written, and the request can be rejected.
    (Filed as a library from before the request digests did: a request an entry with
    its digest wrote is refused as changed first, ``audit.request_altered``.)"""
    import attrs

    from xueji import registry

    p = province
    shushan = authority("340104")
    s = p.register("A", 1)
    before = len(p.log())
    out = p.reg.request_correction(A, s.id, {"photo": None}, "拍错了")
    assert refused(out) == ("correction.photo_removed",)
    assert str(out.decision.violations[0].article).startswith("皖教基〔2013〕20号 第二十九条")
    assert out.request is None
    assert len(p.log()) == before
    new = Photo(p.today(), "sha256:new")
    fix = p.reg.request_correction(A, s.id, {"photo": new}, "拍错了")
    assert fix.request is not None
    assert p.reg.approve(shushan, fix.request.id).allowed
    assert p.reg.student(PROVINCE, s.id).photo == new
    # requests stored before (or whose payload was damaged): decided, never a crash
    for payload, code in (
        ({"photo": ""}, "correction.photo_removed"),
        ({"photo": "not a photo"}, "correction.unreadable"),
        ({"birth_date": "2020-13-01"}, "correction.unreadable"),
    ):
        with monkeypatch.context() as m:
            m.setattr(registry, "_request_written", lambda req: {})
            filed = p.reg.request_correction(A, s.id, {"name": "王晓二"}, "户口本为准").request
        assert filed is not None
        with p.store.unit_of_work() as uow:
            stored = uow.requests.get(filed.id)
            assert stored is not None
            uow.requests.update(attrs.evolve(stored, payload=payload, version=stored.version + 1))
        held = len(p.log())
        late = p.reg.approve(shushan, filed.id)
        assert refused(late) == (code,)
        assert len(p.log()) == held
        assert p.reg.student(PROVINCE, s.id).photo == new
        assert p.reg.reject(shushan, filed.id, "内容有误").allowed


def test_art13_a_correction_may_not_give_two_registries_one_number(province: Province) -> None:
    """Found by the rules audit: a correction could set a student's ID number to one
    another student holds, and both were then found under it. Refused when filed, and
    again at approval if the number was taken in between."""
    born = D(2020, 3, 1)
    a = province.register("A", 1, birth=born)
    b = province.register("A", 1, birth=born)
    assert a.id_number is not None
    assert b.id_number is not None
    out = province.reg.request_correction(A, b.id, {"id_number": a.id_number}, "录错")
    assert refused(out) == ("correction.duplicate",)
    assert out.request is None
    assert a.id_number not in repr(out.decision)
    # filed while the number was free, approved after another record took it
    free = make_id(born)
    filed = province.reg.request_correction(A, b.id, {"id_number": free}, "录错")
    assert filed.request is not None
    c = province.enroll("B", 1, birth=born, id_number=free)
    shushan = authority("340104")
    late = province.reg.approve(shushan, filed.request.id)
    assert refused(late) == ("correction.duplicate",)
    assert province.reg.student(PROVINCE, b.id).id_number == b.id_number
    with province.store.unit_of_work() as uow:
        assert [s.id for s in uow.students.by_id_number(free)] == [c.id]


def test_art29_sex_and_birth_date_agree_with_id(province: Province) -> None:
    s = province.register("A", 1, sex="M")
    out = province.reg.request_correction(A, s.id, {"sex": "F"}, "录错")
    assert refused(out) == ("correction.id_mismatch",)
    bad = province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="F",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2020, 3, 1), "M"),
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert refused(bad) == ("enrolment.id_mismatch",)
    assert province.reg.request_correction(
        A, s.id, {"hukou_region": "x"}, "录入有误"
    ).decision.codes == ("correction.not_key_field",)


def test_art17_school_information_needs_no_review(province: Province) -> None:
    s = province.register("A", 1)
    out = province.reg.add_info(A, s.id, InfoGroup.AWARD, InfoEntry(D(2026, 9, 1), "三好学生"))
    assert out.student is not None
    assert out.student.info[InfoGroup.AWARD][0].text == "三好学生"
    with pytest.raises(Exception, match="not a group the school records"):
        province.reg.add_info(A, s.id, InfoGroup.FAMILY, InfoEntry(D(2026, 9, 1), "x"))


def test_art17_an_entry_is_recorded_as_given_not_as_its_dict_is_changed_later(
    province: Province,
) -> None:
    """Every store keeps what was recorded: a caller reusing its dict afterwards
    changed the in-memory store's record (no new version, no log entry)."""
    s = province.register("A", 1)
    data = {"级别": "省级"}
    province.reg.add_info(A, s.id, InfoGroup.AWARD, InfoEntry(D(2026, 9, 1), "奖", data))
    data["级别"] = "国家级"
    data["伪造"] = "x"
    kept = province.reg.student(A, s.id).info[InfoGroup.AWARD][0]
    assert dict(kept.data) == {"级别": "省级"}


def test_unknown_records_raise_not_found(province: Province) -> None:
    with pytest.raises(NotFound):
        province.reg.submit(A, "S9999999")
    with pytest.raises(NotFound):
        province.reg.approve(authority("340104"), "R9999999")


def test_events_outside_the_table_are_refused(province: Province) -> None:
    s = province.register("A", 1)
    sub = list(province.reg.history(PROVINCE, s.id))
    assert sub
    with pytest.raises(TransitionRefused) as err:
        province.reg.submit(A, s.id)  # a registered student cannot be submitted again
    assert "registered" in str(err.value)
    assert "submit" in str(err.value)


def test_refused_command_changes_nothing(province: Province) -> None:
    before = len(province.log())
    out = province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=dt.date(2021, 1, 1),
        hukou_region="340104",
        id_number=make_id(dt.date(2021, 1, 1)),
        photo=Photo(D(2026, 9, 1), "x"),
    )
    assert not out.allowed
    assert len(province.log()) == before


def test_art15_late_review_is_flagged(province: Province) -> None:
    s = province.enroll("A", 1)
    sub = province.reg.submit(A, s.id)
    assert sub.request is not None
    province.at(D(2026, 10, 9))
    out = province.reg.approve(authority("340104"), sub.request.id)
    assert out.allowed
    assert out.decision.codes == ("enrolment.late",)
    assert str(out.decision.warnings[0].article) == "皖教基〔2013〕20号 第十五条"


def test_art15_a_late_review_cites_the_profile_s_own_article() -> None:
    """Another province's profile: the warning at approval cited Anhui's Art 15 (the
    one at submission cited the profile's), and its text said "9月30日" whatever date
    the profile set."""
    import attrs

    from xueji.articles import Article
    from xueji.policy import ANHUI_2013, MonthDay, Param
    from xueji.rules._base import RULE_CODES

    own = Article("某教基〔2026〕1号", 11)
    other = attrs.evolve(
        ANHUI_2013,
        code="other",
        instrument="某教基〔2026〕1号",
        new_student_deadline=Param(MonthDay(9, 20), own),
    )
    p = Province(D(2026, 9, 1), policies=(other,))
    s = p.enroll("A", 1)
    sub = p.reg.submit(A, s.id)
    assert sub.request is not None
    p.at(D(2026, 9, 25))
    out = p.reg.approve(authority("340104"), sub.request.id)
    assert out.decision.codes == ("enrolment.late",)
    assert out.decision.warnings[0].article == own
    assert dict(out.decision.warnings[0].facts)["deadline"] == "2026-09-20"
    for code in ("enrolment.late", "graduation.late", "dropout.review_overdue"):
        text = "".join(RULE_CODES[code][1:])
        assert not any(n in text for n in ("9月30日", "7月31日", "15个工作日", "30 September"))


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", " ", "name"),
        ("grade", 13, "grades"),
        ("hukou_region", "999999", "region"),
        ("sex", "X", "sex"),
    ],
)
def test_bad_input_is_a_typed_error_and_writes_nothing(
    province: Province, field: str, value: object, fragment: str
) -> None:
    kw = enrol_kwargs(**{field: value})
    before = len(province.log())
    with pytest.raises(XuejiError, match=fragment) as err:
        province.reg.enroll(A, **kw)  # type: ignore[arg-type]
    assert err.value.code == "command.bad_input"
    assert len(province.log()) == before


def test_advance_clock_moves_a_manual_clock(province: Province) -> None:
    from xueji.clock import SystemClock
    from xueji.model import Actor
    from xueji.registry import Registry
    from xueji.storage import MemoryStore

    province.reg.advance_clock(Actor.system(), D(2026, 9, 10))
    assert province.today() == D(2026, 9, 10)
    with pytest.raises(ValueError, match="back"):
        province.reg.advance_clock(Actor.system(), D(2026, 9, 1))
    with pytest.raises(XuejiError, match="by hand"):
        Registry(MemoryStore(), clock=SystemClock()).advance_clock(Actor.system(), D(2030, 1, 1))


def test_idempotency_keys_make_a_repeat_a_no_op(province: Province) -> None:
    kw: dict[str, object] = {
        "school": "A",
        "class_id": "A-1",
        "grade": 1,
        "name": "甲",
        "sex": "M",
        "birth_date": D(2020, 3, 1),
        "hukou_region": "340104",
        "id_number": make_id(D(2020, 3, 1)),
        "photo": Photo(D(2026, 9, 1), "x"),
    }
    first = province.reg.enroll(A, idempotency_key="form-1", **kw)  # type: ignore[arg-type]
    size = len(province.log())
    again = province.reg.enroll(A, idempotency_key="form-1", **kw)  # type: ignore[arg-type]
    assert again.allowed
    assert again.student == first.student
    assert len(province.log()) == size  # nothing written the second time
    assert first.student is not None
    sub = province.reg.submit(A, first.student.id, idempotency_key="sub-1")
    assert province.reg.submit(A, first.student.id, idempotency_key="sub-1").request == sub.request
    with pytest.raises(XuejiError, match="idempotency key"):
        province.reg.submit(A, first.student.id, idempotency_key="form-1")
    # a refused command is not remembered: fixing the input and retrying works
    bad = province.reg.enroll(
        A,
        idempotency_key="form-2",
        **{
            **kw,
            "birth_date": D(2021, 3, 1),  # type: ignore[arg-type]
            "id_number": make_id(D(2021, 3, 1)),
        },
    )
    assert not bad.allowed
    good = province.reg.enroll(
        A, idempotency_key="form-2", **{**kw, "id_number": make_id(D(2020, 3, 1))}
    )  # type: ignore[arg-type]
    assert good.allowed


def test_art28_a_repeat_hands_the_record_only_to_an_actor_who_may_read_it(
    province: Province,
) -> None:
    """Found by the privacy review: a repeated keyed enrolment returned the record as
    it is now, identity number and all, after the student had moved to a school the
    actor may not read."""
    from xueji.model import TransferReason

    kw: dict[str, object] = {
        "school": "A",
        "class_id": "A-1",
        "grade": 1,
        "name": "甲",
        "sex": "M",
        "birth_date": D(2020, 3, 1),
        "hukou_region": "340104",
        "id_number": make_id(D(2020, 3, 1)),
        "photo": Photo(D(2026, 9, 1), "x"),
    }
    first = province.reg.enroll(A, idempotency_key="form-1", **kw)  # type: ignore[arg-type]
    assert first.student is not None
    sid = first.student.id
    sub = province.reg.submit(A, sid).request
    assert sub is not None
    assert province.reg.approve(authority("340104"), sub.id).allowed
    w = school_actor("W")
    req = province.reg.request_transfer(
        w, sid, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE, stated_reason="调动"
    ).request
    assert req is not None
    for actor in (w, authority("340202"), A, authority("340104")):
        assert province.reg.approve(actor, req.id).allowed
    assert province.reg.student(PROVINCE, sid).school == "W"
    again = province.reg.enroll(A, idempotency_key="form-1", **kw)  # type: ignore[arg-type]
    assert again.allowed
    assert again.student is None  # A may not read W's student
    same = province.reg.enroll(
        w,
        idempotency_key="w-1",
        **{**kw, "school": "W", "class_id": "W-1", "id_number": make_id(D(2020, 3, 1))},
    )  # type: ignore[arg-type]
    assert same.student is not None
    assert (
        province.reg.enroll(
            w,
            idempotency_key="w-1",
            **{**kw, "school": "W", "class_id": "W-1", "id_number": same.student.id_number},
        ).student
        is not None
    )  # type: ignore[arg-type]


def test_a_bad_idempotency_key_is_said_in_good_english(province: Province) -> None:
    with pytest.raises(XuejiError) as err:
        province.reg.submit(A, "S0000001", idempotency_key="a\x00b")
    assert err.value.message_en.startswith("an idempotency key must not hold")


def test_old_idempotency_keys_can_be_forgotten(province: Province) -> None:
    """``forget_idempotency_keys`` removes the records of commands run before a date
    (and the undated records of older versions), keeps the newer ones, and is the
    province's or the system's to run: a forgotten key's repeat runs again and is
    decided by the rules (a second enrolment of the person: Art 14)."""
    from xueji.errors import AccessDenied, CorruptRecord

    kw: dict[str, object] = {
        "school": "A",
        "class_id": "A-1",
        "grade": 1,
        "name": "甲",
        "sex": "M",
        "birth_date": D(2020, 3, 1),
        "hukou_region": "340104",
        "id_number": make_id(D(2020, 3, 1)),
        "photo": Photo(D(2026, 9, 1), "x"),
    }
    first = province.reg.enroll(A, idempotency_key="form-1", **kw)  # type: ignore[arg-type]
    assert first.student is not None
    province.reg.advance_clock(Actor.system(), D(2026, 10, 12))
    sub = province.reg.submit(A, first.student.id, idempotency_key="sub-1")
    with province.store.unit_of_work() as uow:  # a record of an older version: no date
        uow.meta.set(
            "idem:old", json.dumps({"command": "submit", "student": None, "request": None})
        )
        uow.meta.set("rollover", "2025")  # not an idempotency record: never touched
    with pytest.raises(AccessDenied):
        province.reg.forget_idempotency_keys(A, before=D(2026, 10, 1))
    with pytest.raises(XuejiError) as bad:
        province.reg.forget_idempotency_keys(PROVINCE, before=dt.datetime(2026, 10, 1))  # type: ignore[arg-type]
    assert bad.value.code == "command.bad_input"
    assert province.reg.forget_idempotency_keys(PROVINCE, before=D(2026, 10, 1)) == 2
    assert province.reg.forget_idempotency_keys(Actor.system(), before=D(2026, 10, 1)) == 0
    with province.store.unit_of_work() as uow:
        assert uow.meta.get("idem:form-1") is None
        assert uow.meta.get("idem:old") is None
        assert uow.meta.get("idem:sub-1") is not None
        assert uow.meta.get("rollover") == "2025"
    size = len(province.log())
    again = province.reg.submit(A, first.student.id, idempotency_key="sub-1")
    assert again.request == sub.request  # still remembered: a no-op
    assert len(province.log()) == size
    repeat = province.reg.enroll(A, idempotency_key="form-1", **kw)  # type: ignore[arg-type]
    assert not repeat.allowed  # forgotten: decided again, one registry per person
    assert any(v.article.number == 14 for v in repeat.decision.violations)
    # a record edited by hand can serve no repeat: it goes with the old ones
    with province.store.unit_of_work() as uow:
        uow.meta.set("idem:zz-broken", "not json")
    with pytest.raises(CorruptRecord, match="idem:zz-broken"):
        province.reg.submit(A, first.student.id, idempotency_key="zz-broken")
    assert province.reg.forget_idempotency_keys(PROVINCE, before=D(2026, 1, 1)) == 1
    with province.store.unit_of_work() as uow:
        assert uow.meta.get("idem:zz-broken") is None
        assert uow.meta.get("idem:sub-1") is not None


def test_expected_version_refuses_a_stale_command(province: Province) -> None:
    from xueji.errors import ConcurrencyConflict

    s = province.enroll("A", 1)
    sub = province.reg.submit(A, s.id, expected_version=s.version)
    assert sub.request is not None
    with pytest.raises(ConcurrencyConflict):
        province.reg.approve(
            authority("340104"), sub.request.id, expected_version=sub.request.version + 1
        )
    assert province.reg.approve(
        authority("340104"), sub.request.id, expected_version=sub.request.version
    ).allowed


def _rows(n: int, bad: set[int] = frozenset()) -> list[dict[str, object]]:  # type: ignore[assignment]
    rows: list[dict[str, object]] = []
    for i in range(n):
        birth = D(2020, 3, 1) if i not in bad else D(2022, 3, 1)  # too young
        rows.append(enrol_kwargs(birth, name=f"批量{i}"))
    return rows


def test_art12_bulk_enrolment_is_all_or_nothing_by_choice(province: Province) -> None:
    rows = _rows(6, bad={2})
    rows[4] = {**rows[4], "id_number": "not-an-id"}
    before = len(province.log())
    out = province.reg.enroll_many(A, rows)
    assert not out.committed
    assert [i for i, _ in out.refused] == [2, 4]
    assert refused(out.refused[0][1]) == ("enrolment.too_young",)
    assert out.refused[1][1].codes == ("id.length",)
    assert len(province.log()) == before  # nothing written
    some = province.reg.enroll_many(A, rows, all_or_nothing=False)
    assert some.committed
    assert len(some.applied) == 4
    assert [i for i, _ in some.refused] == [2, 4]  # reported, not lost
    assert len(province.reg.students_of(A, "A")) == 4


def test_art30_a_key_reused_by_another_actor_hands_over_nothing(province: Province) -> None:
    """A key repeated by another school must not return the first school's records
    (full identity number and all) past the access check."""
    student = province.enroll()
    province.reg.submit(A, student.id, idempotency_key="form-1")
    size = len(province.log())
    with pytest.raises(XuejiError) as err:
        province.reg.submit(school_actor("W"), "S9999999", idempotency_key="form-1")
    assert err.value.code == "idempotency.mismatch"
    assert "another actor" in err.value.message_en
    assert len(province.log()) == size
    # the same school with the same arguments: the repeat is still a no-op
    again = province.reg.submit(A, student.id, idempotency_key="form-1")
    assert again.allowed
    assert len(province.log()) == size


def test_a_key_reused_with_other_arguments_is_refused(province: Province) -> None:
    first, second = province.enroll(), province.enroll()
    sub = province.reg.submit(A, first.id, idempotency_key="form-1").request
    assert sub is not None
    with pytest.raises(XuejiError) as err:
        province.reg.submit(A, second.id, idempotency_key="form-1")  # meant for another
    assert err.value.code == "idempotency.mismatch"
    assert "other arguments" in err.value.message_en
    assert province.reg.approve(authority("340104"), sub.id).allowed  # (reviewed: registered)
    fix = {"name": "新名", "photo": Photo(D(2026, 8, 30), "y")}
    req = province.reg.request_correction(A, first.id, fix, "更正", idempotency_key="c-1")
    assert req.allowed
    same = dict(reversed(list(fix.items())))  # the same fields, in another order
    again = province.reg.request_correction(A, first.id, same, "更正", idempotency_key="c-1")
    assert again.request == req.request


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_a_bulk_row_reusing_an_earlier_rows_key_is_refused_not_dropped(
    province: Province, all_or_nothing: bool
) -> None:
    rows = [{**r, "idempotency_key": "batch-1"} for r in _rows(2)]  # one key, two rows
    out = province.reg.enroll_many(A, rows, all_or_nothing=all_or_nothing)
    assert [i for i, _ in out.refused] == [1]
    assert out.refused[0][1].codes == ("idempotency.mismatch",)
    assert len(out.applied) == (0 if all_or_nothing else 1)


def test_a_key_recorded_before_actors_were_kept_still_repeats(province: Province) -> None:
    """Records written before the actor and the arguments were kept match any repeat."""
    student = province.enroll()
    sub = province.reg.submit(A, student.id, idempotency_key="old-1")
    with province.store.unit_of_work() as uow:
        record = json.loads(uow.meta.get("idem:old-1") or "{}")
        uow.meta.set(
            "idem:old-1", json.dumps({k: record[k] for k in ("command", "student", "request")})
        )
    assert province.reg.submit(A, student.id, idempotency_key="old-1").request == sub.request


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1]",
        '{"command": "submit"}',
        '{"command": 1, "student": null, "request": null}',
        '{"command": "submit", "student": ["S1"], "request": null}',
    ],
)
def test_an_idempotency_record_edited_by_hand_is_reported_with_its_key(
    province: Province, text: str
) -> None:
    from xueji.errors import CorruptRecord

    student = province.enroll()
    province.reg.submit(A, student.id, idempotency_key="sub-1")
    with province.reg.store.unit_of_work() as uow:
        uow.meta.set("idem:sub-1", text)
    with pytest.raises(CorruptRecord) as err:
        province.reg.submit(A, student.id, idempotency_key="sub-1")
    assert (err.value.code, err.value.table, err.value.key) == (
        "storage.corrupt",
        "meta",
        "idem:sub-1",
    )
    assert "not an idempotency record" in err.value.message_en
    assert "不是幂等记录" in err.value.message_zh


def test_art30_an_idempotency_key_quoting_an_id_number_is_masked_in_messages(
    province: Province,
) -> None:
    student = province.enroll()
    assert student.id_number is not None
    key = f"form-{student.id_number}"
    province.reg.submit(A, student.id, idempotency_key=key)
    with pytest.raises(XuejiError, match="idempotency key") as err:
        province.reg.approve(A, "R0000001", idempotency_key=key)  # the key reused
    assert student.id_number not in str(err.value)
    assert student.id_number[:6] + "********" in str(err.value)


@pytest.mark.parametrize(
    "fields",
    [
        {"photo": Photo(dt.datetime(2026, 9, 1, 9, 30), "x")},  # a datetime, not a date
        {"photo": "abc"},
        {"sex": "X"},
        {"name": None},
        {"name": "坏\ud83d"},  # half of an emoji
        {"special_needs": "no"},
        {"consent": "yes"},
        {"birth_date": "2020-03-01"},
    ],
)
def test_a_value_no_store_could_read_back_is_refused_by_update_student(
    province: Province, fields: dict[str, object]
) -> None:
    """Each store would otherwise keep what it was given: the SQL store a record it
    cannot read back (the whole school's listing failing), memory a wrong type."""
    s = province.enroll(id_number=None, guardian_id=make_id(D(1990, 1, 1)))
    size = len(province.log())
    with pytest.raises(XuejiError) as err:
        province.reg.update_student(A, s.id, **fields)
    assert err.value.code == "command.bad_input"
    assert len(province.log()) == size
    assert province.reg.students_of(A, "A")[0] == s  # readable, unchanged


def test_update_student_normalises_the_identity_number(province: Province) -> None:
    """A lower-case check character is the same number: stored upper-case, so that
    the same person cannot be enrolled again under the other spelling."""
    born = D(2020, 3, 1)
    number = next(n for k in range(499) if (n := make_id(born, n=k)).endswith("X"))
    s = province.enroll(id_number=None, guardian_id=make_id(D(1990, 1, 1)), birth=born)
    out = province.reg.update_student(A, s.id, id_number=number.lower())
    assert out.allowed, out.decision
    assert out.student is not None
    assert out.student.id_number == number
    assert "enrolment.duplicate" in enrol_again(province, born, number).decision.codes


def enrol_again(province: Province, born: dt.date, number: str) -> Any:
    """Enrol a boy born on ``born`` with ``number`` into A-1 (the same person again)."""
    return province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="乙",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        id_number=number,
        photo=Photo(D(2026, 9, 1), "x"),
    )


def test_unstorable_text_in_a_bulk_row_refuses_that_row_only(province: Province) -> None:
    rows = _rows(3)
    rows[1] = {**rows[1], "name": "坏\ud83d"}
    rows[2] = {**rows[2], "photo": Photo(dt.datetime(2026, 9, 1, 9, 30), "x")}
    out = province.reg.enroll_many(A, rows, all_or_nothing=False)
    assert [i for i, _ in out.refused] == [1, 2]
    assert {d.codes for _, d in out.refused} == {("command.bad_input",)}
    assert len(out.applied) == 1
    with pytest.raises(XuejiError, match="unpaired surrogates"):
        province.reg.submit(A, out.applied[0].id, idempotency_key="form-\udc80")


def test_a_correction_whose_value_could_not_be_stored_is_refused_when_filed(
    province: Province,
) -> None:
    s = province.register("A", 1)
    with pytest.raises(XuejiError) as err:
        province.reg.request_correction(
            A, s.id, {"photo": Photo(dt.datetime(2026, 9, 2, 8, 0), "y")}, "换照片"
        )
    assert err.value.code == "command.bad_input"


def test_direct_edits_from_a_stale_form_are_refused_and_repeats_are_no_ops(
    province: Province,
) -> None:
    """A form read at version v does not overwrite a record changed since; a repeated
    submission of the same edit (a double click) changes nothing."""
    from xueji.errors import StaleVersion

    s = province.register("A", 1)
    award = InfoEntry(D(2026, 9, 1), "三好学生")
    out = province.reg.add_info(
        A, s.id, InfoGroup.AWARD, award, expected_version=s.version, idempotency_key="i-1"
    )
    assert out.student is not None
    again = province.reg.add_info(
        A, s.id, InfoGroup.AWARD, award, expected_version=s.version, idempotency_key="i-1"
    )
    assert again.student == out.student  # not recorded twice
    assert len(again.student.info[InfoGroup.AWARD]) == 1
    size = len(province.log())
    with pytest.raises(StaleVersion):
        province.reg.update_student(A, s.id, expected_version=s.version, migrant=True)
    with pytest.raises(StaleVersion):
        province.reg.add_info(A, s.id, InfoGroup.AWARD, award, expected_version=s.version)
    assert len(province.log()) == size
    done = province.reg.update_student(
        A, s.id, expected_version=out.student.version, migrant=True, idempotency_key="u-1"
    )
    assert done.allowed
    assert done.student is not None
    repeat = province.reg.update_student(
        A, s.id, expected_version=out.student.version, migrant=True, idempotency_key="u-1"
    )
    assert repeat.student == done.student
    assert len(province.log()) == size + 1


def _grade_6_row(school: str, birth: dt.date | None = None) -> dict[str, Any]:
    birth = birth or D(2015, 3, 1)
    return {
        "school": school,
        "class_id": f"{school}-6",
        "grade": 6,
        "name": "六年级",
        "sex": "M",
        "birth_date": birth,
        "hukou_region": "340104",
        "id_number": make_id(birth),
        "photo": Photo(D(2026, 9, 1), "sha256:x"),
    }


def test_art2_a_grade_6_student_is_junior_under_a_five_four_system(five_four: Policy) -> None:
    """五四制 (Shanghai: primary 1-5, junior 6-9) is a profile's ``school_system``, in
    code or in a policy file: a grade-6 student is junior, enrols into a junior school
    with a junior 地区学号, and is refused by a primary school (Art 2); under Anhui's
    6-3-3 grade 6 is still primary."""
    system = five_four.school_system.value
    assert stage_of_grade(6, system) is Stage.JUNIOR
    assert stage_of_grade(5, system) is Stage.PRIMARY
    assert stage_of_grade(6) is Stage.PRIMARY  # the default: 6-3-3
    p = five_four_province(five_four)
    s = p.enroll("J", 6)
    assert s.stage is Stage.JUNIOR
    assert s.regional_number is not None
    assert s.regional_number.startswith("3401042026" + "2")  # the junior stage digit
    out = p.reg.enroll(A, **_grade_6_row("A"))
    assert refused(out) == ("enrolment.stage_mismatch",)
    assert dict(out.decision.violations[0].facts)["stage"] == "junior"
    assert Province().enroll("A", 6).stage is Stage.PRIMARY


def test_art2_a_bulk_import_reads_the_school_system_of_the_profile(five_four: Policy) -> None:
    """A bulk import (and so the Excel importer, which is one) places a grade-6 row in
    junior under 五四制: the system is passed to each row's parsing positionally, never
    as a field a row could set."""
    p = five_four_province(five_four)
    out = p.reg.enroll_many(school_actor("J"), [_grade_6_row("J")])
    assert out.allowed
    assert out.applied[0].stage is Stage.JUNIOR
    primary = p.reg.enroll_many(A, [_grade_6_row("A", D(2015, 4, 1))], all_or_nothing=False)
    assert [refused(d) for _, d in primary.refused] == [("enrolment.stage_mismatch",)]
    bad = p.reg.enroll_many(A, [{**_grade_6_row("A"), "system": {}}], all_or_nothing=False)
    assert [refused(d) for _, d in bad.refused] == [("command.bad_input",)]


def test_art12_a_primary_graduate_enters_junior_grade_6_with_a_new_regional_number(
    five_four: Policy,
) -> None:
    """Under 五四制 grade 5 is primary's final grade and grade 6 junior's first (an
    ``initial_grades`` grade): the graduate keeps the 学籍号 and gets a new 地区学号."""
    p = five_four_province(five_four, D(2026, 6, 1))
    s = p.register("A", 5, birth=D(2015, 3, 1))
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(A, s.id).allowed
    p.at(D(2026, 9, 1))
    nxt = p.enroll("J", 6, birth=D(2015, 3, 1), id_number=s.id_number)
    assert nxt.id == s.id  # the same record continues
    assert nxt.stage is Stage.JUNIOR
    assert nxt.registry_number == s.registry_number
    assert nxt.regional_number != s.regional_number
    assert nxt.regional_numbers == (s.regional_number, nxt.regional_number)
    assert nxt.regional_number is not None
    assert nxt.regional_number[10] == "2"  # the junior stage digit


def test_unwrap_says_why_in_both_languages(province: Province) -> None:
    """Found by the newcomer walkthrough: ``unwrap()`` raised ``Refused`` with the rule
    codes only; it now says each violation's message too."""
    from xueji.errors import Refused

    out = province.reg.enroll(
        A,
        school="A",
        class_id="A-1",
        grade=1,
        name="幼",
        sex="M",
        birth_date=D(2023, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2023, 3, 1)),
        photo=Photo(D(2026, 9, 1), "x"),
    )
    with pytest.raises(Refused) as err:
        out.unwrap()
    assert "[enrolment.too_young]" in err.value.message_en
    assert "学前教育阶段幼儿不得建立学籍" in err.value.message_zh
    assert "no registry for pre-school children" in err.value.message_en


def test_art29_a_record_taken_up_again_keeps_its_key_fields_locked(five_four: Policy) -> None:
    """A graduate continuing into the next stage (Art 12) keeps the record whose key
    fields were reported at its first entry: they stay locked (Art 29). Before, the
    continued record was marked not submitted, and the new school could change the
    name or the ID number (and so the 学籍号) by a direct edit, with no correction."""
    p = five_four_province(five_four, D(2026, 6, 1))
    s = p.register("A", 5, birth=D(2015, 3, 1))
    assert s.submitted
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(A, s.id).allowed
    p.at(D(2026, 9, 1))
    nxt = p.enroll("J", 6, birth=D(2015, 3, 1), id_number=s.id_number)
    assert nxt.id == s.id
    assert nxt.submitted
    out = p.reg.update_student(school_actor("J"), nxt.id, name="改名")
    assert out.decision.codes == ("correction.locked",)
    assert p.reg.student(PROVINCE, nxt.id).name == s.name


def test_art15_the_deadline_rule_takes_the_calendar_s_last_day() -> None:
    """Found by the Excel review: an entry date of 9999-12-31 (after that year's 30
    September) raised "year 10000 is out of range" from the Art 15 rule, looking for
    the next year's deadline; the national profile's month after entry raised the
    same. The rule decides: no later deadline than the calendar's last day."""
    from xueji.policy import ANHUI_2013, NATIONAL_2013
    from xueji.rules import enrolment

    last = dt.date.max
    for policy in (ANHUI_2013, NATIONAL_2013):
        d = enrolment.check_entry_deadline(D(2026, 9, 1), entry_date=last, policy=policy)
        assert d.allowed
        assert d.codes == ()
    late = enrolment.check_entry_deadline(
        D(2026, 10, 8), entry_date=D(2026, 9, 1), policy=NATIONAL_2013
    )
    assert late.codes == ("enrolment.registration_late",)  # as before


@pytest.mark.parametrize(
    ("field", "value"),
    [("entry_date", dt.date(9999, 12, 31)), ("birth_date", dt.date(1, 1, 1))],
)
def test_art15_enroll_refuses_a_date_no_registry_holds(
    province: Province, field: str, value: dt.date
) -> None:
    """An entry date of 9999-12-31 ("no end") or a birth date of year 1 was taken by
    ``enroll`` (only the Excel import refused it): a date outside
    :data:`xueji.model.DATE_RANGE` (1900-2099) is bad input, nothing written, in
    ``enroll``, a bulk row and a direct edit alike."""
    from xueji.errors import XuejiError

    row = enrol_kwargs(**{field: value})
    before = len(province.log())
    with pytest.raises(XuejiError) as err:
        province.reg.enroll(A, **row)
    assert err.value.code == "command.bad_input"
    assert "1900-01-01" in err.value.message_zh
    out = province.reg.enroll_many(A, [row], all_or_nothing=False)
    assert [d.codes for _, d in out.refused] == [("command.bad_input",)]
    assert len(province.log()) == before
    s = province.enroll("A", 1)
    if field == "birth_date":
        with pytest.raises(XuejiError, match="1900-01-01"):
            province.reg.update_student(A, s.id, birth_date=value)


def test_art12_a_photo_consent_or_entry_dated_outside_the_range_is_bad_input(
    province: Province,
) -> None:
    """:data:`xueji.model.DATE_RANGE` held for the birth and entry dates only: a photo
    taken on 9999-12-31, a consent given in year 1 or an information entry dated 9999
    were taken by the commands (the Excel import refused them)."""
    from xueji.errors import XuejiError
    from xueji.model import Consent, InfoEntry, InfoGroup

    with pytest.raises(XuejiError) as err:
        province.enroll("A", 2, photo=Photo(D(9999, 12, 31), "sha256:x"))
    assert err.value.code == "command.bad_input"
    s = province.enroll("A", 2)
    bad_consent = Consent("guardian_consent", "王", dt.date(1, 1, 1))
    for fields in ({"photo": Photo(dt.date(1, 1, 1), "y")}, {"consent": bad_consent}):
        with pytest.raises(XuejiError) as err:
            province.reg.update_student(A, s.id, **fields)
        assert err.value.code == "command.bad_input"
    with pytest.raises(XuejiError) as err:
        province.reg.add_info(A, s.id, InfoGroup.AWARD, InfoEntry(D(9999, 1, 1), "奖"))
    assert err.value.code == "command.bad_input"


@pytest.mark.parametrize(
    ("edit", "code", "article"),
    [
        # a 3-year-old: no registry for a pre-school child (Art 14)
        (
            {"birth_date": D(2023, 3, 1), "id_number": make_id(D(2023, 3, 1), n=401)},
            "enrolment.too_young",
            "第十四条",
        ),
        ({"photo": None}, "enrolment.photo_missing", "第十二条"),  # (Art 12)
        ({"photo": Photo(D(2021, 5, 1), "sha256:old")}, "enrolment.photo_missing", "第十二条"),
    ],
    ids=["age", "no-photo", "old-photo"],
)
def test_art14_a_draft_edited_past_the_entry_checks_is_not_submitted(
    province: Province, edit: dict[str, Any], code: str, article: str
) -> None:
    """Found by the review: a draft's birth date, number and photo were edited after
    its enrolment, and ``submit`` (which checked the deadline only) and the review's
    approval (the class's grade only) let a 3-year-old, or a grade-1 pupil with no
    photo of the year of entry, be registered. The entry checks are run again on the
    record as it stands when submitted: refused, nothing written."""
    s = province.enroll("A", 1)
    edited = province.reg.update_student(A, s.id, **edit)
    assert edited.allowed  # (a draft never reported is edited directly)
    before = len(province.log())
    out = province.reg.submit(A, s.id)
    assert refused(out) == (code,)
    assert article in str(out.decision.violations[0].article)
    assert out.request is None
    assert len(province.log()) == before  # nothing written
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.DRAFT
    assert province.reg.pending(authority("340104")) == []
    # the explanation lists the entry checks it ran, allowed ones too
    rules = {step.rule for step in out.decision.explain().steps}
    assert {"enrolment.too_young", "enrolment.photo_missing", "enrolment.stage_mismatch"} <= rules
    assert "class.wrong_school" in rules


def test_art14_the_review_checks_the_record_again_before_it_is_registered(
    province: Province,
) -> None:
    """The review's approval runs the entry checks on the record as it stands (age,
    Art 14; photo of the initial grade, Art 12; the school's stage, Art 2; the class,
    Art 16): a record under review that no longer passes them (written by an earlier
    version, whose submit checked nothing) is refused, not registered."""
    s = province.enroll("A", 1)
    sub = province.reg.submit(A, s.id)
    assert sub.allowed
    assert sub.request is not None
    young = D(2023, 3, 1)
    with province.store.unit_of_work() as uow:  # (as an earlier version let it through)
        held = uow.students.get(s.id)
        uow.students.update(
            attrs.evolve(held, birth_date=young, photo=None, version=held.version + 1)
        )
    before = len(province.log())
    out = province.reg.approve(authority("340104"), sub.request.id)
    assert not out.allowed
    assert set(refused(out)) == {"enrolment.too_young", "enrolment.photo_missing"}
    assert len(province.log()) == before
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.PENDING_REVIEW
    rules = {step.rule for step in out.decision.explain().steps}
    assert {"enrolment.stage_mismatch", "stage.wrong_party"} <= rules
    # a record that passes them is registered as before
    ok = province.register("A", 1)
    assert ok.status is StudentStatus.REGISTERED


@pytest.mark.parametrize("step", ["approve", "submit"])
def test_art14_the_entry_checks_are_those_of_the_profile_in_force_at_entry(step: str) -> None:
    """Found by the merge review: the entry checks run again at submission and at the
    review's approval ran under the profile in force that day, so a pupil entered
    lawfully on 1 September was refused after a revision with a stricter age cutoff
    took effect in between, the refusal citing the revision's article (Art 33: a
    revision is not applied backwards). They run under the profile in force on the
    record's entry date; a child entered under the revision is checked under it."""
    from xueji.policy import ANHUI_2013, Param
    from xueji.policy.values import MonthDay

    own = Article("皖教基〔2026〕1号", 14)
    revision = attrs.evolve(
        ANHUI_2013,
        code="anhui-2026",
        valid_from=D(2026, 9, 15),
        school_entry_age=Param(6, own),
        school_entry_age_cutoff=Param(MonthDay(8, 1), own),
    )
    p = Province(D(2026, 9, 1), policies=(ANHUI_2013, revision))
    s = p.enroll("A", 1, birth=D(2020, 8, 15))  # six by 31 August, not by 1 August
    if step == "submit":
        p.at(D(2026, 9, 16))
    sub = p.reg.submit(A, s.id)
    assert sub.allowed, sub.decision
    assert sub.request is not None
    p.at(D(2026, 9, 16))
    out = p.reg.approve(authority("340104"), sub.request.id)
    assert out.allowed, out.decision
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    # the same child entered under the revision is refused, citing the revision
    later = p.reg.enroll(A, **enrol_kwargs(D(2020, 8, 15), photo=Photo(D(2026, 9, 16), "sha256:y")))
    assert refused(later) == ("enrolment.too_young",)
    assert later.decision.violations[0].article == own
    assert dict(later.decision.violations[0].facts)["cutoff"] == "2026-08-01"


def test_art14_a_record_entered_in_error_is_voided_and_enrolled_at_the_right_school(
    province: Province,
) -> None:
    """Found by the lifecycle review: the student table has ``draft -> voided`` and
    ``pending_review -> voided`` ("entered in error; kept, not deleted"), but no
    command fired them: a child typed in at the wrong school blocked its enrolment at
    the right one (``enrolment.duplicate``) and held a seat. ``void_record`` voids a
    draft or a record under review, by its school or its authority, with a reason:
    the record is kept (voided), its review closed, its G number released to the
    child's record at the right school, its seat freed; logged citing Art 14."""
    p = province
    s = p.enroll("A", 1, name="错录")
    review = p.reg.submit(A, s.id).request
    assert review is not None
    row = enrol_kwargs(
        school="B", class_id="B-1", name="错录", birth_date=s.birth_date, id_number=s.id_number
    )
    assert refused(p.reg.enroll(school_actor("B"), **row)) == ("enrolment.duplicate",)
    with pytest.raises(AccessDenied):  # (not B's record)
        p.reg.void_record(school_actor("B"), s.id, "误录")
    before = len(p.log())
    no_reason = p.reg.void_record(A, s.id, " ")
    assert refused(no_reason) == ("void.reason_missing",)
    assert len(p.log()) == before
    out = p.reg.void_record(A, s.id, "误录入本校")
    assert out.allowed, out.decision
    assert out.student is not None
    assert out.student.status is StudentStatus.VOIDED
    assert p.reg.request(PROVINCE, review.id).state is RequestState.WITHDRAWN
    assert p.reg.pending(authority("340104")) == []
    entry = next(e for e in p.log() if e.command == "void_record")
    assert "第十四条" in entry.basis
    assert entry.after["reason"] == "误录入本校"
    with p.store.unit_of_work() as uow:
        assert uow.students.count_in_class("A-1", 1) == 0  # the seat is free
        assert uow.students.by_registry_number("G" + s.id_number) == []  # released
    again = p.reg.enroll(school_actor("B"), **row)
    assert again.allowed, again.decision
    assert again.student is not None
    assert again.student.registry_number == "G" + s.id_number  # one person, one number
    with p.store.unit_of_work() as uow:
        assert [x.id for x in uow.students.by_registry_number("G" + s.id_number)] == [
            again.student.id
        ]
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.VOIDED  # kept
    # a voided (or registered) record is not voided
    assert refused(p.reg.void_record(A, s.id, "再次")) == ("change.status",)
    registered = p.register("A", 1)
    assert refused(p.reg.void_record(A, registered.id, "误录")) == ("change.status",)
    assert p.reg.verify_log(PROVINCE).ok


def test_art14_the_authority_voids_a_draft_and_undoes_a_record_taken_up_again() -> None:
    """The school's authority may void a draft of its school (Art 28); a record taken
    up again by an enrolment (a graduate continuing into grade 7, Art 12) is the
    student's registry and is not voided: voiding it undoes the continuing, the record
    the graduate it was at its old school (``void_continuation``; before, refused
    ``void.taken_up`` and stuck at the wrong school)."""
    p = Province(D(2026, 6, 1))
    county = authority("340104")
    draft = p.enroll("A", 2)
    assert p.reg.void_record(county, draft.id, "重复录入").allowed
    s = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(A, s.id).allowed
    p.at(D(2026, 9, 1))
    nxt = p.enroll("J", 7, birth=D(2014, 3, 1), id_number=s.id_number)
    out = p.reg.void_record(authority("340104"), nxt.id, "误录")
    assert out.allowed, out.decision
    back = p.reg.student(PROVINCE, s.id)
    assert (back.status, back.school, back.grade) == (StudentStatus.GRADUATED, "A", 6)
    assert "void_continuation" in [e.command for e in p.log()]
    assert p.reg.verify_log(PROVINCE).ok


def test_art15_an_entry_date_or_a_photo_after_today_is_bad_input(province: Province) -> None:
    """Found by the enrolment review: an ``entry_date`` after today was taken, so a
    5-year-old was registered on 1 September 2026 as entering in January 2027 (the
    age checked at 31 August 2027), a 2031 entry was issued a 2031 regional number,
    and a photo dated after today passed the Art 12 rule. A record is typed after
    the entry (Art 15): a later entry date, or a photo not yet taken, is bad input,
    in enroll and in an enroll_many row alike."""
    today = province.today()
    for over in (
        {"birth_date": D(2021, 1, 1), "entry_date": D(2027, 1, 5)},
        {"entry_date": D(2031, 9, 1)},
        {"photo": Photo(D(2026, 12, 31), "x")},
        {"entry_date": today + dt.timedelta(days=1)},
    ):
        kw = enrol_kwargs(**over)
        if "birth_date" in over:
            kw["id_number"] = make_id(over["birth_date"])
        with pytest.raises(XuejiError) as err:
            province.reg.enroll(A, **kw)
        assert err.value.code == "command.bad_input"
        what = "入学日期" if "entry_date" in over else "照片"
        assert what in err.value.message_zh
        assert "after today" in err.value.message_en
        out = province.reg.enroll_many(A, [kw])
        assert [d.codes for _, d in out.refused] == [("command.bad_input",)]
    # today itself is an entry date and a photo's day
    ok = province.reg.enroll(A, **enrol_kwargs(entry_date=today, photo=Photo(today, "x")))
    assert ok.allowed, ok.decision


def test_art14_a_spring_entry_counts_the_age_on_the_cutoff_of_the_year_it_joins(
    province: Province,
) -> None:
    """Found by the enrolment review: an entry between February and August was
    age-checked against the next 31 August, after the entry, so a child of 5 years
    5 months entered grade 1 in February 2027 while a child a year older had been
    refused in September 2026. The cutoff is the latest one on or before the entry
    date (the school year being joined); the autumn intake keeps its own."""
    from xueji.policy import ANHUI_2013
    from xueji.rules.enrolment import age_cutoff, check_age

    assert age_cutoff(D(2026, 9, 1), ANHUI_2013) == D(2026, 8, 31)
    assert age_cutoff(D(2026, 8, 31), ANHUI_2013) == D(2026, 8, 31)
    assert age_cutoff(D(2027, 2, 1), ANHUI_2013) == D(2026, 8, 31)
    assert age_cutoff(D(2027, 6, 30), ANHUI_2013) == D(2026, 8, 31)
    assert check_age(D(2020, 8, 31), entry_date=D(2026, 9, 1), policy=ANHUI_2013).allowed
    # autumn unchanged: 6 by 31 August 2026
    assert province.reg.enroll(A, **enrol_kwargs(D(2020, 8, 31))).allowed
    refused_autumn = province.reg.enroll(A, **enrol_kwargs(D(2020, 9, 1), name="乙"))
    assert refused(refused_autumn) == ("enrolment.too_young",)
    province.at(D(2027, 2, 1))
    photo = Photo(D(2027, 2, 1), "x")
    spring = province.reg.enroll(A, **enrol_kwargs(D(2021, 8, 31), photo=photo, name="丙"))
    assert refused(spring) == ("enrolment.too_young",)
    facts = dict(spring.decision.violations[0].facts)
    assert facts["cutoff"] == "2026-08-31"
    assert facts["age_at_cutoff"] == "5"
    assert province.reg.enroll(A, **enrol_kwargs(D(2020, 8, 31), photo=photo, name="丁")).allowed


def test_art14_the_age_cutoff_is_the_school_year_s_for_any_entry_date() -> None:
    """:func:`~xueji.rules.enrolment.age_cutoff` on the days around the terms, and on
    the calendar's first and last days (no year 0 or 10000 is asked for)."""
    from xueji.policy import ANHUI_2013
    from xueji.rules.enrolment import age_cutoff

    days = {
        D(2026, 7, 15): D(2025, 8, 31),  # the spring term's last day
        D(2026, 7, 16): D(2026, 8, 31),  # the summer holiday: the coming school year
        D(2026, 8, 31): D(2026, 8, 31),
        D(2027, 1, 31): D(2026, 8, 31),
        D(2027, 2, 10): D(2026, 8, 31),  # the winter break
    }
    assert {d: age_cutoff(d, ANHUI_2013) for d in days} == days
    for edge in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):
        assert age_cutoff(edge, ANHUI_2013) <= max(edge, D(9999, 8, 31))


@pytest.mark.parametrize(
    ("consent", "field"),
    [
        (("", "王芳", D(2026, 8, 30)), "basis"),
        (("anything", "王芳", D(2026, 8, 30)), "basis"),
        (("guardian_consent", "", D(2026, 8, 30)), "given_by"),
        (("guardian_consent", "  ", D(2026, 8, 30)), "given_by"),
        (("guardian_consent", "王芳", D(2030, 1, 1)), "given_on"),
        (("guardian_consent", "王芳", D(2019, 1, 1)), "given_on"),  # before the birth
        (("guardian_consent", "王芳", D(2026, 8, 30), "own"), "guardian_id"),
        (("guardian_consent", "王芳", D(2026, 8, 30), "110105194912310021"), "guardian_id"),
        (("guardian_consent", "王芳", D(2026, 8, 30), "child"), "guardian_id"),  # born after
    ],
    ids=[
        "empty-basis",
        "unknown-basis",
        "no-giver",
        "blank-giver",
        "future",
        "before-birth",
        "own-id",
        "invalid-id",
        "younger",
    ],
)
def test_pipl31_a_consent_that_cannot_be_one_is_bad_input(
    province: Province, consent: tuple[Any, ...], field: str
) -> None:
    """Found by the enrolment review: any :class:`~xueji.model.Consent` cleared
    ``privacy.consent_missing`` (PIPL Art 31): an empty basis and giver, a consent
    given in 2030 or before the child was born, the child's own ID number as the
    guardian's. Each is bad input naming the field, in ``enroll``, an ``enroll_many``
    row and ``update_student``; a good one (the guardian's number normalised) passes."""
    from xueji.model import Consent

    born = D(2020, 3, 1)
    own = make_id(born)
    guardian = {"own": own, "child": make_id(D(2021, 5, 1), n=77)}
    args = list(consent)
    if len(args) == 4:
        args[3] = guardian.get(args[3], args[3])
    bad = Consent(*args)
    kw = enrol_kwargs(born, id_number=own, consent=bad)
    with pytest.raises(XuejiError) as err:
        province.reg.enroll(A, **kw)
    assert err.value.code == "command.bad_input"
    assert "同意记录" in err.value.message_zh
    assert field in err.value.message_en
    out = province.reg.enroll_many(A, [kw])
    assert [d.codes for _, d in out.refused] == [("command.bad_input",)]
    s = province.enroll("A", 1, birth=born, id_number=own)
    with pytest.raises(XuejiError) as err:
        province.reg.update_student(A, s.id, consent=bad)
    assert err.value.code == "command.bad_input"
    mother = make_id(D(1990, 5, 1), "F")
    good = Consent("guardian_consent", "王芳", D(2026, 8, 30), mother.lower())
    assert province.reg.update_student(A, s.id, consent=good).allowed
    kept = province.reg.student(A, s.id).consent
    assert kept is not None
    assert kept.guardian_id == mother
