"""The data model (Arts 2, 4, 6-11) and the change log of every command (Art 19)."""

from __future__ import annotations

import attrs
import pytest

from tests.conftest import PROVINCE, D, Province, authority, school_actor
from xueji.articles import anhui
from xueji.errors import AccessDenied, DuplicateKey, NotFound, XuejiError
from xueji.lifecycle import RequestKind, RequestState, StudentStatus
from xueji.model import (
    ActorKind,
    InfoEntry,
    InfoGroup,
    Request,
    School,
    SchoolClass,
    Student,
    TransferReason,
    Unit,
    UnitLevel,
    converter,
    final_grade,
    stage_of_grade,
)
from xueji.policy import ANHUI_2013, Param, Stage
from xueji.storage.memory import MemoryStore


def test_art2_a_school_teaches_its_stages(province: Province) -> None:
    out = province.reg.enroll(
        school_actor("A"),
        school="A",
        class_id="A-1",
        grade=7,
        name="甲",
        sex="M",
        birth_date=D(2013, 3, 1),
        hukou_region="340104",
        id_number=None,
        guardian_id=None,
    )
    # the identifier is checked first; with one, the stage is refused
    assert out.decision.codes == ("enrolment.no_identifier",)
    from tests.conftest import make_id

    out = province.reg.enroll(
        school_actor("A"),
        school="A",
        class_id="A-1",
        grade=7,
        name="甲",
        sex="M",
        birth_date=D(2013, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2013, 3, 1)),
    )
    assert "enrolment.stage_mismatch" in out.decision.codes
    assert stage_of_grade(7) is Stage.JUNIOR
    assert final_grade(Stage.SENIOR) == 12
    with pytest.raises(ValueError, match="grades"):
        stage_of_grade(13)


def test_art4_jurisdiction_is_the_unit_tree(province: Province) -> None:
    # 合肥一中 is run by the city directly; its city is found through the tree
    with province.store.unit_of_work() as uow:
        h = uow.schools.get("H")
        a = uow.schools.get("A")
        assert h is not None
        assert a is not None
        assert province.reg._city_of(uow, h).code == "3401"
        assert province.reg._city_of(uow, a).code == "3401"


def test_art6_units_and_schools_are_created_under_existing_parents(province: Province) -> None:
    with pytest.raises(NotFound):
        province.reg.add_unit(PROVINCE, Unit("3499", "无上级", UnitLevel.CITY, "349900", "99"))
    with pytest.raises(NotFound):
        province.reg.add_school(
            PROVINCE, School("X", "无主管", "999999", "340104", frozenset({Stage.PRIMARY}))
        )
    with pytest.raises(XuejiError, match="already exists"):
        province.reg.add_school(
            PROVINCE, School("A", "重复", "340104", "340104", frozenset({Stage.PRIMARY}))
        )


def test_art6_a_school_s_region_is_a_code_in_use_on_the_day(province: Province) -> None:
    """Found by the review: ``add_school`` took a region code retired years before
    (341421, 庐江县 under 巢湖 until 2011), and every later enrolment of a child with no
    ID number then raised ``InvalidRegistryNumber`` (a J number is built on the school's
    region, in use in the child's birth year: Art 13). Refused when the school is
    added, naming the years the code was in use; a code in use is taken."""
    old = School("LJ", "庐江某小学", "340104", "341421", frozenset({Stage.PRIMARY}))
    with pytest.raises(XuejiError) as e:
        province.reg.add_school(PROVINCE, old)
    assert e.value.code == "school.region_retired"
    for text in (e.value.message_zh, e.value.message_en):
        assert "341421" in text
        assert "1999" in text
        assert "2011" in text
    assert "庐江县" in e.value.message_zh
    with province.store.unit_of_work() as uow:
        assert uow.schools.get("LJ") is None  # nothing written
    new = attrs.evolve(old, region="340124")  # 庐江县 since 2011
    assert province.reg.add_school(PROVINCE, new).allowed
    # a J number on a retired area code says so (a school added before this version)
    import datetime as dt

    from xueji.errors import InvalidRegistryNumber
    from xueji.numbers import MemoryAllocator, issue_j

    with pytest.raises(InvalidRegistryNumber) as j:
        issue_j("341421", dt.date(2020, 3, 1), "M", MemoryAllocator())
    assert j.value.code == "number.area"
    assert "2011" in j.value.message_en


