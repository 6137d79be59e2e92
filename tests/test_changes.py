"""Suspension, resumption, dropout (Arts 26-27), graduation and the rollover (Art 18),
and the policy in force (Art 33)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

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
from tests.test_storage_contract import statements
from xueji import registry, statistics
from xueji.articles import Article, anhui
from xueji.errors import AccessDenied
from xueji.lifecycle import RequestKind, RequestState, StudentStatus
from xueji.model import Actor, Photo, SchoolClass, Student, TransferReason
from xueji.policy import ANHUI_2013, MonthDay, Param, Policy, Stage, Term
from xueji.rules import changes as change_rules
from xueji.storage.sql import SqlStore

A, H = school_actor("A"), school_actor("H")
B, J, H2 = school_actor("B"), school_actor("J"), school_actor("H2")
SHUSHAN, HEFEI = authority("340104"), authority("3401")
SYSTEM = Actor.system()


def refused_codes(out: object) -> tuple[str, ...]:
    """The codes of a decision's violations (an enrolment may also warn)."""
    decision = getattr(out, "decision", out)
    return tuple(v.code for v in decision.violations)


def approve(p: Province, actor, request_id: str) -> None:  # type: ignore[no-untyped-def]
    out = p.reg.approve(actor, request_id)
    assert out.allowed, out.decision


def test_art26_suspension_and_resumption_need_approval(province: Province) -> None:
    s = province.register("A", 2)
    req = province.reg.suspend(A, s.id, "病休").request
    assert req is not None
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    approve(province, SHUSHAN, req.id)
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.SUSPENDED
    assert province.reg.suspend(A, s.id, "again").decision.codes == ("change.status",)
    res = province.reg.resume(A, s.id, "痊愈").request
    assert res is not None
    assert province.reg.resume(A, s.id, "twice").decision.codes == ("change.already_open",)
    approve(province, SHUSHAN, res.id)
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED


def test_art27_a_dropout_refused_for_its_status_cites_article_27(province: Province) -> None:
    """Found by the review: a dropout recorded for a student already dropped out was
    refused (change.status) citing Art 26 (suspension and resumption), not Art 27.
    The citation follows the change: a dropout's Art 27, a suspension's Art 26."""
    s = province.register("A", 2)
    req = province.reg.record_dropout(A, s.id, "x").request
    assert req is not None
    twice = province.reg.record_dropout(A, s.id, "again")
    assert twice.decision.codes == ("change.already_open",)
    assert [str(v.article) for v in twice.decision.violations] == [str(anhui(27))]
    approve(province, SHUSHAN, req.id)
    again = province.reg.record_dropout(A, s.id, "again")
    assert again.decision.codes == ("change.status",)
    assert [str(v.article) for v in again.decision.violations] == [str(anhui(27))]
    suspended = province.reg.suspend(A, s.id, "病")
    assert suspended.decision.codes == ("change.status",)
    assert [str(v.article) for v in suspended.decision.violations] == [str(anhui(26))]


def test_art27_dropout_review_within_15_working_days_and_registry_kept(
    province: Province,
) -> None:
    s = province.register("A", 3)
    province.at(D(2026, 9, 25))
    req = province.reg.record_dropout(A, s.id, "外出打工").request
    assert req is not None
    assert req.deadline == province.reg.calendar.add_working_days(D(2026, 9, 25), 15)
    # no default approval for a dropout review: past the deadline it stays open
    province.at(D(2026, 11, 20))
    assert province.reg.advance_clock(SYSTEM) == []
    assert province.reg.request(PROVINCE, req.id).state is RequestState.AT_AUTHORITY
    approve(province, SHUSHAN, req.id)
    kept = province.reg.student(PROVINCE, s.id)
    assert kept.status is StudentStatus.DROPPED_OUT
    assert kept.registry_number == s.registry_number  # registry kept (保留学籍)
    from xueji.errors import StaleVersion

    with pytest.raises(StaleVersion):  # a form read before the dropout was approved
        province.reg.return_from_dropout(A, s.id, expected_version=s.version)
    back = province.reg.return_from_dropout(
        A, s.id, expected_version=kept.version, idempotency_key="back-1"
    )
    assert back.student is not None
    assert back.student.status is StudentStatus.REGISTERED
    size = len(province.log())
    again = province.reg.return_from_dropout(
        A, s.id, expected_version=kept.version, idempotency_key="back-1"
    )
    assert again.student == back.student
    assert len(province.log()) == size


def test_art27_senior_dropout_does_not_keep_the_registry(province: Province) -> None:
    s = province.register("H", 10)
    req = province.reg.record_dropout(H, s.id, "x").request
    assert req is not None
    approve(province, HEFEI, req.id)
    out = province.reg.return_from_dropout(H, s.id)
    assert out.decision.codes == ("dropout.not_compulsory_keep",)


# -- a dropout enrolled again (Art 27(2) with Arts 13-14) -----------------------------------


def _dropped(p: Province, school: str, grade: int, **kw: object) -> Student:
    """A registered student of ``school`` and ``grade`` whose dropout was approved."""
    s = p.register(school, grade, **kw)
    req = p.reg.record_dropout(school_actor(school), s.id, "外出打工").request
    assert req is not None
    approve(p, p.authority_of(school), req.id)
    out = p.reg.student(PROVINCE, s.id)
    assert out.status is StudentStatus.DROPPED_OUT
    return out


def _again(s: Student, school: str, grade: int, **kw: object) -> dict[str, object]:
    """``enroll``'s arguments for the person of record ``s`` at ``school`` and ``grade``."""
    return {
        "school": school,
        "class_id": f"{school}-{grade}",
        "grade": grade,
        "name": s.name,
        "sex": s.sex,
        "birth_date": s.birth_date,
        "hukou_region": s.hukou_region,
        "id_number": s.id_number,
        "photo": Photo(D(2026, 9, 1), "sha256:new"),
        **kw,
    }


