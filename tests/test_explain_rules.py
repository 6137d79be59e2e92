"""Explanations of the enrolment, correction, change, graduation and consent rules: an
allowed decision names every rule it evaluated, with its facts, the policy parameters
it read and their articles; a refused one shows the refusing step. Steps are built
only when read, so bulk imports pay a tuple per rule."""

from __future__ import annotations

import datetime as _dt
import json

import attrs
import pytest

from tests.conftest import PROVINCE, D, Province, authority, make_id, rebuilt, school_actor
from xueji.articles import Article, anhui
from xueji.decision import Decision
from xueji.errors import InvalidResidentId
from xueji.explain import Step, Verdict
from xueji.lifecycle import RequestKind, RequestState, StudentStatus
from xueji.model import Consent, Photo, School, SchoolClass, Student, TransferReason
from xueji.policy import ANHUI_2013, NATIONAL_2013, Stage
from xueji.rules import _base, changes, corrections, enrolment, graduation, privacy
from xueji.rules._base import RULE_CODES, RULE_STATEMENTS

ENROLMENT_RULES = (
    "enrolment.duplicate",
    "enrolment.too_young",
    "enrolment.id_mismatch",
    "enrolment.stage_mismatch",
    "class.virtual",
    "class.no_head_teacher",
    "class.wrong_school",
    "class.full",
    "enrolment.photo_missing",
    "enrolment.late",
    "enrolment.registration_late",
    "privacy.consent_missing",
)
PIPL_31 = Article("个人信息保护法", 31)


def step(d: Decision, rule: str) -> Step:
    (found,) = [s for s in d.explain().steps if s.rule == rule]
    return found


def params(s: Step) -> dict[str, tuple[str, Article]]:
    return {p.name: (p.value, p.article) for p in s.params}


def student(**kw: object) -> Student:
    fields: dict[str, object] = {
        "id": "P1",
        "school": "A",
        "class_id": "A-6",
        "grade": 6,
        "stage": Stage.PRIMARY,
        "status": StudentStatus.REGISTERED,
        "name": "王一",
        "sex": "M",
        "birth_date": D(2014, 5, 1),
        "hukou_region": "340104",
        "entry_date": D(2020, 9, 1),
        "id_number": make_id(D(2014, 5, 1), "M", n=7),
        "submitted": True,
    }
    fields.update(kw)
    return Student(**fields)  # type: ignore[arg-type]


# -- enrolment (Arts 2, 12-16, 29; PIPL Art 31) -------------------------------------------


def test_art14_allowed_enrolment_explains_every_enrolment_rule(province: Province) -> None:
    birth = D(2020, 3, 1)
    id_number = make_id(birth, "F")
    out = province.reg.enroll(
        school_actor("A"),
        school="A",
        class_id="A-1",
        grade=1,
        name="李二",
        sex="F",
        birth_date=birth,
        hukou_region="340104",
        id_number=id_number,
        photo=Photo(D(2026, 8, 20), "sha256:x"),
    )
    assert out.allowed
    assert out.decision == Decision.allow(warnings=out.decision.warnings)
    e = out.decision.explain()
    assert e.rules == ENROLMENT_RULES
    verdicts = {s.rule: s.verdict for s in e.steps}
    assert verdicts.pop("privacy.consent_missing") is Verdict.WARN  # a child under 14, no consent
    assert set(verdicts.values()) == {Verdict.ALLOW}

    age = step(out.decision, "enrolment.too_young")
    assert age.article == anhui(14)
    assert params(age) == {
        "school_entry_age": ("6", anhui(14)),
        "school_entry_age_cutoff": ("08-31", anhui(14)),
    }
    assert dict(age.facts) == {  # no birth date (Art 30: what the mask hides)
        "cutoff": "2026-08-31",
        "age_at_cutoff": "6",
        "minimum": "6",
    }
    cap = step(out.decision, "class.full")
    assert cap.article == anhui(16)
    assert dict(cap.facts)["cap"] == "45"
    assert params(cap)["class_size_caps"][1] == anhui(16)
    assert params(step(out.decision, "enrolment.late")) == {
        "new_student_deadline": ("09-30", anhui(15))
    }
    assert params(step(out.decision, "enrolment.photo_missing"))["initial_grades"][1] == anhui(12)
    assert step(out.decision, "enrolment.stage_mismatch").article == anhui(2)
    assert step(out.decision, "enrolment.id_mismatch").article == anhui(29)
    assert params(step(out.decision, "privacy.consent_missing")) == {"consent_age": ("14", PIPL_31)}

    en, zh = e.text("en"), e.text("zh")
    assert en.startswith("Decision: allowed (12 rules evaluated, 0 refused, 1 warned)")
    assert "✓ allow [enrolment.too_young] no registry for pre-school children" in en
    assert "parameter: school_entry_age_cutoff = 08-31 (皖教基〔2013〕20号 Art 14)" in en
    assert "✓ allow [class.full] a class stays within its size cap" in en
    assert "✓ 通过 [enrolment.stage_mismatch] 学校须设该学段" in zh
    assert "参数: school_entry_age = 6 (皖教基〔2013〕20号 第十四条)" in zh
    data = out.decision.to_dict()["explanation"]
    assert data["rules"] == list(ENROLMENT_RULES)
    for text in (en, zh, str(e), json.dumps(data, ensure_ascii=False)):
        assert id_number not in text  # Art 30: masked
    texts = (en, zh, json.dumps(data, ensure_ascii=False), repr(out))
    assert rebuilt(*texts, of=(id_number,)) == []


