"""The unit, school and class tree from workbooks (Arts 6-10) and ``xueji init``: a
registry a clerk can build with the CLI alone, from an empty database to enrolled
students; every row accounted for, nothing half-applied, a second run changing nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import PROVINCE, Province, authority, make_id, school_actor
from tests.test_excel import workbook
from xueji import excel
from xueji.cli import main
from xueji.errors import AccessDenied
from xueji.model import School, SchoolClass, Unit, UnitLevel
from xueji.policy import Stage
from xueji.registry import Registry
from xueji.storage.sql import SCHEMA_VERSION, SqlStore

D = dt.date
UNIT_HEADER = ["单位代码", "单位名称", "层级", "所在地行政区划码", "上级单位代码", "联系电话"]
SCHOOL_HEADER = ["学校代码", "学校名称", "主管单位代码", "行政区划码", "学段"]
SCHOOL_HEADER += ["学区中心校代码", "是否学区中心校"]
CLASS_HEADER = ["班级", "学校代码", "班级名称", "年级", "班主任姓名", "建班年月"]
STUDENT_HEADER = ["学校代码", "班级", "年级", "姓名", "性别", "出生日期", "户籍地区码", "身份证号"]
STUDENT_HEADER += ["照片摘要"]


def units(p: Province) -> dict[str, Unit]:
    with p.store.unit_of_work() as uow:
        return {u.code: u for u in uow.units.list()}


# -- the Python API, on both embedded stores -------------------------------------------------


def test_art8_units_are_added_parent_first_whatever_the_sheet_order(
    province: Province, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "u.xlsx",
        UNIT_HEADER,
        [
            ["340111", "包河区教育体育局", "县", "340111", "3403", "0551-1"],
            ["3403", "蚌埠市教育局", "市级", "340300", "34", None],
        ],
    )
    before = len(province.log())
    report = excel.import_units(province.reg, PROVINCE, path)
    assert report.ok, report.errors
    assert report.committed
    assert [(a.row, a.student) for a in report.applied] == [(2, "340111"), (3, "3403")]
    got = units(province)
    assert got["3403"] == Unit("3403", "蚌埠市教育局", UnitLevel.CITY, "340300", "34")
    assert got["340111"].parent == "3403"
    assert got["340111"].phone == "0551-1"
    assert got["340111"].level is UnitLevel.COUNTY
    log = province.log()[before:]
    assert [(e.command, e.subject) for e in log] == [("add_unit", "3403"), ("add_unit", "340111")]

    again = excel.import_units(province.reg, PROVINCE, path)  # the same file again
    assert again.ok
    assert again.committed
    assert {a.note for a in again.applied} == {"已存在，未改动 already present"}
    assert len(province.log()) == before + 2  # nothing written the second time


def test_art6_one_bad_row_leaves_the_tree_as_it_was(province: Province, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "u.xlsx",
        UNIT_HEADER,
        [
            ["3403", "蚌埠市教育局", "市", "340300", "34", None],
            ["340311", "某区教育局", "县", "340311", "3499", None],  # no unit 3499
            ["340312", "另一区教育局", "县", "340312", "3403", None],
        ],
    )
    before, log = units(province), len(province.log())
    report = excel.import_units(province.reg, PROVINCE, path)
    assert not report.ok
    assert not report.committed
    assert report.applied == ()
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (3, "上级单位代码", "3499", "not_found.unit")
    ]
    assert report.held == (2, 4)
    assert units(province) == before
    assert len(province.log()) == log

    partial = excel.import_units(province.reg, PROVINCE, path, all_or_nothing=False)
    assert [a.student for a in partial.applied] == ["3403", "340312"]
    assert partial.refused_rows == (3,)
    assert partial.committed
    assert set(units(province)) == set(before) | {"3403", "340312"}


def test_art9_cells_codes_taken_and_repeated_rows_are_row_errors(
    province: Province, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "s.xlsx",
        SCHOOL_HEADER,
        [
            ["S1", "分校", "340104", "340104", "小学", "S2", None],  # its central school below
            ["S2", "中心校", "340104", "340104", "小学", None, "是"],
            ["S3", "中学", "340104", "340104", "初中、高中", None, None],
            ["S4", "学校", "340104", "3401", "幼儿园", None, "也许"],
            ["S3", "同码", "340104", "340104", "初中", None, None],
            ["A", "不是A小学", "340104", "340104", "小学", None, None],  # A exists, otherwise
        ],
    )
    report = excel.import_schools(province.reg, PROVINCE, path, all_or_nothing=False)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (5, "学段", "excel.bad_stage"),
        (5, "是否学区中心校", "excel.bad_flag"),
        (5, "行政区划码", "excel.bad_region"),
        (6, "学校代码", "excel.duplicate_row"),
        (7, "学校代码", "excel.code_taken"),
    ]
    assert all(e.message_zh and e.message_en for e in report.errors)
    assert [a.student for a in report.applied] == ["S1", "S2", "S3"]
    with province.store.unit_of_work() as uow:
        assert uow.schools.get("S1") == School(
            "S1", "分校", "340104", "340104", frozenset({Stage.PRIMARY}), central_school="S2"
        )
        assert uow.schools.get("S2").is_central  # type: ignore[union-attr]
        assert uow.schools.get("S3").stages == {Stage.JUNIOR, Stage.SENIOR}  # type: ignore[union-attr]
        assert uow.schools.get("A").name != "不是A小学"  # type: ignore[union-attr]


def test_art10_a_school_imports_its_classes_and_only_its_own(
    province: Province, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "c.xlsx",
        CLASS_HEADER,
        [
            ["A-1-2", "A", "一年级2班", 1, "王老师", "2026年9月"],
            ["A-2-2", "A", "二(2)班", 2, "李老师", None],
        ],
    )
    report = excel.import_classes(province.reg, school_actor("A"), path)
    assert report.ok, report.errors
    with province.store.unit_of_work() as uow:
        assert uow.classes.get("A-1-2") == SchoolClass(
            "A-1-2", "A", "一年级2班", 1, "王老师", D(2026, 9, 1)
        )
        assert uow.classes.get("A-2-2").created == province.today()  # type: ignore[union-attr]
    province.at(province.today() + dt.timedelta(days=30))
    again = excel.import_classes(province.reg, school_actor("A"), path)  # a month later
    assert again.ok
    assert len(again.applied) == 2
    assert not again.errors

    other = workbook(tmp_path / "o.xlsx", CLASS_HEADER, [["B-1-9", "B", "班", 1, "赵老师", None]])
    count = len(province.log())
    with pytest.raises(AccessDenied):
        excel.import_classes(province.reg, school_actor("A"), other, all_or_nothing=False)
    assert len(province.log()) == count
    by_authority = excel.import_classes(province.reg, authority("340104"), other)  # B's county
    assert by_authority.ok
    assert [a.student for a in by_authority.applied] == ["B-1-9"]


def test_art6_units_and_schools_are_the_provinces_alone(province: Province, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "u.xlsx", UNIT_HEADER, [["340199", "某区", "县", "340199", "3401", None]]
    )
    for actor in (authority("3401"), authority("340104"), school_actor("A")):
        with pytest.raises(AccessDenied):
            excel.import_units(province.reg, actor, path, all_or_nothing=False)
    assert "340199" not in units(province)


def test_a_missing_column_refuses_a_tree_sheet(province: Province, tmp_path: Path) -> None:
    path = workbook(tmp_path / "u.xlsx", ["单位代码", "单位名称"], [["3499", "X"]])
    report = excel.import_units(province.reg, PROVINCE, path)
    assert [(e.row, e.code) for e in report.errors] == [
        (1, "excel.missing_column"),
        (1, "excel.missing_column"),
    ]
    assert report.rows == 1
    assert not report.committed


# -- the CLI: from an empty database to enrolled students ---------------------------------------


def cli(*args: str) -> int:
    return main(list(args))


def test_art6_the_cli_builds_a_registry_from_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert cli("--json", "init", "--store", url) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == SCHEMA_VERSION
    common = ["--store", url, "--today", "2026-09-01"]
    u = workbook(
        tmp_path / "u.xlsx",
        UNIT_HEADER,
        [
            ["340104", "蜀山区教育体育局", "县", "340104", "3401", None],
            ["34", "安徽省教育厅", "省", "340000", None, None],
            ["3401", "合肥市教育局", "市", "340100", "34", None],
        ],
    )
    s = workbook(
        tmp_path / "s.xlsx",
        SCHOOL_HEADER,
        [["A", "蜀山小学", "340104", "340104", "小学", None, None]],
    )
    c = workbook(
        tmp_path / "c.xlsx", CLASS_HEADER, [["A-1", "A", "一年级1班", 1, "王老师", "2026-09"]]
    )
    born = D(2020, 3, 1)
    st = workbook(
        tmp_path / "st.xlsx",
        STUDENT_HEADER,
        [["A", "A-1", 1, "张三", "男", born, "340104", make_id(born), "sha256:x"]],
    )
    # a store with no province yet: the province may found it, and only with units
    assert cli("import", "schools", str(s), *common, "--as", "province:34") == 2
    assert "province" in capsys.readouterr().err
    assert cli("import", "units", str(u), *common, "--as", "province:34") == 0
    assert "3 已导入 applied" in capsys.readouterr().out
    assert cli("import", "units", str(u), *common, "--as", "province:99") == 2  # not the province
    assert cli("import", "schools", str(s), *common, "--as", "province:34") == 0
    assert cli("import", "classes", str(c), *common, "--as", "school:A") == 0
    assert cli("import", "students", str(st), *common, "--as", "school:A") == 0
    capsys.readouterr()
    store = SqlStore.open(url, existing=True)
    with store.unit_of_work() as uow:
        assert [x.name for x in uow.students.by_school("A")] == ["张三"]
        assert uow.classes.get("A-1").created == D(2026, 9, 1)  # type: ignore[union-attr]
        entries = len(uow.log.entries())
    store.engine.dispose()
    # the tree again: every row present, nothing written, success
    report = tmp_path / "again.xlsx"
    for what, path in (("units", u), ("schools", s), ("classes", c)):
        actor = "school:A" if what == "classes" else "province:34"
        args = ("import", what, str(path), *common, "--as", actor, "--report", str(report))
        assert cli(*args) == 0
    out = capsys.readouterr().out
    assert "0 已导入 applied, 3 已存在 already present" in out  # the units, again
    assert cli("import", "classes", str(c), *common, "--as", "county:3401") == 2
    assert "--as city:3401" in capsys.readouterr().err  # the code's own level is named
    sheet = openpyxl.load_workbook(report, read_only=True)["已导入 applied"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [
        ("行 row", "代码 code", "说明 note"),
        (2, "A-1", "已存在，未改动 already present"),
    ]
    store = SqlStore.open(url, existing=True)
    with store.unit_of_work() as uow:
        assert len(uow.log.entries()) == entries
    store.engine.dispose()
    assert cli("init", "--store", url) == 0  # a registry of this version: left as it is
    assert f"schema {SCHEMA_VERSION}/{SCHEMA_VERSION}" in capsys.readouterr().out


def test_init_refuses_a_file_that_is_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 100)
    assert cli("init", "--store", f"sqlite:///{path}") == 2
    err = capsys.readouterr().err
    assert "storage.unavailable" in err
    assert "Traceback" not in err
    assert path.read_text().startswith("not a database")


def test_an_output_path_that_is_the_store_or_the_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the Excel audit: ``--out`` naming the registry's own file replaced
    the database with a workbook, and ``--report`` naming the imported workbook
    overwrote the only copy of the refused rows."""
    db = tmp_path / "r.db"
    url = f"sqlite:///{db}"
    assert cli("init", "--store", url) == 0
    u = workbook(
        tmp_path / "u.xlsx", UNIT_HEADER, [["34", "安徽省教育厅", "省", "340000", None, None]]
    )
    kept = u.read_bytes()
    common = ["--store", url, "--as", "province:34"]
    assert cli("import", "units", str(u), *common, "--report", str(u)) == 2
    assert cli("import", "units", str(u), *common, "--report", str(db) + ".xlsx") == 0
    assert cli("report", "stats", "--out", str(db), *common) == 2
    assert cli("report", "stats", "--out", str(tmp_path / "." / "r.db"), *common) == 2
    # (the database's bytes may move as SQLite checkpoints its WAL: what matters is
    # that it is still the registry, not a workbook written over it)
    assert u.read_bytes() == kept
    assert db.read_bytes().startswith(b"SQLite format 3\x00")
    assert "cli.output_path" in capsys.readouterr().err
    assert cli("report", "stats", "--out", str(tmp_path / "s.xlsx"), *common) == 0
    assert cli("report", "stats", "--out", str(tmp_path / "s.txt"), *common) == 2  # a workbook
    assert not (tmp_path / "s.txt").exists()
    if Path("/dev/null").exists():  # a device is not replaced by a report
        assert cli("report", "stats", "--out", "/dev/null", *common) == 2
        assert Path("/dev/null").is_char_device()


