"""The ``xueji`` command.

Exit codes: 0 success (every number checked is valid); 1 a checked value is invalid
or a rule refused; 2 bad usage or input that cannot be read (one line on stderr,
never a traceback).

``--json`` prints machine-readable output on every sub-command but ``tour`` and
``demo`` (text walk-throughs, printed as they are).

Exit codes by sub-command (see ``docs/cli.md``):

* ``id check``, ``number check``: 0 all valid, 1 any invalid, 2 bad usage.
* ``id upgrade``: 0 upgraded, 1 not a 15-digit number, 2 bad usage.
* ``deadline START N [--explain]``: 0 computed, 2 bad usage or a year the calendar
  does not cover.
* ``transfer check``: 0 the transfer is allowed (warnings do not count), 1 refused by
  a rule, 2 bad usage or a facts file that cannot be read or has unknown keys or
  values.
* ``tables``, ``access``, ``policy show``, ``tour``, ``demo``: 0, or 2 on bad usage.
* ``init``, ``import``, ``report``, ``submit``, ``review``, ``regrade``,
  ``forget-keys``, ``sweep``, ``rollover`` (the store commands): 0 done; 1 a row, a
  student or the rollover refused (not ``init``, ``report``, ``forget-keys``,
  ``sweep``); 2 bad usage, a store that cannot be opened,
  an unknown ``--as``, access denied, profiles other than the store's recorded ones,
  a date refused.
* ``transfer file|in|out|decide``, ``suspend``, ``resume``, ``dropout``, ``return``,
  ``correct``, ``edit`` (the filing commands, store commands too): 0 done; 1 refused
  by a rule, nothing written; 2 as the other store commands, and bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xueji import ids, numbers, workdays
from xueji.articles import Article, anhui
from xueji.errors import AccessDenied, XuejiError
from xueji.masking import mask_ids
from xueji.policy import ANHUI_2013, PROFILES, Policy, Stage, policy_to_dict

if TYPE_CHECKING:
    from xueji import statistics

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, as a shell reports `yes | head`'s left side
WARNINGS_SHOWN = 5  # an import's row warnings printed on screen (all: --report, --json)


def _emit(args: argparse.Namespace, data: Any, text: str, *, masked: bool = True) -> None:
    # whatever a command prints, an identity number typed into free text (a stated
    # reason, a name) is masked: the --json form of `transfer check` echoed it in full
    # (``masked=False``: only `id upgrade`, `id check` and `number check` with
    # --show-full, asked for by name)
    out = json.dumps(data, ensure_ascii=False, indent=2, default=str) if args.json else text
    print(_masked(out, args) if masked else out)


def _masked(text: str, args: argparse.Namespace) -> str:
    """``text`` with identity numbers masked: with the ``id_mask`` of the profile a
    store command decides under (set by :func:`_registry`), else the default."""
    from xueji.masking import remask

    return remask(text, getattr(args, "id_mask", None))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _policy(args: argparse.Namespace) -> Policy:
    if getattr(args, "policy_file", None):
        # repeated: each file may take as its base one given before it (a later
        # measure over an earlier one); the last is the profile used (a --policy
        # code beside them is not read, as before)
        files = [s for s in _given_sources(args) or () if "file" in s]
        return _built(files, where=None)[-1]
    code = getattr(args, "policy", ANHUI_2013.code)
    if code not in PROFILES:
        raise XuejiError(
            "cli.unknown_policy", f"未知的政策 {code}", f"unknown policy profile {code!r}"
        )
    return PROFILES[code]


def _given_sources(args: argparse.Namespace) -> list[dict[str, str]] | None:
    """What the options give, as a store records it
    (:data:`xueji.store_profiles.PROFILES_KEY`): a shipped
    profile by its code (``{"shipped": code}``), a file by its name and text
    (``{"file": name, "text": text}``); None when neither option is given."""
    from xueji.policy.files import _bad, read_utf8

    codes = getattr(args, "policy", None) or []
    files = getattr(args, "policy_file", None) or []
    if not codes and not files:
        return None
    out = [{"shipped": code} for code in codes]
    for path in files:
        text = read_utf8(path, _bad)  # (as load_policy reads it)
        out.append({"file": os.path.basename(str(path)), "text": text, "path": str(path)})
    return out


def _with_store_bases(url: str, sources: Any) -> Any:
    """``sources`` (:func:`_given_sources`), preceded by the profiles the store at
    ``url`` records where a file among them takes as its base a profile only the
    store records (:func:`xueji.store_profiles.with_recorded_bases`: a successor's
    file given alone); the store is opened only then, and a store that does not
    exist yet, or whose record cannot be read, gives nothing (the base is then said
    unknown, with the bases known)."""
    from xueji.errors import CorruptRecord
    from xueji.storage.sql import SqlStore
    from xueji.store_profiles import needs_recorded_bases, with_recorded_bases

    if sources is None or not needs_recorded_bases(sources):
        return sources
    try:
        store = SqlStore.open(url, existing=True)
    except XuejiError:
        return sources
    try:
        with store.reading() as uow:
            return with_recorded_bases(uow, sources)
    except CorruptRecord:
        return sources
    finally:
        store.engine.dispose()


def _built(sources: Sequence[dict[str, str]], *, where: str | None) -> tuple[Policy, ...]:
    """The profiles ``sources`` give (:func:`_given_sources`, or a store's record read
    back, ``where`` naming it): :func:`xueji.store_profiles.build`."""
    from xueji.store_profiles import build

    return build(sources, where=where)


# -- the store's profiles, recorded in its meta table (``xueji init --policy ...``) ----
# (read and written by :mod:`xueji.store_profiles`, which a host reads them with too)


def _digest(policy: Policy) -> str:
    from xueji.store_profiles import profile_digest

    return profile_digest(policy)


def _codes(policies: Sequence[Policy]) -> str:
    return ", ".join(p.code for p in policies)


def _read_profiles(uow: Any) -> tuple[Policy, ...] | None:
    from xueji.store_profiles import read_profiles

    return read_profiles(uow)


def _profile_mismatch(recorded: Sequence[Policy], given: Sequence[Policy]) -> XuejiError:
    same = sorted(p.code for p in recorded) == sorted(p.code for p in given)
    zh = "（代码相同而内容不同：政策文件在记录后改动过）" if same else ""
    en = " (the same codes, other contents: a policy file changed after it was recorded)"
    return XuejiError(
        "cli.profile_mismatch",
        f"此库记录的政策为 {_codes(recorded)}，与所给的 {_codes(given)} 不同{zh}："
        "不给 --policy/--policy-file 即按记录的政策决定；更改记录须执行 "
        "xueji init --store URL --replace-profiles 并给出新的政策",
        f"the store's recorded profiles are {_codes(recorded)}, not those given "
        f"({_codes(given)}){en if same else ''}: without --policy/--policy-file a command "
        "decides under the record; to change the record, run xueji init --store URL "
        "--replace-profiles with the new profiles",
    )


NO_PROFILE_NOTE = (
    f"xueji: 注意：此库未记录其政策，已按 {ANHUI_2013.code} 决定；记录此库的政策："
    "xueji init --store URL --policy 代码 或 --policy-file 文件 "
    f"(note: no profile is recorded in this store: decided under {ANHUI_2013.code}; "
    "record the store's profiles with xueji init --store URL --policy CODE / "
    "--policy-file FILE)"
)
"""The line on stderr after a store command that decided under ``ANHUI_2013`` because
the store records no profile and none was given (a guess, said)."""


def _store_profiles(
    store: Any, given: tuple[Policy, ...] | None
) -> tuple[tuple[Policy, ...], bool]:
    """The profiles a store command decides under (Art 33), and whether they were
    guessed: those recorded in the store (``xueji init --policy ...``), the options
    given having to be the same ones (``cli.profile_mismatch``); on a store with no
    record, those given, else ``ANHUI_2013`` alone, as before, guessed (the command
    then says so: :data:`NO_PROFILE_NOTE`). Before, every store command without the
    options decided under ``ANHUI_2013`` whatever profile had written the store."""
    with store.reading() as uow:
        recorded = _read_profiles(uow)
    if recorded is not None:
        if given is not None and {_digest(p) for p in given} != {_digest(p) for p in recorded}:
            raise _profile_mismatch(recorded, given)
        return recorded, False
    return (given, False) if given is not None else ((ANHUI_2013,), True)


def _calendar(args: argparse.Namespace) -> workdays.WorkdayCalendar:
    cal = workdays.default_calendar()
    for path in getattr(args, "holidays", None) or ():
        cal = cal.load(path)
    return cal


# -- sub-commands --------------------------------------------------------------------


def cmd_id_check(args: argparse.Namespace) -> int:
    results = []
    for text in args.numbers:
        try:
            rid = ids.parse(text, today=args.today)
        except XuejiError as e:
            message = str(e)
            body = ids.normalize(text)
            extra: dict[str, object] = {}
            if len(body) == 17 and body.isdigit():  # the check character left off
                check = ids.check_character(body)
                extra["check_character"] = check
                message += f"；前17位的校验码为 {check} (the check character of these 17 digits is {check})"
            results.append(
                {
                    "input": ids.mask(body),
                    "valid": False,
                    "code": e.code,
                    "message": message,
                    **extra,
                }
            )
            continue
        # the birth date only with the number whole (--show-full): the mask hides
        # exactly the birth date, which beside it gave the number back (Art 30)
        full = {"birth_date": rid.birth_date.isoformat()} if args.show_full else {}
        results.append(
            {
                "input": rid.number if args.show_full else rid.masked(),
                "valid": True,
                "region": rid.region,
                **full,
                "sex": rid.sex,
            }
        )
    lines = []
    for r in results:
        if r["valid"]:
            born = f"  出生 {r['birth_date']}" if "birth_date" in r else ""
            lines.append(f"✓ {r['input']}  有效 valid{born}  性别 {r['sex']}")
        else:
            lines.append(f"✗ {r['input']}  [{r['code']}] {r['message']}")
    _emit(args, results, "\n".join(lines), masked=not args.show_full)
    return EXIT_OK if all(r["valid"] for r in results) else EXIT_INVALID


def cmd_id_upgrade(args: argparse.Namespace) -> int:
    body = ids.normalize(args.number)
    if len(body) == 18:  # was told "a 15-digit identity number has 15 digits"
        raise XuejiError(
            "id.length",
            f"{ids.mask(body)} 已是18位身份号码，无需升级（id check 校验它）",
            f"{ids.mask(body)} already has 18 characters: there is nothing to upgrade "
            "(id check validates it)",
        )
    number = ids.upgrade(args.number)
    shown = number if args.show_full else ids.mask(number)
    _emit(args, {"number": shown}, shown, masked=not args.show_full)
    return EXIT_OK


def cmd_number_check(args: argparse.Namespace) -> int:
    results = []
    for text in args.numbers:
        try:
            n = numbers.parse(text, today=args.today)
        except XuejiError as e:
            results.append({"valid": False, "code": e.code, "message": str(e)})
            continue
        # the birth date only with the number whole (--show-full), as `id check`
        full = {"birth_date": n.birth_date.isoformat()} if args.show_full else {}
        results.append(
            {
                "valid": True,
                "number": n.text
                if args.show_full
                else numbers.mask_number(n.text, every_kind=True),
                "kind": n.kind,
                "area": n.area,
                **full,
            }
        )
    text = "\n".join(
        f"✓ {r['number']}  {r['kind']}  地区 {r['area']}"
        + (f"  出生 {r['birth_date']}" if "birth_date" in r else "")
        if r["valid"]
        else f"✗ [{r['code']}] {r['message']}"
        for r in results
    )
    _emit(args, results, text, masked=not args.show_full)
    return EXIT_OK if all(r["valid"] for r in results) else EXIT_INVALID


def cmd_deadline(args: argparse.Namespace) -> int:
    if getattr(args, "explain", False):
        return cmd_deadline_explain(args)
    d = _calendar(args).deadline(args.start, args.n)
    data = {
        "start": d.start.isoformat(),
        "working_days": d.working_days,
        "due": d.due.isoformat(),
        "rest_days_skipped": [x.isoformat() for x in d.rest_days_skipped],
        "makeup_days_counted": [x.isoformat() for x in d.makeup_days_counted],
        "rule": "开始的当日不计入 (Civil Code Art 201): the start day is not counted",
    }
    text = (
        f"{d.start} 起 {d.working_days} 个工作日，截止 {d.due}（当日结束）\n"
        f"{d.working_days} working days after {d.start} end on {d.due} (end of day)\n"
        f"  跳过休息日 rest days skipped: {len(d.rest_days_skipped)}\n"
        f"  计入调休工作日 make-up working days counted: "
        f"{', '.join(x.isoformat() for x in d.makeup_days_counted) or '-'}"
    )
    _emit(args, data, text)
    return EXIT_OK


def cmd_policy_show(args: argparse.Namespace) -> int:
    policy = _policy(args)
    data = policy_to_dict(policy)
    lines = [
        f"{policy.name} ({policy.code}), {policy.instrument}",
        f"在 {policy.valid_from} 起施行 in force from {policy.valid_from}"
        + (f" 至 until {policy.valid_until}" if policy.valid_until else ""),
        "",
    ]
    for name, param in policy.parameters().items():
        value = data[name]["value"]
        # an Anhui article under another instrument's profile: inherited from its base,
        # marked as the [rules] list marks it (found by the analysts' review)
        cited = policy.as_cited(param.article)
        lines.append(f"{name:28} {json.dumps(value, ensure_ascii=False):36} {cited}")
        if param.note and args.notes:
            lines.append(f"{'':28} 注 note: {param.note}")
    # the profile's own articles for lifecycle steps and commands: checked against the
    # measures as the values are (docs/encoding-your-province.md), not in --json only
    lines.append("")
    if policy.citations:
        lines.append(
            "[citations] 变动流程与命令的条款 (the articles cited for lifecycle steps and commands)"
        )
        lines += [f"{key:28} {article}" for key, article in sorted(policy.citations.items())]
    else:
        lines.append(
            "[citations] 无：各步骤引用变动流程表的条款 "
            "(none: the steps cite the lifecycle tables' articles)"
        )
    lines += ["", *_rule_and_access_citations(policy)]
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


def _rule_and_access_citations(policy: Policy) -> list[str]:
    """What each rule and each access denial cites under ``policy``: its own article
    where it re-cites one (``rule.<code>``, ``access.<action>``), else the library's,
    marked 沿用 (inherited) where that is an Anhui article under another instrument, so
    a province sees what it has not yet re-cited (docs/encoding-your-province.md §6)."""
    from xueji.access import PERMISSIONS
    from xueji.rules._base import CITES_PARAMETER, RULE_CODES, rule_article

    def cited(code: str, article: Article) -> Article:
        param = CITES_PARAMETER.get(code)  # (a rule that cites its parameter's article)
        return rule_article(code, getattr(policy, param).article if param else article, policy)

    rules = {code: cited(code, art) for code, (art, _, _) in RULE_CODES.items()}
    gates = {a: policy.cite("access", a, p.article) for a, p in PERMISSIONS.items()}
    gates["province"] = policy.cite("access", "province", anhui(28))
    out = [
        "[rules] 各规则引用的条款 (the article each rule cites; 沿用 = inherited, not re-cited "
        "by this profile; a rule that reads a parameter cites the parameter's article)"
    ]
    out += [f"rule.{code:36} {a}" for code, a in rules.items()]
    out += ["", "[access] 权限拒绝引用的条款 (the article each access denial cites)"]
    out += [f"access.{action:34} {a}" for action, a in gates.items()]
    n_rules = sum(1 for a in rules.values() if a.inherited_from)
    n_gates = sum(1 for a in gates.values() if a.inherited_from)
    kept = [a for a in (*rules.values(), *gates.values()) if a.inherited_from]
    if kept:
        base = kept[0].inherited_from
        out += [
            "",
            f"沿用 inherited: {n_rules} 条规则、{n_gates} 项权限仍引用 {base} 的条款，"
            "可在 [citations] 中以 rule.<代码> / access.<操作> 另行引用"
            "（读取参数的规则在该参数的表中另行引用） "
            f"({n_rules} rules and {n_gates} access checks still cite {base}'s articles; "
            "re-cite them in [citations] as rule.<code> / access.<action>, a rule that "
            "reads a parameter in the parameter's table)",
        ]
    return out


def cmd_access(args: argparse.Namespace) -> int:
    from xueji.access import PERMISSIONS, matrix_markdown

    data = {
        action: {
            "kinds": sorted(k.value for k in p.kinds),
            "scope": p.scope.value,
            "article": str(p.article),
            "note": p.note,
        }
        for action, p in PERMISSIONS.items()
    }
    text = "\n".join(
        [
            "# Who may do what: the permission matrix (Art 28)",
            "",
            "Generated by `xueji access` from `xueji.access.PERMISSIONS`;",
            "`tests/test_access.py` runs every action as every kind of actor, inside and",
            "outside its jurisdiction, and compares with this table.",
            "",
            "- **own/jurisdiction**: a school for its own students (a 学区中心校 also for its",
            "  branches', Art 7); a city or county for the schools under it in the unit tree,",
            "  including schools a city runs directly (Art 4), the actor's kind matching its",
            "  unit's level (a county actor under the province's code is no county). A province",
            "  actor must be the store's province-level unit (a fresh store's first province",
            "  adds its own).",
            "- **stage party**: only the school or authority the request's stage waits for,",
            "  by its code and its kind (a county actor under a city's code is no city); a",
            "  分校's stage also its 学区中心校 (Art 7). Its refusal (`stage.wrong_party`) cites",
            "  the request's own article as the profile cites it (a suspension's Art 26, a",
            "  transfer's Art 21); the province, which decides no stage, is denied by Art 28.",
            "- **opener**: only the unit that opened the request, by its code and its kind (a",
            "  分校's request also its 学区中心校).",
            "- **jurisdiction** (reports): results limited to the actor's schools.",
            "- **its stages** (`pending`, the inbox): the requests whose stage waits for the",
            "  actor; the province's is empty, as no stage waits for it (Art 28).",
            "",
            matrix_markdown(),
        ]
    )
    _emit(args, data, text)
    return EXIT_OK


def cmd_tables(args: argparse.Namespace) -> int:
    from xueji.lifecycle.render import all_tables, render_markdown

    data = [
        {
            "name": t.name,
            "name_zh": t.name_zh,
            "initial": t.initial.value,
            "rows": [
                {
                    "state": r.source.value,
                    "event": r.event,
                    "next": r.target.value,
                    "guards": list(r.guards),
                    "article": str(r.article),
                    "note": r.note,
                }
                for r in t.rows
            ],
        }
        for t in all_tables()
    ]
    _emit(args, data, render_markdown())
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: one school year of a small province, as a timeline, on SQLite."""
    import tempfile
    from pathlib import Path

    from xueji.demo import school_year
    from xueji.storage.sql import SqlStore

    print("xueji 演示 demo — 安徽省中小学生学籍信息化管理办法 (皖教基〔2013〕20号)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "demo.sqlite3"
        if path.exists():
            raise XuejiError(
                "cli.db_exists",
                f"数据库文件已存在：{path}",
                f"the database file already exists: {path}",
            )
        where = str(path) if args.db else "a temporary file"
        print(f"一个学年 One school year, 2025-26, on SQLite ({where})\n")
        store = SqlStore.open(f"sqlite:///{path}")  # a path it cannot create: one line
        try:
            school_year(store=store, seed=args.seed)
        finally:
            store.engine.dispose()
    return EXIT_OK


def cmd_tour(args: argparse.Namespace) -> int:
    """A tour of the building blocks: ID numbers, registry numbers, deadlines."""
    cal = workdays.default_calendar()
    policy = ANHUI_2013
    today = dt.date(2026, 9, 25)
    out: list[str] = ["xueji 导览 tour", ""]
    out.append("1. 身份号码校验 Checking identity numbers (GB 11643)")
    samples = [
        ("11010519491231002X", "GB 11643 的示例 the standard's example"),
        ("440524188001010014", "地址码后启用 code introduced after birth (stdnum rejects)"),
        ("110105194912310021", "校验码错 wrong check character"),
        ("１１０１０５４９１２３１００２", "15位旧号 first-generation form (upgrade first)"),
    ]
    for text, label in samples:
        try:
            rid = ids.parse(text, today=today)
            # no birth date beside the masked number: it is what the mask hides (Art 30)
            out.append(f"   ✓ {rid.masked()}  {label}: {rid.sex}")
        except XuejiError as e:
            out.append(f"   ✗ {label}: [{e.code}] {e}")
    out.append(f"   15位升18位 upgrade: {ids.mask(ids.upgrade('110105491231002'))}")
    out.append("")
    out.append("2. 学籍号 Registry numbers (Arts 12-13)")
    alloc = numbers.MemoryAllocator()

    def shown(n: numbers.RegistryNumber) -> str:
        # masked whatever its letter: a J (or L) number has the form of an identity
        # number, and a J number is the student's own once the ID is linked (Art 13)
        return numbers.mask_number(n.text, every_kind=True, spec=policy.id_mask.value)

    g = numbers.new_record(today, id_number="11010519491231002X")
    out.append(f"   有身份证 with an ID number: {shown(g.current)}")
    born = dt.date(2020, 3, 1)
    twins = [
        numbers.new_record(
            today,
            guardian_id="11010519491231002X",
            area="340104",
            birth_date=born,
            sex="M",
            allocator=alloc,
        )
        for _ in range(2)
    ]
    out.append(
        f"   双胞胎无身份证 twins with no ID, one guardian: "
        f"{shown(twins[0].current)} / {shown(twins[1].current)}"
    )
    body = "34010420200301001"
    later = numbers.link_resident_id(twins[0], body + ids.check_character(body), today)
    out.append(
        f"   后补身份证 ID obtained later: {shown(later.current)}, history "
        f"{' -> '.join(shown(n) for n in later.all_numbers)}"
    )
    region_no = numbers.issue_regional_number(
        policy, alloc, region="340104", year=2026, stage=Stage.PRIMARY
    )
    out.append(f"   地区学号 regional number (grade 1, 2026): {region_no}")
    out.append("")
    out.append("3. 工作日期限 Deadlines in working days (Art 24: 20 working days per party)")
    limit = policy.transfer_stage_limit.value
    for start in (dt.date(2026, 9, 25), dt.date(2026, 11, 2)):
        d = cal.deadline(start, limit)
        out.append(
            f"   申请 {start} 送达 → 截止 {d.due}  (skipped {len(d.rest_days_skipped)} "
            f"rest days; make-up days {[x.isoformat() for x in d.makeup_days_counted]})"
        )
    try:
        cal.add_working_days(dt.date(2026, 12, 20), limit)
    except XuejiError as e:
        out.append(f"   ✗ {e}")
    print("\n".join(out))
    return EXIT_OK


# -- scenarios -------------------------------------------------------------------------


def cmd_scenario_run(args: argparse.Namespace) -> int:
    """Run scenario files: exit 0 when all give what they state, 1 when a step does not,
    2 when a file is malformed (its file, line and problem are printed)."""
    from xueji import scenarios

    files = scenarios.collect(args.paths)
    if not files:
        raise XuejiError(
            "scenario.none",
            f"{' '.join(args.paths)} 下没有找到场景文件（*.scenario.yaml）",
            f"no scenario files under {' '.join(args.paths)}",
        )
    results: list[dict[str, Any]] = []
    lines: list[str] = []
    worst = EXIT_OK
    for path in files:
        try:
            scenario = scenarios.load(path)
            result = scenarios.run(scenario)
        except scenarios.ScenarioError as e:
            results.append({"file": str(path), "ok": False, "malformed": str(e)})
            lines.append(f"✗ {path}  格式错误 malformed\n  {e}")
            worst = EXIT_USAGE
            continue
        except Exception as e:  # a defect of the library: reported, the other files still run
            detail = f"{type(e).__name__}: {e}"
            results.append({"file": str(path), "ok": False, "internal_error": detail})
            lines.append(f"✗ {path}  内部错误 internal error\n  {detail}")
            worst = max(worst, EXIT_INVALID)
            continue
        results.append(
            {
                "file": str(path),
                "title": scenario.title,
                "articles": list(scenario.articles),
                "ok": result.ok,
                "steps": len(result.steps),
                "results": [
                    {
                        "step": r.step.index,
                        "line": r.step.line,
                        "action": r.step.action,
                        "ok": r.ok,
                        "actual": r.actual,
                        "shown": r.shown,
                    }
                    for r in result.steps
                ],
                "failures": [
                    {
                        "step": f.step.index,
                        "line": f.step.line,
                        "action": f.step.action,
                        "problems": list(f.problems),
                        "actual": f.actual,
                        "explanation": f.explanation,
                    }
                    for f in result.failures
                ],
            }
        )
        mark = "✓" if result.ok else "✗"
        lines.append(f"{mark} {path}  {scenario.title}  ({len(result.steps)} steps)")
        if args.show:
            lines += [r.shown_text() for r in result.steps]
        if not result.ok:
            lines.append(result.report())
            worst = max(worst, EXIT_INVALID)
    passed = sum(1 for r in results if r["ok"])
    lines.append(f"{passed}/{len(results)} 场景通过 (scenarios passed)")
    _emit(args, results, "\n".join(lines))
    return worst


# -- explanations: transfer check, deadline --explain ------------------------------------

_TRANSFER_KEYS = {
    "date": "the date of the request (default today)",
    "hukou_region": "GB/T 2260 code of the student's 户籍 (6 digits)",
    "from_school_region": "GB/T 2260 code of the sending school's city or county",
    "to_school_region": "GB/T 2260 code of the receiving school's city or county",
    "from_school": "the sending school's code",
    "to_school": "the receiving school's code",
    "grade": "the student's grade (1-12)",
    "stage": "the student's stage (primary, junior, senior, special)",
    "to_stages": "stages the receiving school teaches (comma-separated)",
    "reason": "job_move 工作调动, hukou_change 户籍变动, address_change 住址变动 or other 其他"
    " (Art 20; the value or its Chinese name)",
    "stated_reason": "the reason stated (needed for other, and mid-term)",
    "status": "the student's registry status (default registered)",
    "special_needs": "the student has special needs (a flag; true/false in --file)",
    "from_special": "the sending school is a special-education school",
    "to_special": "the receiving school is a special-education school",
    "material_false": "the authority found the material false (Art 25)",
    "open_transfers": "open transfer requests of the student",
    "direct_counties": "a county directly under the province (省直管县, 6 digits; repeat the "
    "flag, or a list in --file): its schools are its own city, and a 户籍 of it is not the "
    "prefecture's whose first four digits it shares (Art 25), as the registry reads its "
    "unit tree; without it a county is read as its prefecture's",
}
_TRANSFER_FLAGS = {"direct_counties": "--direct-county"}
"""A key whose flag is not its name with ``-`` (a repeatable flag names one value)."""
_BOOL_KEYS = frozenset({"special_needs", "from_special", "to_special", "material_false"})


def _bad_facts(zh: str, en: str) -> XuejiError:
    return XuejiError("cli.bad_facts", f"转学事实有误：{zh}", f"bad transfer facts: {en}")


def _read_facts_file(path: str) -> dict[str, Any]:
    from xueji.policy.files import read_utf8

    def not_utf8(where: str, zh: str, en: str) -> XuejiError:
        return _bad_facts(f"{where} {zh}", f"{where}: {en}")

    text = read_utf8(path, not_utf8)  # (a codec's words, with no code or file, before)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise _bad_facts(f"{path} 不是有效的 JSON", f"{path} is not valid JSON: {e}") from None
    except RecursionError:  # (a traceback, exit 1, before)
        raise _bad_facts(f"{path} 嵌套层次过深", f"{path} is nested too deeply") from None
    if not isinstance(data, dict):
        raise _bad_facts(f"{path} 应为 JSON 对象", f"{path} must hold a JSON object")
    unknown = sorted(set(data) - set(_TRANSFER_KEYS))
    if unknown:
        raise _bad_facts(
            f"{path} 中的未知字段 {unknown[0]}", f"unknown key {unknown[0]!r} in {path}"
        )
    return data


def _shown(value: Any) -> str:
    """A value quoted in a message, cut short (a nested list or a long text whole made
    the message as long, or deeper than ``repr`` goes)."""
    import reprlib

    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother, short.maxlist, short.maxdict = 2, 40, 40, 4, 4
    return short.repr(value)


def _transfer_facts(args: argparse.Namespace) -> tuple[Any, dt.date, Policy]:
    """The :class:`~xueji.rules.transfers.TransferFacts`, date and profile from a file
    and flags (a flag given overrides the file's value). Without a ``stage`` the
    student's is its grade's under the profile's ``school_system`` (the profile given,
    else the one in force on the date). A bad value is ``cli.bad_facts`` naming its
    key, and the file it came from, in Chinese and English."""
    import re

    from xueji.lifecycle.tables import StudentStatus
    from xueji.model import Student, stage_of_grade, transfer_reason, transfer_reasons_listed
    from xueji.policy import policy_in_force
    from xueji.rules.transfers import TransferFacts

    data: dict[str, Any] = _read_facts_file(args.file) if args.file else {}
    from_file = set(data)
    for key in _TRANSFER_KEYS:
        value = getattr(args, key, None)
        if value is not None:
            data[key] = value
            from_file.discard(key)

    def bad(key: str, zh: str, en: str, value: Any) -> XuejiError:
        """``key``'s value is wrong: named with the file it came from, or its flag."""
        flag_ = _TRANSFER_FLAGS.get(key, "--" + key.replace("_", "-"))
        wz, we = (f"{args.file} 中的 {key}", f"{key} in {args.file}")
        if key not in from_file:
            wz, we = flag_, flag_
        return _bad_facts(f"{wz} {zh}，不是 {_shown(value)}", f"{we} {en}, not {_shown(value)}")

    def text(key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise _bad_facts(f"缺少 {key}", f"{key} is required (--{key.replace('_', '-')})")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise bad(key, "应为文本", "must be text", value)
        return str(value)

    def whole(key: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,9}", value.strip()):
            return int(value)
        raise bad(key, "应为整数", "must be a whole number", value)

    def count(key: str) -> int:
        n = whole(key, 0)
        if n < 0:  # (judged, and refused by a rule, before)
            raise bad(key, "是个数，不能为负数", "is a count, not negative", n)
        return n

    def choice(key: str, kind: Any, value: Any) -> Any:
        names = ", ".join(m.value for m in kind)
        if isinstance(value, str) and value in {m.value for m in kind}:
            return kind(value)
        raise bad(key, f"应为 {names} 之一", f"must be one of {names}", value)

    def flag(key: str) -> bool:
        value = data.get(key, False)
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes"):
            return True
        if str(value).lower() in ("false", "0", "no"):
            return False
        raise bad(key, "应为 true/false", "must be true or false", value)

    def region(key: str) -> str:
        value = text(key)
        if not (value.isascii() and value.isdigit() and len(value) in (4, 6)):
            raise bad(key, "应为4或6位代码", "must be a 4- or 6-digit code", value)
        return value.ljust(6, "0")

    day = data.get("date", dt.date.today())
    if isinstance(day, str):
        with contextlib.suppress(ValueError):  # (refused below, named)
            day = dt.date.fromisoformat(day)
    if not isinstance(day, dt.date):
        raise bad("date", "应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)", day)
    on = day
    policy = _policy(args) if args.policy or args.policy_file else policy_in_force(on)
    grade = whole("grade", 1)
    system = policy.school_system.value
    try:
        graded = stage_of_grade(grade, system)
    except ValueError:
        grades = sorted({g for gs in system.values() for g in gs})
        span = f"{grades[0]}-{grades[-1]}"
        raise bad(
            "grade",
            f"应为学制中的年级（{span}）",
            f"must be a grade of the school system ({span})",
            grade,
        ) from None
    stage = choice("stage", Stage, data["stage"]) if "stage" in data else graded
    reason_text = text("reason")
    found = transfer_reason(reason_text)
    if found is None:
        raise bad(
            "reason",
            f"应为 {transfer_reasons_listed('zh')} 之一（或其中文名；第二十条）",
            f"is one of {transfer_reasons_listed('en')}, or its Chinese name (Art 20)",
            reason_text,
        )
    reason = found
    status = choice("status", StudentStatus, data.get("status", StudentStatus.REGISTERED.value))
    open_transfers = count("open_transfers")
    to_stages_raw = data.get("to_stages", stage.value)
    if isinstance(to_stages_raw, str):
        items: list[Any] = to_stages_raw.split(",")
    elif isinstance(to_stages_raw, list):
        items = to_stages_raw
    else:
        raise bad(
            "to_stages",
            "应为学段列表（或以逗号分隔）",
            "must be a list of stages (or comma-separated)",
            to_stages_raw,
        )
    to_stages = frozenset(
        choice("to_stages", Stage, x.strip() if isinstance(x, str) else x)
        for x in items
        if not (isinstance(x, str) and not x.strip())
    )
    hukou, from_region, to_region = (
        region("hukou_region"),
        region("from_school_region"),
        region("to_school_region"),
    )
    direct_raw = data.get("direct_counties", [])
    if isinstance(direct_raw, str):
        direct_raw = direct_raw.split(",")
    if not isinstance(direct_raw, list):
        raise bad(
            "direct_counties", "应为县级代码列表", "must be a list of county codes", direct_raw
        )
    direct: set[str] = set()
    for code in direct_raw:
        code = code.strip() if isinstance(code, str) else code
        if code == "":
            continue
        if not (
            isinstance(code, str)
            and code.isascii()
            and code.isdigit()
            and len(code) == 6
            and code[4:] != "00"
        ):
            raise bad(
                "direct_counties",
                "应为6位县级代码（末两位不为00）",
                "must be 6-digit county codes (not ending in 00)",
                code,
            )
        direct.add(code)
    direct_counties = frozenset(direct)

    def city(region_code: str) -> str:
        """A school's city unit as the registry finds it (its ``_city_of``): a county
        directly under the province is its own; any other code, its prefecture's."""
        return region_code if region_code in direct_counties else region_code[:4]

    def city_region(region_code: str) -> str:
        return region_code if region_code in direct_counties else region_code[:4] + "00"

    student = Student(
        id="cli",
        school=text("from_school", "FROM"),
        class_id="-",
        grade=grade,
        stage=stage,
        status=status,
        name="-",
        sex="M",
        birth_date=dt.date(2000, 1, 1),
        hukou_region=hukou,
        entry_date=dt.date(2000, 1, 1),
        special_needs=flag("special_needs"),
    )
    facts = TransferFacts(
        student=student,
        from_school=student.school,
        to_school=text("to_school", "TO"),
        from_city=city(from_region),
        to_city=city(to_region),
        from_city_region=city_region(from_region),
        to_city_region=city_region(to_region),
        to_stages=to_stages,
        from_special=flag("from_special"),
        to_special=flag("to_special"),
        reason=reason,
        stated_reason=text("stated_reason", ""),
        material_false=flag("material_false"),
        open_transfers=open_transfers,
        direct_counties=direct_counties,
    )
    return facts, on, policy


def cmd_transfer_check(args: argparse.Namespace) -> int:
    """Arts 20-25: is this transfer legal? The decision with every rule evaluated."""
    from xueji.rules._base import cite_decision
    from xueji.rules.transfers import check_transfer

    facts, on, policy = _transfer_facts(args)
    decision = cite_decision(check_transfer(facts, on=on, policy=policy), policy)
    data = {"date": on.isoformat(), "policy": policy.code, **decision.to_dict()}
    _emit(args, data, str(decision.explain()))
    return EXIT_OK if decision.allowed else EXIT_INVALID


def cmd_deadline_explain(args: argparse.Namespace) -> int:
    """``deadline START N --explain``: every working day counted, every rest day and
    make-up day, with holiday names."""
    e = _calendar(args).explain_add(args.start, args.n)
    _emit(args, e.to_dict(), str(e))
    return EXIT_OK


def _add_explain_options(deadline_parser: argparse.ArgumentParser) -> None:
    deadline_parser.add_argument(
        "--explain",
        action="store_true",
        help="list the working days counted (make-up working days included) and the "
        "weekends and holidays skipped",
    )


def _add_transfer_commands(sub: Any) -> None:
    tr = sub.add_parser("transfer", help="transfers (Arts 20-25)")
    tr_sub = tr.add_subparsers(dest="transfer_command", required=True, parser_class=_Parser)
    chk = tr_sub.add_parser("check", help="is a proposed transfer legal? (explained)")
    chk.add_argument("--file", help="a JSON object of facts (keys as the flags, with _)")
    for key, help_text in _TRANSFER_KEYS.items():
        option = _TRANSFER_FLAGS.get(key, "--" + key.replace("_", "-"))
        if key == "direct_counties":
            chk.add_argument(
                option, dest=key, action="append", default=None, metavar="CODE", help=help_text
            )
        elif key in _BOOL_KEYS:
            chk.add_argument(option, action="store_const", const=True, default=None, help=help_text)
        elif key == "date":
            chk.add_argument(option, type=_date, default=None, help=help_text)
        elif key == "grade":
            chk.add_argument(option, type=int, default=None, help=help_text)
        elif key == "open_transfers":  # (a negative count was judged, and refused)
            chk.add_argument(option, type=_count, default=None, help=help_text)
        else:
            chk.add_argument(option, default=None, help=help_text)
    chk.add_argument("--policy", default=None, help="profile code (default: the one in force)")
    chk.add_argument(
        "--policy-file",
        action="append",
        help="a TOML policy file (repeat: each may take an earlier one as its base; the last is used)",
    )
    chk.set_defaults(func=cmd_transfer_check)
    _add_filing_commands(sub, tr_sub)


# -- filing commands (Arts 21-27, 29) -----------------------------------------------------
#
# ``xueji transfer file|in|out|decide``, ``suspend``, ``resume``, ``dropout``,
# ``return``, ``correct`` and ``edit``: each one command of the registry facade on a
# store, as an acting user (the store options of :func:`_store_options`), dated and
# checked as the other writing commands (:func:`_dated`). Before, a county that used
# only the command line could file none of them (found by the review of a school year
# run through the CLI). One line says what was done, the request opened or decided,
# and the article the change log records as its basis (依据); a refusal, each
# violation with its article. Exit 0 done, 1 refused by a rule (nothing written), 2
# bad usage or input, an unknown ``--as``, access denied, a store or a date refused.
# As ``submit`` and ``review``, a command run again is decided on the state the first
# left (a second suspension of the same student is refused: one is open); ``--key``
# makes a repeat a no-op that says what the first did (the facade's idempotency key).
# A key is not derived from the arguments, as ``import info`` derives one for an
# entry: the same county approving two stages of one transfer on one day gives the
# same arguments twice, and the second would have been dropped, said done.


def _filed_basis(reg: Any, out: Any, subject: str | None) -> str:
    """The basis (依据: the article, as the profile in force cites it) the change log
    recorded for what ``out`` did: the last entry of its request, else of its student
    (:func:`_basis` of each)."""
    for s in (out.request.id if out.request else None, subject):
        basis = _basis(reg, s) if s else None
        if basis:
            return str(basis)
    return ""


def _filed(
    args: argparse.Namespace,
    reg: Any,
    what: str,
    key: str,
    run: Any,
    done: tuple[str, str],
    *,
    idle: tuple[str, tuple[str, str]] | None = None,
) -> int:
    """Run one filing command and say what it did: ``✓`` with ``done`` (in Chinese and
    English), the request it opened or decided and its state, and the basis the log
    records; ``✗`` with each violation (its article in its message) when refused. A
    refusal typed as an error (a step the student's status does not allow, an unknown
    student or request) is said on the line too; access denied and bad input are
    errors of the command (exit 2). ``idle``: a warning code that says the command
    wrote nothing (``edit.no_change``) and what to say then instead of ``done``, with
    no basis (no entry was written)."""
    from xueji.errors import NotFound, Refused, TransitionRefused

    try:
        out = run()
        allowed, codes = out.allowed, list(out.decision.codes)
        violations = [str(v) for v in out.decision.violations]
        warnings = [str(v) for v in out.decision.warnings]
    except (TransitionRefused, NotFound, Refused) as e:
        out, allowed, codes = None, False, [e.code]
        violations, warnings = [f"[{e.code}] {_said(e, args)}"], []
    request = out.request if out is not None else None
    student = out.student.id if out is not None and out.student is not None else None
    student = student or (request.student if request is not None else None)
    if allowed and idle is not None and idle[0] in codes:
        done, basis = idle[1], ""
    else:
        basis = _filed_basis(reg, out, student) if allowed else ""
    if allowed:
        line = f"{what}: {key}: ✓ {done[0]} {done[1]}"
        if request is not None:
            line += f"; 申请 request {request.id} {request.state.zh} {request.state.value}"
        if basis:
            line += f"; 依据 basis: {basis}"
        lines = [line]
    else:
        lines = [f"{what}: {key}: ✗ {violations[0]}", *(f"      {m}" for m in violations[1:])]
    lines += [f"      提示 warning {m}" for m in warnings]
    data = {
        "key": key,
        "allowed": allowed,
        "done": done[1] if allowed else None,
        "student": student,
        "request": request.id if request is not None else None,
        "kind": request.kind.value if request is not None else None,
        "state": request.state.value if request is not None else None,
        "basis": basis or None,
        "codes": codes,
        "messages": violations + warnings,
    }
    _emit(args, data, "\n".join(lines))  # masked: a message may quote an identity number
    return EXIT_OK if allowed else EXIT_INVALID


def _photo(args: argparse.Namespace, today: dt.date) -> Any:
    """The photo ``--photo-digest`` (with ``--photo-taken-on``, default the command's
    date) names (Art 12), or None."""
    from xueji.model import Photo

    if args.photo_digest is None:
        if args.photo_taken_on is not None:
            raise XuejiError(
                "cli.bad_input",
                "--photo-taken-on 须与 --photo-digest 同用",
                "--photo-taken-on goes with --photo-digest",
            )
        return None
    return Photo(args.photo_taken_on or today, args.photo_digest)


def _person_fields(args: argparse.Namespace, today: dt.date) -> dict[str, Any]:
    """The person's fields given on the command line (``edit``, ``correct``), by the
    facade's names (:data:`xueji.registry.EDITABLE_FIELDS`); none given is
    ``cli.nothing``."""
    fields = {
        k: getattr(args, k)
        for k in (
            "name",
            "sex",
            "birth_date",
            "id_number",
            "guardian_id",
            "hukou_region",
            "migrant",
            "special_needs",
        )
        if getattr(args, k) is not None
    }
    photo = _photo(args, today)
    if photo is not None:
        fields["photo"] = photo
    if not fields:
        raise XuejiError(
            "cli.nothing",
            "没有要修改的字段（如 --name、--birth-date）",
            "no field to change (such as --name, --birth-date)",
        )
    return fields


def cmd_transfer_file(args: argparse.Namespace) -> int:
    """Art 21: the receiving school files a guardian's transfer application
    (``Registry.request_transfer``)."""
    from xueji.model import TransferReason

    reg = _registry(args)
    _dated(reg, args)
    reason = TransferReason(args.reason)
    return _filed(
        args,
        reg,
        "transfer file",
        args.student,
        lambda: reg.request_transfer(
            args.actor,
            args.student,
            to_school=args.to_school,
            to_class=args.to_class,
            reason=reason,
            stated_reason=args.stated_reason,
            applied_on=args.applied_on,
            idempotency_key=args.key,
        ),
        ("已申请转学", "transfer filed"),
    )


def cmd_transfer_in(args: argparse.Namespace) -> int:
    """Arts 22, 23: a transfer in from another province (by its 学籍号) or from abroad
    (``Registry.transfer_in``), filed by the receiving school."""
    reg = _registry(args)
    _dated(reg, args)
    photo = _photo(args, reg.today())
    return _filed(
        args,
        reg,
        "transfer in",
        args.registry_number or args.name,
        lambda: reg.transfer_in(
            args.actor,
            origin=args.origin,
            abroad=args.abroad,
            school=args.school,
            class_id=args.class_id,
            grade=args.grade,
            name=args.name,
            sex=args.sex,
            birth_date=args.birth_date,
            hukou_region=args.hukou_region,
            registry_number=args.registry_number,
            id_number=args.id_number,
            guardian_id=args.guardian_id,
            photo=photo,
            migrant=args.migrant,
            applied_on=args.applied_on,
            stated_reason=args.stated_reason,
        ),
        ("已申请转入", "transfer in filed"),
    )


def cmd_transfer_out(args: argparse.Namespace) -> int:
    """Art 22: a transfer out to another province's school that asked for the record
    (``--to-school-name``, ``Registry.request_cross_province_out``); Art 23: out of the
    country (``--destination``, ``Registry.request_cross_border_out``)."""
    reg = _registry(args)
    _dated(reg, args)
    if args.destination is None and args.leave_date is not None:
        raise XuejiError(
            "cli.bad_input",
            "--leave-date 是出境转学的离境日期，须与 --destination 同用（第二十三条）",
            "--leave-date is a transfer abroad's leaving date: it goes with --destination (Art 23)",
        )
    if args.destination is not None:
        return _filed(
            args,
            reg,
            "transfer out",
            args.student,
            lambda: reg.request_cross_border_out(
                args.actor,
                args.student,
                destination=args.destination,
                leave_date=args.leave_date,
                reason=args.reason,
            ),
            ("已申请出境转学", "transfer abroad filed"),
        )
    if not args.reason.strip():  # (the facade's reason here is a stated one, Art 25(2))
        raise XuejiError(
            "cli.bad_input",
            "--reason 原因不能为空：跨省转出记录其原因（第二十二条）",
            "--reason: the reason must not be blank: a transfer to another province "
            "records its reason (Art 22)",
        )
    return _filed(
        args,
        reg,
        "transfer out",
        args.student,
        lambda: reg.request_cross_province_out(
            args.actor, args.student, to_school_name=args.to_school_name, reason=args.reason
        ),
        ("已办理跨省转出", "transfer to another province filed"),
    )


def cmd_transfer_decide(args: argparse.Namespace) -> int:
    """Art 21: decide the stage of a transfer that waits for the actor
    (``Registry.decide_transfer``); Art 25: ``--reject --material-false``, an authority
    refusing it on false material."""
    reg = _registry(args)
    _dated(reg, args)
    approve = bool(args.approve)
    if args.material_false:
        done = ("已驳回（材料虚假）", "rejected on false material")
    else:
        done = ("已批准", "approved") if approve else ("已驳回", "rejected")
    return _filed(
        args,
        reg,
        "transfer decide",
        args.request,
        lambda: reg.decide_transfer(
            args.actor,
            args.request,
            approve=approve,
            note=args.note,
            material_false=args.material_false,
            idempotency_key=args.key,
        ),
        done,
    )


def cmd_change(args: argparse.Namespace) -> int:
    """Arts 26, 27: ``suspend`` (休学), ``resume`` (复学) and ``dropout`` (辍学), each a
    request the school files for its authority's approval (``Registry.suspend``,
    ``resume``, ``record_dropout``); ``return`` (Art 27(2)), a dropout back on the
    registry kept for it (``Registry.return_from_dropout``, no review)."""
    reg = _registry(args)
    _dated(reg, args)
    what = args.command
    reason = getattr(args, "reason", "")
    to_class = getattr(args, "class_id", None)
    a, s = args.actor, args.student
    run, done = {
        "suspend": (
            lambda: reg.suspend(a, s, reason, idempotency_key=args.key),
            ("已申请休学", "suspension filed"),
        ),
        "resume": (
            lambda: reg.resume(a, s, reason, to_class=to_class, idempotency_key=args.key),
            ("已申请复学", "resumption filed"),
        ),
        "dropout": (
            lambda: reg.record_dropout(a, s, reason, idempotency_key=args.key),
            ("已登记辍学", "dropout recorded"),
        ),
        "return": (
            lambda: reg.return_from_dropout(a, s, to_class=to_class, idempotency_key=args.key),
            ("已复学（辍学返校）", "returned to school"),
        ),
    }[what]
    return _filed(args, reg, what, s, run, done)


def cmd_correct(args: argparse.Namespace) -> int:
    """Art 29: a correction of a submitted record's fields, filed for the supervising
    unit's approval (``Registry.request_correction``)."""
    reg = _registry(args)
    _dated(reg, args)
    changes = _person_fields(args, reg.today())
    return _filed(
        args,
        reg,
        "correct",
        args.student,
        lambda: reg.request_correction(
            args.actor, args.student, changes, args.reason, idempotency_key=args.key
        ),
        ("已申请更正", "correction filed"),
    )


def cmd_edit(args: argparse.Namespace) -> int:
    """Edit a record directly (``Registry.update_student``): any field of a draft not
    yet submitted (a new student the authority rejected is one again, Art 15); once
    submitted, the fields Art 29 does not lock (a locked one: ``xueji correct``).
    Fields given as the record holds them are dropped; none left, nothing is written
    and the line says so (``edit.no_change``, exit 0)."""
    reg = _registry(args)
    _dated(reg, args)
    fields = _person_fields(args, reg.today())
    return _filed(
        args,
        reg,
        "edit",
        args.student,
        lambda: reg.update_student(args.actor, args.student, idempotency_key=args.key, **fields),
        ("已修改", "edited"),
        # every field given as the record holds it: nothing written, and said so
        idle=("edit.no_change", ("无变化，未写入", "nothing changed, nothing written")),
    )


def _bool_option(p: argparse.ArgumentParser, name: str, help_text: str) -> None:
    """``--NAME`` / ``--no-NAME``: yes or no; left out, unchanged (None)."""
    p.add_argument(f"--{name}", action=argparse.BooleanOptionalAction, default=None, help=help_text)


def _person_options(p: argparse.ArgumentParser, *, required: bool = False) -> None:
    """A record's person fields as options (``edit``, ``correct``, ``transfer in``):
    with ``required``, those a new record must have."""
    p.add_argument("--name", required=required, help="姓名 the name")
    p.add_argument("--sex", choices=["M", "F"], required=required, help="性别 M or F")
    p.add_argument("--birth-date", type=_date, required=required, help="出生日期 the birth date")
    p.add_argument("--id-number", help="身份证号 the identity number")
    p.add_argument(
        "--guardian-id", help="监护人身份证号 a guardian's identity number (no number of its own)"
    )
    p.add_argument(
        "--hukou-region", required=required, help="户籍地区码 the hukou's 6-digit region code"
    )
    p.add_argument("--photo-digest", help="照片摘要 a digest of the new photo (Art 12)")
    p.add_argument(
        "--photo-taken-on", type=_date, help="照片采集日期 the photo's date (default: --today)"
    )


def _reason(text: str) -> str:
    """``--reason``: a transfer reason by its value or its Chinese name (工作调动), as
    its value; another is refused listing them with their Chinese names (Art 20)."""
    from xueji.model import transfer_reason, transfer_reasons_listed

    reason = transfer_reason(text)
    if reason is None:
        raise argparse.ArgumentTypeError(
            f"{text!r}：应为 {transfer_reasons_listed('zh')} 之一（或其中文名） "
            f"(one of {transfer_reasons_listed('en')}, or its Chinese name)"
        )
    return reason.value


def _add_filing_commands(sub: Any, tr_sub: Any) -> None:
    """The filing commands' parsers: ``transfer file|in|out|decide`` under
    ``transfer`` (``tr_sub``), the others at the top level (``sub``)."""
    from xueji.model import TRANSFER_REASON_ZH

    reasons = ", ".join(f"{r.value} {zh}" for r, zh in TRANSFER_REASON_ZH.items())
    file_ = tr_sub.add_parser("file", help="the receiving school files a transfer (Art 21)")
    file_.add_argument("student", help="the student's id")
    file_.add_argument("--to-school", required=True, help="the receiving school (the actor's)")
    file_.add_argument("--to-class", required=True, help="a class of the receiving school")
    file_.add_argument(
        "--reason",
        type=_reason,
        required=True,
        help=f"why the student moves (Art 20): {reasons} (the value or its Chinese name)",
    )
    file_.add_argument(
        "--stated-reason", default="", help="the reason in words (other; mid-term, Art 25(2))"
    )
    file_.add_argument(
        "--applied-on",
        type=_date,
        help="the day the application came in (default: --today); earlier, the day the "
        "filing ran is recorded: no later command is dated before it",
    )
    file_.set_defaults(func=cmd_transfer_file)
    in_ = tr_sub.add_parser(
        "in", help="a transfer in from another province (Art 22) or from abroad (Art 23)"
    )
    in_.add_argument(
        "--origin", required=True, help="the province or country the student comes from"
    )
    in_.add_argument("--abroad", action="store_true", help="from abroad (Art 23)")
    in_.add_argument("--school", required=True, help="the receiving school (the actor's)")
    in_.add_argument("--class", dest="class_id", required=True, help="a class of that school")
    in_.add_argument("--grade", type=_grade, required=True, help="the grade the student joins")
    in_.add_argument(
        "--registry-number", help="学籍号 the record's number (required from another province)"
    )
    _person_options(in_, required=True)
    in_.add_argument("--migrant", action="store_true", help="随迁子女 a migrant worker's child")
    in_.add_argument(
        "--applied-on",
        type=_date,
        help="the day the application came in (default: --today); earlier, the day the "
        "filing ran is recorded: no later command is dated before it",
    )
    in_.add_argument("--stated-reason", default="", help="the reason (mid-term, Art 25(2))")
    in_.set_defaults(func=cmd_transfer_in)
    out = tr_sub.add_parser(
        "out", help="a transfer out to another province (Art 22) or abroad (Art 23)"
    )
    out.add_argument("student", help="the student's id")
    where = out.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--to-school-name", help="the other province's school that asked for the record (Art 22)"
    )
    where.add_argument("--destination", help="the country the student goes to (Art 23)")
    out.add_argument("--leave-date", type=_date, help="the day the student leaves (Art 23)")
    out.add_argument("--reason", required=True, help="why (the change log records it)")
    out.set_defaults(func=cmd_transfer_out)
    dec = tr_sub.add_parser(
        "decide", help="decide a transfer's stage (Art 21), refuse it on false material (Art 25)"
    )
    dec.add_argument("request", help="the transfer's request id")
    how = dec.add_mutually_exclusive_group(required=True)
    how.add_argument("--approve", action="store_true", help="approve the stage")
    how.add_argument("--reject", action="store_true", help="reject the transfer")
    dec.add_argument(
        "--material-false",
        action="store_true",
        help="with --reject: the material is false (Art 25; an authority)",
    )
    dec.add_argument("--note", default="", help="the decision's note")
    dec.set_defaults(func=cmd_transfer_decide)
    filing = [file_, in_, out, dec]
    for name, help_text in (
        ("suspend", "the school files a suspension, 休学 (Art 26)"),
        ("resume", "the school files a resumption, 复学 (Art 26)"),
        ("dropout", "the school records a dropout, 辍学 (Art 27)"),
        ("return", "a dropout returns to school on the registry kept (Art 27)"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("student", help="the student's id")
        if name != "return":
            p.add_argument("--reason", required=True, help="why (the change log records it)")
        if name in ("resume", "return"):
            p.add_argument(
                "--class", dest="class_id", help="the class back into (default: the student's)"
            )
        p.set_defaults(func=cmd_change)
        filing.append(p)
    cor = sub.add_parser("correct", help="file a correction of a submitted record (Art 29)")
    edit = sub.add_parser("edit", help="edit a record: a draft's any field (Arts 15, 29)")
    for p in (cor, edit):
        p.add_argument("student", help="the student's id")
        _person_options(p)
        _bool_option(p, "migrant", "随迁子女 a migrant worker's child")
        _bool_option(p, "special-needs", "残疾学生 a student with special needs")
        filing.append(p)
    cor.add_argument("--reason", required=True, help="why (the change log records it)")
    cor.set_defaults(func=cmd_correct)
    edit.set_defaults(func=cmd_edit)
    for p in filing:
        _store_options(p)
        if p not in (in_, out):  # (the facade keys neither: a repeat is refused as open)
            p.add_argument(
                "--key",
                metavar="KEY",
                help="an idempotency key: the same command run again with it (a script "
                "re-run after a lost answer) changes nothing and prints the record or "
                "request as it is now",
            )


# -- Excel import and reports (Arts 5, 12, 17, 18, 27, 28) -------------------------------------
#
# ``xueji import students|info|graduation FILE`` and ``xueji report
# stats|fee|migrants|national --out FILE`` work on a store (``--store sqlite:///path``) as
# an acting user (``--as school:A``, ``county:340104``, ``city:3401``, ``province:34``),
# through the registry facade, so access is checked (Art 28). Exit codes: 0 every row
# applied (or the report written); 1 a row refused (nothing written if all-or-nothing);
# 2 bad usage, an unreadable file, or access denied.


def _registry(args: argparse.Namespace, *, founding: bool = False) -> Any:
    from xueji.clock import ManualClock, SystemClock
    from xueji.registry import Registry
    from xueji.storage.sql import SqlStore

    clock = ManualClock(args.today) if args.today else SystemClock()
    # (a bad file is said before the store is opened; a base only the store records
    # is read from it)
    sources = _with_store_bases(args.store, _given_sources(args))
    given = None if sources is None else _built(sources, where=None)
    store = SqlStore.open(args.store, existing=True)
    try:
        policies, args.guessed_profile = _store_profiles(store, given)
    except BaseException:
        store.engine.dispose()
        raise
    reg = Registry(store, clock=clock, calendar=_calendar(args), policies=policies)
    with contextlib.suppress(XuejiError):  # (no profile in force today: the default)
        args.id_mask = reg.policy().id_mask.value  # what it prints, masked with it
    args.actor = _acting(args)
    _known_actor(reg, args.actor, founding=founding)
    return reg


def _known_actor(reg: Any, actor: Any, *, founding: bool = False) -> None:
    """Refuse ``--as`` a unit or school the store does not hold, or a unit acting as
    another level (``province:3401``): its report would be empty, or, for an unknown
    province code, the province's, logged under a unit that does not exist. With
    ``founding`` (``import units``), a province may act on a store that holds no
    province yet: it is adding its own unit (Art 6)."""
    from xueji.model import ActorKind, UnitLevel

    if actor.kind is ActorKind.SYSTEM:  # (--as system: no unit; the command checks access)
        return
    with reg.store.reading() as uow:  # reads only: no write lock on SQLite
        if actor.kind is ActorKind.SCHOOL:
            ok = uow.schools.get(actor.unit) is not None
        else:
            unit = uow.units.get(actor.unit)
            ok = unit is not None and unit.level.value == actor.kind.value
        if not ok and founding and actor.kind is ActorKind.PROVINCE:
            ok = not any(u.level is UnitLevel.PROVINCE for u in uow.units.list())
    if not ok:
        with reg.store.reading() as uow:
            other = uow.units.get(actor.unit)
            empty = not uow.units.list()
        zh, en = "", ""
        if other is not None:  # the code is a unit of another level
            zh = f"（{actor.unit} 是 {other.level.value} 级单位：--as {other.level.value}:{actor.unit}）"
            en = f" ({actor.unit} is a {other.level.value}: --as {other.level.value}:{actor.unit})"
        elif empty:  # a new store: its tree comes first
            zh = "（新库请先以 --as province:省代码 执行 xueji import units）"
            en = " (a new store: first xueji import units --as province:CODE)"
        kind_zh = {
            "province": "省级单位",
            "city": "市级单位",
            "county": "县级单位",
            "school": "学校",
        }
        raise XuejiError(
            "not_found.unit",
            f"库中没有这一{kind_zh[actor.kind.value]}：{actor.unit}{zh}",
            f"the store holds no {actor.kind.value} {actor.unit!r} to act as{en}",
        )


def _actor(text: str) -> Any:
    """``KIND:UNIT`` (a unit or school acting), or ``system``: the system itself
    (``Actor.system()``), for the commands it may run (``forget-keys``). The system has
    no unit: ``system:X`` is refused, not looked up as a unit of the store."""
    from xueji.model import Actor, ActorKind

    kind, colon, unit = text.partition(":")
    if kind == ActorKind.SYSTEM.value:
        if colon:
            raise argparse.ArgumentTypeError(
                f"the system acts as --as system, with no unit, not {text!r}"
            )
        return Actor.system()
    if kind not in {k.value for k in ActorKind} or not unit:
        kinds = ", ".join(k.value for k in ActorKind if k is not ActorKind.SYSTEM)
        raise argparse.ArgumentTypeError(
            f"expected KIND:UNIT, KIND one of {kinds} (e.g. school:A, county:340104), "
            f"or system, not {text!r}"
        )
    return Actor(ActorKind(kind), unit, _CLI_NAME)


_CLI_NAME = "xueji cli"
"""The actor name of a store command's log entries where no person is known: no
``--operator`` and no operating-system user (``getpass.getuser()`` failed)."""


def _operator(text: str) -> str:
    """``--operator``: the name of the person acting, for the change log (Arts 31, 32):
    text, not empty, with no control character and no undecodable byte (an unpaired
    surrogate): the registry refuses those in a name, which the log seals."""
    if not text.strip() or any(c < " " or c == "\x7f" or "\ud800" <= c <= "\udfff" for c in text):
        raise argparse.ArgumentTypeError(
            f"a person's name, not empty and with no control character, not {text!r}"
        )
    return text


def _operating_user() -> str:
    """The operating-system user running the command (``getpass.getuser()``), the
    default ``--operator``; "xueji cli" where there is none, or it is no usable name."""
    import getpass

    try:
        name = getpass.getuser()
    except Exception:  # (OSError, or KeyError before Python 3.13: no user of that id)
        return _CLI_NAME
    try:
        return _operator(name)
    except argparse.ArgumentTypeError:
        return _CLI_NAME


def _acting(args: argparse.Namespace) -> Any:
    """``--as``'s actor named by ``--operator`` (default: the operating-system user),
    so that each entry the command writes says which person acted (Arts 31, 32)."""
    import attrs

    name = args.operator if args.operator is not None else _operating_user()
    return attrs.evolve(args.actor, name=name)


def cmd_init(args: argparse.Namespace) -> int:
    """Create a registry's tables in a database (a new SQLite file is created), or
    upgrade an older registry's; a registry of this version is left as it is. With
    ``--policy``/``--policy-file``, record the profiles the store decides under (Art
    33: :data:`xueji.store_profiles.PROFILES_KEY`); a record that differs is replaced only with
    ``--replace-profiles``, unless the profiles given keep every recorded one (a
    successor added). Then ``xueji import units`` (as the province), ``schools`` and
    ``classes`` build the tree the students are enrolled into."""
    from xueji.errors import CorruptRecord
    from xueji.policy import check_profiles
    from xueji.storage.sql import SCHEMA_VERSION, SqlStore
    from xueji.store_profiles import write_profiles

    # (a bad file is said before the store is created; a base only the store records
    # is read from it: a successor's file added to the record)
    sources = _with_store_bases(args.store, _given_sources(args))
    given = None if sources is None else _built(sources, where=None)
    if args.replace_profiles and given is None:
        raise XuejiError(
            "cli.usage",
            "--replace-profiles 须与 --policy 或 --policy-file 同用",
            "--replace-profiles needs the new profiles (--policy or --policy-file)",
        )
    if given is not None:
        check_profiles(given)
    store = SqlStore.open(args.store, existing=False)
    change: str | None = None
    before: tuple[Policy, ...] | None = None
    try:
        version = store.schema_version()
        if given is None:
            with store.reading() as uow:
                recorded = _read_profiles(uow)
        else:
            with store.unit_of_work() as uow:
                try:
                    before = _read_profiles(uow)
                except CorruptRecord:
                    if not args.replace_profiles:
                        raise
                    before = ()  # (unreadable: replaced, as asked)
                old = None if before is None else {_digest(p) for p in before}
                new = {_digest(p) for p in given}
                if old is None:
                    change = "recorded"
                elif old == new:
                    change = "unchanged"
                elif old < new:
                    change = "added"  # every recorded profile kept: a successor added
                elif args.replace_profiles:
                    change = "replaced"
                else:
                    raise _profile_mismatch(before or (), given)
                if change != "unchanged":
                    assert sources is not None  # (given is built from them)
                    write_profiles(uow, sources, given)
            recorded = given
    finally:
        store.engine.dispose()
    shown = store.engine.url.render_as_string(hide_password=True)
    lines = [f"学籍库就绪 registry ready: {shown} (schema {version}/{SCHEMA_VERSION})"]
    codes = _codes(recorded or ())
    if change == "replaced":
        lines.append(f"政策记录已替换 profiles replaced: {_codes(before or ()) or '-'} -> {codes}")
    elif change is not None:
        zh = {"recorded": "已记录", "unchanged": "与记录相同", "added": "已添加后继政策"}[change]
        lines.append(f"政策{zh} profiles {change}: {codes}")
    elif recorded is not None:
        lines.append(f"此库记录的政策 the store's recorded profiles: {codes}")
    else:
        lines.append(
            f"此库未记录其政策，命令按 {ANHUI_2013.code} 决定（--policy/--policy-file 记录之） "
            f"(no profile recorded: the commands decide under {ANHUI_2013.code}; "
            "--policy/--policy-file record the store's profiles)"
        )
    data = {
        "store": shown,
        "schema": version,
        "profiles": None if recorded is None else [p.code for p in recorded],
        "profiles_change": change,
    }
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from xueji import excel

    run = {
        "units": excel.import_units,
        "schools": excel.import_schools,
        "classes": excel.import_classes,
        "students": excel.import_students,
        "info": excel.import_info,
        "graduation": excel.import_graduation,
    }[args.what]
    if args.report:
        _writable(args.report, args)  # before the import: not after its rows are committed
        if not args.report.lower().endswith(".xlsx"):  # three sheets: no CSV holds them
            raise XuejiError(
                "cli.output_path",
                f"导入报告是工作簿，文件名应以 .xlsx 结尾：{args.report}",
                f"the import report is a workbook: its name ends in .xlsx, not {args.report}",
            )
    reg = _registry(args, founding=args.what == "units")
    _dated(reg, args)  # (the system's date too: before, only an explicit --today)
    report = run(reg, args.actor, args.file, all_or_nothing=not args.partial, sheet=args.sheet)
    if report.committed and report.applied:
        reg.store.analyze()  # the planner's statistics after a bulk load (SqlStore.analyze)
    present = sum(1 for a in report.applied if a.present)  # (the flag: not the note's words)
    done = len(report.applied) - present
    warned = len(report.warned_rows)
    lines = [
        f"{report.kind} 工作表 sheet「{report.sheet}」: {report.rows} 行 rows, "
        f"{done} 已导入 applied"
        + (f" ({warned} 有提示 with warnings)" if warned else "")
        + ", "
        + (f"{present} 已存在 already present, " if present else "")
        + f"{len(report.refused_rows)} 有错 refused, {len(report.held)} 未导入 held"
        + ("" if report.committed else "（未写入 nothing written）")
    ]
    lines += [
        f"  行 {e.row} {e.column or '-'} {e.value!r} [{e.code}] {e.message_zh} ({e.message_en})"
        for e in report.errors
    ]
    if warned:  # applied, but said: an entry after Art 15's deadline, no consent recorded
        lines.append(
            f"  提示 warnings: {warned} 行已导入但有提示 ({warned} rows applied with warnings)"
        )
        lines += [  # with the article, as submit prints the same code
            f"  行 {w.row} [{w.code}] {w.message_zh} ({w.message_en})"
            + (f" — {w.article}" if w.article else "")
            for w in report.warnings[:WARNINGS_SHOWN]
        ]
        if (more := len(report.warnings) - WARNINGS_SHOWN) > 0:
            lines.append(
                f"  …另有 {more} 条提示，见 --report 或 --json "
                f"({more} more warnings: see --report or --json)"
            )
    # a row submitted to the authority (a senior-high graduation, Art 18; now or by an
    # earlier import) names its request: the authority decides it with xueji review ID
    # (or --all --kind graduation); before, only --json and --report showed the id
    submitted = [a for a in report.applied if excel.SUBMITTED in a.note]
    if submitted:
        lines.append(
            f"  待审批 awaiting approval: {len(submitted)} 项，由主管单位以 xueji review "
            "申请号（或 --all --kind graduation）审批 "
            f"({len(submitted)} requests: the authority decides them with xueji review ID, "
            "or --all --kind graduation)"
        )
        lines += [f"  行 {a.row} {a.student} {a.note}" for a in submitted[:WARNINGS_SHOWN]]
        if (more := len(submitted) - WARNINGS_SHOWN) > 0:
            lines.append(
                f"  …另有 {more} 项，见 --report 或 --json ({more} more: see --report or --json)"
            )
    if report.ignored_columns:  # said on screen too: a column read by no one
        shown = "、".join(report.ignored_columns)
        lines.append(f"  忽略的列 ignored columns: {shown}")
    lines += [f"  注意 note: {n}" for n in report.notices]  # another sheet holds data
    try:
        _emit(args, report.to_dict(), "\n".join(lines))  # the summary first, whatever follows
    finally:
        # written even when the summary could not be (a closed pipe: `| head`): the
        # rows are committed, and the workbook is what says which
        if args.report:
            report.write_report(args.report)
    return EXIT_OK if report.ok else EXIT_INVALID


def _dated(reg: Any, args: argparse.Namespace) -> None:
    """The date of a command that writes, logs a read, makes a report or reads the log
    (``history``, ``verify``, ``detect``: :func:`_read_dated`): a ``--today`` after the
    system date, in China time, is refused unless ``--future-date-ok`` is given (a
    typo, 2062 for 2026, dated the log in the future and then refused every later
    command), and the date the command runs on, the system's when no ``--today`` is
    given, may not be before the latest day the registry has run at: the later of the
    log's last entry and the day a late rollover or sweep, or a backdated filing, ran
    (:func:`_not_before_the_log`)."""
    _not_in_the_future(args)
    _not_before_the_log(reg, reg.today(), args.command, given=args.today is not None)


def _not_in_the_future(args: argparse.Namespace) -> None:
    """Refuse a ``--today`` after the system date, in China time, unless
    ``--future-date-ok`` is given (``cli.today_future``): every store command, the
    reports that only read too (a fee report headed with a date a year ahead billed
    today's students, and dropped its "not an October count" note)."""
    from xueji.clock import SystemClock

    now = SystemClock().today()
    if args.today is not None and args.today > now and not args.future_date_ok:
        raise XuejiError(
            "cli.today_future",
            f"--today {args.today} 晚于今天 {now}（中国时间）：命令不能预签日期；"
            "确需将来的日期时加 --future-date-ok",
            f"--today {args.today} is after today, {now} (China time): a command is not "
            "dated in the future; give --future-date-ok if that date is meant",
        )


def _not_before_the_log(reg: Any, today: dt.date, what: str, *, given: bool = True) -> None:
    """Refuse a command dated (``--today``, or the system's date: ``given`` False)
    before the latest day the registry has run at: its entries would be backdated
    among later ones, past a deadline they missed (Art 15's 30 September) and out of
    the Art 32 report's sight. That day is the later of the log's last entry's date
    and the day a rollover, a sweep or a filing dated its application day ran
    (:func:`xueji.registry.latest_log_day`): their entries are dated earlier (the
    rollover date, the day after each deadline, ``--applied-on``), and a suspension
    dated 15 August was accepted after a rollover run on 20 September, before the
    student was enrolled. A store written before that day was kept falls back to the
    last entry's date. The check is the command line's: :class:`xueji.registry.Registry`
    trusts its clock, and a host embedding it checks the same day
    (docs/registry.md)."""
    from xueji.registry import latest_log_day

    with reg.store.reading() as uow:  # reads only: no write lock on SQLite
        latest = latest_log_day(uow)
        if latest is None or today >= latest:
            return
        last = uow.log.last()  # (read again for the refusal only: which day it names)
    # named as what was run: a report was told that "an import" cannot be backdated
    zh, en = _BACKDATED.get(what, ("命令", "a command"))
    if given:
        said_zh, said_en = f"--today {today}", f"--today {today} is"
    else:  # the system's clock: set it right, or give the date
        said_zh = f"今天 {today}（系统日期，中国时间）"
        said_en = f"today, {today} (the system date, China time), is"
    if last is not None and last.on == latest:
        since_zh, since_en = (
            f"变更日志的最后一条（{latest}）",
            f"the change log's last entry ({latest})",
        )
    else:  # a rollover or a sweep ran later than the dates of its entries
        since_zh = (
            f"学籍库已运行到的日期（{latest}：学年升级、期限处理或补填申请日期的申请在该日运行，"
            "其记录日期更早）"
        )
        since_en = (
            f"{latest}, the day the registry last ran at (a rollover, a sweep or a "
            "filing with an earlier application date ran that day, its entries dated "
            "earlier)"
        )
    raise XuejiError(
        "cli.today_backwards",
        f"{said_zh} 早于{since_zh}：{zh}不能倒签日期",
        f"{said_en} before {since_en}: {en} cannot be backdated",
    )


_BACKDATED = {
    "import": ("导入", "an import"),
    "report": ("报告", "a report"),
    "history": ("变更日志查询", "a change-log query"),
    "verify": ("日志校验", "a log verification"),
    "detect": ("检测报告", "an Art 32 report"),
    "submit": ("提交", "a submission"),
    "review": ("审核", "a review"),
    "regrade": ("年级调整", "a regrade"),
    "sweep": ("期限处理", "a sweep"),
    "rollover": ("学年升级", "a rollover"),
}


def _writable(path: str, args: argparse.Namespace) -> None:
    """Refuse an output path whose directory is missing or not writable, before any
    work is done (a report that cannot be written after an import committed left the
    clerk unsure whether the rows went in); and one that is the store's own file, the
    workbook being imported, or something other than a file (a device): the report
    replaced it, and a mistyped ``--out`` destroyed the registry it had just read."""
    from pathlib import Path

    out = Path(path)
    folder = out.parent
    if not path or out.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise XuejiError(
            "cli.output_path",
            f"无法写入输出文件：{path}",
            f"cannot write the output file: {path}",
        )
    if out.exists() and not out.is_file():
        raise XuejiError(
            "cli.output_path",
            f"输出路径已存在且不是普通文件：{path}",
            f"the output path exists and is not a regular file: {path}",
        )
    from xueji.storage.sql import sqlite_file

    inputs = [getattr(args, "file", None), sqlite_file(str(getattr(args, "store", "") or ""))]
    for other in filter(None, inputs):
        if out.resolve() == Path(other).resolve():
            raise XuejiError(
                "cli.output_path",
                f"输出文件不能是数据库或导入的工作簿本身：{path}",
                f"the output file must not be the store or the imported workbook: {path}",
            )


def cmd_forget_keys(args: argparse.Namespace) -> int:
    """Remove the idempotency records of commands run before ``--before`` (store
    upkeep; the province or the system, Art 5): each keyed command leaves one, and
    nothing else removes them."""
    reg = _registry(args)
    _dated(reg, args)
    n = reg.forget_idempotency_keys(args.actor, before=args.before)
    _emit(
        args,
        {"forgotten": n, "before": args.before.isoformat()},
        f"已删除 {args.before} 之前命令的幂等记录 {n} 条 "
        f"(forgotten: {n} idempotency records of commands before {args.before})",
    )
    return EXIT_OK


def cmd_submit(args: argparse.Namespace) -> int:
    """Submit a school's new students for the authority's review (Art 15): the given
    ones, or with ``--all-drafts`` every draft (录入中) of the acting school."""
    from xueji.lifecycle.tables import StudentStatus
    from xueji.model import ActorKind

    reg = _registry(args)  # (an unknown --as is said as such first)
    if args.all_drafts and args.actor.kind is not ActorKind.SCHOOL:
        # (its code was looked up as a school's: "学校 340104 不存在")
        kind = args.actor.kind
        who = "system" if kind is ActorKind.SYSTEM else f"{kind.value}:{args.actor.unit}"
        raise XuejiError(
            "cli.not_a_school",
            "--all-drafts 提交的是执行学校自己的全部录入中学生，须以学校执行"
            f"（--as school:代码），不是 {who}",
            "--all-drafts submits the acting school's own drafts: it is run as a school "
            f"(--as school:CODE), not {who}",
        )
    _dated(reg, args)
    ids = list(args.students)
    if args.all_drafts:
        drafts = reg.students_of(args.actor, args.actor.unit)
        ids += [s.id for s in drafts if s.status is StudentStatus.DRAFT and s.id not in ids]
    if not ids:
        raise XuejiError(
            "cli.nothing", "没有要提交的学生", "no student to submit (name them, or --all-drafts)"
        )
    return _each(
        args,
        ids,
        lambda sid: reg.submit(args.actor, sid),
        "submit",
        ("已提交", "submitted"),
        reg=reg,
    )


def cmd_review(args: argparse.Namespace) -> int:
    """Approve (or ``--reject``) the given requests, each at the stage that waits for
    the actor, whatever its kind (a new student's review, Art 15; a senior-high
    graduation, Art 18; ...); with ``--all``, every request of ``--kind`` (default
    ``new_student``) waiting for the actor."""
    from xueji.lifecycle.tables import RequestKind

    reg = _registry(args)
    _dated(reg, args)
    ids = list(args.requests)
    kind = None if args.kind is None else RequestKind(args.kind)
    if args.all:
        waiting = reg.pending(args.actor, kind or RequestKind.NEW_STUDENT)
        ids += [r.id for r in waiting if r.id not in ids]
    if not ids:
        raise XuejiError(
            "cli.nothing", "没有待审核的申请", "no request to review (name them, or --all)"
        )
    decide = reg.reject if args.reject else reg.approve
    done = ("已驳回", "rejected") if args.reject else ("已批准", "approved")
    what = "review --reject" if args.reject else "review"

    def one(rid: str) -> Any:
        if kind is not None:
            _of_kind(reg, rid, kind)
        return decide(args.actor, rid, args.note)

    return _each(args, ids, one, what, done, reg=reg)


def _of_kind(reg: Any, request_id: str, kind: Any) -> None:
    """Refuse (``cli.bad_input``, on the id's line) a request named to ``review
    --kind KIND`` that is of another kind: ``--kind`` given was ignored, and ``review
    R1 --kind graduation`` approved a new student's review. The request's own kind is
    not said (the actor may be no party of it); an unknown id is left to the decision,
    which says so as before."""
    with reg.store.reading() as uow:  # reads only: no write lock on SQLite
        found = uow.requests.get(request_id)
    if found is not None and found.kind is not kind:
        raise XuejiError(
            "cli.bad_input",
            f"申请 {request_id} 不是 {kind.value} 类申请（--kind），未审批",
            f"request {request_id} is not of the kind {kind.value} (--kind): not decided",
        )


def cmd_sweep(args: argparse.Namespace) -> int:
    """The deadline sweep (Art 24, ``Registry.advance_clock``) under the store's
    profiles: every stage past its deadline approved by default where the profile in
    force says so, each dated the day after its deadline; idempotent. Run once a day
    (cron) by the province or the system. Before, the command line had none, and the
    Python one-liner the docs gave built ``Registry(store)``, deciding under
    ``anhui-2013`` whatever the store records."""
    reg = _registry(args)
    _dated(reg, args)
    with reg.store.reading() as uow:  # the log's head: the sweep's entries come after it
        head = uow.log.last()
    since = 0 if head is None else head.seq
    advanced = reg.advance_clock(args.actor)
    today = reg.today()
    rows = []
    with reg.store.reading() as uow:
        for r in advanced:
            # every stage this run approved (one request may pass two), from its entries
            swept = [
                e
                for e in uow.log.entries(r.id)
                if e.seq > since and e.command.startswith("approve_by_default")
            ]
            states = [e.before.get("state", "") for e in swept[:1]]
            states += [e.after.get("state", "") for e in swept]
            rows.append(
                {
                    "request": r.id,
                    "kind": r.kind.value,
                    "student": r.student,
                    "state": r.state.value,
                    "states": states or [r.state.value],
                    "stages": len(swept),
                    "basis": swept[-1].basis if swept else None,
                }
            )
    stages = sum(int(r["stages"]) for r in rows)
    lines = [
        f"sweep {today}: {len(rows)} 项已默认审批 requests approved by default, "
        f"{stages} 个阶段 stages"
    ]
    lines += [
        f"  {r['request']} {r['kind']} {r['student']}: {' -> '.join(r['states'])} "
        f"({r['stages']} 个阶段 stages)" + (f" — {r['basis']}" if r["basis"] else "")
        for r in rows
    ]
    defaults = True
    with contextlib.suppress(XuejiError):  # (no profile in force today: said by none)
        policy = reg.policy(today)
        param = policy.transfer_default_approval
        defaults = bool(param.value)
        if not defaults:
            cited = policy.as_cited(param.article)
            lines.append(
                f"  注意 note: {policy.code} 不默认审批超期的阶段（{cited}），由其经办方逾期办理 "
                f"(under {policy.code} an overdue stage is not approved by default "
                f"({cited}): its party decides it late)"
            )
    data = {
        "today": today.isoformat(),
        "advanced": rows,
        "stages": stages,
        "default_approval": defaults,
    }
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


_ROLLOVER_COUNTS = (
    ("promoted", "升级 promoted"),
    ("classes_promoted", "升级的班级 classes promoted"),
    ("final_grade_unfinished", "毕业年级未毕业 in a final grade, not graduated"),
    ("completed", "其中结业 of them completed (结业)"),
    ("held_unfinished", "其中留在毕业年级 of them held in the final grade"),
    ("suspended_held", "休学未升级 suspended, held"),
    ("held_for_open_transfer", "转学中未升级 held for an open transfer"),
    ("entered_after_its_date", "升级日后入学、未升级 entered after its date, not moved"),
)
"""The counts of the rollover's log entry (``year:YYYY``) that ``xueji rollover``
prints, with their labels (docs/registry.md, "The rollover's counts")."""


def _whole(text: str | None) -> int | None:
    """A count the log keeps as text, as a number (None where the entry has none)."""
    return None if text is None or not text.strip().isdigit() else int(text)


def cmd_rollover(args: argparse.Namespace) -> int:
    """The rollover of school year ``YEAR`` (Art 18, ``Registry.rollover``) under the
    store's profiles: refused before the profile's rollover date, and after the next
    year's (exit 1, nothing written); run again, it changes nothing. Prints the counts
    its log entry records, and its warnings."""
    reg = _registry(args)
    _dated(reg, args)
    subject = f"year:{args.year}"
    with reg.store.reading() as uow:  # reads only: no write lock on SQLite
        before = uow.log.last(subject)
    out = reg.rollover(args.actor, args.year)
    with reg.store.reading() as uow:
        entry = uow.log.last(subject)
    ran = entry is not None and entry.command == "rollover"
    already = out.allowed and before is not None and ran
    # numbers (--json): the log entry keeps them as text, "5"
    counts = {k: _whole(entry.after.get(k)) for k, _ in _ROLLOVER_COUNTS} if ran and entry else {}
    violations = [str(v) for v in out.decision.violations]
    warnings = [] if already else [str(v) for v in out.decision.warnings]
    head = f"rollover {args.year}:"
    if not out.allowed:
        lines = [f"{head} ✗ {violations[0]}", *(f"  {m}" for m in violations[1:])]
    elif already:
        on = entry.on if entry else "-"
        lines = [f"{head} 已执行过，未改动 already run ({on}): nothing changed"]
    else:
        lines = [
            f"{head} ✓ 已升级 done"
            + (f" ({entry.on})" if entry else "")
            + (f" — {entry.basis}" if entry and entry.basis else "")
        ]
        lines += [f"  {label}: {counts.get(k)}" for k, label in _ROLLOVER_COUNTS]
    lines += [f"  提示 warning {m}" for m in warnings]
    data = {
        "year": args.year,
        "allowed": out.allowed,
        "already_run": already,
        "on": entry.on.isoformat() if ran and entry else None,
        "basis": entry.basis if ran and entry else None,
        "counts": counts,
        "codes": list(out.decision.codes),
        "messages": violations + warnings,
    }
    _emit(args, data, "\n".join(lines))
    return EXIT_OK if out.allowed else EXIT_INVALID


def cmd_regrade(args: argparse.Namespace) -> int:
    """Put students' grades right (Art 18(2), ``Registry.regrade``): each named student
    into ``--grade`` and ``--class``, by the school's authority (Art 28); a missed
    year's class is named once."""
    reg = _registry(args)
    _dated(reg, args)
    return _each(
        args,
        list(args.students),
        lambda sid: reg.regrade(
            args.actor, sid, grade=args.grade, class_id=args.class_id, reason=args.reason
        ),
        "regrade",
        ("已调整年级", "regraded"),
        reg=reg,
    )


def _each(
    args: argparse.Namespace,
    keys: Sequence[str],
    run: Any,
    what: str,
    done: tuple[str, str],
    *,
    reg: Any = None,
) -> int:
    """Run one command per key, each in its own unit of work; a refusal is reported and
    the others go on. Each row says what was done (``done``: in Chinese and English,
    e.g. 已驳回 rejected: a rejection read as an approval did) and each warning with
    its message, or why it was refused. A row carried out names the other id of the
    command (a submitted student's request, a reviewed request's student: before,
    nothing on the command line linked the two) and, with ``reg``, the basis its last
    log entry records (the article; a refusal cites its violations' already). Exit 0
    when every one was allowed, 1 otherwise."""
    rows, said, refused = [], [], 0
    for key in keys:
        request = student = basis = None
        try:
            out = run(key)
            allowed, codes = out.allowed, list(out.decision.codes)
            # why, in both languages: the violations of a refusal, then the warnings
            violations = [str(v) for v in out.decision.violations]
            warnings = [str(v) for v in out.decision.warnings]
            request = out.request.id if out.request is not None else None
            if out.student is not None:
                student = out.student.id
            elif out.request is not None:
                student = out.request.student
            if allowed and reg is not None:
                basis = _basis(reg, request or student or key)
        except XuejiError as e:  # this one (not a draft, unknown, not the actor's): said
            allowed, codes, violations, warnings = (
                False,
                [e.code],
                [f"[{e.code}] {_said(e, args)}"],
                [],
            )
        if allowed:
            other = request if request not in (None, key) else student
            line = f"  {key}: ✓ {done[0]} {done[1]}"
            line += f" ({other})" if other not in (None, key) else ""
            said.append(line + (f" — {basis}" if basis else ""))
        else:
            refused += 1
            said.append(f"  {key}: ✗ {violations[0]}")
            said += [f"      {m}" for m in violations[1:]]
        said += [f"      提示 warning {m}" for m in warnings]
        rows.append(
            {
                "key": key,
                "allowed": allowed,
                "done": done[1] if allowed else None,
                "request": request,
                "student": student,
                "basis": basis,
                "codes": codes,
                "messages": violations + warnings,
            }
        )
    lines = [f"{what}: {len(keys) - refused} {done[0]} {done[1]}, {refused} 未办理 refused"]
    lines += said
    _emit(args, rows, "\n".join(lines))  # masked: a message may quote an identity number
    return EXIT_OK if not refused else EXIT_INVALID


def _basis(reg: Any, subject: str) -> str | None:
    """The basis (the article, or the default approval's words) of ``subject``'s last
    change-log entry: what a decision just carried out was recorded under."""
    with reg.store.reading() as uow:  # reads only: no write lock on SQLite
        entry = uow.log.last(subject)
    return entry.basis or None if entry is not None else None


def cmd_report(args: argparse.Namespace) -> int:
    from xueji import excel, statistics

    if not args.out.lower().endswith((".xlsx", ".csv")):  # (x.txt got a workbook)
        raise XuejiError(
            "cli.output_path",
            f"报告文件名应以 .xlsx 或 .csv 结尾：{args.out}",
            f"a report's file name ends in .xlsx or .csv, not {args.out}",
        )
    _writable(args.out, args)  # before the store is read
    reg = _registry(args)
    # every report, dated by --today or the system: not in the future, nor before the
    # day the registry last ran at (a migrants file dated 2 December listed a dropout
    # approved on the 21st); the national export logs its read of full numbers on it
    _dated(reg, args)
    # the files name who made them and the units beside their codes (reviewers read
    # 34 for the province, 3401 for a city)
    operator = args.operator if args.operator is not None else _operating_user()
    scope_name = _name_of(reg, args.actor.unit)
    data: Any
    if args.what == "stats":
        stats = reg.statistics(args.actor)
        table = statistics.stats_table(
            stats, policy=reg.policy(), scope_name=scope_name, operator=operator
        )
        data = _stats_summary(stats)
        data["warnings"] = statistics.warnings_of(table)
    elif args.what == "fee":
        fee = statistics.maintenance_fee(reg.statistics(args.actor), reg.policy())
        table = fee.table(scope_name=scope_name, operator=operator)
        data = {
            "students": fee.total_students,
            "fee": str(fee.total_fee),
            "article": str(fee.article),
            "warnings": list(fee.warnings),
        }
    elif args.what == "migrants":
        if not (args.start and args.end):
            raise XuejiError("cli.term", "需要 --start 和 --end", "--start and --end are required")
        if args.start > args.end:
            raise XuejiError(
                "cli.term",
                f"--start {args.start} 晚于 --end {args.end}",
                f"--start {args.start} is after --end {args.end}",
            )
        summary = reg.migrant_dropouts(args.actor, start=args.start, end=args.end)
        table = statistics.migrants_table(
            summary,
            start=args.start,
            end=args.end,
            scope=args.actor.unit,
            taken_on=reg.today(),
            policy=reg.policy(),
            scope_name=scope_name,
            operator=operator,
        )
        # the counts by 户籍 county, and the file's warning (taken before the term's
        # end: not the final summary), printed as the fee's note is
        data = {k: len(v) for k, v in summary.items()}
        data["warnings"] = statistics.warnings_of(table)
    elif args.what == "classlist":
        if not args.school:
            raise XuejiError("cli.school", "需要 --school", "--school is required")
        rows = reg.public_class_list(args.actor, args.school)
        table = statistics.public_list_table(
            args.school,
            rows,
            taken_on=reg.today(),
            policy=reg.policy(),
            school_name=_name_of(reg, args.school),
            operator=operator,
        )
        data = {"rows": len(rows)}
    else:  # streamed: a province's records are written as they are read
        with excel.table_writer(
            args.out,
            statistics.NATIONAL_TITLE,
            statistics.NATIONAL_HEADER,
            numeric_columns=statistics.NATIONAL_NUMERIC_COLUMNS,
        ) as write:
            n = reg.national_export_to(args.actor, lambda r: write(statistics.national_row(r)))
        _emit(args, {"out": args.out, "records": n}, f"{args.what}: {n} 行 rows -> {args.out}")
        return EXIT_OK
    excel.write_table(args.out, table)
    text = f"{args.what}: {len(table.rows)} 行 rows -> {args.out}"
    if args.what == "stats":
        text += f"; 在籍 enrolled {data['enrolled']}, 记录 records {data['records']}"
        if data["migrant"] is not None:  # (blank: the store counts no flags; warned)
            text += (
                f"; 在籍中 of them 随迁子女 migrant {data['migrant']['enrolled']}, "
                f"残疾学生 special needs {data['special_needs']['enrolled']}"
            )
    notes = data.get("warnings", []) if isinstance(data, dict) else []
    _emit(args, {"out": args.out, **data}, "\n".join([text, *(f"  注意 note: {w}" for w in notes)]))
    return EXIT_OK


def _name_of(reg: Any, code: str) -> str:
    """The name of the unit or school ``code`` (a report's header names it beside its
    code), "" where the store holds neither (the province's own code when no unit
    is recorded for it)."""
    with reg.store.reading() as uow:  # reads only: no write lock on SQLite
        unit = uow.units.get(code)
        if unit is not None:
            return str(unit.name)
        school = uow.schools.get(code)
        return str(school.name) if school is not None else ""


def _stats_summary(stats: statistics.Statistics) -> dict[str, Any]:
    """``report stats --json``'s counts (Art 28): ``records``, every record in the
    jurisdiction whatever its status (drafts, records under review, dropouts, those who
    left, 作废 records); ``enrolled``, those 在籍 (registered or suspended, as the fee
    counts them: ``statistics.COUNTED_FOR_FEE``); ``by_status``, the records of each
    status (every status, 0 where none). ``total`` is ``records`` under its old name
    (kept for scripts that read it: it was never the number of students 在籍).
    ``migrant`` and ``special_needs``: the 随迁子女 and 残疾学生 among the ``records`` and
    among those ``enrolled``; null where the store counts no flags (the report's
    warning says so: ``statistics.FLAGS_BLANK``)."""
    from xueji.lifecycle.tables import StudentStatus
    from xueji.statistics import COUNTED_FOR_FEE, FLAGS

    records = stats.total()
    out: dict[str, Any] = {
        "records": records,
        "enrolled": sum(stats.total(status=s) for s in COUNTED_FOR_FEE),
        "by_status": {s.value: stats.total(status=s) for s in StudentStatus},
        "total": records,
    }
    for flag in FLAGS:
        every = stats.flagged(flag)
        out[flag] = (
            None
            if every is None
            else {
                "records": every,
                "enrolled": sum(stats.flagged(flag, status=s) or 0 for s in COUNTED_FOR_FEE),
            }
        )
    return out


# -- read-only commands: pending, history, verify, detect (Arts 19, 28, 31, 32) ---------
#
# What a county that has only the command line reads: its inbox, a subject's change
# log, the log's verification (with checkpoints) and the Art 32 report. Each runs
# through the registry facade on the store's profiles (:func:`_registry`), so access
# is checked as the facade checks it (Art 28), and prints masked (:func:`_emit`).


def _read_dated(reg: Any, args: argparse.Namespace) -> None:
    """The date of a read-only command, checked as a report's (:func:`_dated`): a
    ``--today`` after today is refused unless ``--future-date-ok``, and the date it
    runs on, the system's when no ``--today`` is given, may not be before the latest
    day the registry has run at (:func:`_not_before_the_log`). Before, only an explicit
    ``--today`` was checked against the log, while the reports check every date
    (found by the leftovers review)."""
    _dated(reg, args)


def _cited(reg: Any, action: str) -> str:
    """The article a read-only command rests on: the profile's citation of the access
    rule (``access.<action>``), else the permission matrix's (Art 28's table)."""
    from xueji import access
    from xueji.errors import PolicyNotInForce

    default = access.PERMISSIONS[action].article
    try:
        return str(reg.policy(reg.today()).cite("access", action, default))
    except PolicyNotInForce:
        return str(default)


def cmd_pending(args: argparse.Namespace) -> int:
    """The actor's inbox (``Registry.pending``): the open requests whose current stage
    waits for it, by deadline then id: request, kind, student, stage, since when and
    the stage's deadline (已超期 where it has passed). Reading a correction's new
    identity number whole is logged, as the facade logs it: dated as a writing
    command."""
    from xueji.lifecycle.tables import RequestKind

    reg = _registry(args)
    _dated(reg, args)  # (it may log a read)
    kind = None if args.kind is None else RequestKind(args.kind)
    today = reg.today()
    found = reg.pending(args.actor, kind)
    rows = [
        {
            "request": r.id,
            "kind": r.kind.value,
            "student": r.student,
            "stage": r.state.value,
            "since": r.stage_since.isoformat() if r.stage_since else None,
            "deadline": r.deadline.isoformat() if r.deadline else None,
            "overdue": r.deadline is not None and r.deadline < today,
            "from_school": r.from_school or None,
            "to_school": r.to_school or None,
        }
        for r in found
    ]
    who = f"{args.actor.kind.value}:{args.actor.unit}"
    lines = [f"pending {who} {today}: {len(rows)} 项待办 requests waiting"]
    for r in rows:
        line = f"  {r['request']} {r['kind']} {r['student']} {r['stage']}"
        line += f" 自 since {r['since']}" if r["since"] else ""
        line += f", 期限 due {r['deadline']}" if r["deadline"] else ""
        line += "（已超期 overdue）" if r["overdue"] else ""
        lines.append(line)
    _emit(args, rows, "\n".join(lines))
    return EXIT_OK


def _entry_dict(e: Any) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "on": e.on.isoformat(),
        "actor": f"{e.actor_kind}:{e.actor_unit}",
        "actor_name": e.actor_name,
        "command": e.command,
        "subject": e.subject,
        "before": dict(e.before),
        "after": dict(e.after),
        "basis": e.basis,
        "hash": e.hash,
    }


def cmd_history(args: argparse.Namespace) -> int:
    """The change-log entries of one subject, a student or a request (or a school;
    a unit or a rollover year for the province): ``Registry.history``, access-checked
    as it checks (Art 28) and, as it, logging no read; each entry with its number,
    date, actor, command, basis and the fields it changed (before -> after), printed
    masked as every line (Arts 19, 30, 31)."""
    reg = _registry(args)
    _read_dated(reg, args)
    entries = reg.history(args.actor, args.subject)
    lines = [f"history {args.subject}: {len(entries)} 条 entries"]
    for e in entries:
        who = f"{e.actor_kind}:{e.actor_unit}" + (f" {e.actor_name}" if e.actor_name else "")
        lines.append(f"  #{e.seq} {e.on} {who} {e.command}" + (f" — {e.basis}" if e.basis else ""))
        for key in sorted(set(e.before) | set(e.after)):
            if key in _QUIET_FIELDS:
                continue
            old, new = e.before.get(key), e.after.get(key)
            shown = new if old is None else f"{old} -> {new if new is not None else '-'}"
            lines.append(f"      {key}: {shown}")
    _emit(args, [_entry_dict(e) for e in entries], "\n".join(lines))
    return EXIT_OK


_QUIET_FIELDS = frozenset({"record_digest", "request_digest"})
"""Fields ``history`` leaves out of its text (the digests the audit compares; ``--json``
has them): a line a person reads says what changed."""


def _read_checkpoint(path: str) -> Any:
    """A checkpoint written by ``--save-checkpoint`` (``audit.Checkpoint.to_json``);
    another file is ``cli.bad_checkpoint`` (exit 2)."""
    from xueji import audit

    with open(path, encoding="utf-8") as f:
        try:
            text = f.read()
        except UnicodeDecodeError as e:
            raise _bad_checkpoint(path, "不是 UTF-8 文本", "not UTF-8 text") from e
    try:
        return audit.Checkpoint.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise _bad_checkpoint(path, "不是检查点 JSON", "not a checkpoint's JSON") from e


def _bad_checkpoint(path: str, zh: str, en: str) -> XuejiError:
    return XuejiError(
        "cli.bad_checkpoint",
        f"检查点文件 {path} {zh}（应为 xueji verify --save-checkpoint 所写）",
        f"the checkpoint file {path} is {en} (one written by xueji verify --save-checkpoint)",
    )


def _verification(v: Any) -> dict[str, Any]:
    return {
        "ok": v.ok,
        "checked": v.checked,
        "seq": v.seq,
        "problem": v.problem,
        "message_zh": v.message_zh,
        "message_en": v.message_en,
    }


def cmd_verify(args: argparse.Namespace) -> int:
    """Verify the change log's hash chain (``Registry.verify_log``; Art 31 sampling,
    Art 32(三) tampering); with ``--checkpoint FILE``, also that it still passes
    through a checkpoint taken earlier; with ``--save-checkpoint FILE``, write the
    log's head now (``Registry.checkpoint``, verified first) for a higher authority to
    keep. Exit 0 intact, 1 broken (the first bad entry named)."""
    from xueji.errors import BrokenLog

    if args.save_checkpoint:
        _writable(args.save_checkpoint, args)  # before the store is read
    checkpoint = _read_checkpoint(args.checkpoint) if args.checkpoint else None
    reg = _registry(args)
    _read_dated(reg, args)
    result = reg.verify_log(args.actor, checkpoint=checkpoint)
    lines = [str(result)]
    saved = None
    if result.ok and args.save_checkpoint:
        try:
            taken = reg.checkpoint(args.actor)
        except BrokenLog:  # (an entry appended since, broken: said as the verification)
            result = reg.verify_log(args.actor)
            lines = [str(result)]
        else:
            with open(args.save_checkpoint, "w", encoding="utf-8") as f:
                f.write(taken.to_json() + "\n")
            saved = {"file": args.save_checkpoint, "seq": taken.seq, "hash": taken.hash}
            lines.append(f"检查点已保存 checkpoint saved: {args.save_checkpoint} (#{taken.seq})")
    if checkpoint is not None and result.ok:
        lines.append(f"经过检查点 passes through the checkpoint #{checkpoint.seq}")
    lines[0] += f" — {_cited(reg, 'verify_log')}"
    data = {**_verification(result), "checkpoint_saved": saved}
    _emit(args, data, "\n".join(lines))
    return EXIT_OK if result.ok else EXIT_INVALID


def cmd_detect(args: argparse.Namespace) -> int:
    """The Art 32 report (``Registry.detect``) of the actor's jurisdiction on the
    command's date: each finding (its kind, the unit charged, the subject, the date,
    what was seen in Chinese and English), the counts by unit, and the change log's
    verdict (against ``--checkpoint FILE`` too). Exit 0: the report was made (its
    findings are what it reports); 2 bad usage or access."""
    checkpoint = _read_checkpoint(args.checkpoint) if args.checkpoint else None
    reg = _registry(args)
    _read_dated(reg, args)
    report = reg.detect(args.actor, checkpoint=checkpoint)
    by_unit = report.by_unit()
    lines = [
        f"detect {report.on}: {len(report.findings)} 项 findings — {_cited(reg, 'detect')}",
        f"  {report.log}",
    ]
    for unit, counts in by_unit.items():
        shown = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
        lines.append(f"  {unit}: {shown}")
    lines += [
        f"  {f.kind} {f.unit} {f.subject} {f.on}: {f.detail_zh} ({f.detail})"
        for f in report.findings
    ]
    data = {
        "on": report.on.isoformat(),
        "findings": [
            {
                "kind": f.kind,
                "unit": f.unit,
                "subject": f.subject,
                "on": f.on.isoformat(),
                "detail": f.detail,
                "detail_zh": f.detail_zh,
            }
            for f in report.findings
        ],
        "by_unit": by_unit,
        "log": _verification(report.log),
    }
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


def _add_read_commands(sub: Any) -> None:
    """The parsers of ``pending``, ``history``, ``verify`` and ``detect``."""
    from xueji.lifecycle.tables import RequestKind

    pend = sub.add_parser("pending", help="the requests waiting for the actor: its inbox (Art 28)")
    pend.add_argument(
        "--kind", choices=[k.value for k in RequestKind], help="only requests of this kind"
    )
    pend.set_defaults(func=cmd_pending)
    hist = sub.add_parser(
        "history", help="a student's or a request's change-log entries (Arts 19, 31)"
    )
    hist.add_argument("subject", metavar="STUDENT|REQUEST", help="a student or request id")
    hist.set_defaults(func=cmd_history)
    ver = sub.add_parser("verify", help="verify the change log's hash chain (Arts 31, 32)")
    ver.add_argument(
        "--save-checkpoint",
        metavar="FILE",
        help="write the log's head (JSON) for a higher authority to keep",
    )
    ver.set_defaults(func=cmd_verify)
    det = sub.add_parser("detect", help="the Art 32 report of the actor's jurisdiction")
    det.set_defaults(func=cmd_detect)
    for p in (ver, det):
        p.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="a checkpoint saved earlier (--save-checkpoint): the log must pass through it",
        )
    for p in (pend, hist, ver, det):
        _store_options(p)


def _store_options(p: argparse.ArgumentParser) -> None:
    """The options of a command that works on a store as an acting user: the store,
    ``--as``, the date of the commands, extra holiday schedules and the profiles the
    store decides under (:func:`_store_profiles`)."""
    p.add_argument("--store", required=True, help="a SQLAlchemy URL, e.g. sqlite:///x.db")
    p.add_argument(
        "--as",
        dest="actor",
        type=_actor,
        required=True,
        help="KIND:UNIT (province, city, county, school), or system (forget-keys, sweep, "
        "rollover, verify)",
    )
    p.add_argument(
        "--operator",
        type=_operator,
        metavar="NAME",
        help="the person acting, named in each change-log entry (Arts 31, 32; default: "
        "the operating-system user, else 'xueji cli')",
    )
    p.add_argument(
        "--today",
        type=_date,
        help="the date of the commands (default: today, China time); it may not be "
        "before the later of the change log's last entry and the day the registry last "
        "ran at (a late rollover or sweep, a filing with an earlier --applied-on), nor "
        "after today",
    )
    p.add_argument(
        "--future-date-ok",
        action="store_true",
        help="accept a --today after today's date (a rehearsal on a copy of the store)",
    )
    p.add_argument(
        "--holidays",
        action="append",
        metavar="TOML",
        help="a holiday schedule file for years chinese-calendar lacks (deadlines)",
    )
    p.add_argument(
        "--policy",
        action="append",
        metavar="CODE",
        help="a shipped profile the store decides under (repeat: the profiles over time; "
        "default: those recorded in the store by xueji init, else anhui-2013; given, they "
        "must be the recorded ones)",
    )
    p.add_argument(
        "--policy-file",
        action="append",
        metavar="TOML",
        help="a TOML policy file the store decides under (repeat: each may take an "
        "earlier one as its base; every one given is one of the store's profiles; "
        "given, they must be the recorded ones)",
    )


def _add_excel_commands(sub: Any) -> None:
    from xueji.lifecycle.tables import RequestKind

    init = sub.add_parser("init", help="create a registry's tables in a database (or upgrade)")
    init.add_argument("--store", required=True, help="a SQLAlchemy URL, e.g. sqlite:///x.db")
    init.add_argument(
        "--policy",
        action="append",
        metavar="CODE",
        help="record a shipped profile as one the store decides under (repeat: the "
        "profiles over time)",
    )
    init.add_argument(
        "--policy-file",
        action="append",
        metavar="TOML",
        help="record a TOML policy file's profile in the store (repeat: each may take an "
        "earlier one as its base); later commands need neither option",
    )
    init.add_argument(
        "--replace-profiles",
        action="store_true",
        help="replace the store's recorded profiles by those given (needed unless they "
        "keep every recorded one)",
    )
    init.set_defaults(func=cmd_init)
    imp = sub.add_parser("import", help="import a workbook (Arts 6-10, 12, 17, 18)")
    imp.add_argument(
        "what", choices=["units", "schools", "classes", "students", "info", "graduation"]
    )
    imp.add_argument("file")
    imp.add_argument(
        "--sheet", metavar="NAME", help="the worksheet to read (default: the workbook's first)"
    )
    rep = sub.add_parser("report", help="write a report as xlsx or CSV (Arts 5, 27, 28, 31)")
    rep.add_argument("what", choices=["stats", "fee", "migrants", "national", "classlist"])
    rep.add_argument("--school", help="the school whose class list is published (classlist)")
    rep.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    rep.add_argument("--start", type=_date, help="the term's first day (migrants)")
    rep.add_argument("--end", type=_date, help="the term's last day (migrants)")
    for p in (imp, rep):
        _store_options(p)
    mode = imp.add_mutually_exclusive_group()
    mode.add_argument("--all-or-nothing", dest="partial", action="store_false", default=False)
    mode.add_argument("--partial", dest="partial", action="store_true", help="apply the good rows")
    imp.add_argument("--report", help="write the import report to this workbook")
    imp.set_defaults(func=cmd_import)
    rep.set_defaults(func=cmd_report)
    sub_ = sub.add_parser("submit", help="submit new students for review (Art 15)")
    sub_.add_argument("students", nargs="*", help="student ids")
    sub_.add_argument("--all-drafts", action="store_true", help="every draft of the school")
    rev = sub.add_parser(
        "review", help="decide requests waiting for the actor: new students (Art 15), ..."
    )
    rev.add_argument("requests", nargs="*", help="request ids (any kind, at the actor's stage)")
    rev.add_argument(
        "--all", action="store_true", help="every request of --kind waiting for the actor"
    )
    rev.add_argument(
        "--kind",
        choices=[k.value for k in RequestKind],
        help="the kind --all takes (default: new_student); given with ids, each must "
        "be of this kind",
    )
    rev.add_argument("--reject", action="store_true", help="reject instead of approving")
    rev.add_argument("--note", default="", help="the reviewer's note")
    forget = sub.add_parser(
        "forget-keys", help="remove idempotency records older than a date (store upkeep)"
    )
    forget.add_argument(
        "--before", type=_date, required=True, help="commands run before this day (YYYY-MM-DD)"
    )
    forget.set_defaults(func=cmd_forget_keys)
    reg_ = sub.add_parser(
        "regrade", help="put students' grades right, by the authority (Arts 18, 28)"
    )
    reg_.add_argument("students", nargs="+", help="student ids")
    reg_.add_argument("--grade", type=_grade, required=True, help="the grade they belong in")
    reg_.add_argument(
        "--class", dest="class_id", required=True, help="a class of that grade at their school"
    )
    reg_.add_argument("--reason", required=True, help="why (the change log records it)")
    reg_.set_defaults(func=cmd_regrade)
    sweep = sub.add_parser(
        "sweep",
        help="the deadline sweep: default approvals past their deadlines (Art 24); the "
        "entries are the system's, their actor name saying who ran it (--operator)",
    )
    sweep.set_defaults(func=cmd_sweep)
    roll = sub.add_parser("rollover", help="the school year's rollover: grades up one (Art 18)")
    roll.add_argument("year", type=int, help="the year whose rollover date it is (e.g. 2027)")
    roll.set_defaults(func=cmd_rollover)
    for p in (sub_, rev, forget, reg_, sweep, roll):
        _store_options(p)
    sub_.set_defaults(func=cmd_submit)
    rev.set_defaults(func=cmd_review)


# -- the parser ------------------------------------------------------------------------


_USAGE_ZH: tuple[tuple[str, str], ...] = (
    # argparse's messages (Python 3.11-3.13) and this module's argument types, in Chinese
    (r"the following arguments are required: (.+)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
    (r"argument (\S+): invalid int value: (.+)", r"参数 \1 应为整数，不是 \2"),
    (
        r"argument (\S+): invalid choice: (\S+) \(choose from (.+)\)",
        r"参数 \1 无效：\2（可选：\3）",
    ),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 至少需要一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"argument (\S+): ignored explicit argument (.+)", r"参数 \1 不带值，却给了 \2"),
    (r"argument (\S+): not a date \(YYYY-MM-DD\): (.+)", r"参数 \1 不是日期（YYYY-MM-DD）：\2"),
    (
        r"argument (\S+): a period has at least one working day, not (.+)",
        r"参数 \1：期限至少为1个工作日，不是 \2",
    ),
    (r"argument (\S+): a count is not negative, not (.+)", r"参数 \1 是个数，不能为负数：\2"),
    (r"argument (\S+): grades run from 1 to 12, not (.+)", r"参数 \1：年级应为1至12，不是 \2"),
    (
        r"argument (\S+): expected KIND:UNIT, KIND one of ([^(]+) \(e\.g\. [^)]*\), "
        r"or system, not (.+)",
        r"参数 \1 应为 种类:单位代码，种类为 \2 之一（如 school:A、county:340104），"
        r"或 system，不是 \3",
    ),
    (
        r"argument (\S+): the system acts as --as system, with no unit, not (.+)",
        r"参数 \1：系统以 --as system 执行，不带单位代码，不是 \2",
    ),
    (r"ambiguous option: (\S+) could match (.+)", r"选项 \1 有歧义，可能是 \2"),
    # a required group (transfer decide --approve|--reject, transfer out's destination)
    (r"one of the arguments (.+) is required", r"须给出其中一个参数：\1"),
    (
        r"argument (\S+): a person's name, not empty and with no control character, not (.+)",
        r"参数 \1：应为经办人姓名，不能为空、不含控制字符，不是 \2",
    ),
)


def _usage_zh(message: str) -> str:
    """The Chinese half of an argparse message: its translation, or a general line."""
    import re

    for pattern, zh in _USAGE_ZH:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, zh, message)
    return "命令行用法有误（见 xueji --help）"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, in both languages, exit 2
        # (it quotes the bad argument: an identity number typed as a date is masked)
        line = f"[cli.usage] {_usage_zh(message)} (usage: {message})"
        self.exit(EXIT_USAGE, f"xueji: {mask_ids(line)}\n")