def test_art14_refused_enrolment_shows_the_refusing_step(province: Province) -> None:
    birth = D(2020, 9, 1)  # five on 31 August 2026
    out = province.reg.enroll(
        school_actor("A"),
        school="A",
        class_id="A-1",
        grade=1,
        name="小三",
        sex="M",
        birth_date=birth,
        hukou_region="340104",
        id_number=make_id(birth),
        photo=Photo(D(2026, 8, 20), "sha256:x"),
    )
    assert out.decision.codes[0] == "enrolment.too_young"
    assert not out.allowed
    e = out.decision.explain()
    assert not e.allowed
    assert e.rules == ENROLMENT_RULES  # every rule still evaluated and shown
    refused = step(out.decision, "enrolment.too_young")
    assert refused.verdict is Verdict.REFUSE
    assert dict(refused.facts)["age_at_cutoff"] == "5"
    assert [s.rule for s in e.steps if s.verdict is Verdict.REFUSE] == ["enrolment.too_young"]
    assert "✗ refuse [enrolment.too_young]" in e.text("en")
    assert "✗ 拒绝 [enrolment.too_young] 学前教育阶段幼儿不得建立学籍" in e.text("zh")


def test_art16_full_class_and_wrong_stage_are_refused_with_their_facts() -> None:
    klass = SchoolClass("A-1", "A", "一年级1班", 1, "", D(2026, 9, 1))
    d = enrolment.check_class(
        klass, school="A", grade=1, stage=Stage.PRIMARY, size=45, policy=ANHUI_2013
    )
    assert d.codes == ("class.no_head_teacher", "class.full")
    full = step(d, "class.full")
    assert full.verdict is Verdict.REFUSE
    assert dict(full.facts) == {"class_id": "A-1", "size": "45", "cap": "45", "stage": "primary"}
    assert [s.verdict for s in d.steps] == [
        Verdict.ALLOW,
        Verdict.REFUSE,
        Verdict.ALLOW,
        Verdict.REFUSE,
    ]
    school = School("J", "蜀山中学", "340104", "340104", frozenset({Stage.JUNIOR}))
    stage = step(enrolment.check_stage(school, Stage.PRIMARY), "enrolment.stage_mismatch")
    assert stage.verdict is Verdict.REFUSE
    assert stage.title_en == "the school does not teach this stage"


