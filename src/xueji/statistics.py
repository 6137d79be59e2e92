"""Statistics, the maintenance fee and the national-system export (Arts 5, 27, 28; the
notice, item 3).

* :class:`Statistics`: students counted by supervising unit (city, county), school,
  stage, grade and status (Art 28: every kind of user has 统计, each within its own
  jurisdiction; :meth:`xueji.registry.Registry.statistics` limits the count to it),
  and of them the migrant children (随迁子女, whose dropouts Art 27(3) singles out) and
  the special-needs students (残疾学生) (:data:`FLAGS`).
* :func:`maintenance_fee`: the yearly 学籍信息化管理维护费用 per unit. The notice accompanying
  皖教基〔2013〕20号, item 3: "以当年10月份学籍统计数据为依据，按照每生每年0.5元的标准，由各市、
  县(区)教育行政部门在11月底前从学校公用经费中统一支付 ... 所需费用不得向学生收取". The rate is
  the policy parameter ``maintenance_fee_per_student``. Reading chosen: the students
  counted are those 在籍 (registered or suspended); drafts not yet reviewed, and
  students who left, are not. The month (October) and the statuses are fixed, not
  parameters (:data:`FEE_COUNT_MONTH`, :data:`COUNTED_FOR_FEE`).
* :func:`migrants_table`: the per-term summary of migrant children who dropped out, by
  户籍 county (Art 27(3); :meth:`xueji.registry.Registry.migrant_dropouts`).
* :class:`NationalRecord`: a registry record in the form of the national system
  (全国中小学生学籍信息管理系统, Art 5), **with the full identity numbers**: this export is
  the one place they leave the registry, for the national system only; the read is
  logged (:meth:`xueji.registry.Registry.national_export`). Every other report carries
  no identity number. A 作废 (voided) record is not exported
  (:data:`NATIONAL_EXCLUDED`).

Each report becomes a :class:`xueji.excel.Table`, written as xlsx or CSV by
:func:`xueji.excel.write_table`. Each carries its notes, written above the header as
rows starting with ``#``: the date of the count, the scope (the unit whose
jurisdiction is counted, or that issues the summary), the article it rests on, and
its warnings (a fee counted outside October); the migrants summary its term too.
The national export carries none: it is the national system's upload, whose header
is its first row.

>>> import datetime as dt
>>> from xueji.policy import ANHUI_2013, Stage
>>> from xueji.lifecycle import StudentStatus
>>> rows = (StatRow("3401", "340104", "A", Stage.PRIMARY, 1, StudentStatus.REGISTERED, 3),
...         StatRow("3401", "340104", "A", Stage.PRIMARY, 1, StudentStatus.DRAFT, 1))
>>> stats = Statistics(dt.date(2026, 10, 15), "34", rows)
>>> stats.total(), stats.total(status=StudentStatus.REGISTERED)
(4, 3)
>>> fee = maintenance_fee(stats, ANHUI_2013)
>>> fee.total_students, fee.total_fee
(3, Decimal('1.5'))
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from xueji.articles import ANHUI_2013_MEASURES, Article, anhui, chinese_numeral
from xueji.excel import Table
from xueji.lifecycle.tables import StudentStatus
from xueji.masking import mask_ids
from xueji.model import School, Student, Unit, UnitLevel
from xueji.numbers import mask_number
from xueji.policy.anhui_2013 import ANHUI_2013
from xueji.policy.model import Policy
from xueji.policy.values import Stage
from xueji.reports import PUBLIC_FIELDS, PublicListRow
from xueji.rules.changes import MigrantDropout, summary_span

__all__ = [
    "COUNTED_FOR_FEE",
    "FEE_COUNT_ARTICLE",
    "FEE_COUNT_MONTH",
    "FEE_RATE_UNIT",
    "FEE_SUBTOTALS",
    "FLAGS",
    "FLAGS_BLANK",
    "MIGRANTS_ARTICLE",
    "NATIONAL_EXCLUDED",
    "NATIONAL_HEADER",
    "NATIONAL_ID_COLUMNS",
    "NATIONAL_NUMERIC_COLUMNS",
    "NATIONAL_TITLE",
    "PUBLIC_LIST_ARTICLE",
    "STATISTICS_ARTICLE",
    "WARNING_NOTE",
    "FeeLine",
    "FeeReport",
    "FlagTally",
    "NationalRecord",
    "StatRow",
    "Statistics",
    "Tally",
    "maintenance_fee",
    "migrants_table",
    "national_record",
    "national_row",
    "national_table",
    "public_list_table",
    "stats_table",
    "tabulate",
    "tabulate_tally",
    "warnings_of",
]

COUNTED_FOR_FEE = frozenset({StudentStatus.REGISTERED, StudentStatus.SUSPENDED})
"""The statuses the fee counts (在籍): the reading of "学籍统计数据" chosen."""

FEE_COUNT_MONTH = 10
"""The month whose count the fee rests on ("以当年10月份学籍统计数据为依据"): a count
taken in another month gets a warning (:func:`maintenance_fee`). Fixed, as
:data:`COUNTED_FOR_FEE` is: a profile sets the rate, not the month or the statuses
(docs/encoding-your-province.md, section 6)."""

FEE_COUNT_ARTICLE = Article(ANHUI_2013_MEASURES, 0, note="通知第三项")
"""Where :data:`FEE_COUNT_MONTH` comes from: the notice accompanying 皖教基〔2013〕20号,
item 3. The warning cites it as the profile in force shows it
(:meth:`~xueji.policy.Policy.as_cited`): marked inherited (沿用 anhui-2013) under a
profile of another instrument, whose own article for the rate the fee cites beside
it. Before, the warning said 通知第三项 under any profile, as if that profile's."""

