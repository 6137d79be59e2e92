"""Hypothesis strategies for host applications and analysts.

This module imports `hypothesis <https://hypothesis.readthedocs.io/>`_, a test-time
dependency that xueji itself does not need: install it in the environment that runs
your tests (``pip install hypothesis``, or xueji's ``dev`` extra). Nothing else in
xueji imports this module.

Every strategy draws values that are valid *as of* a fixed reference date,
:data:`TODAY` (2026-09-01, the start of a school year), unless given another
``today``: pass the same date to the code under test (``ids.validate(text,
today=...)``, a :class:`~xueji.clock.ManualClock`) so that no example depends on the
day the tests run.

Values:

* :func:`resident_ids` and :func:`invalid_resident_ids`: GB 11643 numbers that
  :func:`xueji.ids.validate` accepts, and ``(code, text)`` pairs it refuses with
  exactly that error ``code`` (``id.length``, ``id.format``, ``id.checksum``,
  ``id.birth_date``, ``id.region``);
* :func:`registry_numbers` and :func:`invalid_registry_numbers`: the same for
  :func:`xueji.numbers.parse` (G, J and L numbers);
* :func:`province_trees`, :func:`schools`, :func:`classes`: a supervising-unit tree
  (Art 4) built from region codes in use, schools under it and their classes;
* :func:`students` (:class:`~xueji.model.Student` values, for store-level tests) and
  :func:`enrolment_rows` (keyword arguments of :meth:`xueji.registry.Registry.enroll`);
* :func:`worlds`, :func:`commands` and :func:`command_sequences`: a small province
  and registry commands against it, run by a :class:`CommandRunner`;
* :class:`RegistryMachine`: a ``hypothesis.stateful`` machine a host subclasses with
  its own store (override :meth:`RegistryMachine.make_store`) to check the registry's
  invariants on it.

For example, in a host's tests::

    from hypothesis import given
    from xueji import ids
    from xueji.testing import strategies as xs

    @given(xs.resident_ids(region="340104", sex="F"))
    def test_my_form_accepts_ids(number):
        assert my_form.clean_id(number) == ids.validate(number, today=xs.TODAY)

    @given(xs.invalid_resident_ids())
    def test_my_form_names_the_error(case):
        code, text = case
        assert my_form.error_code(text) == code

    class TestMyStore(xs.RegistryMachine.TestCase):
        pass   # with make_store overridden on a subclass of RegistryMachine
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar, get_args

import attrs
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from xueji import ids, regions
from xueji.clock import ManualClock
from xueji.errors import TransitionRefused, XuejiError
from xueji.lifecycle.tables import RequestState, StudentStatus
from xueji.model import (
    Actor,
    ActorKind,
    Consent,
    Photo,
    Request,
    School,
    SchoolClass,
    Student,
    TransferReason,
    Unit,
    UnitLevel,
    stage_of_grade,
)
from xueji.numbers import new_record
from xueji.policy import ANHUI_2013, Policy, policy_in_force
from xueji.policy.values import Stage
from xueji.registry import Outcome, Registry
from xueji.storage import MemoryStore
from xueji.storage.protocols import Store

__all__ = [
    "COMMAND_NAMES",
    "ID_ERROR_CODES",
    "NUMBER_ERROR_CODES",
    "STAGE_GRADES",
    "TODAY",
    "Command",
    "CommandResult",
    "CommandRunner",
    "ProvinceTree",
    "RegistryMachine",
    "World",
    "birth_dates",
    "classes",
    "command_sequences",
    "commands",
    "enrolment_rows",
    "invalid_registry_numbers",
    "invalid_resident_ids",
    "province_trees",
    "region_codes",
    "registry_numbers",
    "resident_ids",
    "schools",
    "students",
    "worlds",
]

T = TypeVar("T")
Sex = Literal["M", "F"]

TODAY = _dt.date(2026, 9, 1)
"""The reference date of every strategy (a school year's first day)."""

ID_ERROR_CODES = ("id.length", "id.format", "id.checksum", "id.birth_date", "id.region")
"""The error codes :func:`invalid_resident_ids` labels its numbers with."""

NUMBER_ERROR_CODES = (
    "number.length",
    "number.prefix",
    "number.format",
    "number.checksum",
    "number.birth_date",
    "number.area",
    "number.g_id",
)
"""The error codes :func:`invalid_registry_numbers` labels its numbers with."""

_EARLIEST = _dt.date(1900, 1, 1)


def _strategy(value: T | st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


# -- region codes ------------------------------------------------------------------------


@functools.cache
def _current_codes(prefix: str) -> tuple[str, ...]:
    """County-level codes still in use (never retired), sorted."""
    return tuple(
        sorted(
            code
            for code, r in regions.table().items()
            if code.startswith(prefix) and r.last_year == regions.OPEN_END and code[4:] != "00"
        )
    )


@functools.cache
def _retired_codes() -> tuple[str, ...]:
    """Codes no longer in use, with their last year before :data:`TODAY`'s."""
    return tuple(
        sorted(code for code, r in regions.table().items() if r.last_year < TODAY.year - 1)
    )


def region_codes(prefix: str = "") -> st.SearchStrategy[str]:
    """County-level GB/T 2260 codes still in use, starting with ``prefix`` (``"34"``:
    Anhui). A code in use today is valid in an identity number of any birth year."""
    codes = _current_codes(prefix)
    if not codes:
        raise ValueError(f"no region code in use starts with {prefix!r}")
    return st.sampled_from(codes)


def birth_dates(
    *, earliest: _dt.date = _EARLIEST, latest: _dt.date = TODAY
) -> st.SearchStrategy[_dt.date]:
    """Real dates from ``earliest`` to ``latest`` (inclusive)."""
    return st.dates(min_value=earliest, max_value=latest)


# -- resident identity numbers (GB 11643) -------------------------------------------------


def _with_check(body17: str) -> str:
    return body17 + ids.check_character(body17)


def _sequences(sex: Sex | None) -> st.SearchStrategy[int]:
    # odd for men, even for women; 000 is never issued
    if sex == "M":
        return st.integers(0, 499).map(lambda n: 2 * n + 1)
    if sex == "F":
        return st.integers(1, 499).map(lambda n: 2 * n)
    return st.integers(1, 999)


def resident_ids(
    valid: bool = True,
    region: str | st.SearchStrategy[str] | None = None,
    born: _dt.date | st.SearchStrategy[_dt.date] | None = None,
    sex: Sex | None = None,
    *,
    today: _dt.date = TODAY,
) -> st.SearchStrategy[str]:
    """18-character identity numbers that :func:`xueji.ids.validate` accepts (as of
    ``today``): a region code in use (``region``, default any county code in use), a
    real birth date not after ``today`` (``born``, default 1900 to ``today``), a
    sequence odd for ``sex="M"`` and even for ``"F"``, and the right check character.

    ``region`` and ``born`` take a value or a strategy. A ``region`` that was retired
    must come with births no later than its last year in use, or the number is
    invalid (:func:`xueji.regions.in_use_since`). ``valid=False`` draws the text of
    :func:`invalid_resident_ids` instead (the other arguments are then ignored).
    """
    if not valid:
        return invalid_resident_ids(today=today).map(lambda case: case[1])
    regs = region_codes() if region is None else _strategy(region)
    dates = birth_dates(latest=today) if born is None else _strategy(born)
    return st.builds(
        lambda r, d, s: _with_check(f"{r}{d:%Y%m%d}{s:03d}"), regs, dates, _sequences(sex)
    )


_BAD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWYZ-_/.#*"


def _impossible_dates(today: _dt.date) -> st.SearchStrategy[str]:
    """``YYYYMMDD`` texts that are no real date, or one after ``today`` or before 1800."""
    future = st.dates(today + _dt.timedelta(days=1), _dt.date(9999, 12, 31))
    common_years = st.integers(1801, today.year).filter(
        lambda y: y % 4 != 0 or (y % 100 == 0 and y % 400 != 0)
    )
    return st.one_of(
        st.builds(
            lambda y, m: f"{y:04d}{m:02d}01", st.integers(1900, today.year), st.integers(13, 99)
        ),
        st.builds(
            lambda y, m: f"{y:04d}{m:02d}00", st.integers(1900, today.year), st.integers(1, 12)
        ),
        st.builds(
            lambda y, d: f"{y:04d}02{d:02d}", st.integers(1900, today.year), st.integers(30, 31)
        ),
        st.builds(
            lambda y, d: f"{y:04d}0{d}31", st.integers(1900, today.year), st.sampled_from("469")
        ),
        common_years.map(lambda y: f"{y:04d}0229"),
        future.map(lambda d: f"{d:%Y%m%d}"),
        st.dates(_dt.date(1000, 1, 1), _dt.date(1799, 12, 31)).map(lambda d: f"{d:%Y%m%d}"),
    )


def _unknown_regions() -> st.SearchStrategy[str]:
    """Six digits that name no region: not in the table, and not starting with ``9``
    (a foreigner's permanent residence card of the 2023 form starts so, its next two
    digits the issuing province: :func:`xueji.ids.validate` reads it by them)."""
    known = regions.table()
    return st.from_regex(r"[0-8][0-9]{5}", fullmatch=True).filter(lambda c: c not in known)


def invalid_resident_ids(*, today: _dt.date = TODAY) -> st.SearchStrategy[tuple[str, str]]:
    """``(code, text)`` pairs: a ``text`` that :func:`xueji.ids.validate` refuses (as of
    ``today``) with an :class:`~xueji.errors.InvalidResidentId` whose ``code`` is
    ``code``, one of :data:`ID_ERROR_CODES`:

    * ``id.length``: a valid number with digits cut or added (never 18 long);
    * ``id.format``: a letter or sign among the first 17 characters, or a last
      character other than a digit or ``X``;
    * ``id.checksum``: a valid number with another check character;
    * ``id.birth_date``: 13th months, day 00, 30 February, 31 April, 29 February of a
      common year, dates after ``today`` or before 1800 (check character right);
    * ``id.region``: a code that never existed, or one retired before the birth year.
    """
    good = resident_ids(today=today)
    length = st.one_of(
        st.tuples(good, st.integers(1, 17)).map(lambda t: t[0][: t[1]]),
        st.tuples(good, st.text("0123456789", min_size=1, max_size=6)).map(lambda t: t[0] + t[1]),
    )

    def _bad_body(t: tuple[str, int, str]) -> str:
        number, at, ch = t
        return number[:at] + ch + number[at + 1 :]

    fmt = st.one_of(
        st.tuples(good, st.integers(0, 16), st.sampled_from(_BAD_CHARS)).map(_bad_body),
        st.tuples(good, st.sampled_from(_BAD_CHARS.replace("X", ""))).map(
            lambda t: t[0][:17] + t[1]
        ),
    )
    checksum = (
        st.tuples(good, st.sampled_from("0123456789X"))
        .filter(lambda t: t[0][17] != t[1])
        .map(lambda t: t[0][:17] + t[1])
    )
    birth = st.builds(
        lambda r, d, s: _with_check(f"{r}{d}{s:03d}"),
        region_codes(),
        _impossible_dates(today),
        _sequences(None),
    )
    retired = _retired_codes()
    region_parts = [
        st.builds(
            lambda r, d, s: _with_check(f"{r}{d:%Y%m%d}{s:03d}"),
            _unknown_regions(),
            birth_dates(latest=today),
            _sequences(None),
        )
    ]
    if retired:
        region_parts.append(
            st.sampled_from(retired).flatmap(
                lambda code: st.builds(
                    lambda d, s: _with_check(f"{code}{d:%Y%m%d}{s:03d}"),
                    birth_dates(
                        earliest=_dt.date(regions.last_year_in_use(code) + 1, 1, 1), latest=today
                    ),
                    _sequences(None),
                )
            )
        )
    return st.one_of(
        length.map(lambda t: ("id.length", t)),
        fmt.map(lambda t: ("id.format", t)),
        checksum.map(lambda t: ("id.checksum", t)),
        birth.map(lambda t: ("id.birth_date", t)),
        st.one_of(region_parts).map(lambda t: ("id.region", t)),
    )


# -- registry numbers (学籍号) ----------------------------------------------------------------


def _j_numbers(today: _dt.date) -> st.SearchStrategy[str]:
    return st.builds(
        lambda r, d, s: "J" + _with_check(f"{r}{d:%Y%m%d}{s:03d}"),
        region_codes(),
        birth_dates(latest=today),
        st.integers(1, 999),
    )


def _l_numbers(today: _dt.date) -> st.SearchStrategy[str]:
    return st.builds(
        lambda r, d, s: f"L{r}{d:%Y%m%d}{s:04d}",
        region_codes(),
        birth_dates(latest=today),
        st.integers(1, 9999),
    )


def registry_numbers(
    kind: Literal["G", "J", "L"] | None = None, *, today: _dt.date = TODAY
) -> st.SearchStrategy[str]:
    """19-character registry numbers that :func:`xueji.numbers.parse` accepts: ``G`` +
    an identity number, ``J`` + an identity-like number with its check character, ``L``
    + area, birth date and a 4-digit sequence. ``kind=None`` draws any of the three."""
    by_kind = {
        "G": resident_ids(today=today).map(lambda n: "G" + n),
        "J": _j_numbers(today),
        "L": _l_numbers(today),
    }
    if kind is None:
        return st.one_of(*by_kind.values())
    return by_kind[kind]


def invalid_registry_numbers(*, today: _dt.date = TODAY) -> st.SearchStrategy[tuple[str, str]]:
    """``(code, text)`` pairs that :func:`xueji.numbers.parse` refuses with an
    :class:`~xueji.errors.InvalidRegistryNumber` of that ``code`` (one of
    :data:`NUMBER_ERROR_CODES`): a wrong length, a prefix other than G/J/L, a
    non-digit in a J or L number, a J number's wrong check character, an impossible
    birth date, an unknown area code, and a G number around an invalid identity
    number (``number.g_id``)."""
    valid = registry_numbers(today=today)
    jl = st.one_of(_j_numbers(today), _l_numbers(today))
    length = st.tuples(valid, st.integers(1, 18)).map(lambda t: t[0][: t[1]])
    prefix = st.tuples(valid, st.sampled_from("ABCDEFHIKMNOPQRSTUVWXYZ0123456789")).map(
        lambda t: t[1] + t[0][1:]
    )
    fmt = st.tuples(jl, st.integers(1, 17), st.sampled_from(_BAD_CHARS.replace("X", ""))).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )
    checksum = (
        st.tuples(_j_numbers(today), st.sampled_from("0123456789X"))
        .filter(lambda t: t[0][18] != t[1])
        .map(lambda t: t[0][:18] + t[1])
    )
    birth = st.one_of(
        st.builds(
            lambda r, d, s: "J" + _with_check(f"{r}{d}{s:03d}"),
            region_codes(),
            _impossible_dates(today),
            st.integers(1, 999),
        ),
        st.builds(
            lambda r, d, s: f"L{r}{d}{s:04d}",
            region_codes(),
            _impossible_dates(today),
            st.integers(1, 9999),
        ),
    )
    area = st.builds(
        lambda r, d, s: f"L{r}{d:%Y%m%d}{s:04d}",
        _unknown_regions(),
        birth_dates(latest=today),
        st.integers(1, 9999),
    )
    g_id = (
        invalid_resident_ids(today=today)
        .filter(lambda c: len(c[1]) == 18)
        .map(lambda c: "G" + c[1])
    )
    return st.one_of(
        length.map(lambda t: ("number.length", t)),
        prefix.map(lambda t: ("number.prefix", t)),
        fmt.map(lambda t: ("number.format", t)),
        checksum.map(lambda t: ("number.checksum", t)),
        birth.map(lambda t: ("number.birth_date", t)),
        area.map(lambda t: ("number.area", t)),
        g_id.map(lambda t: ("number.g_id", t)),
    )


# -- the supervising-unit tree, schools and classes (Arts 4, 8-10) ------------------------------


@attrs.frozen
class ProvinceTree:
    """A province's education authorities (Art 4): the province unit, its cities and
    their counties. Unit codes follow the region codes: ``"34"``, ``"3401"``,
    ``"340104"``; a county's ``region`` is a code in use."""

    province: Unit
    cities: tuple[Unit, ...]
    counties: tuple[Unit, ...]

    @property
    def units(self) -> tuple[Unit, ...]:
        """Every unit, parents before children (the order to add them in)."""
        return (self.province, *self.cities, *self.counties)

    @property
    def authorities(self) -> tuple[Unit, ...]:
        """The units that may be a school's 学籍主管单位: cities and counties."""
        return (*self.cities, *self.counties)

    def unit(self, code: str) -> Unit:
        """The unit of ``code`` (``KeyError`` if not in the tree)."""
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    def actor(self, code: str) -> Actor:
        """The actor of a unit: province, city or county."""
        kind = {
            UnitLevel.PROVINCE: ActorKind.PROVINCE,
            UnitLevel.CITY: ActorKind.CITY,
            UnitLevel.COUNTY: ActorKind.COUNTY,
        }[self.unit(code).level]
        return Actor(kind, code, f"{code} 管理员")


@functools.cache
def _layout() -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    """Province prefix -> city prefix -> county codes in use."""
    out: dict[str, dict[str, list[str]]] = {}
    for code in _current_codes(""):
        out.setdefault(code[:2], {}).setdefault(code[:4], []).append(code)
    return {p: {c: tuple(v) for c, v in cities.items()} for p, cities in out.items()}


_PROVINCE_NAMES = {"34": "安徽省"}


def province_trees(
    province: str | None = "34", *, max_cities: int = 3, max_counties: int = 3
) -> st.SearchStrategy[ProvinceTree]:
    """A province unit with 1 to ``max_cities`` cities, each with 1 to ``max_counties``
    counties, all with region codes in use (``province=None``: any province)."""
    layout = _layout()
    prefixes = sorted(layout) if province is None else [province]
    if not all(p in layout for p in prefixes):
        raise ValueError(f"no region codes in use for province {province!r}")

    @st.composite
    def build(draw: st.DrawFn) -> ProvinceTree:
        p = draw(st.sampled_from(prefixes))
        name = _PROVINCE_NAMES.get(p, p)
        top = Unit(p, f"{name}教育厅", UnitLevel.PROVINCE, f"{p}0000")
        city_codes = draw(
            st.lists(
                st.sampled_from(sorted(layout[p])), min_size=1, max_size=max_cities, unique=True
            )
        )
        cities, counties = [], []
        for c in sorted(city_codes):
            cities.append(Unit(c, f"{c}市教育局", UnitLevel.CITY, f"{c}00", p))
            chosen = draw(
                st.lists(
                    st.sampled_from(layout[p][c]), min_size=1, max_size=max_counties, unique=True
                )
            )
            for code in sorted(chosen):
                name = regions.lookup(code).name
                counties.append(Unit(code, f"{name}教育局", UnitLevel.COUNTY, code, c))
        return ProvinceTree(top, tuple(cities), tuple(counties))

    return build()


STAGE_GRADES: Mapping[Stage, range] = {
    Stage.PRIMARY: range(1, 7),
    Stage.JUNIOR: range(7, 10),
    Stage.SENIOR: range(10, 13),
    Stage.SPECIAL: range(1, 10),
}
"""The grades each stage teaches under 6-3-3 (special education: grades 1-9); the
strategies given a ``policy`` read its ``school_system`` instead."""

_STAGE_SETS: tuple[frozenset[Stage], ...] = (
    frozenset({Stage.PRIMARY}),
    frozenset({Stage.JUNIOR}),
    frozenset({Stage.SENIOR}),
    frozenset({Stage.PRIMARY, Stage.JUNIOR}),  # 九年一贯制
    frozenset({Stage.JUNIOR, Stage.SENIOR}),  # 完全中学
)


def _grades(stages: frozenset[Stage], policy: Policy = ANHUI_2013) -> list[int]:
    """The grades a school teaching ``stages`` has classes in, under ``policy``'s
    ``school_system`` (a 五四制 junior school teaches grades 6-9)."""
    system = policy.school_system.value
    return sorted({g for s in stages if s is not Stage.SPECIAL for g in system[s]})


def schools(
    tree: ProvinceTree,
    *,
    authority: str | None = None,
    stages: frozenset[Stage] | st.SearchStrategy[frozenset[Stage]] | None = None,
    code: str | st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[School]:
    """A school under ``authority`` (a city or county of ``tree``; default any), teaching
    ``stages`` (default one of primary, junior, senior, 九年一贯制, 完全中学). Its
    ``region`` is its county's code (a city-run school: one of the city's counties), so
    J numbers and 地区学号 can be issued for it. ``code`` defaults to a 10-digit
    学校标识码 starting with ``31``."""
    auths = tree.authorities if authority is None else (tree.unit(authority),)
    stage_sets = st.sampled_from(_STAGE_SETS) if stages is None else _strategy(stages)
    codes = st.from_regex(r"31[0-9]{8}", fullmatch=True) if code is None else _strategy(code)

    @st.composite
    def build(draw: st.DrawFn) -> School:
        unit = draw(st.sampled_from(auths))
        if unit.level is UnitLevel.COUNTY:
            region = unit.region
        else:
            below = [c.region for c in tree.counties if c.parent == unit.code]
            region = draw(st.sampled_from(below)) if below else unit.region
        c = draw(codes)
        return School(c, f"学校{c}", unit.code, region, draw(stage_sets))

    return build()


def classes(
    school: School,
    *,
    grade: int | st.SearchStrategy[int] | None = None,
    created: _dt.date = TODAY,
    policy: Policy = ANHUI_2013,
) -> st.SearchStrategy[SchoolClass]:
    """A real class of ``school`` (a head teacher, not virtual) in a grade it teaches
    under ``policy``'s ``school_system`` (``grade``, default any). Its id is
    ``"<school>-<grade>-<n>"``."""
    taught = _grades(school.stages, policy) or [1]
    grades = st.sampled_from(taught) if grade is None else _strategy(grade)
    return st.builds(
        lambda g, n, teacher: SchoolClass(
            f"{school.code}-{g}-{n}", school.code, f"{g}年级{n}班", g, teacher, created
        ),
        grades,
        st.integers(1, 20),
        st.sampled_from(["王老师", "李老师", "张老师", "刘老师", "陈老师"]),
    )


# -- students and enrolment rows ------------------------------------------------------------


def _cutoff(year: int, policy: Policy) -> _dt.date:
    return policy.school_entry_age_cutoff.value.in_year(year)


def _births_for(grade: int, entry_year: int, policy: Policy) -> st.SearchStrategy[_dt.date]:
    """Birth dates of children of the usual age for ``grade`` in ``entry_year``: old
    enough by the policy's cut-off (Art 14), at most one year older than usual."""
    years_old = policy.school_entry_age.value + grade - 1
    cutoff = _cutoff(entry_year, policy)
    latest = cutoff.replace(year=cutoff.year - years_old)
    earliest = latest.replace(year=latest.year - 2) + _dt.timedelta(days=1)
    return st.dates(earliest, latest)


_NAMES = st.builds(
    lambda a, b: a + b,
    st.sampled_from("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"),
    st.sampled_from(["明", "芳", "伟", "静", "磊", "婷", "强", "丽", "子涵", "梓萱", "浩然"]),
)


def enrolment_rows(
    school: School,
    klass: SchoolClass,
    *,
    today: _dt.date = TODAY,
    policy: Policy = ANHUI_2013,
    conforming: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of :meth:`xueji.registry.Registry.enroll` for a new student of
    ``klass`` entered on ``today``.

    With ``conforming`` (the default) a row meets every rule of a new enrolment under
    ``policy``: the usual age for the grade, an identity number agreeing with sex and
    birth date (or, now and then, none and a guardian's number: Art 13), a photo taken
    in the entry year, the guardian's consent for a child under 14; it is accepted by
    a registry whose clock is at ``today`` (before the entry deadline) unless the class
    is full or the person already has a registry. With ``conforming=False`` a row may
    also be too young, lack its photo, or carry an ID that disagrees with its sex:
    refused with the rule codes of :data:`xueji.rules.RULE_CODES`, never an error.
    """

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        grade = klass.grade
        sex: Sex = "M" if draw(st.booleans()) else "F"
        born = draw(_births_for(grade, today.year, policy))
        flaw = None
        if not conforming:
            flaws = (None, None, None, None, "too_young", "no_photo", "id_mismatch")
            flaw = draw(st.sampled_from(flaws))
        if flaw == "too_young":
            cutoff = _cutoff(today.year, policy)
            young = cutoff.replace(year=cutoff.year - policy.school_entry_age.value)
            born = draw(st.dates(young + _dt.timedelta(days=1), today - _dt.timedelta(days=365)))
        id_sex: Sex = ("F" if sex == "M" else "M") if flaw == "id_mismatch" else sex
        region = draw(region_codes(school.region[:2]))
        guardian_only = flaw is None and draw(st.integers(0, 9)) == 0
        row: dict[str, Any] = {
            "school": school.code,
            "class_id": klass.id,
            "grade": grade,
            "name": draw(_NAMES),
            "sex": sex,
            "birth_date": born,
            "hukou_region": region,
        }
        if guardian_only:
            guardian_born = draw(st.dates(_dt.date(1970, 1, 1), _dt.date(1995, 12, 31)))
            row["guardian_id"] = draw(resident_ids(region=region, born=guardian_born, today=today))
        else:
            row["id_number"] = draw(resident_ids(region=region, born=born, sex=id_sex, today=today))
        if flaw != "no_photo":
            taken = draw(st.dates(_dt.date(today.year, 1, 1), today))
            row["photo"] = Photo(taken, f"sha256:{draw(st.integers(0, 2**32)):08x}")
        if born.year > today.year - 14:
            row["consent"] = Consent("guardian_consent", "家长", today)
        return row

    return build()


def students(
    school: School,
    klass: SchoolClass,
    *,
    today: _dt.date = TODAY,
    status: StudentStatus = StudentStatus.DRAFT,
    policy: Policy = ANHUI_2013,
) -> st.SearchStrategy[Student]:
    """:class:`~xueji.model.Student` records of ``klass`` as a store holds them (with a
    G number issued from the identity number), for testing a store directly. The
    ``id`` is ``S`` + 7 digits: draw lists with ``unique_by=lambda s: s.id`` (and
    ``s.id_number``) where a store needs them distinct."""
    return st.builds(
        lambda n, row: Student(
            id=f"S{n:07d}",
            school=school.code,
            class_id=klass.id,
            grade=klass.grade,
            stage=stage_of_grade(klass.grade, policy.school_system.value),
            status=status,
            name=row["name"],
            sex=row["sex"],
            birth_date=row["birth_date"],
            hukou_region=row["hukou_region"],
            entry_date=today,
            id_number=row["id_number"],
            photo=row.get("photo"),
            numbers=new_record(today, id_number=row["id_number"]),
        ),
        st.integers(1, 9_999_999),
        enrolment_rows(school, klass, today=today, policy=policy).filter(
            lambda r: "id_number" in r
        ),
    )


# -- a small province and command sequences --------------------------------------------------


@attrs.frozen
class World:
    """A province tree, schools under it and their classes (one per grade taught)."""

    tree: ProvinceTree
    schools: tuple[School, ...]
    classes: tuple[SchoolClass, ...]

    @property
    def province_actor(self) -> Actor:
        """The province's administrator (Art 6)."""
        return Actor(ActorKind.PROVINCE, self.tree.province.code, "省管理员")

    def school_actor(self, code: str) -> Actor:
        """A school's registry administrator."""
        return Actor(ActorKind.SCHOOL, code, f"{code} 学籍管理员")

    def school(self, code: str) -> School:
        """The school of ``code``."""
        return next(s for s in self.schools if s.code == code)

    def class_for(self, school: str, grade: int) -> SchoolClass | None:
        """The class of ``school`` for ``grade``, if any."""
        return next((c for c in self.classes if c.school == school and c.grade == grade), None)

    def install(self, registry: Registry) -> None:
        """Create the units, schools and classes in ``registry`` (as the province and
        the schools themselves)."""
        for unit in self.tree.units:
            registry.add_unit(self.province_actor, unit).unwrap()
        for school in self.schools:
            registry.add_school(self.province_actor, school).unwrap()
        for klass in self.classes:
            registry.add_class(self.school_actor(klass.school), klass).unwrap()


def worlds(
    province: str = "34",
    *,
    max_schools: int = 3,
    created: _dt.date = TODAY,
    policy: Policy = ANHUI_2013,
) -> st.SearchStrategy[World]:
    """A :class:`World`: a :func:`province_trees` tree with 1 to ``max_schools``
    :func:`schools` (distinct codes) and one class per grade each school teaches under
    ``policy``'s ``school_system``."""

    @st.composite
    def build(draw: st.DrawFn) -> World:
        tree = draw(province_trees(province, max_cities=2, max_counties=2))
        found = draw(
            st.lists(schools(tree), min_size=1, max_size=max_schools, unique_by=lambda s: s.code)
        )
        klasses = tuple(
            SchoolClass(f"{s.code}-{g}", s.code, f"{g}年级1班", g, "班主任", created)
            for s in found
            for g in _grades(s.stages, policy)
        )
        return World(tree, tuple(found), klasses)

    return build()


CommandName = Literal[
    "enroll",
    "submit",
    "approve",
    "reject",
    "request_transfer",
    "suspend",
    "resume",
    "record_dropout",
    "graduate",
    "advance_clock",
    "rollover",
]
COMMAND_NAMES: tuple[CommandName, ...] = get_args(CommandName)
"""The commands :func:`commands` draws."""

Role = Literal["own", "other", "province"]


@attrs.frozen
class Command:
    """One registry command, resolved against the registry's state when run.

    ``pick`` chooses the subject among the candidates at that moment (students in a
    fitting status, open requests; modulo their number); ``role`` the actor: ``own``
    is the party the command belongs to (the student's school, the party a request
    waits for, the receiving school of a transfer, the system for the clock and the
    rollover), ``other`` another school, ``province`` the province (which maintains
    no data). ``row`` is an enrolment's keyword arguments; with ``reuse`` it takes the
    identity of an earlier enrolment (a second registry for one person).
    """

    name: CommandName
    role: Role = "own"
    pick: int = 0
    row: Mapping[str, Any] | None = attrs.field(default=None, repr=False)
    reuse: bool = False
    days: int = 0
    to_school: int = 0
    reason: TransferReason = TransferReason.JOB_MOVE


def commands(world: World, *, today: _dt.date = TODAY) -> st.SearchStrategy[Command]:
    """Single :class:`Command` values for ``world`` (enrolment rows for its classes as
    of ``today``; mostly conforming, some not)."""
    role_list: tuple[Role, ...] = ("own", "own", "own", "own", "own", "other", "province")
    roles = st.sampled_from(role_list)
    picks = st.integers(0, 1000)
    rows = st.sampled_from(world.classes).flatmap(
        lambda c: enrolment_rows(world.school(c.school), c, today=today, conforming=False)
    )
    by_name: dict[CommandName, st.SearchStrategy[Command]] = {
        "enroll": st.builds(
            lambda role, row, reuse: Command("enroll", role, row=row, reuse=reuse),
            roles,
            rows,
            st.integers(0, 9).map(lambda n: n == 0),
        ),
        "request_transfer": st.builds(
            lambda role, pick, to, reason: Command(
                "request_transfer", role, pick, to_school=to, reason=reason
            ),
            roles,
            picks,
            st.integers(0, 100),
            st.sampled_from(list(TransferReason)),
        ),
        "advance_clock": st.builds(
            lambda days: Command("advance_clock", days=days), st.integers(1, 60)
        ),
        "rollover": st.just(Command("rollover")),
    }
    # the weights: the path to a registered student (enroll, submit, approve) comes first,
    # three times as often as each other command
    weighted: tuple[CommandName, ...] = (*("enroll", "submit", "approve") * 2, *COMMAND_NAMES)

    def build(name: CommandName) -> st.SearchStrategy[Command]:
        if name in by_name:
            return by_name[name]
        return st.builds(Command, st.just(name), roles, picks)

    return st.sampled_from(weighted).flatmap(build)


def command_sequences(
    world: World, *, today: _dt.date = TODAY, min_size: int = 0, max_size: int = 30
) -> st.SearchStrategy[list[Command]]:
    """Lists of ``min_size`` to ``max_size`` :func:`commands` for ``world``; run them in
    order with :meth:`CommandRunner.run_all`."""
    return st.lists(commands(world, today=today), min_size=min_size, max_size=max_size)


@attrs.frozen
class CommandResult:
    """What running a :class:`Command` did: ``outcome`` if the command returned one,
    ``error`` (the code) if it raised, and whether it was ``carried_out``. ``skipped``:
    there was no subject to run it on."""

    command: Command
    outcome: Outcome | None = None
    error: str | None = None
    carried_out: bool = False
    skipped: bool = False


Snapshot = tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...], int]


class CommandRunner:
    """Runs :class:`Command` values against a registry over ``world`` (installed by
    :meth:`World.install`), on a :class:`~xueji.clock.ManualClock`.

    Every command's effect on the store is checked: a command that raised a
    :class:`~xueji.errors.XuejiError` or returned a refused decision must leave the
    students, requests and change log as they were (``AssertionError`` otherwise).
    ``advance_clock`` moves the clock no further than ``until`` (default: the end of
    the clock's year, which the default working-day calendar covers).
    """

    def __init__(self, registry: Registry, world: World, *, until: _dt.date | None = None) -> None:
        self.registry = registry
        self.world = world
        self.until = until or _dt.date(registry.today().year, 12, 31)
        self.used_ids: list[tuple[str, _dt.date, Sex]] = []
        self.results: list[CommandResult] = []

    # -- reading the store -------------------------------------------------------------

    def students(self) -> list[Student]:
        """Every student, by id."""
        with self.registry.store.unit_of_work() as uow:
            return sorted(uow.students.all(), key=lambda s: s.id)

    def open_requests(self) -> list[Request]:
        """Every open request, by id."""
        with self.registry.store.unit_of_work() as uow:
            return sorted((r for r in uow.requests.all() if r.is_open), key=lambda r: r.id)

    def snapshot(self) -> Snapshot:
        """Versions of every student and request, and the change log's length."""
        with self.registry.store.unit_of_work() as uow:
            return (
                tuple(sorted((s.id, s.version) for s in uow.students.all())),
                tuple(sorted((r.id, r.version) for r in uow.requests.all())),
                len(uow.log.entries()),
            )

    # -- actors ------------------------------------------------------------------------

    def _other(self, code: str) -> Actor:
        others = [s.code for s in self.world.schools if s.code != code]
        if others:
            return self.world.school_actor(others[0])
        return Actor(ActorKind.SCHOOL, "not-a-school", "冒名者")

    def _actor(self, role: Role, school: str) -> Actor:
        if role == "province":
            return self.world.province_actor
        if role == "other":
            return self._other(school)
        return self.world.school_actor(school)

    def _party(self, req: Request) -> Actor:
        """The party a request waits for (mirrors the registry's routing)."""
        with self.registry.store.unit_of_work() as uow:
            student = uow.students.get(req.student)
        assert student is not None
        if req.state in (RequestState.AT_RECEIVING_SCHOOL, RequestState.AT_RECEIVING_AUTHORITY):
            code = req.to_school or student.school
        else:  # the sending school, or the school that filed the request (a correction)
            code = req.from_school or student.school
        if req.state in (
            RequestState.AT_SCHOOL,
            RequestState.AT_RECEIVING_SCHOOL,
            RequestState.AT_SENDING_SCHOOL,
        ):
            return self.world.school_actor(code)
        return self.world.tree.actor(self.world.school(code).authority)

    # -- running -----------------------------------------------------------------------

    def _call(self, command: Command) -> Callable[[], object] | None:
        reg = self.registry
        c = command
        if c.name == "enroll":
            assert c.row is not None
            row = dict(c.row)
            if c.reuse and self.used_ids:
                number, born, sex = self.used_ids[c.pick % len(self.used_ids)]
                row.update(id_number=number, birth_date=born, sex=sex)
                row.pop("guardian_id", None)
            elif (
                row.get("id_number")
                and row["sex"] == ids.parse(row["id_number"], today=reg.today()).sex
            ):
                self.used_ids.append((row["id_number"], row["birth_date"], row["sex"]))
            with reg.store.unit_of_work() as uow:
                klass = uow.classes.get(row["class_id"])
            if klass is not None:
                row["grade"] = klass.grade  # rows follow their class through a rollover
            actor = self._actor(c.role, row["school"])
            return lambda: reg.enroll(actor, **row)
        if c.name == "advance_clock":
            day = max(reg.today(), min(reg.today() + _dt.timedelta(days=c.days), self.until))
            return lambda: reg.advance_clock(Actor.system(), to=day)
        if c.name == "rollover":
            return lambda: reg.rollover(Actor.system(), reg.today().year)
        if c.name in ("approve", "reject"):
            reqs = self.open_requests()
            if not reqs:
                return None
            req = reqs[c.pick % len(reqs)]
            party = self._party(req)
            if c.role == "own":
                actor = party
            elif c.role == "other":
                actor = self._other(party.unit)
            else:
                actor = self.world.province_actor
            fn = reg.approve if c.name == "approve" else reg.reject
            return lambda: fn(actor, req.id)
        wanted = {
            "submit": {StudentStatus.DRAFT},
            "request_transfer": {StudentStatus.REGISTERED},
            "resume": {StudentStatus.SUSPENDED},
            "suspend": {StudentStatus.REGISTERED},
            "record_dropout": {StudentStatus.REGISTERED},
            "graduate": {StudentStatus.REGISTERED},
        }.get(c.name)
        candidates = [
            s for s in self.students() if wanted is None or s.status in wanted
        ] or self.students()
        if not candidates:
            return None
        s = candidates[c.pick % len(candidates)]
        if c.name == "request_transfer":
            to = self.world.schools[c.to_school % len(self.world.schools)]
            klass = self.world.class_for(to.code, s.grade)
            to_class = klass.id if klass else f"{to.code}-{s.grade}"
            actor = self._actor(c.role, to.code)
            return lambda: reg.request_transfer(
                actor,
                s.id,
                to_school=to.code,
                to_class=to_class,
                reason=c.reason,
                stated_reason="家庭原因",
            )
        actor = self._actor(c.role, s.school)
        if c.name == "submit":
            return lambda: reg.submit(actor, s.id)
        if c.name == "graduate":
            return lambda: reg.graduate(actor, s.id)
        method = getattr(reg, c.name)
        return lambda: method(actor, s.id, "理由")

    def run(self, command: Command) -> CommandResult:
        """Run one command; check that a refusal or an error wrote nothing."""
        call = self._call(command)
        if call is None:
            result = CommandResult(command, skipped=True)
            self.results.append(result)
            return result
        before = self.snapshot()
        try:
            out = call()
        except (XuejiError, TransitionRefused) as e:
            result = CommandResult(command, error=e.code)
        else:
            outcome = out if isinstance(out, Outcome) else None
            if outcome is not None and not outcome.allowed:
                assert self.snapshot() == before, f"refused {command.name} wrote"
            result = CommandResult(command, outcome, carried_out=outcome is None or outcome.allowed)
        if result.error is not None:
            assert self.snapshot() == before, f"{command.name} raised {result.error} and wrote"
        self.results.append(result)
        return result

    def run_all(self, sequence: Sequence[Command]) -> Iterator[CommandResult]:
        """Run ``sequence`` in order, yielding each result."""
        for command in sequence:
            yield self.run(command)


# -- the state machine -------------------------------------------------------------------------


class RegistryMachine(RuleBasedStateMachine):
    """Random command sequences against a registry, with the invariants checked after
    every step:

    * the change log verifies (:meth:`~xueji.registry.Registry.verify_log`);
    * one registry per identity number, and per registry number (Art 14);
    * a refused or failed command leaves the store unchanged (checked by
      :class:`CommandRunner`);
    * no class holds more registries than the policy's cap for its stage (Art 16).

    A host checks its own store by overriding :meth:`make_store` (and, to reach the
    caps quickly, :meth:`policies`)::

        class MyStoreMachine(RegistryMachine):
            def make_store(self):
                return MyStore(...)   # empty, schema ready

        TestMyStore = MyStoreMachine.TestCase
    """

    start: _dt.date = TODAY
    """The clock's first day (the reference date of the generated rows)."""

    def __init__(self) -> None:
        super().__init__()
        self.runner: CommandRunner | None = None

    def make_store(self) -> Store:
        """A new, empty store for one run (default: :class:`~xueji.storage.MemoryStore`)."""
        return MemoryStore()

    def policies(self) -> Sequence[Policy]:
        """The registry's policies (default: Anhui 2013)."""
        return (ANHUI_2013,)

    @initialize(data=st.data())
    def start_world(self, data: st.DataObject) -> None:
        """Draw a :func:`worlds` value under the school system of the profile in force
        on :attr:`start` (a 五四制 profile's junior schools teach grades 6-9) and
        :meth:`install` it."""
        policy = policy_in_force(self.start, self.policies())
        self.install(data.draw(worlds(policy=policy)))

    def install(self, world: World) -> None:
        """Create the registry on a fresh store and install ``world`` in it."""
        registry = Registry(
            self.make_store(), clock=ManualClock(self.start), policies=self.policies()
        )
        world.install(registry)
        self.runner = CommandRunner(registry, world)

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """Run one :func:`commands` value."""
        assert self.runner is not None
        self.runner.run(data.draw(commands(self.runner.world, today=self.start)))

    def teardown(self) -> None:
        """Report what the run did (``--hypothesis-show-statistics``)."""
        if self.runner is not None:
            for r in self.runner.results:
                outcome = "skipped" if r.skipped else "done" if r.carried_out else "refused"
                event(f"{r.command.name}: {outcome}")

    @invariant()
    def log_verifies(self) -> None:
        """The change log's hash chain verifies."""
        if self.runner is not None:
            reg = self.runner.registry
            assert reg.verify_log(self.runner.world.province_actor).ok

    @invariant()
    def one_registry_per_person(self) -> None:
        """No identity number or registry number belongs to two live records."""
        if self.runner is None:
            return
        live = [s for s in self.runner.students() if s.status is not StudentStatus.VOIDED]
        numbers = [s.id_number for s in live if s.id_number]
        assert len(numbers) == len(set(numbers)), "two registries for one ID number"
        regs = [s.registry_number for s in live if s.registry_number]
        assert len(regs) == len(set(regs)), "one registry number on two records"

    @invariant()
    def classes_under_cap(self) -> None:
        """No class holds more registries than the cap of its grade's stage."""
        if self.runner is None:
            return
        reg = self.runner.registry
        policy = reg.policy()
        caps, system = policy.class_size_caps.value, policy.school_system.value
        with reg.store.unit_of_work() as uow:
            for school in self.runner.world.schools:
                for klass in uow.classes.by_school(school.code):
                    cap = caps.get(stage_of_grade(klass.grade, system))
                    size = uow.students.count_in_class(klass.id, klass.grade)
                    assert cap is None or size <= cap, f"{klass.id}: {size} > {cap}"
