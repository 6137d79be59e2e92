"""How an import reads a sheet's cells (Arts 12, 17, 18, 27): merged cells, formulas in
the information import's data, identity numbers Excel has mangled, the national
export's column names, the columns a refusal names, and what its messages say. Found
by the review of the Excel import: each test of a defect failed before its fix; the
tests of what is read as before (a merge that hides nothing) guard the fixes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import Province, school_actor
from tests.test_excel import GRAD_HEADER, HEADER, INFO_HEADER, student_row, workbook
from tests.test_excel_tree import CLASS_HEADER
from xueji import excel, ids
from xueji.errors import XuejiError
from xueji.lifecycle import StudentStatus

D = dt.date
A = school_actor("A")


def merged(path: Path, header: list[str], rows: list[list[object]], *ranges: str) -> Path:
    """A workbook whose ``ranges`` are merged, as a clerk merges them in Excel (the
    value of a merged range is its top-left cell's; openpyxl blanks the others)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    for ref in ranges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


# -- merged cells ----------------------------------------------------------------------------


def test_art18_a_result_merged_over_three_pupils_is_refused_not_read_as_the_default(
    province: Province, tmp_path: Path
) -> None:
    """The clerk merges one 结业 cell over three pupils' rows: Excel shows 结业 on each,
    the file holds it in the first only, and the two others were read as blank, the
    default 毕业, and graduated (ok, exit 0)."""
    pupils = [province.register("A", 6) for _ in range(3)]
    province.at(D(2027, 7, 1))
    rows = [["A", s.registry_number, "结业"] for s in pupils]
    path = merged(tmp_path / "g.xlsx", GRAD_HEADER, rows, "C2:C4")
    report = excel.import_graduation(province.reg, A, path)
    assert not report.ok
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "毕结业", "excel.merged_cell"),
        (3, "毕结业", "excel.merged_cell"),
        (4, "毕结业", "excel.merged_cell"),
    ]
    e = report.errors[1]
    assert "C2:C4" in e.message_zh
    assert "C2:C4" in e.message_en
    assert "合并单元格" in e.message_zh
    assert "取消合并" in e.message_zh
    assert "unmerge" in e.message_en
    assert all(s.status is StudentStatus.REGISTERED for s in province.reg.students_of(A, "A"))


def test_art12_merged_optional_and_required_cells_are_refused_by_their_range(
    province: Province, tmp_path: Path
) -> None:
    """随迁子女 merged over three rows entered the last two as 否 (Art 27), 入学日期
    merged took the import's date; a merged required column said "empty" of a cell
    the clerk sees filled. Each row inside the range is ``excel.merged_cell`` (once a
    range, not "empty" too); a merge in an ignored column, or across a row where only
    the first cell is read, loses nothing and is read as before."""
    header = [*HEADER, "入学日期", "备注"]
    born = [D(2020, 3, d) for d in (1, 2, 3, 4, 5)]
    rows = [[*student_row(f"生{i}", b), D(2026, 9, 1), "x"] for i, b in enumerate(born)]
    mig, entry = HEADER.index("随迁子女"), len(HEADER)
    rows[0][mig] = "是"
    for r in rows[1:3]:
        r[mig] = r[entry] = None
    rows[3][0] = None  # 学校代码 merged over rows 4-5
    for r in rows[1:5]:
        r[-1] = None  # 备注 (ignored) merged over rows 2-6
    path = merged(tmp_path / "m.xlsx", header, rows, "I2:I4", "L2:L4", "A4:A5", "M2:M6", "D6:E6")
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    got = [(e.row, e.column, e.code) for e in report.errors]
    assert got == [
        (2, "入学日期", "excel.merged_cell"),
        (2, "随迁子女", "excel.merged_cell"),
        (3, "入学日期", "excel.merged_cell"),
        (3, "随迁子女", "excel.merged_cell"),
        (4, "入学日期", "excel.merged_cell"),
        (4, "学校代码", "excel.merged_cell"),
        (4, "随迁子女", "excel.merged_cell"),
        (5, "学校代码", "excel.merged_cell"),
        (6, "姓名", "excel.merged_cell"),  # 姓名 merged over 性别: 性别 read blank
    ]
    ranges = ["L2:L4", "I2:I4"] * 2 + ["L2:L4", "A4:A5", "I2:I4", "A4:A5", "D6:E6"]
    assert [e.message_en.split("merged cells ")[1][:5] for e in report.errors] == ranges
    assert report.applied == ()
    assert province.reg.students_of(A, "A") == []