STATISTICS_ARTICLE = anhui(28)
"""The article the statistics rest on (统计, within each user's jurisdiction). Like
:data:`MIGRANTS_ARTICLE` and :data:`PUBLIC_LIST_ARTICLE`, a report's note cites it as
the profile in force shows it (:meth:`~xueji.policy.Policy.as_cited`): marked
inherited (沿用 anhui-2013) under a profile of another instrument. No ``[citations]``
key re-cites a report's article: the reports are the library's reading of the Anhui
measures (a profile re-cites the fee's rate in its ``maintenance_fee_per_student``)."""

MIGRANTS_ARTICLE = anhui(27, 3)
"""The article of the term's summary of migrant children who dropped out."""

PUBLIC_LIST_ARTICLE = anhui(31)
"""The article of the 公示 class list."""


def _cite(article: Article, gloss: str = "") -> str:
    """A note naming the article, in Chinese and English; ``gloss`` is the English of
    an article that cites the instrument itself (a notice's item: its English form
    would repeat the Chinese)."""
    if article.number == 0 and gloss:
        inherited = f"; inherited from {article.inherited_from}" if article.inherited_from else ""
        return f"依据 article: {article} ({gloss}{inherited})"
    if article.number == 0:
        return f"依据 article: {article} ({article.english})"
    return f"依据 article: {article} ({article.english})"


_NOTICE_ITEM = re.compile(r"通知第(?P<item>[一二三四五六七八九十百零〇]+|[0-9]+)项")
_NUMERALS = {chinese_numeral(n): n for n in range(1, 1000)}


def _notice_gloss(article: Article) -> str:
    """The English of an article citing a notice's item by its note (``通知第二项``:
    "the notice accompanying <instrument> item 2"), for :func:`_cite`; "" for any
    other article, which its own English then says (its note as written). Before,
    the fee report said "item 3" whatever the profile's article said."""
    found = _NOTICE_ITEM.fullmatch(article.note) if article.number == 0 else None
    if found is None:
        return ""
    item = found["item"]
    number = int(item) if item.isdigit() else _NUMERALS.get(item)
    if number is None:
        return ""
    return f"the notice accompanying {article.instrument} item {number}"


def _as_cited(article: Article, policy: Policy | None) -> Article:
    """``article`` as a note under ``policy`` shows it (Anhui's where none is given)."""
    return article if policy is None else policy.as_cited(article)


def _masked(row: Iterable[object]) -> tuple[object, ...]:
    """A report's row with an identity number in any text cell masked (Art 30): a name
    holding one (a data-entry slip the registry accepts) was printed whole. (A text
    shorter than :data:`_SHORTEST_ID` holds none: the national export's million rows
    skip the search.)"""
    return tuple(mask_ids(v) if isinstance(v, str) and len(v) >= _SHORTEST_ID else v for v in row)


_SHORTEST_ID = 15
"""The length of the shortest identity number :func:`~xueji.masking.mask_ids` finds
(the first generation's 15 digits)."""