def test_art15_entry_deadline_steps_under_both_profiles() -> None:
    late = enrolment.check_entry_deadline(
        D(2026, 10, 8), entry_date=D(2026, 9, 1), policy=NATIONAL_2013
    )
    assert late.allowed
    assert late.codes == ("enrolment.registration_late",)
    reg = step(late, "enrolment.registration_late")
    assert reg.verdict is Verdict.WARN
    assert dict(reg.facts)["limit"] == "2026-10-01"
    assert [p.name for p in reg.params] == ["registration_within_months"]
    anhui_ = enrolment.check_entry_deadline(
        D(2026, 9, 10), entry_date=D(2026, 9, 1), policy=ANHUI_2013
    )
    unset = step(anhui_, "enrolment.registration_late")
    assert unset.verdict is Verdict.ALLOW
    assert dict(unset.facts)["limit"] == "-"  # Anhui sets no registration period


def test_art13_student_without_id_number_passes_the_id_rule_and_says_so() -> None:
    d = enrolment.check_id_agreement(None, sex="F", birth_date=D(2020, 3, 1), today=D(2026, 9, 1))
    s = step(d, "enrolment.id_mismatch")
    assert s.verdict is Verdict.ALLOW
    assert dict(s.facts)["has_id_number"] == "False"


def shown(d: Decision) -> list[str]:
    """Every form in which a decision is shown: its explanation in each language, its
    ``to_dict`` (what ``--json`` and a scenario's report give) and its ``repr``."""
    e = d.explain()
    return [e.text("en"), e.text("zh"), str(e), json.dumps(d.to_dict(), ensure_ascii=False)]


def refusals(d: Decision) -> set[str]:
    return {v.code for v in d.violations}


def test_art30_no_explanation_gives_a_masked_number_back_with_the_birth_date(
    province: Province,
) -> None:
    """Found by the privacy review: the default mask (6 shown, 8 hidden, 4 shown) hides
    exactly the birth date, and ``enrolment.id_mismatch`` recorded the masked number
    beside ``birth_date`` and ``id_birth_date``, allowed or refused; the age rule showed
    the birth date in the decision whose duplicate step showed the existing record's
    学籍号 (G + the number) masked. Put together they gave the whole number back. The
    ID rule records whether sex and birth date agree, not the number or the dates; the
    age rule the age at the cutoff; no decision shows a birth date."""
    birth = D(2020, 3, 1)
    number = make_id(birth, "F")
    kw = {
        "school": "A",
        "class_id": "A-1",
        "grade": 1,
        "name": "李二",
        "sex": "F",
        "hukou_region": "340104",
        "photo": Photo(D(2026, 8, 20), "sha256:x"),
    }
    a = school_actor("A")
    first = province.reg.enroll(a, birth_date=birth, id_number=number, **kw)  # type: ignore[arg-type]
    assert first.allowed
    again = province.reg.enroll(a, birth_date=birth, id_number=number, **kw)  # type: ignore[arg-type]
    assert refusals(again.decision) == {"enrolment.duplicate"}  # its step shows the 学籍号 masked
    other = make_id(birth, "F")
    off = province.reg.enroll(a, birth_date=D(2020, 3, 2), id_number=other, **kw)  # type: ignore[arg-type]
    assert refusals(off.decision) == {"enrolment.id_mismatch"}
    young = make_id(D(2020, 9, 1), "M")
    both = province.reg.enroll(a, birth_date=D(2020, 9, 2), id_number=young, **kw)  # type: ignore[arg-type]
    assert refusals(both.decision) == {"enrolment.too_young", "enrolment.id_mismatch"}
    s = student(birth_date=birth, id_number=number, sex="F")
    fixed = corrections.check_correction(
        s, {"birth_date": D(2020, 3, 2)}, today=D(2026, 9, 1), policy=ANHUI_2013
    )
    assert refusals(fixed) == {"correction.id_mismatch"}
    for d in (first.decision, again.decision, off.decision, both.decision, fixed):
        texts = shown(d)
        assert rebuilt(*texts, repr(d), of=(number, other, young)) == [], texts[0]
        assert "birth_date=" not in texts[0]
    facts = dict(step(off.decision, "enrolment.id_mismatch").facts)
    assert facts == {
        "has_id_number": "True",
        "sex": "F",
        "id_sex": "F",
        "birth_date_agrees": "False",
        "disagrees": "birth_date",
    }
    assert dict(step(both.decision, "enrolment.id_mismatch").facts)["disagrees"] == (
        "sex,birth_date"
    )
    assert dict(step(first.decision, "enrolment.too_young").facts) == {
        "cutoff": "2026-08-31",
        "age_at_cutoff": "6",
        "minimum": "6",
    }


