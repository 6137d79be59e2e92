"""GB 11643 identity numbers (xueji.ids)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xueji import ids, regions
from xueji.errors import InvalidResidentId, XuejiError

TODAY = dt.date(2026, 11, 28)
GB_EXAMPLE = "11010519491231002X"


def make(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    return body + ids.check_character(body)


def test_parse_splits_the_number() -> None:
    rid = ids.parse(GB_EXAMPLE, today=TODAY)
    assert rid.number == GB_EXAMPLE
    assert rid.region == "110105"
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sequence == 2
    assert rid.sex == "F"
    assert ids.parse(make("340104", "20100101", "001"), today=TODAY).sex == "M"


@pytest.mark.parametrize(
    "text",
    [
        " 11010519491231002X ",
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "\t11010519491231002ｘ\n",
    ],
)
def test_normalisation(text: str) -> None:
    assert ids.validate(text, today=TODAY) == GB_EXAMPLE
    assert ids.is_valid(text, today=TODAY)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "id.length"),
        ("11010519491231002", "id.length"),
        ("110105194912310021X", "id.length"),
        ("11010519491231002Y", "id.format"),
        ("1101051949123100A2", "id.format"),
        ("110105194912310021", "id.checksum"),
        (make("110105", "19490229", "002"), "id.birth_date"),  # 1949 is not a leap year
        (make("110105", "19491301", "002"), "id.birth_date"),
        (make("110105", "20270101", "002"), "id.birth_date"),  # in the future
        (make("110105", "17991231", "002"), "id.birth_date"),  # before MIN_BIRTH_YEAR
        (make("999999", "19900101", "002"), "id.region"),  # never a code
        (make("349999", "19900101", "001"), "id.region"),  # stdnum raises KeyError here
        (make("110103", "20110101", "001"), "id.region"),  # 崇文区, retired after 2010
    ],
)
def test_each_failed_part_has_its_code(text: str, code: str) -> None:
    with pytest.raises(InvalidResidentId) as err:
        ids.validate(text, today=TODAY)
    assert err.value.code == code
    assert isinstance(err.value, XuejiError)
    assert isinstance(err.value, ValueError)
    assert not ids.is_valid(text, today=TODAY)


def test_art30_error_message_is_bilingual_and_masked() -> None:
    bad = "110105194912310021"
    with pytest.raises(InvalidResidentId) as err:
        ids.validate(bad)
    message = str(err.value)
    assert bad not in message
    assert "110105********0021" in message
    assert "校验码" in message
    assert "check character" in message
    assert "expected X" in message


def test_leap_day_birth_is_valid() -> None:
    assert ids.is_valid(make("110105", "20000229", "003"), today=TODAY)
    assert not ids.is_valid(make("110105", "19000229", "003"), today=TODAY)  # 1900: not leap


def test_future_birth_date_depends_on_injected_today() -> None:
    n = make("340104", "20261201", "001")
    assert not ids.is_valid(n, today=TODAY)
    assert ids.is_valid(n, today=dt.date(2026, 12, 1))


def test_region_rule_accepts_codes_first_used_after_birth() -> None:
    # GB 11643's own example: a man born in 1880 with a code introduced later.
    assert ids.is_valid("440524188001010014", today=TODAY)
    # 崇文区 (110103) was retired after 2010: valid for anyone born up to 2010.
    assert ids.is_valid(make("110103", "20100101", "001"), today=TODAY)
    assert regions.lookup("110103").last_year == 2010


def test_a_python_stdnum_without_the_years_of_its_codes_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """python-stdnum 2.0 and 2.1 hold ``cn/loc`` as six-digit codes without their
    years: read as an empty table, every identity number and school region was
    refused as "not in use", with nothing to say why. Now an error that names the
    version needed (and pyproject asks for 2.2)."""
    from stdnum import numdb

    older = SimpleNamespace(  # the shape of python-stdnum 2.1's data: one level, no years
        prefixes=[(6, "110101", "110101", {"county": "东城区"}, [])]
    )
    monkeypatch.setattr(numdb, "get", lambda name: older)
    regions.table.cache_clear()
    try:
        with pytest.raises(XuejiError, match=r"python-stdnum 2\.2") as e:
            regions.table()
        assert e.value.code == "regions.no_data"
    finally:
        monkeypatch.undo()
        regions.table.cache_clear()
    assert regions.lookup("340104").name == "蜀山区"  # the real data again


def test_stdnum_disagreements_are_the_documented_ones() -> None:
    ric = pytest.importorskip("stdnum.cn.ric")
    gb = "440524188001010014"
    assert ids.is_valid(gb)
    assert not ric.is_valid(gb)
    key_error = make("349999", "19900101", "001")
    with pytest.raises(KeyError):
        ric.is_valid(key_error)
    assert ids.is_valid(key_error) is False


def test_upgrade_15_digit_numbers() -> None:
    assert ids.upgrade("110105491231002") == GB_EXAMPLE
    with pytest.raises(InvalidResidentId) as err:
        ids.upgrade("11010549123100")
    assert err.value.code == "id.length"
    with pytest.raises(InvalidResidentId) as err:
        ids.validate("110105491231002")
    assert "upgrade" in str(err.value)


def test_art30_repr_and_str_mask_the_number() -> None:
    rid = ids.parse(GB_EXAMPLE)
    assert GB_EXAMPLE not in repr(rid)
    assert GB_EXAMPLE not in str(rid)
    assert rid.masked() == "110105********002X"


def test_art30_a_resident_id_s_repr_does_not_give_the_number_back() -> None:
    """Found by the privacy review: ``repr(ResidentId)`` showed the masked number with
    ``birth_date`` and ``sequence`` beside it: the mask hides exactly the birth date,
    so the repr gave the whole number back (the README's first example showed it)."""
    from tests.conftest import rebuilt

    rid = ids.parse(GB_EXAMPLE)
    assert rebuilt(repr(rid), str(rid), of=(GB_EXAMPLE,)) == []
    assert repr(rid) == "ResidentId(number='110105********002X', region='110105', sex='F')"
    assert rid.birth_date == dt.date(1949, 12, 31)  # still read from the value


def test_check_character_rejects_bad_bodies() -> None:
    with pytest.raises(ValueError, match="17"):
        ids.check_character("1234")


def test_validate_rejects_non_str() -> None:
    with pytest.raises(InvalidResidentId):
        ids.validate(110105194912310020)  # type: ignore[arg-type]
    assert ids.is_valid(None) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: ids.check_character("1101051949123100"), "id.length"),  # 16 digits
        (lambda: ids.check_character("1101051949123100A"), "id.format"),
        (lambda: ids.check_character("１１０１０５１９４９１２３１００２"), "id.format"),
        (lambda: ids.check_character(None), "id.format"),
        (lambda: ids.normalize(None), "id.format"),
        (lambda: ids.normalize(["11010519491231002X"]), "id.format"),
        (lambda: ids.upgrade(110105491231002), "id.format"),  # an int
        (lambda: ids.upgrade(None), "id.format"),
        (lambda: ids.parse(GB_EXAMPLE, today="2026-01-01"), "id.today"),
        (lambda: ids.validate(GB_EXAMPLE, today=20260101), "id.today"),
        (lambda: ids.is_valid(GB_EXAMPLE, today="2026-01-01"), "id.today"),
        (lambda: ids.is_valid(GB_EXAMPLE, today=["2026-01-01"]), "id.today"),  # unhashable
    ],
)
def test_public_functions_raise_only_invalid_resident_id(call: object, code: str) -> None:
    """Review finding 4: a plain English ValueError, AttributeError or TypeError
    before; now the module's own error, in Chinese and English, as ``validate``
    gives for a value that is not a str."""
    with pytest.raises(InvalidResidentId) as err:
        call()  # type: ignore[operator]
    assert err.value.code == code
    assert isinstance(err.value, ValueError)
    assert err.value.message_zh != err.value.message_en
    assert any("\u4e00" <= c <= "\u9fff" for c in err.value.message_zh)