WARNING_NOTE = "注意 warning: "
"""How a report's warning note starts (a fee counted outside October, a migrants
summary taken before its term's end): :func:`warnings_of` finds them for the command
line, which prints them and gives them in ``--json``'s ``warnings``."""


def warnings_of(table: Table) -> list[str]:
    """The warnings among a report table's notes (:data:`WARNING_NOTE`), without the
    prefix: what the command line prints as ``注意 note: ...``. Before, a migrants
    summary's "not final" warning was in the file only."""
    return [n.removeprefix(WARNING_NOTE) for n in table.notes if n.startswith(WARNING_NOTE)]


def _counted_on(day: _dt.date) -> str:
    return f"统计日期 date of the count: {day.isoformat()}"


def _named(code: str, name: str) -> str:
    """A unit's or school's code with its name beside it (``34 安徽省教育厅``), the code
    alone where no name is given."""
    return f"{code} {name}" if name else code


def _scope(unit: str, name: str = "") -> str:
    named = _named(unit, name)
    return f"范围 scope: {named} 及其辖区 ({named} and its jurisdiction)"


def _made_by(operator: str) -> list[str]:
    """The note naming who made the report (``--operator``), after its date; none
    where no one is named."""
    return [f"制表人 operator: {operator}"] if operator else []


FEE_RATE_UNIT = "元/生/年"
"""The unit of the fee's rate, as ``maintenance_fee_per_student`` gives it ("Yuan per
student per year"): the rate column is headed ``标准 rate (元/生/年)``."""


FLAGS = {"migrant": "随迁子女 migrant", "special_needs": "残疾学生 special needs"}
"""The marks of a :class:`~xueji.model.Student` the statistics count beside the
students (:attr:`StatRow.migrant`, :attr:`StatRow.special_needs`), with the headers of
their columns: 随迁子女 (外来务工人员随迁子女, the migrant children a county reports, Art
27(3)) and 残疾学生 (students with special needs, Art 20)."""

FLAGS_BLANK = (
    "存储未提供 students.tally_flags，随迁子女、残疾学生两列留空 "
    "(the store has no students.tally_flags: the migrant and special-needs columns are "
    "blank, not counted)"
)
"""The warning of statistics whose store counted no flags (a host store without the
optional ``students.tally_flags``): their two columns are blank, not zero."""


@attrs.frozen
class StatRow:
    """How many students of one school, stage, grade and status; with the school's city
    and county (``county`` is "" for a school a city runs directly, Art 4); and how
    many of them are migrant children (随迁子女) and how many have special needs
    (残疾学生), None where the store did not count them (:data:`FLAGS_BLANK`)."""

    city: str
    county: str
    school: str
    stage: Stage
    grade: int
    status: StudentStatus
    count: int
    migrant: int | None = None
    special_needs: int | None = None