def test_art27_a_senior_dropout_is_enrolled_again_on_the_same_registry(
    province: Province,
) -> None:
    """A senior-high dropout keeps no registry (Art 27(2)), and ``return_from_dropout``
    refuses it; ``enroll`` refused the person as a duplicate (Art 14), so a senior
    dropout could never go back to school. The enrolment now takes the same record up
    again: the same 学籍号 (一人一籍一号, Art 13), a draft in the new school, class and
    grade, a new 地区学号, logged with the values it had as a dropout; then the usual
    new-student review."""
    s = _dropped(province, "H", 11)
    assert province.reg.return_from_dropout(H, s.id).decision.codes == (
        "dropout.not_compulsory_keep",
    )
    out = province.reg.enroll(H2, **_again(s, "H2", 10))  # type: ignore[arg-type]
    assert out.allowed, out.decision
    back = out.student
    assert back is not None
    assert back.id == s.id  # the same record
    assert back.registry_number == s.registry_number  # and the same 学籍号
    assert back.status is StudentStatus.DRAFT
    assert (back.school, back.class_id, back.grade, back.stage) == ("H2", "H2-10", 10, Stage.SENIOR)
    assert back.submitted  # the key fields stay locked (Art 29)
    assert back.regional_number not in (None, s.regional_number)
    assert back.regional_numbers == (*s.regional_numbers, back.regional_number)
    assert back.version == s.version + 1
    assert province.reg.students_of(H2, "H2") == [back]
    assert province.reg.students_of(H, "H") == []
    entry = province.reg.history(PROVINCE, s.id)[-1]
    assert entry.command == "enroll_after_dropout"
    assert entry.before["status"] == "dropped_out"
    assert (entry.before["school"], entry.before["class_id"], entry.before["grade"]) == (
        "H",
        "H-11",
        "11",
    )
    assert entry.before["regional_number"] == s.regional_number
    assert (entry.after["status"], entry.after["school"], entry.after["grade"]) == (
        "draft",
        "H2",
        "10",
    )
    assert entry.after["regional_number"] == back.regional_number
    assert entry.before["registry_number"] == entry.after["registry_number"]
    assert s.id_number is not None
    assert s.id_number not in entry.after["registry_number"]  # masked (Art 30)
    assert "第二十七条第二款" in entry.basis
    assert "第十三条" in entry.basis
    # the record is a new student's again: submitted, reviewed, registered
    sub = province.reg.submit(H2, s.id).request
    assert sub is not None
    approve(province, HEFEI, sub.id)
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    assert province.reg.verify_log(PROVINCE).ok  # (Art 31-32: the log and the record agree)
    assert [f for f in province.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []


def test_art27_a_senior_dropout_re_enters_a_grade_the_policy_allows(province: Province) -> None:
    """``dropout_reentry_grades`` (Anhui: any senior grade) is where the record may be
    taken up again; the usual enrolment checks apply (here the class's size and the
    identity number's agreement); a refused re-entry writes nothing."""
    s = _dropped(province, "H", 11)
    before = province.reg.student(PROVINCE, s.id)
    junior = province.reg.enroll(J, **_again(s, "J", 9))  # type: ignore[arg-type]
    assert refused_codes(junior) == ("dropout.reentry_grade",)
    v = junior.decision.violations[0]
    assert v.article == anhui(27, 2)
    assert (dict(v.facts)["left_grade"], dict(v.facts)["grade"]) == ("11", "9")
    wrong_sex = province.reg.enroll(H2, **_again(s, "H2", 11, sex="F"))  # type: ignore[arg-type]
    assert refused_codes(wrong_sex) == ("enrolment.id_mismatch",)
    assert province.reg.student(PROVINCE, s.id) == before
    # a profile that reads Art 27 as "only as a new 高一 entrant", with tiny classes
    grade_10 = attrs.evolve(
        ANHUI_2013,
        dropout_reentry_grades=Param(frozenset({10}), anhui(27, 2)),
        class_size_caps=Param({**ANHUI_2013.class_size_caps.value, Stage.SENIOR: 1}, anhui(16)),
    )
    p = Province(policies=(grade_10,))
    t = _dropped(p, "H", 11)
    assert refused_codes(p.reg.enroll(H2, **_again(t, "H2", 11))) == (  # type: ignore[arg-type]
        "dropout.reentry_grade",
    )
    p.register("H2", 10)  # the grade-10 class's one seat
    assert refused_codes(p.reg.enroll(H2, **_again(t, "H2", 10))) == (  # type: ignore[arg-type]
        "class.full",
    )
    assert p.reg.enroll(H, **_again(t, "H", 10)).student.id == t.id  # type: ignore[arg-type, union-attr]


def test_art27_a_compulsory_dropout_is_refused_by_enroll_and_returns(
    province: Province,
) -> None:
    """A compulsory-education dropout keeps the registry: ``enroll`` still refuses the
    person, now with ``dropout.registry_kept`` (Art 27(2)), which says to use
    ``return_from_dropout`` (before: ``enrolment.duplicate``, "the student already has
    a registry"); the return brings it back."""
    s = _dropped(province, "A", 3)
    before = province.reg.student(PROVINCE, s.id)
    out = province.reg.enroll(B, **_again(s, "B", 3))  # type: ignore[arg-type]
    assert refused_codes(out) == ("dropout.registry_kept",)
    v = out.decision.violations[0]
    assert v.article == anhui(27, 2)
    assert "return_from_dropout" in v.message_en
    assert "return_from_dropout" in v.message_zh
    facts = dict(v.facts)
    assert (facts["existing"], facts["use"], facts["status"]) == (
        s.id,
        "return_from_dropout",
        "dropped_out",
    )
    assert s.id_number is not None
    assert s.id_number not in facts["registry_number"]  # masked (Art 30)
    assert province.reg.student(PROVINCE, s.id) == before
    back = province.reg.return_from_dropout(A, s.id)
    assert back.allowed
    assert back.student is not None
    assert back.student.status is StudentStatus.REGISTERED


def test_art27_bulk_enrolment_gives_the_same_answer_as_enroll(province: Province) -> None:
    """``enroll_many`` decides a row whose ID number is in the store by ``enroll``, in
    its place: a senior dropout's row takes the record up again, a compulsory
    dropout's is refused with ``dropout.registry_kept``; all or nothing, one refused
    row leaves both records as they were."""
    senior = _dropped(province, "H", 12)
    other = _dropped(province, "H", 10)
    compulsory = _dropped(province, "A", 5)
    rows = [_again(senior, "H", 11), _again(other, "J", 9), _again(compulsory, "H", 10)]
    kept = [province.reg.student(PROVINCE, s.id) for s in (senior, other, compulsory)]
    whole = province.reg.enroll_many(HEFEI, rows)  # (the city: schools H and J)
    assert not whole.committed
    assert [(i, refused_codes(d)) for i, d in whole.refused] == [
        (1, ("dropout.reentry_grade",)),
        (2, ("dropout.registry_kept",)),
    ]
    assert [province.reg.student(PROVINCE, s.id) for s in (senior, other, compulsory)] == kept
    part = province.reg.enroll_many(HEFEI, rows, all_or_nothing=False)
    assert [(i, refused_codes(d)) for i, d in part.refused] == [
        (1, ("dropout.reentry_grade",)),
        (2, ("dropout.registry_kept",)),
    ]
    (back,) = part.applied
    assert (back.id, back.registry_number, back.status, back.grade) == (
        senior.id,
        senior.registry_number,
        StudentStatus.DRAFT,
        11,
    )
    assert province.reg.history(PROVINCE, senior.id)[-1].command == "enroll_after_dropout"


def test_art27_a_re_entry_waits_for_a_correction_open_on_the_dropout(
    province: Province,
) -> None:
    """A key-field correction filed while the student was a dropout (Art 29 lets a
    dropout's record be corrected) could not be applied to the draft a re-entry makes:
    the re-entry waits for it (Art 19, ``change.other_open``, naming the request)."""
    s = _dropped(province, "H", 11)
    fix = province.reg.request_correction(H, s.id, {"name": "新名"}, "改名").request
    assert fix is not None
    out = province.reg.enroll(H2, **_again(s, "H2", 10))  # type: ignore[arg-type]
    assert refused_codes(out) == ("change.other_open",)
    assert dict(out.decision.violations[0].facts)["requests"] == fix.id
    approve(province, HEFEI, fix.id)
    again = province.reg.enroll(H2, **_again(s, "H2", 10))  # type: ignore[arg-type]
    assert again.student is not None
    assert (again.student.id, again.student.name) == (s.id, "新名")


def test_art27_migrant_dropout_summary_by_hukou_county(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrants = [
        province.register("A", 4, migrant=True, hukou_region=region, name=f"随迁{i}")
        for i, region in enumerate(["341221", "341221", "341602"])
    ]
    local = province.register("A", 4, hukou_region="340104")
    province.at(D(2026, 10, 12))
    for s in [*migrants, local]:
        req = province.reg.record_dropout(A, s.id, "x").request
        assert req is not None
        approve(province, SHUSHAN, req.id)
    sql = isinstance(province.store, SqlStore)
    queries = statements(province.store.engine) if sql else []
    monkeypatch.setattr(registry, "REPORT_BATCH", 2)
    summary = province.reg.migrant_dropouts(SHUSHAN, start=D(2026, 9, 1), end=D(2027, 1, 31))
    if sql:  # 4 dropouts' students, 2 per query
        assert sum("FROM xueji_students" in q for q in queries) == 2
        # the approved dropouts by their index: not every request of the province
        reads = [q for q in queries if "FROM xueji_requests" in q]
        assert reads
        assert all("xueji_requests.kind = " in q for q in reads)
    assert sorted(summary) == ["341221", "341602"]
    assert [d.name for d in summary["341221"]] == ["随迁0", "随迁1"]
    assert summary["341602"][0].dropped_on == D(2026, 10, 12)
    assert province.reg.migrant_dropouts(SHUSHAN, start=D(2027, 2, 1), end=D(2027, 7, 1)) == {}


def test_art27_the_migrant_dropout_summary_is_of_the_compulsory_grades(
    province: Province,
) -> None:
    """Found by the review: Art 27(3) hands over the migrant children who drop out of
    the compulsory stage (义务教育阶段); the summary listed a senior-high (grade 10)
    migrant dropout too. Only the profile's ``compulsory_grades`` are listed."""
    junior = province.register("A", 4, migrant=True, hukou_region="340202", name="初中前")
    senior = province.register("H", 10, migrant=True, hukou_region="340202", name="高中生")
    province.at(D(2026, 10, 12))
    for school, s, unit in ((A, junior, SHUSHAN), (H, senior, HEFEI)):
        req = province.reg.record_dropout(school, s.id, "x").request
        assert req is not None
        approve(province, unit, req.id)
    assert province.reg.student(PROVINCE, senior.id).status is StudentStatus.DROPPED_OUT
    for actor in (PROVINCE, HEFEI):
        summary = province.reg.migrant_dropouts(actor, start=D(2026, 9, 1), end=D(2027, 1, 31))
        assert {k: [d.name for d in v] for k, v in summary.items()} == {"340202": ["初中前"]}


W, WUHU_J = school_actor("W"), authority("340202")


def _drop_back_and_move(p: Province) -> Student:
    """A migrant child (户籍 341221) drops out of A (蜀山 340104) on 12 October, comes
    back on 2 November, has the 户籍 and migrant flag edited, and transfers to W (镜湖
    340202) on 1 December: the review's case."""
    s = p.register("A", 4, migrant=True, hukou_region="341221", name="随迁")
    p.at(D(2026, 10, 12))
    req = p.reg.record_dropout(A, s.id, "辍学").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    p.at(D(2026, 11, 2))
    assert p.reg.return_from_dropout(A, s.id).allowed
    assert p.reg.update_student(A, s.id, hukou_region="340202", migrant=False).allowed
    p.at(D(2026, 12, 1))
    out = p.reg.request_transfer(
        W, s.id, to_school="W", to_class="W-4", reason=TransferReason.JOB_MOVE, stated_reason="调动"
    )
    assert out.request is not None
    for actor in (W, WUHU_J, A, SHUSHAN):
        approve(p, actor, out.request.id)
    assert p.reg.student(PROVINCE, s.id).school == "W"
    p.at(D(2027, 1, 31))
    return s


def test_art27_the_migrant_dropout_summary_is_of_the_school_dropped_out_of(
    province: Province,
) -> None:
    """Found by the review: the Art 27(3) summary read the record as it is at the
    term's end, so a migrant child who dropped out of A, came back and transferred to
    W was handed over by W's authority, labelled school W, and A's authority had
    nothing. The dropout's approval keeps the school, grade, 户籍 and migrant flag of
    the day, and the summary is made of them."""
    s = _drop_back_and_move(province)
    term = {"start": D(2026, 9, 1), "end": D(2027, 1, 31)}
    shushan = province.reg.migrant_dropouts(SHUSHAN, **term)
    assert list(shushan) == ["341221"]
    (line,) = shushan["341221"]
    assert (line.student, line.school, line.grade, line.hukou_region, line.dropped_on) == (
        s.id,
        "A",
        4,
        "341221",
        D(2026, 10, 12),
    )
    assert province.reg.migrant_dropouts(WUHU_J, **term) == {}
    assert province.reg.migrant_dropouts(PROVINCE, **term) == shushan


def test_art27_a_dropout_approved_before_its_facts_were_kept_reads_the_record(
    province: Province,
) -> None:
    """A dropout approved before the approval kept the school, grade and 户籍 (its
    payload has none) is read from the record as it is now (documented fallback)."""
    s = _drop_back_and_move(province)
    with province.store.unit_of_work() as uow:
        (req,) = [r for r in uow.requests.all() if r.kind is RequestKind.DROPOUT]
        assert req.payload == {
            "school": "A",
            "grade": "4",
            "hukou_region": "341221",
            "migrant": "true",
        }
        uow.requests.update(attrs.evolve(req, payload={}, version=req.version + 1))
    term = {"start": D(2026, 9, 1), "end": D(2027, 1, 31)}
    assert province.reg.migrant_dropouts(SHUSHAN, **term) == {}
    # the record now: school W, 户籍 340202, no longer marked migrant
    assert province.reg.migrant_dropouts(WUHU_J, **term) == {}
    with province.store.unit_of_work() as uow:
        (req,) = [r for r in uow.requests.all() if r.kind is RequestKind.DROPOUT]
        assert req.payload == {}
    assert province.reg.update_student(W, s.id, hukou_region="341221", migrant=True).allowed
    (line,) = province.reg.migrant_dropouts(WUHU_J, **term)["341221"]
    assert line.school == "W"


def _terms(policy: Policy, years: range) -> list[tuple[date, date]]:
    """The profile's terms of ``years`` (by the year each starts in), in order."""
    return sorted(t.dates(y) for y in years for t in policy.terms.value)


def test_art27_a_dropout_approved_between_terms_is_in_the_next_term_s_summary(
    province: Province,
) -> None:
    """Found by the reports review: each dropout is filed under the day it was
    approved, and the profile's terms leave the winter and summer breaks out (autumn
    09-01..01-31, spring 02-15..07-15): a dropout approved in a break was in no term's
    summary, silently. A term's summary covers every day from the day after the
    previous term's end to its own end; the line says the day it was approved and the
    day the school recorded it."""
    p = province
    winter = p.register("A", 4, migrant=True, hukou_region="341221", name="寒假")
    summer = p.register("A", 5, migrant=True, hukou_region="341221", name="暑假")
    p.at(D(2027, 1, 25))
    ra = p.reg.record_dropout(A, winter.id, "x").request
    assert ra is not None
    p.at(D(2027, 2, 3))  # the winter break
    approve(p, SHUSHAN, ra.id)
    p.at(D(2027, 7, 10))
    rb = p.reg.record_dropout(A, summer.id, "x").request
    assert rb is not None
    p.at(D(2027, 7, 20))  # the summer break
    approve(p, SHUSHAN, rb.id)
    terms = _terms(p.reg.policy(), range(2026, 2028))[1:]
    assert terms == [
        (D(2026, 9, 1), D(2027, 1, 31)),
        (D(2027, 2, 15), D(2027, 7, 15)),
        (D(2027, 9, 1), D(2028, 1, 31)),
    ]
    found = {
        t: {
            d.name: d
            for v in p.reg.migrant_dropouts(SHUSHAN, start=t[0], end=t[1]).values()
            for d in v
        }
        for t in terms
    }
    assert [sorted(v) for v in found.values()] == [[], ["寒假"], ["暑假"]]
    line = found[terms[1]]["寒假"]
    assert (line.approved_on, line.recorded_on) == (D(2027, 2, 3), D(2027, 1, 25))
    line = found[terms[2]]["暑假"]
    assert (line.approved_on, line.recorded_on) == (D(2027, 7, 20), D(2027, 7, 10))
    table = statistics.migrants_table(
        p.reg.migrant_dropouts(SHUSHAN, start=terms[1][0], end=terms[1][1]),
        start=terms[1][0],
        end=terms[1][1],
        scope="340104",
        taken_on=p.reg.today(),
    )
    assert table.header[-2:] == ("审核通过日期 approved on", "学校登记日期 recorded on")
    assert table.rows[0][-2:] == (D(2027, 2, 3), D(2027, 1, 25))
    assert any("2027-02-01" in n and "2027-07-15" in n for n in table.notes), table.notes


def test_art27_every_day_is_in_exactly_one_term_s_summary() -> None:
    """The days a term's summary covers (``summary_span``), for the profile's terms,
    leave no day out and give no day twice: under Anhui's terms, and under terms that
    overlap a break's edge or leave a long gap."""
    other = attrs.evolve(
        ANHUI_2013,
        terms=Param(
            (
                Term("一", MonthDay(3, 1), MonthDay(6, 30)),
                Term("二", MonthDay(10, 1), MonthDay(12, 20)),
            ),
            ANHUI_2013.terms.article,
        ),
    )
    for policy in (ANHUI_2013, other):
        spans = [
            change_rules.summary_span(start, end, policy)
            for start, end in _terms(policy, range(2024, 2030))
        ]
        day = D(2026, 1, 1)
        while day <= D(2028, 12, 31):
            assert sum(first <= day <= last for first, last in spans) == 1, (policy.code, day)
            day += timedelta(days=1)
    assert change_rules.summary_span(D(2026, 9, 1), D(2027, 1, 31), ANHUI_2013) == (
        D(2026, 7, 16),
        D(2027, 1, 31),
    )
    assert change_rules.summary_span(D(2027, 2, 15), D(2027, 7, 15), ANHUI_2013) == (
        D(2027, 2, 1),
        D(2027, 7, 15),
    )
    # a window of the caller's own that starts and ends inside terms is as given
    assert change_rules.summary_span(D(2026, 10, 1), D(2026, 11, 30), ANHUI_2013) == (
        D(2026, 10, 1),
        D(2026, 11, 30),
    )


def test_art18_compulsory_completion_by_the_school() -> None:
    p = Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    early = p.register("A", 5, birth=D(2015, 3, 1))
    p.at(D(2026, 7, 10))
    out = p.reg.graduate(A, s.id)
    assert out.request is None
    assert out.student is not None
    assert out.student.status is StudentStatus.GRADUATED
    assert p.reg.graduate(A, early.id).decision.codes == ("graduation.not_final_grade",)


def test_art18_senior_graduation_needs_approval_and_late_is_flagged() -> None:
    p = Province(D(2026, 6, 1))
    s = p.register("H", 12, birth=D(2008, 3, 1))
    p.at(D(2026, 7, 31))
    out = p.reg.graduate(H, s.id)
    assert out.request is not None
    assert out.decision.codes == ()
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    size = len(p.log())
    again = p.reg.graduate(H, s.id)  # a repeat is a no-op that names the pending request
    assert again.request == out.request
    assert len(p.log()) == size
    approve(p, HEFEI, out.request.id)
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.GRADUATED
    t = p.register("H", 12, birth=D(2008, 4, 1))
    p.at(D(2026, 8, 3))
    late = p.reg.complete(H, t.id)  # 结业 of senior high: the authority's approval too
    assert late.decision.codes == ("graduation.late",)
    assert late.request is not None
    assert late.request.payload == {"outcome": "complete"}
    assert p.reg.student(PROVINCE, t.id).status is StudentStatus.REGISTERED
    assert p.reg.complete(H, t.id).request == late.request  # a repeat names it
    assert "change.other_open" in p.reg.graduate(H, t.id).decision.codes  # 毕业 waits
    approve(p, HEFEI, late.request.id)
    assert p.reg.student(PROVINCE, t.id).status is StudentStatus.COMPLETED


def test_art18_senior_completion_needs_the_authority_compulsory_does_not() -> None:
    """Found by the analysts' review: a senior-high 结业 was finished by the school
    alone; Art 18 sends senior high's 毕(结)业 to the 学籍主管单位 alike. A rejected
    结业 leaves the student registered; a primary 结业 is the school's."""
    p = Province(D(2026, 6, 1))
    senior, primary = p.register("H", 12, birth=D(2008, 3, 1)), p.register("A", 6)
    p.at(D(2026, 7, 10))
    out = p.reg.complete(H, senior.id)
    assert out.request is not None
    assert out.request.kind is RequestKind.GRADUATION
    assert p.reg.reject(HEFEI, out.request.id).allowed
    assert p.reg.student(PROVINCE, senior.id).status is StudentStatus.REGISTERED
    direct = p.reg.complete(A, primary.id)
    assert direct.request is None
    assert p.reg.student(PROVINCE, primary.id).status is StudentStatus.COMPLETED


def test_art18_graduation_before_the_school_year_ends_is_flagged() -> None:
    """Found by the analysts' review: a grade-6 student graduated in March passed
    silently; Art 18 begins graduation work after the school year ends
    (``graduation_from``, 1 June in Anhui's reading: a warning)."""
    p = Province(D(2027, 3, 10))
    s = p.register("A", 6, birth=D(2015, 3, 1))
    out = p.reg.graduate(A, s.id)
    assert out.decision.codes == ("graduation.early",)
    assert out.decision.warnings[0].article.number == 18
    t = p.register("A", 6, birth=D(2015, 4, 1))
    p.at(D(2027, 6, 1))
    assert p.reg.graduate(A, t.id).decision.codes == ()


def test_art18_graduation_is_early_or_late_for_the_school_year_the_student_finishes(
    province: Province,
) -> None:
    """Found by the rollover review: from 1 August to 31 December graduation read the
    calendar year's window, so a pupil moved up into grade 6 on 1 August and graduated
    the next day was ``graduation.late`` (not early), and one held in grade 6 at the
    rollover and graduated the next March was ``graduation.early`` (eight months late).
    Art 18: the window is that of the school year the student finishes, read from the
    change log (the rollover that moved it into the final grade, or its entry there);
    an entry after the rollover that does not change the grade keeps it."""
    p = province
    moved, held, kept = p.register("A", 5), p.register("A", 6), p.register("A", 6)
    p.at(D(2027, 6, 15))
    assert p.reg.graduate(A, kept.id).decision.codes == ()
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    assert p.reg.student(PROVINCE, moved.id).grade == 6
    p.at(D(2027, 8, 2))
    out = p.reg.graduate(A, moved.id)
    assert out.allowed
    assert out.decision.codes == ("graduation.early",)
    assert dict(out.decision.warnings[0].facts)["opens"] == "2028-06-01"
    p.at(D(2027, 9, 10))
    assert p.reg.update_student(A, held.id, migrant=True).allowed  # grade unchanged
    p.at(D(2028, 3, 1))
    late = p.reg.graduate(A, held.id)
    assert late.decision.codes == ("graduation.late",)
    assert dict(late.decision.warnings[0].facts)["deadline"] == "2027-07-31"
    assert p.reg.student(PROVINCE, held.id).status is StudentStatus.GRADUATED


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_student_held_for_a_transfer_finishes_the_year_it_is_moved_up(
    kind: str, tmp_path: Path
) -> None:
    """A grade-5 pupil held at the 2026 rollover for an open transfer
    (``rollover_open_transfers = "hold"``) is moved up when the transfer is withdrawn
    (1 September 2026: its ``promote_held`` entry), so it finishes the 2026-27 school
    year in grade 6: graduated on 2 August 2027 it is late, not early (Art 18); the
    rollover that held it by name is not taken for the one that moved it."""
    hold = attrs.evolve(ANHUI_2013, rollover_open_transfers=Param("hold", anhui(18, 2)))
    store = SqlStore.sqlite(tmp_path / "held.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(hold,), store=store)
    s = p.register("A", 5, birth=D(2015, 3, 1))
    tr = p.reg.request_transfer(
        school_actor("W"),
        s.id,
        to_school="W",
        to_class="W-5",
        reason=TransferReason.JOB_MOVE,
        stated_reason="调动",
    ).request
    assert tr is not None
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 9, 1))
    assert p.reg.withdraw(school_actor("W"), tr.id).allowed
    assert p.reg.student(PROVINCE, s.id).grade == 6  # moved up at the withdrawal
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    assert p.reg.student(PROVINCE, s.id).grade == 6  # (final: held)
    p.at(D(2027, 8, 2))
    assert p.reg.graduate(A, s.id).decision.codes == ("graduation.late",)
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("away", ["suspended", "dropped_out"])
def test_art18_a_student_away_at_the_rollover_in_the_final_grade_starts_it_again(
    province: Province, away: str
) -> None:
    """Found by the lifecycle review: a grade-6 pupil suspended (or dropped out) in the
    2026-27 school year, held in grade 6 at the 2027 rollover and back in September
    2027, was ``graduation.late`` (due 31 July 2027) when graduated in June 2028, and
    ``detect`` named the school for a ``late_graduation``: the date it first came into
    grade 6 was kept. A student back in school after a rollover passed while it was
    away starts the final year again from its return (Art 18; docs/lifecycle.md). One
    held at a rollover while in school (unfinished) stays late, whatever follows."""
    p = province
    s, t = p.register("A", 6), p.register("A", 6)
    auth = p.authority_of("A")
    p.at(D(2026, 11, 2))
    if away == "suspended":
        filed = p.reg.suspend(A, s.id, "病休").request
    else:
        filed = p.reg.record_dropout(A, s.id, "外出").request
    assert filed is not None
    assert p.reg.approve(auth, filed.id).allowed
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    # a correction approved while it is away, after the rollover, changes nothing
    p.at(D(2027, 8, 20))
    fix = p.reg.request_correction(A, s.id, {"name": "新名"}, "改名").request
    assert fix is not None
    assert p.reg.approve(auth, fix.id).allowed
    # t, in school and not graduated, is held unfinished; then away and back
    p.at(D(2027, 9, 1))
    off = p.reg.suspend(A, t.id, "病休").request
    assert off is not None
    assert p.reg.approve(auth, off.id).allowed
    p.at(D(2027, 9, 8))
    for student in (s, t):
        if student is s and away == "dropped_out":
            assert p.reg.return_from_dropout(A, s.id).allowed
            continue
        back = p.reg.resume(A, student.id, "痊愈").request
        assert back is not None
        assert p.reg.approve(auth, back.id).allowed
    assert p.reg.student(PROVINCE, s.id).grade == 6
    p.at(D(2028, 6, 20))
    assert p.reg.graduate(A, s.id).decision.codes == ()  # the 2027-28 year's: in time
    late = p.reg.graduate(A, t.id)
    assert late.decision.codes == ("graduation.late",)
    assert dict(late.decision.warnings[0].facts)["deadline"] == "2027-07-31"
    found = [f.subject for f in p.reg.detect(PROVINCE).findings if f.kind == "late_graduation"]
    assert found == [t.id]


def test_art27_a_dropout_back_after_the_compulsory_years_is_flagged_not_refused(
    province: Province,
) -> None:
    """Found by the lifecycle review: Art 27(2) keeps a compulsory dropout's registry
    在义务教育阶段年限内 (within the compulsory years), and the registry kept it for
    good: a pupil who dropped out of grade 2 came back into grade 2 at 26 with no word.
    The profile's ``dropout_registry_kept`` (Anhui: ``"compulsory_years"``, the years it
    would have taken to finish the last compulsory grade on the normal track, one grade
    a year from the school year of the dropout) says how long; past it the return
    warns (``dropout.registry_lapsed``, citing the parameter's article) and goes ahead:
    a child's return to school is never refused."""
    p = province
    auth = p.authority_of("A")
    young, old = p.register("A", 2), p.register("A", 2)
    for s in (young, old):
        filed = p.reg.record_dropout(A, s.id, "外出").request
        assert filed is not None
        assert p.reg.approve(auth, filed.id).allowed
    # dropped out of grade 2 in the 2026-27 school year: grade 9 would be 2033-34
    p.at(D(2034, 7, 31))
    back = p.reg.return_from_dropout(A, young.id)
    assert back.allowed
    assert back.decision.codes == ()
    assert "dropout.registry_lapsed" in {s.rule for s in back.decision.explain().steps}
    p.at(D(2034, 8, 1))
    late = p.reg.return_from_dropout(A, old.id)
    assert late.allowed  # (not refused)
    assert late.student is not None
    assert late.student.status is StudentStatus.REGISTERED
    assert late.decision.codes == ("dropout.registry_lapsed",)
    warned = late.decision.warnings[0]
    assert warned.article == ANHUI_2013.dropout_registry_kept.article
    assert dict(warned.facts)["kept_until"] == "2034-07-31"
    step = next(x for x in late.decision.explain().steps if x.rule == "dropout.registry_lapsed")
    assert "dropout_registry_kept" in [u.name for u in step.params]
    # a profile that keeps it for good says nothing
    forever = attrs.evolve(ANHUI_2013, dropout_registry_kept=Param("indefinitely", anhui(27, 2)))
    q = Province(policies=(forever,))
    s = q.register("A", 2)
    filed = q.reg.record_dropout(A, s.id, "外出").request
    assert filed is not None
    assert q.reg.approve(q.authority_of("A"), filed.id).allowed
    q.at(D(2045, 9, 3))
    assert q.reg.return_from_dropout(A, s.id).decision.codes == ()


FILED_BY_AUTHORITY = {
    "suspend": lambda r, a, sid: r.suspend(a, sid, "病休"),
    "record_dropout": lambda r, a, sid: r.record_dropout(a, sid, "县里录入"),
    "graduate": lambda r, a, sid: r.graduate(a, sid),
    "complete": lambda r, a, sid: r.complete(a, sid),
    "request_correction": lambda r, a, sid: r.request_correction(a, sid, {"name": "新"}, "改"),
    "submit": lambda r, a, sid: r.submit(a, sid),
}


@pytest.mark.parametrize("command", sorted(FILED_BY_AUTHORITY))
def test_art26_a_unit_does_not_review_a_change_it_filed(province: Province, command: str) -> None:
    """Found by the lifecycle review: a county filed a dropout of its own school's pupil
    and approved it itself, and a city its own senior high's graduation: the two steps
    of Arts 18, 26, 27 (and 15, 29; Art 31: the school enters, the authority reviews)
    were one unit's. The filing of a review that would be the acting unit's own is
    refused (``stage.own_filing``, citing the request's article), nothing written; the
    school files it. A city filing for a county's school is reviewed by the county."""
    p = province
    p.at(D(2027, 6, 10))
    senior = command in ("graduate", "complete")
    school = "H" if senior else "A"
    unit = p.authority_of(school)  # (the city for H, the county for A)
    if command == "submit":
        sid = p.enroll(school, 1).id
    else:
        sid = p.register(school, 12 if senior else 3).id
    before = len(p.log())
    out = FILED_BY_AUTHORITY[command](p.reg, unit, sid)
    assert refused_codes(out) == ("stage.own_filing",)
    assert out.request is None
    article = out.decision.violations[0].article
    assert article.number in (15, 18, 26, 27, 29)
    assert len(p.log()) == before
    assert p.reg.pending(unit) == []
    # the school files it, and its authority reviews it
    filed = FILED_BY_AUTHORITY[command](p.reg, school_actor(school), sid).request
    assert filed is not None
    assert p.reg.approve(unit, filed.id).allowed


def test_art26_a_change_filed_by_the_reviewing_unit_is_not_approved_by_it(
    province: Province,
) -> None:
    """A request a unit filed for its own review (in a store written before such a
    filing was refused) is not decided by that unit: its approval is refused
    (``stage.own_filing``), nothing written, and it withdraws it. A city's filing for
    a county's school is the county's to approve, as before; the system's default
    approvals of a transfer go on."""
    p = province
    county, city = p.authority_of("A"), authority("3401")
    s, t = p.register("A", 3), p.register("A", 4)
    filed = p.reg.record_dropout(A, s.id, "外出").request
    assert filed is not None
    with p.store.unit_of_work() as uow:  # (as an earlier version let the county file it)
        held = uow.requests.get(filed.id)
        opened = attrs.evolve(held.history[0], actor=county.unit)
        uow.requests.update(
            attrs.evolve(held, history=(opened, *held.history[1:]), version=held.version + 1)
        )
    before = len(p.log())
    for decide in (p.reg.approve, p.reg.reject):
        out = decide(county, filed.id)
        assert refused_codes(out) == ("stage.own_filing",)
        assert out.decision.violations[0].article.number == 27
    assert len(p.log()) == before
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    assert p.reg.withdraw(county, filed.id).allowed
    # a city files for a county's school: the county reviews it
    by_city = p.reg.suspend(city, t.id, "病休").request
    assert by_city is not None
    assert refused_codes(p.reg.approve(city, by_city.id)) == ("stage.wrong_party",)
    assert p.reg.approve(county, by_city.id).allowed
    assert p.reg.student(PROVINCE, t.id).status is StudentStatus.SUSPENDED


def test_art31_a_unit_s_own_filing_is_refused_citing_the_request_s_article_as_cited() -> None:
    """Found by the merge review: the refusal of a unit's own filing (and of its
    decision on a request it filed) cited the lifecycle table's article as it stood
    (皖教基 Art 27 for a dropout, marked inherited), while the request's own entries
    cite the profile's article (under the national profile 教基一〔2013〕7号 Art 22).
    It cites the request's article as the profile cites it, at the filing and at the
    decision."""
    from xueji.lifecycle.tables import REQUEST_TABLES
    from xueji.policy import NATIONAL_2013

    p = Province(policies=(NATIONAL_2013,))
    county = p.authority_of("A")
    s = p.register("A", 3)
    out = p.reg.record_dropout(county, s.id, "外出")
    assert refused_codes(out) == ("stage.own_filing",)
    filed = p.reg.record_dropout(A, s.id, "外出").request
    assert filed is not None
    opened = p.log()[-1]
    assert opened.command == "open_dropout"
    assert str(out.decision.violations[0].article) == opened.basis
    assert opened.basis.startswith("教基一〔2013〕7号")
    with p.store.unit_of_work() as uow:  # (as an earlier version let the county file it)
        held = uow.requests.get(filed.id)
        first = attrs.evolve(held.history[0], actor=county.unit)
        uow.requests.update(
            attrs.evolve(held, history=(first, *held.history[1:]), version=held.version + 1)
        )
    row = REQUEST_TABLES[RequestKind.DROPOUT].get(filed.state, "approve")
    assert row is not None
    decided = p.reg.approve(county, filed.id)
    assert refused_codes(decided) == ("stage.own_filing",)
    assert decided.decision.violations[0].article == NATIONAL_2013.cite(
        "dropout", "approve", row.article
    )


def test_art18_one_rollover_a_year() -> None:
    """Found by the analysts' review: a rollover of an earlier year run after this
    year's (2025 after 2026, on 5 August 2026) moved every student up again. A year's
    rollover runs from its date until the next year's."""
    p = Province(D(2026, 6, 1))
    s = p.register("A", 2)
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 8, 5))
    size = len(p.log())
    late = p.reg.rollover(SYSTEM, 2025)
    assert late.decision.codes == ("rollover.passed",)
    assert dict(late.decision.violations[0].facts)["next_date"] == "2026-08-01"
    assert len(p.log()) == size  # nothing written
    assert p.reg.student(PROVINCE, s.id).grade == 3
    assert p.reg.rollover(SYSTEM, 2027).decision.codes == ("rollover.date",)
    assert p.reg.rollover(SYSTEM, 2026).allowed  # the same year again: a no-op
    assert p.reg.student(PROVINCE, s.id).grade == 3