def test_art29_id_agreement_of_a_number_validated_already() -> None:
    """``validated=True`` skips the second validation (the facade validated the
    number on input) and decides the same; without it a bad number raises."""
    number = make_id(D(2020, 3, 1), sex="F")
    kw = {"sex": "F", "birth_date": D(2020, 3, 1), "today": D(2026, 9, 1)}
    d = enrolment.check_id_agreement(number, **kw)  # type: ignore[arg-type]
    assert d.allowed
    again = enrolment.check_id_agreement(number, validated=True, **kw)  # type: ignore[arg-type]
    assert again == d
    assert again.explain().to_dict() == d.explain().to_dict()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(InvalidResidentId):
        enrolment.check_id_agreement(wrong, **kw)  # type: ignore[arg-type]
    assert enrolment.check_id_agreement(wrong, validated=True, **kw).allowed  # type: ignore[arg-type]


def test_art14_duplicate_rule_has_a_step_per_existing_record() -> None:
    assert enrolment.check_duplicate([], continuing=False).explain().rules == (
        "enrolment.duplicate",
    )
    graduate = student(status=StudentStatus.GRADUATED)
    voided = student(id="P2", status=StudentStatus.VOIDED)
    d = enrolment.check_duplicate([graduate, voided], continuing=True)
    assert d.allowed
    assert [dict(s.facts)["existing"] for s in d.steps] == ["P1", "P2"]
    d = enrolment.check_duplicate([graduate], continuing=False)
    assert d.codes == ("enrolment.duplicate",)
    assert d.steps[0].verdict is Verdict.REFUSE