@attrs.frozen
class Statistics:
    """A count of the registry on ``taken_on``, within the jurisdiction of ``scope``
    (the unit or school of the actor who asked)."""

    taken_on: _dt.date
    scope: str
    rows: tuple[StatRow, ...]
    flags_counted: bool = attrs.field(
        default=attrs.Factory(
            lambda self: all(
                r.migrant is not None and r.special_needs is not None for r in self.rows
            ),
            takes_self=True,
        )
    )
    """Whether the store counted the flags (:data:`FLAGS`) of every row (by default,
    whether every row has both counts; no row: zero flagged is a count): False, their
    counts are None (:data:`FLAGS_BLANK`)."""

    def total(
        self,
        *,
        city: str | None = None,
        county: str | None = None,
        school: str | None = None,
        stage: Stage | None = None,
        grade: int | None = None,
        status: StudentStatus | None = None,
    ) -> int:
        """The students matching every criterion given."""
        return sum(r.count for r in self._matching(city, county, school, stage, grade, status))

    def flagged(
        self,
        flag: str,
        *,
        city: str | None = None,
        county: str | None = None,
        school: str | None = None,
        stage: Stage | None = None,
        grade: int | None = None,
        status: StudentStatus | None = None,
    ) -> int | None:
        """The students matching every criterion given who carry ``flag`` (one of
        :data:`FLAGS`: ``"migrant"``, ``"special_needs"``); None where the store did not
        count the flags (:attr:`flags_counted`).

        >>> rows = (StatRow("3401", "", "A", Stage.PRIMARY, 1, StudentStatus.REGISTERED, 3, 2, 0),)
        >>> Statistics(_dt.date(2026, 10, 15), "34", rows, flags_counted=True).flagged("migrant")
        2
        """
        if flag not in FLAGS:
            raise ValueError(f"not a flag: {flag!r} (one of {', '.join(FLAGS)})")
        if not self.flags_counted:
            return None
        found = self._matching(city, county, school, stage, grade, status)
        return sum(getattr(r, flag) or 0 for r in found)

    def _matching(
        self,
        city: str | None,
        county: str | None,
        school: str | None,
        stage: Stage | None,
        grade: int | None,
        status: StudentStatus | None,
    ) -> list[StatRow]:
        want = {
            "city": city,
            "county": county,
            "school": school,
            "stage": stage,
            "grade": grade,
            "status": status,
        }
        return [
            r for r in self.rows if all(v is None or getattr(r, k) == v for k, v in want.items())
        ]

    def by(self, *keys: str) -> dict[tuple[object, ...], int]:
        """Totals grouped by the named fields of :class:`StatRow` (e.g. ``"county",
        "stage"``), sorted: a grade by its number (2 before 10; before, as text, 10
        came before 2), the other fields by their text.

        >>> rows = tuple(StatRow("3401", "", "H", Stage.SENIOR, g, StudentStatus.REGISTERED, 1)
        ...              for g in (10, 2, 9))
        >>> list(Statistics(_dt.date(2026, 10, 15), "34", rows).by("grade"))
        [(2,), (9,), (10,)]
        """
        out: Counter[tuple[object, ...]] = Counter()
        for r in self.rows:
            out[tuple(getattr(r, k) for k in keys)] += r.count
        return dict(sorted(out.items(), key=lambda kv: tuple(map(_sort_key, kv[0]))))


def _sort_key(value: object) -> tuple[int, int, str]:
    """A field's place in :meth:`Statistics.by`'s order: an int by its number, before
    any text (a field holds one kind of value, so the two never meet in practice)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def _place(school: School, units: Mapping[str, Unit]) -> tuple[str, str]:
    """The city and county of a school, from its supervising-unit chain (Art 4)."""
    city = county = ""
    code: str | None = school.authority
    while code is not None:
        unit = units.get(code)
        if unit is None:
            break
        if unit.level is UnitLevel.COUNTY:
            county = unit.code
        elif unit.level is UnitLevel.CITY:
            city = unit.code
        code = unit.parent
    return city, county


Tally = Mapping[tuple[str, Stage, int, StudentStatus], int]
"""Students counted by (school code, stage, grade, status), as
``StudentRepository.tally`` returns them."""

FlagTally = Mapping[tuple[str, Stage, int, StudentStatus], tuple[int, int, int]]
"""Students counted by (school code, stage, grade, status), each as ``(students,
migrant, special_needs)``: as the optional ``students.tally_flags`` returns them."""


def tabulate(
    schools: Iterable[tuple[School, Iterable[Student]]],
    units: Mapping[str, Unit],
    *,
    taken_on: _dt.date,
    scope: str,
) -> Statistics:
    """Count the students of each school by stage, grade and status."""
    order: list[School] = []
    counts: dict[tuple[str, Stage, int, StudentStatus], tuple[int, int, int]] = {}
    for school, students in schools:
        order.append(school)
        for s in students:
            key = (school.code, s.stage, s.grade, s.status)
            n, migrant, special = counts.get(key, (0, 0, 0))
            counts[key] = (n + 1, migrant + s.migrant, special + s.special_needs)
    return tabulate_tally(order, counts, units, taken_on=taken_on, scope=scope)


_Counts = tuple[int, int | None, int | None]
"""A row's students, migrant and special-needs students (the two None: not counted)."""


def tabulate_tally(
    schools: Iterable[School],
    tally: Tally | FlagTally,
    units: Mapping[str, Unit],
    *,
    taken_on: _dt.date,
    scope: str,
) -> Statistics:
    """:func:`tabulate` from counts already made (a store's ``tally``, one query
    instead of every record read): the rows of ``schools``, in their order, each
    school's by stage, grade and status. From a :data:`FlagTally` (a store's
    ``tally_flags``) the rows count the migrant and special-needs students too; from
    a :data:`Tally` those two are None (:data:`FLAGS_BLANK`)."""
    of_school: dict[str, list[tuple[tuple[Stage, int, StudentStatus], _Counts]]] = {}
    flags_counted = True
    for (code, stage, grade, status), counted in tally.items():
        n, migrant, special = counted if isinstance(counted, tuple) else (counted, None, None)
        flags_counted = flags_counted and migrant is not None
        if n:
            of_school.setdefault(code, []).append(((stage, grade, status), (n, migrant, special)))
    rows = []
    for school in schools:
        city, county = _place(school, units)
        for (stage, grade, status), (n, migrant, special) in sorted(
            of_school.get(school.code, ()), key=lambda item: item[0]
        ):
            rows.append(
                StatRow(city, county, school.code, stage, grade, status, n, migrant, special)
            )
    return Statistics(taken_on, scope, tuple(rows), flags_counted)