def test_art7_branch_schools_hang_under_a_central_school(province: Province) -> None:
    with pytest.raises(XuejiError, match="central"):
        province.reg.add_school(
            PROVINCE,
            School(
                "Y1", "分校", "340104", "340104", frozenset({Stage.PRIMARY}), central_school="A"
            ),
        )
    with province.store.unit_of_work() as uow:
        branch = uow.schools.get("Z1")
    assert branch is not None
    assert branch.central_school == "Z"


def _schools(province: Province) -> set[str]:
    with province.store.unit_of_work() as uow:
        return {s.code for s in uow.schools.list()}


def test_art28_a_school_s_authority_is_a_city_or_a_county(province: Province) -> None:
    # under the province-level unit its new students waited at the authority for
    # ever: the province may not approve (Art 28), and nothing approves by default
    out = province.reg.add_school(
        PROVINCE, School("PS", "省属学校", "34", "340100", frozenset({Stage.PRIMARY}))
    )
    assert out.decision.codes == ("school.authority_level",)
    (v,) = out.decision.violations
    assert v.article == anhui(28)
    assert dict(v.facts)["level"] == "province"
    assert "PS" not in _schools(province)
    assert not [e for e in province.log() if e.subject == "PS"]
    # a county's and a city's are taken (the city runs some schools directly, Art 4)
    for code, unit in (("C1", "340104"), ("C2", "3401")):
        school = School(code, code, unit, "340100", frozenset({Stage.PRIMARY}))
        assert province.reg.add_school(PROVINCE, school).allowed
    assert {"C1", "C2"} <= _schools(province)


def test_art28_the_authority_levels_are_the_profile_s() -> None:
    county_only = attrs.evolve(
        ANHUI_2013,
        code="county-only",
        valid_from=D(2027, 1, 1),
        school_authority_levels=Param(frozenset({"county"}), anhui(28, note="县管")),
    )
    p = Province(policies=(ANHUI_2013, county_only))  # its schools added under Anhui's
    p.at(D(2027, 1, 4))
    out = p.reg.add_school(
        PROVINCE, School("C3", "市直学校", "3401", "340100", frozenset({Stage.SENIOR}))
    )
    assert out.decision.codes == ("school.authority_level",)
    assert out.decision.violations[0].article.note == "县管"
    assert "C3" not in _schools(p)
    with pytest.raises(XuejiError, match="school_authority_levels"):
        attrs.evolve(ANHUI_2013, school_authority_levels=Param(frozenset({"province"}), anhui(6)))


def test_art7_a_branch_s_central_school_is_under_the_branch_s_own_authority(
    province: Province,
) -> None:
    # a 镜湖区 (芜湖) village school named a branch of 长丰县 (合肥)'s 学区中心校 Z: Z
    # would read and suspend its students, which its own county could not see
    branch = School(
        "Q2", "芜湖某村小", "340202", "340202", frozenset({Stage.PRIMARY}), central_school="Z"
    )
    out = province.reg.add_school(PROVINCE, branch)
    assert out.decision.codes == ("school.central_elsewhere",)
    (v,) = out.decision.violations
    assert v.article == anhui(7)
    assert dict(v.facts)["central_authority"] == "340121"
    assert "Q2" not in _schools(province)
    # under 长丰县, as Z is, the branch is taken and Z manages its students
    same = attrs.evolve(branch, code="Q3", authority="340121", region="340121")
    assert province.reg.add_school(PROVINCE, same).allowed
    klass = SchoolClass("Q3-1", "Q3", "1年级1班", 1, "班主任", D(2026, 9, 1))
    assert province.reg.add_class(school_actor("Q3"), klass).allowed
    s = province.enroll("Q3", 1)
    assert province.reg.student(school_actor("Z"), s.id).school == "Q3"
    assert province.reg.student(authority("340121"), s.id).school == "Q3"


