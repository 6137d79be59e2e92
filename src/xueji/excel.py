"""Excel import of new students, Art 17 information and graduation data (Arts 12, 17, 18),
and the workbook and CSV writers of the reports.

Art 17 lets the school maintain 简历, 成绩, 评价, 奖励 and 处分 "通过系统的信息维护或者Excel
导入功能"; Art 18 lets a compulsory-education school record completion by "毕业生信息Excel
导入". The bulk entry of new students (Art 12) goes through the same door.

Every import reads one sheet of a workbook (the first visible one, or the one named:
``sheet=``), whose first row holds the Chinese column names of :data:`STUDENT_COLUMNS`,
:data:`INFO_COLUMNS` or :data:`GRADUATION_COLUMNS` (unknown columns are listed in the
report and ignored, except in the information import, where they become the entry's
data). Each cell is checked: a cell that cannot be read is a :class:`RowError`, never a
crash; a rule that refuses a row is a :class:`RowError` citing its code. The
:class:`ImportReport` accounts for every data row: applied, refused, or held back
(good, but not applied because the import was all-or-nothing and another row failed).
Workbooks are read in openpyxl's read-only mode, row by row, so a large file streams;
a range of merged cells hiding a value from a column read (Excel shows its value in
every cell, the file holds it in the first) is ``excel.merged_cell``, not read as blank.
The report names the sheet read and, when none was named, the other sheets that hold
data (a notice, not a refusal).

openpyxl is an optional dependency (the ``excel`` extra: ``pip install -e '.[excel]'``
in a checkout); it is imported only when a workbook is read or written, and its absence
is the error ``excel.missing``.

>>> parse_date("2020/3/1"), parse_date("20200301"), parse_date("2020年3月1日")
(datetime.date(2020, 3, 1), datetime.date(2020, 3, 1), datetime.date(2020, 3, 1))
>>> parse_sex("女"), parse_flag("是"), parse_flag(None)
('F', True, False)
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import hashlib
import itertools
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from xueji import ids, numbers
from xueji.decision import Decision
from xueji.errors import AccessDenied, MissingExtra, NotFound, XuejiError
from xueji.lifecycle.tables import StudentStatus
from xueji.masking import HIDDEN_DATE, mask, mask_ids
from xueji.model import DATE_RANGE as _DATE_RANGE
from xueji.model import (
    SCHOOL_MAINTAINED,
    Actor,
    Consent,
    InfoEntry,
    InfoGroup,
    Photo,
    School,
    SchoolClass,
    Student,
    Unit,
    UnitLevel,
)
from xueji.policy import Stage
from xueji.rules import graduation
from xueji.rules._base import cite_decision

if TYPE_CHECKING:
    from xueji.registry import Registry

__all__ = [
    "CLASS_COLUMNS",
    "DATE_RANGE",
    "EAST_ASIAN_DATE_FORMATS",
    "EXCEL_ERRORS",
    "GRADUATION_COLUMNS",
    "IMPORT_SLICE",
    "INFO_COLUMNS",
    "INFO_GROUPS",
    "NOTE_MARK",
    "PEEK_ROWS",
    "QUOTE_MAX",
    "SCHOOL_COLUMNS",
    "STUDENT_COLUMNS",
    "SUBMITTED",
    "UNIT_COLUMNS",
    "AppliedRow",
    "CellError",
    "Column",
    "ImportReport",
    "NoSheet",
    "RowError",
    "RowWarning",
    "Table",
    "import_classes",
    "import_graduation",
    "import_info",
    "import_schools",
    "import_students",
    "import_units",
    "note_rows",
    "parse_date",
    "parse_flag",
    "parse_sex",
    "table_writer",
    "without_notes",
    "write_table",
    "write_tables",
]


class CellError(XuejiError, ValueError):
    """A cell whose value cannot be read (a bad date, a bad sex, an empty required cell)."""


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - the dev environment has the extra
        raise MissingExtra(
            "excel.missing",
            "读写Excel需要 openpyxl（excel 扩展）：在 xueji 源码目录中 pip install -e '.[excel]'",
            "reading or writing Excel needs openpyxl, the excel extra: "
            "pip install -e '.[excel]' in a checkout of xueji",
        ) from None
    return openpyxl


# -- cells ---------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _text(value: object) -> str:
    """A cell as text: numbers without a trailing ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).strip()


DATE_RANGE = _DATE_RANGE
"""The dates an import reads (:data:`xueji.model.DATE_RANGE`) (every date column: birth, entry, photo, consent, an
information entry's, a class's month). Excel's own calendar starts in 1900, and no
date of a school registry is past 2099: a date outside (``9999-12-31``, typed as "no
end", or ``0001-01-01``) is ``excel.date_out_of_range`` of its cell. It stopped the
import before: an entry date of 9999-12-31 reached the Art 15 deadline rule, whose
next year's deadline (year 10000) Python has no date for."""


def parse_date(value: object) -> _dt.date:
    """A date cell: an Excel date, or text as ``2020-03-01``, ``2020/3/1``, ``2020.3.1``,
    ``20200301`` or ``2020年3月1日`` (with a midnight time, ``2020-03-01 00:00:00``, too),
    within :data:`DATE_RANGE`.

    >>> parse_date("2020-03-01 00:00:00"), parse_date("2020/3/1")
    (datetime.date(2020, 3, 1), datetime.date(2020, 3, 1))
    """
    day = _date_of(value)
    first, last = DATE_RANGE
    if not first <= day <= last:
        raise CellError(
            "excel.date_out_of_range",
            f"日期 {day.isoformat()} 不在 {first.isoformat()} 至 {last.isoformat()} 之间",
            f"the date {day.isoformat()} is not between {first.isoformat()} and {last.isoformat()}",
        )
    return day


def _date_of(value: object) -> _dt.date:
    """A date cell as a date, of any year (:func:`parse_date` checks the range)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = _text(value)
    # a date written out with a midnight time (2020-03-01 00:00:00, as some tools
    # export an Excel date as text) is that date; any other time is not a date
    text = re.sub(r"[ T]00:00(:00(\.0+)?)?$", "", text)
    m = _DATE.match(text)
    if m is None and re.fullmatch(r"\d{8}", text):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if m is not None:
        try:
            return _dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise _bad_date(text)


_SERIAL = re.compile(r"[0-9]{1,5}(?:\.[0-9]+)?")

_LAST_SERIAL = (DATE_RANGE[1] - _dt.date(1899, 12, 30)).days
"""The serial number Excel gives the last day an import reads (2099-12-31: 73050)."""


def _bad_date(text: str, form_zh: str = "YYYY-MM-DD", form_en: str = "YYYY-MM-DD") -> CellError:
    """``excel.bad_date`` of a cell's text, saying the form expected. A number up to
    :data:`_LAST_SERIAL` is said to look like an Excel date serial number: a date typed
    into a cell formatted as a number (General) is its serial, 43891 for 2020-03-01,
    and "expected YYYY-MM-DD" did not say why. It is still refused: a number is not a
    date, and the import does not guess that it is one."""
    if _SERIAL.fullmatch(text) and 1 <= float(text) <= _LAST_SERIAL:
        return CellError(
            "excel.bad_date",
            f"日期无法识别：{text!r} 像是 Excel 的日期序号（单元格是数字格式）："
            f"请把单元格设为日期格式，或填写为 {form_zh}",
            f"not a date: {text!r} looks like an Excel date serial number (the cell is "
            f"formatted as a number): format the cell as a date, or type {form_en}",
        )
    return CellError(
        "excel.bad_date",
        f"日期无法识别：{text!r}（应为 {form_zh}）",
        f"not a date: {text!r} (expected {form_en})",
    )


def parse_sex(value: object) -> str:
    """性别: 男/M or 女/F."""
    text = _text(value).upper()
    if text in ("男", "M"):
        return "M"
    if text in ("女", "F"):
        return "F"
    raise CellError(
        "excel.bad_sex", f"性别应为“男”或“女”：{text!r}", f"sex is 男 or 女 (M/F), not {text!r}"
    )


def parse_flag(value: object) -> bool:
    """A yes/no cell: 是/否, Y/N, 1/0, TRUE/FALSE; an empty cell is 否."""
    if isinstance(value, bool):
        return value
    text = _text(value).upper()
    if text in ("", "否", "N", "NO", "0", "FALSE"):
        return False
    if text in ("是", "Y", "YES", "1", "TRUE"):
        return True
    raise CellError(
        "excel.bad_flag", f"应填“是”或“否”：{text!r}", f"expected 是 or 否, not {text!r}"
    )


def _grade(value: object) -> int:
    text = _text(value)
    # digits only, ASCII or full-width (１２): "①", "²" are str.isdigit() too, and
    # int() of them raised a ValueError that stopped the whole import
    if re.fullmatch(r"[0-9０-９]{1,2}", text) and 1 <= int(text) <= 12:
        return int(text)
    raise CellError(
        "excel.bad_grade", f"年级应为1至12的整数：{text!r}", f"a grade is 1 to 12, not {text!r}"
    )


def _digits(text: str) -> str:
    """Full-width digits (１２３) as ASCII, as the ID number columns read them: ``\\d``
    let them through, and the registry then refused the row with no column named."""
    return unicodedata.normalize("NFKC", text)


def _six_digits(value: object, what_zh: str) -> str:
    """A GB/T 2260 region code cell: six digits (full-width ones read as digits)."""
    text = _digits(_text(value))
    if re.fullmatch(r"[0-9]{6}", text):
        return text
    raise CellError(
        "excel.bad_region",
        f"{what_zh}应为6位数字：{text!r}",
        f"a region code is 6 digits, not {text!r}",
    )


def _region(value: object) -> str:
    return _six_digits(value, "户籍地区码")


def _code(value: object) -> str:
    return _text(value)


_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]*)?[eE]\+?[0-9]{1,3}")
"""A number written in scientific notation (``3.40104E+17``), as Excel shows an
18-digit number it keeps as a number, and as such a cell reads once turned into text."""

_APOSTROPHES = ("'", "\u2018", "\u2019", "\uff07")
"""A leading apostrophe (ASCII, curly or full-width): typed in Excel it makes the cell
text and is not part of the value, but pasted from elsewhere it is in the text."""


def _id_number(value: object) -> str:
    """An identity number cell (身份证号, 监护人身份证号): text, as the facade reads
    it (a lower-case x, full-width digits). A number cell, or text in scientific
    notation (a number cell turned into text), is ``excel.id_as_number``: Excel keeps
    15 significant digits of a number, so the last three digits are lost (0). A leading
    apostrophe is ``excel.id_apostrophe``: it was read as a 19th character, and said
    as ``id.length`` <19位>."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            "excel.id_as_number",
            "身份证号须以文本格式填写：Excel 的数字只保留15位有效数字，18位号码的末3位会变成0",
            "an ID number must be a text cell: Excel keeps 15 significant digits of a "
            "number, so the last 3 digits of an 18-digit number become 0",
        )
    text = _text(value)
    if _SCIENTIFIC.fullmatch(text):
        raise CellError(
            "excel.id_as_number",
            "身份证号被 Excel 当作数字保存（科学计数法）：数字只保留15位有效数字，末位已丢失；"
            "请将该列设为文本格式，再输入完整号码",
            "the ID number was stored by Excel as a number (in scientific notation): a "
            "number keeps 15 significant digits, and the last digits are lost; format the "
            "column as text and type the whole number again",
        )
    if text.startswith(_APOSTROPHES):
        raise CellError(
            "excel.id_apostrophe",
            "身份证号前有单引号：请删除单引号（要以文本保存号码，将单元格设为文本格式即可）",
            "the ID number starts with an apostrophe: remove it (to keep the number as "
            "text, format the cell as text)",
        )
    # as the facade reads it (a lower-case x, full-width digits): the number an info
    # or graduation row finds its student by, and the one a report shows masked
    return ids.normalize(text) if text else text


def _rounded(number: object) -> bool:
    """Whether an identity number ends in 000, as an 18-digit number Excel kept as a
    number (15 significant digits) does once turned into text (:func:`_id_number`
    catches the number cell and the scientific notation, not this). A real number can
    end in 000 (sequence x00, check character 0: about one in 1,100), so it is said,
    not refused: a warning of a row entered (:data:`_ROUNDED_WARNING`), a hint beside a
    refusal of the number."""
    return isinstance(number, str) and len(number) == 18 and number.endswith("000")


_ROUNDED_HINT = (
    "（号码以000结尾：可能被 Excel 当作数字保存过，数字只保留15位有效数字；请对照证件核对）",
    " (it ends in 000: Excel may have stored it as a number, which keeps 15 significant "
    "digits; check it against the document)",
)
"""What an identity number's refusal adds when the number ends in 000 (:func:`_rounded`):
a girl's number Excel rounded fails its check character (ten times in eleven) or, given
as a boy's, the sex (the 17th digit is 0)."""

_ROUNDED_WARNING = (
    "excel.id_maybe_rounded",
    "身份证号以000结尾：Excel 把号码当作数字保存时只保留15位有效数字，末3位会变成000；"
    "此号码校验通过，但请在上报前对照证件核对",
    "the ID number ends in 000: Excel keeps 15 significant digits of a number stored as "
    "one, and the last 3 digits become 000; this number passes the check, but compare "
    "it with the document before the record is submitted",
)
"""The warning of a new student entered with an identity number (its own or its
guardian's) ending in 000 (:func:`_rounded`): code, Chinese, English. A warning, not a
refusal: a real number ends so about once in 1,100, and the import enters a draft,
which the school checks and can still edit before it submits it for review (Art 15);
the 学籍号 is issued from the number, so a wrong one is worth the look."""