def _count(text: str) -> int:
    """A count (open transfers): a whole number, not negative."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"a count is not negative, not {n}")
    return n


def _grade(text: str) -> int:
    """A grade: a whole number from 1 to 12."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 1 <= n <= 12:
        raise argparse.ArgumentTypeError(f"grades run from 1 to 12, not {n}")
    return n


def _working_days(text: str) -> int:
    """A period's length: a whole number of working days, at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"a period has at least one working day, not {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation)."""
    p = _Parser(prog="xueji", description="学籍 rules as code (皖教基〔2013〕20号)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="one school year of a small province, as a timeline")
    demo.add_argument("--db", help="keep the SQLite database in this (new) file")
    demo.add_argument(
        "--seed", type=int, default=0, help="draw other students (same seed, same year)"
    )
    demo.set_defaults(func=cmd_demo)
    tour = sub.add_parser("tour", help="a tour of ID numbers, registry numbers, deadlines")
    tour.set_defaults(func=cmd_tour)

    id_ = sub.add_parser("id", help="resident identity numbers (GB 11643)")
    id_sub = id_.add_subparsers(dest="id_command", required=True, parser_class=_Parser)
    check = id_sub.add_parser("check", help="validate identity numbers")
    check.add_argument("numbers", nargs="+")
    check.add_argument("--today", type=_date, default=None, help="date for the future check")
    check.add_argument(
        "--show-full",
        action="store_true",
        help="print the numbers unmasked, with their birth dates (masked: neither)",
    )
    check.set_defaults(func=cmd_id_check)
    up = id_sub.add_parser("upgrade", help="15-digit to 18-digit form")
    up.add_argument("number")
    up.add_argument("--show-full", action="store_true", help="print the number unmasked")
    up.set_defaults(func=cmd_id_upgrade)

    num = sub.add_parser("number", help="registry numbers (学籍号 G/J/L)")
    num_sub = num.add_subparsers(dest="number_command", required=True, parser_class=_Parser)
    ncheck = num_sub.add_parser("check", help="validate registry numbers")
    ncheck.add_argument("numbers", nargs="+")
    ncheck.add_argument("--today", type=_date, default=None)
    ncheck.add_argument(
        "--show-full",
        action="store_true",
        help="print the numbers unmasked, with their birth dates (masked: neither)",
    )
    ncheck.set_defaults(func=cmd_number_check)

    dl = sub.add_parser("deadline", help="the last day of N working days after START")
    dl.add_argument("start", type=_date)
    dl.add_argument("n", type=_working_days)
    dl.add_argument(
        "--holidays",
        action="append",
        metavar="TOML",
        help="a holiday schedule file for years chinese-calendar lacks",
    )
    dl.set_defaults(func=cmd_deadline)
    _add_explain_options(dl)

    acc = sub.add_parser("access", help="print the permission matrix (Art 28)")
    acc.set_defaults(func=cmd_access)

    tables = sub.add_parser("tables", help="print the transition tables (Markdown, Mermaid)")
    tables.set_defaults(func=cmd_tables)

    pol = sub.add_parser("policy", help="policy profiles")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True, parser_class=_Parser)
    show = pol_sub.add_parser("show", help="print a profile's parameters with articles")
    show.add_argument("--policy", default=ANHUI_2013.code, help="profile code")
    show.add_argument(
        "--policy-file",
        action="append",
        help="a TOML policy file (repeat: each may take an earlier one as its base; the last is used)",
    )
    show.add_argument("--notes", action="store_true", help="show the reading chosen")
    show.set_defaults(func=cmd_policy_show)

    scen = sub.add_parser("scenario", help="policy scenarios in YAML (for analysts)")
    scen_sub = scen.add_subparsers(dest="scenario_command", required=True, parser_class=_Parser)
    srun = scen_sub.add_parser("run", help="run scenario files (directories: *.scenario.yaml)")
    srun.add_argument("paths", nargs="+")
    srun.add_argument(
        "--show",
        action="store_true",
        help="print what each step did, passing or not: allowed or refused, the codes with"
        " their articles, the student and request after it, the requests a sweep advanced",
    )
    srun.set_defaults(func=cmd_scenario_run)
    _add_transfer_commands(sub)
    _add_excel_commands(sub)
    _add_read_commands(sub)
    _describe(p)
    return p