def stats_table(
    stats: Statistics,
    *,
    policy: Policy | None = None,
    scope_name: str = "",
    operator: str = "",
) -> Table:
    """The statistics as a table (Art 28), with their notes: the date of the count, who
    made it (``operator``), the scope (its code, and ``scope_name`` beside it) and the
    article, as ``policy`` (the profile in force; default Anhui's) cites it
    (:data:`STATISTICS_ARTICLE`). Beside each row's count, its migrant and
    special-needs students (:data:`FLAGS`): blank cells, and a warning
    (:data:`FLAGS_BLANK`), where the store did not count them."""
    return Table(
        f"学籍统计 statistics {stats.taken_on}",
        (
            "市 city",
            "县区 county",
            "学校 school",
            "学段 stage",
            "年级 grade",
            "状态 status",
            "人数 count",
            *FLAGS.values(),
        ),
        [
            _masked(
                (
                    r.city,
                    r.county,
                    r.school,
                    r.stage.zh,
                    r.grade,
                    r.status.zh,
                    r.count,
                    r.migrant,
                    r.special_needs,
                )
            )
            for r in stats.rows
        ],
        (
            _counted_on(stats.taken_on),
            *_made_by(operator),
            _scope(stats.scope, scope_name),
            _cite(_as_cited(STATISTICS_ARTICLE, policy)),
            *([] if stats.flags_counted else [f"{WARNING_NOTE}{FLAGS_BLANK}"]),
        ),
    )


# -- the maintenance fee -----------------------------------------------------------------------


@attrs.frozen
class FeeLine:
    """One school's fee: the students counted and the amount (yuan); ``payer`` is the
    education authority that pays it (the school's county, or its city)."""

    payer: str
    school: str
    students: int
    fee: Decimal


@attrs.frozen
class FeeReport:
    """The yearly maintenance fee from a count of the registry (the notice, item 3);
    ``scope`` is the unit whose jurisdiction was counted."""

    year: int
    rate: Decimal
    article: Article
    taken_on: _dt.date
    lines: tuple[FeeLine, ...]
    warnings: tuple[str, ...] = ()
    scope: str = ""

    @property
    def total_students(self) -> int:
        """The students counted."""
        return sum(line.students for line in self.lines)

    @property
    def total_fee(self) -> Decimal:
        """The fee of every line (yuan)."""
        return sum((line.fee for line in self.lines), Decimal(0))

    def by_payer(self) -> dict[str, tuple[int, Decimal]]:
        """Students and fee per paying authority."""
        out: dict[str, tuple[int, Decimal]] = {}
        for line in self.lines:
            n, fee = out.get(line.payer, (0, Decimal(0)))
            out[line.payer] = (n + line.students, fee + line.fee)
        return dict(sorted(out.items()))

    def table(self, *, scope_name: str = "", operator: str = "") -> Table:
        """The fee as a table: a line per school, its figures numbers (they can be
        summed), then, after a blank row, the block :data:`FEE_SUBTOTALS`: a line per
        paying authority (``小计 subtotal``) and the scope's total (``总计 total``), their
        figures text (``5 人``, ``2.5 元``) that a spreadsheet's column sum skips. Its
        notes give the date of the count, who made it (``operator``), the scope (its
        code, and ``scope_name`` beside it), the article, the rate, the students
        counted, the total and the warnings (a count not taken in October). The rate
        column says its unit (:data:`FEE_RATE_UNIT`).

        Before, the per-payer ``合计 total`` lines were numbers in the school lines'
        columns: summing the fee column doubled the figure, and with no line for the
        scope a city read its city-run schools' ``合计`` as its own total."""
        # the amounts as Decimal: a workbook stores them as numbers (they can be summed),
        # a CSV writes their exact text
        rows: list[tuple[object, ...]] = [
            _masked((line.payer, line.school, line.students, self.rate, line.fee))
            for line in self.lines
        ]
        rows += [(), (FEE_SUBTOTALS,)]
        rows += [
            _masked((payer, "小计 subtotal", f"{n} 人", None, f"{fee} 元"))
            for payer, (n, fee) in self.by_payer().items()
        ]
        total_n, total_fee = self.total_students, self.total_fee
        rows.append(_masked((self.scope, "总计 total", f"{total_n} 人", None, f"{total_fee} 元")))
        counted = sorted(COUNTED_FOR_FEE)
        notes = [
            _counted_on(self.taken_on),
            *_made_by(operator),
            *([_scope(self.scope, scope_name)] if self.scope else []),
            _cite(self.article, _notice_gloss(self.article)),
            f"标准 rate: 每生每年 {self.rate} 元 ({self.rate} yuan per student per year)",
            f"计入 counted: {'、'.join(s.zh for s in counted)}的学生 "
            f"({' and '.join(s.value for s in counted)} students)",
            f"合计 total: 在籍 {total_n} 人，费用 {total_fee} 元 "
            f"({total_n} students; {total_fee} yuan in all)",
            *(f"{WARNING_NOTE}{w}" for w in self.warnings),
        ]
        return Table(
            f"维护费 maintenance fee {self.year}",
            (
                "付费单位 payer",
                "学校 school",
                "在籍人数 students",
                f"标准 rate ({FEE_RATE_UNIT})",
                "费用 fee (元)",
            ),
            rows,
            tuple(notes),
        )


