"""Identity numbers: the findings of the identity-number review (masking by length,
residence permits, foreign permanent residence ID cards, messages)."""

from __future__ import annotations

import json
import re

import attrs
import pytest

from tests.conftest import D, Province, make_id, school_actor
from xueji import ids
from xueji.articles import anhui
from xueji.decision import Decision
from xueji.errors import InvalidPolicy, InvalidResidentId
from xueji.lifecycle import StudentStatus
from xueji.masking import IdMask, mask, mask_ids, remask
from xueji.model import Photo, Student
from xueji.policy import ANHUI_2013, Policy, Stage, parse_policy
from xueji.policy.model import Param
from xueji.rules import corrections
from xueji.rules._base import RULE_CODES, RULE_STATEMENTS

FULL = "11010519491231002X"


def _no_birth_digit(masked: str, number: str, start: int, end: int) -> None:
    """The masked text shows no character of ``number[start:end]`` (the birth date)."""
    assert len(masked) == len(number), (masked, number)
    assert set(masked[start:end]) == {"*"}, (masked, number)


@pytest.mark.parametrize("length", [16, 17])
def test_art30_a_16_or_17_digit_run_in_a_text_is_masked(length: int) -> None:
    """Found by the identity-number review: a reason text quoting 17 digits of a
    number (``正确号码为34010420200301065（末位待核）``) was logged whole: the check
    character follows from them, so 17 digits are the whole number; 16 leave one of
    eleven. They are masked, the birth date (characters 7-14) hidden."""
    number = make_id(D(2020, 3, 1))[:length]
    out = mask_ids(f"正确号码为{number}（末位待核）")
    assert number not in out
    shown = out[len("正确号码为") : len("正确号码为") + length]
    _no_birth_digit(shown, number, 6, 14)
    assert shown[:6] == number[:6]


def test_art30_16_or_17_digits_with_no_birth_date_are_left_as_they_are() -> None:
    """16 or 17 digits whose characters 7-14 are no date are no part of an identity
    number: a 地区学号 of the default format (16 digits) is left as it is, and so are
    a digest's digits beside its letters."""
    assert mask_ids("地区学号 3401042026100001") == "地区学号 3401042026100001"
    assert mask_ids("3401042026200001；12345678901234567") == (
        "3401042026200001；12345678901234567"
    )
    digest = "ab" + "34010420200301011" + "cd"
    assert mask_ids(digest) == digest


@pytest.mark.parametrize("length", [19, 20, 25])
def test_art30_a_longer_run_of_digits_is_masked_whole(length: int) -> None:
    """A run of 19 digits or more (a bank card number, a number with a digit too
    many) was left whole, an identity number inside it too: it is masked as a
    whole, its first 6 and last 4 shown, which hold no birth date of an identity
    number inside it wherever it stands."""
    number = make_id(D(2020, 3, 1))
    for run in (number[:17] + "1" * (length - 17), "9" * (length - 17) + number[:17]):
        out = mask_ids(f"卡号 {run} 。")
        assert run not in out
        masked = out[3 : 3 + length]
        assert masked == run[:6] + "*" * (length - 10) + run[-4:]
        assert "20200301" not in out
        assert "0301" not in masked[6:]


def test_art30_a_17_digit_number_in_a_correction_reason_is_logged_masked() -> None:
    """The reviewer's case, through the sealed change log."""
    p = Province()
    b = D(2020, 3, 1)
    x, y = make_id(b, n=31), make_id(b, n=32)
    s = p.register("A", 1, id_number=x, birth=b)
    out = p.reg.request_correction(
        school_actor("A"), s.id, {"id_number": y}, f"正确号码为{y[:17]}（末位待核）"
    )
    assert out.allowed
    for e in p.log():
        assert y[:15] not in str(e), e
    reason = p.log()[-1].after["reason"]
    assert re.search(r"340104\*{8}\d{3}（末位待核）", reason), reason


@pytest.mark.parametrize("length", [15, 16, 17, 18, 19])
def test_art30_mask_by_length_shows_no_birth_date_digit(length: int) -> None:
    """``mask`` reads the mask on the 18-character layout: a 16- or 17-character text
    (an identity number with its last characters left off) shows its first 6 and what
    is left of the last 4 after the birth date (2 or 3), never a digit of it."""
    number = FULL[:length] if length <= 18 else FULL + "1"
    born = (6, 12) if length == 15 else (6, 14)
    if length == 15:
        number = FULL[:6] + FULL[8:17]
    for spec in (IdMask(), IdMask(0, 2), IdMask(3, 1), IdMask(6, 4, "#")):
        out = mask(number, spec)
        assert len(out) == length
        assert set(out[born[0] : born[1]]) == {spec.fill}, (spec, out)
    assert mask(FULL[:17]) == "110105********002"
    assert mask(FULL[:16]) == "110105********00"