def test_art12_a_merge_the_import_does_not_read_changes_nothing(
    province: Province, tmp_path: Path
) -> None:
    """A merged title cell of an ignored column, a header cell merged over a blank
    header cell (its column then has no header: ``excel.no_header`` of a row with data
    there, as before) are read as before."""
    header = [*HEADER, "备注", None]
    rows = [[*student_row("甲"), "x", None], [*student_row("乙", D(2020, 4, 1)), None, None]]
    path = merged(tmp_path / "m.xlsx", header, rows, "L1:M1", "L2:L3")
    report = excel.import_students(province.reg, A, path)
    assert report.ok, report.errors
    assert [a.row for a in report.applied] == [2, 3]


def test_art10_a_merged_class_cell_is_refused(province: Province, tmp_path: Path) -> None:
    """The tree imports read the same way: 建班年月 merged over two classes took the
    import's date for the second."""
    rows = [
        ["A-7", "A", "一年级7班", 1, "张老师", "2025-09"],
        ["A-8", "A", "一年级8班", 1, "李老师", None],
    ]
    path = merged(tmp_path / "c.xlsx", CLASS_HEADER, rows, "F2:F3")
    report = excel.import_classes(province.reg, A, path)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "建班年月", "excel.merged_cell"),
        (3, "建班年月", "excel.merged_cell"),
    ]
    assert not report.committed