_STORE_2 = "2 bad usage or input, access denied, an unknown --as, the store or the date refused"
_FILING_EXITS = f"0 done; 1 refused by a rule (said on its line, nothing written); {_STORE_2}"
_EACH_EXITS = f"0 every one went through; 1 one was refused (each on its line); {_STORE_2}"
_READ_EXITS = f"0 printed; {_STORE_2}"
_EXITS: dict[str, str] = {
    "demo": "0 printed; 2 bad usage",
    "tour": "0 printed; 2 bad usage",
    "id check": "0 every number valid; 1 one is invalid; 2 bad usage",
    "id upgrade": "0 upgraded; 1 not a 15-digit number; 2 bad usage",
    "number check": "0 every number valid; 1 one is invalid; 2 bad usage",
    "deadline": "0 computed; 2 bad usage, a year the holiday calendar does not cover",
    "access": "0 printed; 2 bad usage",
    "tables": "0 printed; 2 bad usage",
    "policy show": "0 printed; 2 bad usage, an unknown profile or a file that cannot be loaded",
    "scenario run": "0 every scenario gave what it states; 1 a step did not; 2 a file is "
    "malformed, no scenario found",
    "transfer check": "0 allowed (warnings do not count); 1 refused by a rule; 2 bad usage, "
    "facts that cannot be read",
    "init": "0 the tables are there, the profiles given recorded; 2 bad usage, the store "
    "cannot be opened, profiles other than the recorded ones",
    "import": f"0 every row applied; 1 a row refused (see the report); {_STORE_2}, a file "
    "that cannot be read",
    "report": f"0 written; {_STORE_2}, an output file that cannot be written",
    "submit": _EACH_EXITS,
    "review": _EACH_EXITS,
    "regrade": _EACH_EXITS,
    "forget-keys": f"0 removed (how many is printed); {_STORE_2}",
    "sweep": f"0 swept (the requests approved by default listed, none included); {_STORE_2}",
    "rollover": "0 run, or run already (nothing changed); 1 refused by a rule (before its "
    f"date, after the next year's), nothing written; {_STORE_2}",
    "pending": _READ_EXITS,
    "history": f"{_READ_EXITS}, an unknown student or request (not_found)",
    "detect": f"{_READ_EXITS}, a checkpoint file that cannot be read",
    "verify": "0 the change log verifies (and passes through the checkpoint); 1 the change "
    f"log does not verify (the first bad entry named); {_STORE_2}, a checkpoint file that "
    "cannot be read",
}
"""Each sub-command's exit codes, the epilog of its ``--help`` (docs/cli.md, "Exit
codes"); the filing commands' are :data:`_FILING_EXITS`."""