@attrs.frozen
class Column:
    """One column of an import sheet: its Chinese header, the field it fills, whether it
    is required, how a cell is read, and whether the value is an identity number (masked
    in every report)."""

    header: str
    field: str
    required: bool
    parse: Callable[[object], object] = _code
    sensitive: bool = False
    note: str = ""


STUDENT_COLUMNS: tuple[Column, ...] = (
    Column("学校代码", "school", True, note="学校标识码 (Art 9)"),
    Column("班级", "class_id", True, note="the class id"),
    Column("年级", "grade", True, _grade, note="1-12"),
    Column("姓名", "name", True),
    Column("性别", "sex", True, parse_sex, note="男/女 or M/F"),
    Column("出生日期", "birth_date", True, parse_date),
    Column("户籍地区码", "hukou_region", True, _region, note="GB/T 2260, 6 digits"),
    Column("身份证号", "id_number", False, _id_number, True, "a text cell; GB 11643"),
    Column(
        "监护人身份证号", "guardian_id", False, _id_number, True, "when the child has none (Art 13)"
    ),
    Column("随迁子女", "migrant", False, parse_flag, note="是/否"),
    Column("残疾学生", "special_needs", False, parse_flag, note="是/否"),
    Column("入学日期", "entry_date", False, parse_date, note="default: the import date"),
    Column("照片采集日期", "photo_taken_on", False, parse_date, note="with 照片摘要 (Art 12)"),
    Column("照片摘要", "photo_digest", False, note="a digest of the image"),
    Column("同意监护人", "consent_by", False, note="the guardian who consented (PIPL Art 31)"),
    Column("同意日期", "consent_on", False, parse_date),
)
"""The columns of a new-student sheet (Art 12), mapped to :meth:`Registry.enroll`."""

INFO_GROUPS: Mapping[str, InfoGroup] = {
    "简历": InfoGroup.RESUME,
    "成绩": InfoGroup.EXAM,
    "考试": InfoGroup.EXAM,
    "评价": InfoGroup.EVALUATION,
    "奖励": InfoGroup.AWARD,
    "处分": InfoGroup.PUNISHMENT,
}
"""The 信息类别 names of the Art 17 groups a school maintains."""


def _info_group(value: object) -> InfoGroup:
    text = _text(value)
    group = INFO_GROUPS.get(text)
    if group is None or group not in SCHOOL_MAINTAINED:
        raise CellError(
            "excel.bad_group",
            f"信息类别应为 {'/'.join(INFO_GROUPS)}：{text!r}",
            f"the group is one of {', '.join(INFO_GROUPS)}, not {text!r}",
        )
    return group


_KEY_COLUMNS = (
    Column("学校代码", "school", True),
    Column("学籍号", "registry_number", False, note="the student's 学籍号, or:"),
    Column("身份证号", "id_number", False, _id_number, True, "the student's ID number"),
)

INFO_COLUMNS: tuple[Column, ...] = (
    *_KEY_COLUMNS,
    Column("信息类别", "group", True, _info_group, note="简历/成绩/考试/评价/奖励/处分"),
    Column("日期", "on", True, parse_date),
    Column("内容", "text", True),
)
"""The columns of an Art 17 information sheet; any other column (科目, 分数, 学期, ...)
is kept as the entry's data under its header."""

_RESULTS = {"毕业": "graduate", "结业": "complete"}


def _result(value: object) -> str:
    text = _text(value) or "毕业"
    if text not in _RESULTS:
        raise CellError(
            "excel.bad_result", f"毕结业应为“毕业”或“结业”：{text!r}", f"毕业 or 结业, not {text!r}"
        )
    return _RESULTS[text]


GRADUATION_COLUMNS: tuple[Column, ...] = (
    *_KEY_COLUMNS,
    Column("毕结业", "result", False, _result, note="毕业 (default) or 结业"),
)
"""The columns of a graduation sheet (Art 18)."""


# -- the report ----------------------------------------------------------------------------


QUOTE_MAX = 200
"""The longest cell value a :class:`RowError` quotes (its value and its messages): a
32,767-character cell filled the screen and the report's cells."""


def _shortened(text: str) -> str:
    """``text`` masked, then cut to :data:`QUOTE_MAX` characters with its length said
    (masked first: a cut through an identity number would leave its digits)."""
    text = mask_ids(text)
    if len(text) <= QUOTE_MAX:
        return text
    return f"{text[:QUOTE_MAX]}…（共 {len(text)} 字 {len(text)} characters）"


@attrs.frozen
class RowError:
    """One refused cell or row: the sheet row (the header is row 1), the column's Chinese
    header ("" for the row as a whole), the value as read (identity numbers masked), the
    rule's code and its message. A long value is quoted to :data:`QUOTE_MAX`
    characters, in the value and in the messages."""

    row: int
    column: str
    value: str = attrs.field(converter=_shortened)
    code: str
    message_zh: str = attrs.field(converter=_shortened)  # they may quote the value
    message_en: str = attrs.field(converter=_shortened)


@attrs.frozen
class AppliedRow:
    """A row carried out: the sheet row, the student it touched (for the unit, school
    and class imports: the record's code), what was done. ``present``: the row's
    result was on record already (the file imported again), nothing written; a
    summary counts those apart, from this flag, not from the note's words (``import
    info`` run again counted its rows applied: their note ends 已有相同条目)."""

    row: int
    student: str
    note: str = attrs.field(converter=mask_ids)  # it may quote a cell (an info entry's text)
    present: bool = False


@attrs.frozen
class RowWarning:
    """A row applied with a warning (an entry after the Art 15 deadline, no guardian's
    consent recorded for a minor): the sheet row, the student it touched, the rule's
    code and its message, as :meth:`Registry.enroll` (or the row's command) gives it,
    or the import's own (``excel.id_maybe_rounded``: an identity number ending in 000,
    as Excel leaves a number it kept to 15 significant digits). ``article``: the
    article the rule's warning cites, as ``submit`` prints it beside the same code
    (empty for the import's own)."""

    row: int
    student: str
    code: str
    message_zh: str = attrs.field(converter=_shortened)
    message_en: str = attrs.field(converter=_shortened)
    article: str = ""


def _row_warnings(row: int, student: str, decision: Decision) -> list[RowWarning]:
    return [
        RowWarning(row, student, w.code, w.message_zh, w.message_en, str(w.article))
        for w in decision.warnings
    ]


def _masked_names(names: Iterable[str]) -> tuple[str, ...]:
    """Column headers as a report lists them: an identity number typed as one masked."""
    return tuple(mask_ids(n) for n in names)


_OF_STUDENTS = frozenset({"students", "info", "graduation"})
"""The imports whose rows are students (the others build the unit, school and class tree)."""


@attrs.frozen
class ImportReport:
    """What an import did with every data row (none is lost): ``applied``, refused
    (the rows of ``errors``), or ``held`` (good rows not applied because the import was
    all-or-nothing and another row failed). ``committed`` is False when nothing was
    written. ``sheet`` is the title of the worksheet read (an import reads one);
    ``unread_sheets`` the other visible sheets that hold data, when none was named
    (said in :attr:`notices`)."""

    kind: str
    rows: int
    applied: tuple[AppliedRow, ...]
    errors: tuple[RowError, ...]
    held: tuple[int, ...]
    committed: bool
    ignored_columns: tuple[str, ...] = attrs.field(default=(), converter=_masked_names)
    sheet: str = attrs.field(default="", converter=mask_ids)
    unread_sheets: tuple[str, ...] = attrs.field(default=(), converter=_masked_names)
    warnings: tuple[RowWarning, ...] = attrs.field(default=(), kw_only=True)
    """The warnings of the rows applied, by row (empty when nothing was written)."""

    @property
    def warned_rows(self) -> tuple[int, ...]:
        """The sheet rows applied with at least one warning."""
        return tuple(sorted({w.row for w in self.warnings}))

    @property
    def notices(self) -> tuple[str, ...]:
        """What the import did not do that its caller should know, not a refusal: the
        other sheets of the workbook that hold data and were not read.

        >>> ImportReport("students", 0, (), (), (), False, (), "学生", ("Sheet2",)).notices
        ("只读取了工作表「学生」；工作表「Sheet2」也有数据，未读取 (read sheet '学生' only; sheet 'Sheet2' also holds data and was not read)",)
        """
        if not self.unread_sheets:
            return ()
        zh = "、".join(f"「{s}」" for s in self.unread_sheets)
        en = ", ".join(repr(s) for s in self.unread_sheets)
        one = len(self.unread_sheets) == 1
        en += " also holds data and was not read" if one else " also hold data and were not read"
        return (
            f"只读取了工作表「{self.sheet}」；工作表{zh}也有数据，未读取 "
            f"(read sheet {self.sheet!r} only; {'sheet' if one else 'sheets'} {en})",
        )

    @property
    def ok(self) -> bool:
        """True when every row was applied."""
        # (a sheet with no data rows: nothing to apply, nothing refused: ok, not
        # committed, since nothing was written)
        return not self.errors and not self.held and (self.committed or not self.applied)

    @property
    def refused_rows(self) -> tuple[int, ...]:
        """The sheet rows with at least one error (the header is row 1)."""
        return tuple(sorted({e.row for e in self.errors if e.row > 1}))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "kind": self.kind,
            "rows": self.rows,
            "committed": self.committed,
            "applied": [attrs.asdict(a) for a in self.applied],
            "errors": [attrs.asdict(e) for e in self.errors],
            "held": list(self.held),
            "ignored_columns": list(self.ignored_columns),
            "sheet": self.sheet,
            "unread_sheets": list(self.unread_sheets),
            "notices": list(self.notices),
            "warnings": [attrs.asdict(w) for w in self.warnings],
        }

    def write_report(self, path: str | Path) -> None:
        """Write the report as a workbook: a summary, the errors and the applied rows."""
        write_tables(
            path,
            [
                Table(
                    "汇总 summary",
                    ("项目 item", "值 value"),
                    [
                        ("类型 kind", self.kind),
                        ("工作表 sheet", self.sheet),
                        ("数据行 rows", self.rows),
                        ("已导入 applied", len(self.applied)),
                        ("有错误 refused", len(self.refused_rows)),
                        ("未导入 held", len(self.held)),
                        ("已提交 committed", "是" if self.committed else "否"),
                        ("忽略的列 ignored columns", "、".join(self.ignored_columns)),
                        ("未读取的工作表 sheets not read", "、".join(self.unread_sheets)),
                        ("注意 notes", "\n".join(self.notices)),
                    ],
                ),
                Table(
                    "错误 errors",
                    ("行 row", "列 column", "值 value", "规则 code", "说明", "message"),
                    [attrs.astuple(e) for e in self.errors],
                ),
                Table(
                    "已导入 applied",
                    (
                        "行 row",
                        "学生 student" if self.kind in _OF_STUDENTS else "代码 code",
                        "说明 note",
                    ),
                    [(a.row, a.student, a.note) for a in self.applied],
                ),
                Table("未导入 held", ("行 row",), [(r,) for r in self.held]),
            ],
        )


# -- reading -------------------------------------------------------------------------------


class NoSheet(XuejiError, LookupError):
    """A sheet named to an import (``sheet=``, ``--sheet``) that the workbook does not
    hold: code ``excel.no_sheet``, the message listing the sheets it holds (``sheets``).

    >>> NoSheet("x.xlsx", "学生", ["Sheet1", "说明"]).message_en
    "the workbook x.xlsx has no sheet '学生'; its sheets: 'Sheet1', '说明'"
    """

    def __init__(self, path: str | Path, name: str, sheets: Sequence[str]) -> None:
        self.name, self.sheets = name, tuple(sheets)
        zh = "、".join(f"「{s}」" for s in sheets) or "（无）"
        en = ", ".join(repr(s) for s in sheets) or "(none)"
        super().__init__(
            "excel.no_sheet",
            f"工作簿 {path} 中没有工作表「{name}」；它的工作表：{zh}",
            f"the workbook {path} has no sheet {name!r}; its sheets: {en}",
        )


@attrs.frozen
class _Merged:
    """A range of merged cells of the sheet read (``ref``, as ``D2:D4``): its rows
    (1-based, as the sheet numbers them) and columns (0-based, as a row's cells)."""

    ref: str
    first_row: int
    last_row: int
    first_col: int
    last_col: int


@attrs.define
class _Source:
    """Which sheet of the workbook an import reads (its title), and, when none was
    named, the other visible sheets that hold data and are not read; the sheet's
    merged ranges (:func:`_scan`)."""

    title: str = ""
    unread: tuple[str, ...] = ()
    merged: tuple[_Merged, ...] = ()


PEEK_ROWS = 5
"""The rows of each other sheet looked at to tell whether it holds data (an import
reads one sheet; the others are not read through)."""


def _visible(ws: Any) -> bool:
    """Whether a sheet shows in Excel (not ``hidden`` nor ``veryHidden``)."""
    return getattr(ws, "sheet_state", "visible") == "visible"