def test_an_identity_number_in_free_text_or_a_bad_argument_is_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    number = make_id(D(2020, 3, 1))
    with pytest.raises(SystemExit) as stop:  # not a date: the parser quotes it
        cli("deadline", number, "3")
    assert stop.value.code == 2
    args = ["--date", "2026-09-25", "--hukou-region", "340104", "--from-school-region"]
    args += ["340104", "--to-school-region", "340202", "--reason", "other"]
    assert cli("--json", "transfer", "check", *args, "--stated-reason", f"证{number}") in (0, 1)
    out, err = capsys.readouterr()
    assert number not in out + err
    assert number[:6] + "********" + number[-4:] in out + err
    # found by the privacy review: a number copied in groups of four, printed whole
    grouped = " ".join(number[i : i + 4] for i in range(0, 18, 4))
    assert cli("transfer", "check", *args, "--stated-reason", f"另 {grouped}") in (0, 1)
    out, err = capsys.readouterr()
    assert grouped not in out + err
    assert f"{number[:4]} {number[4:6]}** **** **{number[14:16]} {number[16:]}" in out + err


def test_art4_the_unit_tree_has_one_province_and_each_level_its_parent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the review: on a new store "province 99" founded province 34, and a
    second province or a city with no parent went in with exit 0."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert cli("init", "--store", url) == 0
    u = workbook(
        tmp_path / "u.xlsx", UNIT_HEADER, [["34", "安徽省教育厅", "省", "340000", None, None]]
    )
    assert cli("import", "units", str(u), "--store", url, "--as", "province:99") == 1
    assert "command.bad_input" in capsys.readouterr().out
    assert cli("import", "units", str(u), "--store", url, "--as", "province:34") == 0
    more = workbook(
        tmp_path / "m.xlsx",
        UNIT_HEADER,
        [
            ["35", "另一省", "省", "350000", None, None],
            ["3402", "芜湖市教育局", "市", "340200", None, None],
            ["340202", "镜湖区教育局", "县", "340202", "34", None],  # 省直管县: allowed
            ["340203", "某区", "县", "340203", "340202", None],  # under a county: no
        ],
    )
    report = excel.import_units(_registry_of(url), PROVINCE, more, all_or_nothing=False)
    assert [(e.row, e.code) for e in report.errors] == [
        (2, "command.bad_input"),
        (3, "command.bad_input"),
        (5, "command.bad_input"),
    ]
    assert [a.student for a in report.applied] == ["340202"]