FEE_SUBTOTALS = "按付费单位小计 subtotals by payer"
"""The row that heads the fee table's block of subtotals by paying authority and the
scope's total (:meth:`FeeReport.table`), after the blank row that ends the school
lines: a program reading the file takes the school lines up to that blank row."""


def maintenance_fee(stats: Statistics, policy: Policy) -> FeeReport:
    """The year's fee per school and paying authority: the students counted in
    :data:`COUNTED_FOR_FEE` times ``policy.maintenance_fee_per_student``. The notice
    bases it on the October statistics; a count taken in another month is flagged,
    citing the notice (:data:`FEE_COUNT_ARTICLE`, marked inherited under a profile of
    another instrument)."""
    rate = policy.maintenance_fee_per_student.value
    counted: Counter[tuple[str, str]] = Counter()
    for r in stats.rows:
        if r.status in COUNTED_FOR_FEE:
            counted[(r.county or r.city, r.school)] += r.count
    lines = tuple(
        FeeLine(payer, school, n, rate * n) for (payer, school), n in sorted(counted.items())
    )
    warnings: tuple[str, ...] = ()
    if stats.taken_on.month != FEE_COUNT_MONTH:
        source = policy.as_cited(FEE_COUNT_ARTICLE)
        warnings = (
            f"统计日期 {stats.taken_on} 不在10月（{source}：以10月份统计数据为依据）; "
            f"the count of {stats.taken_on} is not an October count "
            f"({source.english}: the October statistics)",
        )
    return FeeReport(
        stats.taken_on.year,
        rate,
        # the rate's article; Anhui's notice, inherited, marked so (沿用 anhui-2013)
        policy.as_cited(policy.maintenance_fee_per_student.article),
        stats.taken_on,
        lines,
        warnings,
        stats.scope,
    )


# -- Art 27(3) ----------------------------------------------------------------------------------