def test_a_datetime_is_a_today() -> None:
    assert ids.is_valid(GB_EXAMPLE, today=dt.datetime(2026, 1, 1, 12, 0))


# -- properties ----------------------------------------------------------------------

_CODES = sorted(c for c, r in regions.table().items() if r.last_year == regions.OPEN_END)
bodies = st.builds(
    lambda code, born, seq: code + born.strftime("%Y%m%d") + f"{seq:03d}",
    st.sampled_from(_CODES),
    st.dates(dt.date(1900, 1, 1), TODAY),
    st.integers(0, 999),
)


@given(bodies)
def test_every_body_has_exactly_one_accepted_check_character(body: str) -> None:
    accepted = [c for c in "0123456789X" if ids.is_valid(body + c, today=TODAY)]
    assert accepted == [ids.check_character(body)]


@given(bodies)
def test_parse_validate_round_trip(body: str) -> None:
    number = body + ids.check_character(body)
    rid = ids.parse(ids.validate(number, today=TODAY), today=TODAY)
    assert rid.number == number
    assert rid.birth_date.strftime("%Y%m%d") == number[6:14]
    assert ids.parse(rid.number, today=TODAY) == rid


@given(st.text())
def test_is_valid_never_raises(text: str) -> None:
    assert ids.is_valid(text) in (True, False)


@given(st.one_of(st.text(alphabet="0123456789Xx １２Ｘ \t", max_size=20), bodies))
def test_is_valid_agrees_with_validate(text: str) -> None:
    try:
        ids.validate(text, today=TODAY)
    except InvalidResidentId:
        assert not ids.is_valid(text, today=TODAY)
    else:
        assert ids.is_valid(text, today=TODAY)


def test_art30_a_15_digit_number_is_masked_with_its_birth_date_hidden() -> None:
    """Found by the privacy review: the default mask (first 6, last 4) on a 15-digit
    first-generation number showed ``110105*****1002``: its birth date is characters
    7-12 (``YYMMDD``), and the 1 shown was the last digit of the day. A mask is read
    on the 18-character layout (6 region, 8 birth date, 3 sequence, 1 check), which a
    15-digit number holds without the century and the check character: the default
    shows its first 6 and last 3, and a stricter mask hides at least as much."""
    from xueji.masking import IdMask, mask, mask_ids, remask

    old = "110105491231002"
    assert mask(old) == "110105******002"
    assert ids.mask(old) == "110105******002"
    assert mask_ids(f"王老师({old})") == "王老师(110105******002)"
    assert mask(old, IdMask(head=0, tail=2)) == "**************2"
    assert mask(old, IdMask(head=8, tail=4)) == "110105******002"  # the century: none here
    assert mask(old, IdMask(head=10, tail=4)) == "11010549****002"  # as it shows of 18
    assert mask(GB_EXAMPLE, IdMask(head=10, tail=4)) == "1101051949****002X"
    for spec in (IdMask(), IdMask(0, 2), IdMask(3, 1), IdMask(6, 4, "#")):
        assert set(mask(old, spec)[6:12]) == {spec.fill}, spec  # the birth date
    # a message masked with the default is masked again with a stricter mask, in the
    # form written now and in the one written before
    strict = IdMask(head=0, tail=2)
    assert remask(f"学生 {mask(old)} 不存在", strict) == "学生 **************2 不存在"
    assert remask("学生 110105*****1002 不存在", strict) == "学生 **************2 不存在"