def test_art18_a_late_rollover_decides_under_the_profile_of_its_date() -> None:
    """Found by the review: the 2027 rollover run on 2 September was decided under the
    profile in force that day, though its entry is dated 1 August. A later profile
    (in force from 1 September) that promotes suspended students must not move a
    suspended student at the 2027 rollover, run on time or late."""
    later = attrs.evolve(
        ANHUI_2013,
        code="anhui-2027",
        valid_from=D(2027, 9, 1),
        rollover_promotes_suspended=Param(True, anhui(18, 2)),
    )
    for day in (D(2027, 8, 1), D(2027, 9, 2)):
        p = Province(
            D(2026, 9, 1), policies=(attrs.evolve(ANHUI_2013, valid_until=D(2027, 8, 31)), later)
        )
        s = p.register("A", 3, birth=D(2017, 3, 1))
        req = p.reg.suspend(A, s.id, "病休").request
        assert req is not None
        approve(p, SHUSHAN, req.id)
        p.at(day)
        assert p.reg.rollover(SYSTEM, 2027).allowed
        assert p.reg.student(PROVINCE, s.id).grade == 3, day


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_late_rollover_leaves_the_students_who_entered_after_its_date(
    kind: str, tmp_path: Path
) -> None:
    """Found by the analysts' review: the 2026 rollover run on 10 September moved a
    grade-1 student who entered on 1 September into grade 2. A record that entered
    after the rollover's date is in the new school year already; detect agrees."""
    store = SqlStore.sqlite(tmp_path / "late.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), store=store)
    before = p.register("A", 1, birth=D(2019, 3, 1))
    p.at(D(2026, 9, 10))
    new = p.register(
        "A", 1, birth=D(2020, 3, 1), photo=__import__("xueji").model.Photo(D(2026, 9, 2), "x")
    )
    assert new.entry_date == D(2026, 9, 1)
    six = p.register("A", 6, birth=D(2014, 3, 1))  # a newcomer into grade 6: entered today
    assert six.entry_date == D(2026, 9, 10)
    out = p.reg.rollover(SYSTEM, 2026)
    assert out.allowed
    assert "graduation.overdue" not in out.decision.codes  # (review: not unfinished)
    grades = {s.id: p.reg.student(PROVINCE, s.id).grade for s in (before, new)}
    assert grades == {before.id: 2, new.id: 1}
    entry = p.reg.history(PROVINCE, "year:2026")[-1]
    assert entry.after["entered_after_its_date"] == "2"
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    if store is not None:
        store.engine.dispose()


def _late_or_on_time(kind: str, tmp_path: Path, late: bool) -> tuple[Province, dict[str, str]]:
    """The review's case (Art 18(2) with Arts 26, 27): x in school on 1 August and
    suspended on 1 September; y suspended since June and resumed on 1 September into
    a grade-3 class opened that day; z in school on 1 August, its dropout approved on
    15 August; the 2026 rollover run on its date, or on 20 September."""
    name = f"{'late' if late else 'on'}.sqlite3"
    store = SqlStore.sqlite(tmp_path / name) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), store=store)
    x = p.register("A", 3, birth=D(2017, 3, 1))
    y = p.register("A", 3, birth=D(2017, 4, 1))
    z = p.register("A", 3, birth=D(2017, 5, 1))
    p.reg.approve(SHUSHAN, p.reg.suspend(A, y.id, "病休").request.id)
    if not late:
        p.at(D(2026, 8, 1))
        assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 8, 10))
    assert p.reg.approve(SHUSHAN, p.reg.record_dropout(A, z.id, "辍学").request.id).allowed
    p.at(D(2026, 9, 1))
    assert p.reg.approve(SHUSHAN, p.reg.suspend(A, x.id, "病休").request.id).allowed
    p.reg.add_class(A, SchoolClass("A-3b", "A", "三年级2班", 3, "t", D(2026, 9, 1)))
    resumed = p.reg.resume(A, y.id, "痊愈", to_class="A-3b").request
    assert p.reg.approve(SHUSHAN, resumed.id).allowed
    if late:
        p.at(D(2026, 9, 20))
        out = p.reg.rollover(SYSTEM, 2026)
        assert out.allowed
        assert "rollover.status_unknown" not in out.decision.codes
    return p, {"x": x.id, "y": y.id, "z": z.id}


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_late_rollover_decides_each_student_by_their_status_on_its_date(
    kind: str, tmp_path: Path
) -> None:
    """Found by the review: run on 20 September, the 2026 rollover read each student's
    status that day: x (in school on 1 August, suspended on 1 September) stayed in
    grade 3, y (suspended on 1 August, resumed on 1 September) went to grade 4 with
    the class it resumed into, and a dropout approved in between stayed behind. Run
    late it does what it would have done on its date (Art 18(2), Art 26 with
    ``rollover_promotes_suspended = False``, Art 27): the same grades, classes and
    figures as on time, and detect finds nothing."""
    seen = {}
    for late in (False, True):
        p, ids = _late_or_on_time(kind, tmp_path, late)
        grades = {k: p.reg.student(PROVINCE, v).grade for k, v in ids.items()}
        with p.store.unit_of_work() as uow:
            klass = {c: uow.classes.get(c).grade for c in ("A-3", "A-3b")}  # type: ignore[union-attr]
        entry = p.reg.history(PROVINCE, "year:2026")[-1]
        figures = {
            k: entry.after[k]
            for k in ("promoted", "classes_promoted", "suspended_held", "final_grade_unfinished")
        }
        assert [f.kind for f in p.reg.detect(PROVINCE).findings] == [], late
        seen[late] = (grades, klass, figures)
        if p.store is not None and hasattr(p.store, "engine"):
            p.store.engine.dispose()
    assert seen[False][0] == {"x": 4, "y": 3, "z": 4}
    assert seen[False][1] == {"A-3": 4, "A-3b": 3}
    assert seen[True][:2] == seen[False][:2]
    assert (
        seen[True][2]
        == seen[False][2]
        == {
            "promoted": "2",
            "classes_promoted": "1",
            "suspended_held": "1",
            "final_grade_unfinished": "0",
        }
    )


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_late_rollover_moves_a_lone_student_s_class_and_names_what_it_cannot_read(
    kind: str, tmp_path: Path
) -> None:
    """Run late, a student in school on the date and suspended since, alone in their
    class, moves up with it (Art 16: a class moves with its students); one whose grade
    was put right after the date and who dropped out since cannot be decided from the
    log (which grade it would have moved from): named in a ``rollover.status_unknown``
    warning, not guessed (Art 18(2))."""
    store = SqlStore.sqlite(tmp_path / "lone.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), store=store)
    p.reg.add_class(A, SchoolClass("A-5b", "A", "五年级2班", 5, "t", D(2026, 6, 1)))
    lone = p.register("A", 5, birth=D(2015, 3, 1), class_id="A-5b")
    p.register("A", 5, birth=D(2015, 4, 1))  # (in A-5, which goes up with them)
    odd = p.register("A", 2, birth=D(2018, 3, 1))
    p.at(D(2026, 8, 10))
    assert p.reg.approve(SHUSHAN, p.reg.suspend(A, lone.id, "病休").request.id).allowed
    p.reg.add_class(A, SchoolClass("A-1b", "A", "一年级2班", 1, "t", D(2026, 8, 10)))
    assert p.reg.regrade(SHUSHAN, odd.id, grade=1, class_id="A-1b", reason="录错").allowed
    assert p.reg.approve(SHUSHAN, p.reg.record_dropout(A, odd.id, "辍学").request.id).allowed
    p.at(D(2026, 9, 20))
    out = p.reg.rollover(SYSTEM, 2026)
    assert out.allowed
    assert "rollover.status_unknown" in out.decision.codes
    unknown = next(v for v in out.decision.warnings if v.code == "rollover.status_unknown")
    assert dict(unknown.facts)["ids"] == odd.id
    assert p.reg.student(PROVINCE, lone.id).grade == 6
    assert p.reg.student(PROVINCE, odd.id).grade == 1
    with p.store.unit_of_work() as uow:
        assert uow.classes.get("A-5b").grade == 6  # type: ignore[union-attr]
    entry = p.reg.history(PROVINCE, "year:2026")[-1]
    assert entry.after["moved_by_status_on_its_date"] == "1"
    assert [f.kind for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@pytest.mark.parametrize("back", ["resumed", "returned"])
def test_art18_a_late_rollover_names_a_student_back_in_a_class_gone_up(
    kind: str, back: str, tmp_path: Path
) -> None:
    """Found by the review: s suspended (or dropped out) before 1 August and back on
    10 August in A-3, still grade 3; o registered in A-3. Run on 20 September, the
    2026 rollover held s in grade 3 (as on time) and moved A-3 up with o, leaving s
    registered in grade 3 in a grade-4 class, with no warning. On time, the class
    had gone up before s came back, and their return into it was refused
    (``class.wrong_school``). The class moves with its other pupils (Art 16); s is
    named in the ``rollover.status_unknown`` warning (``class_gone_up``), and the
    authority puts them into a class of their grade (Art 18(2): ``regrade``), after
    which detect finds nothing."""
    store = SqlStore.sqlite(tmp_path / f"{back}.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), store=store)
    s = p.register("A", 3, birth=D(2017, 3, 1))
    o = p.register("A", 3, birth=D(2017, 4, 1))
    if back == "resumed":
        assert p.reg.approve(SHUSHAN, p.reg.suspend(A, s.id, "病休").request.id).allowed
    else:
        assert p.reg.approve(SHUSHAN, p.reg.record_dropout(A, s.id, "辍学").request.id).allowed
    p.at(D(2026, 8, 10))
    if back == "resumed":
        assert p.reg.approve(SHUSHAN, p.reg.resume(A, s.id, "痊愈").request.id).allowed
    else:
        assert p.reg.return_from_dropout(A, s.id).allowed
    assert p.reg.student(PROVINCE, s.id).class_id == "A-3"
    p.at(D(2026, 9, 20))
    out = p.reg.rollover(SYSTEM, 2026)
    assert out.allowed
    assert p.reg.student(PROVINCE, o.id).grade == 4
    assert p.reg.student(PROVINCE, s.id).grade == 3
    with p.store.unit_of_work() as uow:
        assert uow.classes.get("A-3").grade == 4  # type: ignore[union-attr]
    assert "rollover.status_unknown" in out.decision.codes
    named = next(v for v in out.decision.warnings if v.code == "rollover.status_unknown")
    assert dict(named.facts)["class_gone_up"] == s.id
    assert dict(named.facts)["ids"] == ""
    # what the authority does: a class of their grade, the student put into it
    assert p.reg.add_class(A, SchoolClass("A-3b", "A", "三年级2班", 3, "t", D(2026, 9, 20))).allowed
    assert p.reg.regrade(SHUSHAN, s.id, grade=3, class_id="A-3b", reason="回到三年级").allowed
    assert [f.kind for f in p.reg.detect(PROVINCE).findings] == []
    if store is not None:
        store.engine.dispose()


def test_art18_a_late_rollover_takes_its_date_from_the_profile_of_that_date() -> None:
    """Found by the review: across a profile change (rollover on 20 July, then on 1
    August), a late run took its date from today's profile, and a student who entered
    on 25 July was moved up; run on time they were not."""
    from xueji.model import Photo
    from xueji.policy.values import MonthDay

    art = ANHUI_2013.rollover_date.article
    first = attrs.evolve(
        ANHUI_2013,
        code="a",
        valid_until=D(2027, 8, 31),
        rollover_date=Param(MonthDay(7, 20), art),
        graduation_deadline=Param(MonthDay(7, 15), art),  # (before the rollover)
    )
    second = attrs.evolve(
        ANHUI_2013, code="b", valid_from=D(2027, 9, 1), rollover_date=Param(MonthDay(8, 1), art)
    )
    for day in (D(2027, 7, 20), D(2027, 9, 10)):
        p = Province(D(2027, 3, 1), policies=(first, second))
        old = p.register("A", 2, birth=D(2019, 3, 1))
        if day.month == 7:
            p.at(day)
            assert p.reg.rollover(SYSTEM, 2027).allowed
        p.at(D(2027, 7, 25))
        new = p.register("B", 2, birth=D(2019, 4, 1), photo=Photo(D(2027, 7, 25), "x"))
        if day.month == 9:
            p.at(day)
            assert p.reg.rollover(SYSTEM, 2027).allowed
        assert p.reg.history(PROVINCE, "year:2027")[-1].on == D(2027, 7, 20)
        grades = (p.reg.student(PROVINCE, old.id).grade, p.reg.student(PROVINCE, new.id).grade)
        assert grades == (3, 2), day


def test_art33_a_late_rollover_is_never_dated_before_its_profile_was_in_force() -> None:
    """Found by the profile review: an amendment in force from 5 August that moved the
    rollover to 3 August, run on the 6th, dated the rollover 3 August, decided under
    the amendment two days before it was in force (the profile of the 3rd would have
    run it on the 10th). Its date is the amendment's first day: a student who entered
    on the 4th, in the school year the amendment ended, moves up with the others."""
    art = ANHUI_2013.rollover_date.article
    own = Article("某教基〔2027〕7号", 18)
    first = attrs.evolve(ANHUI_2013, code="a", rollover_date=Param(MonthDay(8, 10), art))
    amended = attrs.evolve(
        ANHUI_2013, code="b", valid_from=D(2027, 8, 5), rollover_date=Param(MonthDay(8, 3), own)
    )
    p = Province(D(2027, 3, 1), policies=(first, amended))
    old = p.register("A", 2, birth=D(2019, 3, 1))
    p.at(D(2027, 8, 4))
    new = p.register("B", 2, birth=D(2019, 4, 1), photo=Photo(D(2027, 8, 4), "x"))
    p.at(D(2027, 8, 6))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    (entry,) = [e for e in p.reg.history(PROVINCE, "year:2027") if e.command == "rollover"]
    assert entry.on == D(2027, 8, 5)
    assert entry.basis == str(own)
    grades = (p.reg.student(PROVINCE, old.id).grade, p.reg.student(PROVINCE, new.id).grade)
    assert grades == (3, 3)


def test_art2_the_profiles_of_one_registry_keep_one_school_system() -> None:
    """Found by the review: a registry whose profiles switched from 6-3-3 to 五四制
    stranded the students in the grades that change stage; such a set of profiles is
    refused (a change of 学制 needs a transition the library does not model)."""
    from tests.conftest import FIVE_FOUR
    from xueji.errors import InvalidPolicy
    from xueji.registry import Registry
    from xueji.storage.memory import MemoryStore

    switched = attrs.evolve(FIVE_FOUR, valid_from=D(2027, 9, 1))
    with pytest.raises(InvalidPolicy) as err:
        Registry(
            MemoryStore(), policies=(attrs.evolve(ANHUI_2013, valid_until=D(2027, 8, 31)), switched)
        )
    assert err.value.code == "policy.invalid"
    assert "school_system" in err.value.message_en
    assert "学制" in err.value.message_zh


def test_art23_a_student_coming_back_takes_the_grade_and_stage_of_the_return() -> None:
    """Found by the review: a student who left from primary grade 6 and came back
    into junior grade 7 kept grade 6 and the primary stage (only the school and class
    were written), in a junior school, and could graduate from primary at once."""
    p = Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    out = p.reg.request_cross_border_out(
        A, s.id, destination="新加坡", leave_date=D(2026, 6, 10), reason="随父母出国"
    ).request
    assert out is not None
    for actor in (A, SHUSHAN):
        if p.reg.request(PROVINCE, out.id).is_open:
            assert p.reg.approve(actor, out.id).allowed
    p.at(D(2026, 9, 1))  # back after the summer, into junior grade 7
    back = p.reg.transfer_in(
        school_actor("J"),
        origin="新加坡",
        abroad=True,
        school="J",
        class_id="J-7",
        grade=7,
        name=s.name,
        sex=s.sex,
        birth_date=s.birth_date,
        hukou_region=s.hukou_region,
        registry_number=s.registry_number,
        id_number=s.id_number,
    )
    assert back.request is not None
    assert back.student is None  # not this school's to read before the return is approved
    assert back.request.student == s.id
    for actor in (school_actor("J"), SHUSHAN):
        if p.reg.request(PROVINCE, back.request.id).is_open:
            assert p.reg.approve(actor, back.request.id).allowed
    now = p.reg.student(PROVINCE, s.id)
    assert (now.school, now.grade, now.stage) == ("J", 7, Stage.JUNIOR)
    assert p.reg.graduate(school_actor("J"), s.id).decision.codes[0] == "graduation.not_final_grade"
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []


def test_art18_rollover_promotes_and_is_idempotent() -> None:
    p = Province(D(2026, 6, 1))
    s = p.register("A", 2, birth=D(2018, 3, 1))
    suspended = p.register("A", 3, birth=D(2017, 3, 1))
    req = p.reg.suspend(A, suspended.id, "病休").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    final = p.register("A", 6, birth=D(2014, 3, 1))
    moving = p.register("A", 4, birth=D(2016, 3, 1))
    tr = p.reg.request_transfer(
        school_actor("W"),
        moving.id,
        to_school="W",
        to_class="W-4",
        reason=__import__("xueji").model.TransferReason.JOB_MOVE,
        stated_reason="调动",
    )
    assert tr.request is not None
    assert p.reg.rollover(SYSTEM, 2026).decision.codes == ("rollover.date",)
    p.at(D(2026, 8, 1))
    out = p.reg.rollover(SYSTEM, 2026)
    assert out.allowed
    assert set(out.decision.codes) == {"rollover.suspended_held", "graduation.overdue"}
    grades = {x.id: x.grade for x in p.reg.students_of(PROVINCE, "A")}
    assert grades[s.id] == 3
    assert grades[suspended.id] == 3  # held
    assert grades[final.id] == 6  # held: not graduated by 31 July
    assert grades[moving.id] == 5  # promoted; the transfer continues
    assert p.reg.request(PROVINCE, tr.request.id).is_open
    # promotion is not a withdrawal: still registered, same school
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    log_size = len(p.log())
    assert p.reg.rollover(SYSTEM, 2026).allowed
    assert len(p.log()) == log_size  # the second run changes nothing
    assert {x.id: x.grade for x in p.reg.students_of(PROVINCE, "A")} == grades


def test_art18_rollover_moves_classes_with_their_students(province: Province) -> None:
    """A class goes up a grade with the students who go up in it. Before, every class
    below grade 12 went up: a primary school's grade-6 class became grade 7, its
    students held in grade 6 sitting in it, and a class opened in July for
    September's first grade became grade 2 before its first day."""
    p = province
    s = p.register("A", 2, birth=D(2018, 3, 1))
    suspended = p.register("A", 3, birth=D(2017, 3, 1))
    req = p.reg.suspend(A, suspended.id, "病休").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    final = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2027, 7, 20))
    p.reg.add_class(A, SchoolClass("A-new", "A", "新一年级1班", 1, "赵老师", D(2027, 7, 20)))
    p.at(D(2027, 8, 1))
    out = p.reg.rollover(SYSTEM, 2027)
    assert out.allowed
    with p.store.unit_of_work() as uow:
        classes = {c.id: c.grade for c in uow.classes.by_school("A")}
    assert classes["A-2"] == 3  # with its student
    assert classes["A-3"] == 3  # its only student suspended, held (Art 18 reading)
    assert classes["A-6"] == 6  # a final grade: its student is held, not in grade 7
    assert classes["A-new"] == 1
    student = p.reg.student(PROVINCE, final.id)
    assert (student.grade, classes[student.class_id]) == (6, 6)
    assert p.reg.student(PROVINCE, s.id).grade == classes["A-2"]
    entry = next(e for e in p.log() if e.command == "rollover")
    assert str(entry.after["classes_promoted"]) == "1"


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_transfer_open_at_the_rollover_goes_on_into_a_class_of_the_new_grade(
    kind: str, tmp_path: Path
) -> None:
    """Under ``rollover_open_transfers = "promote"`` a student with a transfer open moves
    up and the transfer goes on: the class the receiving school named moves up with
    them, though no one sits in it yet, so the student arrives in a class of their
    own grade (an empty class stays where it is otherwise)."""
    store = SqlStore.sqlite(str(tmp_path / "r.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), store=store)
    moving = p.register("A", 4, birth=D(2016, 3, 1))
    p.at(D(2026, 7, 20))
    out = p.reg.request_transfer(
        school_actor("W"),
        moving.id,
        to_school="W",
        to_class="W-4",
        reason=TransferReason.JOB_MOVE,
        stated_reason="调动",
    )
    assert out.allowed, out.decision
    assert out.request is not None
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    with p.store.unit_of_work() as uow:
        classes = {c.id: c.grade for c in uow.classes.by_school("W")}
    assert classes["W-4"] == 5
    assert classes["W-3"] == 3  # empty, and no one is coming: stays
    for actor in (school_actor("W"), authority("340202"), A, SHUSHAN):
        assert p.reg.approve(actor, out.request.id).allowed
    arrived = p.reg.student(PROVINCE, moving.id)
    assert (arrived.school, arrived.class_id, arrived.grade) == ("W", "W-4", 5)
    entry = next(e for e in p.log() if e.command == "rollover")
    assert str(entry.after["classes_promoted"]) == "2"  # A-4 with the student, W-4


def test_art16_a_student_held_at_the_rollover_resumes_into_a_class_of_their_grade() -> None:
    """Found by the session review: a suspended student is held in their grade while
    the class goes up with the classmates; resuming without a class put them back
    into it, a grade above, and the next rollover moved it again, from grade 6 to 7.
    Now the class left is checked as a named one is (Art 16), and a class moves up
    only with students of its own grade."""
    p = Province(D(2026, 6, 1))
    for _ in range(2):
        p.register("A", 5, birth=D(2015, 3, 1))
    held = p.register("A", 5, birth=D(2015, 4, 1))
    req = p.reg.suspend(A, held.id, "病休").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 9, 1))
    back = p.reg.resume(A, held.id, "痊愈")
    assert back.decision.codes == ("class.wrong_school",)
    p.reg.add_class(A, SchoolClass("A-5b", "A", "五年级2班", 5, "孙老师", D(2026, 9, 1)))
    req = p.reg.resume(A, held.id, "痊愈", to_class="A-5b").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    s = p.reg.student(PROVINCE, held.id)
    assert (s.class_id, s.grade) == ("A-5b", 5)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art16_a_student_held_at_the_rollover_takes_no_seat_in_the_class_gone_up(
    kind: str, tmp_path: Path
) -> None:
    """Found by review: a suspended student held in their grade at the rollover still
    pointed at the class that went up, and was counted in its size: a full class
    stayed full for a seat no one could take (the held student cannot resume into a
    class a grade above). A class counts only its seated students of its own grade."""
    caps = {**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: 3}
    capped = attrs.evolve(ANHUI_2013, class_size_caps=Param(caps, anhui(16)))
    store = SqlStore.sqlite(str(tmp_path / "seats.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(capped,), store=store)
    for _ in range(2):
        p.register("A", 3, birth=D(2017, 3, 1))
    held = p.register("A", 3, birth=D(2017, 4, 1))  # A-3 is full: 3 of 3
    req = p.reg.suspend(A, held.id, "病休").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 9, 1))
    with p.store.unit_of_work() as uow:
        moved = uow.classes.get("A-3")
    assert moved is not None
    assert moved.grade == 4
    assert p.reg.student(PROVINCE, held.id).grade == 3  # held, still pointing at A-3

    def newcomer(birth: D) -> registry.Outcome:
        """A new grade-4 student into A-3, the class gone up to grade 4."""
        return p.reg.enroll(
            A,
            school="A",
            class_id="A-3",
            grade=4,
            name="插班生",
            sex="F",
            birth_date=birth,
            hukou_region="340104",
            id_number=make_id(birth, "F"),
            photo=Photo(D(2026, 9, 1), "sha256:x"),
        )

    first = newcomer(D(2016, 5, 1))
    assert first.allowed, first.decision  # the held student's seat is free
    second = newcomer(D(2016, 6, 1))
    # 3 of 3 again, of grade 4
    assert [v.code for v in second.decision.violations] == ["class.full"]
    p.reg.add_class(A, SchoolClass("A-3b", "A", "三年级2班", 3, "孙老师", D(2026, 9, 1)))
    back = p.reg.resume(A, held.id, "痊愈", to_class="A-3b").request
    assert back is not None
    approve(p, SHUSHAN, back.id)
    s = p.reg.student(PROVINCE, held.id)
    assert (s.status, s.class_id, s.grade) == (StudentStatus.REGISTERED, "A-3b", 3)


def test_art18_an_open_resumption_goes_on_into_the_new_grade_with_its_class() -> None:
    """Under ``rollover_promotes_suspended`` a suspended student moves up; the class an
    open resumption names moves up with them (as a transfer's does), so the student
    does not come back into a class a grade below."""
    other = attrs.evolve(
        ANHUI_2013, code="other", rollover_promotes_suspended=Param(True, anhui(18, 2))
    )
    p = Province(D(2026, 6, 1), policies=(other,))
    s = p.register("A", 3, birth=D(2017, 3, 1))
    req = p.reg.suspend(A, s.id, "病休").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    p.at(D(2026, 7, 20))
    p.reg.add_class(A, SchoolClass("A-3b", "A", "三年级2班", 3, "孙老师", D(2026, 7, 20)))
    back = p.reg.resume(A, s.id, "痊愈", to_class="A-3b").request
    assert back is not None
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    approve(p, SHUSHAN, back.id)
    now = p.reg.student(PROVINCE, s.id)
    with p.store.unit_of_work() as uow:
        klass = uow.classes.get("A-3b")
    assert klass is not None
    assert (now.class_id, now.grade, klass.grade) == ("A-3b", 4, 4)


def test_art29_a_correction_open_is_never_stranded_by_a_review_or_the_rollover() -> None:
    """Found by the session review: a correction filed during the new student's review
    was stranded when the review was rejected (the record back to a draft, which a
    correction cannot be applied to), and one open at a rollover that completes the
    final grade (结业) was stranded by the completion. Now the correction waits for the
    review (change.other_open), and the rollover leaves its student in the grade."""
    other = attrs.evolve(
        ANHUI_2013,
        code="other",
        rollover_unfinished_final_grade=Param("complete", anhui(18)),
    )
    p = Province(D(2026, 6, 1), policies=(other,))
    draft = p.enroll("A", 1)
    sub = p.reg.submit(A, draft.id).request
    assert sub is not None
    out = p.reg.request_correction(A, draft.id, {"name": "新名"}, "户口本为准")
    assert out.decision.codes == ("change.other_open",)
    assert dict(out.decision.violations[0].facts)["requests"] == sub.id
    final, done = (p.register("A", 6, birth=D(2014, 3, 1)) for _ in range(2))
    fix = p.reg.request_correction(A, final.id, {"name": "新名"}, "户口本为准").request
    assert fix is not None
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    assert p.reg.student(PROVINCE, done.id).status is StudentStatus.COMPLETED
    assert p.reg.student(PROVINCE, final.id).status is StudentStatus.REGISTERED
    assert p.reg.approve(SHUSHAN, fix.id).allowed
    assert p.reg.student(PROVINCE, final.id).name == "新名"


def test_art18_rollover_readings_are_policy_parameters() -> None:
    other = attrs.evolve(
        ANHUI_2013,
        code="other",
        rollover_promotes_suspended=Param(True, anhui(18, 2)),
        rollover_unfinished_final_grade=Param("complete", anhui(18)),
    )
    p = Province(D(2026, 6, 1), policies=(other,))
    s = p.register("A", 3, birth=D(2017, 3, 1))
    req = p.reg.suspend(A, s.id, "病休").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    final = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 8, 1))
    p.reg.rollover(SYSTEM, 2026)
    assert p.reg.student(PROVINCE, s.id).grade == 4
    assert p.reg.student(PROVINCE, final.id).status is StudentStatus.COMPLETED


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_rollover_completes_the_unfinished_in_batches(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under ``rollover_unfinished_final_grade = "complete"`` every registered student
    still in a final grade is completed (结业) with a log entry of its own, read a page
    at a time and written a batch at a time: not four statements a student."""
    from xueji.storage import sql

    monkeypatch.setattr(registry, "SWEEP_BATCH", 2)
    monkeypatch.setattr(sql, "STREAM_BATCH", 3)
    complete = attrs.evolve(
        ANHUI_2013, code="other", rollover_unfinished_final_grade=Param("complete", anhui(18))
    )
    store = SqlStore.sqlite(tmp_path / "complete.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(complete,), store=store)
    finals = [p.register("A", 6, birth=D(2014, 3, 1 + i)) for i in range(5)]
    staying = p.register("A", 5, birth=D(2015, 3, 1))
    p.at(D(2026, 8, 1))
    queries = statements(store.engine) if store is not None else []
    out = p.reg.rollover(SYSTEM, 2026)
    assert out.allowed
    for s in finals:
        after = p.reg.student(PROVINCE, s.id)
        assert (after.status, after.version) == (StudentStatus.COMPLETED, s.version + 1)
    assert p.reg.student(PROVINCE, staying.id).grade == 6
    done = [e.subject for e in p.log() if e.command == "rollover" and e.subject.startswith("S")]
    assert sorted(done) == sorted(s.id for s in finals)
    assert p.reg.verify_log(PROVINCE).ok
    if store is not None:  # three batches of two and one promotion, not one per student
        assert sum(q.startswith("UPDATE xueji_students") for q in queries) == 4
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_rollover_holds_only_open_transfers_under_hold(kind: str, tmp_path: Path) -> None:
    """``rollover_open_transfers = "hold"`` holds the students whose transfer is still
    open, and no one else: not a student whose transfer was withdrawn, nor one with
    another kind of open request (the store's open requests, not every request)."""
    hold = attrs.evolve(ANHUI_2013, rollover_open_transfers=Param("hold", anhui(18, 2)))
    store = SqlStore.sqlite(tmp_path / "hold.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(hold,), store=store)
    jm = __import__("xueji").model.TransferReason.JOB_MOVE
    moving, withdrawn, correcting = (p.register("A", 4, birth=D(2016, 3, 1)) for _ in range(3))
    open_tr = p.reg.request_transfer(
        school_actor("W"), moving.id, to_school="W", to_class="W-4", reason=jm, stated_reason="调动"
    ).request
    gone = p.reg.request_transfer(
        school_actor("W"),
        withdrawn.id,
        to_school="W",
        to_class="W-4",
        reason=jm,
        stated_reason="调动",
    ).request
    assert open_tr is not None
    assert gone is not None
    assert p.reg.withdraw(school_actor("W"), gone.id).allowed
    assert p.reg.request_correction(A, correcting.id, {"name": "新名"}, "更正").allowed
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    grades = {x.id: x.grade for x in p.reg.students_of(PROVINCE, "A")}
    assert grades == {moving.id: 4, withdrawn.id: 5, correcting.id: 5}
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("unfinished", ["hold", "complete"])
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_the_rollover_counts_what_it_did(kind: str, unfinished: str, tmp_path: Path) -> None:
    """Found by the review of the rollover: its entry and warnings counted students in
    their final grade, who stay in it whatever happens, as held for their suspension
    or open transfer (``suspended_held=2``, ``held_for_open_transfer=2`` here), the
    transferring one again among the unfinished; and under ``"complete"`` the warning
    read as if every unfinished student had been completed. Now a student counts as
    held only below the final grade, and the unfinished are split into the completed
    (结业) and the held."""
    policy = attrs.evolve(
        ANHUI_2013,
        code="other",
        rollover_open_transfers=Param("hold", anhui(18, 2)),
        rollover_unfinished_final_grade=Param(unfinished, anhui(18)),
    )
    store = SqlStore.sqlite(tmp_path / "counts.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(policy,), store=store)
    for grade in (3, 6):  # suspended below and in the final grade
        s = p.register("A", grade, birth=D(2020 - grade, 3, 1))
        req = p.reg.suspend(A, s.id, "病休").request
        assert req is not None
        approve(p, SHUSHAN, req.id)
    for grade in (4, 6):  # an open transfer below and in the final grade
        s = p.register("A", grade, birth=D(2020 - grade, 4, 1))
        out = p.reg.request_transfer(
            school_actor("W"),
            s.id,
            to_school="W",
            to_class=f"W-{grade}",
            reason=TransferReason.JOB_MOVE,
            stated_reason="调动",
        )
        assert out.allowed, out.decision
    p.register("A", 6, birth=D(2014, 5, 1))  # unfinished: completed or held by the policy
    p.at(D(2026, 8, 1))
    out = p.reg.rollover(SYSTEM, 2026)
    assert out.allowed
    completed = 1 if unfinished == "complete" else 0  # (the transferring one is held)
    entry = next(e for e in p.log() if e.command == "rollover" and e.subject == "year:2026")
    keys = ("promoted", "suspended_held", "held_for_open_transfer", "final_grade_unfinished")
    assert {k: str(entry.after[k]) for k in (*keys, "completed", "held_unfinished")} == {
        "promoted": "0",
        "suspended_held": "1",
        "held_for_open_transfer": "1",
        "final_grade_unfinished": "2",
        "completed": str(completed),
        "held_unfinished": str(2 - completed),
    }
    facts = {v.code: dict(v.facts) for v in out.decision.warnings}
    assert facts["rollover.suspended_held"] == {"students": "1"}
    assert facts["graduation.overdue"] == {
        "students": "2",
        "action": unfinished,
        "completed": str(completed),
        "held_unfinished": str(2 - completed),
    }
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art16_a_record_left_in_a_class_of_another_grade_is_placed_by_regrade(
    kind: str, tmp_path: Path
) -> None:
    """Found by the concurrency review: a grade-2 record typed on 5 August, before the
    late 2026 rollover ran that day, stayed in grade 2 (entered after its date) while
    its class A-2 went up to 3 with its pupil; its submission (before, its approval)
    is refused (``class.wrong_school``, Art 16), and nothing could place it in a grade-2 class:
    ``regrade`` refused its own grade (``regrade.grade``). It now takes the same grade
    in another class of the school, once the review is rejected."""
    store = SqlStore.sqlite(tmp_path / "placed.sqlite3") if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), store=store)
    p.register("A", 2, birth=D(2018, 3, 2))
    p.at(D(2026, 8, 5))
    row = enrol_kwargs(D(2018, 4, 1), grade=2, class_id="A-2", photo=Photo(D(2026, 8, 5), "x"))
    new = p.reg.enroll(school_actor("A"), **row).student
    assert new is not None
    assert p.reg.rollover(SYSTEM, 2026).allowed
    assert p.reg.student(PROVINCE, new.id).grade == 2
    # (its submission runs the entry checks again on the record as it stands: refused
    # there, before any review is opened; a review opened before is refused at its
    # approval, test_art14_the_review_checks_the_record_again_before_it_is_registered)
    submitted = p.reg.submit(school_actor("A"), new.id)
    assert refused_codes(submitted) == ("class.wrong_school",)
    assert submitted.request is None
    p.reg.add_class(
        school_actor("A"), SchoolClass("A-2b", "A", "二年级2班", 2, "钱老师", D(2026, 8, 5))
    )
    same = p.reg.regrade(SHUSHAN, new.id, grade=2, class_id="A-2", reason="安置")
    assert refused_codes(same) == ("regrade.grade", "class.wrong_school")  # nothing changes
    placed = p.reg.regrade(SHUSHAN, new.id, grade=2, class_id="A-2b", reason="安置")
    assert placed.allowed, placed.decision
    assert placed.student is not None
    assert (placed.student.grade, placed.student.class_id) == (2, "A-2b")
    again = p.reg.submit(school_actor("A"), new.id).request
    assert again is not None
    assert p.reg.approve(SHUSHAN, again.id).allowed
    assert p.reg.student(PROVINCE, new.id).status is StudentStatus.REGISTERED
    assert p.reg.verify_log(PROVINCE).ok
    assert not [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"]
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_missed_year_s_grades_are_put_right_by_the_authority(
    kind: str, tmp_path: Path
) -> None:
    """Found by the review of the rollover: a year whose rollover was missed is not run
    late (``rollover.passed``), and its students' grades were to be "put right one by
    one (``update_student``)", which edits no grade; a correction refused it
    (``correction.not_key_field``), a transfer into a class of the right grade was
    refused (``class.wrong_school``), and an edit of the table is an altered record.
    ``regrade`` is the command: the school's authority (Art 28) moves the student into
    a class of the right grade at the school (Art 16), logged citing Art 18(2) with the
    grade and class before and after, which ``detect`` follows."""
    store = SqlStore.sqlite(tmp_path / "regrade.sqlite3") if kind == "sqlite" else None
    p = Province(D(2025, 6, 1), store=store)
    s = p.register("A", 2, birth=D(2018, 3, 1))
    p.at(D(2026, 8, 5))  # 2025's rollover was never run
    assert p.reg.rollover(SYSTEM, 2025).decision.codes == ("rollover.passed",)
    assert p.reg.rollover(SYSTEM, 2026).allowed
    short = p.reg.student(PROVINCE, s.id)
    assert short.grade == 3  # one grade short
    p.reg.add_class(A, SchoolClass("A-4b", "A", "四年级2班", 4, "钱老师", D(2026, 8, 5)))
    with pytest.raises(AccessDenied):  # the school does not set a grade (Art 28)
        p.reg.regrade(A, s.id, grade=4, class_id="A-4b", reason="漏升级")
    wrong = p.reg.regrade(SHUSHAN, s.id, grade=4, class_id="A-2", reason="漏升级")
    assert refused_codes(wrong) == ("class.wrong_school",)  # A-2 went up to grade 3
    out = p.reg.regrade(SHUSHAN, s.id, grade=4, class_id="A-4b", reason="漏升级")
    assert out.allowed, out.decision
    assert out.student is not None
    assert (out.student.grade, out.student.class_id) == (4, "A-4b")
    assert p.reg.student(PROVINCE, s.id).version == short.version + 1
    entry = next(e for e in reversed(p.log()) if e.command == "regrade")
    assert (entry.subject, entry.actor_unit) == (s.id, "340104")
    assert entry.basis == str(anhui(18, 2))
    assert dict(entry.before) == {"grade": "3", "class_id": "A-2"}
    assert {k: entry.after[k] for k in ("grade", "class_id", "reason")} == {
        "grade": "4",
        "class_id": "A-4b",
        "reason": "漏升级",
    }
    assert p.reg.verify_log(PROVINCE).ok
    assert not [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"]
    p.at(D(2027, 8, 1))  # and the rollovers move it on from there
    assert p.reg.rollover(SYSTEM, 2027).allowed
    assert p.reg.student(PROVINCE, s.id).grade == 5
    assert not [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"]
    if store is not None:
        store.engine.dispose()


def test_art18_a_grade_is_put_right_only_for_a_student_in_school_with_nothing_open() -> None:
    """``regrade`` refuses, writing nothing: a student not in school (graduated,
    dropped out: ``change.status``, citing Art 18(2)); a grade outside the student's
    stage under the profile's ``school_system``, or the one it is in
    (``regrade.grade``); a student with a change open that was filed on the grade and
    class it has (``change.other_open``); a full class (Art 16). A city acts for a
    school it runs, and for a county's school below it (Art 28); another county
    does not."""
    capped = attrs.evolve(
        ANHUI_2013,
        class_size_caps=Param({**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: 1}, anhui(16)),
    )
    p = Province(D(2026, 6, 1), policies=(capped,))
    graduated = p.register("A", 6, birth=D(2014, 3, 1))
    assert p.reg.graduate(A, graduated.id).allowed
    dropped = p.register("B", 2, birth=D(2018, 3, 1))
    req = p.reg.record_dropout(B, dropped.id, "辍学").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    moving = p.register("A", 3, birth=D(2017, 3, 1))
    tr = p.reg.request_transfer(
        school_actor("W"),
        moving.id,
        to_school="W",
        to_class="W-3",
        reason=TransferReason.JOB_MOVE,
        stated_reason="调动",
    )
    assert tr.allowed, tr.decision
    free = p.register("B", 4, birth=D(2016, 3, 1))
    senior = p.register("H", 10, birth=D(2010, 3, 1))
    before = len(p.log())
    cases = [
        ((SHUSHAN, graduated.id, 5, "A-5"), ("change.status",)),
        ((SHUSHAN, dropped.id, 3, "B-3"), ("change.status",)),
        ((SHUSHAN, free.id, 7, "J-7"), ("regrade.grade", "class.wrong_school")),
        # the grade it is in, and its class (cap 1) has no other seat
        ((SHUSHAN, free.id, 4, "B-4"), ("regrade.grade", "class.full")),
        ((SHUSHAN, moving.id, 4, "A-4"), ("change.other_open",)),
    ]
    for (actor, sid, grade, klass), codes in cases:
        out = p.reg.regrade(actor, sid, grade=grade, class_id=klass, reason="更正")
        assert refused_codes(out) == codes, (sid, out.decision)
    out = p.reg.regrade(SHUSHAN, graduated.id, grade=5, class_id="A-5", reason="更正")
    assert [str(v.article) for v in out.decision.violations] == [str(anhui(18, 2))]
    assert len(p.log()) == before  # nothing written
    with pytest.raises(AccessDenied):  # another county
        p.reg.regrade(authority("340202"), free.id, grade=5, class_id="B-5", reason="更正")
    assert p.reg.regrade(HEFEI, free.id, grade=5, class_id="B-5", reason="更正").allowed
    out = p.reg.regrade(HEFEI, senior.id, grade=11, class_id="H-11", reason="更正")
    assert out.allowed, out.decision
    assert p.reg.student(PROVINCE, senior.id).grade == 11
    assert p.reg.student(PROVINCE, moving.id).grade == 3


_HOLD = attrs.evolve(ANHUI_2013, rollover_open_transfers=Param("hold", anhui(18, 2)))


def _transfer(p: Province, s: Student, to_class: str) -> str:
    """An in-province transfer of ``s`` to W's ``to_class``, filed by W; its id."""
    out = p.reg.request_transfer(
        school_actor("W"),
        s.id,
        to_school="W",
        to_class=to_class,
        reason=TransferReason.JOB_MOVE,
        stated_reason="调动",
    )
    assert out.allowed, out.decision
    assert out.request is not None
    return out.request.id


@pytest.mark.parametrize("end", ["withdraw", "reject"])
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_student_held_for_a_transfer_moves_up_when_it_is_withdrawn_or_refused(
    kind: str, end: str, tmp_path: Path
) -> None:
    """Found by the rollover review: under ``rollover_open_transfers = "hold"`` ("leaves
    them until it ends") a student held for an open transfer never moved up once it
    ended: withdrawn on 3 August, they stayed in grade 4 in A-4, now grade 5, and a
    year behind for good after the next rollover. The rollover records on the
    transfer the year it held them (``held_at_rollover``); its end moves them up by
    the rollovers they missed, in their class gone up, with their own entry citing
    Art 18(2); detect agrees."""
    store = SqlStore.sqlite(str(tmp_path / "held.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 7, 1), policies=(_HOLD,), store=store)
    mate = p.register("A", 4, birth=D(2016, 3, 1))
    s = p.register("A", 4, birth=D(2016, 3, 2))
    p.at(D(2026, 7, 27))
    rid = _transfer(p, s, "W-4")
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    assert p.reg.student(PROVINCE, s.id).grade == 4  # held while it is open
    assert p.reg.request(PROVINCE, rid).payload["held_at_rollover"] == "2026"
    p.at(D(2026, 8, 3))
    if end == "withdraw":
        out = p.reg.withdraw(school_actor("W"), rid)
    else:
        out = p.reg.reject(school_actor("W"), rid, "不接收")
    assert out.allowed, out.decision
    x = p.reg.student(PROVINCE, s.id)
    with p.store.unit_of_work() as uow:
        klass = uow.classes.get("A-4")
    assert klass is not None
    assert (x.school, x.class_id, x.grade, klass.grade) == ("A", "A-4", 5, 5)
    entry = [e for e in p.log() if e.subject == s.id and e.command != "read_sensitive"][-1]
    assert (entry.command, entry.after["grade"]) == ("promote_held", "5")
    assert "第十八条第二款" in entry.basis
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    assert p.reg.student(PROVINCE, s.id).grade == p.reg.student(PROVINCE, mate.id).grade == 6
    if store is not None:
        store.engine.dispose()


def _as_before_the_marking(m: pytest.MonkeyPatch) -> None:
    """Play a rollover of the version before this one: it did not mark the transfers
    it held (``held_at_rollover``), and its entry had no ``completed`` count."""
    log = registry.Registry._log

    def old_log(self, uow, actor, on, command, subject, before, after, *rest):  # type: ignore[no-untyped-def]
        if command == "rollover":
            after = {k: v for k, v in after.items() if k not in ("completed", "held_unfinished")}
        return log(self, uow, actor, on, command, subject, before, after, *rest)

    m.setattr(registry.Registry, "_mark_held", staticmethod(lambda *a: None))
    m.setattr(registry.Registry, "_log", old_log)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_student_held_by_a_rollover_from_before_the_marking_moves_up_too(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the upgrade review: a rollover run by a xueji from before this version
    did not mark the open transfers it held (``held_at_rollover``), and a database
    upgraded with one open left its student a year behind when it ended (while the
    same case on new data moved up). Its entry names the student in ``held``; the
    end of the transfer reads it (Art 18(2)). The old rollover is played by this
    version with the marking off and its entry without the counts it adds."""
    store = SqlStore.sqlite(str(tmp_path / "old.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 7, 1), policies=(_HOLD,), store=store)
    mate = p.register("A", 4, birth=D(2016, 3, 1))
    s = p.register("A", 4, birth=D(2016, 3, 2))
    p.at(D(2026, 7, 27))
    rid = _transfer(p, s, "W-4")
    p.at(D(2026, 8, 1))
    with monkeypatch.context() as m:
        _as_before_the_marking(m)
        assert p.reg.rollover(SYSTEM, 2026).allowed
    assert "held_at_rollover" not in p.reg.request(PROVINCE, rid).payload
    assert p.reg.student(PROVINCE, s.id).grade == 4
    p.at(D(2026, 8, 3))
    assert p.reg.withdraw(school_actor("W"), rid).allowed
    x = p.reg.student(PROVINCE, s.id)
    assert (x.class_id, x.grade) == ("A-4", 5)
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    assert p.reg.student(PROVINCE, s.id).grade == p.reg.student(PROVINCE, mate.id).grade == 6
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_held_student_arrives_in_a_class_of_the_grade_they_move_up_to(
    kind: str, tmp_path: Path
) -> None:
    """Found by the rollover review: a student held at the rollover for an open transfer,
    approved after it, arrived in W-4 in grade 4 and stayed a year behind. The
    transfer's approval (by the parties or by default, Art 24) moves them up first
    (Art 18(2)) and places them in the class named, which must be of that grade
    (Art 16): W-4, gone up with its pupil, takes them in grade 5; W-2, empty and still
    grade 2, cannot take a student now in grade 3 (``class.wrong_school``), nothing
    written, and the sweep holds it too, as it holds a return after the rollover."""
    store = SqlStore.sqlite(str(tmp_path / "arrive.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 7, 1), policies=(_HOLD,), store=store)
    p.register("W", 4, birth=D(2016, 3, 1))  # W-4 has a pupil: it goes up
    s = p.register("A", 4, birth=D(2016, 3, 2))
    t = p.register("A", 2, birth=D(2018, 3, 2))
    first, second = _transfer(p, s, "W-4"), _transfer(p, t, "W-2")
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 12, 1))  # every stage past its deadline
    swept = p.reg.advance_clock(SYSTEM)
    assert [r.id for r in swept if r.state is RequestState.APPROVED] == [first]
    x = p.reg.student(PROVINCE, s.id)
    assert (x.school, x.class_id, x.grade) == ("W", "W-4", 5)
    mine = [e.command for e in p.log() if e.subject == s.id and e.command != "read_sensitive"]
    assert mine[-2:] == ["promote_held", "transfer"]
    left = p.reg.request(PROVINCE, second)
    assert left.state is RequestState.AT_SENDING_AUTHORITY
    before = len(p.log())
    done = p.reg.approve(SHUSHAN, second)
    assert done.decision.codes == ("class.wrong_school",)
    facts = dict(done.decision.violations[0].facts)
    assert (facts["grade"], facts["class_grade"]) == ("3", "2")
    assert len(p.log()) == before
    assert p.reg.student(PROVINCE, t.id).grade == 2
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("end", ["withdraw", "approve"])
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art16_a_student_held_for_a_transfer_keeps_their_seat_in_the_class_gone_up(
    kind: str, end: str, tmp_path: Path
) -> None:
    """Found by the rollover review: under ``rollover_open_transfers = "hold"`` the
    rollover freed the seat of a student held for an open transfer (the class, gone up,
    counted only its pupils of its new grade), a newcomer took it, and the transfer's
    withdrawal put the student back over the class's cap of 3 (a ``class.full`` warning
    only). While the transfer is open the student keeps their seat (Art 16): the
    newcomer is refused ``class.full``, alone or in a bulk enrolment; withdrawn, the
    student is seated within the cap; approved (by default), the seat is free again."""
    caps = {**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: 3}
    policy = attrs.evolve(_HOLD, class_size_caps=Param(caps, anhui(16)))
    store = SqlStore.sqlite(str(tmp_path / "seat.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(policy,), store=store)
    p.register("A", 3, birth=D(2017, 2, 1))
    p.register("A", 3, birth=D(2017, 2, 2))
    s = p.register("A", 3, birth=D(2017, 3, 1))
    p.register("W", 3, birth=D(2017, 1, 1))  # (W-3 goes up too: the transfer's class)
    p.at(D(2026, 7, 20))
    rid = _transfer(p, s, "W-3")
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 9, 1))

    def newcomer(day: int) -> dict[str, object]:
        birth = D(2016, 5, day)
        return enrol_kwargs(
            school="A", class_id="A-3", grade=4, birth_date=birth, id_number=make_id(birth)
        )

    out = p.reg.enroll(school_actor("A"), **newcomer(1))  # type: ignore[arg-type]
    assert [v.code for v in out.decision.violations] == ["class.full"]
    bulk = p.reg.enroll_many(school_actor("A"), [newcomer(2)])
    assert [v.code for v in bulk.refused[0][1].violations] == ["class.full"]
    if end == "withdraw":
        back = p.reg.withdraw(school_actor("W"), rid)
        assert back.allowed
        assert "class.full" not in back.decision.codes
        with p.store.unit_of_work() as uow:
            assert uow.students.count_in_class("A-3", 4) == 3
        assert p.reg.student(PROVINCE, s.id).class_id == "A-3"
    else:
        p.at(D(2026, 12, 1))  # every stage past its deadline: approved by default
        assert [r.id for r in p.reg.advance_clock(SYSTEM)] == [rid]
        assert p.reg.student(PROVINCE, s.id).school == "W"
        assert p.reg.enroll(school_actor("A"), **newcomer(3)).allowed  # type: ignore[arg-type]
    with p.store.unit_of_work() as uow:
        assert list(uow.meta.prefixed(registry._HELD_SEAT)) == []
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art16_a_held_seat_counts_under_a_later_profile_without_hold(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the second rollover review: the class-size checks counted a held seat
    only while the profile in force held transfers: once a successor profile with
    ``"promote"`` came into force (1 September), a newcomer took the seat of a student
    held at the 1 August rollover, and the transfer's withdrawal seated them over the
    cap of 3. A kept seat counts until its transfer ends, whatever profile is in force
    (Art 16); a store that never held anyone reads no held seats."""
    caps = {**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: 3}
    slow = attrs.evolve(
        _HOLD,
        class_size_caps=Param(caps, anhui(16)),
        transfer_default_approval=Param(False, anhui(24)),
    )
    first = attrs.evolve(slow, code="hold-a", valid_until=D(2026, 8, 31))
    later = attrs.evolve(
        slow,
        code="promote-b",
        valid_from=D(2026, 9, 1),
        rollover_open_transfers=Param("promote", anhui(18, 2)),
    )
    store = SqlStore.sqlite(str(tmp_path / "later.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(first, later), store=store)
    p.register("A", 3, birth=D(2017, 2, 1))
    p.register("A", 3, birth=D(2017, 2, 2))
    s = p.register("A", 3, birth=D(2017, 3, 1))
    p.register("W", 3, birth=D(2017, 1, 1))
    p.at(D(2026, 7, 20))
    rid = _transfer(p, s, "W-3")
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 9, 2))

    def newcomer(day: int) -> dict[str, object]:
        birth = D(2016, 5, day)
        return enrol_kwargs(
            school="A", class_id="A-3", grade=4, birth_date=birth, id_number=make_id(birth)
        )

    out = p.reg.enroll(school_actor("A"), **newcomer(1))  # type: ignore[arg-type]
    assert [v.code for v in out.decision.violations] == ["class.full"]
    bulk = p.reg.enroll_many(school_actor("A"), [newcomer(2)])
    assert [v.code for v in bulk.refused[0][1].violations] == ["class.full"]
    back = p.reg.withdraw(school_actor("W"), rid)
    assert back.allowed
    assert "class.full" not in back.decision.codes
    with p.store.unit_of_work() as uow:
        assert uow.students.count_in_class("A-3", 4) == 3
        assert list(uow.meta.prefixed(registry._HELD_SEAT)) == []
    # no seat held any more: the class-size checks read none
    calls: list[object] = []
    real = registry._held_seats
    monkeypatch.setattr(registry, "_held_seats", lambda *a: calls.append(a) or real(*a))
    p.reg.enroll(school_actor("A"), **newcomer(3))  # type: ignore[arg-type]
    p.reg.enroll_many(school_actor("A"), [newcomer(4)])
    assert calls == []
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_late_rollover_holds_only_for_a_transfer_open_on_its_date(
    kind: str, tmp_path: Path
) -> None:
    """Found by the second rollover review: under ``"hold"``, a rollover run on 1
    September held s for a transfer filed on 5 August (grade 3, ``held_for_open_
    transfer`` 1, ``held_at_rollover`` written, a seat kept in A-3), though on 1
    August no transfer was open and, run then, the rollover moved s up. Only a
    transfer open on the rollover's date holds its student (Arts 16, 18(2)): run
    late, s goes up with A-3 as on time, and the transfer's approval places them in
    W-3, gone up too."""
    seen = {}
    for late in (False, True):
        name = f"{'late' if late else 'on'}.sqlite3"
        store = SqlStore.sqlite(str(tmp_path / name)) if kind == "sqlite" else None
        p = Province(D(2026, 6, 1), policies=(_HOLD,), store=store)
        s = p.register("A", 3, birth=D(2017, 3, 1))
        p.register("A", 3, birth=D(2017, 4, 1))
        p.register("W", 3, birth=D(2017, 1, 1))  # (W-3 goes up: the transfer's class)
        if not late:
            p.at(D(2026, 8, 1))
            assert p.reg.rollover(SYSTEM, 2026).allowed
        p.at(D(2026, 8, 5))
        rid = _transfer(p, s, "W-3")  # (on time, gone up to grade 4 already)
        if late:
            p.at(D(2026, 9, 1))
            assert p.reg.rollover(SYSTEM, 2026).allowed
        entry = p.reg.history(PROVINCE, "year:2026")[-1]
        assert entry.after["held_for_open_transfer"] == "0", late
        assert "held_at_rollover" not in p.reg.request(PROVINCE, rid).payload
        with p.store.unit_of_work() as uow:
            assert list(uow.meta.prefixed(registry._HELD_SEAT)) == []
        before = p.reg.student(PROVINCE, s.id)
        p.at(D(2027, 1, 15))  # every stage past its deadline: approved by default
        assert [r.id for r in p.reg.advance_clock(SYSTEM)] == [rid]
        after = p.reg.student(PROVINCE, s.id)
        seen[late] = ((before.class_id, before.grade), (after.school, after.class_id, after.grade))
        if store is not None:
            store.engine.dispose()
    assert seen[True] == seen[False] == (("A-3", 4), ("W", "W-3", 4))


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_transfer_held_across_an_upgrade_counts_both_rollovers(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the second merge review: a transfer open at the 2026 rollover of the
    version before the marking (its entry names the student) and still open at this
    version's 2027 rollover (which marks the request) counted 2027 alone: withdrawn,
    the student went up to grade 5 in a class of grade 6, a year behind their
    classmate. Both rollovers held them (Art 18(2))."""
    slow = attrs.evolve(_HOLD, transfer_default_approval=Param(False, anhui(24)))
    store = SqlStore.sqlite(str(tmp_path / "mixed.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 7, 1), policies=(slow,), store=store)
    mate = p.register("A", 4, birth=D(2016, 3, 1))
    s = p.register("A", 4, birth=D(2016, 3, 2))
    p.at(D(2026, 7, 27))
    rid = _transfer(p, s, "W-4")
    p.at(D(2026, 8, 1))
    with monkeypatch.context() as m:
        _as_before_the_marking(m)
        assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    assert p.reg.request(PROVINCE, rid).payload["held_at_rollover"] == "2027"
    p.at(D(2027, 8, 3))
    assert p.reg.withdraw(school_actor("W"), rid).allowed
    x = p.reg.student(PROVINCE, s.id)
    assert (x.class_id, x.grade) == ("A-4", 6)
    assert p.reg.student(PROVINCE, mate.id).grade == 6
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("order", ["withdraw_first", "approve_first"])
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_class_left_by_held_pupils_alone_goes_up_whatever_the_order(
    kind: str, order: str, tmp_path: Path
) -> None:
    """Found by the concurrency review: A-4 held only s1 and s2, both held at the
    rollover for open transfers. When s1's transfer was withdrawn before s2's was
    approved, s1 went up to grade 5 but A-4 stayed in grade 4 (s2 counted as a pupil
    of it), and once s2 left nothing moved it: s1 sat in a class a grade below for
    good. In the other order A-4 went up with s1. A classmate held too is not one who
    keeps the class at its grade (Art 18(2)); the end state is the same either way."""
    store = SqlStore.sqlite(str(tmp_path / "mates.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 7, 1), policies=(_HOLD,), store=store)
    p.register("W", 4, birth=D(2016, 3, 9))  # W-4 has a pupil: it goes up
    s1 = p.register("A", 4, birth=D(2016, 3, 1))
    s2 = p.register("A", 4, birth=D(2016, 3, 2))
    p.at(D(2026, 7, 27))
    r1, r2 = _transfer(p, s1, "W-4"), _transfer(p, s2, "W-4")
    for actor in (school_actor("W"), authority("340202"), school_actor("A")):
        assert p.reg.approve(actor, r2).allowed
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    p.at(D(2026, 8, 3))
    ends = [lambda: p.reg.withdraw(school_actor("W"), r1), lambda: p.reg.approve(SHUSHAN, r2)]
    for end in ends if order == "withdraw_first" else ends[::-1]:
        out = end()
        assert out.allowed, out.decision
    x1, x2 = p.reg.student(PROVINCE, s1.id), p.reg.student(PROVINCE, s2.id)
    with p.store.unit_of_work() as uow:
        klass = uow.classes.get("A-4")
    assert klass is not None
    assert (x1.class_id, x1.grade, klass.grade) == ("A-4", 5, 5)
    assert (x2.school, x2.class_id, x2.grade) == ("W", "W-4", 5)
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("old", [False, True], ids=["marked", "before_the_marking"])
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_held_student_approved_by_a_back_dated_default_moves_up_from_the_rollover(
    kind: str, old: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the merge review: the last stage of a held student's transfer fell due
    on 27 July; the rollover ran on 1 August, before the sweep, and held them; the
    sweep's default approval is dated 28 July (the day after the deadline, Art 24)
    and its ``promote_held`` entry was dated then: the grade-6 student had come into
    their final grade before the rollover, so graduating on 15 June 2027 was flagged
    late and detect listed it. The move up is the held rollover's (Art 18(2)): its
    entry is dated 1 August."""
    store = SqlStore.sqlite(str(tmp_path / "sweep.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(_HOLD,), store=store)
    p.register("W", 5, birth=D(2015, 3, 1))  # W-5 has a pupil: it goes up
    s = p.register("A", 5, birth=D(2015, 3, 2))
    p.at(D(2026, 6, 29))
    rid = _transfer(p, s, "W-5")
    for actor in (school_actor("W"), authority("340202"), school_actor("A")):
        assert p.reg.approve(actor, rid).allowed
    assert p.reg.request(PROVINCE, rid).deadline == D(2026, 7, 27)
    p.at(D(2026, 8, 1))
    with monkeypatch.context() as m:
        if old:  # a rollover by the version before the marking (its entry names them)
            _as_before_the_marking(m)
        assert p.reg.rollover(SYSTEM, 2026).allowed
    p.reg.advance_clock(SYSTEM)
    x = p.reg.student(PROVINCE, s.id)
    assert (x.school, x.class_id, x.grade) == ("W", "W-5", 6)
    mine = [(e.command, e.on) for e in p.log() if e.subject == s.id]
    mine = [m for m in mine if m[0] != "read_sensitive"][-2:]
    assert mine == [("promote_held", D(2026, 8, 1)), ("transfer", D(2026, 7, 28))]
    p.at(D(2027, 6, 15))
    out = p.reg.graduate(school_actor("W"), s.id)
    assert out.allowed, out.decision
    assert out.decision.codes == ()
    kinds = {f.kind for f in p.reg.detect(PROVINCE).findings}
    assert not kinds & {"late_graduation", "altered_record"}
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art16_a_held_student_back_in_a_class_full_since_is_a_warning_of_the_withdrawal(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the merge review: a student held for a transfer at the rollover has no
    seat counted in their class gone up a grade (they are a grade below), so a
    grade-5 newcomer filled it to its cap of 3; the withdrawal then moved them up into
    it with no Art 16 check: 4 against a cap of 3, said nowhere. An end cannot be
    refused: the move stands (Art 18(2)), and ``class.full`` is a warning of the
    withdrawal's decision and of the ``xueji.registry`` logger, for the school to
    place them. Since the rollover review the held student keeps their seat
    (``held_seat:`` in the store's meta, set by the rollover: the newcomer is refused,
    test_art16_a_student_held_for_a_transfer_keeps_their_seat_in_the_class_gone_up);
    a seat held by a rollover run by a version before that has no key, as here."""
    caps = {**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: 3}
    capped = attrs.evolve(_HOLD, class_size_caps=Param(caps, anhui(16)))
    store = SqlStore.sqlite(str(tmp_path / "cap.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 7, 1), policies=(capped,), store=store)
    p.register("A", 4, birth=D(2016, 3, 1))
    p.register("A", 4, birth=D(2016, 3, 3))
    s = p.register("A", 4, birth=D(2016, 3, 2))  # A-4 full: 3 of 3
    rid = _transfer(p, s, "W-4")
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    with p.store.unit_of_work() as uow:  # (a rollover of a version before the key)
        assert uow.meta.delete([f"{registry._HELD_SEAT}A-4/{s.id}"]) == 1
    p.at(D(2026, 8, 3))
    photo = Photo(D(2026, 8, 3), "x")  # (taken by today: Art 12)
    late = p.reg.enroll(
        school_actor("A"), **enrol_kwargs(D(2015, 5, 1), class_id="A-4", grade=5, photo=photo)
    )
    assert "class.full" not in late.decision.codes  # their seat was not counted
    with caplog.at_level("WARNING", logger="xueji.registry"):
        out = p.reg.withdraw(school_actor("W"), rid)
    assert out.allowed, out.decision
    assert out.decision.codes == ("class.full",)
    facts = dict(out.decision.warnings[0].facts)
    assert (facts["class_id"], facts["size"], facts["cap"]) == ("A-4", "3", "3")
    assert "第十六条" in str(out.decision.warnings[0].article)
    x = p.reg.student(PROVINCE, s.id)
    assert (x.class_id, x.grade) == ("A-4", 5)  # moved all the same
    assert any("class.full" in r.getMessage() and s.id in r.getMessage() for r in caplog.records)
    if store is not None:
        store.engine.dispose()


def test_art18_a_held_student_moves_up_no_further_than_the_final_grade() -> None:
    """Two rollovers held a grade-5 student for a transfer open all that time (no
    default approval): its end moves them up by both, but not past grade 6, the
    final one, with their class, which held no one else; a grade-6 student with a
    transfer open was not held (they could not move up), and its end leaves them
    where they are."""
    slow = attrs.evolve(_HOLD, transfer_default_approval=Param(False, anhui(24)))
    p = Province(D(2026, 7, 1), policies=(slow,))
    five = p.register("A", 5, birth=D(2015, 3, 2))
    six = p.register("A", 6, birth=D(2014, 3, 2))
    r5, r6 = _transfer(p, five, "W-5"), _transfer(p, six, "W-6")
    for year in (2026, 2027):
        p.at(D(year, 8, 1))
        assert p.reg.rollover(SYSTEM, year).allowed
    assert p.reg.request(PROVINCE, r5).payload["held_at_rollover"] == "2026,2027"
    assert "held_at_rollover" not in p.reg.request(PROVINCE, r6).payload
    for rid in (r5, r6):
        assert p.reg.withdraw(school_actor("W"), rid).allowed
    assert p.reg.student(PROVINCE, five.id).grade == 6
    assert p.reg.student(PROVINCE, six.id).grade == 6
    with p.store.unit_of_work() as uow:
        alone = uow.classes.get("A-5")
    assert alone is not None
    assert alone.grade == 6  # it held no one else: it goes up with them, as at a rollover


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_record_coming_in_from_outside_is_not_held_for_its_transfer_in(
    kind: str, tmp_path: Path
) -> None:
    """Found by the merge review: under ``rollover_open_transfers = "hold"`` a student
    coming in from abroad, whose transfer in was under review at the rollover, was
    taken for one held for a transfer (a record under review moves with its class, so
    the rollover would have moved it): its transfer in was marked ``held_at_rollover``,
    the rollover's entry counted it in ``held_for_open_transfer``, and the class check
    at approval expected grade 5, which the approval never gave it: its class A-4,
    empty and still grade 4, refused it, and the sweep held it for good. A new record
    from outside stays in the grade it was filed in, whatever the policy (Arts 16,
    18), as under "promote"."""
    store = SqlStore.sqlite(str(tmp_path / "in.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 7, 20), policies=(_HOLD,), store=store)
    born = D(2016, 2, 2)
    came = p.reg.transfer_in(
        school_actor("A"),
        origin="香港",
        abroad=True,
        school="A",
        class_id="A-4",
        grade=4,
        name="境外生",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        id_number=make_id(born),
    )
    assert came.allowed, came.decision
    assert came.request is not None
    assert came.student is not None
    rid, sid = came.request.id, came.student.id
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    assert "held_at_rollover" not in p.reg.request(PROVINCE, rid).payload
    entry = next(e for e in p.log() if e.command == "rollover" and e.subject == "year:2026")
    assert str(entry.after["held_for_open_transfer"]) == "0"
    p.at(D(2026, 8, 3))
    for actor in (school_actor("A"), SHUSHAN):
        out = p.reg.approve(actor, rid)
        assert out.allowed, out.decision
    x = p.reg.student(PROVINCE, sid)
    with p.store.unit_of_work() as uow:
        klass = uow.classes.get("A-4")
    assert klass is not None
    assert (x.status, x.class_id, x.grade, klass.grade) == (
        StudentStatus.REGISTERED,
        "A-4",
        4,
        4,
    )
    assert [e.command for e in p.log() if e.subject == sid][-1] != "promote_held"
    if store is not None:
        store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art16_a_new_record_under_review_moves_up_with_its_class(kind: str, tmp_path: Path) -> None:
    """Found by the rollover review: a new student whose first-entry review was open at
    the rollover (a draft, or submitted) stayed in grade 2 while A-2 went up, and was
    approved after it into A-2, now grade 3, with no class check; its seat no longer
    counted, so a grade-3 newcomer took it and A-2 held 4 against a cap of 3. The
    reading (Arts 16, 18(2)): a record under review moves up with its class (once
    approved it is a student of that class), holding its seat in the class's new
    grade; detect agrees."""
    caps = {**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: 3}
    capped = attrs.evolve(ANHUI_2013, class_size_caps=Param(caps, anhui(16)))
    store = SqlStore.sqlite(str(tmp_path / "review.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), policies=(capped,), store=store)
    p.register("A", 2, birth=D(2018, 3, 1))
    draft = p.enroll("A", 2, birth=D(2018, 3, 2))
    sub = p.enroll("A", 2, birth=D(2018, 3, 3))
    req = p.reg.submit(A, sub.id).request
    assert req is not None  # A-2 is full: 3 of 3
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    assert [p.reg.student(PROVINCE, x.id).grade for x in (draft, sub)] == [3, 3]
    p.at(D(2026, 9, 1))
    late = p.reg.enroll(A, **enrol_kwargs(D(2017, 5, 1), class_id="A-2", grade=3))
    assert refused_codes(late) == ("class.full",)
    approve(p, SHUSHAN, req.id)
    again = p.reg.submit(A, draft.id).request
    assert again is not None
    approve(p, SHUSHAN, again.id)
    in_a2 = [(x.grade, x.status) for x in p.reg.students_of(PROVINCE, "A") if x.class_id == "A-2"]
    assert in_a2 == [(3, StudentStatus.REGISTERED)] * 3
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    if store is not None:
        store.engine.dispose()


def test_art16_a_new_record_its_class_left_behind_is_not_approved_into_it() -> None:
    """A record typed after the rollover's date stays where it is when the rollover runs
    late (it is in the new school year already), while its class goes up with the
    pupils it held: its approval into a class now of another grade is refused
    (``class.wrong_school``, Art 16), nothing written. Before, it was approved with no
    class check ("a new record under review holds its seat already")."""
    p = Province(D(2026, 6, 1))
    p.register("A", 2, birth=D(2018, 3, 1))
    p.at(D(2026, 8, 10))
    new = p.enroll("A", 2, birth=D(2018, 3, 2))
    req = p.reg.submit(A, new.id).request
    assert req is not None
    assert p.reg.rollover(SYSTEM, 2026).allowed  # late: A-2 goes up, the record stays
    before = len(p.log())
    done = p.reg.approve(SHUSHAN, req.id)
    assert done.decision.codes == ("class.wrong_school",)
    assert len(p.log()) == before
    assert p.reg.student(PROVINCE, new.id).status is StudentStatus.PENDING_REVIEW


def test_art33_decision_under_the_policy_in_force_on_its_date() -> None:
    later = attrs.evolve(
        ANHUI_2013,
        code="anhui-2027",
        valid_from=D(2026, 10, 1),
        transfer_stage_limit=Param(5, anhui(24, note="a later revision")),
    )
    old = attrs.evolve(ANHUI_2013, valid_until=D(2026, 9, 30))
    p = Province(D(2026, 9, 1), policies=(old, later))
    s = p.register("A", 1)
    t = p.register("A", 1)
    first = p.reg.request_transfer(
        school_actor("W"),
        s.id,
        to_school="W",
        to_class="W-1",
        reason=__import__("xueji").model.TransferReason.JOB_MOVE,
    )
    assert first.request is not None
    assert first.request.deadline == p.reg.calendar.add_working_days(D(2026, 9, 1), 20)
    p.at(D(2026, 10, 8))
    second = p.reg.request_transfer(
        school_actor("W"),
        t.id,
        to_school="W",
        to_class="W-1",
        stated_reason="调动",
        reason=__import__("xueji").model.TransferReason.JOB_MOVE,
    )
    assert second.request is not None
    assert second.request.deadline == p.reg.calendar.add_working_days(D(2026, 10, 8), 5)


def test_art18_set_based_rollover_equals_the_rule_student_by_student() -> None:
    import datetime as dt

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xueji.lifecycle import StudentStatus as S
    from xueji.model import Student, stage_of_grade
    from xueji.rules import graduation
    from xueji.storage import MemoryStore

    statuses = st.sampled_from(
        [S.REGISTERED, S.SUSPENDED, S.DROPPED_OUT, S.GRADUATED, S.DRAFT, S.PENDING_REVIEW]
    )

    @settings(max_examples=50, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(1, 12), statuses, st.booleans()), max_size=30),
        st.booleans(),
        st.sampled_from(["promote", "hold"]),
    )
    def check(rows: list[tuple[int, S, bool]], suspended: bool, transfers: str) -> None:
        policy = attrs.evolve(
            ANHUI_2013,
            rollover_promotes_suspended=Param(suspended, anhui(18, 2)),
            rollover_open_transfers=Param(transfers, anhui(18, 2)),
        )
        store = MemoryStore()
        students = [
            Student(
                f"S{i}",
                "A",
                "A-1",
                g,
                stage_of_grade(g),
                status,
                "x",
                "M",
                dt.date(2010, 1, 1),
                "340104",
                dt.date(2020, 9, 1),
            )
            for i, (g, status, _) in enumerate(rows)
        ]
        moving = frozenset(s.id for s, (_, _, t) in zip(students, rows, strict=True) if t)
        # (a record under review with a transfer open is a new one from outside: the
        # registry holds it whatever the policy, as its return is held)
        incoming = frozenset(s.id for s in students if s.status in graduation.UNDER_REVIEW)
        plan = graduation.rollover_plan(policy)
        with store.unit_of_work() as uow:
            for s in students:
                uow.students.add(s)
            uow.students.promote(
                plan.statuses,
                plan.final_grades,
                (moving if plan.hold_open_transfers else frozenset()) | (moving & incoming),
            )
        for s in students:
            want = graduation.rollover_action(s, open_transfer=s.id in moving, policy=policy)
            got = store.students.get(s.id)
            assert got is not None
            promoted = want.action is graduation.RolloverAction.PROMOTE
            assert got.grade == s.grade + (1 if promoted else 0), (s, want)

    check()


def test_art19_one_registry_change_at_a_time(province: Province) -> None:
    """Found by the rules audit: a student with a transfer open could be suspended,
    dropped out or graduated, and the transfer's last approval then failed (and
    stopped the deadline sweep); a cross-border and a cross-province transfer out
    could be open at once. A change that moves or ends the registry now waits for
    the open one to end (``change.other_open``)."""
    from xueji.model import TransferReason

    s = province.register("A", 6)
    t = province.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-6", reason=TransferReason.JOB_MOVE
    )
    assert t.request is not None
    before = len(province.log())
    refusals = [
        province.reg.record_dropout(A, s.id, "辍学"),
        province.reg.suspend(A, s.id, "病休"),
        province.reg.graduate(A, s.id),
        province.reg.request_cross_province_out(A, s.id, to_school_name="外省某校", reason="随迁"),
        province.reg.request_cross_border_out(
            A, s.id, destination="新加坡", leave_date=D(2026, 10, 1), reason="出国"
        ),
    ]
    for out in refusals:
        assert "change.other_open" in out.decision.codes, out.decision
        assert out.request is None
    assert len(province.log()) == before  # nothing written
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    # once the transfer ends, the change may be opened
    assert province.reg.withdraw(school_actor("W"), t.request.id).allowed
    out = province.reg.request_cross_province_out(A, s.id, to_school_name="外省某校", reason="随迁")
    assert out.allowed
    again = province.reg.request_cross_border_out(
        A, s.id, destination="新加坡", leave_date=D(2026, 10, 1), reason="出国"
    )
    assert again.decision.codes == ("change.other_open",)


def test_art16_a_student_coming_back_goes_into_a_class_of_their_school_and_grade(
    province: Province,
) -> None:
    """Found by the rules audit: ``resume(..., to_class="WH-12")`` for a grade-1 pupil of
    school A was approved, leaving the pupil at A in another school's grade-12 class."""
    s = province.register("A", 1)
    sus = province.reg.suspend(A, s.id, "病休")
    assert sus.request is not None
    assert province.reg.approve(SHUSHAN, sus.request.id).allowed
    for wrong, code in (("WH-12", "class.wrong_school"), ("A-2", "class.wrong_school")):
        out = province.reg.resume(A, s.id, "病愈", to_class=wrong)
        assert code in [v.code for v in out.decision.violations], out.decision
        assert out.request is None
    ok = province.reg.resume(A, s.id, "病愈", to_class="A-1")
    assert ok.allowed, ok.decision


def test_art19_an_open_correction_holds_back_what_would_end_the_record(
    province: Province,
) -> None:
    """Found by the review: a student with a key-field correction open could graduate
    (or 结业 while a senior graduation awaited approval), and the correction's or the
    graduation's approval then failed as CannotComplete."""
    s = province.register("A", 6)
    fix = province.reg.request_correction(A, s.id, {"name": "新名"}, "户口本为准")
    assert fix.request is not None
    province.at(D(2027, 6, 25))
    for out in (
        province.reg.graduate(A, s.id),
        province.reg.complete(A, s.id),
        province.reg.request_cross_province_out(A, s.id, to_school_name="外省", reason="随迁"),
    ):
        assert "change.other_open" in out.decision.codes, out.decision
    assert province.reg.approve(SHUSHAN, fix.request.id).allowed
    assert province.reg.graduate(A, s.id).allowed
    senior = province.register("H", 12)
    pending = province.reg.graduate(H, senior.id)
    assert pending.request is not None  # a senior graduation awaits the authority
    assert "change.other_open" in province.reg.complete(H, senior.id).decision.codes
    assert province.reg.graduate(H, senior.id).request == pending.request  # a repeat


def test_art16_resuming_into_the_seat_one_holds_is_not_one_more(province: Province) -> None:
    """Found by the review: a suspended student keeps a seat, so resuming into the
    same class counted them twice and a full class refused them."""
    caps = {**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: 2}
    p = Province(policies=(attrs.evolve(ANHUI_2013, class_size_caps=Param(caps, anhui(16))),))
    s = p.register("A", 1)
    p.register("A", 1)  # the class is full
    sus = p.reg.suspend(A, s.id, "病休")
    assert sus.request is not None
    assert p.reg.approve(SHUSHAN, sus.request.id).allowed
    back = p.reg.resume(A, s.id, "病愈", to_class="A-1")
    assert back.allowed, back.decision


W, WUHU = school_actor("W"), authority("340202")


def _transfer_to_w(p: Province, student_id: str):  # type: ignore[no-untyped-def]
    from xueji.model import TransferReason

    return p.reg.request_transfer(
        W, student_id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    )


def _other_open(out, blocker: str, request_id: str | None) -> None:  # type: ignore[no-untyped-def]
    """``out`` was refused as change.other_open (Art 19), naming the open request; with
    ``request_id`` None, naming none (a filer who may not read the student is told no
    fact of its record, Art 30: a transfer's receiving school of another county)."""
    assert out.decision.codes == ("change.other_open",), out.decision
    v = out.decision.violations[0]
    assert v.article == anhui(19)
    if request_id is None:
        assert not {"open", "requests"} & set(dict(v.facts))
    else:
        assert (dict(v.facts)["open"], dict(v.facts)["requests"]) == (blocker, request_id)
    assert out.request is None


def test_art29_a_correction_and_a_transfer_wait_for_each_other(province: Province) -> None:
    """Found by the review: a key-field correction filed before a transfer within the
    province was decided, once the transfer completed, by the receiving side's unit
    (the party was worked out from the student's school at the time): the unit that
    received it (Art 29: 学籍主管单位) could no longer decide it. Under Anhui's reading
    (``correction_during_transfer = "wait"``) the two are not open at once."""
    s = province.register("A", 1)
    fix = province.reg.request_correction(A, s.id, {"name": "新名"}, "户口本为准")
    assert fix.request is not None
    assert fix.request.from_school == "A"  # the school that filed it
    before = len(province.log())
    _other_open(_transfer_to_w(province, s.id), "correction", None)  # (W may not read it)
    assert len(province.log()) == before  # nothing written
    assert province.reg.approve(SHUSHAN, fix.request.id).allowed  # the unit that received it
    t = _transfer_to_w(province, s.id)
    assert t.allowed, t.decision
    assert t.request is not None
    # the reverse order: a correction is not filed while the transfer is open
    again = province.reg.request_correction(A, s.id, {"name": "再改"}, "x")
    _other_open(again, "transfer", t.request.id)
    for actor in (W, WUHU, A, SHUSHAN):
        assert province.reg.approve(actor, t.request.id).allowed
    moved = province.reg.student(PROVINCE, s.id)
    assert (moved.school, moved.name) == ("W", "新名")
    # now W's record: W files, W's unit decides
    later = province.reg.request_correction(W, s.id, {"name": "再改"}, "x")
    assert later.request is not None
    assert province.reg.approve(SHUSHAN, later.request.id).decision.codes == ("stage.wrong_party",)
    assert province.reg.approve(WUHU, later.request.id).allowed


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art29_pin_keeps_a_correction_with_the_unit_it_was_filed_with(
    kind: str, tmp_path: Path
) -> None:
    """The other reading (``correction_during_transfer = "pin"``): both may be open, and
    the correction is decided by the unit of the school that filed it, in either
    order, after the student has moved."""
    pin = attrs.evolve(ANHUI_2013, code="pin", correction_during_transfer=Param("pin", anhui(29)))
    store = SqlStore.sqlite(str(tmp_path / "r.sqlite3")) if kind == "sqlite" else None
    p = Province(policies=(pin,), store=store)
    for first in ("correction", "transfer"):
        s = p.register("A", 1)
        if first == "correction":
            fix = p.reg.request_correction(A, s.id, {"name": "新名"}, "户口本为准")
            t = _transfer_to_w(p, s.id)
        else:
            t = _transfer_to_w(p, s.id)
            fix = p.reg.request_correction(A, s.id, {"name": "新名"}, "户口本为准")
        assert fix.allowed, fix.decision
        assert t.allowed, t.decision
        assert fix.request is not None
        assert t.request is not None
        for actor in (W, WUHU, A, SHUSHAN):
            assert p.reg.approve(actor, t.request.id).allowed
        assert p.reg.student(PROVINCE, s.id).school == "W"
        wrong = p.reg.approve(WUHU, fix.request.id)
        assert wrong.decision.codes == ("stage.wrong_party",), first
        assert p.reg.approve(SHUSHAN, fix.request.id).allowed, first
        assert p.reg.student(PROVINCE, s.id).name == "新名"


def test_art19_a_correction_is_not_filed_while_the_record_is_ending(
    province: Province,
) -> None:
    """Found with the above: a correction filed while a senior graduation (or a
    transfer out of the province) awaited approval could no longer be approved once
    the record ended (CannotComplete). The ending change held back a correction filed
    before it, not one filed after."""
    province.at(D(2027, 6, 25))
    senior = province.register("H", 12)
    grad = province.reg.graduate(H, senior.id)
    assert grad.request is not None
    fix = province.reg.request_correction(H, senior.id, {"name": "新名"}, "x")
    _other_open(fix, "graduation", grad.request.id)
    assert province.reg.approve(HEFEI, grad.request.id).allowed


def test_art29_correction_and_transfer_rule_reads_the_policy() -> None:
    """The rule itself (pure): what waits for what under each reading, the parameter
    shown in the explanation, and the open request named."""
    import datetime as dt

    from xueji.lifecycle import RequestKind as K
    from xueji.model import Request, Student
    from xueji.rules import changes

    pin = attrs.evolve(ANHUI_2013, correction_during_transfer=Param("pin", anhui(29)))
    assert K.CORRECTION in changes.waits_for(K.TRANSFER, ANHUI_2013)
    assert K.CORRECTION in changes.waits_for(K.CROSS_PROVINCE_IN, ANHUI_2013)
    assert K.TRANSFER in changes.waits_for(K.CORRECTION, ANHUI_2013)
    assert K.CORRECTION not in changes.waits_for(K.TRANSFER, pin)
    assert K.TRANSFER not in changes.waits_for(K.CORRECTION, pin)
    for policy in (ANHUI_2013, pin):  # either way, an ending change and a correction
        assert K.GRADUATION in changes.waits_for(K.CORRECTION, policy)
        assert K.CORRECTION in changes.waits_for(K.CROSS_BORDER_OUT, policy)
        assert K.CORRECTION not in changes.waits_for(K.SUSPENSION, policy)
        assert K.SUSPENSION not in changes.waits_for(K.CORRECTION, policy)
    s = Student(
        "S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.REGISTERED, "甲", "M",
        dt.date(2019, 3, 1), "340104", dt.date(2025, 9, 1),
    )  # fmt: skip
    day = dt.date(2026, 9, 1)
    fix = Request("R7", K.CORRECTION, "S1", RequestState.AT_AUTHORITY, day, day)
    refused = changes.check_no_other_open(s, K.TRANSFER, [fix], policy=ANHUI_2013)
    assert refused.codes == ("change.other_open",)
    facts = dict(refused.violations[0].facts)
    assert (facts["open"], facts["requests"], facts["change"]) == ("correction", "R7", "transfer")
    step = refused.steps[0]
    assert [u.name for u in step.params] == ["correction_during_transfer"]
    assert step.article == anhui(19)
    assert changes.check_no_other_open(s, K.TRANSFER, [fix], policy=pin).allowed
    # without a policy, as before: the moving kinds only
    assert changes.check_no_other_open(s, K.TRANSFER, [K.CORRECTION]).allowed


def test_art26_a_suspension_or_dropout_keeps_the_class_whatever_its_size_now() -> None:
    """Found by the second review: a suspension or a dropout was refused when the class
    the student sits in had since become too big (caps lowered by a new profile), and
    so was a resumption into the seat the student holds; none of them makes the
    class bigger (Art 16)."""
    later = attrs.evolve(
        ANHUI_2013,
        code="later",
        valid_from=D(2026, 11, 1),
        class_size_caps=Param(
            {Stage.PRIMARY: 2, Stage.JUNIOR: 2, Stage.SENIOR: 2, Stage.SPECIAL: 2}, anhui(16)
        ),
    )
    first = attrs.evolve(ANHUI_2013, valid_until=D(2026, 10, 31))
    p = Province(D(2026, 9, 1), policies=(first, later))
    a, b, c = (p.register("A", 2, birth=D(2018, 3, 1)) for _ in range(3))
    p.at(D(2026, 11, 2))
    sus = p.reg.suspend(A, a.id, "病休")
    assert sus.allowed, sus.decision
    assert sus.request is not None
    approve(p, SHUSHAN, sus.request.id)
    drop = p.reg.record_dropout(A, b.id, "外出务工")
    assert drop.allowed, drop.decision
    back = p.reg.resume(A, a.id, "痊愈")
    assert back.allowed, back.decision
    assert back.request is not None
    approve(p, SHUSHAN, back.request.id)
    assert p.reg.student(PROVINCE, a.id).status is StudentStatus.REGISTERED
    assert p.reg.student(PROVINCE, c.id).class_id == "A-2"


def test_art16_a_resumption_filed_before_the_rollover_is_checked_again_at_approval() -> None:
    """Found by the second review: a resumption filed in July into the class left
    passed its check; the rollover then moved the class up with the classmates while
    the suspended student was held, and the approval put the student a grade below
    their class. The class is checked again when the resumption is approved."""
    p = Province(D(2026, 6, 1))
    for _ in range(2):
        p.register("A", 5, birth=D(2015, 3, 1))
    held = p.register("A", 5, birth=D(2015, 4, 1))
    req = p.reg.suspend(A, held.id, "病休").request
    assert req is not None
    approve(p, SHUSHAN, req.id)
    p.at(D(2026, 7, 20))
    back = p.reg.resume(A, held.id, "痊愈").request
    assert back is not None
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(SYSTEM, 2026).allowed
    refused = p.reg.approve(SHUSHAN, back.id)
    assert refused.decision.codes == ("class.wrong_school",)
    assert p.reg.request(PROVINCE, back.id).is_open
    assert p.reg.student(PROVINCE, held.id).status is StudentStatus.SUSPENDED


def test_art29_a_correction_waits_for_a_transfer_in_s_review_under_pin_too() -> None:
    """Found by the second review: under ``correction_during_transfer = "pin"`` a
    correction could be filed while a transfer in was under review; rejected, the
    transfer in voids the record and the correction was stranded."""
    pin = attrs.evolve(
        ANHUI_2013,
        code="pin",
        correction_during_transfer=Param("pin", ANHUI_2013.correction_during_transfer.article),
    )
    p = Province(D(2026, 9, 1), policies=(pin,))
    born = D(2019, 2, 2)
    came = p.reg.transfer_in(
        A,
        origin="香港",
        abroad=True,
        school="A",
        class_id="A-1",
        grade=1,
        name="境外生",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        id_number=make_id(born),
    )
    assert came.student is not None
    out = p.reg.request_correction(A, came.student.id, {"name": "新名"}, "护照为准")
    assert out.decision.codes == ("change.other_open",)


def test_art18_grade_5_is_primary_s_final_grade_under_a_five_four_system(
    five_four: Policy,
) -> None:
    """Under 五四制 a primary student graduates from grade 5; a grade-6 primary record
    (a stage given by hand) is refused as not in the final grade, which the decision
    shows is 5, with the ``school_system`` it read. Under 6-3-3, grade 6 is final."""
    from xueji.model import Student
    from xueji.rules.graduation import check_graduation

    p = five_four_province(five_four, D(2026, 6, 1))
    s = p.register("A", 5, birth=D(2015, 3, 1))
    four = p.register("A", 4, birth=D(2016, 3, 1))
    p.at(D(2026, 7, 10))
    out = p.reg.graduate(A, s.id)
    assert out.allowed
    assert out.request is None  # compulsory: the school records it
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.GRADUATED
    assert p.reg.graduate(A, four.id).decision.codes == ("graduation.not_final_grade",)
    sixth = Student(
        id="S6",
        school="A",
        class_id="A-6",
        grade=6,
        stage=Stage.PRIMARY,
        status=StudentStatus.REGISTERED,
        name="-",
        sex="M",
        birth_date=D(2014, 3, 1),
        hukou_region="340104",
        entry_date=D(2020, 9, 1),
    )
    refused = check_graduation(sixth, on=D(2026, 7, 10), policy=five_four)
    assert refused.codes == ("graduation.not_final_grade",)
    assert dict(refused.violations[0].facts)["final_grade"] == "5"
    (step,) = [x for x in refused.explain().steps if x.rule == "graduation.not_final_grade"]
    assert [x.name for x in step.params] == ["school_system"]
    assert check_graduation(sixth, on=D(2026, 7, 10), policy=ANHUI_2013).allowed


def test_art18_the_rollover_follows_the_school_system_of_the_profile(five_four: Policy) -> None:
    """The 1 August rollover under 五四制: grade-5 primary students are not promoted
    (primary's final grade: held, flagged as not graduated), grades 1-4 and junior 6-8
    are, junior 9 is held; Art 32's detect expects exactly that (no altered record)."""
    from xueji.rules.graduation import rollover_plan

    plan = rollover_plan(five_four)
    assert plan.final_grades[Stage.PRIMARY] == 5
    assert plan.final_grades[Stage.JUNIOR] == 9
    p = five_four_province(five_four, D(2026, 6, 1))
    primary = {g: p.register("A", g, birth=D(2020 - g, 3, 1)) for g in range(1, 6)}
    junior = {g: p.register("J", g, birth=D(2020 - g, 3, 1)) for g in range(6, 10)}
    p.at(D(2026, 8, 1))
    out = p.reg.rollover(SYSTEM, 2026)
    assert out.allowed
    assert set(out.decision.codes) == {"graduation.overdue"}
    assert str(dict(out.decision.warnings[0].facts)["students"]) == "2"  # grades 5 and 9
    grades = {
        s.id: p.reg.student(PROVINCE, s.id).grade for s in (*primary.values(), *junior.values())
    }
    assert [grades[primary[g].id] for g in range(1, 6)] == [2, 3, 4, 5, 5]
    assert [grades[junior[g].id] for g in range(6, 10)] == [7, 8, 9, 9]
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []


BORN_C = D(2020, 3, 1)


def test_art13_an_id_number_is_corrected_never_removed(province: Province) -> None:
    """A correction or a draft edit that removes the identity number is refused: the
    record's 学籍号 was issued from it, and a record left holding G + the number with
    no number answered to it beside a later enrolment under that number."""
    number = make_id(BORN_C)
    s = province.register(birth=BORN_C, id_number=number)
    fix = province.reg.request_correction(A, s.id, {"id_number": None}, "删除")
    assert fix.decision.codes == ("correction.id_removed",)
    assert str(fix.decision.violations[0].article).endswith("第十三条")
    draft = province.enroll(birth=BORN_C)
    edit = province.reg.update_student(A, draft.id, id_number=None)
    assert edit.decision.codes == ("correction.id_removed",)
    assert province.reg.student(PROVINCE, draft.id).id_number == draft.id_number
    # the number is still one person's: enrolling it again is a duplicate
    again = province.reg.enroll(A, **_enrol_kwargs(number))
    assert "enrolment.duplicate" in again.decision.codes


def _enrol_kwargs(number: str) -> dict[str, object]:
    from xueji.model import Photo

    return enrol_kwargs(BORN_C, name="乙", id_number=number, photo=Photo(D(2026, 9, 1), "sha256:x"))


def test_art13_a_guardian_s_number_identifying_the_record_is_corrected_never_removed(
    province: Province,
) -> None:
    """Found by the review: the guardian's identity number of a student with none (the
    record's identifier, Art 13) was removed by a direct edit, with no review, and the
    same child (name, birth date, guardian) was then enrolled again and issued a
    second J number (Art 14). While it identifies the record it is protected as an
    identity number is: never removed (a draft's neither), and once submitted changed
    by an approved correction only (Art 29)."""
    guardian, other = make_id(D(1990, 1, 1)), make_id(D(1991, 1, 1))
    s = province.register(birth=BORN_C, id_number=None, guardian_id=guardian, name="小明")
    assert s.registry_number is not None
    assert s.registry_number.startswith("J")
    gone = province.reg.update_student(A, s.id, guardian_id=None)
    assert set(gone.decision.codes) == {"correction.locked", "correction.guardian_removed"}
    removed = next(v for v in gone.decision.violations if v.code == "correction.guardian_removed")
    assert str(removed.article).endswith("第十三条")
    assert province.reg.update_student(A, s.id, guardian_id=other).decision.codes == (
        "correction.locked",
    )
    fix = province.reg.request_correction(A, s.id, {"guardian_id": None}, "删除")
    assert fix.decision.codes == ("correction.guardian_removed",)
    assert province.reg.student(PROVINCE, s.id).guardian_id == guardian
    # the same child is still found: enrolling him again is a duplicate
    twice = province.reg.enroll(
        B,
        **{
            **_enrol_kwargs(guardian),
            "school": "B",
            "class_id": "B-1",
            "name": "小明",
            "id_number": None,
            "guardian_id": guardian,
        },
    )
    assert "enrolment.duplicate" in twice.decision.codes
    # a wrong guardian's number is corrected by a request the authority approves; the
    # 学籍号 stays the child's
    fix = province.reg.request_correction(A, s.id, {"guardian_id": other.lower()}, "监护人号码有误")
    assert fix.allowed, fix.decision
    assert fix.request is not None
    assert province.reg.approve(SHUSHAN, fix.request.id).allowed
    fixed = province.reg.student(PROVINCE, s.id)
    assert (fixed.guardian_id, fixed.registry_number) == (other, s.registry_number)
    # a draft's is edited directly, but not removed
    draft = province.enroll(birth=BORN_C, id_number=None, guardian_id=guardian, name="小红")
    assert province.reg.update_student(A, draft.id, guardian_id=None).decision.codes == (
        "correction.guardian_removed",
    )
    assert province.reg.update_student(A, draft.id, guardian_id=other).allowed
    # a student with an identity number is identified by it: the guardian's is not locked
    own = province.register(birth=BORN_C, guardian_id=guardian, name="小刚")
    assert province.reg.update_student(A, own.id, guardian_id=None).allowed


def test_art29_two_corrections_are_checked_together_at_approval(province: Province) -> None:
    """Two corrections, each in agreement with the record when filed, that together
    would leave sex and identity number apart: the second approval is refused
    (``correction.id_mismatch``) and the record keeps what the first one made."""
    s = province.register(birth=BORN_C, id_number=make_id(BORN_C, "M"))
    female = make_id(BORN_C, "F")
    r1 = province.reg.request_correction(A, s.id, {"sex": "F", "id_number": female}, "性别")
    r2 = province.reg.request_correction(A, s.id, {"id_number": make_id(BORN_C, "M")}, "号码")
    assert r1.allowed
    assert r2.allowed
    assert r1.request is not None
    assert r2.request is not None
    boss = province.authority_of("A")
    assert province.reg.approve(boss, r1.request.id).allowed
    second = province.reg.approve(boss, r2.request.id)
    assert "correction.id_mismatch" in second.decision.codes
    now = province.reg.student(PROVINCE, s.id)
    assert (now.sex, now.id_number) == ("F", female)
    assert province.reg.request(PROVINCE, r2.request.id).state is RequestState.AT_AUTHORITY


def test_art29_the_held_number_typed_with_a_lower_case_x_is_no_change(
    province: Province,
) -> None:
    number = next(n for n in (make_id(BORN_C, n=k) for k in range(400)) if n.endswith("X"))
    s = province.register(birth=BORN_C, id_number=number)
    fix = province.reg.request_correction(A, s.id, {"id_number": number[:-1] + "x"}, "同号")
    assert fix.decision.codes == ("correction.no_change",)


def test_art13_a_draft_edit_logs_the_registry_number_it_reissues(province: Province) -> None:
    draft = province.enroll(birth=BORN_C, id_number=make_id(BORN_C, n=3))
    new_number = make_id(BORN_C, n=4)
    assert province.reg.update_student(A, draft.id, id_number=new_number).allowed
    entry = province.reg.history(PROVINCE, draft.id)[-1]
    assert entry.command == "update_student"
    assert entry.before["registry_number"].startswith("G" + draft.id_number[:6])
    assert entry.after["registry_number"].startswith("G" + new_number[:6])
    assert new_number not in entry.after["registry_number"]  # masked (Art 30)


def test_art13_a_later_correction_does_not_remove_an_id_number_given_since(
    province: Province,
) -> None:
    """A correction filed for a J-number student with ``id_number: None`` beside a name,
    approved after another correction gave the student an ID number, removed it: the
    record kept G + the number with no number, and a later enrolment got the same
    学籍号. The no-op entry is not filed, and the approval asks Art 13 again."""
    guardian = make_id(D(1990, 1, 1))
    s = province.register(birth=BORN_C, id_number=None, guardian_id=guardian, name="甲")
    number = make_id(BORN_C)
    r1 = province.reg.request_correction(A, s.id, {"id_number": number}, "首次")
    r2 = province.reg.request_correction(A, s.id, {"name": "乙", "id_number": None}, "改名")
    assert r1.request is not None
    assert r2.request is not None
    assert "id_number" not in r2.request.payload
    boss = province.authority_of("A")
    assert province.reg.approve(boss, r1.request.id).allowed
    assert province.reg.approve(boss, r2.request.id).allowed
    now = province.reg.student(PROVINCE, s.id)
    assert (now.name, now.id_number, now.registry_number) == ("乙", number, "G" + number)
    again = province.reg.enroll(A, **_enrol_kwargs(number))
    assert "enrolment.duplicate" in again.decision.codes


def test_art29_a_correction_that_changes_nothing_by_its_approval_is_refused(
    province: Province,
) -> None:
    """Two corrections to the same new name: the second, approved after the first, would
    change nothing; it is refused (``correction.no_change``), not logged as a change."""
    s = province.register(birth=BORN_C)
    r1 = province.reg.request_correction(A, s.id, {"name": "新名"}, "一")
    r2 = province.reg.request_correction(A, s.id, {"name": "新名"}, "二")
    assert r1.request is not None
    assert r2.request is not None
    boss = province.authority_of("A")
    assert province.reg.approve(boss, r1.request.id).allowed
    log = len(province.log())
    second = province.reg.approve(boss, r2.request.id)
    assert second.decision.codes == ("correction.no_change",)
    assert len(province.log()) == log


def test_art27_only_a_dropout_returns_from_dropout(province: Province) -> None:
    """``return_from_dropout`` brought back, with no approval, a student who had left the
    province (the student table's "return" serves transfers in too): only a record in
    辍学 returns this way (Art 27(2)); one who left comes back by a transfer in."""
    s = province.register("A", 3)
    req = province.reg.request_cross_province_out(
        A, s.id, to_school_name="江苏某小学", reason="随父母工作"
    ).request
    assert req is not None
    province.reg.approve(A, req.id)
    province.reg.approve(SHUSHAN, req.id)
    out = province.reg.return_from_dropout(A, s.id)
    assert out.decision.codes == ("change.status",)
    assert str(out.decision.violations[0].article).startswith("皖教基〔2013〕20号 第二十七条")
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.CROSS_PROVINCE_OUT
    here = province.register("A", 2)  # nor a student in school
    assert province.reg.return_from_dropout(A, here.id).decision.codes == ("change.status",)


def test_art27_a_dropout_reviewed_after_its_working_days_is_flagged(province: Province) -> None:
    """``dropout.review_overdue`` was in the catalogue (and the traceability table) and
    never said: a review decided after ``dropout_review_limit`` working days is
    applied with the warning, citing the parameter's article; one in time is not."""
    late, timely = province.register("A", 3), province.register("A", 4)
    province.at(D(2026, 9, 25))
    reqs = [province.reg.record_dropout(A, s.id, "外出打工").request for s in (late, timely)]
    assert reqs[0] is not None
    assert reqs[1] is not None
    on_time = province.reg.approve(SHUSHAN, reqs[1].id)
    assert on_time.allowed
    assert on_time.decision.warnings == ()
    province.at(reqs[0].deadline + timedelta(days=1))
    out = province.reg.approve(SHUSHAN, reqs[0].id)
    assert out.allowed
    assert out.decision.codes == ("dropout.review_overdue",)
    warning = out.decision.warnings[0]
    assert warning.article == ANHUI_2013.dropout_review_limit.article
    assert dict(warning.facts)["deadline"] == reqs[0].deadline.isoformat()
    assert province.reg.student(PROVINCE, late.id).status is StudentStatus.DROPPED_OUT


def test_art27_a_dropout_is_recorded_in_december_before_next_year_s_calendar(
    province: Province, caplog: pytest.LogCaptureFixture
) -> None:
    """From mid-December the 15-working-day review deadline runs into a year whose
    holiday schedule is not loaded: the school's record was refused
    (``CalendarNotCovered``). It is taken, its review with no deadline, and a warning
    is logged."""
    import logging

    s = province.register("A", 3)
    province.at(D(2026, 12, 21))
    with caplog.at_level(logging.WARNING, logger="xueji.registry"):
        out = province.reg.record_dropout(A, s.id, "外出打工")
    assert out.allowed
    assert out.request is not None
    assert out.request.deadline is None
    assert any("dropout review deadline not set" in r.getMessage() for r in caplog.records)
    assert province.reg.approve(SHUSHAN, out.request.id).allowed
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.DROPPED_OUT


def test_art29_a_senior_dropout_enrolled_again_keeps_its_key_fields_locked(
    province: Province,
) -> None:
    """The record taken up again by a senior dropout's enrolment (Art 27(2)) had its
    key fields reported at its first entry: the new school changes them by an
    approved correction, not by a direct edit (Art 29)."""
    s = _dropped(province, "H", 11)
    back = province.reg.enroll(H2, **_again(s, "H2", 10)).student  # type: ignore[arg-type]
    assert back is not None
    assert back.submitted
    out = province.reg.update_student(H2, back.id, name="改名")
    assert out.decision.codes == ("correction.locked",)
    assert province.reg.student(PROVINCE, back.id).name == s.name


def test_art29_a_record_taken_up_again_sent_back_by_the_review_is_corrected_by_a_request(
    province: Province,
) -> None:
    """A record taken up again (a senior dropout enrolled anew, as a graduate going on
    to grade 7 or 10) had its key fields reported at its first entry: the review's
    rejection sends it back to the school as a draft, but does not unlock them (Art
    29). Before, nothing could change them (a draft took no correction); a correction
    is now filed for a draft reported before, approved by the authority, and the
    record is submitted again. A draft never reported is still edited directly."""
    s = _dropped(province, "H", 11)
    back = province.reg.enroll(H2, **_again(s, "H2", 10)).student  # type: ignore[arg-type]
    assert back is not None
    sub = province.reg.submit(H2, back.id)
    assert sub.request is not None
    assert province.reg.reject(HEFEI, sub.request.id, "姓名有误").allowed
    draft = province.reg.student(PROVINCE, back.id)
    assert (draft.status, draft.submitted) == (StudentStatus.DRAFT, True)
    assert province.reg.update_student(H2, back.id, name="改名").decision.codes == (
        "correction.locked",
    )
    fix = province.reg.request_correction(H2, back.id, {"name": "改名"}, "姓名有误")
    assert fix.allowed, fix.decision
    assert fix.request is not None
    assert province.reg.approve(HEFEI, fix.request.id).allowed
    fixed = province.reg.student(PROVINCE, back.id)
    assert (fixed.status, fixed.name, fixed.submitted) == (StudentStatus.DRAFT, "改名", True)
    again = province.reg.submit(H2, back.id)
    assert again.request is not None
    assert province.reg.approve(HEFEI, again.request.id).allowed
    assert province.reg.student(PROVINCE, back.id).status is StudentStatus.REGISTERED
    fresh = province.enroll("H2", 10)
    out = province.reg.request_correction(H2, fresh.id, {"name": "改名"}, "姓名有误")
    assert refused_codes(out) == ("correction.status",)


def test_art27_a_december_dropout_s_review_limit_counts_once_the_year_is_loaded(
    province: Province,
) -> None:
    """Found by the review: a dropout recorded in December (its review deadline not
    set: 2027 not loaded) kept no deadline for good, so a review months late was
    never flagged (``dropout.review_overdue``, Art 27) nor reported (Art 32). Once
    the year is loaded the deadline is counted from the filing day: the overdue
    review is reported, the late review warns, and the decided request keeps it."""
    s, t = province.register("A", 1), province.register("A", 2)
    province.at(D(2026, 12, 14))
    late = province.reg.record_dropout(A, s.id, "辍学").request
    other = province.reg.record_dropout(A, t.id, "辍学").request
    assert late is not None
    assert other is not None
    assert late.deadline is None
    province.at(D(2026, 12, 31))  # not yet countable: nothing reported, nothing said
    assert [f for f in province.reg.detect(PROVINCE).findings if f.subject == late.id] == []
    province.reg.calendar = province.reg.calendar.with_year(2027, [D(2027, 1, 1)])
    due = province.reg.calendar.add_working_days(D(2026, 12, 14), 15)
    assert due.year == 2027
    province.at(D(2027, 3, 1))
    found = [
        (f.kind, f.unit) for f in province.reg.detect(PROVINCE).findings if f.subject == late.id
    ]
    assert found == [("overdue_approval", "340104")]
    out = province.reg.approve(SHUSHAN, late.id)
    assert out.allowed
    assert out.decision.codes == ("dropout.review_overdue",)
    assert dict(out.decision.warnings[0].facts)["deadline"] == due.isoformat()
    assert out.request is not None
    assert out.request.deadline == due
    assert province.reg.request(PROVINCE, late.id).deadline == due
    rejected = province.reg.reject(SHUSHAN, other.id)
    assert rejected.decision.codes == ("dropout.review_overdue",)
    found = [
        (f.kind, f.subject)
        for f in province.reg.detect(PROVINCE).findings
        if f.subject in (late.id, other.id)
    ]
    assert sorted(found) == [("late_decision", late.id), ("late_decision", other.id)]


def test_art18_a_graduation_refused_for_its_status_cites_article_18() -> None:
    """Graduation refused for the student's status (``change.status``) cited the
    code's catalogued article, Art 26 (suspension and resumption), not Art 18."""
    p = Province(D(2026, 6, 1))
    s = p.register("H", 12, birth=D(2008, 3, 1))
    req = p.reg.suspend(H, s.id, "病").request
    assert req is not None
    approve(p, HEFEI, req.id)
    p.at(D(2026, 7, 10))
    out = p.reg.graduate(H, s.id)
    assert "change.status" in out.decision.codes
    cited = {v.code: str(v.article) for v in out.decision.violations}
    assert cited["change.status"] == str(anhui(18))


def test_art29_a_locked_flag_corrected_is_stored_as_a_flag() -> None:
    """A profile may lock the person's other fields (``locked_fields``): a correction
    of the migrant flag, approved, stored the text ``"True"`` (the payload's text read
    back as it was), a value of the wrong type that reads as true whatever it says."""
    base = ANHUI_2013.locked_fields
    pol = attrs.evolve(
        ANHUI_2013,
        locked_fields=Param(base.value | {"migrant", "special_needs"}, base.article),
    )
    p = Province(policies=(pol,))
    s = p.register("A", 1)
    assert s.migrant is False
    fix = p.reg.request_correction(A, s.id, {"migrant": True}, "随迁子女").request
    assert fix is not None
    approve(p, SHUSHAN, fix.id)
    assert p.reg.student(PROVINCE, s.id).migrant is True
    back = p.reg.request_correction(A, s.id, {"migrant": False}, "更正").request
    assert back is not None
    approve(p, SHUSHAN, back.id)
    assert p.reg.student(PROVINCE, s.id).migrant is False


def test_art14_a_correction_cannot_make_a_child_another_record_already_is(
    province: Province,
) -> None:
    """A child known by a guardian's ID (no number of its own, Art 13) is the guardian,
    the name and the birth date: a correction (or a draft's edit) giving one child the
    guardian, name and birth date of another record made one person hold two
    registries. It is refused as ``correction.duplicate``, at filing and at approval."""
    born = D(2020, 3, 1)
    g1, g2 = make_id(D(1990, 1, 1)), make_id(D(1991, 1, 1))
    first = province.register("A", 1, birth=born, id_number=None, guardian_id=g1, name="甲")
    second = province.register("A", 1, birth=born, id_number=None, guardian_id=g2, name="乙")
    out = province.reg.request_correction(A, second.id, {"guardian_id": g1, "name": "甲"}, "x")
    assert out.decision.codes == ("correction.duplicate",)
    # filed while it was no one's, and the other record came in before the approval
    third = province.register("A", 1, birth=born, id_number=None, guardian_id=g2, name="丙")
    fix = province.reg.request_correction(A, third.id, {"name": "丁"}, "改名").request
    assert fix is not None
    province.enroll("A", 1, birth=born, id_number=None, guardian_id=g2, name="丁")
    late = province.reg.approve(SHUSHAN, fix.id)
    assert late.decision.codes == ("correction.duplicate",)
    assert province.reg.student(PROVINCE, third.id).name == "丙"
    draft = province.enroll("A", 1, birth=born, id_number=None, guardian_id=g2, name="戊")
    edit = province.reg.update_student(A, draft.id, guardian_id=g1, name="甲")
    assert edit.decision.codes == ("correction.duplicate",)
    assert first.name == "甲"


def test_art26_a_decision_refused_to_another_party_cites_the_request_s_article() -> None:
    """Found by the access review: the school approving its own suspension, another
    county, or the city over the county were refused ``stage.wrong_party`` citing Art
    21 (the in-province transfer's chain), and the province's approval was denied
    citing Art 21 too. A stage refused to an actor that is not its party cites the
    request's own article as the profile cites its decision (a suspension's Art 26,
    under the national profile its article there; a transfer's Art 21, as before); the
    province, which decides no stage, is denied by Art 28 (its user queries and counts
    only), as its other data maintenance is."""
    from xueji.policy import NATIONAL_2013

    for policy in (ANHUI_2013, NATIONAL_2013):
        p = Province(policies=(policy,))
        s = p.register("A", 3)
        req = p.reg.suspend(A, s.id, "病休").request
        assert req is not None
        cited = policy.cite("suspension", "approve", anhui(26))
        for actor in (A, authority("340121"), HEFEI):
            for decide in (p.reg.approve, p.reg.reject, p.reg.withdraw):
                if decide == p.reg.withdraw and actor == A:
                    continue  # (the school that filed it withdraws it)
                out = decide(actor, req.id)
                assert out.decision.codes == ("stage.wrong_party",), (actor, out.decision)
                assert out.decision.violations[0].article == cited, actor
        with pytest.raises(AccessDenied) as denied:
            p.reg.approve(PROVINCE, req.id)
        assert "第二十八条" in str(denied.value)
        assert p.reg.approve(SHUSHAN, req.id).allowed
        # repeated by another unit once decided: the same
        again = p.reg.approve(HEFEI, req.id)
        assert again.decision.codes == ("stage.wrong_party",)
        assert again.decision.violations[0].article == cited
    # a transfer's wrong party cites Art 21, the chain's article
    p = Province()
    s = p.register("A", 1)
    move = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    ).request
    assert move is not None
    wrong = p.reg.approve(A, move.id)
    assert wrong.decision.codes == ("stage.wrong_party",)
    assert wrong.decision.violations[0].article == anhui(21)


def test_art27_a_compulsory_dropout_continues_into_the_next_stage(province: Province) -> None:
    """Found by the status review: a grade-9 (or grade-6) dropout, its registry kept
    (Art 27(2)), could never be enrolled into the next stage's entry grade (10, 7):
    ``enroll`` refused it ``dropout.registry_kept`` whatever the grade. Under the
    profile's ``dropout_continues_next_stage`` (Anhui: true) the intake continues the
    record as it continues a graduate's (Art 12; one person, one number, Art 13): the
    same record and 学籍号, a draft at the new school, logged ``enroll_after_dropout``.
    A grade past the next stage's entry (grade 9 into 11, grade 5 into 10) or the same
    stage is still refused ``dropout.registry_kept``; a profile reading Art 27(2)
    otherwise (false) refuses the intake too."""
    s = _dropped(province, "J", 9)
    assert refused_codes(province.reg.enroll(H, **_again(s, "H", 11))) == (  # type: ignore[arg-type]
        "dropout.registry_kept",
    )
    out = province.reg.enroll(H, **_again(s, "H", 10))  # type: ignore[arg-type]
    assert out.allowed, out.decision
    assert out.student is not None
    assert (out.student.id, out.student.registry_number) == (s.id, s.registry_number)
    assert (out.student.status, out.student.school, out.student.grade) == (
        StudentStatus.DRAFT,
        "H",
        10,
    )
    entry = province.reg.history(PROVINCE, s.id)[-1]
    assert entry.command == "enroll_after_dropout"
    assert (entry.before["status"], entry.before["grade"]) == ("dropped_out", "9")
    six = _dropped(province, "A", 6)
    assert province.reg.enroll(J, **_again(six, "J", 7)).student.id == six.id  # type: ignore[arg-type, union-attr]
    five = _dropped(province, "A", 5)
    assert refused_codes(province.reg.enroll(H, **_again(five, "H", 10))) == (  # type: ignore[arg-type]
        "dropout.registry_kept",
    )
    strict = attrs.evolve(ANHUI_2013, dropout_continues_next_stage=Param(False, anhui(27, 2)))
    p = Province(policies=(strict,))
    t = _dropped(p, "J", 9)
    assert refused_codes(p.reg.enroll(H, **_again(t, "H", 10))) == (  # type: ignore[arg-type]
        "dropout.registry_kept",
    )


def test_art27_a_compulsory_dropout_whose_kept_registry_lapsed_re_enters(
    province: Province,
) -> None:
    """Once the years the registry was kept for have passed (``registry_kept_until``:
    a grade-9 dropout's, the end of its school year), the registry is no longer kept:
    an enrolment is read as a re-entry (``dropout_reentry_grades``, Art 27(2)), not
    refused ``dropout.registry_kept``: into a senior grade it takes the record up
    again; into a compulsory grade it is refused ``dropout.reentry_grade``."""
    s = _dropped(province, "J", 9)
    province.at(D(2028, 9, 1))
    junior = province.reg.enroll(J, **_again(s, "J", 9))  # type: ignore[arg-type]
    assert refused_codes(junior) == ("dropout.reentry_grade",)
    out = province.reg.enroll(H, **_again(s, "H", 11))  # type: ignore[arg-type]
    assert out.allowed, out.decision
    assert out.student is not None
    assert out.student.id == s.id


def test_art14_voiding_a_re_enrolment_restores_the_dropout(province: Province) -> None:
    """Found by the status review: a senior dropout enrolled again at the wrong school
    (a draft at H2) could not be undone: ``void_record`` refused it ``void.taken_up``
    (the record is the student's registry), the right school's enrolment was refused
    ``enrolment.duplicate`` and an edit cannot change the school. Voiding a re-entry's
    draft (Arts 14, 27(2)) now undoes the re-entry: the record is a dropout again at
    its previous school, class and grade, as the ``enroll_after_dropout`` entry had it
    (its 地区学号 too), logged ``void_reenrolment``; the right school then enrols it."""
    s = _dropped(province, "H", 11)
    wrong = province.reg.enroll(H2, **_again(s, "H2", 10))  # type: ignore[arg-type]
    assert wrong.allowed
    out = province.reg.void_record(H2, s.id, "录错学校")
    assert out.allowed, out.decision
    back = province.reg.student(PROVINCE, s.id)
    assert (back.status, back.school, back.class_id, back.grade, back.stage) == (
        StudentStatus.DROPPED_OUT,
        "H",
        "H-11",
        11,
        Stage.SENIOR,
    )
    assert (back.registry_number, back.regional_number, back.entry_date) == (
        s.registry_number,
        s.regional_number,
        s.entry_date,
    )
    (entry,) = [e for e in province.reg.history(PROVINCE, s.id) if e.command == "void_reenrolment"]
    assert (entry.before["status"], entry.after["status"]) == ("draft", "dropped_out")
    assert entry.after["school"] == "H"
    assert "第十四条" in entry.basis
    assert "第二十七条第二款" in entry.basis
    right = province.reg.enroll(WH_ACTOR, **_again(s, "WH", 10))  # type: ignore[arg-type]
    assert right.allowed, right.decision
    assert right.student is not None
    assert right.student.id == s.id
    assert province.reg.verify_log(PROVINCE).ok


WH_ACTOR = school_actor("WH")


def test_art12_voiding_a_graduate_s_continuing_restores_the_graduate() -> None:
    """Found by the leftovers review: a grade-9 graduate continuing into grade 10,
    typed in at the wrong school (H2) and submitted, could not be undone:
    ``void_record`` refused it ``void.taken_up`` and the right school's enrolment was
    refused as a duplicate. Voiding it (Arts 12, 14) now undoes the continuing, as a
    dropout's re-entry is undone: the record is the graduate it was, at its old
    school, class, grade and stage, as its ``enroll_next_stage`` entry found it (its
    地区学号 too, the one the continuing issued dropped), its review withdrawn,
    logged ``void_continuation``; the right school then enrols it."""
    p = Province(D(2026, 6, 1))
    s = p.register("J", 9, birth=D(2011, 3, 1))
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(school_actor("J"), s.id).allowed
    grad = p.reg.student(PROVINCE, s.id)
    p.at(D(2026, 9, 1))
    wrong = p.reg.enroll(school_actor("H2"), **_again(s, "H2", 10))  # type: ignore[arg-type]
    assert wrong.allowed, wrong.decision
    sub = p.reg.submit(school_actor("H2"), s.id)
    assert sub.request is not None
    out = p.reg.void_record(school_actor("H2"), s.id, "录错学校")
    assert out.allowed, out.decision
    back = p.reg.student(PROVINCE, s.id)
    assert (back.status, back.school, back.class_id, back.grade, back.stage) == (
        StudentStatus.GRADUATED,
        "J",
        "J-9",
        9,
        Stage.JUNIOR,
    )
    assert (back.registry_number, back.regional_number, back.entry_date) == (
        grad.registry_number,
        grad.regional_number,
        grad.entry_date,
    )
    assert back.regional_numbers == grad.regional_numbers
    assert p.reg.request(PROVINCE, sub.request.id).state is RequestState.WITHDRAWN
    (entry,) = [e for e in p.reg.history(PROVINCE, s.id) if e.command == "void_continuation"]
    assert (entry.before["status"], entry.after["status"]) == ("pending_review", "graduated")
    assert (entry.before["school"], entry.after["school"]) == ("H2", "J")
    assert entry.after["reason"] == "录错学校"
    assert "第十四条" in entry.basis
    assert "第十二条" in entry.basis
    right = p.reg.enroll(school_actor("H"), **_again(s, "H", 10))  # type: ignore[arg-type]
    assert right.allowed, right.decision
    assert right.student is not None
    assert right.student.id == s.id
    assert right.student.registry_number == grad.registry_number
    assert p.reg.verify_log(PROVINCE).ok


def test_art27_a_dropout_s_return_is_the_school_s_alone(province: Province) -> None:
    """Found by the status review: docs/registry.md listed ``return_from_dropout`` among
    the changes submitted for approval, and it takes effect at once. The reading is
    the profile's ``dropout_return_reviewed`` (Anhui false, Art 27(2): the measures
    review the dropout, Art 27, and a resumption, Art 26, not the return): no request
    is opened, the record is registered again, and nothing waits for the county."""
    assert ANHUI_2013.dropout_return_reviewed.value is False
    assert ANHUI_2013.dropout_return_reviewed.article == anhui(27, 2)
    s = _dropped(province, "A", 4)
    out = province.reg.return_from_dropout(A, s.id)
    assert out.allowed
    assert out.request is None
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    assert province.reg.pending(SHUSHAN) == []


def test_art27_the_migrant_summary_reads_a_child_still_out_as_corrected(
    province: Province,
) -> None:
    """Found by the status review: the Art 27(3) summary read every dropout from the
    snapshot its approval kept (school, grade, 户籍, migrant flag), so a child still
    dropped out whose record was corrected since (the migrant flag forgotten at entry,
    the 户籍 put right) fell out of every summary. While the child is still out on
    that dropout, the record as it is now is read; the snapshot is for a child who
    came back (and may have moved) since."""
    s = province.register("A", 4, hukou_region="340104")  # the migrant flag forgotten
    req = province.reg.record_dropout(A, s.id, "随父母外出").request
    assert req is not None
    approve(province, SHUSHAN, req.id)
    edit = province.reg.update_student(A, s.id, migrant=True, hukou_region="341221")
    assert edit.allowed, edit.decision
    summary = province.reg.migrant_dropouts(SHUSHAN, start=D(2026, 9, 1), end=D(2027, 1, 31))
    assert [(k, [x.student for x in v]) for k, v in summary.items()] == [("341221", [s.id])]


def test_art18_the_rollover_counts_a_suspended_final_grade_student(province: Province) -> None:
    """Found by the status review: the rollover's entry counted a suspended student
    held below their final grade (``suspended_held``) and the registered ones left in a
    final grade (``final_grade_unfinished``), but a suspended student in a final grade
    (held there: neither promoted nor graduated) in no figure. The entry now says
    ``suspended_final_grade``, counted from the statuses on its date."""
    p = province
    h = school_actor("H")
    g = p.register("H", 12)
    low = p.register("H", 11)
    p.register("H", 12)  # registered, unfinished
    for s in (g, low):
        req = p.reg.suspend(h, s.id, "病").request
        assert req is not None
        approve(p, HEFEI, req.id)
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(SYSTEM, 2027).allowed
    (entry,) = [e for e in p.log() if e.command == "rollover"]
    assert (
        entry.after["suspended_held"],
        entry.after["suspended_final_grade"],
        entry.after["final_grade_unfinished"],
    ) == ("1", "1", "1")