def test_enrolment_steps_are_built_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bulk imports read no explanation: deciding builds no Step (the recorder keeps
    tuples); reading the steps builds them."""
    built: list[str] = []
    real = _base._step

    def counting(*record: object) -> Step:
        built.append(str(record[0]))
        return real(*record)  # type: ignore[arg-type]

    monkeypatch.setattr(_base, "_step", counting)
    klass = SchoolClass("A-1", "A", "一年级1班", 1, "班主任", D(2026, 9, 1))
    d = Decision.combine(
        enrolment.check_age(D(2020, 3, 1), entry_year=2026, policy=ANHUI_2013),
        enrolment.check_class(
            klass, school="A", grade=1, stage=Stage.PRIMARY, size=3, policy=ANHUI_2013
        ),
        privacy.check_consent(D(2020, 3, 1), None, on=D(2026, 9, 1)),
    )
    assert d.codes == ("privacy.consent_missing",)  # the warning is built at once
    assert built == []
    assert len(d.steps) == 6
    assert built == [
        "enrolment.too_young",
        "class.virtual",
        "class.no_head_teacher",
        "class.wrong_school",
        "class.full",
        "privacy.consent_missing",
    ]
    d.explain()
    assert len(built) == 6  # built once per recorder


def test_consent_steps_show_the_basis_never_the_guardian() -> None:
    guardian_id = make_id(D(1990, 1, 1), n=3)
    consent = Consent("guardian_consent", "王大", D(2026, 8, 1), guardian_id)
    d = privacy.check_consent(D(2020, 3, 1), consent, on=D(2026, 9, 1))
    s = step(d, "privacy.consent_missing")
    assert s.verdict is Verdict.ALLOW
    assert s.article == PIPL_31
    assert dict(s.facts) == {"age": "6", "on": "2026-09-01", "consent": "guardian_consent"}
    text = str(d.explain())
    assert guardian_id not in text
    assert "王大" not in text


# -- corrections (Art 29) -------------------------------------------------------------------


def test_art29_allowed_correction_explains_its_rules() -> None:
    s = student()
    d = corrections.check_correction(s, {"name": "王壹"}, today=D(2026, 9, 1), policy=ANHUI_2013)
    assert d.allowed
    e = d.explain()
    assert e.rules == (
        "correction.status",
        "correction.not_key_field",
        "correction.no_change",
        "correction.id_removed",
        "correction.guardian_removed",
        "correction.photo_removed",
        "correction.id_mismatch",
    )
    assert all(x.verdict is Verdict.ALLOW for x in e.steps)
    assert dict(e.steps[0].facts)["status"] == "registered"
    key = e.steps[1]
    assert key.article == anhui(29)
    assert params(key)["locked_fields"] == (
        "[birth_date, id_number, name, photo, sex]",
        anhui(29),
    )
    assert dict(key.facts)["changed"] == "name"
    assert "a correction must change something" in e.text("en")
    assert s.id_number is not None
    assert s.id_number not in str(e)


def test_art29_refused_correction_and_direct_edit_show_the_refusing_step() -> None:
    s = student()
    d = corrections.check_correction(s, {"name": "王一"}, today=D(2026, 9, 1), policy=ANHUI_2013)
    assert d.codes == ("correction.no_change",)
    assert d.explain().rules == (
        "correction.status",
        "correction.not_key_field",
        "correction.no_change",
    )
    assert step(d, "correction.no_change").verdict is Verdict.REFUSE
    edit = corrections.check_direct_edit(s, {"name": "王壹"}, ANHUI_2013)
    assert edit.codes == ("correction.locked",)
    locked = step(edit, "correction.locked")
    assert locked.verdict is Verdict.REFUSE
    assert dict(locked.facts) == {
        "student": "P1",
        "fields": "name",
        "submitted": "True",
        "status": "registered",
    }
    draft = corrections.check_direct_edit(
        attrs.evolve(s, submitted=False, status=StudentStatus.DRAFT), {"name": "x"}, ANHUI_2013
    )
    assert draft.allowed
    assert step(draft, "correction.locked").verdict is Verdict.ALLOW
    # a registered record whose flag says not submitted (edited in the database) is
    # locked all the same: the step says the status it went by
    unlocked = corrections.check_direct_edit(
        attrs.evolve(s, submitted=False), {"name": "x"}, ANHUI_2013
    )
    assert unlocked.codes == ("correction.locked",)
    assert dict(step(unlocked, "correction.locked").facts)["submitted"] == "True"


# -- changes (Arts 26-27) -------------------------------------------------------------------


def test_art26_allowed_suspension_explains_its_rules() -> None:
    d = changes.check_change(student(), RequestKind.SUSPENSION, open_same_kind=0)
    assert d.allowed
    e = d.explain()
    assert e.rules == ("change.status", "change.already_open")
    assert e.articles == (anhui(26),)
    assert dict(e.steps[0].facts)["allowed_from"] == "registered"
    assert "✓ allow [change.status] a change only from a status that allows it" in e.text("en")
    refused = changes.check_change(
        student(status=StudentStatus.SUSPENDED), RequestKind.SUSPENSION, open_same_kind=1
    )
    assert refused.codes == ("change.status", "change.already_open")
    assert {x.verdict for x in refused.steps} == {Verdict.REFUSE}


# -- graduation and rollover (Art 18) -------------------------------------------------------


def test_art18_allowed_graduation_explains_its_rules() -> None:
    d = graduation.check_graduation(student(), on=D(2027, 7, 1), policy=ANHUI_2013)
    assert d.allowed
    assert not d.warnings
    e = d.explain()
    assert e.rules == (
        "change.status",
        "graduation.not_final_grade",
        "graduation.early",
        "graduation.late",
    )
    opens = e.steps[2]
    assert params(opens) == {"graduation_from": ("06-01", anhui(18))}
    assert dict(opens.facts) == {"on": "2027-07-01", "opens": "2027-06-01"}
    deadline = e.steps[3]
    assert params(deadline) == {"graduation_deadline": ("07-31", anhui(18))}
    assert dict(deadline.facts) == {"on": "2027-07-01", "deadline": "2027-07-31"}
    assert "graduation work finishes by the set date" in e.text("en")
    late = graduation.check_graduation(
        student(grade=5), on=D(2027, 8, 2), policy=ANHUI_2013, final_since=D(2026, 9, 1)
    )
    assert late.codes == ("graduation.not_final_grade", "graduation.late")
    assert [s.verdict for s in late.steps] == [
        Verdict.ALLOW,
        Verdict.REFUSE,
        Verdict.ALLOW,
        Verdict.WARN,
    ]


def test_art18_graduation_window_is_that_of_the_school_year_the_student_finishes() -> None:
    """Found by the rollover review: from 1 August to 31 December the rule read the
    window of the calendar year, so a student moved up into the final grade that day
    was late and a held one graduated next spring early. Art 18: the window is the one
    of the school year the student finishes (``final_since``: when it came into the
    final grade); with no date known, the class of ``on``'s school year."""

    def codes(on: _dt.date, since: _dt.date | None = None) -> tuple[str, ...]:
        return graduation.check_graduation(
            student(), on=on, policy=ANHUI_2013, final_since=since
        ).codes

    promoted = D(2026, 8, 1)  # moved up into grade 6 by the 2026 rollover
    early = graduation.check_graduation(
        student(), on=D(2026, 8, 2), policy=ANHUI_2013, final_since=promoted
    )
    assert early.codes == ("graduation.early",)
    assert dict(early.warnings[0].facts) == {"on": "2026-08-02", "opens": "2027-06-01"}
    assert codes(D(2027, 6, 1), promoted) == ()
    assert codes(D(2027, 8, 1), promoted) == ("graduation.late",)
    held = D(2025, 8, 1)  # in grade 6 since 2025: held at the 2026 rollover
    late = graduation.check_graduation(
        student(), on=D(2027, 3, 1), policy=ANHUI_2013, final_since=held
    )
    assert late.codes == ("graduation.late",)
    assert dict(late.warnings[0].facts) == {"on": "2027-03-01", "deadline": "2026-07-31"}
    assert codes(D(2026, 8, 2), D(2026, 2, 1)) == ("graduation.late",)  # entered in spring
    assert codes(D(2026, 8, 2)) == ("graduation.early",)  # no date: this school year's
    assert codes(D(2026, 7, 31)) == ()
    assert graduation.school_year_of(D(2026, 7, 31), policy=ANHUI_2013) == 2025