def _pick_sheet(wb: Any, path: str | Path, name: str | None) -> Any:
    """The worksheet ``name`` (as Excel, a name differing only in case is the same
    sheet), or when None the first visible one: the first the clerk sees (a hidden
    first sheet, a template's example rows, was imported before)."""
    sheets = wb.worksheets
    if name is None:
        return next((ws for ws in sheets if _visible(ws)), sheets[0])
    for ws in sheets:
        if ws.title == name:
            return ws
    folded = [ws for ws in sheets if ws.title.casefold() == name.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise NoSheet(path, name, [ws.title for ws in sheets])


def _holds_data(ws: Any) -> bool:
    """Whether a sheet has a cell that is not blank in its first :data:`PEEK_ROWS`
    rows (streamed: its other rows are not read). A sheet that cannot be read says no:
    it is not the one imported."""
    try:
        ws.reset_dimensions()  # (a stale size tag would hide a cell past it)
        rows = ws.iter_rows(max_row=PEEK_ROWS, values_only=True)
        return any(_text(v) for row in rows for v in row)
    except Exception:
        return False


def _sheet_rows(
    path: str | Path, name: str | None, source: _Source
) -> Iterator[tuple[object, ...]]:
    """The rows of the sheet ``name`` (None: the first visible one), streamed
    (read-only mode); ``source`` is told which sheet that is and, when none was named, which other
    visible sheets hold data (a hidden one, a template's lists for its drop-downs,
    is not counted)."""
    openpyxl = _openpyxl()
    try:
        with warnings.catch_warnings():  # (its UserWarnings went to the clerk's screen)
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise XuejiError(
            "excel.not_found", f"文件不存在：{path}", f"no such file: {path}"
        ) from None
    except Exception as e:  # openpyxl raises many kinds for a file it cannot read
        zh, en = _not_a_workbook(path)
        raise XuejiError(
            "excel.unreadable",
            f"无法读取工作簿 {path}：{zh or e}",
            f"cannot read workbook {path}: {en or e}",
        ) from None
    _east_asian_dates(wb)
    formulas = None
    try:
        sheet = _pick_sheet(wb, path, name)
        source.title = sheet.title
        if name is None:
            source.unread = tuple(
                ws.title
                for ws in wb.worksheets
                if ws is not sheet and _visible(ws) and _holds_data(ws)
            )
        # the rows as the file holds them, not as its size tag (<dimension>) says: a
        # tag some exporters leave stale made the streaming reader stop at its last row
        # and column, and the rows and columns past it were silently not read
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        has_formulas, source.merged = _scan(sheet)
        if has_formulas:
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
            raw = formulas[sheet.title]
            raw.reset_dimensions()
            rows = _with_uncached(rows, raw.iter_rows(values_only=True))
        yield from rows
    except XuejiError:
        raise  # (a sheet not there)
    except Exception as e:  # a sheet damaged past its first rows (its XML cut off)
        # (raised while the rows are read: an import that had begun has written
        # nothing yet, or undoes it, since the error leaves its unit of work)
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise XuejiError(
            "excel.unreadable",
            f"无法读取工作簿 {path}：{why}",
            f"cannot read workbook {path}: {why}",
        ) from None
    finally:
        wb.close()
        if formulas is not None:
            formulas.close()


EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
    | {"#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!"}
    | {"#UNKNOWN!", "#PYTHON!"}
)
"""Excel's error values. A cell holding one (a formula that failed: ``=VLOOKUP(...)``
finding nothing is ``#N/A``), or that text, is ``excel.cell_error`` of its cell: it was
read as the value, so a 照片摘要 of ``#N/A`` passed the Art 12 photo rule and a
student named ``#N/A`` was entered."""


EAST_ASIAN_DATE_FORMATS = frozenset((*range(27, 37), *range(50, 59)))
"""The built-in number formats (``numFmtId``) ECMA-376 reserves for the East Asian
locales' dates and times (in zh-CN, 31 is ``yyyy"年"m"月"d"日"``, 27 and 36
``yyyy"年"m"月"``, 28 ``m"月"d"日"``, 32 to 35 times): a workbook gives them by id alone,
with no format text, and openpyxl, which knows the text of the locale-independent
built-ins only, read such a cell as its serial number (43891, refused as a bad date)."""


def _east_asian_dates(wb: Any) -> None:
    """Have openpyxl read the cells styled with :data:`EAST_ASIAN_DATE_FORMATS` as
    dates, as Excel shows them: it converts a number cell to a date when its style is
    in the workbook's set of date styles (``_date_formats``, built as it loads the
    stylesheet), which lacks these. A custom format reusing one of the ids has been
    renumbered by then (164 and up), so only the built-in ones are added."""
    dates = getattr(wb, "_date_formats", None)
    if not isinstance(dates, set):  # (a workbook with no stylesheet: no such styles)
        return
    for i, style in enumerate(getattr(wb, "_cell_styles", ())):
        if getattr(style, "numFmtId", None) in EAST_ASIAN_DATE_FORMATS:
            dates.add(i)


class _Uncached(str):
    """A formula cell whose workbook holds no computed value (the text is the formula):
    a file written by a program that does not calculate. Read as a value it was an
    empty cell, and an optional column took its default without a word."""


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
"""A formula element's start tag, ``<f>``, ``<f t="shared" ...>``, or with a namespace
prefix, ``<x:f>``, as some programs write the sheet's XML (a prefixed formula with no
computed value was read as an empty cell)."""


_MERGE_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\sref\s*=\s*[\"']"
    rb"([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)[\"']"
)
"""A merged range's element, ``<mergeCell ref="D2:D4"/>`` (with a namespace prefix,
or other attributes before ``ref``, too), its range the group."""

_SCAN_CHUNK = 1 << 20
"""The bytes of the sheet's XML :func:`_scan` reads at a time."""

_SCAN_TAIL = 512
"""The bytes of a chunk's end scanned again with the next chunk: a tag cut by the
chunk's end is whole there (a ``<mergeCell>`` tag with a ``uid`` is under 100 bytes)."""


def _scan(sheet: Any) -> tuple[bool, tuple[_Merged, ...]]:
    """Whether the sheet's XML holds a formula (:data:`_FORMULA_TAG`), and its merged
    ranges (:data:`_MERGE_TAG`), by one byte scan of its part of the file, a chunk at a
    time: the sheet is not loaded (an import streams). The sheet is read a second time
    for the formulas' text only when it holds one. openpyxl's read-only reader does not
    report merged cells, and a range merged over several rows (one 结业 or 是 for a
    class's pupils) was read as its top-left cell, the others blank: an optional column
    took its default, without a word. (openpyxl's read-only sheet opens its part with
    ``_get_source``; when that is not there, look for formulas, and no range is known.)"""
    formulas = False
    refs: dict[bytes, None] = {}  # (in the sheet's order; a tag seen in two chunks once)
    try:
        with sheet._get_source() as src:
            tail = b""
            while chunk := src.read(_SCAN_CHUNK):
                text = tail + chunk
                if not formulas and _FORMULA_TAG.search(text):
                    formulas = True
                if b"mergeCell" in text:
                    refs.update((m[1], None) for m in _MERGE_TAG.finditer(text))
                tail = text[-_SCAN_TAIL:]
    except Exception:
        return True, ()
    return formulas, tuple(m for ref in refs if (m := _merged(ref.decode("ascii"))) is not None)


def _merged(ref: str) -> _Merged | None:
    """A merged range from its ``ref``; None for one cell (nothing merged) or a ref
    that is not a range of cells."""
    try:
        first_col, first_row, last_col, last_row = _openpyxl().utils.cell.range_boundaries(
            ref.upper()
        )
    except (TypeError, ValueError):
        return None
    if (first_col, first_row) == (last_col, last_row):
        return None
    return _Merged(ref.upper(), first_row, last_row, first_col - 1, last_col - 1)


def _with_uncached(
    values: Iterator[tuple[object, ...]], formulas: Iterator[tuple[object, ...]]
) -> Iterator[tuple[object, ...]]:
    """The rows of ``values``, a cell that is empty there but a formula in ``formulas``
    (the same sheet read without computed values) given as :class:`_Uncached`."""
    for row, raw in itertools.zip_longest(values, formulas, fillvalue=()):
        if None in row and any(isinstance(f, str) and f.startswith("=") for f in raw):
            row = tuple(
                _Uncached(f)
                if v is None and i < len(raw) and isinstance(f := raw[i], str) and f[:1] == "="
                else v
                for i, v in enumerate(row)
            )
        yield row


def _not_a_workbook(path: str | Path) -> tuple[str, str]:
    """What a file that is not an ``.xlsx`` workbook most likely is, by its first bytes
    (Chinese, English; empty when it cannot tell): openpyxl's "File is not a zip file"
    told a clerk nothing about a ``.xls``, a CSV or a password-protected workbook."""
    if Path(path).is_dir():  # (openpyxl's English, in both halves, before)
        return "这是目录，不是工作簿文件", "a directory, not a workbook file"
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return "", ""
    if not head:
        return "文件是空的", "the file is empty"
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file
        return (
            "这是旧版 .xls 工作簿或加密的工作簿：请另存为不加密的 .xlsx",
            "an old .xls workbook or a password-protected one: save it as an unprotected .xlsx",
        )
    if not head.startswith(b"PK"):
        return (
            "这不是 .xlsx 工作簿（可能是 CSV 或文本文件）：请用 Excel 另存为 .xlsx",
            "not an .xlsx workbook (a CSV or text file?): save it from Excel as .xlsx",
        )
    return "", ""