def _describe(parser: argparse.ArgumentParser, path: str = "") -> None:
    """Give every sub-command's parser a description, its ``help=`` (what it does, with
    its articles), and an epilog stating its exit codes (:data:`_EXITS`): ``xueji
    suspend --help`` printed usage and options only (found by the CLI review)."""
    for action in parser._actions:  # (argparse has no public walk of its sub-parsers)
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, child in action.choices.items():
            where = f"{path} {name}".strip()
            if child.description is None:
                child.description = helps.get(name)
            if not any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                child.epilog = f"exit codes: {_EXITS.get(where, _FILING_EXITS)}"
            _describe(child, where)


def _stdout_closed() -> None:
    """Quietly end output to a pipe whose reader has gone (``| head``), as ``yes`` and
    ``grep`` do: no message (the reader stopped on purpose), and standard output
    pointed at ``os.devnull`` so that Python's flush at exit does not print a
    second ``BrokenPipeError``. An import's rows were committed and its ``--report``
    written before its summary was printed."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced (a test's capture): nothing to do
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _typed(args: argparse.Namespace) -> str:
    """The command as the user typed it (``xueji report national``), to name it in a
    message instead of the library's method."""
    words = ["xueji", args.command]
    subs = ("id_command", "number_command", "policy_command", "scenario_command")
    for sub in (*subs, "transfer_command", "what"):
        if getattr(args, sub, None):
            words.append(str(getattr(args, sub)))
    if getattr(args, "reject", False):
        words.append("--reject")
    return " ".join(words)


