"""The domain model: units, schools, classes, students, requests and actors.

Values are frozen attrs classes; a change makes a new value (``attrs.evolve``) and
bumps ``version`` (optimistic concurrency in storage). Their mappings (a student's
``info``, an entry's ``data``, a request's ``payload``, a log entry's ``before`` and
``after``) are :class:`FrozenDict` values: a record read from any store cannot change
what the store holds. Identity numbers are masked in every ``repr``. Serialisation
goes through :data:`converter` (cattrs).

The supervising-unit tree (Art 4): province -> city -> county. Every school has
exactly one 学籍主管单位 (``School.authority``), a county or a city (a city runs
some schools directly). A rural 学区中心校 manages its 分校 (Art 7):
``School.central_school`` names a branch's central school.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Collection, Mapping
from typing import Any, Literal, NoReturn, TypeVar

import attrs
import cattrs
from cattrs.preconf.json import make_converter

from xueji.errors import ReadOnlyRecord
from xueji.lifecycle.tables import RequestKind, RequestState, StudentStatus
from xueji.masking import HIDDEN_DATE, birth_dates_of, hide_birth_dates, mask, mask_ids
from xueji.numbers import NumberRecord, mask_number
from xueji.policy.values import GRADED_STAGES, SIX_THREE_THREE, Stage

__all__ = [
    "Actor",
    "ActorKind",
    "ChangeEntry",
    "Consent",
    "FrozenDict",
    "InfoEntry",
    "InfoGroup",
    "Photo",
    "Request",
    "RequestEvent",
    "School",
    "SchoolClass",
    "Student",
    "TransferReason",
    "Unit",
    "UnitLevel",
    "converter",
    "final_grade",
    "stage_of_grade",
]

Sex = Literal["M", "F"]

_K = TypeVar("_K")
_V = TypeVar("_V")


class FrozenDict(dict[_K, _V]):
    """A dict that cannot be changed in place: the type of a record's mappings.

    The in-memory store holds the records it is given and hands the same ones back,
    so a mutable mapping in a record read from it was the stored row itself: a
    caller's change reached the store with no version and no log entry (the SQL
    stores rebuild each record from its document, where the change stayed local). A
    ``FrozenDict`` is a ``dict`` for every reader: equal to the dict with the same
    items, the same ``repr``, encoded by cattrs, orjson and ``json`` as a dict (the
    record digest and the change log's hashes are the bytes they were), pickled
    whole. Its mutating methods raise :class:`~xueji.errors.ReadOnlyRecord`; ``|``
    and ``copy()`` give a plain dict to build a new value from.

    >>> d = FrozenDict({"name": "张三"})
    >>> d == {"name": "张三"}, d | {"sex": "M"}
    (True, {'name': '张三', 'sex': 'M'})
    >>> try:
    ...     d["name"] = "李四"
    ... except ReadOnlyRecord as e:
    ...     e.code
    'record.read_only'
    """

    __slots__ = ()

    def __setitem__(self, key: _K, value: _V) -> NoReturn:
        raise ReadOnlyRecord("__setitem__")

    def __delitem__(self, key: _K) -> NoReturn:
        raise ReadOnlyRecord("__delitem__")

    def __ior__(self, other: object) -> NoReturn:  # type: ignore[misc]
        raise ReadOnlyRecord("|=")

    def clear(self) -> NoReturn:
        raise ReadOnlyRecord("clear")

    def pop(self, *args: object) -> NoReturn:
        raise ReadOnlyRecord("pop")

    def popitem(self) -> NoReturn:
        raise ReadOnlyRecord("popitem")

    def setdefault(self, *args: object) -> NoReturn:
        raise ReadOnlyRecord("setdefault")

    def update(self, *args: object, **kwargs: object) -> NoReturn:
        raise ReadOnlyRecord("update")

    @classmethod
    def fromkeys(cls, *args: Any) -> Any:  # (dict's sets the keys one by one)
        return cls(dict.fromkeys(*args))

    def __reduce__(self) -> tuple[Any, ...]:
        # (a dict subclass is unpickled key by key through __setitem__)
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenDict[_K, _V]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict[_K, _V]:
        return self

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))


_EMPTY: FrozenDict[Any, Any] = FrozenDict()
"""The empty mapping every record without one shares (most students' ``info``)."""


def _frozen(value: Mapping[str, str]) -> FrozenDict[str, str]:
    """A mapping given to a record, as a :class:`FrozenDict` (the same one if it is)."""
    if type(value) is FrozenDict:
        return value
    return FrozenDict(value) if value else _EMPTY


def _masked(value: str | None) -> str:
    return repr(value and mask(value))


def _masked_text(value: str) -> str:
    """A free text's ``repr``, whatever in it looks like an identity number masked."""
    return repr(mask_ids(value))


_SENSITIVE_KEYS = frozenset({"id_number", "guardian_id", "registry_number"})


def _masked_payload(payload: Mapping[str, str]) -> str:
    """A request's payload for its ``repr``: an identity-number field masked whole (a
    correction's new ``id_number``), ID-like text in any other value where it stands,
    and a ``birth_date`` hidden (:data:`~xueji.masking.HIDDEN_DATE`): what the mask
    hides of the number, which shown beside it gave the number back (Art 30). The
    payload itself keeps the full values: the approval applies them."""
    shown: dict[str, object] = {}
    for k, v in payload.items():
        if k == "birth_date" and v:
            shown[k] = HIDDEN_DATE
        elif not isinstance(v, str):
            shown[k] = v
        elif k in _SENSITIVE_KEYS and v:
            shown[k] = mask_number(v, every_kind=True) if v[0] in "GJL" else mask(v)
        else:
            shown[k] = mask_ids(v)
    return repr(shown)


class UnitLevel(enum.StrEnum):
    """The tiers of education authorities (Art 4)."""

    PROVINCE = "province"  # 省教育厅
    CITY = "city"  # 市教育行政部门
    COUNTY = "county"  # 县(区)教育行政部门


@attrs.frozen
class Unit:
    """An education authority (学籍主管单位信息, Art 8)."""

    code: str  # 单位代码
    name: str  # 单位名称
    level: UnitLevel
    region: str  # 所在地行政区划码 (GB/T 2260)
    parent: str | None = None  # the unit above (None for the province)
    address: str = ""  # 单位地址
    area_category: str = ""  # 所在地区类别
    economic_attribute: str = ""  # 所在地经济属性
    ethnic_attribute: str = ""  # 所在地民族属性
    phone: str = ""  # 联系电话


@attrs.frozen
class School:
    """A school (学校信息, Art 9)."""

    code: str  # 学校标识码
    name: str  # 学校名称
    authority: str  # 主管单位: the code of its 学籍主管单位 (a county or city)
    region: str  # the GB/T 2260 code of its location (used in J numbers, 地区学号)
    stages: frozenset[Stage]
    central_school: str | None = None  # for a 分校: its 学区中心校 (Art 7)
    is_central: bool = False  # a 学区中心校 (Art 7)
    school_number: str = ""  # 学校编码
    phone: str = ""  # 联系电话
    ownership: str = ""  # 学校办别 (public, private, ...)
    urban_rural: str = ""  # 驻地城乡类型
    category: str = ""  # 学校类别
    system: str = "6-3-3"  # 学制


DATE_RANGE = (_dt.date(1900, 1, 1), _dt.date(2099, 12, 31))
"""The dates a command or an import takes (a birth date, an entry date, any date a
command is given): no date of a school registry is before 1900 or past 2099. A date
outside (``9999-12-31`` typed as "no end", ``0001-01-01``) is bad input: it reached
the Art 15 deadline rule, whose next year's deadline (year 10000) Python has no date
for, and years no holiday calendar covers."""


@attrs.frozen
class SchoolClass:
    """A class (班级信息, Art 10). A class with no head teacher is not a real class."""

    id: str
    school: str
    name: str  # 班级名称
    grade: int
    head_teacher: str  # 班主任姓名
    created: _dt.date  # 建班年月
    system: str = "6-3-3"  # 学制
    class_type: str = ""  # 班级类型
    honours: str = ""  # 荣誉称号
    virtual: bool = False  # a class created only to hold registries (Art 16 forbids it)


@attrs.frozen
class Photo:
    """A photo reference: when it was taken and a digest of the image (not the image)."""

    taken_on: _dt.date
    digest: str


@attrs.frozen
class Consent:
    """The basis on which a minor's personal information is processed (PIPL Arts 28, 31):
    for a child under 14, the consent of a parent or guardian, recorded with when and
    who gave it."""

    basis: str  # "guardian_consent", or another lawful basis (e.g. "legal_duty", PIPL Art 13)
    given_by: str  # the guardian's name
    given_on: _dt.date
    guardian_id: str | None = attrs.field(default=None, repr=_masked)


class InfoGroup(enum.StrEnum):
    """The student information groups of Art 11 (变动 is the request history)."""

    FAMILY = "family"  # 家庭
    RESUME = "resume"  # 简历 (Art 17)
    EXAM = "exam"  # 考试 / 成绩 (Art 17)
    EVALUATION = "evaluation"  # 评价 (Art 17)
    AWARD = "award"  # 奖励 (Art 17)
    PUNISHMENT = "punishment"  # 处分 (Art 17)


SCHOOL_MAINTAINED = frozenset(
    {InfoGroup.RESUME, InfoGroup.EXAM, InfoGroup.EVALUATION, InfoGroup.AWARD, InfoGroup.PUNISHMENT}
)
"""The groups a school maintains with no review (Art 17)."""


@attrs.frozen
class InfoEntry:
    """One entry of an information group."""

    on: _dt.date
    text: str = attrs.field(repr=_masked_text)  # (an award's certificate may quote an ID)
    # a frozen copy: the caller's dict, changed after the entry was recorded, would
    # otherwise change the record the in-memory store holds (the SQL store keeps JSON)
    data: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen, repr=lambda d: mask_ids(repr(d))
    )


def _info(value: Mapping[InfoGroup, tuple[InfoEntry, ...]] | None) -> Mapping[InfoGroup, Any]:
    """A student's information groups as a :class:`FrozenDict` of tuples; one that is
    so already (``attrs.evolve`` of a record) is kept, not copied."""
    if not value:
        return _EMPTY
    if type(value) is FrozenDict and all(
        type(k) is InfoGroup and type(v) is tuple for k, v in value.items()
    ):
        return value
    return FrozenDict({InfoGroup(k): tuple(v) for k, v in value.items()})


@attrs.frozen
class Student:
    """A student's registry record.

    Key fields (Art 29): ``name``, ``sex``, ``birth_date``, ``id_number``, ``photo``.
    ``hukou_region`` is the GB/T 2260 code of the student's 户籍 (household
    registration); ``migrant`` marks 外来务工人员随迁子女 (Art 27).

    ``repr`` masks the identity numbers and leaves out ``birth_date``: what the mask
    hides of the number, which shown beside it gave the number back (Art 30).
    """

    id: str
    school: str
    class_id: str
    grade: int
    stage: Stage
    status: StudentStatus
    name: str = attrs.field(repr=_masked_text)  # (a slip may type an ID number into it)
    sex: Sex
    birth_date: _dt.date = attrs.field(repr=False)  # (Art 30: what the mask hides)
    hukou_region: str
    entry_date: _dt.date
    id_number: str | None = attrs.field(default=None, repr=_masked)
    guardian_id: str | None = attrs.field(default=None, repr=_masked)
    photo: Photo | None = None
    migrant: bool = False
    special_needs: bool = False  # 残疾学生 (随班就读 or special school, Art 20)
    numbers: NumberRecord | None = None  # 学籍号 and its history (Arts 12-13)
    regional_number: str | None = None  # 地区学号 (Art 12)
    regional_numbers: tuple[str, ...] = ()  # every 地区学号 held, oldest first
    info: Mapping[InfoGroup, tuple[InfoEntry, ...]] = attrs.field(factory=dict, converter=_info)
    submitted: bool = False  # key fields locked once reported (Art 29)
    consent: Consent | None = None  # the basis for processing a minor's data (PIPL Art 31)
    version: int = 0

    @property
    def registry_number(self) -> str | None:
        """The current 学籍号, or None before registration."""
        return self.numbers.current.text if self.numbers else None

    @property
    def masked_id(self) -> str:
        """The identity number (or the guardian's, Art 13) masked for display."""
        n = self.id_number or self.guardian_id
        return mask(n) if n else "-"


class TransferReason(enum.StrEnum):
    """Why a student transfers (Art 20)."""

    JOB_MOVE = "job_move"  # 父母或其他法定监护人工作调动
    HUKOU_CHANGE = "hukou_change"  # 户籍变动
    ADDRESS_CHANGE = "address_change"  # 家庭住址变动
    OTHER = "other"  # 其他正当理由 (must be stated)


TRANSFER_REASON_ZH: Mapping[TransferReason, str] = {
    TransferReason.JOB_MOVE: "工作调动",
    TransferReason.HUKOU_CHANGE: "户籍变动",
    TransferReason.ADDRESS_CHANGE: "住址变动",
    TransferReason.OTHER: "其他",
}
"""Each reason's Chinese name (Art 20: 父母或其他法定监护人工作调动、户籍变动、家庭住址变动,
or another stated reason): shown beside the value, and taken for it where a reason is
typed (a scenario's ``reason:``, ``--reason``), since an analyst writes 工作调动."""


def transfer_reason(text: str) -> TransferReason | None:
    """The reason ``text`` names, by its value (``job_move``) or its Chinese name
    (``工作调动``); None where it names none.

    >>> transfer_reason("户籍变动"), transfer_reason("job_move"), transfer_reason("随迁")
    (<TransferReason.HUKOU_CHANGE: 'hukou_change'>, <TransferReason.JOB_MOVE: 'job_move'>, None)
    """
    for reason, zh in TRANSFER_REASON_ZH.items():
        if text in (reason.value, zh):
            return reason
    return None


def transfer_reasons_listed(lang: Literal["zh", "en"] = "zh") -> str:
    """The reasons with their Chinese names, for a message: ``job_move（工作调动）、...``
    in Chinese, ``job_move (工作调动), ...`` in English."""
    if lang == "zh":
        return "、".join(f"{r.value}（{zh}）" for r, zh in TRANSFER_REASON_ZH.items())
    return ", ".join(f"{r.value} ({zh})" for r, zh in TRANSFER_REASON_ZH.items())


class ActorKind(enum.StrEnum):
    """The three kinds of user of Art 28 (city and county kept apart), plus the system."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    SCHOOL = "school"
    SYSTEM = "system"  # the deadline sweep and the rollover (Art 24, Art 18)


@attrs.frozen
class Actor:
    """The acting user: its kind, the unit or school it acts for, and a name for the log.

    ``repr`` masks whatever in the unit or the name looks like an identity number
    (Art 30), as the change log and error messages do: a name is free text, and a
    data-entry slip may put a number in it."""

    kind: ActorKind
    unit: str = attrs.field(repr=_masked_text)
    name: str = attrs.field(default="", repr=_masked_text)

    @classmethod
    def system(cls) -> Actor:
        """The system itself (default approvals, the rollover)."""
        return cls(ActorKind.SYSTEM, "system", "系统")


@attrs.frozen
class RequestEvent:
    """One step in a request's history (变动信息, Art 11).

    ``due`` is the deadline of the stage the step decided, kept when it was decided
    after it (a transfer stage under a profile with no default approval, whose party
    decided late: Art 24, ``transfer_stage_limit``), so that the Art 32 report finds
    it once the request has moved on; None otherwise."""

    on: _dt.date
    actor: str
    event: str
    source: RequestState
    target: RequestState
    note: str = attrs.field(default="", repr=_masked_text)
    due: _dt.date | None = None


@attrs.frozen
class Request:
    """A request awaiting approval: a transfer, a correction, a suspension, ...

    ``stage_since`` is the day the request reached its current party;
    ``deadline`` the last day that party has (None where no limit applies).
    ``payload`` holds kind-specific data (corrections: new values; cross-border:
    destination, date and reason), in full: the approval applies it. ``repr`` masks
    identity numbers in the payload, the reason and the history's notes (Art 30).
    """

    id: str
    kind: RequestKind
    student: str
    state: RequestState
    opened_on: _dt.date
    stage_since: _dt.date
    deadline: _dt.date | None = None
    from_school: str | None = None
    to_school: str | None = None
    to_class: str | None = None
    reason: str = attrs.field(default="", repr=_masked_text)
    payload: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, repr=_masked_payload)
    warnings: tuple[str, ...] = ()
    history: tuple[RequestEvent, ...] = ()
    version: int = 0

    @property
    def is_open(self) -> bool:
        """True while the request waits for a party."""
        return self.state.is_open


_attrs_request_repr = Request.__repr__


def _request_repr(self: Request) -> str:
    """A request's ``repr`` (attrs'), the birth dates of the identity numbers its
    payload holds (a correction's new ``id_number``, shown masked) hidden wherever the
    text gives them, its reason's spelling included (Art 30): a reason quoting the
    corrected birth date beside the masked number gave the number back (found by the
    enrolment review)."""
    text = _attrs_request_repr(self)
    born = birth_dates_of(self.payload.get(k) for k in _SENSITIVE_KEYS)
    return hide_birth_dates(text, born) if born else text


Request.__repr__ = _request_repr  # type: ignore[method-assign,assignment]


@attrs.frozen
class ChangeEntry:
    """One entry of the append-only change log (Art 19): who, for which unit, when,
    which command, before and after, and the rule that allowed it."""

    seq: int
    on: _dt.date
    actor_kind: str
    actor_unit: str
    command: str
    subject: str  # a student id, a request id, a school code, ...
    before: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)
    after: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)
    basis: str = ""  # the article, or "系统默认审批同意（第二十四条）"
    actor_name: str = ""
    prev_hash: str = ""  # the hash of the entry before, in total order
    prev_subject_hash: str = ""  # the hash of this subject's entry before
    hash: str = ""  # sha256 over every field above (xueji.audit.seal)


GRADE_STAGES: tuple[tuple[range, Stage], ...] = (
    (range(1, 7), Stage.PRIMARY),
    (range(7, 10), Stage.JUNIOR),
    (range(10, 13), Stage.SENIOR),
)
"""The 6-3-3 system's grades of each stage (:data:`~xueji.policy.values.SIX_THREE_THREE`);
the rules read a profile's ``school_system`` instead."""


def stage_of_grade(grade: int, system: Mapping[Stage, Collection[int]] | None = None) -> Stage:
    """The stage of a grade under ``system`` (a profile's ``school_system.value``;
    default 6-3-3): primary, junior or senior, never special education, whose grades
    lie beside theirs.

    >>> from xueji.policy import ANHUI_2013
    >>> stage_of_grade(7), stage_of_grade(6, ANHUI_2013.school_system.value)
    (<Stage.JUNIOR: 'junior'>, <Stage.PRIMARY: 'primary'>)
    """
    grades = SIX_THREE_THREE if system is None else system
    for stage in GRADED_STAGES:
        if grade in grades.get(stage, ()):
            return stage
    raise ValueError(f"grades run from 1 to 12, not {grade}")


def final_grade(stage: Stage, system: Mapping[Stage, Collection[int]] | None = None) -> int:
    """The last grade of a stage under ``system`` (default 6-3-3: 6, 9 or 12; special
    education: 9)."""
    return max((SIX_THREE_THREE if system is None else system)[stage])


def _make_converter() -> cattrs.Converter:
    conv = make_converter()
    conv.register_unstructure_hook(frozenset, lambda s: sorted(s))
    return conv


converter = _make_converter()
"""cattrs JSON converter for model values (``converter.dumps(value, ensure_ascii=False)``)."""