def test_art18_rollover_action_explains_its_rule() -> None:
    out = graduation.rollover_action(student(grade=3), open_transfer=False, policy=ANHUI_2013)
    assert out.action is graduation.RolloverAction.PROMOTE
    s = step(out.decision, "graduation.overdue")
    assert s.verdict is Verdict.ALLOW
    assert [p.name for p in s.params] == ["rollover_unfinished_final_grade"]
    held = graduation.rollover_action(
        student(status=StudentStatus.SUSPENDED), open_transfer=False, policy=ANHUI_2013
    )
    assert held.action is graduation.RolloverAction.HOLD
    assert held.decision.codes == ("rollover.suspended_held",)
    s = step(held.decision, "rollover.suspended_held")
    assert s.verdict is Verdict.WARN
    assert s.article == anhui(18, 2)
    final = graduation.rollover_action(student(), open_transfer=False, policy=ANHUI_2013)
    assert final.decision.codes == ("graduation.overdue",)
    assert step(final.decision, "graduation.overdue").verdict is Verdict.WARN


# -- the registry's commands: every rule they ran ------------------------------------------
# Found by the review: approve/reject/withdraw/decide_transfer, update_student,
# return_from_dropout and rollover ran their rules and returned an allowed decision with
# the steps thrown away ("allowed (0 rules evaluated)"); a warning added at an approval
# showed its article but not the parameter it read.


def verdicts(d: Decision) -> dict[str, Verdict]:
    return {s.rule: s.verdict for s in d.explain().steps}