@attrs.define
class _Sheet:
    """A sheet being read: the header's positions, the errors so far."""

    columns: tuple[Column, ...]
    positions: dict[str, int]
    extra: dict[str, int]
    errors: list[RowError]
    missing: list[str]  # the header's problems that refuse the sheet (by column)
    source: _Source = attrs.field(factory=_Source)  # the sheet read, the others with data
    keeps_extra: bool = False  # the other columns are data (the information import)
    width: int = 0  # the header's cells; a column past them, or blank there, has no name
    unnamed: tuple[int, ...] = ()  # the columns whose header cell is blank
    # the merged ranges that hide a value from a column read (:meth:`take_merged`), by
    # their first row, each with the columns read it covers; those covering the row
    # being read (rows come in order, so the ranges are taken up and let go in turn)
    merged: list[tuple[_Merged, tuple[int, ...]]] = attrs.field(factory=list)
    _next_merged: int = 0
    _merged_now: list[tuple[_Merged, tuple[int, ...]]] = attrs.field(factory=list)

    @classmethod
    def of(
        cls, header: Sequence[object], columns: tuple[Column, ...], keeps_extra: bool = False
    ) -> _Sheet:
        names = [_text(h) for h in header]
        known = {c.header for c in columns}
        positions = {n: i for i, n in enumerate(names) if n in known}
        extra = {n: i for i, n in enumerate(names) if n and n not in known}
        errors = []
        missing = [c.header for c in columns if c.required and c.header not in positions]
        for name in missing:
            errors.append(
                RowError(
                    1,
                    name,
                    "",
                    "excel.missing_column",
                    f"缺少必填列“{name}”",
                    f"the required column {name!r} is missing",
                )
            )
        # a known column written twice, or written slightly otherwise (身份证号码,
        # 残疾学生(是/否)) where the sheet lacks it: its cells would be dropped without a
        # word (the second copy winning, or the column ignored), so the sheet is refused;
        # so is any column written twice whose cells are kept as data (the information
        # import's 科目, 分数, 科目, 分数 kept the last pair only). Elsewhere every copy
        # of an unknown column is ignored alike, and its name listed.
        kept = known | (extra.keys() if keeps_extra else set())
        for name in sorted({n for n in names if n in kept and names.count(n) > 1}):
            missing.append(name)
            errors.append(
                RowError(
                    1,
                    name,
                    "",
                    "excel.duplicate_column",
                    f"列“{name}”出现了不止一次",
                    f"the column {name!r} appears more than once",
                )
            )
        for name in extra:
            meant = _meant(name, known - positions.keys())
            if meant is not None:
                missing.append(name)
                errors.append(
                    RowError(
                        1,
                        name,
                        "",
                        "excel.unknown_column",
                        f"列名“{name}”无法识别，应为“{meant}”？",
                        f"the column {name!r} is not known: did you mean {meant!r}?",
                    )
                )
        unnamed = tuple(i for i, n in enumerate(names) if not n)
        return cls(
            columns, positions, extra, errors, missing, _Source(), keeps_extra, len(names), unnamed
        )

    def _read_columns(self) -> dict[int, str]:
        """The columns this import reads, by position: the known ones, and in the
        information import the others too (its data)."""
        read = {**self.extra} if self.keeps_extra else {}
        read.update(self.positions)
        return {i: name for name, i in read.items()}

    def take_merged(self, ranges: Iterable[_Merged]) -> None:
        """Keep the sheet's merged ranges that hide a value from a column read: those
        holding a cell of a data row, in a column read, that is not their top-left
        cell. Excel shows the top-left cell's value across the whole range; the file
        holds it in that cell only, and the others read as blank. A range in the header
        row, or in columns not read, or one row wide whose only column read is its
        first (a wide cell), hides nothing."""
        read = self._read_columns()
        for m in ranges:
            cols = tuple(i for i in sorted(read) if m.first_col <= i <= m.last_col)
            rows = range(max(m.first_row, 2), m.last_row + 1)  # (its data rows)
            cells = len(rows) * len(cols)
            if cells > 1 or (cells == 1 and (rows[0], cols[0]) != (m.first_row, m.first_col)):
                self.merged.append((m, cols))
        self.merged.sort(key=lambda mc: mc[0].first_row)

    def _merged_at(self, number: int) -> list[tuple[_Merged, tuple[int, ...]]]:
        """The kept merged ranges covering sheet row ``number`` (rows are read in
        order): each range is held from its first row to its last, no longer."""
        while (
            self._next_merged < len(self.merged)
            and self.merged[self._next_merged][0].first_row <= number
        ):
            self._merged_now.append(self.merged[self._next_merged])
            self._next_merged += 1
        if self._merged_now:
            self._merged_now = [mc for mc in self._merged_now if mc[0].last_row >= number]
        return self._merged_now

    def _merged_cells(self, number: int, row: Sequence[object]) -> set[int]:
        """Record ``excel.merged_cell`` for each kept merged range covering the row,
        naming its first column read; the columns read that the ranges cover (not read
        further: their blank was never the clerk's)."""
        covered: set[int] = set()
        ranges = self._merged_at(number)
        names = self._read_columns() if ranges else {}
        for m, cols in ranges:
            covered.update(cols)
            name = names[cols[0]]
            self.error(
                number,
                name,  # (an identity number's column masks its value: _SENSITIVE_HEADERS)
                row[cols[0]] if cols[0] < len(row) else None,
                "excel.merged_cell",
                f"“{name}”列的单元格在合并单元格 {m.ref} 中：合并后只有左上角的单元格有值，"
                "其余单元格读作空白，请取消合并并逐行填写",
                f"the {name} cell lies in the merged cells {m.ref}: only the top-left cell of "
                "a merged range holds its value, the others read as blank; unmerge them and "
                "fill in every row",
            )
        return covered

    def read(self, number: int, row: Sequence[object]) -> dict[str, object] | None:
        """The row's fields, or None (its errors recorded) if a cell cannot be read."""
        out: dict[str, object] = {}
        covered = self._merged_cells(number, row) if self.merged else set()
        bad = bool(covered)
        for col in self.columns:
            i = self.positions.get(col.header)
            if i in covered:
                continue
            raw = row[i] if i is not None and i < len(row) else None
            if self._no_value(number, col, raw):
                bad = True
                continue
            if _text(raw) == "":
                if col.required:
                    self.error(number, col, raw, "excel.missing_value", "必填项为空", "empty")
                    bad = True
                continue
            try:
                out[col.field] = col.parse(raw)
            except XuejiError as e:
                self.error(number, col, raw, e.code, e.message_zh, e.message_en)
                bad = True
        # a cell under no header (its header cell blank, or past the header's last)
        # is neither a known column nor a listed one: its value would be lost unsaid
        for i in (*self.unnamed, *range(self.width, len(row))):
            if i < len(row) and _text(row[i]):
                self._no_header(number, i, row[i])
                bad = True
        if self.keeps_extra:  # (kept as the entry's data: checked as a known column is)
            for name, i in self.extra.items():
                if i not in covered and i < len(row) and self._no_value(number, name, row[i]):
                    bad = True
        return None if bad else out

    def _no_value(self, number: int, col: Column | str, raw: object) -> bool:
        """Whether the cell holds no value to read, its error recorded: a formula the
        workbook holds no computed value for (:class:`_Uncached`: its text is not its
        value), or an Excel error value (:data:`EXCEL_ERRORS`). Checked alike in the
        known columns and in the information import's data columns, where a formula
        with no value was kept as the entry's data, its text (总分 ``=G2+H2``)."""
        if isinstance(raw, _Uncached):
            self.error(
                number,
                col,
                raw,
                "excel.formula_no_value",
                "公式没有计算结果：请在 Excel 中打开、保存后再导入，或填入数值",
                "a formula with no computed value: open and save the file in Excel, "
                "or type the value",
            )
            return True
        if _text(raw) in EXCEL_ERRORS:
            self._error_value(number, col, raw)
            return True
        return False

    def _no_header(self, number: int, i: int, raw: object) -> None:
        letter = _openpyxl().utils.get_column_letter(i + 1)
        self.error(
            number,
            f"{letter}列",
            raw,
            "excel.no_header",
            f"{letter}列没有表头，此行却在该列填有数据：请为该列填写表头（未知的列会被列出），"
            "或删除这些数据",
            f"column {letter} has no header, yet this row has data in it: give the column a "
            "header (an unknown column is listed), or delete the data",
        )

    def _error_value(self, number: int, col: Column | str, raw: object) -> None:
        name = col if isinstance(col, str) else col.header
        text = _text(raw)
        self.error(
            number,
            col,
            raw,
            "excel.cell_error",
            f"“{name}”列的单元格是 Excel 错误值 {text}（公式未能算出结果）：请改正后再导入",
            f"the {name} cell holds the Excel error {text} (its formula computed no value): "
            "correct it and import again",
        )

    def error(
        self, number: int, col: Column | str, raw: object, code: str, zh: str, en: str
    ) -> None:
        name = col if isinstance(col, str) else col.header
        text = _text(raw)
        sensitive = (not isinstance(col, str) and col.sensitive) or name in _SENSITIVE_HEADERS
        self.errors.append(
            # an identity number typed into another column is masked there too
            RowError(
                number, name, mask(text) if sensitive and text else mask_ids(text), code, zh, en
            )
        )

    def where(self) -> dict[str, Any]:
        """The report's fields that say which sheet was read and which were not."""
        return {"sheet": self.source.title, "unread_sheets": self.source.unread}

    def sorted_errors(self) -> tuple[RowError, ...]:
        """The errors so far in sheet order (row, then column), as a report gives them."""
        return tuple(sorted(self.errors, key=lambda e: (e.row, e.column)))


_ALIASES = {
    "身份证": "身份证号",
    "公民身份号码": "身份证号",
    "出生年月": "出生日期",
    "出生年月日": "出生日期",
    "入学时间": "入学日期",
    "入学年月": "入学日期",
    "学校标识码": "学校代码",
    "户籍所在地区码": "户籍地区码",
    "班级名": "班级名称",
    # the national export's names (statistics.NATIONAL_HEADER), and the like: ignored,
    # they entered every pupil as 否 (随迁子女 feeds the Art 27(3) summary)
    "是否进城务工人员随迁子女": "随迁子女",
    "进城务工人员随迁子女": "随迁子女",
    "是否随迁子女": "随迁子女",
    "是否残疾人": "残疾学生",
    "是否残疾学生": "残疾学生",
    "户口所在地行政区划": "户籍地区码",
}
"""Other names clerks give the known columns, the national export's among them
(refused with the name meant, never read in its place: the sheet says what it holds)."""


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one character changed, added or dropped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _meant(header: str, absent: Iterable[str]) -> str | None:
    """The known column an unknown header means, when it is that column's name written
    slightly otherwise: with spaces, with a note in brackets (``残疾学生(是/否)``), with
    a trailing 码 (``身份证号码``), one character mistyped, added or dropped
    (``学校代玛``, ``户藉地区码``; names of three characters or more), or a common
    other name (:data:`_ALIASES`: ``出生年月``, ``入学时间``). Anything else (``监护人``,
    ``照片``, ``班主任``) is an ordinary extra column: guessing from parts of names
    refused sheets that were right.

    >>> _meant("身份证号码", ["身份证号"]), _meant("残疾学生（是/否）", ["残疾学生"])
    ('身份证号', '残疾学生')
    >>> _meant("学校代玛", ["学校代码"]), _meant("入学时间", ["入学日期"])
    ('学校代码', '入学日期')
    >>> _meant("监护人", ["同意监护人"]) is None
    True
    """
    bare = re.sub(r"[(（\[【].*?[)）\]】]|\s", "", header)
    names = set(absent)
    for guess in (bare, bare[:-1] if bare.endswith("码") else "", _ALIASES.get(bare, "")):
        if guess and guess in names:
            return guess
    if len(bare) >= 3:
        close = sorted(n for n in names if len(n) >= 3 and _one_edit(bare, n))
        if len(close) == 1:
            return close[0]
    return None


def _refused_sheet(
    kind: str, sheet: _Sheet, rows: Iterator[tuple[int, tuple[object, ...]]]
) -> ImportReport:
    """The report of a sheet its header refuses: every data row held (not read, not
    applied), so each ends in one place, as the report promises; before, a refused
    sheet's rows were counted and then in none of applied, refused or held."""
    held = tuple(n for n, _ in rows)
    return ImportReport(
        kind, len(held), (), tuple(sheet.errors), held, False, tuple(sheet.extra), **sheet.where()
    )


_SENSITIVE_HEADERS = frozenset({"身份证号", "监护人身份证号", "学籍号"})


def _data_rows(
    path: str | Path,
    columns: tuple[Column, ...],
    name: str | None = None,
    keeps_extra: bool = False,
) -> tuple[_Sheet, Iterator[tuple[int, tuple[object, ...]]]]:
    source = _Source()
    rows = _sheet_rows(path, name, source)
    header = next(rows, None)
    if header is None:
        zh, en = "", ""
        if source.unread:  # the students on another sheet: say which
            zh = "；有数据的工作表：" + "、".join(f"「{s}」" for s in source.unread)
            zh += "（请指定要导入的工作表）"
            en = "; sheets holding data: " + ", ".join(repr(s) for s in source.unread)
            en += " (name the sheet to import)"
        raise XuejiError(
            "excel.empty",
            f"工作簿 {path} 的工作表「{source.title}」是空的{zh}",
            f"the sheet {source.title!r} of the workbook {path} is empty{en}",
        )
    sheet = _Sheet.of(header, columns, keeps_extra)
    sheet.source = source
    sheet.take_merged(source.merged)
    if any(e.code == "excel.missing_column" for e in sheet.errors):
        # a title row (or a few) above the header: say so, not a column missing each
        peeked = list(itertools.islice(rows, PEEK_ROWS))
        rows = itertools.chain(peeked, rows)
        _header_below(sheet, peeked, columns, keeps_extra)

    def numbered() -> Iterator[tuple[int, tuple[object, ...]]]:
        for n, row in enumerate(rows, start=2):
            if any(_text(v) for v in row):  # a blank row is no row
                yield n, row

    return sheet, numbered()


def _header_below(
    sheet: _Sheet, peeked: Sequence[Sequence[object]], columns: tuple[Column, ...], keeps: bool
) -> None:
    """When one of the :data:`PEEK_ROWS` rows below the first (``peeked``) holds every
    required column, the header is there, below a title row: the sheet's errors are
    one ``excel.header_not_first`` naming that row, in place of an
    ``excel.missing_column`` for every required column (seven for a new-student sheet
    under a merged title). The sheet is still refused: a title row's cells would be
    read as the header (and a row of headers as data)."""
    for k, row in enumerate(peeked, start=2):
        if not any(e.code == "excel.missing_column" for e in _Sheet.of(row, columns, keeps).errors):
            sheet.errors[:] = [
                RowError(
                    1,
                    "",
                    "",
                    "excel.header_not_first",
                    f"表头应在第1行：第{k}行才是表头，请删除表头上方的行（如标题行）",
                    f"the header must be row 1: it is on row {k}; delete the rows above it "
                    "(a title row)",
                )
            ]
            return


# -- new students (Art 12) -----------------------------------------------------------------

_RULE_COLUMNS = {
    "not_found.school": "学校代码",
    "not_found.class": "班级",
    "class.wrong_school": "班级",
    "enrolment.stage_mismatch": "年级",
    "enrolment.too_young": "出生日期",
    "enrolment.duplicate": "身份证号",
    "dropout.registry_kept": "身份证号",  # (the person is a dropout: return_from_dropout)
    "dropout.reentry_grade": "年级",
    "enrolment.id_mismatch": "身份证号",
    "enrolment.guardian_id": "监护人身份证号",
    "enrolment.no_identifier": "身份证号",
    "enrolment.photo_missing": "照片摘要",  # (a photo of another year: 照片采集日期)
    "info.future": "日期",
    "info.status": "学籍号",  # (the key the row gave: 身份证号 when it gave no 学籍号)
}
"""The column a rule's refusal of a row concerns, by the rule's code ("" for the row
as a whole); ``command.bad_input`` names its own (:data:`_BAD_INPUT_COLUMNS`)."""

_BAD_INPUT_COLUMNS = (
    ("监护人身份证号", "监护人身份证号"),
    ("身份证号", "身份证号"),
    ("户籍地区码", "户籍地区码"),
    ("出生日期", "出生日期"),
    ("入学日期", "入学日期"),
    ("随迁子女", "随迁子女"),
    ("残疾学生", "残疾学生"),
    ("学校代码", "学校代码"),
    ("同意记录", "同意监护人"),
    ("照片", "照片摘要"),
    ("姓名", "姓名"),
    ("性别", "性别"),
)
"""The column of a ``command.bad_input`` refusal of a new-student row (a name with a
line break in it, a photo digest or a consenting guardian's name with a control
character): the facade's message starts with the field's Chinese name (``姓名无效``,
``照片无效``, ``同意记录无效``), read here in this order (the longer names first), as
the error has no field of its own. Before, the row's error named no column."""
_HEADER = {c.header: c for c in STUDENT_COLUMNS}


def _enroll_kwargs(fields: Mapping[str, object], today: _dt.date) -> dict[str, object]:
    """The keyword arguments of :meth:`Registry.enroll` for a row's fields."""
    kw = {k: v for k, v in fields.items() if not k.startswith(("photo_", "consent_"))}
    if "photo_digest" in fields:
        taken = fields.get("photo_taken_on", today)
        assert isinstance(taken, _dt.date)
        kw["photo"] = Photo(taken, str(fields["photo_digest"]))
    if "consent_by" in fields:
        given = fields.get("consent_on", today)
        assert isinstance(given, _dt.date)
        guardian = kw.get("guardian_id")
        kw["consent"] = Consent(
            "guardian_consent",
            str(fields["consent_by"]),
            given,
            str(guardian) if guardian else None,
        )
    return kw


def _valid_ids(sheet: _Sheet, n: int, fields: dict[str, object], today: _dt.date) -> bool:
    """Check the row's identity numbers here, so that a bad one is blamed on its column."""
    ok = True
    for col in (_HEADER["身份证号"], _HEADER["监护人身份证号"]):
        if col.field in fields:
            try:
                fields[col.field] = ids.validate(str(fields[col.field]), today=today)
            except XuejiError as e:
                zh, en = e.message_zh, e.message_en
                if _rounded(fields[col.field]):
                    zh, en = zh + _ROUNDED_HINT[0], en + _ROUNDED_HINT[1]
                sheet.error(n, col, fields[col.field], e.code, zh, en)
                ok = False
    return ok


