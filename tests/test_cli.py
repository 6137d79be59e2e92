"""The ``xueji`` command line."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from xueji.cli import main

FULL = "11010519491231002X"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_is_a_deterministic_school_year(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0
    for fragment in (
        "enrolment.too_young",
        "correction.locked",
        "系统默认审批同意（第二十四条）",
        "2025-10-29",  # 20 working days after 25 Sep 2025, across National Day
        "王三休学",
        "保留学籍",
        "陈高三毕业",
        "王三: 在籍 2年级",
    ):
        assert fragment in out, fragment
    assert run(capsys, "demo")[1] == out


@pytest.mark.parametrize("seed", ["0", "7"])
def test_art19_each_demo_line_names_its_article(
    capsys: pytest.CaptureFixture[str], seed: str
) -> None:
    """docs/getting-started-analysts.md says each line of ``make demo`` names the
    article that allowed it; 12 of its 20 ✓ lines named none (found by the explanation
    review). A ✓ line names the basis the registry recorded in the change log for what
    the command wrote (Art 19), a ✗ line the article that refused it."""
    code, out, _ = run(capsys, "demo", "--seed", seed)
    assert code == 0
    marked = [line for line in out.splitlines() if "  ✓ " in line or "  ✗ " in line]
    assert len(marked) >= 20
    cited = re.compile(r" — 皖教基〔2013〕20号 第[一二三四五六七八九十]+条")
    for line in marked:
        assert cited.search(line), line
    assert "正式注册入籍 — 皖教基〔2013〕20号 第十五条" in out
    assert "学籍转入镜湖小学 — 皖教基〔2013〕20号 第二十一条" in out
    assert "在校生升一年级 — 皖教基〔2013〕20号 第十八条第二款" in out


def test_demo_seed_draws_another_deterministic_cast(capsys: pytest.CaptureFixture[str]) -> None:
    code, seven, _ = run(capsys, "demo", "--seed", "7")
    assert code == 0
    assert run(capsys, "demo", "--seed", "7")[1] == seven
    assert seven != run(capsys, "demo")[1]
    assert "王三休学" not in seven
    for fragment in ("enrolment.too_young", "correction.locked", "系统默认审批同意", "保留学籍"):
        assert fragment in seven, fragment


def test_tour_runs_and_masks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tour")
    assert code == 0
    assert "2026-10-29" in out  # 20 working days after 25 Sep 2026, across National Day
    assert FULL not in out
    assert "J340104" in out


def test_id_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "id", "check", FULL, "110105194912310021")
    assert code == 1
    data = json.loads(out)
    assert data[0]["valid"] is True
    assert data[1]["code"] == "id.checksum"
    assert FULL not in out
    assert run(capsys, "id", "check", FULL)[0] == 0
    # 17 digits: the check character left off is given (a clerk making a test number)
    code, out, _ = run(capsys, "--json", "id", "check", FULL[:17])
    assert code == 1
    assert json.loads(out)[0]["check_character"] == FULL[17]


def test_art30_id_and_number_check_show_a_birth_date_only_with_the_number_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found by the privacy review: ``id check`` and ``number check`` printed the birth
    date beside the masked number (``出生 1949-12-31``), and the tour did: the mask
    hides exactly the birth date, so the output gave the number back. The birth date
    is printed only with ``--show-full``, which prints the number whole."""
    from tests.conftest import rebuilt

    g, j = "G" + FULL, "J34010420190501001X"
    for argv in (
        ("id", "check", FULL),
        ("--json", "id", "check", FULL),
        ("number", "check", g, j),
        ("--json", "number", "check", g, j),
        ("tour",),
    ):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert rebuilt(out, of=(FULL, j[1:])) == [], out
        assert "1949-12-31" not in out
    assert "birth_date" not in json.loads(run(capsys, "--json", "id", "check", FULL)[1])[0]
    code, out, _ = run(capsys, "id", "check", FULL, "--show-full")
    assert (code, out.strip()) == (0, f"✓ {FULL}  有效 valid  出生 1949-12-31  性别 F")
    code, out, _ = run(capsys, "--json", "number", "check", g, "--show-full")
    assert json.loads(out)[0] == {
        "valid": True,
        "number": g,
        "kind": "G",
        "area": "110105",
        "birth_date": "1949-12-31",
    }


def test_id_upgrade(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "id", "upgrade", "110105491231002")
    assert (code, out.strip()) == (0, "110105********002X")
    assert run(capsys, "id", "upgrade", "110105491231002", "--show-full")[1].strip() == FULL
    code, _, err = run(capsys, "id", "upgrade", "123")
    assert code == 1
    assert err.count("\n") == 1


def test_number_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "number", "check", "J34010420190501001X", "Q1")
    assert code == 1
    data = json.loads(out)
    assert data[0]["kind"] == "J"
    assert data[1]["code"] == "number.length"


def test_deadline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--json", "deadline", "2026-09-25", "20")
    assert code == 0
    data = json.loads(out)
    assert data["due"] == "2026-10-29"
    assert data["makeup_days_counted"] == ["2026-10-10"]
    code, _, err = run(capsys, "deadline", "2026-12-20", "20")
    assert code == 2
    assert "2027" in err
    assert "Traceback" not in err
    sched = tmp_path / "2027.toml"
    sched.write_text('[2027]\nholidays = ["2027-01-01"]\n', encoding="utf-8")
    code, out, _ = run(capsys, "deadline", "2026-12-20", "20", "--holidays", str(sched))
    assert code == 0
    assert "2027-01-" in out


def test_policy_show(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "policy", "show", "--notes")
    assert code == 0
    assert "第二十四条" in out
    assert "transfer_stage_limit" in out
    code, out, _ = run(capsys, "--json", "policy", "show")
    assert json.loads(out)["transfer_stage_limit"]["value"] == 20
    bad = tmp_path / "bad.toml"
    bad.write_text('base = "nowhere"\ncode = "x"\n', encoding="utf-8")
    code, _, err = run(capsys, "policy", "show", "--policy-file", str(bad))
    assert code == 2
    assert "nowhere" in err
    assert run(capsys, "policy", "show", "--policy", "nowhere")[0] == 2


def test_policy_files_given_in_turn_may_base_on_an_earlier_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A province's later measure written over its earlier one could not be shown or
    used from the command line: ``base`` named only a shipped profile."""
    first, later = tmp_path / "zj-2014.toml", tmp_path / "zj-2026.toml"
    first.write_text('base = "anhui-2013"\ncode = "zj-2014"\n', encoding="utf-8")
    later.write_text(
        'base = "zj-2014"\ncode = "zj-2026"\nvalid_from = 2026-10-01\n'
        '[transfer_stage_limit]\nvalue = 12\narticle = { instrument = "某", number = 21 }\n',
        encoding="utf-8",
    )
    args = ("--json", "policy", "show", "--policy-file", str(first), "--policy-file", str(later))
    code, out, _ = run(capsys, *args)
    assert code == 0
    shown = json.loads(out)
    assert (shown["code"], shown["transfer_stage_limit"]["value"]) == ("zj-2026", 12)
    code, _, err = run(capsys, "policy", "show", "--policy-file", str(later))
    assert code == 2
    assert "zj-2014" in err  # alone, its base is unknown


def test_tables(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "tables")
    assert code == 0
    tables = json.loads(out)
    assert tables[0]["name"] == "student registry"
    assert any(r["event"] == "approve_by_default" for t in tables for r in t["rows"])
    assert "stateDiagram-v2" in run(capsys, "tables")[1]


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["deadline", "not-a-date", "3"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not a date" in err


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        (["deadline", "2026-02-30", "3"], "参数 start 不是日期（YYYY-MM-DD）：'2026-02-30'"),
        (["deadline", "2026-09-30", "-3"], "参数 n：期限至少为1个工作日，不是 -3"),
        (["deadline", "2026-09-30", "abc"], "参数 n 应为整数，不是 'abc'"),
        (
            ["submit", "--all-drafts", "--store", "sqlite:///x.db", "--as", "schoolA"],
            "参数 --as 应为 种类:单位代码",
        ),
        (["tables", "--policy", "nope"], "无法识别的参数：--policy nope"),
        ([], "缺少必需的参数：command"),
        (["import", "nope", "f", "--store", "x", "--as", "school:A"], "参数 what 无效：'nope'"),
        (["deadline", "2026-09-30", "3", "--holidays"], "参数 --holidays 需要一个值"),
        (["--json", "deadline", FULL, "3"], "参数 start 不是日期"),
    ],
)
def test_usage_errors_are_in_chinese_and_english(
    capsys: pytest.CaptureFixture[str], argv: list[str], zh: str
) -> None:
    """Found by the docs review: argparse's messages were English only, not in the
    ``[code] 中文 (English)`` form of every other error. Exit 2, one line, IDs masked."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("xueji: [cli.usage] ")
    assert zh in err
    assert "(usage: " in err
    assert err.count("\n") == 1
    assert FULL not in err