def migrants_table(
    summary: Mapping[str, tuple[MigrantDropout, ...]],
    *,
    start: _dt.date,
    end: _dt.date,
    scope: str,
    taken_on: _dt.date,
    policy: Policy | None = None,
    scope_name: str = "",
    operator: str = "",
) -> Table:
    """The term's summary of migrant children who dropped out, by 户籍 county (Art 27(3)),
    as :meth:`xueji.registry.Registry.migrant_dropouts` gives it for the term ``start``
    to ``end``; its notes give the term, the approval days it covers (the break before
    the term is in it: :func:`~xueji.rules.changes.summary_span`, by the profile's
    ``terms``), the issuing unit (``scope``), the date of the count (``taken_on``) and
    the article (:data:`MIGRANTS_ARTICLE`), as ``policy`` (the profile in force;
    default Anhui's) cites it; the issuing unit's name (``scope_name``) beside its
    code, and who made it (``operator``) after the date. A line gives the day the dropout was approved (the day
    the summary files it under) and the day the school recorded it.

    Taken before ``end`` (the term is not over), the summary is not final: a note
    warns so, where an empty one taken at the end says there was none in the term.
    Before, an early one said 本学期无随迁子女辍学 (none in the term) all the same."""
    first, last = summary_span(start, end, policy or ANHUI_2013)
    notes = [
        f"学期 term: {start.isoformat()} 至 {end.isoformat()} "
        f"({start.isoformat()} to {end.isoformat()})",
        (
            f"计入 covers: 审核通过日期 {first.isoformat()} 至 {last.isoformat()} 的辍学，"
            "学期之间假期中审核通过的计入下一学期 "
            f"(dropouts approved from {first.isoformat()} to {last.isoformat()}; "
            "one approved in a break between terms is in the next term's summary)"
            if first <= last
            else "计入 covers: 无：此期间都在学期之间的假期中，其中审核通过的辍学计入下一学期 "
            "(none: the period is in a break between terms, whose dropouts are in the "
            "next term's summary)"
        ),
        f"编制单位 issued by: {_named(scope, scope_name)}",
        _counted_on(taken_on),
        *_made_by(operator),
        _cite(_as_cited(MIGRANTS_ARTICLE, policy)),
        "内容 content: 义务教育阶段辍学的随迁子女 按户籍县区 "
        "(migrant children who dropped out of the compulsory grades by 户籍 county)",
    ]
    if taken_on < end:  # the summary is due at the term's end: this one is not final
        notes.append(
            f"{WARNING_NOTE}学期 {end.isoformat()} 结束，统计日期 {taken_on.isoformat()} "
            "时尚未结束，此表不是本学期的最终汇总 "
            f"(the term ends on {end.isoformat()} and is not over on {taken_on.isoformat()}: "
            "this is not the term's final summary)"
        )
    elif not any(summary.values()):
        notes.append("本学期无随迁子女辍学 (no migrant child dropped out in the term)")
    return Table(
        "随迁子女辍学 migrant dropouts",
        (
            "户籍县区 hukou county",
            "学生 student",
            "姓名 name",
            "学校 school",
            "年级 grade",
            "审核通过日期 approved on",
            "学校登记日期 recorded on",
        ),
        [
            _masked((county, d.student, d.name, d.school, d.grade, d.approved_on, d.recorded_on))
            for county, items in summary.items()
            for d in items
        ],
        tuple(notes),
        text_columns=(2,),  # the name: +1 is text in a CSV (excel._csv_text)
    )


def public_list_table(
    school: str,
    rows: Iterable[PublicListRow],
    *,
    taken_on: _dt.date,
    policy: Policy | None = None,
    school_name: str = "",
    operator: str = "",
) -> Table:
    """The 公示 class list of a school (Art 31): only :data:`xueji.reports.PUBLIC_FIELDS`;
    its notes give the school (its code, and ``school_name`` beside it), the date of
    the list (``taken_on``), who made it (``operator``) and the article
    (:data:`PUBLIC_LIST_ARTICLE`), as ``policy`` (the profile in force; default Anhui's)
    cites it."""
    headers = {
        "class_id": "班级 class",
        "grade": "年级 grade",
        "name": "姓名 name",
        "sex": "性别 sex",
        "status": "学籍状态 status",
    }
    return Table(
        f"公示 class list {school}",
        tuple(headers[f] for f in PUBLIC_FIELDS),
        [_masked(getattr(r, f) for f in PUBLIC_FIELDS) for r in rows],
        (
            f"学校 school: {_named(school, school_name)}",
            f"日期 date of the list: {taken_on.isoformat()}",
            *_made_by(operator),
            _cite(_as_cited(PUBLIC_LIST_ARTICLE, policy)),
            "内容 content: 在籍学生 不含敏感信息 (registered students only; no sensitive field)",
        ),
        # the class and the name: +1 or 1-2 is text in a CSV (excel._csv_text)
        text_columns=tuple(PUBLIC_FIELDS.index(f) for f in ("class_id", "name")),
    )


# -- the national system (Art 5) -------------------------------------------------------------------


NATIONAL_EXCLUDED = frozenset({StudentStatus.VOIDED})
"""The statuses the national export leaves out (Art 5; Art 30, PIPL Art 6): a 作废
record was entered in error, or is of a child whose transfer in was rejected and who
never joined. It is not in this province's registry, and its identity numbers whole
have no reason to leave it. Before, the export sent it with them."""


