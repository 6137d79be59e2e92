"""The ``xueji`` command line of a county that has nothing else: what its commands say
(request ids, students, the article of each decision) and the read-only commands
(``pending``, ``history``, ``verify``, ``detect``). Found by the CLI-only school-year
review."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from xueji.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _store(path: Path, drafts: int = 2, registered: int = 0) -> tuple[Any, str]:
    """A small province on SQLite (tests.conftest.Province) with ``drafts`` new
    students entered at school A and ``registered`` registered there; its URL."""
    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    p = Province(store=SqlStore.sqlite(str(path)))
    for _ in range(registered):
        p.register("A", 1)
    for _ in range(drafts):
        p.enroll()
    p.store.engine.dispose()
    return p, f"sqlite:///{path}"


def _entries(path: Path) -> list[Any]:
    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(str(path))
    try:
        with store.reading() as uow:
            return list(uow.log.stream())
    finally:
        store.engine.dispose()


def test_every_report_refuses_a_future_today_unless_future_date_ok(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Finding 1: the reports that only read (stats, fee, migrants, classlist)
    accepted a --today after today's date without --future-date-ok: the fee report
    was written headed with a future date, billing today's students, though
    docs/cli.md says every store command including report exits 2 for it."""
    from xueji.clock import SystemClock

    _, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    ahead = (SystemClock().today() + dt.timedelta(days=400)).isoformat()
    common = ["--store", url, "--as", "province:34", "--today", ahead]
    for what, extra in (
        ("stats", []),
        ("fee", []),
        ("migrants", ["--start", "2026-09-01", "--end", "2027-01-31"]),
        ("classlist", ["--school", "A"]),
    ):
        out_file = tmp_path / f"{what}.csv"
        argv = ["report", what, "--out", str(out_file), *extra, *common]
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), what
        assert err.startswith("xueji: [cli.today_future] "), err
        assert not out_file.exists()
        code, _, err = run(capsys, *argv, "--future-date-ok")
        assert code == 0, err
        assert out_file.exists()


def test_every_report_dated_by_the_system_refuses_a_day_before_the_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the reports review: a report that only reads (stats, fee, migrants,
    classlist) was checked against the log only for an explicit --today, so one run
    with the system's date behind the log (a dropout approved 2026-12-21 listed in a
    migrants file dated 2026-12-02) was written dated before what it showed. Every
    report's date, the system's too, is refused before the day the registry last ran
    at (``cli.today_backwards``), as ``report national``'s is."""
    from xueji.clock import SystemClock

    _, url = _store(tmp_path / "r.db", drafts=1, registered=1)
    ahead = (SystemClock().today() + dt.timedelta(days=20)).isoformat()
    later = ["--today", ahead, "--future-date-ok"]
    code, _, err = run(capsys, "submit", "S0000002", "--store", url, "--as", "school:A", *later)
    assert code == 0, err
    common = ["--store", url, "--as", "province:34"]
    for what, extra in (
        ("stats", []),
        ("fee", []),
        ("migrants", ["--start", "2026-09-01", "--end", "2027-01-31"]),
        ("classlist", ["--school", "A"]),
    ):
        out_file = tmp_path / f"{what}.csv"
        argv = ["report", what, "--out", str(out_file), *extra, *common]
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), what
        assert err.startswith("xueji: [cli.today_backwards] "), err
        assert "system date" in err
        assert not out_file.exists()
        assert run(capsys, *argv, *later)[0] == 0, what  # dated on or after: written
        assert out_file.exists()