def test_a_plain_value_error_has_a_chinese_half(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from xueji import cli

    def broken(args: object) -> int:
        raise ValueError(f"something odd about {FULL}")

    monkeypatch.setattr(cli, "cmd_tables", broken)
    assert main(["tables"]) == 2
    assert capsys.readouterr().err == (
        "xueji: [cli.invalid_input] 输入无效 (invalid input): something odd about "
        "110105********002X\n"
    )


def test_output_to_a_pipe_its_reader_closed_ends_quietly() -> None:
    """``xueji id check ... | head -1``: the reader went away on purpose; the
    command said ``[io.error] 无法读写文件 ：Broken pipe`` (with no file name) and Python
    could print a second error at exit. Now nothing on stderr, exit 141 (128 + SIGPIPE,
    as a shell reports ``yes | head``)."""
    numbers = ["11010519491231002X"] * 20_000  # far more output than a pipe holds
    proc = subprocess.Popen(
        [sys.executable, "-m", "xueji.cli", "id", "check", *numbers],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    assert proc.stdout.readline()  # one line read, as `head -1` does
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


def test_output_still_buffered_when_the_reader_has_gone_ends_quietly() -> None:
    """Output small enough to sit in Python's buffer until exit was written by the
    flush at exit, past ``main``'s handling: "Exception ignored ... BrokenPipeError"
    and exit 120. ``main`` flushes before it returns now."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    read, write = os.pipe()
    os.close(read)  # the reader is gone before a byte is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "xueji.cli", "id", "check", "11010519491231002X"],
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr.decode()) == (141, "")


def test_a_closed_pipe_is_not_reported_as_a_file_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import xueji.cli

    def closed(*_: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(xueji.cli, "_emit", closed)
    assert main(["tables"]) == xueji.cli.EXIT_PIPE_CLOSED
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("store", "code", "said"),
    [
        ("sqlite:////nonexistent/dir/x.db", "storage.unavailable", "no such database file"),
        ("sqlite:///mistyped.db", "storage.unavailable", "no such database file"),
        (
            "postgresql+psycopg://u:secret@127.0.0.1:1/test",
            "storage.unavailable",
            "cannot open the database postgresql+psycopg://u:***@127.0.0.1:1/test",
        ),
        ("nosuch://x", "storage.bad_url", "unknown kind of database: nosuch://x"),
        ("registry.db", "storage.bad_url", "not a database URL"),
        ("mssql+pymssql://u@127.0.0.1/test", "storage.bad_url", "driver pymssql"),
        (
            "postgresql+psycopg://u:secret@127.0.0.1:abc/db",
            "storage.bad_url",
            "the port of the database URL is not a number: "
            "postgresql+psycopg://u:***@127.0.0.1:abc/db",
        ),
        ("sqlite:///mistyped.db?mode=ro", "storage.bad_url", "SQLite URI options need uri=true"),
        ("sqlite:///mistyped.db?foo=bar", "storage.bad_url", "does not use the URL option foo"),
    ],
)
def test_a_store_that_cannot_be_opened_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: str, code: str, said: str
) -> None:
    out = tmp_path / "r.csv"
    status, _, err = run(
        capsys, "report", "stats", "--out", str(out), "--store", store, "--as", "province:34"
    )
    assert status == 2
    assert err.startswith(f"xueji: [{code}] ")
    assert said in err
    assert "Traceback" not in err
    assert "secret" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert not Path("mistyped.db").exists()  # a report never creates the database


def test_a_relative_sqlite_path_is_shown_resolved(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the Excel audit: ``--store sqlite:///data/x.db`` that is not there said
    only "no such database file: sqlite:///data/x.db"; a clerk who ran the command from
    another directory could not tell where it had looked. The message gives the
    absolute path too (for a file that cannot be created, as well)."""
    work = tmp_path / "教务处"
    work.mkdir()
    monkeypatch.chdir(work)
    url = "sqlite:///data/学籍.db"
    where = str((work / "data" / "学籍.db").resolve())
    out = str(tmp_path / "r.csv")
    for argv in (
        ("report", "stats", "--out", out, "--store", url, "--as", "province:34"),
        ("import", "units", "u.xlsx", "--store", url, "--as", "province:34"),
    ):
        status, _, err = run(capsys, *argv)
        assert status == 2
        assert err == (
            f"xueji: [storage.unavailable] 数据库文件不存在：{url} ({where}) "
            f"(no such database file: {url} ({where}))\n"
        )
    status, _, err = run(capsys, "init", "--store", url)  # its directory is missing
    assert status == 2
    assert f"无法打开数据库 {url} ({where})：unable to open database file" in err
    typed = f"sqlite:///{work / 'x.db'}"  # an absolute path is shown as typed, once
    status, _, err = run(
        capsys, "report", "stats", "--out", out, "--store", typed, "--as", "province:34"
    )
    assert f"no such database file: {typed})" in err


def test_art5_the_national_report_is_written_as_it_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``xueji report national`` hands each record to the file as it is read (a
    province is never held): every record arrives, in CSV and across workbook sheets;
    the read is logged; a write that fails leaves no file, and the read on record."""
    import openpyxl

    from tests.conftest import PROVINCE, Province
    from xueji import excel
    from xueji.statistics import NATIONAL_HEADER, NationalRecord, national_row
    from xueji.storage.sql import SqlStore

    path = tmp_path / "registry.sqlite3"
    p = Province(store=SqlStore.sqlite(path))
    made = {p.register(school, 1).id_number for school in ("A", "A", "B", "W")}
    store = f"sqlite:///{path}"
    out = tmp_path / "national.csv"
    status, said, _ = run(
        capsys, "report", "national", "--out", str(out), "--store", store, "--as", "province:34"
    )
    assert status == 0
    assert "national: 4 行 rows" in said
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(",") == list(NATIONAL_HEADER)
    assert {line.split(",")[1] for line in lines[1:]} == made

    monkeypatch.setattr(excel, "SHEET_ROWS", 3)  # the header and two records a sheet
    book = tmp_path / "national.xlsx"
    argv = ("report", "national", "--out", str(book), "--store", store, "--as", "province:34")
    assert run(capsys, *argv)[0] == 0
    wb = openpyxl.load_workbook(book, read_only=True)
    assert len(wb.sheetnames) == 2
    rows = [r for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    assert {r[1] for r in rows if r[0] != NATIONAL_HEADER[0]} == made
    wb.close()

    reads = sum(1 for e in p.log() if e.command == "read_sensitive")
    target = tmp_path / "x.csv"

    def export() -> None:
        with excel.table_writer(target, "t", NATIONAL_HEADER) as write:

            def sink(r: NationalRecord) -> None:
                write(national_row(r))
                raise OSError("disk full")

            p.reg.national_export_to(PROVINCE, sink)

    with pytest.raises(OSError, match="disk full"):
        export()
    assert not target.exists()
    assert sum(1 for e in p.log() if e.command == "read_sensitive") == reads + 1


def test_ctrl_c_while_the_command_starts_is_one_line_not_a_traceback() -> None:
    """cli.md: errors are one line, exit 130 for Ctrl-C. An interrupt while the command
    line's modules were loading printed the import's traceback. The entry point
    catches it around the import of ``xueji.cli``; here the interrupt is raised as
    ``xueji.cli`` is imported. (The package itself, ``import xueji``, loads before the
    entry point runs: an interrupt in those first tenths of a second is Python's.)"""
    script = (
        "import sys\n"
        "class Stop:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'xueji.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Stop())\n"
        "from xueji.__main__ import main\n"
        "sys.exit(main(['tables']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 130
    assert done.stderr == (
        "xueji: 已中断，未提交的更改未写入 (interrupted: nothing uncommitted was written)\n"
    )


def test_python_dash_m_xueji_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xueji", "deadline", "2026-09-30", "3"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "2026-10-10" in done.stdout


def test_id_upgrade_of_an_18_character_number_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """It said "a 15-digit identity number has 15 digits", as if one had been mistyped."""
    code, _, err = run(capsys, "id", "upgrade", FULL)
    assert code == 1
    assert err == (
        "xueji: [id.length] 110105********002X 已是18位身份号码，无需升级（id check 校验它） "
        "(110105********002X already has 18 characters: there is nothing to upgrade "
        "(id check validates it))\n"
    )
    assert run(capsys, "id", "upgrade", "110105491231002")[:2] == (0, "110105********002X\n")


def test_no_scenario_found_names_the_path_in_both_languages(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "scenario", "run", str(tmp_path))
    assert code == 2
    assert f"{tmp_path} 下没有找到场景文件" in err
    assert f"no scenario files under {tmp_path}" in err


def test_an_unknown_acting_unit_is_named_in_chinese(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``库中没有这一school单位`` had an English word in its Chinese half."""
    store = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["init", "--store", store]) == 0
    for actor, zh in (
        ("school:ZZ", "库中没有这一学校：ZZ"),
        ("county:ZZ", "库中没有这一县级单位：ZZ"),
    ):
        code, _, err = run(capsys, "submit", "--all-drafts", "--store", store, "--as", actor)
        assert code == 2
        assert zh in err


def test_the_tour_masks_every_registry_number_whatever_its_letter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found by the newcomer walkthrough: the tour printed a student's history as
    ``G340104********0015, history J340104202003010015 -> ...``: a J number has the form
    of an identity number (area, birth date, sequence, check digit), and this one was
    the student's. Every registry number the command line prints is masked now, as
    ``number check`` masked them."""
    import re

    code, out, _ = run(capsys, "tour")
    assert code == 0
    assert not re.search(r"[GJL]\d{17}[\dX]", out), out
    assert "J340104202003010015" not in out
    assert "history J340104********0015 -> G340104********0015" in out
    assert "J340104********0015 / J340104********0031" in out  # the twins
    code, out, _ = run(capsys, "number", "check", "J34010420190501001X", "L340104201905010001")
    assert code == 0
    assert "J340104********001X" in out
    assert "L340104********0001" in out


def test_the_system_acts_as_as_system_where_a_command_lets_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the newcomer walkthrough: docs/cli.md said ``forget-keys`` takes ``--as
    system:...``, but every ``system:X`` was refused as ``库中没有这一学校：X (the store
    holds no system 'X')``, its Chinese naming a school. ``--as system`` is the system
    itself (``Actor.system()``); ``system:X`` is a usage error that says so; a command
    the system may not run is refused as access, not as an unknown school."""
    from tests.conftest import Province, school_actor
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    p.reg.submit(school_actor("A"), p.enroll().id, idempotency_key="form-1")
    p.store.engine.dispose()
    store = ["--store", f"sqlite:///{path}"]
    forget = ["forget-keys", "--before", "2026-09-02", *store]
    code, out, err = run(capsys, "--json", *forget, "--as", "system")
    assert code == 0
    assert "no profile is recorded in this store" in err  # (the store's only line there)
    assert json.loads(out) == {"forgotten": 1, "before": "2026-09-02"}
    for typed in ("system:x", "system:system"):
        with pytest.raises(SystemExit) as exc:
            main([*forget, "--as", typed])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("xueji: [cli.usage] 参数 --as：系统以 --as system 执行，不带单位代码")
        assert f"the system acts as --as system, with no unit, not '{typed}'" in err
        assert "学校" not in err
    report = ["report", "stats", "--out", str(tmp_path / "r.csv"), *store, "--as", "system"]
    code, _, err = run(capsys, *report)
    assert code == 2
    assert err.startswith("xueji: [access.denied] ")
    assert "学校" not in err
    assert not (tmp_path / "r.csv").exists()


def test_art15_submit_and_review_say_what_was_done_and_each_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the newcomer walkthrough: a row that went through printed a bare rule
    code (``S0000001: ✓ enrolment.late``), and ``review --reject`` printed exactly what
    an approval did (``1 已办理 done``, ``✓ enrolment.late``): nothing said the request
    was rejected. Each row now says what was done, in Chinese and English, and each
    warning with its message."""
    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    p.enroll()
    p.enroll()
    p.store.engine.dispose()
    common = ["--store", f"sqlite:///{path}", "--today", "2026-10-12"]  # after 30 Sep
    code, out, _ = run(capsys, "submit", "--all-drafts", *common, "--as", "school:A")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "submit: 2 已提交 submitted, 0 未办理 refused"
    # the request opened and the article (found by the CLI-only year review)
    assert lines[1] == "  S0000001: ✓ 已提交 submitted (R0000001) — 皖教基〔2013〕20号 第十五条"
    assert lines[2].startswith("      提示 warning [enrolment.late] ")
    late = lines[2][len("      提示 warning ") :]
    assert "(new-student entry" in late  # the message in both languages, its article
    assert late.endswith("第十五条")
    county = ["--as", "county:340104"]
    code, out, _ = run(capsys, "review", "R0000001", "--reject", "--note", "照片", *common, *county)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "review --reject: 1 已驳回 rejected, 0 未办理 refused"
    assert lines[1] == "  R0000001: ✓ 已驳回 rejected (S0000001) — 皖教基〔2013〕20号 第十五条"
    assert lines[2] == "      提示 warning " + late  # (a decision after 30 Sep: late)
    assert "approved" not in out
    assert "已批准" not in out
    # docs/cli.md shows this output as it is (found by the documentation review: its
    # example left out the warning)
    doc = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "\n".join(lines) in doc
    code, out, _ = run(capsys, "--json", "review", "--all", *common, *county)
    assert code == 0
    (row,) = json.loads(out)
    assert (row["key"], row["done"], row["codes"]) == ("R0000002", "approved", ["enrolment.late"])
    code, out, _ = run(capsys, "review", "R0000002", "--reject", *common, *county)
    assert code == 1  # approved already: the rejection refused, and said so
    assert out.splitlines()[0] == "review --reject: 0 已驳回 rejected, 1 未办理 refused"
    assert out.splitlines()[1].startswith("  R0000002: ✗ [transition.refused] ")


def test_art18_regrade_puts_students_grades_right_by_the_authority(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``xueji regrade`` (Art 18(2), Art 28): the authority puts the named students
    into a class of the grade they belong in; the school may not (its line says so,
    naming the command typed)."""
    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    first, second = p.register("A", 2).id, p.register("A", 2).id
    p.store.engine.dispose()
    common = ["--grade", "3", "--class", "A-3", "--reason", "漏升级"]
    common += ["--store", f"sqlite:///{path}", "--today", "2026-10-12"]
    code, out, _ = run(capsys, "regrade", first, *common, "--as", "school:A")
    assert code == 1
    assert "school:A 无权执行 xueji regrade：" in out
    code, out, _ = run(capsys, "regrade", first, second, *common, "--as", "county:340104")
    assert code == 0, out
    assert out.splitlines()[0] == "regrade: 2 已调整年级 regraded, 0 未办理 refused"
    store = SqlStore.sqlite(str(path))
    with store.unit_of_work() as uow:
        moved = [uow.students.get(s) for s in (first, second)]
    assert [(s.grade, s.class_id) for s in moved if s is not None] == [(3, "A-3")] * 2
    store.engine.dispose()


def test_policy_show_prints_the_profile_s_citations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the newcomer walkthrough: docs/encoding-your-province.md has the analyst
    check "every value and citation" with ``policy show --policy-file ... --notes``, but
    its text left out the ``[citations]`` table (only ``--json`` had it)."""
    mine = tmp_path / "zj.toml"
    mine.write_text(
        'base = "anhui-2013"\ncode = "zj-2027"\n[citations]\n'
        'student = { instrument = "某教基〔2027〕1号", number = 20 }\n'
        '"transfer.approve" = { instrument = "某教基〔2027〕1号", number = 14 }\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "policy", "show", "--policy-file", str(mine), "--notes")
    assert code == 0
    lines = out.splitlines()
    head = lines.index(
        "[citations] 变动流程与命令的条款 (the articles cited for lifecycle steps and commands)"
    )
    assert lines[head + 1].split() == ["student", "某教基〔2027〕1号", "第二十条"]
    assert lines[head + 2].split() == ["transfer.approve", "某教基〔2027〕1号", "第十四条"]
    code, out, _ = run(capsys, "policy", "show", "--policy", "national-2013")
    assert "[citations]" in out
    assert "教基一〔2013〕7号 第十九条" in out  # suspension and resumption (national Art 19)
    code, out, _ = run(capsys, "policy", "show")
    assert (
        "[citations] 无：各步骤引用变动流程表的条款 (none: the steps cite the lifecycle tables' articles)"
        in out
    )


def test_policy_show_lists_what_each_rule_and_access_check_cites(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A province sees which rules it has not yet re-cited: under national-2013 a rule
    it does not re-cite is listed with the Anhui article marked 沿用 (inherited); one it
    re-cites with its own; under Anhui's profile nothing is marked."""
    code, out, _ = run(capsys, "policy", "show", "--policy", "national-2013")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("rule.")}
    assert lines["rule.enrolment.duplicate"].endswith(
        "皖教基〔2013〕20号 第十四条（沿用 anhui-2013）"
    )
    assert lines["rule.dropout.registry_kept"].endswith("教基一〔2013〕7号 第二十二条")
    assert any(
        line.startswith("access.student") and line.endswith("第二十八条（沿用 anhui-2013）")
        for line in out.splitlines()
    )
    # the closing count, in both languages (its English half had no counts)
    zh = re.search(r"沿用 inherited: (\d+) 条规则、(\d+) 项权限", out)
    en = re.search(r"\((\d+) rules and (\d+) access checks still cite anhui-2013", out)
    assert zh is not None
    assert en is not None
    assert zh.groups() == en.groups()
    code, out, _ = run(capsys, "policy", "show")
    assert "rule.enrolment.duplicate" in out
    assert "（沿用" not in out  # (only the header explains the mark)


def test_policy_show_lists_a_rule_that_cites_its_parameter_as_decisions_cite_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the newcomer's review: a profile setting ``class_size_caps`` with its own
    article saw ``rule.class.full`` listed with Anhui's article, marked 沿用, while its
    refusals cited its own (the rule cites its parameter's article); re-citing the rule
    as the checklist says changed nothing. The list now shows what a decision cites."""
    from xueji.decision import Decision
    from xueji.model import SchoolClass
    from xueji.policy import Stage, load_policy
    from xueji.rules._base import cite_decision
    from xueji.rules.enrolment import check_class

    mine = tmp_path / "mine.toml"
    mine.write_text(
        """
base = "anhui-2013"
code = "mine-2027"
name = "某省中小学生学籍管理办法"
instrument = "某教基〔2027〕1号"
valid_from = 2027-09-01
validity_article = { instrument = "某教基〔2027〕1号", number = 40 }

[class_size_caps]
value = { primary = 40, junior = 45, senior = 50, special = 12 }
article = { instrument = "某教基〔2027〕1号", number = 16 }
""",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "policy", "show", "--policy-file", str(mine))
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("rule.")}
    assert lines["rule.class.full"].endswith("某教基〔2027〕1号 第十六条")
    assert lines["rule.enrolment.duplicate"].endswith("第十四条（沿用 anhui-2013）")
    policy = load_policy(mine)
    full = SchoolClass("A-1", "A", "一年级1班", 1, "班主任", dt.date(2027, 9, 1))
    refused = cite_decision(
        check_class(full, school="A", grade=1, stage=Stage.PRIMARY, size=40, policy=policy),
        policy,
    )
    assert isinstance(refused, Decision)
    assert refused.codes == ("class.full",)
    assert lines["rule.class.full"].endswith(str(refused.violations[0].article))


def test_an_access_refusal_names_the_command_typed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the newcomer walkthrough: ``xueji report national --as school:A`` said
    ``school:A 无权执行 national_export_to``, the library's method, not the command the
    clerk typed. The command line names its own command."""
    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    Province(store=SqlStore.sqlite(str(path))).store.engine.dispose()
    out = str(tmp_path / "n.csv")
    store = ["--store", f"sqlite:///{path}"]
    code, _, err = run(capsys, "report", "national", "--out", out, *store, "--as", "school:A")
    assert code == 2
    assert err == (
        "xueji: [access.denied] school:A 无权执行 xueji report national：该类用户不能执行此操作"
        "（皖教基〔2013〕20号 第五条） (school:A may not run xueji report national: this kind "
        "of user may not do this (皖教基〔2013〕20号 第五条))\n"
    )
    forget = ["forget-keys", "--before", "2026-09-02", *store, "--as", "county:340104"]
    code, _, err = run(capsys, *forget)
    assert code == 2
    assert "county:340104 无权执行 xueji forget-keys：" in err
    assert "forget_idempotency_keys" not in err


PROVINCE_TOML = """base = "anhui-2013"
code = "js-2013"
name = "某省办法"
instrument = "某教基〔2013〕1号"
valid_from = 2013-01-01
validity_article = { instrument = "某教基〔2013〕1号", number = 40 }

[new_student_deadline]
value = "10-31"
article = { instrument = "某教基〔2013〕1号", number = 15 }

[maintenance_fee_per_student]
value = "0.8"
article = { instrument = "某教基〔2013〕1号", number = 35 }
"""


def test_store_commands_decide_under_the_profiles_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by a review acting as another province's engineer: every store command
    decided under ANHUI_2013, whatever profile the store was written under (``submit``
    cited 皖教基 第十五条, ``report fee`` billed Anhui's 0.5 where the profile sets 0.8).
    ``--policy-file`` and ``--policy`` (repeatable) give the store's profiles (Art 33)."""
    from tests.conftest import Province
    from xueji.policy import load_policy
    from xueji.storage.sql import SqlStore

    toml = tmp_path / "js.toml"
    toml.write_text(PROVINCE_TOML, encoding="utf-8")
    path = tmp_path / "r.db"
    p = Province(policies=(load_policy(toml),), store=SqlStore.sqlite(str(path)))
    p.enroll()
    p.enroll()
    p.store.engine.dispose()
    common = ["--store", f"sqlite:///{path}", "--today", "2026-10-12"]  # before 31 Oct
    mine = ["--policy-file", str(toml)]
    # under the profile: in time (its deadline is 31 October), no warning
    code, out, _ = run(capsys, "submit", "S0000001", *common, *mine, "--as", "school:A")
    assert code == 0
    assert out.splitlines() == [
        "submit: 1 已提交 submitted, 0 未办理 refused",
        "  S0000001: ✓ 已提交 submitted (R0000001) — 皖教基〔2013〕20号 第十五条（沿用 anhui-2013）",
    ]
    # without it, Anhui's 30 September, as before (and said so in the docs)
    code, out, _ = run(capsys, "submit", "S0000002", *common, "--as", "school:A")
    assert code == 0
    assert "[enrolment.late]" in out
    assert "皖教基〔2013〕20号 第十五条" in out
    review = ["review", "--all", *common, *mine, "--as", "county:340104"]
    code, out, _ = run(capsys, *review)
    assert code == 0
    assert "2 已批准 approved" in out
    fee = ["report", "fee", "--out", str(tmp_path / "fee.csv"), *common]
    code, out, _ = run(capsys, "--json", *fee, *mine, "--as", "province:34")
    assert code == 0
    assert json.loads(out)["fee"] == "1.6"  # two students at the profile's 0.8
    # a shipped profile by its code; an unknown code is one line, exit 2
    code, out, _ = run(capsys, "--json", *fee, "--policy", "anhui-2013", "--as", "province:34")
    assert code == 0
    assert json.loads(out)["fee"] == "1.0"
    code, _, err = run(capsys, *fee, "--policy", "nope", "--as", "province:34")
    assert code == 2
    assert "unknown policy profile 'nope'" in err
    # a bad file is named, before the store is touched
    bad = tmp_path / "bad.toml"
    bad.write_text(PROVINCE_TOML.replace('"10-31"', '"10-32"'), encoding="utf-8")
    code, _, err = run(capsys, *fee, "--policy-file", str(bad), "--as", "province:34")
    assert code == 2
    assert "bad.toml" in err


def test_art33_init_records_the_store_s_profiles_and_later_commands_decide_under_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the CLI review: the store did not record its profiles, so a clerk who
    left out ``--policy-file`` decided under ANHUI_2013 (graduated juniors the profile
    has approved, issued Anhui's numbers, logged Anhui's articles), silently and for
    good. ``xueji init --policy/--policy-file`` records the whole profiles in the
    store; a command with no option decides under them, with others is refused
    (``cli.profile_mismatch``); changing the record needs ``--replace-profiles`` (or
    adds a successor); a store with no record says so on stderr."""
    import sqlite3

    from tests.conftest import Province
    from xueji.policy import load_policy, parse_policy
    from xueji.storage.sql import SqlStore

    toml = tmp_path / "js.toml"
    toml.write_text(PROVINCE_TOML, encoding="utf-8")
    path = tmp_path / "r.db"
    p = Province(policies=(load_policy(toml),), store=SqlStore.sqlite(str(path)))
    p.enroll()
    p.enroll()
    p.store.engine.dispose()
    url = f"sqlite:///{path}"
    common = ["--store", url, "--today", "2026-10-12"]  # before the profile's 31 Oct
    # no record yet: anhui-2013 as before, and a note on stderr says how to record one
    code, out, err = run(capsys, "submit", "S0000001", *common, "--as", "school:A")
    assert code == 0
    assert "[enrolment.late]" in out  # Anhui's 30 September
    assert err.count("\n") == 1
    assert "anhui-2013" in err
    assert "xueji init --store" in err
    assert "no profile is recorded" in err
    # init records the profile as given: the file's text, its code and its digest
    code, out, err = run(capsys, "--json", "init", "--store", url, "--policy-file", str(toml))
    assert code == 0
    assert err == ""
    assert json.loads(out)["profiles"] == ["js-2013"]
    assert json.loads(out)["profiles_change"] == "recorded"
    toml.unlink()  # the later commands need no file
    with sqlite3.connect(path) as db:
        (text,) = db.execute("select value from xueji_meta where key='profiles'").fetchone()
    index = json.loads(text)
    assert [(e["code"], e["file"]) for e in index] == [("js-2013", "js.toml")]
    assert all(e["digest"].startswith("sha256:") for e in index)
    assert index[0]["text"] == PROVINCE_TOML
    assert parse_policy(index[0]["text"]) == p.reg.policies[0]
    # a command with no option decides under the record: in time, no warning, no note
    code, out, err = run(capsys, "submit", "S0000002", *common, "--as", "school:A")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "submit: 1 已提交 submitted, 0 未办理 refused",
        "  S0000002: ✓ 已提交 submitted (R0000002) — 皖教基〔2013〕20号 第十五条（沿用 anhui-2013）",
    ]
    # another profile than the record's: refused before anything is done, naming it
    review = ["review", "--all", *common, "--as", "county:340104"]
    code, out, err = run(capsys, *review, "--policy", "anhui-2013")
    assert (code, out) == (2, "")
    assert err.startswith("xueji: [cli.profile_mismatch] ")
    assert "js-2013" in err
    assert "--replace-profiles" in err
    code, out, _ = run(capsys, *review)
    assert code == 0
    assert "2 已批准 approved" in out
    fee = ["report", "fee", "--out", str(tmp_path / "fee.csv"), *common, "--as", "province:34"]
    code, out, _ = run(capsys, "--json", *fee)
    assert (code, json.loads(out)["fee"]) == (0, "1.6")  # the profile's 0.8
    # a different record needs --replace-profiles, and is said on stdout
    code, out, err = run(capsys, "init", "--store", url, "--policy", "anhui-2013")
    assert code == 2
    assert err.startswith("xueji: [cli.profile_mismatch] ")
    assert json.loads(run(capsys, "--json", *fee)[1])["fee"] == "1.6"  # unchanged
    replace = ["init", "--store", url, "--policy", "anhui-2013", "--replace-profiles"]
    code, out, err = run(capsys, *replace)
    assert (code, err) == (0, "")
    assert "js-2013" in out
    assert "anhui-2013" in out
    assert "replaced" in out
    assert json.loads(run(capsys, "--json", *fee)[1])["fee"] == "1.0"
    # a successor added to the record needs no flag (every recorded profile kept)
    later = tmp_path / "later.toml"
    later.write_text(
        PROVINCE_TOML.replace(
            'base = "anhui-2013"\ncode = "js-2013"', 'base = "anhui-2013"\ncode = "js-2030"'
        ).replace("valid_from = 2013-01-01", "valid_from = 2030-09-01"),
        encoding="utf-8",
    )
    add = ["init", "--store", url, "--policy", "anhui-2013", "--policy-file", str(later)]
    code, out, err = run(capsys, "--json", *add)
    assert (code, err) == (0, "")
    assert json.loads(out)["profiles"] == ["anhui-2013", "js-2030"]
    assert json.loads(out)["profiles_change"] == "added"
    code, out, _ = run(capsys, "--json", "init", "--store", url)
    assert json.loads(out)["profiles"] == ["anhui-2013", "js-2030"]
    assert json.loads(out)["profiles_change"] is None
    # the record holds what was given: a shipped profile by its code (built as this
    # version ships it), a file by its text
    with sqlite3.connect(path) as db:
        (text,) = db.execute("select value from xueji_meta where key='profiles'").fetchone()
    assert [sorted(e) for e in json.loads(text)] == [
        ["code", "digest", "shipped"],
        ["code", "digest", "file", "text"],
    ]
    # a record edited by hand is refused as a corrupt record, not decided under
    with sqlite3.connect(path) as db:
        db.execute("update xueji_meta set value = replace(value, '0.8', '0.1')")
    code, _, err = run(capsys, *fee)
    assert code == 2
    assert err.startswith("xueji: [storage.corrupt] ")


def test_the_date_of_every_writing_command_is_checked_and_not_in_the_future(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the CLI review: the backdating guard ran only for an explicit
    ``--today``: a command dated by the system clock was never checked, and a future
    ``--today`` (2062 for 2026) was accepted and then blocked every later command.
    A ``--today`` after the system date (China time) is refused unless
    ``--future-date-ok`` is given (``cli.today_future``), and every writing command's
    date, the system's too, may not be before the log's last entry, and a report's
    (the reports review: a report that only reads was checked only for a --today)."""
    import sqlite3

    from tests.conftest import Province
    from xueji.clock import SystemClock
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    for _ in range(3):
        p.enroll()
    p.store.engine.dispose()

    def entries() -> int:
        with sqlite3.connect(path) as db:
            (n,) = db.execute("select count(*) from xueji_change_log").fetchone()
        return int(n)

    store = ["--store", f"sqlite:///{path}", "--policy", "anhui-2013"]
    ahead = (SystemClock().today() + dt.timedelta(days=400)).isoformat()
    school = ["--as", "school:A"]
    before = entries()
    code, out, err = run(capsys, "submit", "S0000001", *store, *school, "--today", ahead)
    assert (code, out) == (2, "")
    assert err.startswith("xueji: [cli.today_future] ")
    assert "--future-date-ok" in err
    assert entries() == before  # nothing written
    code, out, _ = run(
        capsys, "submit", "S0000001", *store, *school, "--today", ahead, "--future-date-ok"
    )
    assert code == 0, out
    assert entries() > before
    # the system's date is now before the log's last entry: every writing command
    # dated by it is refused, as one given that --today would be
    before = entries()
    county = ["--as", "county:340104"]
    out_csv = ["--out", str(tmp_path / "n.csv"), "--as", "province:34"]
    for argv in (
        ("submit", "S0000002", *store, *school),
        ("review", "--all", *store, *county),
        ("regrade", "S0000003", "--grade", "2", "--class", "A-2", "--reason", "x", *store, *county),
        ("report", "national", *store, *out_csv),
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert err.startswith("xueji: [cli.today_backwards] "), err
        assert "system date" in err
    assert entries() == before
    assert not (tmp_path / "n.csv").exists()
    # a report that only reads is checked against the log when dated by the system
    # too (found by the reports review: a migrants file dated before a dropout it
    # listed); a future --today is refused it too (found by the CLI-only year review:
    # a fee report headed a year ahead), unless --future-date-ok
    stats = ["report", "stats", "--out", str(tmp_path / "s.csv"), *store, "--as", "province:34"]
    code, _, err = run(capsys, *stats)
    assert code == 2
    assert err.startswith("xueji: [cli.today_backwards] "), err
    assert "system date" in err
    assert not (tmp_path / "s.csv").exists()
    assert run(capsys, *stats, "--today", ahead)[0] == 2
    assert run(capsys, *stats, "--today", ahead, "--future-date-ok")[0] == 0


DEEP = 100_000  # levels of nesting: past Python's recursion limit in every parser


@pytest.mark.parametrize(
    ("name", "text", "argv", "code"),
    [
        ("facts.json", "[" * DEEP + "]" * DEEP, ["transfer", "check", "--file"], "cli.bad_facts"),
        (
            "p.toml",
            "x = " + "[" * DEEP + "]" * DEEP,
            ["policy", "show", "--policy-file"],
            "policy.invalid",
        ),
        (
            "h.toml",
            "[2027]\nholidays = " + "[" * DEEP + "]" * DEEP,
            ["deadline", "2027-01-04", "3", "--holidays"],
            "calendar.bad_schedule",
        ),
    ],
)
def test_a_deeply_nested_input_file_is_a_typed_error_not_a_recursion_error(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    text: str,
    argv: list[str],
    code: str,
) -> None:
    """Found by the CLI review: a facts, policy or holiday file nested deeply raised
    RecursionError, a traceback and exit 1 (which means "refused by a rule"). It is
    the file's typed error, naming the file, exit 2."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    status, out, err = run(capsys, *argv, str(path))
    assert (status, out) == (2, "")
    assert err.startswith(f"xueji: [{code}] "), err[:300]
    assert name in err
    assert "嵌套" in err  # in Chinese, and in English:
    assert "nested too deeply" in err
    assert err.count("\n") == 1


def test_a_deeply_nested_file_is_its_loader_s_typed_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The typed errors belong to the library's loaders (a host calls them too), and a
    scenario nested deeply is malformed (exit 2), not an internal error (exit 1)."""
    from xueji import scenarios, workdays
    from xueji.errors import InvalidPolicy, InvalidSchedule
    from xueji.policy import load_policy, parse_policy

    deep = "[" * DEEP + "]" * DEEP
    (tmp_path / "p.toml").write_text(f"x = {deep}", encoding="utf-8")
    with pytest.raises(InvalidPolicy, match="nested too deeply"):
        load_policy(tmp_path / "p.toml")
    with pytest.raises(InvalidPolicy, match="nested too deeply"):
        parse_policy(f"x = {deep}")
    with pytest.raises(InvalidSchedule, match="nested too deeply"):
        workdays.parse_schedules(f"[2027]\nholidays = {deep}")
    yaml = tmp_path / "d.scenario.yaml"
    yaml.write_text(f"title: x\nsteps: {deep}\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="nested too deeply"):
        scenarios.load(yaml)
    code, out, _ = run(capsys, "scenario", "run", str(yaml))
    assert code == 2
    assert "格式错误 malformed" in out
    assert "RecursionError" not in out


def test_art30_a_file_named_after_an_identity_number_is_masked_in_an_io_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the CLI review: ``io.error`` printed the file's name whole, the only
    message that did not mask (a clerk names a student's file after the number)."""
    missing = tmp_path / f"{FULL}.json"
    code, _, err = run(capsys, "transfer", "check", "--file", str(missing))
    assert code == 2
    assert err.startswith("xueji: [io.error] ")
    assert FULL not in err
    assert "110105********002X.json" in err


TRANSFER = ["--hukou-region", "340104", "--from-school-region", "340104"]
TRANSFER += ["--to-school-region", "340202", "--reason", "job_move"]


@pytest.mark.parametrize(
    ("facts", "key"),
    [
        ({"grade": "abc"}, "grade"),
        ({"grade": 3.7}, "grade"),
        ({"grade": True}, "grade"),
        ({"grade": 99}, "grade"),
        ({"open_transfers": [1]}, "open_transfers"),
        ({"date": "2026-02-30"}, "date"),
        ({"stage": "seniour"}, "stage"),
        ({"to_stages": {"a": 1}}, "to_stages"),
        ({"to_stages": "primary,nope"}, "to_stages"),
        ({"status": "gone"}, "status"),
    ],
)
def test_a_bad_value_in_a_facts_file_is_named_with_its_file_and_key_in_both_languages(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, facts: dict[str, object], key: str
) -> None:
    """Found by the CLI review: a bad value in a facts file was Python's own words in
    both halves (``转学事实有误：invalid literal for int() with base 10: 'abc'``), naming
    neither the file nor the key. Each is said in Chinese and English, with both."""
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    code, out, err = run(capsys, "transfer", "check", "--file", str(path), *TRANSFER)
    assert (code, out) == (2, "")
    assert err.startswith("xueji: [cli.bad_facts] 转学事实有误：")
    zh, en = err.split(" (bad transfer facts: ", 1)
    for half in (zh, en):
        assert "facts.json" in half
        assert key in half
    for python in ("invalid literal", "is not a valid", "grades run", "out of range"):
        assert python not in err
    assert err.count("\n") == 1


def test_a_facts_file_not_in_utf8_a_directory_and_a_workbook_that_is_a_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the CLI review: a facts file in GBK was ``输入无效 (invalid input):
    'utf-8' codec can't decode ...`` (no code, no file), a directory given as a file
    was ``Is a directory`` in the Chinese half, and a directory imported as a workbook
    was openpyxl's English in both halves."""
    gbk = tmp_path / "gbk.json"
    gbk.write_bytes('{"stated_reason": "离家近"}'.encode("gbk"))
    code, _, err = run(capsys, "transfer", "check", "--file", str(gbk), *TRANSFER)
    assert code == 2
    assert err.startswith("xueji: [cli.bad_facts] ")
    assert "gbk.json" in err
    assert "UTF-8" in err
    assert "codec" not in err
    code, _, err = run(capsys, "transfer", "check", "--file", str(tmp_path), *TRANSFER)
    assert code == 2
    assert err.startswith("xueji: [io.error] ")
    zh, en = err.split(" (cannot read or write ", 1)
    assert "Is a directory" not in zh
    assert "目录" in zh
    assert "Is a directory" in en
    path = tmp_path / "r.db"
    assert main(["init", "--store", f"sqlite:///{path}"]) == 0
    capsys.readouterr()
    store = ["--store", f"sqlite:///{path}", "--as", "province:34"]
    code, _, err = run(capsys, "import", "units", str(tmp_path), *store)
    assert code == 2
    assert err.startswith("xueji: [excel.unreadable] ")
    assert "目录" in err
    assert "a directory" in err
    assert "openpyxl" not in err


def test_a_negative_count_is_bad_input_not_a_refusal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the CLI review: ``transfer check --open-transfers -5`` was judged, and
    refused by a rule (exit 1): a negative count is bad input, exit 2, as a flag
    (``cli.usage``) or in a facts file (``cli.bad_facts``); and ``regrade --grade -5``
    was refused student by student (exit 1), where the grade is bad usage."""
    with pytest.raises(SystemExit) as exc:
        main(["transfer", "check", *TRANSFER, "--open-transfers", "-5"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("xueji: [cli.usage] 参数 --open-transfers ")
    assert "-5" in err
    path = tmp_path / "facts.json"
    path.write_text('{"open_transfers": -1}', encoding="utf-8")
    code, out, err = run(capsys, "transfer", "check", "--file", str(path), *TRANSFER)
    assert (code, out) == (2, "")
    assert err.startswith("xueji: [cli.bad_facts] ")
    assert "open_transfers in" in err
    none = ["--open-transfers", "0", "--date", "2026-09-10"]  # (in the window)
    code, _, _ = run(capsys, "transfer", "check", *TRANSFER, *none)
    assert code == 0
    regrade = ["regrade", "S1", "--class", "A-1", "--reason", "x", "--store", "sqlite:///x.db"]
    for grade in ("-5", "0", "13"):
        with pytest.raises(SystemExit) as exc:
            main([*regrade, "--as", "county:340104", "--grade", grade])
        assert exc.value.code == 2
        assert capsys.readouterr().err.startswith("xueji: [cli.usage] 参数 --grade：年级应为1至12")


def test_submit_all_drafts_is_a_school_s_and_says_so_to_another_actor(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the CLI review: ``submit --all-drafts --as county:340104`` said
    ``[not_found.school] 学校 340104 不存在``: the county was looked up as a school. A
    unit (or the system) is told that ``--all-drafts`` submits a school's drafts."""
    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    Province(store=SqlStore.sqlite(str(path))).store.engine.dispose()
    submit = ["submit", "--all-drafts", "--store", f"sqlite:///{path}"]
    for actor in ("county:340104", "province:34", "system"):
        code, out, err = run(capsys, *submit, "--as", actor)
        assert (code, out) == (2, ""), actor
        assert err.startswith("xueji: [cli.not_a_school] "), err
        assert "--all-drafts" in err
        assert "学校" in err
        assert "school" in err
        assert "not_found" not in err


def test_art30_store_commands_mask_with_the_profile_s_id_mask(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A store command printed identity numbers with the library's default mask (the
    first 6 and last 4: region and sex) where the profile sets a stricter
    ``id_mask``; docs/privacy.md listed it as a limit. The command line has the
    profile at hand: what a store command prints is masked with its mask, a message
    the library masked with the default masked again (which only hides more)."""
    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    strict = tmp_path / "strict.toml"
    strict.write_text(
        PROVINCE_TOML
        + '\n[id_mask]\nvalue = { head = 0, tail = 2, fill = "*" }\n'
        + 'article = { instrument = "某教基〔2013〕1号", number = 30 }\n',
        encoding="utf-8",
    )
    path = tmp_path / "r.db"
    Province(store=SqlStore.sqlite(str(path))).store.engine.dispose()
    store = ["--store", f"sqlite:///{path}", "--today", "2026-10-12"]
    assert main(["init", *store[:2], "--policy-file", str(strict)]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "submit", FULL, *store, "--as", "school:A")
    assert code == 1
    assert "****************2X" in out
    assert "110105" not in out
    code, out, _ = run(capsys, "--json", "submit", FULL, *store, "--as", "school:A")
    assert "****************2X" in out
    assert "110105" not in out
    code, _, err = run(capsys, "submit", "--all-drafts", *store, "--as", f"school:{FULL}")
    assert code == 2
    assert "****************2X" in err
    assert "110105" not in err
    # a number written in groups (found by the merge review: kept its region and sex)
    code, out, _ = run(capsys, "submit", "110105-19491231-002X", *store, "--as", "school:A")
    assert code == 1
    assert "******-********-**2X" in out
    assert "110105" not in out
    assert "002X" not in out
    # under the default mask, as before
    assert main(["init", *store[:2], "--policy", "anhui-2013", "--replace-profiles"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "submit", FULL, *store, "--as", "school:A")
    assert "110105********002X" in out


def _transfer_store(path: Path, policies: tuple[Any, ...]) -> str:
    """A store written under ``policies`` holding a transfer filed on 10 September 2026
    (its first stage long past its deadline by 1 December); its URL."""
    from tests.conftest import Province, school_actor
    from xueji.model import TransferReason
    from xueji.storage.sql import SqlStore

    p = Province(policies=policies, store=SqlStore.sqlite(str(path)))
    s = p.register("A", 1)
    p.at(dt.date(2026, 9, 10))
    out = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    )
    assert out.allowed, out.decision
    p.store.engine.dispose()
    return f"sqlite:///{path}"


def _log_commands(path: Path) -> list[str]:
    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(str(path))
    try:
        with store.reading() as uow:
            return [e.command for e in uow.log.stream()]
    finally:
        store.engine.dispose()


def test_art24_xueji_sweep_decides_under_the_store_s_recorded_profiles(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the documentation review: the only way to run the deadline sweep from
    the command line was a Python one-liner building ``Registry(store)``, which decided
    under ``anhui-2013`` whatever ``xueji init --policy`` had recorded: on a store
    recorded ``national-2013`` (no default approval, Art 33) it wrote three default
    approvals. ``xueji sweep`` runs ``advance_clock`` under the recorded profiles,
    dated and checked as the other writing commands."""
    from xueji.policy import ANHUI_2013, NATIONAL_2013

    nat = _transfer_store(tmp_path / "nat.db", (NATIONAL_2013,))
    assert main(["init", "--store", nat, "--policy", "national-2013"]) == 0
    capsys.readouterr()
    sweep = ["sweep", "--today", "2026-12-01", "--as", "system"]
    code, out, err = run(capsys, *sweep, "--store", nat)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "sweep 2026-12-01: 0 项已默认审批 requests approved by default, 0 个阶段 stages"
    )
    assert "national-2013" in out  # why none: the profile approves nothing by default
    assert "approve_by_default_transfer" not in _log_commands(tmp_path / "nat.db")
    # under anhui-2013, recorded: the two stages past their 20 working days approved
    # by default, the request said
    anh = _transfer_store(tmp_path / "anh.db", (ANHUI_2013,))
    assert main(["init", "--store", anh, "--policy", "anhui-2013"]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "--json", *sweep, "--store", anh)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["today"] == "2026-12-01"
    assert [(r["request"], r["kind"], r["state"]) for r in data["advanced"]] == [
        ("R0000002", "transfer", "at_sending_school")
    ]
    assert _log_commands(tmp_path / "anh.db").count("approve_by_default_transfer") == 2
    code, out, _ = run(capsys, *sweep, "--store", anh)  # idempotent: nothing more
    assert code == 0
    assert out.splitlines()[0].startswith("sweep 2026-12-01: 0 ")
    # as the others: a school may not (Art 24: the province or the system), and the
    # date may not go back before the log's last entry
    code, _, err = run(capsys, "sweep", "--store", anh, "--as", "school:A", "--today", "2026-12-01")
    assert code == 2
    assert "school:A 无权执行 xueji sweep" in err
    code, _, err = run(capsys, "sweep", "--store", anh, "--as", "system", "--today", "2026-09-02")
    assert code == 2
    assert err.startswith("xueji: [cli.today_backwards] ")


def test_art18_xueji_rollover_runs_the_school_year_s_rollover_under_the_recorded_profiles(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the documentation review: the command line alone could not finish a
    school year: no sub-command ran the rollover. ``xueji rollover YEAR`` does, under
    the store's recorded profiles (national-2013's date is 10 August, Anhui's 1
    August), dated and checked as the other writing commands."""
    from tests.conftest import Province
    from xueji.policy import NATIONAL_2013
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(policies=(NATIONAL_2013,), store=SqlStore.sqlite(str(path)))
    first = p.register("A", 1).id
    p.store.engine.dispose()
    url = f"sqlite:///{path}"
    assert main(["init", "--store", url, "--policy", "national-2013"]) == 0
    capsys.readouterr()
    common = ["--store", url, "--future-date-ok", "--as", "province:34"]
    before = len(_log_commands(path))
    # 5 August: Anhui's date has passed, not the recorded profile's 10 August
    code, out, err = run(capsys, "rollover", "2027", *common, "--today", "2027-08-05")
    assert (code, err) == (1, "")
    assert out.splitlines()[0].startswith("rollover 2027: ✗ [rollover.date] ")
    assert len(_log_commands(path)) == before  # nothing written
    code, out, err = run(capsys, "rollover", "2027", *common, "--today", "2027-08-10")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    # with the basis its log entry records (found by the CLI-only year review)
    assert (
        lines[0]
        == "rollover 2027: ✓ 已升级 done (2027-08-10) — 教基一〔2013〕7号（全国学籍系统日历）"
    )
    assert "  升级 promoted: 1" in lines
    store = SqlStore.sqlite(str(path))
    with store.reading() as uow:
        moved = uow.students.get(first)
    store.engine.dispose()
    assert moved is not None
    assert moved.grade == 2
    # run again: nothing more, and said so
    code, out, _ = run(capsys, "--json", "rollover", "2027", *common, "--today", "2027-08-10")
    assert code == 0
    assert json.loads(out)["already_run"] is True
    assert _log_commands(path).count("rollover") == 1
    # a school may not (Art 18(2): the province, province-wide)
    code, _, err = run(
        capsys,
        "rollover",
        "2027",
        "--store",
        url,
        "--as",
        "school:A",
        "--today",
        "2027-08-10",
        "--future-date-ok",
    )
    assert code == 2
    assert "school:A 无权执行 xueji rollover" in err


def test_art18_review_decides_any_request_at_the_actor_s_stage_and_kind_picks_the_inbox(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the documentation review: a senior-high graduation imported from a
    workbook waits for the authority's approval (Art 18), but ``review --all`` took
    only new-student reviews (``cli.nothing``) and nothing said that ``review ID``
    decides it; the import's summary did not show the request's id. ``review --all
    --kind graduation`` takes the graduations waiting for the actor; the summary names
    each request opened."""
    pytest.importorskip("openpyxl")
    import openpyxl

    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    s = p.register("H", 12)
    p.store.engine.dispose()
    book = tmp_path / "毕业.xlsx"
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.active.append(["学校代码", "身份证号", "毕结业"])
    wb.active.append(["H", s.id_number, "毕业"])
    wb.save(book)
    common = ["--store", f"sqlite:///{path}", "--today", "2027-06-20", "--future-date-ok"]
    code, out, _ = run(capsys, "import", "graduation", str(book), *common, "--as", "school:H")
    assert code == 0
    assert "R0000002" in out  # the request opened, named on screen
    assert "xueji review" in out
    # imported again while the request is open: present, not applied again (found by
    # the review: it said "1 已导入 applied" though nothing new was written)
    code, out, _ = run(capsys, "import", "graduation", str(book), *common, "--as", "school:H")
    assert code == 0
    assert out.splitlines()[0].endswith(
        "1 行 rows, 0 已导入 applied, 1 已存在 already present, 0 有错 refused, 0 未导入 held"
    )
    city = ["--as", "city:3401"]
    code, _, err = run(capsys, "review", "--all", *common, *city)
    assert code == 2  # (new-student reviews, as before: none waits for the city)
    assert err.startswith("xueji: [cli.nothing] ")
    code, out, _ = run(capsys, "review", "--all", "--kind", "graduation", *common, *city)
    assert code == 0, out
    assert out.splitlines()[:2] == [
        "review: 1 已批准 approved, 0 未办理 refused",
        "  R0000002: ✓ 已批准 approved (S0000001) — 皖教基〔2013〕20号 第十八条",
    ]
    store = SqlStore.sqlite(str(path))
    with store.unit_of_work() as uow:
        graduated = uow.students.get(s.id)
    store.engine.dispose()
    assert graduated is not None
    assert graduated.status.value == "graduated"
    with pytest.raises(SystemExit) as exc:
        main(["review", "--all", "--kind", "nope", *common, *city])
    assert exc.value.code == 2


def test_art32_a_store_command_logs_the_person_who_ran_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the privacy review: every entry the command line wrote had the actor
    name "xueji cli", so the log could not say which person acted (Arts 31, 32: 主管人员
    are held to account). ``--operator NAME`` names the person; without it the name is
    the operating-system user (``getpass.getuser()``), or "xueji cli" where there is
    none. A name that is empty or holds a control character is refused (exit 2)."""
    import getpass

    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    for _ in range(3):
        p.enroll()
    p.store.engine.dispose()
    common = ["--store", f"sqlite:///{path}", "--today", "2026-09-20", "--as", "school:A"]

    def logged() -> str:
        return p.log()[-1].actor_name

    code, _, _ = run(capsys, "submit", "S0000001", *common, "--operator", "王老师")
    assert code == 0
    assert logged() == "王老师"
    monkeypatch.setattr(getpass, "getuser", lambda: "wang")
    assert run(capsys, "submit", "S0000002", *common)[0] == 0
    assert logged() == "wang"

    def no_user() -> str:
        raise OSError("no user")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert run(capsys, "submit", "S0000003", *common)[0] == 0
    assert logged() == "xueji cli"
    county = ["--store", f"sqlite:///{path}", "--today", "2026-09-21", "--as", "county:340104"]
    code, _, _ = run(capsys, "review", "R0000001", *county, "--operator", "李科长")
    assert code == 0
    assert logged() == "李科长"
    for bad in ("", "  ", "a\nb", "a\x00b", "a\udcffb"):
        with pytest.raises(SystemExit) as stop:
            main(["submit", "--all-drafts", *common, "--operator", bad])
        assert stop.value.code == 2
        assert "--operator" in capsys.readouterr().err


def test_usage_errors_name_the_option_in_chinese_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Review finding: a missing ``--approve``/``--reject`` (a required group), a
    ``transfer out`` with neither ``--to-school-name`` nor ``--destination``, and an
    empty ``--operator`` were said in Chinese as "命令行用法有误（见 xueji --help）",
    the English naming the option: the Chinese names it too."""
    store = ["--store", f"sqlite:///{tmp_path / 'x.db'}", "--as", "school:A"]
    for argv, zh in (
        (["transfer", "decide", "R1", *store], "须给出其中一个参数：--approve --reject"),
        (
            ["transfer", "out", "S1", "--reason", "r", *store],
            "须给出其中一个参数：--to-school-name --destination",
        ),
        (
            ["pending", *store, "--operator", ""],
            "参数 --operator：应为经办人姓名，不能为空、不含控制字符，不是 ''",
        ),
    ):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(f"xueji: [cli.usage] {zh}"), err
        assert "命令行用法有误" not in err


@pytest.mark.parametrize(
    ("argv", "article", "one"),
    [
        (["suspend"], "Art 26", "1 refused by a rule"),
        (["sweep"], "Art 24", None),
        (["pending"], "Art 28", None),
        (["transfer", "decide"], "Art 21", "1 refused by a rule"),
        (["rollover"], "Art 18", "1 refused by a rule"),
        (["history"], "Arts 19, 31", None),
        (["verify"], "Arts 31, 32", "1 the change log does not verify"),
    ],
)
def test_a_sub_command_s_help_describes_it_with_its_articles_and_exit_codes(
    capsys: pytest.CaptureFixture[str], argv: list[str], article: str, one: str | None
) -> None:
    """Review finding: ``xueji suspend --help`` (and ``sweep``, ``pending``,
    ``transfer decide``) printed usage and options only: each sub-command's help
    starts with what it does, naming its articles, and ends with its exit codes (1
    only where the command has it). The ``--as`` help named ``system`` for
    forget-keys only; sweep, rollover and verify take it too."""
    with pytest.raises(SystemExit) as e:
        main([*argv, "--help"])
    assert e.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert article in out.split("options:")[0], out
    codes = out.split("exit codes:")[1]
    assert codes.startswith(" 0 "), out
    assert (one is None) == (" 1 " not in codes), codes
    assert one is None or one in codes
    assert " 2 " in codes
    if argv[0] in ("sweep", "rollover", "verify"):
        assert "or system (forget-keys, sweep, rollover, verify)" in out, out


def test_policy_show_marks_parameters_inherited_from_the_base(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found by the analysts' review: under national-2013 a parameter it does not set
    showed Anhui's article bare, where the [rules] list says （沿用 anhui-2013）."""
    code, out, _ = run(capsys, "policy", "show", "--policy", "national-2013")
    assert code == 0
    params = out.split("[citations]", 1)[0]
    assert "皖教基〔2013〕20号 第二十五条第二款（沿用 anhui-2013）" in params
    assert "transfer_blackout" in params
    assert "全国学籍系统日历" in params
    code, out, _ = run(capsys, "policy", "show")
    assert "沿用" not in out.split("[citations]", 1)[0]


def test_a_transfer_reason_is_listed_with_its_chinese_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found by the analysts' review: ``--reason 随迁`` listed the values in English
    only; they are listed with their Chinese names, which are taken too."""
    with pytest.raises(SystemExit):
        main(["transfer", "file", "S1", "--to-school", "B", "--to-class", "B-1",
              "--reason", "随迁", "--store", "sqlite://", "--as", "school:B"])  # fmt: skip
    err = capsys.readouterr().err
    assert "job_move（工作调动）" in err
    assert "other（其他）" in err
    from xueji.model import transfer_reason

    assert transfer_reason("户籍变动") == "hukou_change"
    assert transfer_reason("hukou_change") == "hukou_change"
    assert transfer_reason("随迁") is None


def test_art25_transfer_check_reads_a_county_directly_under_the_province_as_its_own_city(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the transfer review: ``transfer check`` read a school of 广德 (341882, a
    county directly under the province, 省直管县) as 宣城's (3418) by its first four
    digits, and refused a move from it into 宣州 for a 宣州 户籍
    ``transfer.same_city_choice`` (Art 25), where the registry, whose unit tree says
    广德 is under the province, allows it. ``--direct-county CODE`` (repeatable; the
    facts file's ``direct_counties``) names such a county: its schools are its own
    city, and a 户籍 of it is not the prefecture's."""
    what = ["--date", "2026-09-07", "--reason", "other", "--stated-reason", "择校"]
    move = ["--hukou-region", "341802", "--from-school-region", "341882"]
    move += ["--to-school-region", "341802", *what]
    code, out, _ = run(capsys, "transfer", "check", *move)  # (no flag: 宣城's, as before)
    assert code == 1
    assert "transfer.same_city_choice" in out
    code, out, _ = run(capsys, "--json", "transfer", "check", *move, "--direct-county", "341882")
    assert code == 0, out
    assert json.loads(out)["allowed"] is True
    # within 广德, for a 广德 户籍: choosing (its own city), as the registry reads it
    inside = ["--hukou-region", "341882", "--from-school-region", "341882"]
    inside += ["--to-school-region", "341882", *what]
    code, out, _ = run(capsys, "transfer", "check", *inside, "--direct-county", "341882")
    assert code == 1
    assert "transfer.same_city_choice" in out
    # within 宣州 for a 广德 户籍: not of 宣城, not choosing (the registry allows it)
    other = ["--hukou-region", "341882", "--from-school-region", "341802"]
    other += ["--to-school-region", "341802", *what]
    assert run(capsys, "transfer", "check", *other)[0] == 1  # (宣城's without the flag)
    assert run(capsys, "transfer", "check", *other, "--direct-county", "341882")[0] == 0
    # the facts file's key, a list or comma-separated; a bad code is named
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"direct_counties": ["341882"]}), encoding="utf-8")
    assert run(capsys, "transfer", "check", "--file", str(path), *move)[0] == 0
    path.write_text(json.dumps({"direct_counties": "341882,340881"}), encoding="utf-8")
    assert run(capsys, "transfer", "check", "--file", str(path), *move)[0] == 0
    path.write_text(json.dumps({"direct_counties": ["3418x2"]}), encoding="utf-8")
    code, out, err = run(capsys, "transfer", "check", "--file", str(path), *move)
    assert (code, out) == (2, "")
    assert "direct_counties" in err
    code, out, err = run(capsys, "transfer", "check", *move, "--direct-county", "341800")
    assert (code, out) == (2, "")
    assert "--direct-county" in err