def test_the_merged_cell_scan_streams_and_reads_every_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranges are found by a byte scan of the sheet's XML (as its formulas are), a
    chunk at a time: a tag cut by a chunk's end, a namespace prefix and any order of
    attributes are found; ``<mergeCells count=...>`` is not a range."""
    monkeypatch.setattr(excel, "_SCAN_CHUNK", 7)
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1"><f>1+1</f></c></row></sheetData>'
        b'<mergeCells count="3"><mergeCell ref="B2:B4"/>'
        b'<x:mergeCell xr:uid="{1}" ref="C3:D3" />'
        b"<mergeCell ref='E5:E6'></mergeCell></mergeCells></worksheet>"
    )

    class Sheet:
        def _get_source(self) -> object:
            import io

            return io.BytesIO(xml)

    formulas, ranges = excel._scan(Sheet())
    assert formulas
    assert [m.ref for m in ranges] == ["B2:B4", "C3:D3", "E5:E6"]
    assert (ranges[1].first_row, ranges[1].last_row) == (3, 3)
    assert (ranges[1].first_col, ranges[1].last_col) == (2, 3)  # C, D: 0-based


def test_art17_a_merged_data_column_of_the_information_import_is_refused(
    province: Province, tmp_path: Path
) -> None:
    """The information import's other columns are the entry's data, and read: a 学期
    merged over two rows left the second entry without it."""
    a, b = province.register("A", 1), province.register("A", 1)
    header = [*INFO_HEADER, "学期"]
    rows = [
        ["A", s.registry_number, None, "成绩", "2026-06-30", "期末考试", "语文", 90, "2025-2026下"]
        for s in (a, b)
    ]
    rows[1][-1] = None
    path = merged(tmp_path / "i.xlsx", header, rows, "I2:I3")
    report = excel.import_info(province.reg, A, path)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "学期", "excel.merged_cell"),
        (3, "学期", "excel.merged_cell"),
    ]


# -- formulas in the information import's data -----------------------------------------------


def test_art17_a_formula_with_no_value_in_a_data_column_is_refused_not_kept_as_text(
    province: Province, tmp_path: Path
) -> None:
    """An information sheet's other columns are the entry's data; a formula there with
    no computed value (a file written by a program that does not calculate) was kept as
    the entry's data, its text: 总分 ``=G2+H2``, where the same formula in 内容 was
    refused as ``excel.formula_no_value``."""
    s = province.register("A", 1)
    header = ["学校代码", "学籍号", "身份证号", "信息类别", "日期", "内容", "语文", "数学", "总分"]
    rows = [["A", s.registry_number, None, "成绩", "2026-06-30", "期末考试", 95, 88, "=G2+H2"]]
    report = excel.import_info(province.reg, A, workbook(tmp_path / "i.xlsx", header, rows))
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "总分", "=G2+H2", "excel.formula_no_value")
    ]
    assert not report.committed
    assert province.reg.student(A, s.id).info == {}


# -- identity numbers Excel has mangled ------------------------------------------------------


def _ends_000(day: int = 10) -> str:
    """A valid identity number ending in 000 (a girl's: sequence x00, check character
    0), as Excel leaves an 18-digit number it kept as a number (15 significant digits)
    once the cell is turned into text."""
    for d in range(day, 29):
        for h in range(10):
            body = f"340104202003{d:02d}{h}00"
            if ids.check_character(body) == "0":
                return body + "0"
    raise AssertionError("no such number")  # pragma: no cover


def test_art13_an_id_number_ending_in_000_is_entered_with_a_warning(
    province: Province, tmp_path: Path
) -> None:
    """Excel keeps 15 significant digits of a number: a girl's number typed into a
    number cell and turned into text afterwards ends in 000, and about one in eleven
    such numbers passes the check character: it was entered, and became the 学籍号,
    without a word. A real number can end in 000 too (sequence 300, check 0: about one
    in 1,100), so the row is entered (a draft, reviewed before it is registered) with
    the warning ``excel.id_maybe_rounded``, which names Excel's limit."""
    number = _ends_000()
    born = D(2020, 3, int(number[12:14]))
    row = student_row("李二", born, 性别="女", 身份证号=number)
    report = excel.import_students(
        province.reg, A, workbook(tmp_path / "w.xlsx", HEADER, [row]), all_or_nothing=False
    )
    assert report.ok, report.errors
    assert [(w.row, w.code) for w in report.warnings if w.code.startswith("excel.")] == [
        (2, "excel.id_maybe_rounded")
    ]
    (w,) = [w for w in report.warnings if w.code == "excel.id_maybe_rounded"]
    assert "15" in w.message_zh
    assert "15 significant digits" in w.message_en
    assert number not in w.message_zh + w.message_en
    assert "excel.id_maybe_rounded" in report.applied[0].note
    # a boy's rounded number says girl (digit 17 is 0): refused, and the cause said
    other = _ends_000(born.day + 1)
    boy = student_row("张一", D(2020, 3, int(other[12:14])), 性别="男", 身份证号=other)
    report = excel.import_students(province.reg, A, workbook(tmp_path / "b.xlsx", HEADER, [boy]))
    assert [(e.column, e.code) for e in report.errors] == [("身份证号", "enrolment.id_mismatch")]
    assert "000" in report.errors[0].message_zh
    assert "15 significant digits" in report.errors[0].message_en
    # one failing its check character says so too
    bad = next(
        f"340104202003{d:02d}{h}000"
        for d in range(10, 29)
        for h in range(10)
        if ids.check_character(f"340104202003{d:02d}{h}00") != "0"
    )
    row = student_row("王三", D(2020, 3, int(bad[12:14])), 性别="女", 身份证号=bad)
    report = excel.import_students(province.reg, A, workbook(tmp_path / "c.xlsx", HEADER, [row]))
    assert [e.code for e in report.errors] == ["id.checksum"]
    assert "15 significant digits" in report.errors[0].message_en
    # an information or graduation row finding no student by it says so too
    info = [["A", None, bad, "奖励", "2026-06-30", "三好学生", None, None]]
    report = excel.import_info(province.reg, A, workbook(tmp_path / "i.xlsx", INFO_HEADER, info))
    assert [e.code for e in report.errors] == ["excel.unknown_student"]
    assert "15 significant digits" in report.errors[0].message_en