def test_art6_units_and_schools_share_one_code_space(province: Province) -> None:
    before = len(province.log())
    # a school of 芜湖 coded as 合肥's county 蜀山区
    school = School("340104", "镜湖某小学", "340202", "340202", frozenset({Stage.PRIMARY}))
    with pytest.raises(DuplicateKey) as err:
        province.reg.add_school(PROVINCE, school)
    assert (err.value.code, err.value.kind, err.value.key) == (
        "storage.duplicate",
        "unit",
        "340104",
    )
    assert "share one code space" in err.value.message_en
    # a unit coded as school A
    with pytest.raises(DuplicateKey) as err:
        province.reg.add_unit(PROVINCE, Unit("A", "撞码单位", UnitLevel.COUNTY, "340105", "3401"))
    assert (err.value.kind, err.value.key, err.value.adding) == ("school", "A", "unit")
    with province.store.unit_of_work() as uow:
        assert uow.units.get("A") is None
        found = uow.schools.get("340104")
    assert found is None
    assert len(province.log()) == before


def _school_beside_unit(p: Province, school: School) -> None:
    """Put ``school`` in the store under a unit's code, as a store written before units
    and schools shared one code space may hold it (the stores refuse it now)."""
    if isinstance(p.store, MemoryStore):
        p.store.schools.t.rows[school.code] = school
        return
    from xueji.storage import sql

    with p.store.engine.begin() as conn:
        conn.execute(sql.schools_t.insert().values(code=school.code, doc=sql._dump(school)))


def test_art21_a_school_whose_code_a_unit_also_holds_withdraws_its_own_transfer(
    province: Province,
) -> None:
    # an older store: school 340104 of 芜湖 beside 合肥's county 340104 (蜀山区)
    _school_beside_unit(
        province,
        School("340104", "镜湖某小学", "340202", "340202", frozenset({Stage.PRIMARY})),
    )
    klass = SchoolClass("X-1", "340104", "1年级1班", 1, "班主任", D(2026, 9, 1))
    assert province.reg.add_class(school_actor("340104"), klass).allowed
    s = province.register("W", 1)
    out = province.reg.request_transfer(
        school_actor("340104"),
        s.id,
        to_school="340104",
        to_class="X-1",
        reason=TransferReason.JOB_MOVE,
    )
    assert out.request is not None
    rid = out.request.id
    # the county of that code (another city's) is not the opener
    refused = province.reg.withdraw(authority("340104"), rid)
    assert refused.decision.codes == ("stage.wrong_party",)
    assert province.reg.withdraw(school_actor("340104"), rid).allowed
    assert province.reg.request(PROVINCE, rid).state.value == "withdrawn"
    # the log subject 340104 is the county's and the school's alike: the province's
    assert province.reg.history(PROVINCE, "340104")
    with pytest.raises(AccessDenied):
        province.reg.history(school_actor("340104"), "340104")
    assert authority("340104").kind is ActorKind.COUNTY


def test_art8_to_11_records_serialise_with_cattrs(province: Province) -> None:
    s = province.register("A", 1)
    s = province.reg.add_info(
        school_actor("A"), s.id, InfoGroup.EXAM, InfoEntry(D(2026, 9, 1), "期中", {"语文": "95"})
    ).student
    assert s is not None
    data = converter.unstructure(s)
    assert data["birth_date"] == s.birth_date.isoformat()
    assert converter.structure(data, Student) == s
    text = converter.dumps(s, ensure_ascii=False)
    assert "期中" in text
    req = province.reg.suspend(school_actor("A"), s.id, "病休").request
    assert req is not None
    assert converter.structure(converter.unstructure(req), Request) == req
    assert s.id_number not in repr(s)