def test_art30_remask_masks_a_16_or_17_digit_default_mask_again() -> None:
    strict = IdMask(head=0, tail=2)
    # (the strict mask's last 2, read on the 18-character layout, less those left off)
    assert remask(f"学生 {mask(FULL[:17])} 不存在", strict) == "学生 ****************2 不存在"
    assert remask(f"学生 {mask(FULL[:16])} 不存在", strict) == "学生 **************** 不存在"


def test_art30_id_check_of_17_characters_shows_no_birth_date_digit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found by the identity-number review: ``xueji --json id check`` of 17 characters
    showed ``110105*******1002`` (the 18-character mask on 17: the last digit of the
    birth day shown), and ``number check G1101051949123100`` ``G110105******3100``."""
    from xueji.cli import main

    assert main(["--json", "id", "check", FULL[:17]]) == 1
    out = capsys.readouterr()[0]
    data = json.loads(out)[0]
    assert data["input"] == "110105********002"
    assert data["check_character"] == "X"
    assert main(["number", "check", "G" + FULL[:16]]) == 1
    out = capsys.readouterr()[0]
    assert "G110105********00 " in out, out
    assert "3100" not in out
    assert "1231" not in out


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_art13_a_residence_permit_number_is_an_identity_number(region: str) -> None:
    """Found by the identity-number review: the numbers of residence permits for Hong
    Kong, Macau and Taiwan residents (港澳台居民居住证, since 1 September 2018: 810000,
    820000, 830000 + birth date + sequence + check character) were taken for Hong Kong
    and Macau, and Taiwan's refused as ``id.region``: GB/T 2260 has no 830000 (Taiwan
    is 710000). It is taken as 810000 and 820000 are, for a student (a G number) and a
    guardian (a J number), whatever the birth year."""
    b = D(2020, 3, 1)
    number = make_id(b, region=region, n=5)
    assert ids.is_valid(number, today=D(2026, 9, 1))
    assert ids.is_valid(make_id(D(1950, 1, 1), region=region, n=5), today=D(2026, 9, 1))
    p = Province()
    s = p.register("A", 1, id_number=number, birth=b)
    assert s.registry_number == "G" + number
    guardian = make_id(D(1985, 1, 1), region=region, n=6)
    child = p.register("A", 1, id_number=None, guardian_id=guardian, birth=b)
    assert child.registry_number is not None
    assert child.registry_number.startswith("J340104")


def _foreign(province: str, nationality: str, birth: str, seq: str = "001") -> str:
    body = "9" + province + nationality + birth + seq
    return body + ids.check_character(body)


def test_art13_a_foreign_permanent_residence_id_card_number_is_taken() -> None:
    """Found by the identity-number review: the number of a foreigner's permanent
    residence ID card of the 2023 form (外国人永久居留身份证, issued since 1 December
    2023: ``9``, the 2-digit province code of issue, a 3-digit nationality code, the
    birth date, a sequence and GB 11643's check character) was refused as
    ``id.region``, "not in use in or after the birth year", which it is not: its
    birth date, sequence and check character are where an identity number has them,
    and a G number carries it."""
    today = D(2026, 9, 1)
    number = _foreign("34", "840", "20200301")
    rid = ids.parse(number, today=today)
    assert (rid.birth_date, rid.sex) == (D(2020, 3, 1), "M")
    assert rid.foreign_permanent_resident
    assert not ids.parse(FULL).foreign_permanent_resident
    p = Province()
    s = p.register("A", 1, id_number=number, birth=D(2020, 3, 1))
    assert s.registry_number == "G" + number
    guardian = _foreign("11", "392", "19850101", "002")
    child = p.register("A", 1, id_number=None, guardian_id=guardian, birth=D(2020, 3, 1))
    assert child.registry_number is not None
    assert child.registry_number.startswith("J")


def test_a_foreign_permanent_residence_number_with_no_province_says_so() -> None:
    with pytest.raises(InvalidResidentId) as e:
        ids.validate(_foreign("99", "840", "20200301"), today=D(2026, 9, 1))
    assert e.value.code == "id.region"
    assert "外国人永久居留身份证" in str(e.value)
    assert "permanent residence" in str(e.value)
    assert not ids.is_valid(_foreign("71", "840", "20200301"), today=D(2026, 9, 1))


def test_the_15_digit_hint_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """The hint for a 15-digit number said "with upgrade() first", a function, also on
    the command line: it names the command too."""
    from xueji.cli import main

    with pytest.raises(InvalidResidentId) as e:
        ids.validate("110105491231002")
    assert "xueji id upgrade" in str(e.value)
    assert "upgrade()" in str(e.value)
    assert main(["id", "check", "110105491231002"]) == 1
    assert "xueji id upgrade" in capsys.readouterr()[0]


def test_a_j_or_l_number_of_a_retired_area_says_retired_and_when() -> None:
    """``number check L341421201905010001`` said "unknown area code" for 341421 (庐江县),
    known but retired in 2011: it says so, and when, as issuing one does."""
    from xueji import numbers
    from xueji.errors import InvalidRegistryNumber

    with pytest.raises(InvalidRegistryNumber) as e:
        numbers.parse("L341421201905010001", today=D(2026, 9, 1))
    assert e.value.code == "number.area"
    assert "2011" in str(e.value)
    assert "停用" in str(e.value)
    assert "no longer in use" in str(e.value)
    with pytest.raises(InvalidRegistryNumber) as e:
        numbers.parse("L349999201905010001", today=D(2026, 9, 1))
    assert "unknown area code" in str(e.value)


# -- follow-ups: the correction's own code, and the card as a profile parameter ---------


def test_art29_a_correction_out_of_agreement_has_its_own_code() -> None:
    """Found by the review of the identity-number change: a correction whose new
    number disagrees with the record's sex or birth date was refused with
    ``enrolment.id_mismatch``, which a clerk read as a refusal of an enrolment. It is
    ``correction.id_mismatch`` (Art 29), its facts as the enrolment rule's: no birth
    date, no number (Art 30)."""

    birth = D(2020, 3, 1)
    number = make_id(birth, "F")
    s = Student(
        id="P1",
        school="A",
        class_id="A-1",
        grade=1,
        stage=Stage.PRIMARY,
        status=StudentStatus.REGISTERED,
        name="李二",
        sex="F",
        birth_date=birth,
        hukou_region="340104",
        id_number=number,
        entry_date=D(2026, 9, 1),
        submitted=True,
    )
    other = make_id(D(2020, 3, 2), "M")
    d = corrections.check_correction(
        s, {"id_number": other}, today=D(2026, 9, 1), policy=ANHUI_2013
    )
    assert d.codes == ("correction.id_mismatch",)
    (v,) = d.violations
    assert v.article == anhui(29)
    assert dict(v.facts) == {
        "has_id_number": "True",
        "sex": "F",
        "id_sex": "M",
        "birth_date_agrees": "False",
        "disagrees": "sex,birth_date",
    }
    assert "2020" not in repr(d.explain().to_dict())
    ok = corrections.check_correction(s, {"name": "李三"}, today=D(2026, 9, 1), policy=ANHUI_2013)
    (agrees,) = [x for x in ok.explain().steps if x.rule == "correction.id_mismatch"]
    assert agrees.title_zh == RULE_STATEMENTS["correction.id_mismatch"][0]
    assert RULE_CODES["correction.id_mismatch"][0] == anhui(29)
    for text in RULE_STATEMENTS["correction.id_mismatch"]:
        assert "29" not in text
        assert "二十九" not in text


def test_art29_a_direct_edit_and_an_enrolment_keep_the_enrolment_code() -> None:
    p = Province()
    birth = D(2020, 3, 1)
    draft = p.enroll(birth=birth, sex="F", id_number=make_id(birth, "F"))
    out = p.reg.update_student(school_actor("A"), draft.id, sex="M")
    assert out.decision.codes == ("enrolment.id_mismatch",)


def _no_foreign_cards() -> Policy:

    art = ANHUI_2013.foreign_permanent_resident_ids.article
    return attrs.evolve(
        ANHUI_2013, foreign_permanent_resident_ids=Param(False, art, "not read so here")
    )


def test_art13_the_foreign_card_is_a_profile_parameter_anhui_takes_it() -> None:
    """The permanent residence card's number taken as an identity number is a reading
    of Art 13, now the profile's: ``foreign_permanent_resident_ids`` (Anhui: true,
    Art 13, its note saying the reading); its step cites the parameter."""

    param = ANHUI_2013.foreign_permanent_resident_ids
    assert param.value is True
    assert param.article == anhui(13)
    assert "外国人永久居留身份证" in param.note
    p = Province()
    out = p.reg.enroll(
        school_actor("A"),
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=_foreign("34", "840", "20200301"),
        photo=Photo(p.today(), "sha256:x"),
    )
    assert out.allowed, out.decision
    (s,) = [
        x for x in out.decision.explain().steps if x.rule == "enrolment.foreign_id_not_accepted"
    ]
    assert s.verdict.value == "allow"
    assert [u.name for u in s.params] == ["foreign_permanent_resident_ids"]


def test_art13_a_profile_not_taking_the_foreign_card_refuses_it_everywhere() -> None:
    """``foreign_permanent_resident_ids = false``: the card's number is refused as the
    student's or the guardian's identity number, by ``enroll``, ``enroll_many``,
    ``transfer_in`` (given, or carried by a G 学籍号), a correction and a draft's
    edit (``enrolment.foreign_id_not_accepted``, citing the parameter's article);
    a resident identity number is taken as before."""

    policy = _no_foreign_cards()
    p = Province(policies=(policy,))
    a = school_actor("A")
    birth = D(2020, 3, 1)
    card = _foreign("34", "840", "20200301")
    parent = _foreign("11", "392", "19850101", "002")
    kw: dict[str, object] = {
        "school": "A",
        "class_id": "A-1",
        "grade": 1,
        "name": "甲",
        "sex": "M",
        "birth_date": birth,
        "hukou_region": "340104",
        "photo": Photo(p.today(), "sha256:x"),
    }

    def refused(out: object) -> None:
        d = out.decision  # type: ignore[attr-defined]
        assert isinstance(d, Decision)
        assert "enrolment.foreign_id_not_accepted" in d.codes, d
        (v,) = [x for x in d.violations if x.code == "enrolment.foreign_id_not_accepted"]
        assert v.article == policy.foreign_permanent_resident_ids.article
        assert card not in repr(v)
        assert parent not in repr(v)

    refused(p.reg.enroll(a, id_number=card, **kw))  # type: ignore[arg-type]
    refused(p.reg.enroll(a, guardian_id=parent, **kw))  # type: ignore[arg-type]
    many = p.reg.enroll_many(a, [{**kw, "id_number": card}], all_or_nothing=False)
    ((_, row),) = many.refused
    assert "enrolment.foreign_id_not_accepted" in row.codes
    transfer = {k: v for k, v in kw.items() if k != "photo"}
    refused(
        p.reg.transfer_in(
            a,
            origin="境外",
            abroad=True,
            id_number=card,
            photo=Photo(p.today(), "sha256:x"),
            **transfer,  # type: ignore[arg-type]
        )
    )
    refused(
        p.reg.transfer_in(
            a,
            origin="江苏省某小学",
            abroad=False,
            registry_number="G" + card,
            photo=Photo(p.today(), "sha256:x"),
            **transfer,  # type: ignore[arg-type]
        )
    )
    # a resident's number goes in as before; a correction or an edit to the card's is refused
    s = p.register(birth=birth, id_number=make_id(birth, "M"))
    refused(p.reg.request_correction(a, s.id, {"id_number": card}, "护照换证"))
    draft = p.enroll(birth=birth, id_number=None, guardian_id=make_id(D(1985, 1, 1), "F"))
    refused(p.reg.update_student(a, draft.id, guardian_id=parent))
    # and under Anhui's profile the same correction is filed
    q = Province()
    t = q.register(birth=birth, id_number=make_id(birth, "M"))
    assert q.reg.request_correction(a, t.id, {"id_number": card}, "换证").allowed


def test_art13_the_foreign_card_parameter_loads_from_a_policy_file() -> None:
    text = """
base = "anhui-2013"
code = "nocard-2027"
name = "某省办法"
instrument = "某教基〔2027〕1号"

[foreign_permanent_resident_ids]
value = false
article = { instrument = "某教基〔2027〕1号", number = 13 }
note = "Only resident identity numbers and residence permits."
"""
    policy = parse_policy(text)
    assert policy.foreign_permanent_resident_ids.value is False
    assert policy.foreign_permanent_resident_ids.article.number == 13
    with pytest.raises(InvalidPolicy) as e:
        parse_policy(text.replace("value = false", 'value = "no"'))
    assert "foreign_permanent_resident_ids" in str(e.value)