IMPORT_SLICE = 5_000
"""Rows of a new-student sheet given to one :meth:`Registry.enroll_many` call. The
import runs every call in one unit of work of its own (each call joins it), so a
refused row still leaves the store as it was under ``all_or_nothing``, while the
records each call returns are turned into :class:`AppliedRow` values and let go: a
sheet of a million rows does not hold a million student records in memory."""


def _check_actor(actor: object) -> None:
    """The facade's check of the actor (:class:`~xueji.model.Actor`, its kind, unit
    and name), made before any row is read: an actor no command takes refuses the
    whole import with ``command.bad_input``, where a tree import blamed it on each
    row and an empty sheet passed."""
    from xueji.registry import _check_actor as check

    check(actor)


class _UndoImport(Exception):
    """Raised inside an all-or-nothing import's unit of work to undo every row."""


def import_students(
    registry: Registry,
    actor: Actor,
    path: str | Path,
    *,
    all_or_nothing: bool = True,
    sheet: str | None = None,
) -> ImportReport:
    """Enter the new students of a workbook (Art 12) through
    :meth:`Registry.enroll_many`, each row decided by the rules of :meth:`Registry.enroll`.

    With ``all_or_nothing`` any refused row (an unreadable cell or a rule) leaves the
    store as it was, and the report still lists every row's errors; otherwise the good
    rows are written. A missing required column refuses the whole sheet. An actor
    outside a row's school raises :class:`~xueji.errors.AccessDenied` and writes nothing.
    The rows are decided :data:`IMPORT_SLICE` at a time, in one unit of work.

    ``sheet`` names the worksheet to read (None: the first visible one); one the workbook
    does not hold raises :class:`NoSheet` (``excel.no_sheet``). The report names the sheet read
    and, when none was named, the other sheets that hold data
    (:attr:`ImportReport.notices`). The other importers take ``sheet`` alike.
    """
    _check_actor(actor)
    today = registry.today()
    ws, rows = _data_rows(path, STUDENT_COLUMNS, sheet)
    count = 0
    firsts: dict[bytes, int] = {}  # each student's first row, by who it is (_row_student)

    def good_rows() -> Iterator[tuple[int, dict[str, object]]]:
        nonlocal count
        for n, row in rows:
            count += 1
            fields = ws.read(n, row)
            if fields is None or not _valid_ids(ws, n, fields, today):
                continue
            who = _row_student(fields)
            if who is not None and (first := firsts.setdefault(who, n)) != n:
                _duplicate_row(ws, n, fields, first)  # (present in the store or not)
                continue
            yield n, fields

    if ws.missing:
        return _refused_sheet("students", ws, rows)
    applied: list[AppliedRow] = []
    warned_rows: list[RowWarning] = []
    decided: list[int] = []  # the sheet rows of the good rows, in order
    refused: set[int] = set()
    notes: dict[tuple[str, ...], str] = {}  # one text per status and warnings, shared
    committed = True
    try:
        with registry.store.unit_of_work():
            source = good_rows()
            while part := list(itertools.islice(source, IMPORT_SLICE)):
                out = registry.enroll_many(
                    actor, [_enroll_kwargs(f, today) for _, f in part], all_or_nothing=False
                )
                present, differ = _already_entered(registry, ws, part, out.refused)
                refused_at = {i for i, _ in out.refused if i not in present}
                for i, decision in out.refused:
                    if i in present:
                        continue
                    if i not in differ:  # (differ: its error said by _already_entered)
                        _rule_errors(ws, part[i][0], part[i][1], decision)
                    refused.add(part[i][0])
                ok = [
                    (i, n)
                    for i, (n, _) in enumerate(part)
                    if i not in refused_at and i not in present
                ]
                for i, existing in present.items():  # (a copy of a row: refused before)
                    applied.append(AppliedRow(part[i][0], existing, _PRESENT, present=True))
                warned = dict(out.warned)
                for (i, n), s in zip(ok, out.applied, strict=True):
                    status = s.status.value
                    codes = warned[i].codes if i in warned else ()
                    rounded = _rounded(s.id_number) or _rounded(s.guardian_id)
                    if rounded:
                        codes = (*codes, _ROUNDED_WARNING[0])
                    note = notes.get((status, *codes))
                    if note is None:
                        note = notes[(status, *codes)] = _entered_note(status, codes)
                    applied.append(AppliedRow(n, s.id, note))
                    if i in warned:
                        warned_rows += _row_warnings(n, s.id, warned[i])
                    if rounded:
                        warned_rows.append(RowWarning(n, s.id, *_ROUNDED_WARNING))
                decided.extend(n for n, _ in part)
            if all_or_nothing and ws.errors:
                raise _UndoImport
    except _UndoImport:
        committed = False
    committed = committed and bool(applied)  # every row refused: nothing written
    held: tuple[int, ...] = ()
    if not committed:
        applied, warned_rows = [], []
        held = tuple(n for n in decided if n not in refused)
    errors = ws.sorted_errors()
    applied.sort(key=lambda a: a.row)  # (the rows already present came first in a slice)
    return ImportReport(
        "students",
        count,
        tuple(applied),
        errors,
        held,
        committed,
        tuple(ws.extra),
        **ws.where(),
        warnings=tuple(sorted(warned_rows, key=lambda w: w.row)),
    )


_PRESENT = "已存在，未改动 already present"


def _row_student(fields: Mapping[str, object]) -> bytes | None:
    """Who a new-student row names, as a digest: its school, its ID number (or, with
    none, its guardian's), its name with every white space removed (as the registry
    compares a child's name, Art 14) and its birth date; None for a row with no
    identity number, which ``enroll`` refuses. A later row of the same student is
    ``excel.duplicate_row`` whether or not the first row's record was in the store
    before the import (before, it was "already present" then, the copy unreported).
    A 16-byte digest, not the values: a million rows hold a million of them."""
    number = fields.get("id_number") or fields.get("guardian_id")
    if not number:
        return None
    who = (
        fields.get("school"),
        "id" if fields.get("id_number") else "guardian",
        number,
        "".join(str(fields.get("name", "")).split()),
        fields.get("birth_date"),
    )
    return hashlib.blake2b(repr(who).encode(), digest_size=16).digest()


def _duplicate_row(sheet: _Sheet, n: int, fields: Mapping[str, object], first: int) -> None:
    """Row ``n`` names the student of row ``first`` of the same file
    (:func:`_row_student`): said as the graduation and tree imports say a row given
    twice, not as a record "already present" in the store."""
    col = _HEADER["身份证号"] if "id_number" in fields else ""
    value = fields.get("id_number", "")
    sheet.error(
        n,
        col,
        value,
        "excel.duplicate_row",
        f"与本文件第 {first} 行重复（同一学生）",
        f"the same student as row {first} of this file",
    )


def _entered_note(status: str, warned: Sequence[str]) -> str:
    """What an import's report says of a row entered: its status, and the codes of the
    rules that warned (the missing consent of a minor, an entry after the Art 15
    deadline), which :meth:`Registry.enroll` would have said of it too."""
    note = f"已录入 entered ({status})"
    if warned:
        note += f"；提示 warnings: {', '.join(warned)}"
    return note


_SAME_STUDENT = ("school", "id_number", "birth_date")
"""The fields by which a row refused as a duplicate names the record already entered
(with its name, white space aside): a different name or birth date under the ID number
is another student's row, still ``enrolment.duplicate`` (Art 14)."""

_COMPARED: tuple[tuple[str, Callable[[Student], object]], ...] = (
    ("class_id", lambda s: s.class_id),
    ("grade", lambda s: s.grade),
    ("name", lambda s: s.name),
    ("sex", lambda s: s.sex),
    ("hukou_region", lambda s: s.hukou_region),
    ("guardian_id", lambda s: s.guardian_id),
    ("migrant", lambda s: s.migrant),
    ("special_needs", lambda s: s.special_needs),
    ("entry_date", lambda s: s.entry_date),
    ("photo_taken_on", lambda s: s.photo.taken_on if s.photo else None),
    ("photo_digest", lambda s: s.photo.digest if s.photo else None),
    ("consent_by", lambda s: s.consent.given_by if s.consent else None),
    ("consent_on", lambda s: s.consent.given_on if s.consent else None),
)
"""The other fields of a new-student row, each with the stored record's value it is
compared with when the row names a record already entered (:func:`_already_entered`):
every column of :data:`STUDENT_COLUMNS` but those of :data:`_SAME_STUDENT`. A cell the
row leaves blank is not compared (its default, the import's date for a photo, is not
the clerk's)."""


def _already_entered(
    registry: Registry,
    sheet: _Sheet,
    part: Sequence[tuple[int, dict[str, object]]],
    refused: Sequence[tuple[int, Decision]],
) -> tuple[dict[int, str], set[int]]:
    """The rows refused only as ``enrolment.duplicate`` whose existing record is this
    row's student (the same school, ID number, name and birth date, :data:`_SAME_STUDENT`):
    a file imported again, or the rest of a ``--partial`` import run again once its bad
    rows were mended. Those whose every other cell given agrees with the record
    (:data:`_COMPARED`) are present, by row index, with the record's id; those with a
    cell that differs are ``excel.record_differs`` (recorded here), naming the columns:
    an import does not change a record entered, and a mended file passed as "already
    present" before while its corrections (户籍地区码, 随迁子女, 入学日期) were dropped.
    The records are read in the import's unit of work, one at a time (the actor's
    access to the row's school has been checked by the facade); nothing more is held
    per row."""
    present: dict[int, str] = {}
    differ: set[int] = set()
    with registry.store.unit_of_work() as uow:  # (joins the import's)
        for i, decision in refused:
            codes = {v.code for v in decision.violations}
            if codes != {"enrolment.duplicate"}:
                continue
            existing = [
                dict(v.facts).get("existing", "")
                for v in decision.violations
                if v.code == "enrolment.duplicate"
            ]
            if len(existing) != 1:
                continue
            s = uow.students.get(existing[0])
            n, fields = part[i]
            if s is None or not _same_student(s, fields):
                continue
            other = [f for f, stored in _COMPARED if f in fields and fields[f] != stored(s)]
            if not other:
                present[i] = s.id
                continue
            differ.add(i)
            _record_differs(sheet, n, fields, s, other)
    return present, differ


def _same_student(s: Student, fields: Mapping[str, object]) -> bool:
    """Whether the stored record ``s`` is the student a new-student row names
    (:data:`_SAME_STUDENT`; an ID number the row leaves blank compares as stored)."""
    return (
        s.school == fields.get("school")
        and s.id_number == fields.get("id_number", s.id_number)
        and s.birth_date == fields.get("birth_date")
        and "".join(s.name.split()) == "".join(str(fields.get("name", "")).split())
    )


_FIELD_HEADERS = {c.field: c.header for c in STUDENT_COLUMNS}


def _record_differs(
    sheet: _Sheet, n: int, fields: Mapping[str, object], s: Student, other: Sequence[str]
) -> None:
    """``excel.record_differs`` of row ``n``: the record ``s`` it names is entered, with
    other values in the columns of ``other`` (its fields); the error is said of the
    first of them, and says how such a record is changed: a draft not yet submitted is
    edited, a submitted one corrected by a request (Art 29): each named by the command
    that does it (``xueji edit``, ``xueji correct``) and the facade's method (before,
    only the method: a county that uses only the command line had no way to do it)."""
    headers = [_FIELD_HEADERS[f] for f in other]
    if s.submitted or s.status is not StudentStatus.DRAFT:
        how_zh = f"已上报，须按第二十九条申请更正（xueji correct {s.id}）"
        how_en = f"submitted: file a correction (Art 29: xueji correct {s.id})"
    else:
        how_zh = f"是未上报的草稿，可直接修改（xueji edit {s.id}）"
        how_en = f"a draft not yet submitted: edit it (xueji edit {s.id})"
    # how first: a message is cut at QUOTE_MAX characters, and the columns run on
    sheet.error(
        n,
        _HEADER[headers[0]],
        fields[other[0]],
        "excel.record_differs",
        f"库中已有此学生的记录（{s.id}），导入不修改已录入的记录：此记录{how_zh}；"
        f"与之不同的列：{'、'.join(headers)}",
        f"the store holds this student's record ({s.id}) and an import does not change "
        f"it: {how_en}; the columns that differ: {', '.join(headers)}",
    )


def _rule_column(code: str, message_zh: str, fields: Mapping[str, object]) -> str:
    """The header of the column a rule's refusal concerns ("" for the row as a whole):
    :data:`_RULE_COLUMNS`; for ``command.bad_input`` the field its message names
    (:data:`_BAD_INPUT_COLUMNS`); for the student's key, the one the row gave."""
    if code == "command.bad_input":
        return next((h for name, h in _BAD_INPUT_COLUMNS if message_zh.startswith(name)), "")
    header = _RULE_COLUMNS.get(code, "")
    if header == "学籍号" and not fields.get("registry_number"):
        return "身份证号" if fields.get("id_number") else header
    return header


_FOREIGN_ID_COLUMNS = {"id_number": "身份证号", "guardian_id": "监护人身份证号"}
"""The column of a foreigner's permanent residence card's number refused
(``enrolment.foreign_id_not_accepted``), by the field its facts name."""