def test_history_verify_and_detect_check_the_system_date_against_the_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the leftovers review: ``history``, ``verify`` and ``detect`` were
    checked against the log only for an explicit --today, while the reports check
    every date: one run with the system's date behind the log was headed with a day
    before what it read. Their date, the system's too, is now refused before the day
    the registry last ran at (``cli.today_backwards``), as a report's is; dated on or
    after, they run."""
    from xueji.clock import SystemClock

    _, url = _store(tmp_path / "h.db", drafts=1, registered=1)
    ahead = (SystemClock().today() + dt.timedelta(days=20)).isoformat()
    later = ["--today", ahead, "--future-date-ok"]
    code, _, err = run(capsys, "submit", "S0000002", "--store", url, "--as", "school:A", *later)
    assert code == 0, err
    common = ["--store", url, "--as", "province:34"]
    for argv in (["history", "S0000001"], ["verify"], ["detect"]):
        code, out, err = run(capsys, *argv, *common)
        assert (code, out) == (2, ""), argv
        assert err.startswith("xueji: [cli.today_backwards] "), err
        assert "system date" in err
        assert run(capsys, *argv, *common, *later)[0] == 0, argv


def test_the_migrants_report_says_on_screen_and_in_json_that_it_is_not_final(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the reports review: a migrants summary taken before its term's end
    says in the file that it is not the term's final summary, but neither the screen
    nor ``--json`` said so (the fee's October note is printed). It is printed as a
    note and carried in the JSON's ``warnings``."""
    from xueji.clock import SystemClock

    _, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    end = SystemClock().today() + dt.timedelta(days=30)
    term = ["--start", (end - dt.timedelta(days=150)).isoformat(), "--end", end.isoformat()]
    argv = ["report", "migrants", "--out", str(tmp_path / "m.csv"), *term]
    argv += ["--store", url, "--as", "province:34"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "  注意 note: 学期 " in out
    assert "此表不是本学期的最终汇总" in out
    assert "this is not the term's final summary" in out
    code, out, err = run(capsys, "--json", *argv)
    assert code == 0, err
    data = json.loads(out)
    assert len(data["warnings"]) == 1
    assert "not the term's final summary" in data["warnings"][0]
    file_notes = (tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    assert f"# 注意 warning: {data['warnings'][0]}" in file_notes


def test_rollover_json_counts_are_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Finding 9: ``rollover --json`` gave its counts as strings ("5"), as the log
    entry keeps them."""
    _, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    common = ["--store", url, "--as", "province:34", "--future-date-ok", "--today", "2027-08-01"]
    code, out, _ = run(capsys, "--json", "rollover", "2027", *common)
    assert code == 0
    counts = json.loads(out)["counts"]
    assert counts["promoted"] == 1
    assert all(type(v) is int for v in counts.values()), counts
    code, out, _ = run(capsys, "--json", "rollover", "2027", *common)  # run already
    assert json.loads(out)["counts"]["promoted"] == 1


def test_review_ids_with_an_explicit_kind_refuses_another_kind(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Finding 4: ``review ID --kind graduation`` ignored --kind and approved a
    new-student review. An id whose request is not of the --kind given is refused on
    its line (cli.bad_input), nothing decided; without --kind, any kind, as before."""
    _, url = _store(tmp_path / "r.db", drafts=1)
    common = ["--store", url, "--today", "2026-09-10"]
    assert run(capsys, "submit", "S0000001", *common, "--as", "school:A")[0] == 0
    county = [*common, "--as", "county:340104"]
    before = len(_entries(tmp_path / "r.db"))
    code, out, _ = run(capsys, "review", "R0000001", "--kind", "graduation", *county)
    assert code == 1
    assert "R0000001: ✗ [cli.bad_input] " in out
    assert "graduation" in out
    assert len(_entries(tmp_path / "r.db")) == before  # nothing decided
    code, out, _ = run(capsys, "review", "R0000001", "--kind", "new_student", *county)
    assert code == 0, out


def test_import_info_again_counts_the_rows_already_recorded_as_present(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Finding 6: ``import info`` run again said its rows were applied: the summary
    counted as present only notes starting 已存在, and an info row's note ends
    (已有相同条目 already recorded). Each applied row carries ``present`` (the JSON
    too); the summary counts those apart, as docs/cli.md promises."""
    pytest.importorskip("openpyxl")
    import openpyxl

    p, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    book = tmp_path / "info.xlsx"
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.active.append(["学校代码", "学籍号", "信息类别", "日期", "内容"])
    number = p.reg.student(p.authority_of("A"), "S0000001").registry_number
    wb.active.append(["A", number, "奖励", "2026-09-05", "三好学生"])
    wb.active.append(["A", number, "成绩", "2026-09-06", "期中考试"])
    wb.save(book)
    common = ["--store", url, "--today", "2026-09-10", "--as", "school:A"]
    code, out, _ = run(capsys, "import", "info", str(book), *common)
    assert code == 0
    assert "2 已导入 applied, 0 有错" in out.splitlines()[0]
    code, out, _ = run(capsys, "import", "info", str(book), *common)
    assert code == 0
    assert out.splitlines()[0].endswith(
        "2 行 rows, 0 已导入 applied, 2 已存在 already present, 0 有错 refused, 0 未导入 held"
    )
    code, out, _ = run(capsys, "--json", "import", "info", str(book), *common)
    assert [a["present"] for a in json.loads(out)["applied"]] == [True, True]


ART15 = "皖教基〔2013〕20号 第十五条"


def test_submit_and_review_lines_link_request_and_student_and_cite_the_article(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Findings 3 and 8: ``submit`` printed the student ids only and ``review`` the
    request ids only, so nothing on the command line linked a student to the request
    to review; and a decision that went through cited no article. Each success line
    names the other id and ends with the basis its log entry records; ``--json``
    rows carry ``request``, ``student`` and ``basis``."""
    _, url = _store(tmp_path / "r.db", drafts=2)
    common = ["--store", url, "--today", "2026-09-10"]
    code, out, _ = run(capsys, "submit", "S0000001", *common, "--as", "school:A")
    assert code == 0
    assert out.splitlines()[1] == f"  S0000001: ✓ 已提交 submitted (R0000001) — {ART15}"
    code, out, _ = run(capsys, "--json", "submit", "S0000002", *common, "--as", "school:A")
    (row,) = json.loads(out)
    assert (row["key"], row["request"], row["student"]) == ("S0000002", "R0000002", "S0000002")
    assert row["basis"] == ART15
    county = [*common, "--as", "county:340104"]
    code, out, _ = run(capsys, "review", "R0000001", *county)
    assert code == 0
    assert out.splitlines()[1] == f"  R0000001: ✓ 已批准 approved (S0000001) — {ART15}"
    code, out, _ = run(capsys, "--json", "review", "R0000002", "--reject", *county)
    (row,) = json.loads(out)
    assert (row["request"], row["student"], row["basis"]) == ("R0000002", "S0000002", ART15)
    code, out, _ = run(capsys, "--json", "review", "R0000002", *county)  # refused
    (row,) = json.loads(out)
    assert (row["allowed"], row["basis"]) == (False, None)


def test_import_warnings_cite_their_article_as_submit_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Finding 8: an import's warning line gave the code and message but not the
    article that ``submit`` prints beside the same code (enrolment.late, Art 15)."""
    pytest.importorskip("openpyxl")
    import openpyxl

    from tests.conftest import make_id

    _, url = _store(tmp_path / "r.db", drafts=0)
    book = tmp_path / "students.xlsx"
    wb = openpyxl.Workbook()
    assert wb.active is not None
    head = ["学校代码", "班级", "年级", "姓名", "性别", "出生日期", "身份证号", "户籍地区码"]
    wb.active.append([*head, "照片采集日期", "照片摘要"])
    number = make_id(dt.date(2020, 3, 1), "M")
    row = ["A", "A-1", 1, "张三", "男", "2020-03-01", number, "340104"]
    wb.active.append([*row, "2026-09-01", "sha256:x"])
    wb.save(book)
    common = ["--store", url, "--today", "2026-10-12", "--as", "school:A"]  # after 30 Sep
    code, out, _ = run(capsys, "import", "students", str(book), *common)
    assert code == 0, out
    (line,) = [x for x in out.splitlines() if "[enrolment.late]" in x]
    assert line.endswith(f"— {ART15}")


def test_art24_sweep_names_who_ran_it_and_counts_the_stages_it_approved(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Findings 7 and 8: ``sweep --operator NAME`` was accepted and ignored: the
    default approvals were logged as 系统 and who ran the sweep was recorded nowhere
    (Arts 31, 32). The entries stay the system's (Art 24 deems the party's consent:
    actor kind and unit ``system``), their actor name saying who ran the sweep. A
    request moved through two stages printed its final state only, and no article:
    each line gives the states it went through, how many stages, and the basis."""
    from tests.test_cli import _transfer_store
    from xueji.policy import ANHUI_2013

    url = _transfer_store(tmp_path / "anh.db", (ANHUI_2013,))
    assert main(["init", "--store", url, "--policy", "anhui-2013"]) == 0
    capsys.readouterr()
    sweep = ["sweep", "--store", url, "--today", "2026-12-01", "--as", "system"]
    code, out, err = run(capsys, *sweep, "--operator", "王科长")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "sweep 2026-12-01: 1 项已默认审批 requests approved by default, 2 个阶段 stages"
    )
    assert lines[1] == (
        "  R0000002 transfer S0000001: at_receiving_school -> at_receiving_authority -> "
        "at_sending_school (2 个阶段 stages) — 系统默认审批同意（第二十四条）"
    )
    swept = [e for e in _entries(tmp_path / "anh.db") if e.command.startswith("approve_by")]
    assert len(swept) == 2
    for e in swept:
        assert (e.actor_kind, e.actor_unit) == ("system", "system")
        assert e.actor_name == "系统（王科长 运行） system (run by 王科长)"
    code, out, _ = run(capsys, "--json", *sweep)  # run again: nothing
    data = json.loads(out)
    assert (data["advanced"], data["stages"]) == ([], 0)


def test_art24_a_sweep_run_by_a_province_names_the_unit_and_the_person(
    tmp_path: Path,
) -> None:
    """From Python too: ``advance_clock(actor)`` names the actor who ran it in each
    default approval's actor name; ``Actor.system()`` (a cron job with no person)
    leaves the name 系统, as before."""
    from tests.conftest import PROVINCE, Province, school_actor
    from xueji.model import Actor, TransferReason

    for runner, name in (
        (PROVINCE, "系统（province:34 省管理员 运行） system (run by province:34 省管理员)"),
        (Actor.system(), "系统"),
    ):
        p = Province()
        s = p.register("A", 1)
        p.at(dt.date(2026, 9, 10))
        out = p.reg.request_transfer(
            school_actor("W"), s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
        )
        assert out.allowed
        p.at(dt.date(2026, 12, 1))
        assert p.reg.advance_clock(runner)
        names = {e.actor_name for e in p.log() if e.command.startswith("approve_by_default")}
        assert names == {name}


def test_art18_rollover_done_cites_its_article(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Finding 8: ``rollover`` done cited nothing: it ends with the basis its log entry
    records (Art 18(2)); ``--json`` gives it as ``basis``."""
    _, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    common = ["--store", url, "--as", "province:34", "--future-date-ok", "--today", "2027-08-01"]
    code, out, _ = run(capsys, "rollover", "2027", *common)
    assert code == 0
    assert (
        out.splitlines()[0]
        == "rollover 2027: ✓ 已升级 done (2027-08-01) — 皖教基〔2013〕20号 第十八条第二款"
    )
    code, out, _ = run(capsys, "--json", "rollover", "2027", *common)
    assert json.loads(out)["basis"] == "皖教基〔2013〕20号 第十八条第二款"


# -- the read-only commands: pending, history, verify, detect ----------------------------


def test_art28_pending_lists_the_actor_s_inbox(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``xueji pending``: the requests whose stage waits for the actor
    (``Registry.pending``): id, kind, student, stage, since, deadline; ``--kind``
    narrows it. Before, the command line had no way to see an inbox."""
    _, url = _store(tmp_path / "r.db", drafts=2)
    common = ["--store", url, "--today", "2026-09-10"]
    assert run(capsys, "submit", "--all-drafts", *common, "--as", "school:A")[0] == 0
    code, out, err = run(capsys, "pending", *common, "--as", "county:340104")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "pending county:340104 2026-09-10: 2 项待办 requests waiting"
    assert lines[1].startswith("  R0000001 new_student S0000001 at_authority ")
    assert "期限 due 2026-09-30" in lines[1]
    code, out, _ = run(capsys, "--json", "pending", *common, "--as", "county:340104")
    rows = json.loads(out)
    assert [(r["request"], r["kind"], r["student"], r["stage"]) for r in rows] == [
        ("R0000001", "new_student", "S0000001", "at_authority"),
        ("R0000002", "new_student", "S0000002", "at_authority"),
    ]
    assert rows[0]["deadline"] == "2026-09-30"
    code, out, _ = run(capsys, "pending", "--kind", "transfer", *common, "--as", "county:340104")
    assert (code, out.splitlines()[0]) == (
        0,
        "pending county:340104 2026-09-10: 0 项待办 requests waiting",
    )
    code, out, _ = run(capsys, "pending", *common, "--as", "school:A")  # not the school's
    assert out.splitlines()[0].endswith(": 0 项待办 requests waiting")


def test_art19_history_prints_a_subject_s_entries_masked_and_access_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``xueji history STUDENT|REQUEST``: the change-log entries of one subject
    (``Registry.history``), each with its date, actor, command, what it changed and
    its basis; masked as every line the command line prints (a registry number holds
    the identity number); refused to an actor outside the subject's schools (Art 28)
    as the facade refuses it, and, as the facade's, writing nothing to the log."""
    p, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    s = p.reg.student(p.authority_of("A"), "S0000001")
    assert s.registry_number is not None
    before = len(_entries(tmp_path / "r.db"))
    common = ["--store", url, "--today", "2026-09-10"]
    code, out, err = run(capsys, "history", "S0000001", *common, "--as", "school:A")
    assert code == 0, err
    lines = out.splitlines()
    commands = [e.command for e in _entries(tmp_path / "r.db") if e.subject == "S0000001"]
    assert lines[0] == f"history S0000001: {len(commands)} 条 entries"
    assert "enroll" in lines[1]
    assert "皖教基〔2013〕20号 第十二条" in lines[1]  # the basis
    assert s.registry_number not in out  # masked (it holds the identity number)
    assert s.registry_number[:7] in out
    assert len(_entries(tmp_path / "r.db")) == before  # nothing logged, as the facade
    code, out, _ = run(capsys, "--json", "history", "R0000001", *common, "--as", "county:340104")
    assert code == 0
    entries = json.loads(out)
    assert [e["command"] for e in entries] == ["open_new_student", "approve_new_student"]
    assert entries[0]["basis"] == ART15
    assert {"seq", "on", "actor", "before", "after", "hash"} <= set(entries[0])
    code, out, err = run(capsys, "history", "S0000001", *common, "--as", "school:B")
    assert (code, out) == (2, "")
    assert "school:B 无权执行 xueji history" in err
    assert len(_entries(tmp_path / "r.db")) == before


def test_art31_verify_checks_the_log_and_takes_and_checks_a_checkpoint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``xueji verify``: the change log's hash chain (``Registry.verify_log``);
    ``--save-checkpoint FILE`` writes the log's head (``Registry.checkpoint``) for a
    higher authority to keep, ``--checkpoint FILE`` proves the log still passes
    through it. Exit 0 intact, 1 broken (Art 32(三)), 2 bad usage or access."""
    import sqlite3

    _, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    common = ["--store", url, "--today", "2026-09-10", "--as", "province:34"]
    cp = tmp_path / "cp.json"
    code, out, err = run(capsys, "verify", *common, "--save-checkpoint", str(cp))
    assert code == 0, err
    n = len(_entries(tmp_path / "r.db"))
    assert out.splitlines()[0] == (
        f"变更记录完整（{n} 条） (change log intact: {n} entries) — 皖教基〔2013〕20号 第三十一条"
    )
    saved = json.loads(cp.read_text(encoding="utf-8"))
    assert (saved["seq"], saved["unit"]) == (n, "34")
    code, out, _ = run(capsys, "--json", "verify", *common, "--checkpoint", str(cp))
    assert code == 0
    data = json.loads(out)
    assert (data["ok"], data["checked"]) == (True, n)
    with sqlite3.connect(tmp_path / "r.db") as db:  # edited outside the registry
        db.execute("update xueji_change_log set doc = replace(doc, 'add_', 'put_') where seq = 3")
    code, out, _ = run(capsys, "verify", *common, "--checkpoint", str(cp))
    assert code == 1
    assert out.startswith("第 3 条变更记录被篡改 (entry 3 was altered)")
    code, out, err = run(capsys, "verify", *common[:-2], "--as", "school:A")
    assert code == 2
    assert "school:A 无权执行 xueji verify" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, out, err = run(capsys, "verify", *common, "--checkpoint", str(bad))
    assert code == 2
    assert err.startswith("xueji: [cli.bad_checkpoint] ")


def test_art32_detect_prints_the_findings_by_unit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``xueji detect``: the Art 32 report (``Registry.detect``) of the actor's
    jurisdiction: each finding (kind, the unit charged, subject, date, detail in both
    languages), the counts by unit, and the log's verdict; a school may not."""
    from tests.test_cli import _transfer_store
    from xueji.policy import ANHUI_2013

    url = _transfer_store(tmp_path / "anh.db", (ANHUI_2013,))
    assert main(["init", "--store", url, "--policy", "anhui-2013"]) == 0
    capsys.readouterr()
    common = ["--store", url, "--today", "2026-12-01"]
    assert run(capsys, "sweep", *common, "--as", "system")[0] == 0
    code, out, err = run(capsys, "detect", *common, "--as", "province:34")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("detect 2026-12-01: 2 项 findings — ")
    assert "第三十二条" in lines[0]
    assert any("default_approval" in x and "R0000002" in x for x in lines)
    assert any("change log intact" in x for x in lines)
    code, out, _ = run(capsys, "--json", "detect", *common, "--as", "province:34")
    data = json.loads(out)
    assert [f["kind"] for f in data["findings"]] == ["default_approval"] * 2
    assert data["log"]["ok"] is True
    assert sum(data["by_unit"][u]["default_approval"] for u in data["by_unit"]) == 2
    code, _, err = run(capsys, "detect", *common, "--as", "school:A")
    assert code == 2
    assert "school:A 无权执行 xueji detect" in err


def _meta(path: Path, key: str) -> str | None:
    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(str(path))
    try:
        with store.reading() as uow:
            value: str | None = uow.meta.get(key)
            return value
    finally:
        store.engine.dispose()


def test_art32_a_command_is_not_dated_before_the_day_a_late_rollover_or_sweep_ran(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Review finding (Arts 15, 19, 31, 32): the date check compared a command's date
    with the log's last entry, but a rollover's entries are dated its rollover date (1
    August) whatever day it runs, and the sweep's default approvals the day after
    each deadline: after ``rollover 2026 --today 2026-09-20`` a suspension dated 15
    August, before the student was enrolled, was accepted; after a late sweep, a
    command dated between the deadlines and the sweep. The check compares with the
    latest day the registry has run at (``log:ran_on`` in the store's meta table,
    written by a rollover or a sweep that dated its entries earlier); an idle sweep
    writes nothing."""
    from tests.test_cli import _transfer_store
    from xueji.policy import ANHUI_2013

    path = tmp_path / "r.db"
    _, url = _store(path, drafts=0, registered=1)
    common = ["--store", url, "--future-date-ok"]
    code, out, err = run(
        capsys, "rollover", "2026", *common, "--as", "province:34", "--today", "2026-09-20"
    )
    assert code == 0, (out, err)
    assert _entries(path)[-1].on == dt.date(2026, 8, 1)  # dated its rollover date
    suspend = ["suspend", "S0000001", "--reason", "病休", *common, "--as", "school:A"]
    before = len(_entries(path))
    code, out, err = run(capsys, *suspend, "--today", "2026-08-15")
    assert (code, out) == (2, "")
    assert err.startswith("xueji: [cli.today_backwards] --today 2026-08-15 早于"), err
    assert "2026-09-20" in err
    assert len(_entries(path)) == before
    code, out, _ = run(capsys, *suspend, "--today", "2026-09-20")
    assert code == 0, out
    assert _meta(path, "log:ran_on") == "2026-09-20"

    path = tmp_path / "anh.db"
    url = _transfer_store(path, (ANHUI_2013,))
    assert main(["init", "--store", url, "--policy", "anhui-2013"]) == 0
    capsys.readouterr()
    sweep = ["sweep", "--store", url, "--as", "system", "--future-date-ok"]
    assert run(capsys, *sweep, "--today", "2026-12-01")[0] == 0
    assert _entries(path)[-1].on < dt.date(2026, 12, 1)  # dated after each deadline
    code, out, err = run(
        capsys, "history", "S0000001", "--store", url, "--as", "school:A", "--today", "2026-11-20"
    )
    assert (code, out) == (2, "")
    assert err.startswith("xueji: [cli.today_backwards] "), err
    code, _, err = run(capsys, *sweep, "--today", "2026-11-30")
    assert code == 2
    assert "[cli.today_backwards]" in err
    assert _meta(path, "log:ran_on") == "2026-12-01"
    # an idle sweep writes nothing, the day it ran at included
    assert run(capsys, *sweep, "--today", "2026-12-02")[0] == 0
    assert _meta(path, "log:ran_on") == "2026-12-01"


def test_art28_history_of_an_unknown_student_or_request_is_not_found_for_every_actor(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Review finding: ``history S9999999`` said access.denied "a province-level
    subject" to a county, and printed "0 条 entries" (exit 0) to the province, as for
    a lower-case typo ``s0000001``: the filing commands say ``not_found.student`` of
    the same id to every actor, and so does ``history`` now (``not_found.request``
    for a request). An existing student outside the actor's schools is still
    access.denied; a unit's history still the province's."""
    _, url = _store(tmp_path / "r.db", drafts=0, registered=1)
    common = ["--store", url, "--today", "2026-09-10"]
    for who in ("school:A", "school:B", "county:340104", "province:34"):
        for subject, said in (
            ("S9999999", "not_found.student"),
            ("s0000001", "not_found.student"),
            ("R9999999", "not_found.request"),
        ):
            code, out, err = run(capsys, "history", subject, *common, "--as", who)
            assert (code, out) == (2, ""), (who, subject, out)
            assert err.startswith(f"xueji: [{said}] "), (who, subject, err)
        code, out, err = run(capsys, "suspend", "S9999999", "--reason", "x", *common, "--as", who)
        assert "[not_found.student]" in out  # as a filing command says it
    code, _, err = run(capsys, "history", "S0000001", *common, "--as", "school:B")
    assert code == 2
    assert err.startswith("xueji: [access.denied] ")
    code, out, _ = run(capsys, "history", "340104", *common, "--as", "province:34")
    assert code == 0
    assert out.startswith("history 340104: 1 条 entries")


def test_art28_history_names_a_request_s_schools_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Review finding (cosmetic): ``history R...`` refused to a school named the
    request's schools with one twice ("A,W,A": the sending school and the student's)."""
    from tests.test_cli import _transfer_store
    from xueji.policy import ANHUI_2013

    url = _transfer_store(tmp_path / "anh.db", (ANHUI_2013,))
    common = ["--store", url, "--today", "2026-09-10", "--policy", "anhui-2013"]
    code, _, err = run(capsys, "history", "R0000002", *common, "--as", "school:B")
    assert code == 2
    assert "超出管辖范围：A,W（" in err, err
    assert "outside the actor's jurisdiction: A,W (" in err