def _said(e: XuejiError, args: argparse.Namespace) -> str:
    """An error's message for the command line: an access refusal names the command
    typed (``school:A 无权执行 xueji report national``), not the method it runs
    (``national_export_to``); others as they are."""
    if not isinstance(e, AccessDenied) or not hasattr(e, "reason_zh"):
        return str(e)
    who, what = f"{e.actor_kind}:{e.actor_unit}", _typed(args)
    return mask_ids(
        f"{who} 无权执行 {what}：{e.reason_zh}（{e.rule}） "
        f"({who} may not run {what}: {e.reason_en} ({e.rule}))"
    )


_OS_ZH = {
    errno.ENOENT: "文件或目录不存在",
    errno.EISDIR: "这是目录，不是文件",
    errno.ENOTDIR: "路径中的一项不是目录",
    errno.EACCES: "没有权限",
    errno.EPERM: "操作不允许",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EPIPE: "管道的读取方已关闭",
    errno.EEXIST: "文件已存在",
}
"""The commonest reasons a file cannot be read or written, in Chinese (the system's
own words are English: they went into the Chinese half)."""


def _io_error(e: OSError) -> int:
    what = e.filename if e.filename is not None else ""
    why = e.strerror or type(e).__name__
    code = errno.errorcode.get(e.errno or 0, "")
    why_zh = _OS_ZH.get(e.errno or 0) or f"系统错误 {code}".strip()
    line = f"xueji: [io.error] 无法读写文件 {what}：{why_zh} (cannot read or write {what}: {why})"
    # masked as every other line: a file may be named after a student's number (Art 30)
    print(mask_ids(line), file=sys.stderr)
    return EXIT_USAGE