def _rule_errors(sheet: _Sheet, row: int, fields: Mapping[str, object], decision: Decision) -> None:
    for v in decision.violations:
        facts = dict(v.facts)
        header = _rule_column(v.code, v.message_zh, fields)
        zh, en = v.message_zh, v.message_en
        if v.code == "enrolment.id_mismatch":
            zh, en = _mismatch(facts, zh, en)
            if _rounded(fields.get("id_number")):
                zh, en = zh + _ROUNDED_HINT[0], en + _ROUNDED_HINT[1]
        if v.code == "enrolment.photo_missing" and facts.get("photo_taken", "-") != "-":
            # a photo there, of another year: its date is wrong, not its digest (the
            # rule's one code covers both; its facts tell them apart)
            header = "照片采集日期"
            zh, en = _photo_year(facts, "photo_taken_on" in fields, zh, en)
        if v.code == "enrolment.foreign_id_not_accepted":
            # the number refused is the student's or the guardian's (Art 13): its cell,
            # the first its facts name (before, the row as a whole)
            refused = facts.get("fields", "").split(",")[0]
            header = _FOREIGN_ID_COLUMNS.get(refused, header)
        col = next((c for c in sheet.columns if c.header == header), None)
        value = fields.get(col.field, "") if col else ""
        if header == "出生日期" and value:
            # a rule's error quotes no birth date (the row number finds it): beside the
            # row's 身份证号, masked, in another error, it gave the number back (Art 30)
            value = HIDDEN_DATE
        sheet.error(row, col or "", value, v.code, zh, en)


def _photo_year(facts: Mapping[str, str], dated: bool, zh: str, en: str) -> tuple[str, str]:
    """``enrolment.photo_missing`` of a photo taken in another year than the entry's,
    saying both (``dated``: the row gives the date; else it was taken as the import's)."""
    taken, year = facts["photo_taken"], facts.get("entry_year", "-")
    if dated:
        zh += f"（照片采集日期 {taken}，入学年份 {year}）"
        en += f" (the photo was taken on {taken}; the year of entry is {year})"
    else:
        zh += f"（照片采集日期未填，按导入日期 {taken} 计；入学年份 {year}）"
        en += f" (no photo date given, so the import's date {taken}; the year of entry is {year})"
    return zh, en


_SEX_ZH = {"M": "男", "F": "女"}


def _mismatch(facts: Mapping[str, str], zh: str, en: str) -> tuple[str, str]:
    """``enrolment.id_mismatch`` saying what disagrees (a clerk was told only that they
    must agree): the sex the ID number gives against the sheet's, and whether the birth
    date does, not the dates. The row's error names the 身份证号 cell, masked, and the
    mask hides exactly the birth date: the ID number's date beside it gave the whole
    number back (Art 30; found by the privacy review)."""
    disagrees = facts.get("disagrees", "").split(",")
    parts_zh, parts_en = [], []
    if "sex" in disagrees:
        said, shown = facts["id_sex"], facts["sex"]
        parts_zh.append(f"身份证号为{_SEX_ZH.get(said, said)}，表中为{_SEX_ZH.get(shown, shown)}")
        parts_en.append(f"the ID number says {said}, the sheet says {shown}")
    if "birth_date" in disagrees:
        parts_zh.append("出生日期与身份证号中的不同")
        parts_en.append("the birth date differs from the ID number's")
    if not parts_zh:
        return zh, en
    return zh + f"（{'；'.join(parts_zh)}）", en + f" ({'; '.join(parts_en)})"


# -- Art 17 information and Art 18 graduation ----------------------------------------------


class _Students:
    """Students looked up by 学籍号 or ID number, one :meth:`Registry.students_of` per
    school (the facade checks access and logs the read)."""

    def __init__(self, registry: Registry, actor: Actor) -> None:
        self.registry, self.actor = registry, actor
        self.schools: dict[str, dict[str, Student]] = {}

    def find(self, school: str, key: str) -> Student | None:
        """The school's student holding ``key``; raises ``NotFound`` for an unknown
        school (the caller reports it as its row's error)."""
        if school not in self.schools:
            by: dict[str, Student] = {}
            for s in self.registry.students_of(self.actor, school):
                held = (
                    [  # (a voided number is another person's now: Art 13, Art 29)
                        n.text for n in s.numbers.all_numbers if n.text not in s.numbers.voided
                    ]
                    if s.numbers
                    else []
                )
                for number in (*held, s.id_number):
                    if number:
                        by[number] = s
            self.schools[school] = by
        return self.schools[school].get(key)


def _two_phase(
    kind: str,
    registry: Registry,
    actor: Actor,
    path: str | Path,
    columns: tuple[Column, ...],
    check: Callable[[Student, Mapping[str, object]], Decision],
    apply: Callable[[Student, Mapping[str, object], Mapping[str, str]], tuple[Decision, str, bool]],
    all_or_nothing: bool,
    extra_data: bool,
    *,
    one_per_student: bool = False,
    sheet_name: str | None = None,
) -> ImportReport:
    """Read and check every row first; then (if allowed) apply the good ones, one command
    each. With ``all_or_nothing`` the commands run in one unit of work (each joins it as
    a savepoint): a command refused or failing at apply time (the record changed in
    between) undoes them all and is reported as an error of its row. Otherwise each
    good row is applied on its own and a failing one reported."""
    _check_actor(actor)
    sheet, rows = _data_rows(path, columns, sheet_name, extra_data)
    if sheet.missing:
        return _refused_sheet(kind, sheet, rows)
    students = _Students(registry, actor)
    seen: dict[str, int] = {}  # each student's first row (one_per_student)
    plan: list[tuple[int, Student, Mapping[str, object], dict[str, str]]] = []
    count = 0
    for n, row in rows:
        count += 1
        fields = sheet.read(n, row)
        if fields is None:
            continue
        number = fields.get("registry_number")
        # (a 学籍号 read as parse reads it: a lower-case g or x was an unknown student)
        key = numbers.normalize(str(number)) if number else str(fields.get("id_number") or "")
        if not key:
            sheet.error(
                n,
                "学籍号",
                "",
                "excel.missing_value",
                "学籍号或身份证号必填其一",
                "a 学籍号 or an ID number is required",
            )
            continue
        try:
            student = students.find(str(fields["school"]), key)
        except NotFound as e:  # an unknown school: this row's error, as for new students
            sheet.error(n, "学校代码", fields["school"], e.code, e.message_zh, e.message_en)
            continue
        if student is None:
            col = "学籍号" if fields.get("registry_number") else "身份证号"
            hint = _ROUNDED_HINT if col == "身份证号" and _rounded(key) else ("", "")
            sheet.error(
                n,
                col,
                key,
                "excel.unknown_student",
                "本校无此学生" + hint[0],
                "no such student in this school" + hint[1],
            )
            continue
        id_number = str(fields.get("id_number") or "")
        other = students.find(str(fields["school"]), id_number) if number and id_number else student
        if other is not student:
            # both keys given, naming two students (or the ID number none): the row's
            # change went to the 学籍号's student without a word
            zh, en = (
                (
                    f"身份证号是本校另一学生（{other.id}）的",
                    f"the ID number is another student's ({other.id})",
                )
                if other is not None
                else ("本校没有持此身份证号的学生", "no student of this school holds the ID number")
            )
            sheet.error(
                n,
                "身份证号",
                id_number,
                "excel.key_mismatch",
                f"学籍号与身份证号不是同一学生：学籍号是学生 {student.id} 的，{zh}",
                f"the 学籍号 and the ID number name different students: the 学籍号 is "
                f"student {student.id}'s, {en}",
            )
            continue
        if one_per_student:  # (a graduation: the second row would fail as applied)
            first = seen.setdefault(student.id, n)
            if first != n:
                col = "学籍号" if fields.get("registry_number") else "身份证号"
                sheet.error(
                    n,
                    col,
                    key,
                    "excel.duplicate_row",
                    f"与第 {first} 行是同一学生",
                    f"the same student as row {first}",
                )
                continue
        decision = check(student, fields)
        if not decision.allowed:
            _rule_errors(sheet, n, fields, decision)
            continue
        data = {h: _text(row[i]) for h, i in sheet.extra.items() if i < len(row) and _text(row[i])}
        plan.append((n, student, fields, data if extra_data else {}))
    if all_or_nothing and sheet.errors:
        errors = sheet.sorted_errors()
        held = tuple(n for n, *_ in plan)
        return ImportReport(kind, count, (), errors, held, False, **sheet.where())

    warned: list[RowWarning] = []

    def apply_all() -> list[AppliedRow]:
        done = []
        for n, student, planned, data in plan:
            try:
                decision, note, present = apply(student, planned, data)
            except XuejiError as e:  # e.g. the record changed since it was checked
                sheet.error(n, "学籍号", "", e.code, e.message_zh, e.message_en)
                continue
            if decision.allowed:
                done.append(AppliedRow(n, student.id, note, present=present))
                warned.extend(_row_warnings(n, student.id, decision))
            else:
                _rule_errors(sheet, n, planned, decision)
        return done

    if all_or_nothing:
        try:
            with registry.store.unit_of_work():
                applied = apply_all()
                if sheet.errors:
                    raise _UndoImport
        except _UndoImport:
            errors = sheet.sorted_errors()
            failed = {e.row for e in errors}  # refused as they were applied: not held too
            held = tuple(n for n, *_ in plan if n not in failed)
            return ImportReport(kind, count, (), errors, held, False, **sheet.where())
    else:
        applied = apply_all()
    errors = sheet.sorted_errors()
    ignored = () if extra_data else tuple(sheet.extra)
    return ImportReport(
        kind,
        count,
        tuple(applied),
        errors,
        (),
        bool(applied),
        ignored,
        **sheet.where(),
        warnings=tuple(warned) if applied else (),
    )


def import_info(
    registry: Registry,
    actor: Actor,
    path: str | Path,
    *,
    all_or_nothing: bool = True,
    sheet: str | None = None,
) -> ImportReport:
    """Import Art 17 information (简历, 成绩, 评价, 奖励, 处分) through
    :meth:`Registry.add_info`: no review by the authority. Columns beyond
    :data:`INFO_COLUMNS` become the entry's data (for example 科目 and 分数)."""
    keys: set[str] = set()  # the entries this import has recorded, by idempotency key

    def apply(
        s: Student, f: Mapping[str, object], data: Mapping[str, str]
    ) -> tuple[Decision, str, bool]:
        group = f["group"]
        on = f["on"]
        assert isinstance(group, InfoGroup)
        assert isinstance(on, _dt.date)
        entry = InfoEntry(on, str(f["text"]), dict(data))
        # keyed by the entry itself: importing the same file (or row) again records
        # nothing new, where before every entry was recorded twice
        content = (actor.kind.value, actor.unit, s.id, group.value, on, entry.text)
        text = repr((*content, sorted(entry.data.items())))
        key = "info:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        # recorded before (this file imported again), or by an earlier row of this file
        note = f"{group.value}: {f['text']}"
        if entry in s.info.get(group, ()) or key in keys:
            # the same entry is on the record, whoever recorded it (the key above is
            # the actor's: the county importing the school's file recorded every entry
            # again, the note saying "already recorded"); said only to an actor who
            # could have recorded it (Art 28)
            registry.authorize(actor, "add_info", school=s.school)
            return Decision.allow(), note + " (已有相同条目 already recorded)", True
        out = registry.add_info(actor, s.id, group, entry, idempotency_key=key)
        if out.allowed:
            keys.add(key)
        return out.decision, note, False

    return _two_phase(
        "info",
        registry,
        actor,
        path,
        INFO_COLUMNS,
        lambda s, f: Decision.allow(),
        apply,
        all_or_nothing,
        True,
        sheet_name=sheet,
    )


def import_graduation(
    registry: Registry,
    actor: Actor,
    path: str | Path,
    *,
    all_or_nothing: bool = True,
    sheet: str | None = None,
) -> ImportReport:
    """Import graduation data (Art 18) through :meth:`Registry.graduate` or
    :meth:`Registry.complete`: compulsory education finishes at once; a senior-high
    毕业 or 结业 is submitted to the authority for approval (the applied row says so)."""
    today = registry.today()

    def done(s: Student, f: Mapping[str, object]) -> bool:
        # this row's result is the record's already: the file imported again
        return s.status is _FINISHED[str(f.get("result", "graduate"))]

    def check(s: Student, f: Mapping[str, object]) -> Decision:
        if done(s, f):
            return Decision.allow()
        policy = registry.policy(today)
        return cite_decision(graduation.check_graduation(s, on=today, policy=policy), policy)

    def apply(
        s: Student, f: Mapping[str, object], data: Mapping[str, str]
    ) -> tuple[Decision, str, bool]:
        event = str(f.get("result", "graduate"))
        if done(s, f):
            return Decision.allow(), _PRESENT, True
        with registry.store.unit_of_work() as uow:  # (joins the import's)
            open_before = {r.id for r in uow.requests.open_for_student(s.id)}
        out = (registry.graduate if event == "graduate" else registry.complete)(actor, s.id)
        if out.request is not None:  # opened now, or by an earlier import of the file
            said = f"{SUBMITTED} ({out.request.id}, {out.request.opened_on})"
            if out.request.id in open_before:  # the file imported again: nothing written
                return out.decision, f"已存在，{said}", True
            return out.decision, said, False
        status = out.student.status.value if out.student else event
        return out.decision, f"{'毕业' if event == 'graduate' else '结业'} ({status})", False

    return _two_phase(
        "graduation",
        registry,
        actor,
        path,
        GRADUATION_COLUMNS,
        check,
        apply,
        all_or_nothing,
        False,
        one_per_student=True,
        sheet_name=sheet,
    )