def test_art19_every_change_goes_into_the_log(province: Province) -> None:
    s = province.register("A", 1)
    entries = [e for e in province.reg.history(PROVINCE, s.id) if e.command != "read_sensitive"]
    assert [e.command for e in entries] == ["enroll", "submit", "register"]
    for e in entries:
        assert e.actor_unit
        assert e.basis
    register = entries[-1]
    assert (register.before["status"], register.after["status"]) == ("pending_review", "registered")
    assert register.actor_unit == "340104"
    seqs = [e.seq for e in province.log()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_art19_refused_commands_leave_no_entry(province: Province) -> None:
    s = province.register("A", 1)
    before = len(province.log())
    assert not province.reg.update_student(school_actor("A"), s.id, name="x").allowed
    assert not province.reg.approve(authority("340202"), "R0000001").allowed
    assert len(province.log()) == before
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    assert attrs.evolve(s) == s


def test_art9_school_fields() -> None:
    names = {f.name for f in attrs.fields(School)}
    # 学校标识码, 学校名称, 学校编码, 主管单位, 联系电话, 学校办别, 驻地城乡类型, 学校类别, 学制
    assert {
        "code",
        "name",
        "school_number",
        "authority",
        "phone",
        "ownership",
        "urban_rural",
        "category",
        "system",
    } <= names


def test_art10_class_fields_and_head_teacher(province: Province) -> None:
    from xueji.model import SchoolClass

    names = {f.name for f in attrs.fields(SchoolClass)}
    # 班级名称, 班主任姓名, 建班年月, 学制, 班级类型, 荣誉称号
    assert {"name", "head_teacher", "created", "system", "class_type", "honours"} <= names


def test_art11_student_information_groups() -> None:
    assert {g.value for g in InfoGroup} == {
        "family",
        "resume",
        "exam",
        "evaluation",
        "award",
        "punishment",
    }  # 变动 is each request's history
    assert "history" in {f.name for f in attrs.fields(Request)}


def test_outcome_unwrap_raises_refused_with_the_decision(province: Province) -> None:
    from xueji.errors import Refused

    s = province.register("A", 1)
    out = province.reg.update_student(school_actor("A"), s.id, name="x")
    with pytest.raises(Refused) as err:
        out.unwrap()
    assert err.value.decision is out.decision
    assert "correction.locked" in str(err.value)
    assert province.reg.update_student(school_actor("A"), s.id, migrant=True).unwrap().allowed


def test_every_error_survives_pickling() -> None:
    """Errors cross process boundaries whole (a worker's ConcurrencyConflict, say),
    whatever their ``__init__`` takes."""
    import pickle

    from xueji import errors

    made = [
        errors.StaleVersion("storage.conflict", "已修改", "changed"),
        errors.CalendarNotCovered(2031),
        errors.CorruptRecord("xueji_students", "S0000001", "grade out of range", "年级超出范围"),
        errors.AccessDenied("school", "A", "rollover", "access.rule", "无权", "not allowed"),
        errors.Refused(None, "命令被拒绝", "command refused"),
    ]
    for e in made:
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is type(e)
        assert (back.code, back.message_zh, back.message_en, str(back)) == (
            e.code,
            e.message_zh,
            e.message_en,
            str(e),
        )
        assert vars(back) == vars(e)


def test_an_identity_number_quoted_in_any_error_is_masked() -> None:
    """A caller's value in a message (a student id, a code, an import cell) may be an
    identity number typed in the wrong place: every error masks it (Art 30)."""
    from xueji import errors

    typed = "340104202003011018"
    for e in (
        errors.NotFound("not_found.student", f"学生 {typed} 不存在", f"no student {typed}"),
        errors.XuejiError("command.bad_input", f"户籍地区码应为6位数字：{typed!r}", f"{typed}"),
        errors.CorruptRecord("meta", "k", f"G{typed} here"),
    ):
        text = " ".join((str(e), e.message_zh, e.message_en, repr(e)))
        assert typed not in text
        assert "340104********1018" in text


def test_art30_a_correction_request_s_repr_masks_the_new_id_number() -> None:
    """Found by the privacy audit: a correction's payload holds the new identity
    number in full (the approval needs it), and ``repr(Request)`` and
    ``repr(Outcome)`` showed it, as they showed one quoted in the reason or in a
    history note. The payload keeps it; the reprs mask it."""
    from tests.conftest import make_id
    from xueji.masking import mask

    p = Province()
    s = p.register("A", 1)
    new = make_id(D(2020, 3, 1))
    quoted = make_id(D(2020, 3, 1))
    out = p.reg.request_correction(
        school_actor("A"), s.id, {"id_number": new}, f"户口本 {quoted} 为准"
    )
    assert out.request is not None
    assert out.request.payload == {"id_number": new}  # stored whole: the approval applies it
    rejected = p.reg.reject(authority("340104"), out.request.id, note=f"与 G{quoted} 不符")
    assert rejected.request is not None
    for shown in (repr(out), repr(out.request), repr(rejected), repr(rejected.request)):
        assert new not in shown
        assert quoted not in shown
    assert f"'id_number': '{mask(new)}'" in repr(out.request)
    assert f"户口本 {mask(quoted)} 为准" in repr(out.request)
    assert f"与 G{mask(quoted)} 不符" in repr(rejected.request)


def test_art30_a_student_s_or_a_correction_s_repr_does_not_give_the_number_back() -> None:
    """Found by the privacy review: ``repr(Student)`` showed the masked ``id_number``
    (and the 学籍号, G + the number, masked) with ``birth_date``, and a correction's
    payload of a new number and a new birth date showed both: the mask hides exactly
    the birth date, so each gave the whole number back, as the national export's
    record did (its 学籍号 masked). No repr shows a birth date now; the values keep it."""
    from tests.conftest import make_id, rebuilt
    from xueji.statistics import national_record

    p = Province()
    s = p.register("A", 1)
    assert s.birth_date == D(2020, 3, 1)
    new = make_id(D(2020, 3, 2))
    out = p.reg.request_correction(
        school_actor("A"), s.id, {"id_number": new, "birth_date": D(2020, 3, 2)}, "户口本为准"
    )
    assert out.allowed, out.decision
    assert out.request is not None
    assert out.request.payload["birth_date"] == "2020-03-02"  # kept: the approval applies it
    for shown in (repr(s), repr(out), repr(out.request), repr(national_record(s))):
        assert rebuilt(shown, of=(s.id_number or "", new)) == [], shown
    assert "birth_date" not in repr(s)
    assert "'birth_date': '****-**-**'" in repr(out.request)


def test_art30_a_free_text_quoting_a_number_and_its_birth_date_hides_both() -> None:
    """Found with the privacy review: a free text quoting an identity number and the
    holder's birth date (an info entry, an award certificate) had the number masked
    and the date left, which together gave the number back (the mask hides exactly
    the birth date). The date is hidden where it stands too; another date is not."""
    from tests.conftest import make_id, rebuilt

    p = Province()
    s = p.register("A", 1)
    quoted = make_id(D(2020, 3, 1))
    text = f"证书：2020年3月1日生，证号 {quoted}，颁发 2026-09-02"
    entry = InfoEntry(D(2026, 9, 1), text, {"证号": quoted, "出生": "2020-03-01"})
    out = p.reg.add_info(school_actor("A"), s.id, InfoGroup.AWARD, entry)
    assert out.student is not None
    shown = [repr(entry), repr(out.student), *(repr(e) for e in p.log())]
    assert rebuilt(*shown, of=(quoted,)) == []
    assert "证书：****-**-**生" in repr(entry)
    assert "颁发 2026-09-02" in repr(entry)


def test_art30_a_student_s_repr_masks_an_id_number_quoted_in_an_info_entry() -> None:
    """Found by the privacy audit: ``repr(Student)`` showed its info entries' text and
    data whole, an award certificate's quoted ID number included."""
    from tests.conftest import make_id
    from xueji.model import InfoEntry, InfoGroup

    p = Province()
    s = p.register("A", 1)
    quoted = make_id(D(2020, 3, 1))
    entry = InfoEntry(D(2026, 9, 1), f"获奖证书 {quoted}", {"证号": quoted})
    out = p.reg.add_info(school_actor("A"), s.id, InfoGroup.AWARD, entry)
    assert out.student is not None
    assert out.student.info[InfoGroup.AWARD][0].text == f"获奖证书 {quoted}"  # kept whole
    for shown in (repr(entry), repr(out.student), repr(out)):
        assert quoted not in shown
        assert quoted[:6] + "********" + quoted[-4:] in shown


def test_art30_a_student_s_repr_masks_an_id_number_typed_into_the_name() -> None:
    """Found by the reports review: a name holding an identity number (a data-entry
    slip the registry accepts) was masked in every report but shown whole by
    ``repr(Student)``, which docs/privacy.md says masks every identity number."""
    from tests.conftest import make_id

    p = Province()
    typed = make_id(D(2019, 3, 1))
    s = p.register("A", 1, name=f"张三{typed}")
    assert s.name == f"张三{typed}"  # kept as entered
    for shown in (repr(s), repr(p.reg.student(school_actor("A"), s.id))):
        assert typed not in shown
        assert f"张三{typed[:6]}********{typed[-4:]}" in shown


def test_art30_a_voided_number_is_masked_in_reprs() -> None:
    """Found by the privacy review: ``NumberRecord.voided`` (a number issued from an
    identity number later corrected: another person's) showed in full in reprs."""
    import datetime as dt

    from xueji.numbers import correct_resident_id, new_record

    r = new_record(dt.date(2026, 9, 1), id_number="11010520190301001X")
    fixed = correct_resident_id(r, "110105201903010028", dt.date(2026, 10, 8))
    assert "11010520190301001X" not in repr(fixed)
    assert "110105********001X" in repr(fixed)


def test_art30_a_linked_number_s_history_does_not_give_the_id_number_back() -> None:
    """Found by the review: ``link_resident_id`` wrote the whole J number into the
    history ("linked resident ID, replacing J340104202003010015"), and a student's or
    a number record's repr showed it beside the masked ID number: the J number holds
    the birth date, which the mask hides, so the two gave the whole number back. The
    reason written now holds the number masked, and a reason stored before is masked
    in the repr."""
    import datetime as dt

    from tests.conftest import make_id, rebuilt
    from xueji.masking import mask
    from xueji.numbers import NumberChange, link_resident_id

    p = Province()
    born = D(2020, 3, 1)
    guardian = make_id(D(1990, 5, 5), "M")
    s = p.register("A", 1, birth=born, id_number=None, guardian_id=guardian, name="张三")
    j = s.registry_number
    assert j is not None
    own = make_id(born)
    # (the helper finds a birth date inside a longer run of digits: a whole J number)
    assert rebuilt(f"{mask(own)} {j}", of=[own]) == [own]
    out = p.reg.request_correction(school_actor("A"), s.id, {"id_number": own}, "补录身份证号")
    assert out.request is not None
    assert p.reg.approve(authority("340104"), out.request.id).allowed
    linked = p.reg.student(PROVINCE, s.id)
    assert linked.numbers is not None
    assert j[7:15] not in linked.numbers.history[-1].reason  # written masked
    shown = [repr(linked), repr(linked.numbers), *(repr(e) for e in p.reg.history(PROVINCE, s.id))]
    assert rebuilt(*shown, of=[own]) == []
    assert all(j not in text for text in shown)
    # a record linked before: the whole J number stays stored, masked in the repr
    change = NumberChange(dt.date(2026, 9, 1), linked.numbers.current, f"replacing {j}")
    assert j[7:15] not in repr(change)
    assert change.reason == f"replacing {j}"
    assert j not in repr(link_resident_id(s.numbers, own, dt.date(2026, 9, 2)))  # type: ignore[arg-type]


def test_art30_a_full_width_check_character_is_masked() -> None:
    from xueji.masking import mask_ids

    assert mask_ids("证号 11010519491231002Ｘ") == "证号 110105********002Ｘ"


def test_art30_a_number_written_in_groups_is_masked_again_with_a_stricter_mask() -> None:
    """Found by the merge review: ``remask`` masked again the numbers the default
    mask left in one run only, so a grouped number the library had masked with the
    default (``110105-********-002X``, as ``mask_ids`` writes it) kept its region and
    sex under a profile's stricter mask (Art 30). It is masked again in its groups."""
    from xueji.masking import IdMask, mask_ids, remask

    strict = IdMask(head=0, tail=2)
    for written in ("110105-19491231-002X", "110105 1949 1231 002X", "110105－19491231－002X"):
        once = mask_ids(f"学生 {written} 不存在")
        again = remask(once, strict)
        assert "110105" not in again, again
        assert "002X" not in again, again
        assert again == mask_ids(f"学生 {written} 不存在", strict)
    # masking again only hides: a mask showing more leaves the default's form
    assert remask("110105-********-002X", IdMask(head=10, tail=4)) == "110105-********-002X"


def test_art30_a_number_in_any_grouping_is_masked_again_with_a_stricter_mask() -> None:
    """A number copied with dots, underscores, or in any grouping ``mask_ids`` takes
    (docs/privacy.md) is masked again in its groups by ``remask`` under a stricter
    mask, as ``mask_ids`` masks it with that mask (found by the privacy review)."""
    from xueji.masking import IdMask, mask_ids, remask

    strict = IdMask(head=0, tail=2)
    for written in (
        "110105.19491231.002X",
        "110105_1949_1231_002X",
        "1101051949 1231002X",
        "11 0105 1949 1231 002X",
        "1101 0519 4912 3100 2X",
    ):
        once = mask_ids(f"学生 {written} 不存在")
        assert "1949" not in once, once
        again = remask(once, strict)
        assert again == mask_ids(f"学生 {written} 不存在", strict), (once, again)
        assert "0105" not in again, again
        assert "002" not in again, again


def test_a_record_read_back_cannot_change_what_the_store_holds(province: Province) -> None:
    """Found by the storage review: the memory store handed back the records it held,
    whose mappings were plain dicts, so a caller's change to a student's ``info``, a
    request's ``payload`` or a log entry's ``after`` changed the stored row with no
    version and no log entry (a forged award; an approval that wrote a name the
    authority never saw; a log that no longer verified). They cannot be changed in
    place on any store now."""
    from xueji.errors import ReadOnlyRecord

    s = province.register("A", 1, name="张三")
    a = school_actor("A")
    reg = province.reg
    entry = reg.history(PROVINCE, s.id)[-1]
    with pytest.raises(ReadOnlyRecord):
        entry.after["status"] = "tampered"  # type: ignore[index]
    assert reg.verify_log(PROVINCE).ok
    fix = reg.request_correction(a, s.id, {"name": "李四"}, "录入错误").request
    assert fix is not None
    with pytest.raises(ReadOnlyRecord):
        reg.request(PROVINCE, fix.id).payload["name"] = "王五"  # type: ignore[index]
    award = (InfoEntry(D(2026, 9, 1), "三好学生", {"level": "校级"}),)
    read = reg.student(PROVINCE, s.id)
    with pytest.raises(ReadOnlyRecord):
        read.info[InfoGroup.AWARD] = award  # type: ignore[index]
    with pytest.raises(ReadOnlyRecord):
        read.info.clear()  # type: ignore[attr-defined]
    assert reg.approve(province.authority_of("A"), fix.id).allowed
    after = reg.student(PROVINCE, s.id)
    assert (after.name, dict(after.info)) == ("李四", {})
    # an entry's data, nested in a record, as well
    out = reg.add_info(a, s.id, InfoGroup.AWARD, award[0])
    assert out.student is not None
    data = out.student.info[InfoGroup.AWARD][0].data
    with pytest.raises(ReadOnlyRecord):
        data["level"] = "省级"  # type: ignore[index]
    held = reg.student(PROVINCE, s.id).info[InfoGroup.AWARD][0].data
    assert held == {"level": "校级"}
    assert reg.verify_log(PROVINCE).ok


def test_a_record_s_mappings_are_frozen_dicts_that_read_as_dicts() -> None:
    """The frozen mapping changes no reader: equal to a dict, encoded alike by cattrs,
    orjson and json (the change log's hashes are the bytes they were), pickled and
    copied whole, kept by ``attrs.evolve``; every mutating method refuses."""
    import copy
    import hashlib
    import json
    import pickle

    import orjson

    from xueji import audit
    from xueji.errors import ReadOnlyRecord
    from xueji.model import ChangeEntry, FrozenDict

    given = {"name": "张三", "grade": "1"}
    e = audit.make_entry(
        1, D(2026, 9, 1), "school", "A", "enroll", "S1", {}, given, "第十五条", "", None, None
    )
    assert type(e.after) is FrozenDict
    assert type(e.before) is FrozenDict
    given["name"] = "李四"  # the caller's dict is not the entry's
    assert e.after == {"name": "张三", "grade": "1"}
    # the hash is over the bytes a plain dict gives (the form before the frozen type)
    plain = {f.name: getattr(e, f.name) for f in attrs.fields(ChangeEntry) if f.name != "hash"}
    plain.update(on=e.on.isoformat(), before={}, after={"name": "张三", "grade": "1"})
    assert e.hash == hashlib.sha256(audit._canonical_json(plain)).hexdigest()
    assert audit.entry_hash(e) == e.hash
    assert orjson.dumps(e.after) == orjson.dumps(dict(e.after))
    assert json.dumps(e.after, ensure_ascii=False) == json.dumps(dict(e.after), ensure_ascii=False)
    assert converter.structure(converter.unstructure(e), ChangeEntry) == e
    for back in (pickle.loads(pickle.dumps(e)), copy.deepcopy(e), copy.copy(e)):
        assert back == e
        assert type(back.after) is FrozenDict
    assert attrs.evolve(e, seq=2).after is e.after  # a frozen value is shared, not copied
    assert hash(e) == hash(pickle.loads(pickle.dumps(e)))  # a record is hashable now
    assert e.after | {"sex": "M"} == {"name": "张三", "grade": "1", "sex": "M"}
    assert type(e.after | {}) is dict
    assert FrozenDict.fromkeys(["a"], "1") == {"a": "1"}
    tries = {
        "__setitem__": lambda d: d.__setitem__("k", "v"),
        "__delitem__": lambda d: d.__delitem__("name"),
        "|=": lambda d: d.__ior__({"k": "v"}),
        "clear": lambda d: d.clear(),
        "pop": lambda d: d.pop("name"),
        "popitem": lambda d: d.popitem(),
        "setdefault": lambda d: d.setdefault("k", "v"),
        "update": lambda d: d.update(k="v"),
    }
    for name, change in tries.items():
        with pytest.raises(ReadOnlyRecord) as err:
            change(e.after)
        assert (err.value.code, err.value.operation) == ("record.read_only", name)
        assert isinstance(err.value, TypeError)
    assert e.after == {"name": "张三", "grade": "1"}
    # a student's information groups: the mapping, its tuples and each entry's data
    s = Student(
        "S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.DRAFT, "张三", "M", D(2019, 3, 1),
        "340104", D(2026, 9, 1),
        info={InfoGroup.AWARD: [InfoEntry(D(2026, 9, 1), "奖", {"k": "v"})]},  # type: ignore[dict-item]
    )  # fmt: skip
    assert type(s.info) is FrozenDict
    assert type(s.info[InfoGroup.AWARD]) is tuple
    assert type(s.info[InfoGroup.AWARD][0].data) is FrozenDict
    assert attrs.evolve(s, grade=2).info is s.info
    assert pickle.loads(pickle.dumps(s)) == s
    req = Request("R1", next(iter(RequestKind)), "S1", RequestState.AT_AUTHORITY, D(2026, 9, 1),
                  D(2026, 9, 1), payload={"name": "李四"})  # fmt: skip
    assert type(req.payload) is FrozenDict
    assert converter.structure(converter.unstructure(req), Request) == req


def test_art30_an_actor_s_repr_masks_an_identity_number_in_its_name() -> None:
    """Found by the privacy review: ``repr(Actor(ActorKind.SCHOOL, "A", <a number>))``
    showed the name whole, while the change log writes it masked; an actor's name is
    free text, masked in its ``repr`` as a student's is (Art 30)."""
    from tests.conftest import make_id
    from xueji.model import Actor

    typed = make_id(D(1980, 1, 1))
    for name in (typed, f"王老师({typed})"):
        actor = Actor(ActorKind.SCHOOL, "A", name)
        assert actor.name == name  # kept as given: the log masks it itself
        shown = repr(actor)
        assert typed not in shown
        assert f"{typed[:6]}********{typed[-4:]}" in shown
    assert repr(Actor(ActorKind.SCHOOL, "A", "王老师")).endswith("name='王老师')")