def _checked_value(e: XuejiError, args: argparse.Namespace) -> bool:
    """Whether ``e`` is the verdict of ``xueji id ...`` or ``xueji number ...`` on the
    value it was asked to check (``id upgrade`` of an 18-character number): exit 1,
    an invalid value. The same ``id.``/``number.`` error from any other command (an
    identity number given to ``correct``, a 学籍号 to ``transfer in``) is bad input,
    exit 2, as ``cli.bad_input``: before, it exited 1, a filing command's code for a
    refusal by a rule, with no line on standard output."""
    return args.command in ("id", "number") and e.code.startswith(("id.", "number."))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # here, not at exit: a closed pipe is then caught below
        if getattr(args, "guessed_profile", False):  # (after what it did: not on an error)
            print(NO_PROFILE_NOTE, file=sys.stderr)
    except XuejiError as e:
        print(_masked(f"xueji: [{e.code}] {_said(e, args)}", args), file=sys.stderr)
        return EXIT_INVALID if _checked_value(e, args) else EXIT_USAGE
    except BrokenPipeError as e:
        if e.filename is not None:  # a file named on the command line (a FIFO's reader)
            return _io_error(e)
        _stdout_closed()  # `xueji tables | head`: the reader has all it wanted
        return EXIT_PIPE_CLOSED
    except OSError as e:  # a file that cannot be read or written
        return _io_error(e)
    except ValueError as e:  # (a library's plain ValueError: said with a Chinese half)
        print(
            f"xueji: [cli.invalid_input] 输入无效 (invalid input): {mask_ids(str(e))}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl-C: what a command had not committed is not written
        print(
            "xueji: 已中断，未提交的更改未写入 (interrupted: nothing uncommitted was written)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