SUBMITTED = "已报审批 submitted for approval"
"""The note of a graduation row submitted to the authority (a senior-high 毕业 or 结业,
Art 18), before the request's id and the day it was opened: ``已报审批 submitted for
approval (R0000002, 2027-06-20)``. Imported again while that request is open, the row
is reported present: ``已存在，已报审批 ...``, the same request, nothing written."""

_FINISHED = {"graduate": StudentStatus.GRADUATED, "complete": StudentStatus.COMPLETED}
"""The status a graduation row's result (毕业, 结业) leaves the record in."""


# -- the unit, school and class tree (Arts 6-10) -------------------------------------------


_LEVELS = {
    "省": UnitLevel.PROVINCE,
    "省级": UnitLevel.PROVINCE,
    "市": UnitLevel.CITY,
    "市级": UnitLevel.CITY,
    "地市": UnitLevel.CITY,
    "县": UnitLevel.COUNTY,
    "区": UnitLevel.COUNTY,
    "县区": UnitLevel.COUNTY,
    "县(区)": UnitLevel.COUNTY,
    "县（区）": UnitLevel.COUNTY,
    "县级": UnitLevel.COUNTY,
    **{level.value: level for level in UnitLevel},
}


def _level(value: object) -> UnitLevel:
    text = _text(value)
    level = _LEVELS.get(text.lower())
    if level is None:
        raise CellError(
            "excel.bad_level",
            f"层级应为“省”“市”或“县”：{text!r}",
            f"the level is 省, 市 or 县 (province, city, county), not {text!r}",
        )
    return level


_STAGES = {
    "小学": Stage.PRIMARY,
    "初中": Stage.JUNIOR,
    "高中": Stage.SENIOR,
    "普通高中": Stage.SENIOR,
    "特殊教育": Stage.SPECIAL,
    "特教": Stage.SPECIAL,
    **{stage.value: stage for stage in Stage},
}


def _stages(value: object) -> frozenset[Stage]:
    """学段: one or more of 小学, 初中, 高中, 特殊教育, joined by 、 , ； or spaces."""
    text = _text(value)
    names = [n for n in re.split(r"[、,，;；/\s]+", text) if n]
    unknown = [n for n in names if n.lower() not in _STAGES]
    if unknown or not names:
        raise CellError(
            "excel.bad_stage",
            f"学段应为 小学、初中、高中、特殊教育 中的一个或几个：{text!r}",
            f"the stages are one or more of 小学, 初中, 高中, 特殊教育, not {text!r}",
        )
    return frozenset(_STAGES[n.lower()] for n in names)


def _location(value: object) -> str:
    return _six_digits(value, "行政区划码")


def _month(value: object) -> _dt.date:
    """建班年月 (Art 10): a month (``2026-09``, ``2026年9月``, its first day) or a date."""
    text = _text(value)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", text)
    if m is not None and 1 <= int(m[2]) <= 12 and int(m[1]) >= _dt.MINYEAR:
        return parse_date(_dt.date(int(m[1]), int(m[2]), 1))  # (in DATE_RANGE)
    try:
        return parse_date(value)
    except CellError as e:
        if e.code != "excel.bad_date":
            raise
        # (the column takes a month: "expected YYYY-MM-DD" sent the clerk astray)
        raise _bad_date(
            text,
            "年月，如 2026-09、2026年9月，或日期",
            "a month, as 2026-09 or 2026年9月, or a date",
        ) from None


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("单位代码", "code", True),
    Column("单位名称", "name", True),
    Column("层级", "level", True, _level, note="省/市/县 (province/city/county)"),
    Column("所在地行政区划码", "region", True, _location, note="GB/T 2260, 6 digits"),
    Column("上级单位代码", "parent", False, note="empty for the province"),
    Column("单位地址", "address", False),
    Column("所在地区类别", "area_category", False),
    Column("所在地经济属性", "economic_attribute", False),
    Column("所在地民族属性", "ethnic_attribute", False),
    Column("联系电话", "phone", False),
)
"""The columns of an education-authority sheet (学籍主管单位信息, Art 8), mapped to
:class:`~xueji.model.Unit` and :meth:`Registry.add_unit`."""

SCHOOL_COLUMNS: tuple[Column, ...] = (
    Column("学校代码", "code", True, note="学校标识码 (Art 9)"),
    Column("学校名称", "name", True),
    Column("主管单位代码", "authority", True, note="its county's or city's 单位代码"),
    Column("行政区划码", "region", True, _location, note="where it is: GB/T 2260, 6 digits"),
    Column("学段", "stages", True, _stages, note="小学/初中/高中/特殊教育, several joined by 、"),
    Column("学区中心校代码", "central_school", False, note="a 分校's 学区中心校 (Art 7)"),
    Column("是否学区中心校", "is_central", False, parse_flag, note="是/否"),
    Column("学校编码", "school_number", False),
    Column("联系电话", "phone", False),
    Column("学校办别", "ownership", False),
    Column("驻地城乡类型", "urban_rural", False),
    Column("学校类别", "category", False),
    Column("学制", "system", False, note="default 6-3-3"),
)
"""The columns of a school sheet (学校信息, Art 9), mapped to :class:`~xueji.model.School`
and :meth:`Registry.add_school`."""

CLASS_COLUMNS: tuple[Column, ...] = (
    Column("班级", "id", True, note="the class id, as the new-student sheet names it"),
    Column("学校代码", "school", True),
    Column("班级名称", "name", True),
    Column("年级", "grade", True, _grade, note="1-12"),
    Column("班主任姓名", "head_teacher", True),
    Column("建班年月", "created", False, _month, note="2026-09; default: the import date"),
    Column("学制", "system", False, note="default 6-3-3"),
    Column("班级类型", "class_type", False),
    Column("荣誉称号", "honours", False),
)
"""The columns of a class sheet (班级信息, Art 10), mapped to
:class:`~xueji.model.SchoolClass` and :meth:`Registry.add_class`."""

_TreeRecord = Unit | School | SchoolClass


@attrs.frozen
class _Tree:
    """One kind of tree record: its sheet, how a row becomes a record, the order rows
    are applied in (a parent before its children), how the store finds one, and the
    facade's command that adds it."""

    kind: str
    columns: tuple[Column, ...]
    make: Callable[..., _TreeRecord]
    key: str  # the field that is the record's code
    order: Callable[[_TreeRecord], int]
    get: Callable[[Any, str], _TreeRecord | None]
    add: str  # the name of the Registry's command
    blame: Mapping[str, str] = attrs.field(factory=dict)  # an error's code -> its column


_TREE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "units": tuple(attrs.fields_dict(Unit)),
    "schools": tuple(attrs.fields_dict(School)),
    "classes": tuple(attrs.fields_dict(SchoolClass)),
}
"""Each tree record's fields, in order."""

_LEVEL_ORDER = {UnitLevel.PROVINCE: 0, UnitLevel.CITY: 1, UnitLevel.COUNTY: 2}

_TREES = {
    "units": _Tree(
        "units",
        UNIT_COLUMNS,
        Unit,
        "code",
        lambda u: _LEVEL_ORDER[u.level] if isinstance(u, Unit) else 0,
        lambda uow, code: uow.units.get(code),
        "add_unit",
        {"not_found.unit": "上级单位代码"},
    ),
    "schools": _Tree(
        "schools",
        SCHOOL_COLUMNS,
        School,
        "code",
        # a 学区中心校 before the branches that name it (Art 7)
        lambda s: 1 if isinstance(s, School) and s.central_school is not None else 0,
        lambda uow, code: uow.schools.get(code),
        "add_school",
        {
            "not_found.unit": "主管单位代码",
            "not_found.school": "学区中心校代码",
            "school.region_retired": "行政区划码",
        },
    ),
    "classes": _Tree(
        "classes",
        CLASS_COLUMNS,
        SchoolClass,
        "id",
        lambda _: 0,
        lambda uow, code: uow.classes.get(code),
        "add_class",
        {"not_found.school": "学校代码"},
    ),
}


def _tree_import(
    tree: _Tree,
    registry: Registry,
    actor: Actor,
    path: str | Path,
    all_or_nothing: bool,
    sheet_name: str | None,
) -> ImportReport:
    """Read every row, then add the records a parent before its children (stable in
    sheet order otherwise), each through the facade's command, in one unit of work: a
    record already in the store as the row gives it is reported and left alone (so an
    import can be run again); one whose code is taken by another record is an error."""
    _check_actor(actor)
    today = registry.today()
    sheet, rows = _data_rows(path, tree.columns, sheet_name)
    if sheet.missing:
        return _refused_sheet(tree.kind, sheet, rows)
    key_col = next(c for c in tree.columns if c.field == tree.key)
    plan: list[tuple[int, _TreeRecord, frozenset[str]]] = []
    first_row: dict[str, int] = {}
    count = 0
    for n, row in rows:
        count += 1
        fields = sheet.read(n, row)
        if fields is None:
            continue
        code = str(fields[tree.key])
        if code in first_row:
            sheet.error(
                n,
                key_col,
                code,
                "excel.duplicate_row",
                f"与第 {first_row[code]} 行代码相同",
                f"the same code as row {first_row[code]}",
            )
            continue
        first_row[code] = n
        # the fields the row leaves to their default (a column absent or blank): a
        # record already stored compares by its own values there
        defaulted = frozenset(_TREE_FIELDS[tree.kind]) - fields.keys()
        if "created" in defaulted and tree.kind == "classes":
            fields["created"] = today
        plan.append((n, tree.make(**fields), defaulted))
    plan.sort(key=lambda p: tree.order(p[1]))
    if all_or_nothing and sheet.errors:
        errors = sheet.sorted_errors()
        held = tuple(sorted(n for n, *_ in plan))
        return ImportReport(tree.kind, count, (), errors, held, False, **sheet.where())
    applied: list[AppliedRow] = []
    committed = True
    try:
        with registry.store.unit_of_work() as uow:  # the commands below join it
            for n, record, defaulted in plan:
                code = getattr(record, tree.key)
                there = tree.get(uow, code)
                if there is not None:
                    # only an actor who could add it learns it is there (Art 28): a
                    # school re-importing the units was told "applied", exit 0
                    registry.authorize(actor, tree.add, school=getattr(record, "school", None))
                    # a field the row left to its default compares as the store has it
                    same = attrs.evolve(record, **{f: getattr(there, f) for f in defaulted})
                    if same == there:
                        applied.append(AppliedRow(n, code, _PRESENT, present=True))
                    else:
                        headers = {c.field: c.header for c in tree.columns}
                        differ = "、".join(
                            headers.get(f, f)
                            for f in _TREE_FIELDS[tree.kind]
                            if getattr(same, f) != getattr(there, f)
                        )
                        sheet.error(
                            n,
                            key_col,
                            code,
                            "excel.code_taken",
                            f"库中已有此代码的另一条记录（不同的列：{differ}）",
                            f"the store holds another record under this code (other: {differ})",
                        )
                    continue
                try:
                    out = getattr(registry, tree.add)(actor, record)
                except AccessDenied:
                    raise  # the whole import is refused: nothing written
                except XuejiError as e:  # an unknown parent, a bad value, a code taken
                    _blame(sheet, tree, n, record, e.code, e.message_zh, e.message_en)
                    continue
                if out.allowed:
                    applied.append(AppliedRow(n, code, "已新增 added"))
                else:
                    for v in out.decision.violations:
                        _blame(sheet, tree, n, record, v.code, v.message_zh, v.message_en)
            if all_or_nothing and sheet.errors:
                raise _UndoImport
    except _UndoImport:
        committed = False
    applied.sort(key=lambda a: a.row)
    errors = sheet.sorted_errors()
    if not committed:
        failed = {e.row for e in errors}
        held = tuple(sorted(n for n, *_ in plan if n not in failed))
        extra = tuple(sheet.extra)
        return ImportReport(tree.kind, count, (), errors, held, False, extra, **sheet.where())
    return ImportReport(
        tree.kind,
        count,
        tuple(applied),
        errors,
        (),
        bool(applied),
        tuple(sheet.extra),
        **sheet.where(),
    )


def _blame(
    sheet: _Sheet, tree: _Tree, n: int, record: _TreeRecord, code: str, zh: str, en: str
) -> None:
    """A command's refusal as an error of the row's column it concerns, where known."""
    header = tree.blame.get(code, "")
    col = next((c for c in tree.columns if c.header == header), None)
    value = getattr(record, col.field) if col is not None else ""
    sheet.error(n, col or "", value, code, zh, en)


def import_units(
    registry: Registry,
    actor: Actor,
    path: str | Path,
    *,
    all_or_nothing: bool = True,
    sheet: str | None = None,
) -> ImportReport:
    """Create the education authorities of a workbook (学籍主管单位, Arts 6 and 8) through
    :meth:`Registry.add_unit`: the province's administrator's task (Art 6). Rows are
    applied province, then cities, then counties, so a sheet may list them in any
    order. On a new store the province may add its own unit first (its row is in the
    sheet). A unit already in the store with the same values is left alone and
    reported as present; ``AppliedRow.student`` holds the unit's code."""
    return _tree_import(_TREES["units"], registry, actor, path, all_or_nothing, sheet)


def import_schools(
    registry: Registry,
    actor: Actor,
    path: str | Path,
    *,
    all_or_nothing: bool = True,
    sheet: str | None = None,
) -> ImportReport:
    """Create the schools of a workbook (学校信息, Arts 6 and 9) through
    :meth:`Registry.add_school` (the province's administrator, Art 6); a 学区中心校 is
    added before the branches that name it (Art 7). ``AppliedRow.student`` holds the
    school's code."""
    return _tree_import(_TREES["schools"], registry, actor, path, all_or_nothing, sheet)