@pytest.mark.parametrize(
    ("cell", "code", "says"),
    [
        ("3.40104202003010e+17", "excel.id_as_number", "15 significant digits"),
        ("3.40104E+17", "excel.id_as_number", "15 significant digits"),
        (340104202003010000, "excel.id_as_number", "15 significant digits"),
        ("'340104202003010015", "excel.id_apostrophe", "apostrophe"),
        ("\u2018340104202003010015", "excel.id_apostrophe", "apostrophe"),
    ],
)
def test_art13_an_id_number_excel_turned_into_a_number_or_quoted_says_so(
    province: Province, tmp_path: Path, cell: object, code: str, says: str
) -> None:
    """A number in scientific notation kept as text (``3.40104202003010e+17``) was
    ``id.length`` "<20位>", and a leading apostrophe ``id.length`` "<19位>": neither said
    the number was stored as a number, or that the apostrophe is the fault."""
    row = student_row("甲", 身份证号=cell)
    report = excel.import_students(province.reg, A, workbook(tmp_path / "w.xlsx", HEADER, [row]))
    assert [(e.column, e.code) for e in report.errors] == [("身份证号", code)]
    assert says in report.errors[0].message_en
    assert "位>" not in report.errors[0].message_en


def test_an_id_number_of_the_wrong_length_says_so_in_english_in_the_english_half() -> None:
    with pytest.raises(XuejiError) as err:
        ids.validate("3401042020030100150")
    assert err.value.code == "id.length"
    assert "<19位>" in err.value.message_zh
    assert "<19 characters>" in err.value.message_en
    assert "位" not in err.value.message_en


# -- the national export's column names ------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "meant"),
    [
        ("是否进城务工人员随迁子女", "随迁子女"),
        ("是否随迁子女", "随迁子女"),
        ("进城务工人员随迁子女", "随迁子女"),
        ("是否残疾人", "残疾学生"),
        ("是否残疾学生", "残疾学生"),
        ("户口所在地行政区划", "户籍地区码"),
    ],
)
def test_art27_the_national_export_s_column_names_are_refused_naming_the_column_meant(
    province: Province, tmp_path: Path, header: str, meant: str
) -> None:
    """The library's own national export names its columns 是否进城务工人员随迁子女 and
    是否残疾人 (``statistics.NATIONAL_HEADER``); a sheet using them (or 是否随迁子女) had
    them ignored, and every pupil entered as 否 (Art 27). They are ``excel.unknown_column``
    naming the column meant, as the docs promise of a known column written otherwise."""
    full = [h for h in HEADER if h != meant] + [header]
    row = student_row("甲")
    values = dict(zip(HEADER, row, strict=True))
    values[header] = "是" if meant != "户籍地区码" else "340104"
    path = workbook(tmp_path / "w.xlsx", full, [[values.get(h) for h in full]])
    report = excel.import_students(province.reg, A, path)
    assert [(e.column, e.code) for e in report.errors if e.code != "excel.missing_column"] == [
        (header, "excel.unknown_column")
    ]
    assert f"did you mean {meant!r}" in report.errors[-1].message_en
    assert not report.committed


# -- the column a refusal names --------------------------------------------------------------


def test_art12_a_value_the_registry_refuses_as_bad_input_names_its_column(
    province: Province, tmp_path: Path
) -> None:
    """A name with a line break in it (or a tab), a photo digest or a consenting
    guardian's name with one, refused by the registry as ``command.bad_input``, named no
    column: the clerk was left to find which cell."""
    header = [*HEADER, "同意监护人"]
    rows = [
        [*student_row("李\n四", D(2020, 3, 2)), None],
        [*student_row("王五", D(2020, 3, 3), 照片摘要="sha\n256"), None],
        [*student_row("赵六", D(2020, 3, 4)), "赵\t父"],
    ]
    path = workbook(tmp_path / "w.xlsx", header, rows)
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "姓名", "李\n四", "command.bad_input"),
        (3, "照片摘要", "sha\n256", "command.bad_input"),
        (4, "同意监护人", "赵\t父", "command.bad_input"),
    ]