def test_art29_an_allowed_edit_and_correction_approval_list_the_rules_they_ran(
    province: Province,
) -> None:
    draft = province.enroll("A", 1)
    edit = province.reg.update_student(school_actor("A"), draft.id, name="张壹")
    assert edit.allowed
    assert edit.decision.codes == ()
    assert verdicts(edit.decision) == {
        "edit.status": Verdict.ALLOW,
        "correction.locked": Verdict.ALLOW,
        "correction.id_removed": Verdict.ALLOW,
        "correction.guardian_removed": Verdict.ALLOW,
        "enrolment.id_mismatch": Verdict.ALLOW,
    }
    sub = province.reg.submit(school_actor("A"), draft.id)
    assert sub.request is not None
    county = authority("340104")
    assert province.reg.approve(county, sub.request.id).allowed
    filed = province.reg.request_correction(school_actor("A"), draft.id, {"name": "张二"}, "笔误")
    assert filed.request is not None
    out = province.reg.approve(county, filed.request.id)
    assert out.allowed
    assert out.decision.codes == ()
    e = out.decision.explain()
    assert e.rules == (
        "stage.wrong_party",
        "correction.not_key_field",
        "correction.id_removed",
        "correction.guardian_removed",
        "correction.photo_removed",
        "correction.no_change",
        "correction.id_mismatch",
    )
    assert {s.verdict for s in e.steps} == {Verdict.ALLOW}
    assert step(out.decision, "stage.wrong_party").article == anhui(21)
    assert e.text("en").startswith("Decision: allowed (7 rules evaluated, 0 refused, 0 warned)")
    assert draft.id_number is not None
    assert draft.id_number not in json.dumps(out.decision.to_dict(), ensure_ascii=False)
    # a second correction to the same values: refused as before, the checks it
    # passed first listed before the refusing one
    again = province.reg.request_correction(school_actor("A"), draft.id, {"name": "张三"}, "x")
    same = province.reg.request_correction(school_actor("A"), draft.id, {"name": "张三"}, "y")
    assert again.request is not None
    assert same.request is not None
    assert province.reg.approve(county, again.request.id).allowed
    refused = province.reg.approve(county, same.request.id)
    assert refused.decision.codes == ("correction.no_change",)
    assert refused.decision.explain().rules[:3] == (
        "stage.wrong_party",
        "correction.not_key_field",
        "correction.id_removed",
    )
    assert step(refused.decision, "correction.no_change").verdict is Verdict.REFUSE


def test_art21_allowed_transfer_stages_list_the_party_class_and_time_limit_rules(
    province: Province,
) -> None:
    s = province.register("A", 1)
    req = province.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    ).request
    assert req is not None
    parties = (school_actor("W"), authority("340202"), school_actor("A"), authority("340104"))
    for n, actor in enumerate(parties, 1):
        out = province.reg.decide_transfer(actor, req.id, approve=True)
        assert out.allowed, out.decision
        assert out.decision.codes == ()
        rules = out.decision.explain().rules
        assert rules[0] == "stage.wrong_party"
        assert rules[-1] == "stage.overdue"
        limit = step(out.decision, "stage.overdue")
        assert limit.verdict is Verdict.ALLOW
        assert limit.title_en == "a stage is decided within its approval deadline"
        days = ANHUI_2013.transfer_stage_limit
        assert params(limit) == {"transfer_stage_limit": (str(days.value), days.article)}
        # the final approval re-checks the receiving class (Art 16)
        assert ("class.full" in rules) is (n == len(parties))
    assert province.reg.request(PROVINCE, req.id).state is RequestState.APPROVED