def import_classes(
    registry: Registry,
    actor: Actor,
    path: str | Path,
    *,
    all_or_nothing: bool = True,
    sheet: str | None = None,
) -> ImportReport:
    """Create the classes of a workbook (班级信息, Art 10) through
    :meth:`Registry.add_class` (the school or its authority, Art 28). An empty
    建班年月 is the import's date; a class already in the store with the row's values
    is left alone. ``AppliedRow.student`` holds the class id."""
    return _tree_import(_TREES["classes"], registry, actor, path, all_or_nothing, sheet)


# -- writing ---------------------------------------------------------------------------------


def _note_tuple(notes: str | Iterable[str]) -> tuple[str, ...]:
    """Notes as a tuple: one text is one note (not a note per character)."""
    return (notes,) if isinstance(notes, str) else tuple(notes)


@attrs.frozen
class Table:
    """A report as a table: a sheet title, the header, the rows and the report's notes
    (the date of the count, the scope, the article it rests on, its warnings: one line
    each, Chinese with English beside it, no identity number).

    A table with notes is written with leading rows above its header, one cell each,
    every one starting with :data:`NOTE_MARK`: ``# title`` first, then ``# note`` for
    each note (:func:`note_rows`). A reader that wants the bare table skips the leading
    rows whose first cell starts with ``#`` (:func:`without_notes`); the header is the
    first row that does not. A table without notes (an import report's sheets, the
    national export) is written as before, its header in the first row."""

    title: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[object]]
    notes: tuple[str, ...] = attrs.field(default=(), converter=_note_tuple)
    text_columns: tuple[int, ...] = ()
    """The columns of free text (names, class names): in a CSV, text there that a
    spreadsheet would read as a number, a date or a boolean gets a leading ``'``
    (:func:`_csv_text`), as a formula does in every column."""
    numeric_columns: tuple[int, ...] = ()
    """The columns of numeric fields (the national upload's: a lone sign or a signed
    number there is written whole in a CSV, :func:`_csv_cell`); none in a report."""


NOTE_MARK = "#"
"""The first character of every row a report file holds above its header (its title
and notes): a header's first cell never starts with it."""


def note_rows(title: str, notes: Sequence[str]) -> list[str]:
    """The rows written above a table's header: none for a table without notes, else
    ``# title`` and ``# note`` per note, each on one line (a line break becomes a
    space) and with anything that looks like an identity number masked (Art 30).

    >>> note_rows("维护费 maintenance fee 2026", ["统计日期 date of the count: 2026-10-15"])
    ['# 维护费 maintenance fee 2026', '# 统计日期 date of the count: 2026-10-15']
    >>> note_rows("t", [])
    []
    """
    if not notes:
        return []
    return [f"{NOTE_MARK} {mask_ids(' '.join(str(t).split()))}" for t in (title, *notes)]


def without_notes(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows of a report file (CSV rows, or a sheet's rows) from its header on: the
    leading rows whose first cell starts with :data:`NOTE_MARK` are skipped.

    >>> list(without_notes([["# 统计 statistics"], ["# 统计日期 ..."], ["a", "b"], ["1", "2"]]))
    [['a', 'b'], ['1', '2']]
    """
    it = iter(rows)
    for row in it:
        first = row[0] if len(row) else None
        if isinstance(first, str) and first.startswith(NOTE_MARK):
            continue
        yield row
        break
    yield from it


SHEET_ROWS = 1_048_576
"""The rows a worksheet holds (Excel 2007 and later; the header row included). A
longer table continues on further sheets, each titled ``title (2)``, ``title (3)``, ...
and each with the header again: Excel would not load the rows past the limit (a
province's national export at 1,000,000 students and more)."""


class _Sheets:
    """One table's rows appended to a write-only workbook, continuing on a further
    sheet (``title (2)``, ...) each time one is full (:data:`SHEET_ROWS`)."""

    def __init__(
        self, wb: Any, title: str, header: Sequence[str], notes: Sequence[str] = ()
    ) -> None:
        self.wb, self.title, self.header = wb, title, list(header)
        self.lead = note_rows(title, notes)  # above the header of every sheet
        self._cell_type = _openpyxl().cell.WriteOnlyCell
        self.part, self.room = 0, 0
        self._next()

    def _next(self) -> None:
        self.part += 1
        suffix = f" ({self.part})" if self.part > 1 else ""
        self.ws = self.wb.create_sheet(_sheet_title(self.title, suffix))
        for line in self.lead:
            self.ws.append([line])
        self.ws.append(self.header)
        self.room = SHEET_ROWS - 1 - len(self.lead)

    def append(self, row: Sequence[object]) -> None:
        if not self.room:
            self._next()
        cells = [_cell(v) for v in row]
        self.ws.append([self._text(v) if isinstance(v, str) and v[:1] == "=" else v for v in cells])
        self.room -= 1

    def _text(self, value: str) -> object:
        """A text starting with ``=`` as text, not a formula: openpyxl stores such a
        string as a live formula, and a name or a bad cell from a school's workbook
        (``=HYPERLINK(...)``) would run when the report is opened."""
        cell = self._cell_type(self.ws, value=value)
        cell.data_type = "s"
        return cell


@contextlib.contextmanager
def _replacing(path: str | Path) -> Iterator[Path]:
    """A new file in ``path``'s directory to write instead of ``path``: on success it
    replaces ``path`` in one step (``os.replace``), on failure it is removed and
    ``path`` is left as it was. A report refused halfway (access denied, a full disk)
    used to truncate or delete the good file of an earlier run. A directory that does
    not exist fails here, before any work (``OSError``). The file is created readable
    by its owner only (``mkstemp``): an export holds identity numbers."""
    target = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    part = Path(name)
    try:
        yield part
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def write_tables(path: str | Path, tables: Iterable[Table]) -> None:
    """Write tables as the sheets of one workbook (streamed, write-only mode); a table
    longer than a sheet continues on the next (:data:`SHEET_ROWS`). The file at
    ``path`` is replaced only once the workbook is complete."""
    with _replacing(path) as part:
        wb = _openpyxl().Workbook(write_only=True)
        for t in tables:
            sheets = _Sheets(wb, t.title, t.header, t.notes)
            for row in t.rows:
                sheets.append(row)
        wb.save(part)


def write_table(path: str | Path, table: Table) -> None:
    """Write one table: CSV (UTF-8 with a BOM, which Excel reads) for a ``.csv`` path,
    otherwise a workbook; a table with notes starts with its title and notes, a row
    each above the header (:class:`Table`)."""
    with table_writer(
        path,
        table.title,
        table.header,
        notes=table.notes,
        text_columns=table.text_columns,
        numeric_columns=table.numeric_columns,
    ) as write:
        for row in table.rows:
            write(row)


@contextlib.contextmanager
def table_writer(
    path: str | Path,
    title: str,
    header: Sequence[str],
    *,
    notes: Sequence[str] = (),
    text_columns: Collection[int] = (),
    numeric_columns: Collection[int] = (),
) -> Iterator[Callable[[Sequence[object]], None]]:
    """Write one table a row at a time, never holding it (a province's national export:
    :meth:`xueji.registry.Registry.national_export_to`): yields the function that
    writes a row. CSV (UTF-8 with a BOM) for a ``.csv`` path, otherwise a workbook in
    write-only mode, continuing on further sheets past :data:`SHEET_ROWS`. The file is
    complete when the block ends, and replaces what was at ``path`` only then; if the
    block raises, no new file is left behind and an earlier one is kept.

    With ``notes``, the title and the notes come first, a row of one cell each starting
    with ``#`` (:func:`note_rows`; on every sheet of a workbook), then the header. In a
    CSV such a row is never quoted, so that its line starts with ``#`` too: a comma in
    it is written as ``，`` and a double quote as ``'``.

    A CSV's text cells are written so that a spreadsheet shows them as written: text
    starting as a formula gets a leading ``'`` in every column (:func:`_csv_cell`), but
    a lone sign or a signed number in ``numeric_columns`` (the national upload's
    numeric fields: :data:`xueji.statistics.NATIONAL_NUMERIC_COLUMNS`); in
    ``text_columns`` (free text: names, class names) so does text a spreadsheet would
    read as a number, a date or a boolean (:func:`_csv_text`: a name ``+1`` was shown
    as 1). A workbook stores text as text cells.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> with table_writer(out, "t", ("a", "b")) as write:
    ...     write((1, "x"))
    >>> out.read_text(encoding="utf-8-sig").splitlines()
    ['a,b', '1,x']
    >>> with table_writer(out, "t", ("a", "b"), notes=["统计日期 date of the count: 2026-10-15"]) as write:
    ...     write((1, "x"))
    >>> out.read_text(encoding="utf-8-sig").splitlines()
    ['# t', '# 统计日期 date of the count: 2026-10-15', 'a,b', '1,x']
    """
    with _replacing(path) as part:
        if Path(path).name.lower().endswith(".csv"):
            with open(part, "w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                for line in note_rows(title, notes):
                    w.writerow([line.replace(",", "，").replace('"', "'")])
                w.writerow(header)

                texts, numbers = frozenset(text_columns), frozenset(numeric_columns)

                def write(row: Sequence[object]) -> None:
                    w.writerow(
                        [
                            _csv_text(_cell(v))
                            if i in texts
                            else _csv_cell(_cell(v), signed_ok=i in numbers)
                            for i, v in enumerate(row)
                        ]
                    )

                yield write
        else:
            wb = _openpyxl().Workbook(write_only=True)
            yield _Sheets(wb, title, header, notes).append
            wb.save(part)


def _sheet_title(title: str, suffix: str = "") -> str:
    """A worksheet's title: no ``[]:*?/\\``, 31 characters at most, ``suffix`` kept."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[: 31 - len(suffix)] + suffix


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_SIGNED_NUMBER = re.compile(r"[+-](?: *\d[\d ]*(?:\.\d+)?)?", re.ASCII)
"""A lone sign, a signed number or a phone number (``+86 551 ...``): the values
starting with ``+`` or ``-`` that a CSV keeps as they are in a numeric column
(:func:`_csv_cell` with ``signed_ok``)."""


def _csv_cell(value: object, *, signed_ok: bool = False) -> object:
    """A CSV value a spreadsheet will not run: text starting with ``=``, ``+``, ``-``
    or ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's advice on CSV
    injection), so a student named ``=HYPERLINK(...)``, ``-cmd|...`` or
    ``-1+cmd|...`` is shown as written, not evaluated. With ``signed_ok`` (a column
    of the national upload's numeric fields), a lone sign, a signed number or a phone
    number (``+86 551 ...``) is kept as it is for the machines that read it; before,
    every column kept them, and a student named ``+1`` was shown as 1.

    >>> [_csv_cell(v, signed_ok=True) for v in ("+86 551 6280 0000", "-2.5", "-", "-1+cmd|' /C calc'!A0")]
    ['+86 551 6280 0000', '-2.5', '-', "'-1+cmd|' /C calc'!A0"]
    >>> [_csv_cell(v) for v in ("+1", "-", "甲")]
    ["'+1", "'-", '甲']
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if signed_ok and value[0] in "+-" and _SIGNED_NUMBER.fullmatch(value):
        return value  # a signed number or a phone (+86 ...), as the national upload wants
    return "'" + value


_SPREADSHEET_VALUE = re.compile(
    r"""\s*(?:
        [+-]?\$?[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?   # 1  -2.5  1,000  1e5  50%
      | \(\s*\$?\d[\d,]*(?:\.\d*)?\s*\)                            # (3): Excel's -3
      | \d+\s+\d+/\d+ | \d+/\d+(?:/\d+)?                                 # 1 1/2  1/2  2026/9/1
      | \d+-\d+(?:-\d+)? | \d+-(?:MONTH)(?:-\d+)? | (?:MONTH)-\d+        # 2026-09-01  1-Jan
      | \d+:\d+(?::\d+(?:\.\d*)?)?(?:\s*[AaPp][Mm])?                      # 9:30
      | (?i:true|false)
    )\s*""".replace("MONTH", r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"),
    re.ASCII | re.VERBOSE,
)
"""Text a spreadsheet opening a CSV reads as a value, not as text: a number (signed,
with thousands separators, an exponent, a percent or a dollar sign, or in
parentheses), a fraction, a date or a time, a boolean. Approximate (Excel's reading
depends on the locale), and wider rather than narrower: a name or class name that
matches gets a leading ``'`` (:func:`_csv_text`)."""


def _csv_text(value: object) -> object:
    """A CSV value of a free-text column (a name, a class name): as :func:`_csv_cell`,
    and text a spreadsheet would read as a number, a date or a boolean
    (:data:`_SPREADSHEET_VALUE`) gets a leading ``'`` too, so it is shown as written:
    a student named ``+1`` was shown as 1, a class ``007`` as 7.

    >>> [_csv_text(v) for v in ("+1", "007", "1/2", "TRUE", "张三", "1班", 3)]
    ["'+1", "'007", "'1/2", "'TRUE", '张三', '1班', 3]
    """
    if isinstance(value, str) and _SPREADSHEET_VALUE.fullmatch(value):
        return "'" + value
    return _csv_cell(value)


def _cell(value: object) -> object:
    """A value as a report file writes it: a number, a date or ``None`` as it is, any
    text as a plain ``str``: a ``str`` subclass (or what an object's ``__str__`` gives)
    was written as it was, so the workbook's ``=`` check (``type(v) is str``) missed
    it and it became a live formula, and a CSV asked its own ``startswith``."""
    if value is None or isinstance(value, int | float | _dt.date | Decimal):
        return value  # a Decimal is a number cell in a workbook, its exact text in a CSV
    return str.__str__(value if isinstance(value, str) else str(value))