def _registry_of(url: str) -> Registry:
    return Registry(SqlStore.open(url, existing=True))


def test_art8_a_tree_sheet_without_its_optional_columns_imports_again(
    province: Province, tmp_path: Path
) -> None:
    """Found by the review: a unit stored with a phone, imported again from a sheet
    without the phone column, was "another record under this code"; a real difference
    is named by its column."""
    full = workbook(
        tmp_path / "a.xlsx", UNIT_HEADER, [["3403", "蚌埠市教育局", "市", "340300", "34", "0552-1"]]
    )
    assert excel.import_units(province.reg, PROVINCE, full).ok
    short = workbook(
        tmp_path / "b.xlsx", UNIT_HEADER[:5], [["3403", "蚌埠市教育局", "市", "340300", "34"]]
    )
    again = excel.import_units(province.reg, PROVINCE, short)
    assert again.ok, again.errors
    renamed = workbook(
        tmp_path / "c.xlsx", UNIT_HEADER[:5], [["3403", "蚌埠市教育体育局", "市", "340300", "34"]]
    )
    taken = excel.import_units(province.reg, PROVINCE, renamed)
    assert [e.code for e in taken.errors] == ["excel.code_taken"]
    assert "单位名称" in taken.errors[0].message_zh


def test_art28_a_re_run_by_an_actor_who_could_not_add_the_rows_is_refused(
    province: Province, tmp_path: Path
) -> None:
    """Found by the newcomer walkthrough: a school re-importing the units was told
    every row was applied (already present), exit 0: the permission was checked only
    for rows to add."""
    path = workbook(
        tmp_path / "u.xlsx",
        UNIT_HEADER,
        [["340104", "蜀山区教育体育局", "县", "340104", "3401", None]],
    )
    with pytest.raises(AccessDenied):
        excel.import_units(province.reg, school_actor("A"), path)
    classes = workbook(
        tmp_path / "c.xlsx", CLASS_HEADER, [["B-1", "B", "1年级1班", 1, "班主任", "2026-09"]]
    )
    with pytest.raises(AccessDenied):  # B's class, present, re-imported by school A
        excel.import_classes(province.reg, school_actor("A"), classes)