@attrs.frozen
class NationalRecord:
    """A registry record as the national system takes it (Art 5). Holds the full
    identity numbers (and a G 学籍号 holds one too): for the national system only;
    masked or left out in ``repr``, which leaves out the birth date too (what the
    mask hides: with the masked 学籍号 it gave the number back, Art 30). Sex, stage
    and status are their Chinese names (男/女, 小学/初中/高中/特殊教育, 在籍, ...)."""

    registry_number: str = attrs.field(repr=lambda n: repr(mask_number(n)))
    id_number: str = attrs.field(repr=False)
    guardian_id: str = attrs.field(repr=False)
    name: str = attrs.field(repr=lambda n: repr(mask_ids(n)))
    sex: str
    birth_date: _dt.date = attrs.field(repr=False)
    hukou_region: str
    school: str
    grade: int
    class_id: str
    stage: str
    status: str
    entry_date: _dt.date
    regional_number: str
    migrant: bool
    special_needs: bool


NATIONAL_HEADER = (
    "学籍号",
    "身份证件号",
    "监护人身份证件号",
    "姓名",
    "性别",
    "出生日期",
    "户口所在地行政区划",
    "学校标识码",
    "年级",
    "班级",
    "学段",
    "学籍状态",
    "入学年月",
    "地区学号",
    "是否进城务工人员随迁子女",
    "是否残疾人",
)
"""The column names of the national export."""


def national_record(s: Student) -> NationalRecord:
    """One student in the national form."""
    return NationalRecord(
        s.registry_number or "",
        s.id_number or "",
        s.guardian_id or "",
        s.name,
        "男" if s.sex == "M" else "女",
        s.birth_date,
        s.hukou_region,
        s.school,
        s.grade,
        s.class_id,
        s.stage.zh,  # as 性别 and 学籍状态 (and report stats) name theirs
        s.status.zh,
        s.entry_date,
        s.regional_number or "",
        s.migrant,
        s.special_needs,
    )


NATIONAL_TITLE = "全国学籍 national"


def national_table(records: Iterable[NationalRecord]) -> Table:
    """The national export as a table (full identity numbers: for the national system).
    It has no notes, unlike the other reports: the file is the national system's
    upload, whose header is its first row (the read is on record in the change log)."""
    return Table(
        NATIONAL_TITLE,
        NATIONAL_HEADER,
        [national_row(r) for r in records],
        numeric_columns=NATIONAL_NUMERIC_COLUMNS,
    )


NATIONAL_NUMERIC_COLUMNS = (NATIONAL_HEADER.index("年级"),)
"""The national upload's numeric fields (年级): the one place a CSV keeps a lone sign or
a signed number whole (:func:`xueji.excel.table_writer`'s ``numeric_columns``); in
every other column such text gets a leading ``'`` as a formula does (a name ``+1``).
Its text fields (姓名, 班级) are not given ``'`` for text that only reads as a number
(a class ``1-2``): the file is the national system's upload, whose values go to it
as they are; the reports people open (the class list, the migrants summary) do."""


NATIONAL_ID_COLUMNS = 3
"""The national export's identity columns, its first three (学籍号, 身份证件号,
监护人身份证件号): written whole, for the national system, as its 地区学号 is (a number
the registry gives, of the profile's ``regional_number_format``). An identity number
in any other text cell (a name holding one: a data-entry slip) is masked, as in every
report (Art 30); before, it was written whole."""


def national_row(r: NationalRecord) -> tuple[object, ...]:
    """One record as a row under :data:`NATIONAL_HEADER`: 入学年月 is the year and month
    of entry (``2026-09``; the record keeps the day). The identity columns
    (:data:`NATIONAL_ID_COLUMNS`) and the 地区学号 are whole; the other text cells
    masked."""
    entered = f"{r.entry_date.year:04d}-{r.entry_date.month:02d}"
    return (
        r.registry_number,
        r.id_number,
        r.guardian_id,
        *_masked(
            (
                r.name,
                r.sex,
                r.birth_date,
                r.hukou_region,
                r.school,
                r.grade,
                r.class_id,
                r.stage,
                r.status,
            )
        ),
        entered,
        r.regional_number,
        "是" if r.migrant else "否",
        "是" if r.special_needs else "否",
    )