def test_art27_art18_allowed_return_and_rollover_list_the_rules_they_ran(
    province: Province,
) -> None:
    s = province.register("A", 3)
    province.register("A", 6)  # not graduated by the rollover: warned
    req = province.reg.record_dropout(school_actor("A"), s.id, "外出").request
    assert req is not None
    review = province.reg.approve(authority("340104"), req.id)
    assert review.allowed
    assert verdicts(review.decision) == {
        "stage.wrong_party": Verdict.ALLOW,
        "dropout.review_overdue": Verdict.ALLOW,
    }
    days = ANHUI_2013.dropout_review_limit
    assert params(step(review.decision, "dropout.review_overdue")) == {
        "dropout_review_limit": (str(days.value), anhui(27))
    }
    back = province.reg.return_from_dropout(school_actor("A"), s.id)
    assert back.allowed
    assert back.decision.codes == ()
    assert {"change.status", "dropout.not_compulsory_keep", "class.full"} <= set(
        verdicts(back.decision)
    )
    assert set(verdicts(back.decision).values()) == {Verdict.ALLOW}
    province.at(D(2027, 8, 1))
    run = province.reg.rollover(PROVINCE, 2027)
    assert run.allowed
    assert run.decision.codes == ("graduation.overdue",)
    assert verdicts(run.decision) == {
        "rollover.date": Verdict.ALLOW,
        "rollover.passed": Verdict.ALLOW,
        "graduation.overdue": Verdict.WARN,
        "rollover.suspended_held": Verdict.ALLOW,
    }
    rollover_date = ANHUI_2013.rollover_date
    assert params(step(run.decision, "rollover.date")) == {
        "rollover_date": ("08-01", rollover_date.article)
    }
    unfinished = ANHUI_2013.rollover_unfinished_final_grade
    overdue = step(run.decision, "graduation.overdue")
    assert params(overdue) == {
        "rollover_unfinished_final_grade": (str(unfinished.value), unfinished.article)
    }
    assert dict(overdue.facts)["students"] == "1"
    en = run.decision.explain().text("en")
    assert "✓ allow [rollover.date] the rollover runs on or after its date" in en
    repeat = province.reg.rollover(PROVINCE, 2027)  # a no-op, its date checked
    assert repeat.allowed
    assert repeat.decision.explain().rules == ("rollover.date", "rollover.passed")


def test_art15_art24_art27_warnings_added_at_an_approval_show_their_parameter(
    province: Province,
) -> None:
    late = province.enroll("A", 1)
    sub = province.reg.submit(school_actor("A"), late.id)
    assert sub.request is not None
    province.at(D(2026, 10, 9))
    out = province.reg.approve(authority("340104"), sub.request.id)
    assert out.allowed
    assert out.decision.codes == ("enrolment.late",)
    warned = step(out.decision, "enrolment.late")
    assert warned.verdict is Verdict.WARN
    assert params(warned) == {"new_student_deadline": ("09-30", anhui(15))}
    assert dict(warned.facts) == {"on": "2026-10-09", "deadline": "2026-09-30"}
    assert dict(out.decision.warnings[0].facts) == dict(warned.facts)  # (as before)
    assert "parameter: new_student_deadline = 09-30" in out.decision.explain().text("en")

    s = province.register("A", 3)
    req = province.reg.record_dropout(school_actor("A"), s.id, "外出").request
    assert req is not None
    assert req.deadline is not None
    province.at(req.deadline + _dt.timedelta(days=1))
    review = province.reg.approve(authority("340104"), req.id)
    assert review.decision.codes == ("dropout.review_overdue",)
    warned = step(review.decision, "dropout.review_overdue")
    assert warned.verdict is Verdict.WARN
    days = ANHUI_2013.dropout_review_limit
    assert params(warned) == {"dropout_review_limit": (str(days.value), anhui(27))}


def test_art24_a_transfer_stage_decided_late_warns_with_its_parameter() -> None:
    p = Province(D(2026, 9, 1), policies=(NATIONAL_2013,))  # no default approval
    s = p.register("A", 1)
    req = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    ).request
    assert req is not None
    assert req.deadline is not None
    p.at(req.deadline + _dt.timedelta(days=3))
    out = p.reg.approve(school_actor("W"), req.id)
    assert out.allowed
    assert out.decision.codes == ("stage.overdue",)
    warned = step(out.decision, "stage.overdue")
    assert warned.verdict is Verdict.WARN
    limit = NATIONAL_2013.transfer_stage_limit
    assert params(warned) == {"transfer_stage_limit": (str(limit.value), limit.article)}
    assert warned.article == limit.article == out.decision.warnings[0].article


# -- the wording --------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(RULE_STATEMENTS))
def test_every_obligation_wording_names_a_catalogued_rule_in_both_languages(code: str) -> None:
    assert code in RULE_CODES
    zh, en = RULE_STATEMENTS[code]
    assert zh
    assert en
    assert zh != en