def test_a_sheet_its_header_refuses_holds_every_row_and_hints_at_typos(
    province: Province, tmp_path: Path
) -> None:
    """Found by the newcomer walkthrough: a header typo (学校代玛) said only that the
    column was missing, and the sheet's rows were in none of applied, refused or held."""
    header = ["学校代玛", "班级", "年级", "姓名", "性别", "出生年月", "户籍地区码", "身份证号"]
    path = workbook(tmp_path / "s.xlsx", header, [["A"] * 8, [], ["A"] * 8])
    report = excel.import_students(province.reg, school_actor("A"), path)
    meant = {e.column: e.message_en for e in report.errors if e.code == "excel.unknown_column"}
    assert "'学校代码'" in meant["学校代玛"]
    assert "'出生日期'" in meant["出生年月"]
    assert report.held == (2, 4)  # the blank row 3 is no row
    assert report.rows == 2


def test_art15_the_cli_submits_and_reviews_new_students(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the newcomer walkthrough: the command line stopped at drafts (录入中);
    ``xueji submit`` and ``xueji review`` take them through 新生预审核 (Art 15)."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert cli("init", "--store", url) == 0
    common = ["--store", url, "--today", "2026-09-01"]
    rows = [
        ["34", "安徽省教育厅", "省", "340000", None, None],
        ["3401", "合肥市教育局", "市", "340100", "34", None],
        ["340104", "蜀山区教育体育局", "县", "340104", "3401", None],
    ]
    steps = [
        ("units", workbook(tmp_path / "u.xlsx", UNIT_HEADER, rows), "province:34"),
        (
            "schools",
            workbook(
                tmp_path / "s.xlsx",
                SCHOOL_HEADER,
                [["A", "小学", "340104", "340104", "小学", None, None]],
            ),
            "province:34",
        ),
        (
            "classes",
            workbook(tmp_path / "c.xlsx", CLASS_HEADER, [["A-1", "A", "1班", 1, "王老师", None]]),
            "school:A",
        ),
    ]
    born = D(2020, 3, 1)
    students = [["A", "A-1", 1, n, "男", born, "340104", make_id(born), "sha256:x"] for n in "甲乙"]
    steps.append(("students", workbook(tmp_path / "st.xlsx", STUDENT_HEADER, students), "school:A"))
    for what, path, actor in steps:
        assert cli("import", what, str(path), *common, "--as", actor) == 0
    capsys.readouterr()
    assert cli("review", "--all", *common, "--as", "county:340104") == 2  # nothing yet
    assert "cli.nothing" in capsys.readouterr().err
    assert cli("--json", "submit", "--all-drafts", *common, "--as", "school:A") == 0
    assert [r["allowed"] for r in json.loads(capsys.readouterr().out)] == [True, True]
    assert cli("submit", "S0000001", *common, "--as", "school:A") == 1  # not a draft now
    line = capsys.readouterr().out.splitlines()[1]
    # the library's bilingual message, not the code alone (found by the docs review)
    assert line.startswith("  S0000001: ✗ [transition.refused] 学籍状态")
    assert "does not accept event 'submit'" in line
    assert cli("--json", "submit", "S9999999", *common, "--as", "school:A") == 1
    (row,) = json.loads(capsys.readouterr().out)
    assert row["codes"] == ["not_found.student"]
    assert "S9999999" in row["messages"][0]
    assert "不存在" in row["messages"][0]
    assert cli("review", "--all", *common, "--as", "school:A") == 2  # a school reviews nothing
    assert cli("review", "--all", *common, "--as", "county:340104") == 0
    assert "2 已批准 approved" in capsys.readouterr().out
    store = SqlStore.open(url, existing=True)
    with store.unit_of_work() as uow:
        assert {s.status.value for s in uow.students.by_school("A")} == {"registered"}
    store.engine.dispose()


def test_the_cli_forgets_old_idempotency_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``xueji forget-keys`` removes the records of keyed commands run before a day,
    as the province; a school may not."""
    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    student = p.enroll()
    p.reg.submit(school_actor("A"), student.id, idempotency_key="form-1")
    p.store.engine.dispose()
    common = ["--store", f"sqlite:///{path}", "--before", "2026-09-02"]
    assert cli("forget-keys", *common, "--as", "school:A") == 2
    assert "access" in capsys.readouterr().err
    assert cli("--json", "forget-keys", *common, "--as", "province:34") == 0
    assert json.loads(capsys.readouterr().out) == {"forgotten": 1, "before": "2026-09-02"}
    with SqlStore.sqlite(str(path)).unit_of_work() as uow:
        assert uow.meta.get("idem:form-1") is None
