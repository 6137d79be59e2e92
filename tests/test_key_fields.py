"""Key fields and their corrections (Arts 13, 29), and the information groups (Arts
11, 17): what a correction's approval applies and logs, what an enrolment that takes
up a record does with the key fields given, and where information is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.conftest import PROVINCE, D, Province, authority, make_id, rebuilt, school_actor
from xueji.errors import XuejiError
from xueji.masking import HIDDEN_DATE, mask
from xueji.model import InfoEntry, InfoGroup, Photo

A = school_actor("A")
SHUSHAN = authority("340104")


def refused(out: object) -> tuple[str, ...]:
    decision = getattr(out, "decision", out)
    return tuple(v.code for v in decision.violations)


def _stored_payload(p: Province, request_id: str, **extra: str) -> None:
    """The stored correction's payload with ``extra`` added (a request written by
    another program, or changed in the database). A request an entry with its digest
    wrote is then refused as changed (``audit.request_altered``, Art 32(三):
    ``tests/test_audit_requests.py``); these tests file theirs as a library from
    before the digests did (:func:`_as_before_the_digests`), whose requests are not
    compared, to see the checks of the payload itself."""
    with p.store.unit_of_work() as uow:
        q = uow.requests.get(request_id)
        assert q is not None
        payload = {**q.payload, **extra}
        uow.requests.update(attrs.evolve(q, payload=payload, version=q.version + 1))


def _as_before_the_digests(m: pytest.MonkeyPatch) -> None:
    """Play a library from before the entries carried the request's digest."""
    from xueji import registry

    m.setattr(registry, "_request_written", lambda req: {})


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"school": "W"}, "correction.not_key_field"),
        ({"grade": "3"}, "correction.not_key_field"),
        ({"submitted": "False"}, "correction.not_key_field"),
        ({"status": "graduated"}, "correction.not_key_field"),
        ({"sex": "X"}, "correction.unreadable"),
        ({"name": ""}, "correction.unreadable"),
        ({"id_number": "340104202003010000"}, "correction.unreadable"),
    ],
)
def test_art29_an_approval_applies_key_fields_of_the_right_type_only(
    province: Province, extra: dict[str, str], code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the key-fields review: the stored payload was applied at approval as it
    stood, so a key beside the filed ones moved the student to another school, set the
    grade to text, unlocked the record, or raised a raw ``TypeError``. Only the fields
    a correction may change (Art 29), each of its type, are applied: anything else is
    refused at approval, nothing written, and the unit rejects the request."""
    p = province
    s = p.register("A", 1, name="张三")
    with monkeypatch.context() as m:
        _as_before_the_digests(m)
        filed = p.reg.request_correction(A, s.id, {"name": "李四"}, "户口本为准").request
    assert filed is not None
    _stored_payload(p, filed.id, **extra)
    held = len(p.log())
    out = p.reg.approve(SHUSHAN, filed.id)
    assert refused(out) == (code,)
    assert str(out.decision.violations[0].article).startswith("皖教基〔2013〕20号 第二十九条")
    assert len(p.log()) == held
    kept = p.reg.student(PROVINCE, s.id)
    assert (kept.name, kept.school, kept.grade, kept.submitted) == ("张三", "A", 1, True)
    assert p.reg.reject(SHUSHAN, filed.id, "内容有误").allowed


def test_art29_the_log_says_what_a_correction_asked_and_which_request_made_it(
    province: Province,
) -> None:
    """Found by the key-fields review: a correction's opening entry held the request's
    student, state and deadline only, and the entry that applied it named no request:
    what was filed (and why) was nowhere in the log, so a value changed before the
    approval went through unseen. The opening entry holds the filed values (masked as
    the log masks: the identity number, the birth date hidden) and the reason; the
    entry applying it names the request."""
    p = province
    born = D(2020, 3, 1)
    s = p.register("A", 1, birth=born, name="张三")
    right = make_id(D(2020, 3, 2))
    changes: dict[str, Any] = {"name": "李四", "id_number": right, "birth_date": D(2020, 3, 2)}
    filed = p.reg.request_correction(A, s.id, changes, "户口本为准").request
    assert filed is not None
    opened = [e for e in p.log() if e.command == "open_correction"][-1]
    assert opened.subject == filed.id
    after = dict(opened.after)
    assert after["student"] == s.id
    assert after["name"] == "李四"
    assert after["id_number"] == mask(right)
    assert after["birth_date"] == HIDDEN_DATE
    assert after["reason"] == "户口本为准"
    assert p.reg.approve(SHUSHAN, filed.id).allowed
    applied = p.log()[-1]
    assert (applied.command, applied.subject) == ("correct", s.id)
    assert dict(applied.after)["request"] == filed.id
    texts = [repr(dict(e.before)) + repr(dict(e.after)) for e in p.log()]
    assert rebuilt(*texts, of=[right, s.id_number or ""]) == []
    assert p.reg.verify_log(PROVINCE).ok
    assert p.reg.detect(PROVINCE).findings == ()


def _graduate(p: Province, **kw: Any) -> Any:
    """A grade-6 pupil of school A, graduated in July 2027; the clock on 1 September."""
    s = p.register("A", 6, birth=D(2014, 3, 1), **kw)
    p.at(D(2027, 6, 15))
    assert p.reg.graduate(A, s.id).allowed
    p.at(D(2027, 9, 1))
    return s


def _grade7(p: Province, **kw: Any) -> Any:
    row: dict[str, Any] = {
        "school": "J",
        "class_id": "J-7",
        "grade": 7,
        "name": "小明",
        "sex": "M",
        "birth_date": D(2014, 3, 1),
        "hukou_region": "340104",
        "photo": Photo(D(2027, 8, 20), "sha256:new"),
    }
    return p.reg.enroll(school_actor("J"), **{**row, **kw})


def test_art13_an_id_number_given_to_a_record_taken_up_is_said_not_dropped() -> None:
    """Found by the key-fields review: a J-number graduate found by its guardian, name
    and birth date and enrolled into grade 7 with its own ID number continued with no
    ID number, the number given dropped in silence; a later enrolment by that number
    alone opened a second registry (Arts 13-14). The record taken up keeps the key
    fields reported at its first entry (Art 29: changed by an approved correction,
    docs/registry.md); the enrolment now says which of those it was given otherwise
    (``enrolment.key_fields_kept``, a warning naming the fields, never their values),
    its ``use`` the correction that links the number."""
    p = Province()
    guardian = make_id(D(1985, 5, 5))
    s = _graduate(p, name="小明", id_number=None, guardian_id=guardian)
    own = make_id(D(2014, 3, 1))
    out = _grade7(p, id_number=own, guardian_id=guardian)
    assert out.allowed, out.decision
    assert (out.student.id, out.student.id_number) == (s.id, None)
    warned = {w.code: dict(w.facts) for w in out.decision.warnings}
    assert warned["enrolment.key_fields_kept"]["fields"] == "id_number"
    assert "request_correction" in warned["enrolment.key_fields_kept"]["use"]
    kept = next(w for w in out.decision.warnings if w.code == "enrolment.key_fields_kept")
    assert str(kept.article).startswith("皖教基〔2013〕20号 第二十九条")
    assert own not in repr(out.decision.to_dict())
    # the way it names: the number linked by a correction, after which the number
    # alone finds the record (no second registry)
    fix = p.reg.request_correction(school_actor("J"), s.id, {"id_number": own}, "补录身份证号")
    assert fix.request is not None
    assert p.reg.approve(SHUSHAN, fix.request.id).allowed
    again = _grade7(p, id_number=own)
    assert refused(again) == ("enrolment.duplicate",)


@pytest.mark.parametrize("abroad", [True, False])
def test_art13_an_id_number_given_to_a_record_coming_back_is_said_not_dropped(
    abroad: bool,
) -> None:
    """Found by the merge review: a J-number pupil coming back from abroad (found by
    its guardian, name and birth date) or from another province (by its J 学籍号)
    with its own ID number continued its record with no ID number, the number given
    dropped in silence, and a later enrolment by that number alone opened a second
    registry (Arts 13-14). As for a record taken up by an enrolment, ``transfer_in``
    now warns ``enrolment.key_fields_kept`` (Art 29), its ``use`` the correction that
    links the number."""
    p = Province(D(2026, 9, 1))
    guardian = make_id(D(1990, 1, 1), "F")
    s = p.register("A", 1, id_number=None, guardian_id=guardian, name="小明", birth=D(2020, 3, 1))
    if abroad:
        out = p.reg.request_cross_border_out(
            A, s.id, destination="新加坡", leave_date=D(2026, 9, 20), reason="随父母出国"
        )
    else:
        out = p.reg.request_cross_province_out(
            A, s.id, to_school_name="江苏某小学", reason="随父母迁居"
        )
    assert out.request is not None
    for who in (A, SHUSHAN):
        assert p.reg.approve(who, out.request.id).allowed
    p.at(D(2026, 11, 2))
    own = make_id(D(2020, 3, 1), "M")
    back = p.reg.transfer_in(
        A,
        origin="新加坡" if abroad else "江苏",
        abroad=abroad,
        school="A",
        class_id="A-1",
        grade=1,
        name="小明",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        registry_number=None if abroad else s.numbers.current.text,
        id_number=own,
        guardian_id=guardian,
        photo=Photo(D(2026, 11, 2), "sha256:y"),
        stated_reason="随迁回皖",
    )
    assert back.allowed, back.decision
    assert back.request is not None
    assert back.request.student == s.id
    warned = {w.code: w for w in back.decision.warnings}
    kept = warned["enrolment.key_fields_kept"]
    assert dict(kept.facts)["fields"] == "id_number"
    assert "request_correction" in dict(kept.facts)["use"]
    assert str(kept.article).startswith("皖教基〔2013〕20号 第二十九条")
    assert own not in repr(back.decision.to_dict())


def test_art29_a_record_taken_up_says_which_key_fields_given_it_keeps() -> None:
    """The same for a name typed otherwise (the record found by its ID number); a
    name differing only in white space (the same child, docs/registry.md), the photo
    (Art 12: the new entry's) and a continuation that gives what the record holds
    warn of nothing."""
    p = Province()
    s = _graduate(p, name="小明")
    same = _grade7(p, name="小 明", id_number=s.id_number)
    assert same.allowed, same.decision
    assert "enrolment.key_fields_kept" not in [w.code for w in same.decision.warnings]
    p2 = Province()
    t = _graduate(p2, name="小明")
    other = _grade7(p2, name="王小明", id_number=t.id_number)
    assert other.allowed, other.decision
    assert other.student.name == "小明"
    warned = {w.code: dict(w.facts) for w in other.decision.warnings}
    assert warned["enrolment.key_fields_kept"]["fields"] == "name"


def test_art29_a_new_entry_logs_the_photo_and_place_it_replaces() -> None:
    """Found by the key-fields review: a graduate continuing into grade 7 (or a senior
    dropout enrolled again) had its locked photo replaced by the new entry's (Art 12),
    and its class, stage and entry date, with none of them in the log's before and
    after (docs/audit.md: the values before and after). Both entries now hold them."""
    p = Province()
    s = _graduate(p, name="小明")
    new = Photo(D(2027, 8, 20), "sha256:new")
    out = _grade7(p, id_number=s.id_number, photo=new)
    assert out.allowed, out.decision
    e = p.log()[-1]
    assert e.command == "enroll_next_stage"
    before, after = dict(e.before), dict(e.after)
    assert before["photo"] == f"{s.photo.taken_on.isoformat()}|{s.photo.digest}"
    assert after["photo"] == "2027-08-20|sha256:new"
    assert (before["class_id"], after["class_id"]) == ("A-6", "J-7")
    assert (before["stage"], after["stage"]) == ("primary", "junior")
    assert (before["entry_date"], after["entry_date"]) == (
        s.entry_date.isoformat(),
        "2027-09-01",
    )
    assert p.reg.verify_log(PROVINCE).ok
    assert p.reg.detect(PROVINCE).findings == ()


def test_art29_a_senior_dropout_enrolled_again_logs_the_photo_it_replaces() -> None:
    """The same for a senior dropout enrolled again (Art 27(2))."""
    p = Province()
    s = p.register("H", 10, birth=D(2010, 3, 1))
    hefei = authority("3401")
    req = p.reg.record_dropout(school_actor("H"), s.id, "家庭原因").request
    assert req is not None
    assert p.reg.approve(hefei, req.id).allowed
    p.at(D(2027, 9, 1))
    new = Photo(D(2027, 8, 20), "sha256:again")
    out = p.reg.enroll(
        school_actor("H2"),
        school="H2",
        class_id="H2-10",
        grade=10,
        name=s.name,
        sex=s.sex,
        birth_date=s.birth_date,
        hukou_region="340104",
        id_number=s.id_number,
        photo=new,
    )
    assert out.allowed, out.decision
    e = p.log()[-1]
    assert e.command == "enroll_after_dropout"
    assert dict(e.before)["photo"] == f"{s.photo.taken_on.isoformat()}|{s.photo.digest}"
    assert dict(e.after)["photo"] == "2027-08-20|sha256:again"


def test_art13_an_edit_or_correction_gives_no_guardian_s_number_that_is_no_guardian_s(
    province: Province,
) -> None:
    """Found by the key-fields review: enrolment refuses a guardian's ID number that
    is the student's own or of someone born on or after the student
    (``enrolment.guardian_id``, Art 13), but a draft's edit, a correction and its
    approval set one. Each now asks the rule of the record as the change would leave
    it: when filed, and again at approval (another correction approved in between
    may have changed the birth date)."""
    p = province
    born = D(2020, 3, 1)
    young = make_id(D(2022, 1, 1))
    draft = p.enroll("A", 1, birth=born)
    for guardian in (young, draft.id_number):
        out = p.reg.update_student(A, draft.id, guardian_id=guardian)
        assert refused(out) == ("enrolment.guardian_id",)
    assert p.reg.student(PROVINCE, draft.id).guardian_id is None
    # a submitted record with its own ID number: the guardian's is edited directly
    s = p.register("A", 1, birth=born)
    assert refused(p.reg.update_student(A, s.id, guardian_id=s.id_number)) == (
        "enrolment.guardian_id",
    )
    # a child known by its guardian's number: the guardian's is corrected (Art 29)
    kid = p.register(
        "A", 1, name="小明", birth=born, id_number=None, guardian_id=make_id(D(1990, 5, 5))
    )
    out = p.reg.request_correction(A, kid.id, {"guardian_id": young}, "录错")
    assert refused(out) == ("enrolment.guardian_id",)
    assert out.request is None
    # fits when filed; the birth date corrected before it is approved: it no longer does
    late = make_id(D(2019, 6, 1))
    first = p.reg.request_correction(A, kid.id, {"guardian_id": late}, "录错").request
    second = p.reg.request_correction(A, kid.id, {"birth_date": D(2018, 3, 1)}, "录错").request
    assert first is not None
    assert second is not None
    assert p.reg.approve(SHUSHAN, second.id).allowed
    held = len(p.log())
    out = p.reg.approve(SHUSHAN, first.id)
    assert refused(out) == ("enrolment.guardian_id",)
    assert len(p.log()) == held
    assert p.reg.student(PROVINCE, kid.id).guardian_id != late
    assert late not in repr(out.decision.to_dict())


def test_art13_the_number_record_keeps_the_guardian_s_number_in_step(
    province: Province,
) -> None:
    """Found by the key-fields review: a guardian's ID number corrected (or edited on a
    draft) left the record's ``NumberRecord.guardian_id`` at the old number, where
    docs/numbers.md says it keeps the guardian's number (Art 13: the identifier of a
    child with none of its own)."""
    p = province
    g1, g2, g3 = (make_id(D(1990 + i, 5, 5)) for i in range(3))
    kid = p.register("A", 1, name="小强", birth=D(2020, 3, 1), id_number=None, guardian_id=g1)
    assert kid.numbers is not None
    assert kid.numbers.guardian_id == g1
    fix = p.reg.request_correction(A, kid.id, {"guardian_id": g2}, "录错").request
    assert fix is not None
    assert p.reg.approve(SHUSHAN, fix.id).allowed
    got = p.reg.student(PROVINCE, kid.id)
    assert got.numbers is not None
    assert (got.guardian_id, got.numbers.guardian_id) == (g2, g2)
    draft = p.enroll("A", 1, name="小刚", birth=D(2020, 4, 1), id_number=None, guardian_id=g1)
    assert p.reg.update_student(A, draft.id, guardian_id=g3).allowed
    got = p.reg.student(PROVINCE, draft.id)
    assert got.numbers is not None
    assert (got.guardian_id, got.numbers.guardian_id) == (g3, g3)
    assert p.reg.verify_log(PROVINCE).ok
    assert p.reg.detect(PROVINCE).findings == ()


def test_art14_a_birth_date_corrected_below_school_age_is_said_not_refused(
    province: Province,
) -> None:
    """Found by the key-fields review: a correction of the birth date that made a
    grade-1 pupil one month old was filed and approved with no word. A correction
    records the truth (Art 29) and is not refused for it, but the age rule that
    refused such a child's enrolment (Art 14: no registry for a pre-school child) is
    said, as a warning, when it is filed and when it is approved."""
    p = province
    s = p.register("A", 1, birth=D(2020, 3, 1))
    born = D(2026, 8, 1)
    changes: dict[str, Any] = {"id_number": make_id(born), "birth_date": born}
    filed = p.reg.request_correction(A, s.id, changes, "出生证明为准")
    assert filed.allowed, filed.decision
    assert filed.request is not None
    assert [w.code for w in filed.decision.warnings] == ["enrolment.too_young"]
    assert str(filed.decision.warnings[0].article).startswith("皖教基〔2013〕20号 第十四条")
    out = p.reg.approve(SHUSHAN, filed.request.id)
    assert out.allowed, out.decision
    assert "enrolment.too_young" in [w.code for w in out.decision.warnings]
    assert p.reg.student(PROVINCE, s.id).birth_date == born
    # a birth date of school age: no warning
    t = p.register("A", 1, birth=D(2020, 3, 1))
    fine = D(2020, 3, 2)
    ok = p.reg.request_correction(
        A, t.id, {"id_number": make_id(fine), "birth_date": fine}, "出生证明为准"
    )
    assert ok.allowed, ok.decision
    assert ok.decision.warnings == ()


def _left_and_voided(p: Province) -> tuple[Any, Any]:
    """A record gone out of the province (approved), and one voided (a return from
    abroad refused by the receiving school)."""
    s = p.register("A", 1, name="张三", birth=D(2020, 3, 1))
    out = p.reg.request_cross_province_out(A, s.id, to_school_name="外省学校", reason="搬家")
    assert out.request is not None
    assert p.reg.approve(A, out.request.id).allowed
    assert p.reg.approve(SHUSHAN, out.request.id).allowed
    came = p.reg.transfer_in(
        school_actor("B"),
        origin="江苏",
        abroad=True,
        school="B",
        class_id="B-1",
        grade=1,
        name="外人",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2020, 3, 1)),
        photo=Photo(D(2026, 9, 1), "z"),
        stated_reason="搬家",
    )
    assert came.request is not None
    assert p.reg.reject(school_actor("B"), came.request.id).allowed
    left, voided = (p.reg.student(PROVINCE, x) for x in (s.id, came.request.student))
    assert (left.status.value, voided.status.value) == ("cross_province_out", "voided")
    return left, voided


def test_art17_information_is_recorded_on_a_record_held_here_and_dated_by_today(
    province: Province,
) -> None:
    """Found by the key-fields review: ``add_info`` (and so the Excel import) wrote an
    entry to a record voided, or gone out of the province, and an entry dated 2099;
    ``update_student`` edited a voided record's non-key fields. A record voided, or
    gone out of the province or the country, is no longer the school's to maintain
    (``info.status``, Art 17; ``edit.status``, Art 29), and an entry is not dated
    after today (``info.future``, Art 17): refused, nothing written."""
    p = province
    left, voided = _left_and_voided(p)
    entry = InfoEntry(p.today(), "三好学生")
    for s, who in ((left, A), (left, SHUSHAN), (voided, school_actor("B"))):
        held = len(p.log())
        out = p.reg.add_info(who, s.id, InfoGroup.AWARD, entry)
        assert refused(out) == ("info.status",)
        assert str(out.decision.violations[0].article).startswith("皖教基〔2013〕20号 第十七条")
        assert len(p.log()) == held
        assert p.reg.student(PROVINCE, s.id).info == {}
    for s, who in ((voided, school_actor("B")), (left, A)):
        out = p.reg.update_student(who, s.id, hukou_region="340121")
        assert refused(out) == ("edit.status",)
        assert p.reg.student(PROVINCE, s.id).hukou_region == "340104"
    s = p.register("A", 1)
    later = p.reg.add_info(A, s.id, InfoGroup.EXAM, InfoEntry(D(2099, 1, 1), "期末"))
    assert refused(later) == ("info.future",)
    assert p.reg.student(PROVINCE, s.id).info == {}
    today = p.reg.add_info(A, s.id, InfoGroup.EXAM, InfoEntry(p.today(), "期中"))
    assert today.allowed, today.decision
    # a graduate's record is still the school's (its last results, Art 18)
    p.at(D(2027, 7, 10))
    g = p.register("A", 6, birth=D(2014, 3, 1))
    assert p.reg.graduate(A, g.id).allowed
    assert p.reg.add_info(A, g.id, InfoGroup.EXAM, InfoEntry(p.today(), "毕业考试")).allowed


def test_art17_an_info_import_row_for_a_record_gone_out_is_refused(
    province: Province, tmp_path: Path
) -> None:
    """The Excel import records through ``add_info``: the same refusals, per row."""
    from tests.test_excel import INFO_HEADER, workbook
    from xueji import excel

    p = province
    left, _ = _left_and_voided(p)
    rows: list[list[object]] = [
        ["A", left.registry_number, None, "奖励", p.today(), "三好学生", None, None],
    ]
    report = excel.import_info(
        p.reg, A, workbook(tmp_path / "info.xlsx", INFO_HEADER, rows), all_or_nothing=False
    )
    assert [e.code for e in report.errors] == ["info.status"]
    assert p.reg.student(PROVINCE, left.id).info == {}


def test_art11_family_is_no_group_a_school_records(province: Province) -> None:
    """Found by the key-fields review: ``InfoGroup.FAMILY`` could be written by no actor,
    yet the scenario grammar (docs/scenarios.md) listed ``family`` as an ``add_info``
    group. Reading (Arts 11, 12, 13, 17, docs/registry.md): Art 17 names the groups the
    school records with no review, and 家庭 is not among them; the family facts the
    registry keeps are fields of the record (the guardian's ID number, the consent),
    entered at enrolment and edited there. ``add_info`` refuses it saying so, and the
    scenario grammar no longer offers it."""
    from xueji import scenarios

    s = province.register("A", 1)
    with pytest.raises(XuejiError) as err:
        province.reg.add_info(A, s.id, InfoGroup.FAMILY, InfoEntry(D(2026, 9, 1), "父亲 王某"))
    assert err.value.code == "command.bad_input"
    assert "Art 17" in err.value.message_en
    assert "update_student" in err.value.message_en
    table = scenarios.actions_markdown()
    row = next(line for line in table.splitlines() if line.startswith("| `add_info`"))
    assert "`family`" not in row
    assert "`award`" in row


def test_art29_a_corrected_photo_is_held_to_the_photo_rule_of_art_12(province: Province) -> None:
    """Found by the enrolment review: a correction of the photo skipped Art 12's rule,
    so a photo taken five years before the child was born (or in 2030) was approved.
    A corrected photo is not taken before the birth date (``correction.photo_date``)
    nor after today (bad input, as at enrolment); for a student of an initial grade it
    is of the year of entry, as at enrolment (``enrolment.photo_missing``). Asked when
    filed and again at approval: a birth date corrected in between counts."""
    county = authority("340104")
    s = province.register()  # grade 1, entered 2026-09-01, born 2020-03-01
    before_birth = province.reg.request_correction(
        A, s.id, {"photo": Photo(D(2015, 1, 1), "o")}, "换"
    )
    assert before_birth.decision.codes == ("correction.photo_date",)
    assert before_birth.request is None
    with pytest.raises(XuejiError) as err:
        province.reg.request_correction(A, s.id, {"photo": Photo(D(2030, 1, 1), "f")}, "换")
    assert err.value.code == "command.bad_input"
    last_year = province.reg.request_correction(A, s.id, {"photo": Photo(D(2025, 6, 1), "l")}, "换")
    assert last_year.decision.codes == ("enrolment.photo_missing",)
    ok = province.reg.request_correction(A, s.id, {"photo": Photo(D(2026, 8, 30), "n")}, "换")
    assert ok.allowed, ok.decision
    # at approval: a grade-2 pupil known by a guardian's number, whose birth date is
    # corrected after the photo's correction was filed
    g = province.register(
        "A", 2, birth=D(2019, 3, 1), id_number=None, guardian_id=make_id(D(1985, 1, 1))
    )
    photo = province.reg.request_correction(A, g.id, {"photo": Photo(D(2019, 6, 1), "p")}, "换")
    assert photo.allowed, photo.decision
    born = province.reg.request_correction(A, g.id, {"birth_date": D(2019, 8, 1)}, "录错")
    assert born.request is not None
    assert province.reg.approve(county, born.request.id).allowed
    assert photo.request is not None
    late = province.reg.approve(county, photo.request.id)
    assert late.decision.codes == ("correction.photo_date",)
    assert province.reg.student(county, g.id).photo != Photo(D(2019, 6, 1), "p")


@pytest.mark.parametrize(
    "written",
    ["2020-03-02", "2020年3月2日", "20200302", "2020.3.2", "2020/03/02", "2020-03-01"],
)
def test_art30_a_correction_s_reason_does_not_give_the_number_back(
    province: Province, written: str
) -> None:
    """Found by the enrolment review: a correction's reason was logged in clear beside
    the masked new ID number, ``出生日期 2020-03-02 错录为 2020-03-01`` with
    ``340104********0053`` in the same entry: the two gave the number back (the mask
    hides exactly the birth date). The birth dates of the record's own old and new
    numbers are hidden in every free text of the entry, in any of the common
    spellings, and in the request's ``repr``; a birth date given alone (no number in
    the entry) is hidden too, the record's number being in its history."""
    p = province
    s = p.register("A", 1, birth=D(2020, 3, 1), name="张三")
    right = make_id(D(2020, 3, 2))
    reason = f"出生日期 {written} 错录（身份证为准）"
    changes: dict[str, Any] = {"id_number": right, "birth_date": D(2020, 3, 2)}
    filed = p.reg.request_correction(A, s.id, changes, reason).request
    assert filed is not None
    numbers = [right, s.id_number or ""]
    texts = [repr(dict(e.before)) + repr(dict(e.after)) for e in p.log()]
    assert (
        rebuilt(*texts, reason.replace(written, "2020-03-02"), of=numbers) != []
    )  # (the test sees it)
    assert rebuilt(*texts, of=numbers) == []
    assert written not in "".join(texts)
    if written != "2020-03-01":  # (the request holds the new number, not the old)
        assert written not in repr(filed)
    assert rebuilt(repr(filed), of=numbers) == []
    # a reason quoting the record's own birth date, with no number in the correction
    other = p.register("A", 1, birth=D(2020, 3, 1), name="李四")
    alone = p.reg.request_correction(A, other.id, {"name": "李小四"}, f"生于 {written}")
    assert alone.allowed
    last = [e for e in p.log() if e.command == "open_correction"][-1]
    if written.replace("-", "").startswith("20200301"):
        assert written not in repr(dict(last.after))
    assert (
        rebuilt(
            *(repr(dict(e.before)) + repr(dict(e.after)) for e in p.log()),
            of=[other.id_number or ""],
        )
        == []
    )
    assert p.reg.approve(SHUSHAN, filed.id).allowed
