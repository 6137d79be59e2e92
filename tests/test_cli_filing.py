"""The command line's filing commands (Arts 21-27, 29): ``xueji transfer
file|in|out|decide``, ``suspend``, ``resume``, ``dropout``, ``return``, ``correct`` and
``edit``. Found by the review of a school year run through the command line only: a
county that used no Python could file none of them, and ``review`` decided requests
nothing on the command line could open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from xueji.cli import main

ANHUI = "皖教基〔2013〕20号"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _store(tmp_path: Path) -> tuple[Any, list[str]]:
    """A province on SQLite (its profile recorded) and the store options, dated 15
    September 2026 (inside the term's transfer window)."""
    from tests.conftest import Province
    from xueji.storage.sql import SqlStore

    path = tmp_path / "r.db"
    p = Province(store=SqlStore.sqlite(str(path)))
    return p, ["--store", f"sqlite:///{path}", "--today", "2026-09-15"]


def _ready(p: Any, capsys: pytest.CaptureFixture[str], url: str) -> None:
    p.store.engine.dispose()
    assert main(["init", "--store", url, "--policy", "anhui-2013"]) == 0
    capsys.readouterr()


def _student(url: str, sid: str) -> Any:
    from xueji.storage.sql import SqlStore

    store = SqlStore.open(url, existing=True)
    try:
        with store.reading() as uow:
            return uow.students.get(sid)
    finally:
        store.engine.dispose()


def test_art21_transfer_file_and_decide_name_the_request_and_the_article(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``xueji transfer file`` (the receiving school, Art 21) opens the transfer, its
    line naming the request, its stage and the article the log records; run again it
    is refused (one is open); ``xueji transfer decide`` moves it through its stages to
    the end (with ``--key``, a repeat is a no-op saying what the first did; the same
    county deciding two stages on one day is two decisions). Another
    school may not file it (access denied, exit 2); a refused filing is said with
    its article (exit 1); ``transfer check`` still works."""
    p, common = _store(tmp_path)
    s = p.register("A", 1)
    _ready(p, capsys, common[1])
    filing = ["transfer", "file", s.id, "--to-school", "B", "--reason", "job_move", *common]
    code, out, _ = run(capsys, *filing, "--to-class", "B-1", "--as", "school:B")
    assert code == 0, out
    assert out == (
        f"transfer file: {s.id}: ✓ 已申请转学 transfer filed; 申请 request R0000002 "
        f"待转入学校审核 at_receiving_school; 依据 basis: {ANHUI} 第二十一条\n"
    )
    doc = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    assert out in doc  # docs/cli.md shows it as it is
    code, again, _ = run(capsys, *filing, "--to-class", "B-1", "--as", "school:B")
    assert code == 1  # run again: one transfer is open (nothing filed twice)
    assert again.startswith(f"transfer file: {s.id}: ✗ [transfer.already_open] ")
    # a class of another grade: another filing (the key is of the arguments), refused
    # by a rule with its article (exit 1)
    code, out, _ = run(capsys, *filing, "--to-class", "B-2", "--as", "school:B")
    assert code == 1
    assert out.startswith(f"transfer file: {s.id}: ✗ [transfer.already_open] ")
    assert (
        f"[class.wrong_school] 班级不属于该学校或年级 (the class is not of this school or grade) — {ANHUI} 第十六条"
        in out
    )
    code, _, err = run(capsys, *filing, "--to-class", "B-1", "--as", "school:A")
    assert code == 2
    assert "school:A 无权执行 xueji transfer file" in err
    decide = ["transfer", "decide", "R0000002", *common]
    code, out, _ = run(capsys, *decide, "--approve", "--key", "k1", "--as", "school:B")
    assert code == 0, out
    # with --key, the same command again (its answer lost) changes nothing and says
    # what the first did; the same key with other arguments is refused
    code, again, _ = run(capsys, *decide, "--approve", "--key", "k1", "--as", "school:B")
    assert (code, again) == (0, out)
    code, again, _ = run(capsys, "--json", *decide, "--approve", "--key", "k1", "--as", "school:B")
    data = json.loads(again)
    assert (data["request"], data["kind"], data["student"]) == ("R0000002", "transfer", s.id)
    assert (data["state"], data["basis"]) == ("at_receiving_authority", f"{ANHUI} 第二十一条")
    code, _, err = run(capsys, *decide, "--reject", "--key", "k1", "--as", "school:B")
    assert code == 2
    assert err.startswith("xueji: [idempotency.mismatch] ")
    assert out.startswith("transfer decide: R0000002: ✓ 已批准 approved; 申请 request R0000002 ")
    assert out.rstrip().endswith(f"依据 basis: {ANHUI} 第二十一条")
    for who in ("county:340104", "school:A", "county:340104"):
        code, out, _ = run(capsys, *decide, "--approve", "--as", who)
        assert code == 0, (who, out)
    assert "approved" in out.split(";")[1]
    assert _student(common[1], s.id).school == "B"
    code, out, _ = run(capsys, *decide, "--reject", "--today", "2026-09-16", "--as", "school:B")
    assert code == 1  # decided already: refused on its line
    assert out.startswith("transfer decide: R0000002: ✗ [transition.refused] ")
    check = ["transfer", "check", "--reason", "job_move", "--hukou-region", "340104"]
    check += ["--from-school-region", "340104", "--to-school-region", "340104"]
    check += ["--date", "2026-09-15"]
    assert main(check) == 0


def test_art25_an_authority_refuses_a_transfer_on_false_material(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``transfer decide --reject --material-false`` (Art 25): the receiving city
    refuses a 借读 into its senior high on false material; the line says so and the
    violation's article (第二十五条). From a school, or with --approve, it is bad input
    (exit 2), nothing written."""
    p, common = _store(tmp_path)
    s = p.register("WH", 10)
    _ready(p, capsys, common[1])
    filing = ["transfer", "file", s.id, "--to-school", "H", "--to-class", "H-10"]
    code, out, _ = run(capsys, *filing, "--reason", "job_move", *common, "--as", "school:H")
    assert code == 0, out
    decide = ["transfer", "decide", "R0000002", *common]
    assert run(capsys, *decide, "--approve", "--as", "school:H")[0] == 0
    code, _, err = run(capsys, *decide, "--approve", "--material-false", "--as", "city:3401")
    assert code == 2
    assert "[command.bad_input]" in err
    code, out, _ = run(capsys, *decide, "--reject", "--material-false", "--as", "city:3401")
    assert code == 0, out
    first = out.splitlines()[0]
    assert "✓ 已驳回（材料虚假） rejected on false material" in first
    assert "rejected" in first
    assert "第二十五条" in out
    assert _student(common[1], s.id).school == "WH"


def test_art22_23_transfer_in_and_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``transfer in`` (from another province by its 学籍号, Art 22; from abroad, Art
    23) and ``transfer out`` (to another province's school, Art 22; abroad, Art 23),
    each naming its request and article; ``--leave-date`` without ``--destination``
    is bad input."""
    import datetime as dt

    from tests.conftest import make_id

    p, common = _store(tmp_path)
    s, t = p.register("A", 2), p.register("A", 3)
    _ready(p, capsys, common[1])
    number = make_id(dt.date(2018, 3, 1), "F")
    person = ["--name", "赵六", "--sex", "F", "--birth-date", "2018-03-01"]
    person += ["--hukou-region", "320102", "--school", "A", "--class", "A-3", "--grade", "3"]
    code, out, _ = run(
        capsys,
        "transfer",
        "in",
        "--origin",
        "江苏省",
        "--registry-number",
        "G" + number,
        *person,
        *common,
        "--as",
        "school:A",
    )
    assert code == 0, out
    assert "✓ 已申请转入 transfer in filed; 申请 request" in out
    assert f"{ANHUI} 第二十二条" in out
    assert number not in out  # masked
    code, out, _ = run(
        capsys,
        "transfer",
        "in",
        "--origin",
        "美国",
        "--abroad",
        *person[:-6],
        "--hukou-region",
        "340104",
        "--school",
        "A",
        "--class",
        "A-2",
        "--grade",
        "2",
        "--guardian-id",
        make_id(dt.date(1985, 1, 1), "M"),
        "--name",
        "钱七",
        *common,
        "--as",
        "school:A",
    )
    assert code == 0, out
    assert f"{ANHUI} 第二十三条" in out
    out_ = ["transfer", "out", *common, "--as", "school:A"]
    code, out, _ = run(capsys, *out_, s.id, "--to-school-name", "江苏某校", "--reason", "随迁")
    assert code == 0, out
    assert "✓ 已办理跨省转出 transfer to another province filed" in out
    assert f"{ANHUI} 第二十二条" in out
    code, out, _ = run(
        capsys,
        *out_,
        t.id,
        "--destination",
        "美国",
        "--leave-date",
        "2026-10-01",
        "--reason",
        "出国",
    )
    assert code == 0, out
    assert "✓ 已申请出境转学 transfer abroad filed" in out
    assert f"{ANHUI} 第二十三条" in out
    code, _, err = run(
        capsys, *out_, t.id, "--to-school-name", "x", "--leave-date", "2026-10-01", "--reason", "x"
    )
    assert code == 2
    assert "[cli.bad_input]" in err
    with pytest.raises(SystemExit) as stop:  # one or the other
        main([*out_, t.id, "--reason", "x"])
    assert stop.value.code == 2


def test_art26_27_suspend_resume_dropout_and_return(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``suspend`` and ``resume`` (Art 26), ``dropout`` and ``return`` (Art 27): the
    school files each (the first three for its authority, decided with ``xueji
    review``), its line citing the article; a step the status does not allow is
    refused on its line (exit 1)."""
    p, common = _store(tmp_path)
    s = p.register("A", 1)
    _ready(p, capsys, common[1])
    school, county = ["--as", "school:A"], ["--as", "county:340104"]
    code, out, _ = run(capsys, "suspend", s.id, "--reason", "病休", *common, *school)
    assert code == 0, out
    assert out == (
        f"suspend: {s.id}: ✓ 已申请休学 suspension filed; 申请 request R0000002 "
        f"待主管单位审核 at_authority; 依据 basis: {ANHUI} 第二十六条\n"
    )
    code, out, _ = run(capsys, "return", s.id, *common, *school)
    assert code == 1  # not a dropout
    assert out.startswith(f"return: {s.id}: ✗ [change.status] ")
    assert "第二十七条" in out
    assert run(capsys, "review", "R0000002", *common, *county)[0] == 0
    assert _student(common[1], s.id).status.value == "suspended"
    code, out, _ = run(capsys, "resume", s.id, "--reason", "痊愈", *common, *school)
    assert code == 0, out
    assert "✓ 已申请复学 resumption filed; 申请 request R0000003 " in out
    assert run(capsys, "review", "R0000003", *common, *county)[0] == 0
    code, out, _ = run(capsys, "dropout", s.id, "--reason", "失联", *common, *school)
    assert code == 0, out
    assert f"{ANHUI} 第二十七条" in out
    assert run(capsys, "review", "R0000004", *common, *county)[0] == 0
    assert _student(common[1], s.id).status.value == "dropped_out"
    code, out, _ = run(capsys, "return", s.id, "--class", "A-1", *common, *school)
    assert code == 0, out
    assert out.startswith(f"return: {s.id}: ✓ 已复学（辍学返校） returned to school; 依据 basis: ")
    assert _student(common[1], s.id).status.value == "registered"


def test_art29_edit_a_draft_and_correct_a_submitted_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``xueji edit`` changes a draft's fields (a new student the authority rejected
    is one again); a submitted record's key field is refused on its line (Art 29)
    and changed by ``xueji correct``, a request the authority decides. No field
    given is ``cli.nothing`` (exit 2)."""
    p, common = _store(tmp_path)
    d = p.enroll("A", 1)
    s = p.register("A", 1)
    _ready(p, capsys, common[1])
    school = ["--as", "school:A"]
    edit = ["edit", d.id, "--name", "王五", "--photo-digest", "sha256:new", "--no-migrant"]
    code, out, _ = run(capsys, *edit, *common, *school)
    assert code == 0, out
    assert out == f"edit: {d.id}: ✓ 已修改 edited; 依据 basis: {ANHUI} 第二十九条\n"
    edited = _student(common[1], d.id)
    assert (edited.name, edited.photo.digest, edited.photo.taken_on.isoformat()) == (
        "王五",
        "sha256:new",
        "2026-09-15",
    )
    code, out, _ = run(capsys, "edit", s.id, "--name", "李四", *common, *school)
    assert code == 1  # locked once submitted
    assert out.startswith(f"edit: {s.id}: ✗ ")
    assert "第二十九条" in out
    code, out, _ = run(
        capsys, "correct", s.id, "--name", "李四", "--reason", "录入有误", *common, *school
    )
    assert code == 0, out
    assert "✓ 已申请更正 correction filed; 申请 request R0000002 " in out
    assert f"{ANHUI} 第二十九条" in out
    assert run(capsys, "review", "R0000002", *common, "--as", "county:340104")[0] == 0
    assert _student(common[1], s.id).name == "李四"
    code, _, err = run(capsys, "edit", d.id, *common, *school)
    assert code == 2
    assert err.startswith("xueji: [cli.nothing] ")


def test_a_bad_identity_or_registry_number_given_to_a_filing_command_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Review finding: a bad identity number (``correct --id-number``) or registry
    number (``transfer in --registry-number``) exited 1, the code of a refusal by a
    rule, because every ``id.``/``number.`` error did (a rule for ``id check`` and
    ``number check``). It is bad input: exit 2, its line on stderr, nothing on stdout
    under ``--json``, as ``cli.bad_input`` and the other input errors. ``id check``,
    ``number check`` and ``id upgrade`` keep exit 1 for an invalid value."""
    p, common = _store(tmp_path)
    s = p.register("A", 1)
    _ready(p, capsys, common[1])
    school = ["--as", "school:A"]
    bad_id = "340104202004020991"  # a wrong check character
    correct = ["correct", s.id, "--id-number", bad_id, "--reason", "录入有误", *common, *school]
    code, out, err = run(capsys, "--json", *correct)
    assert (code, out) == (2, ""), err
    assert err.startswith("xueji: [id.checksum] ")
    assert bad_id not in err  # masked
    bad_input = ["transfer", "out", s.id, "--to-school-name", "X", "--leave-date", "2026-09-20"]
    code, out, err = run(capsys, "--json", *bad_input, "--reason", "r", *common, *school)
    assert (code, out) == (2, "")  # the other input errors print the same
    assert err.startswith("xueji: [cli.bad_input] ")
    transfer_in = ["transfer", "in", "--origin", "江苏", "--school", "A", "--class", "A-1"]
    transfer_in += ["--grade", "1", "--name", "甲", "--sex", "M", "--birth-date", "2020-01-01"]
    transfer_in += ["--hukou-region", "320102", "--registry-number", "G320102202001010310"]
    code, out, err = run(capsys, "--json", *transfer_in, *common, *school)
    assert (code, out) == (2, ""), err
    assert err.startswith("xueji: [number."), err
    assert run(capsys, "id", "check", bad_id)[0] == 1
    assert run(capsys, "number", "check", "G320102202001010310")[0] == 1
    assert run(capsys, "id", "upgrade", "340104200001011234")[0] == 1


def test_art29_edit_with_the_values_the_record_holds_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Review finding: ``edit --no-migrant`` of a record not a migrant's wrote a
    change-log entry ``migrant: False -> False`` and said "edited". The fields given
    with the values the record holds are dropped (the entry names only what changed);
    with nothing left, nothing is written and the line says so (exit 0)."""
    from xueji.storage.sql import SqlStore

    p, common = _store(tmp_path)
    d = p.enroll("A", 1, name="张三")
    _ready(p, capsys, common[1])

    def log() -> list[Any]:
        store = SqlStore.open(common[1], existing=True)
        try:
            with store.reading() as uow:
                return list(uow.log.entries(d.id))
        finally:
            store.engine.dispose()

    school = ["--as", "school:A"]
    before = log()
    code, out, _ = run(capsys, "edit", d.id, "--no-migrant", "--name", "张三", *common, *school)
    assert code == 0, out
    assert out.startswith(f"edit: {d.id}: ✓ 无变化，未写入 nothing changed, nothing written"), out
    assert log() == before
    assert _student(common[1], d.id).version == d.version
    code, out, _ = run(capsys, "--json", "edit", d.id, "--no-migrant", *common, *school)
    data = json.loads(out)
    assert (code, data["allowed"], data["codes"]) == (0, True, ["edit.no_change"])
    code, out, _ = run(capsys, "edit", d.id, "--no-migrant", "--name", "王五", *common, *school)
    assert code == 0, out
    assert "✓ 已修改 edited" in out
    entry = log()[-1]
    assert (entry.command, entry.before.get("name"), entry.after.get("name")) == (
        "update_student",
        "张三",
        "王五",
    )
    assert "migrant" not in entry.before
    assert "migrant" not in entry.after


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_blank_reason_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reason: str
) -> None:
    """Review finding: ``suspend --reason ""`` was accepted and logged an empty
    reason. A suspension, resumption or dropout (Arts 26, 27), a correction (Art 29)
    and a regrade (Art 18(2)) are filed with their reason: a blank one (whitespace
    too) is bad input, refused by the facade (``command.bad_input``, exit 2, nothing
    written; ``regrade`` says it on each student's line, exit 1, as any refusal of
    one of its students); ``transfer out`` to another province's school by the
    command line (the facade's reason there is the stated reason a mid-term transfer
    needs, Art 25(2))."""
    p, common = _store(tmp_path)
    s = p.register("A", 1)
    _ready(p, capsys, common[1])
    school = ["--as", "school:A"]
    for argv in (
        ["suspend", s.id],
        ["dropout", s.id],
        ["resume", s.id],
        ["correct", s.id, "--name", "李四"],
        ["transfer", "out", s.id, "--to-school-name", "江苏某小学"],
    ):
        code, out, err = run(capsys, *argv, "--reason", reason, *common, *school)
        assert (code, out) == (2, ""), (argv, out)
        assert "原因不能为空" in err, (argv, err)
        assert "must not be blank" in err
    regrade = ["regrade", s.id, "--grade", "2", "--class", "A-2", "--reason", reason]
    code, out, err = run(capsys, *regrade, *common, "--as", "county:340104")
    assert code == 1, out  # (regrade says each student's refusal on its line)
    assert "✗ [command.bad_input] 原因不能为空 (the reason must not be blank)" in out, out


def test_art32_a_backdated_filing_records_the_day_it_ran(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the second rollover review (Arts 31, 32): ``transfer file
    --applied-on 2026-10-12 --today 2026-10-30`` dated its opening entry 12 October
    and recorded nothing more, so ``suspend --today 2026-10-14``, before the filing
    was run, was accepted. A filing dated before its run day records that day as the
    day the registry ran at (``log:ran_on``), as a late rollover or sweep does: the
    suspension is refused ``cli.today_backwards``, nothing written."""
    from tests.test_cli_read import _entries, _meta

    p, common = _store(tmp_path)
    s = p.register("A", 1)
    mate = p.register("A", 1)
    _ready(p, capsys, common[1])
    opts = [*common[:2], "--future-date-ok"]
    filing = ["transfer", "file", s.id, "--to-school", "B", "--to-class", "B-1"]
    filing += ["--reason", "job_move", "--stated-reason", "调动", "--applied-on", "2026-10-12"]
    filing += opts
    code, out, err = run(capsys, *filing, "--today", "2026-10-30", "--as", "school:B")
    assert code == 0, (out, err)
    path = tmp_path / "r.db"
    assert _entries(path)[-1].on == __import__("datetime").date(2026, 10, 12)
    assert _meta(path, "log:ran_on") == "2026-10-30"
    suspend = ["suspend", mate.id, "--reason", "病休", *opts, "--as", "school:A"]
    before = len(_entries(path))
    code, out, err = run(capsys, *suspend, "--today", "2026-10-14")
    assert (code, out) == (2, "")
    assert err.startswith("xueji: [cli.today_backwards] --today 2026-10-14 早于"), err
    assert len(_entries(path)) == before
    assert run(capsys, *suspend, "--today", "2026-10-30")[0] == 0