def test_art17_an_information_row_refused_by_its_rule_names_its_column(
    province: Province, tmp_path: Path
) -> None:
    """``info.future`` (an entry dated after today) named no column; it names 日期.
    ``info.status`` (the student's record voided) names the key the row gave."""
    s = province.register("A", 1)
    void = province.enroll("A", 1)
    assert province.reg.void_record(A, void.id, "录入错误").allowed
    rows = [
        ["A", s.registry_number, None, "评价", "2027-01-01", "未来的评价", None, None],
        ["A", None, s.id_number, "评价", "2027-01-02", "未来的评价", None, None],
        ["A", None, void.id_number, "评价", "2026-06-30", "评价", None, None],
    ]
    path = workbook(tmp_path / "i.xlsx", INFO_HEADER, rows)
    report = excel.import_info(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "日期", "info.future"),
        (3, "日期", "info.future"),
        (4, "身份证号", "info.status"),
    ]
    assert [e.value for e in report.errors[:2]] == ["2027-01-01", "2027-01-02"]
    assert report.errors[2].value == excel.mask(void.id_number or "")


# -- what the messages say -------------------------------------------------------------------


@pytest.mark.parametrize("cell", [43891, "43891", 43891.0])
def test_art12_a_date_stored_as_its_serial_number_says_so(
    province: Province, tmp_path: Path, cell: object
) -> None:
    """A date typed into a cell formatted as a number (General) is its serial number,
    43891; it was refused as "not a date: '43891' (expected YYYY-MM-DD)". Still refused
    (a number is not a date), it says what the number seems to be and what to do."""
    row = student_row("甲", 出生日期=cell)
    report = excel.import_students(province.reg, A, workbook(tmp_path / "w.xlsx", HEADER, [row]))
    assert [(e.column, e.code) for e in report.errors] == [("出生日期", "excel.bad_date")]
    e = report.errors[0]
    assert "Excel date serial number" in e.message_en
    assert "format the cell as a date" in e.message_en
    assert "日期序号" in e.message_zh
    assert "设为日期格式" in e.message_zh


def test_art10_a_class_month_not_understood_asks_for_a_month(
    province: Province, tmp_path: Path
) -> None:
    """建班年月 takes a month, and its refusal said "expected YYYY-MM-DD"."""
    rows = [["A-7", "A", "一年级7班", 1, "张老师", 202609]]
    report = excel.import_classes(
        province.reg, A, workbook(tmp_path / "c.xlsx", CLASS_HEADER, rows)
    )
    assert [(e.column, e.code) for e in report.errors] == [("建班年月", "excel.bad_date")]
    e = report.errors[0]
    assert "2026-09" in e.message_en
    assert "YYYY-MM-DD" not in e.message_en
    assert "2026-09" in e.message_zh
    assert "YYYY-MM-DD" not in e.message_zh


def test_art12_a_title_row_above_the_header_says_the_header_must_be_row_1(
    province: Province, tmp_path: Path
) -> None:
    """A merged title row above the real header refused the sheet with an
    ``excel.missing_column`` for every required column. When a row below holds the
    header, the sheet is refused once, saying the header must be row 1 and where it is."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年秋季新生名单"])
    ws.merge_cells("A1:K1")
    ws.append(HEADER)
    ws.append(student_row("甲"))
    path = tmp_path / "t.xlsx"
    wb.save(path)
    report = excel.import_students(province.reg, A, path)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(1, "", "excel.header_not_first")]
    e = report.errors[0]
    assert "row 2" in e.message_en
    assert "row 1" in e.message_en
    assert "第2行" in e.message_zh
    assert "第1行" in e.message_zh
    assert report.held == (2, 3)
    assert not report.committed
    # a sheet that has no header anywhere is still refused column by column
    report = excel.import_students(
        province.reg, A, workbook(tmp_path / "n.xlsx", ["甲", "乙"], [["x", "y"]])
    )
    assert {e.code for e in report.errors} == {"excel.missing_column"}
