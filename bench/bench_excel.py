"""The Excel import of new students (Art 12) on SQLite: its memory per row, and its time
against reading the same workbook alone.

``excel.import_students`` streams a workbook into ``Registry.enroll_many``, 5,000 rows a
call (``excel.IMPORT_SLICE``) in one unit of work, and keeps of each row only its
``AppliedRow``. Measured in one run, for a sheet of N rows and one of 2N rows (N =
15,000; 2,000 with ``--quick``), each imported in a process of its own (a process that
imported before holds freed memory its next import reuses) into a fresh database of
the benchmark's province (one city's schools, the city as the acting user):

1. the peak resident memory of each import above what the process held before it;
   their difference over N is the memory an import holds per row (goal: under
   1,000 bytes, so that a sheet of a million rows, Excel's limit, stays under 1 GiB
   with the fixed part). SQLite's page cache is set to 2 MB for this (its default,
   ``sql.SQLITE_CACHE_KIB``, 64 MB a connection, fills as the database grows and
   would blur the slope at these sizes); the projection adds the default back;
2. the import's time against openpyxl's read-only pass over the same workbook (the
   floor: every cell read, nothing decided or written).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openpyxl

import bench_storage as bs
from common import BenchResult, Figure, section
from xueji import excel
from xueji.clock import ManualClock
from xueji.model import Actor, ActorKind
from xueji.registry import Registry
from xueji.storage import sql
from xueji.storage.sql import SqlStore

HEADER = ["学校代码", "班级", "年级", "姓名", "性别", "出生日期", "户籍地区码", "身份证号"]
HEADER += ["照片采集日期", "照片摘要"]
ROW_GOAL = 1_000
"""Bytes an import may hold per row (a million rows in well under 1 GiB)."""
SMALL_CACHE_KIB = 2_048
"""SQLite's page cache while measuring (see the module's docstring)."""


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _workbook(path: Path, n: int, schools: list[Any]) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("学生")
    ws.append(HEADER)
    for r in bs.rows(n, schools):
        sex = "男" if r["sex"] == "M" else "女"
        ws.append(
            [
                r["school"],
                r["class_id"],
                r["grade"],
                r["name"],
                sex,
                r["birth_date"],
                r["hukou_region"],
                r["id_number"],
                r["photo"].taken_on,
                r["photo"].digest,
            ]
        )
    wb.save(path)


def _read_only(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()


def _one(tmp: Path, n: int) -> dict[str, float]:
    """Import a sheet of ``n`` rows into a fresh province; its time and memory."""
    sql.SQLITE_CACHE_KIB = SMALL_CACHE_KIB
    store = SqlStore.sqlite(tmp / f"import-{n}.sqlite3")
    schools, city_of = bs.build_tree(store, n)
    city = city_of[schools[0].code]
    mine = [s for s in schools if city_of[s.code] == city]
    sheet = tmp / f"students-{n}.xlsx"
    _workbook(sheet, n, mine)
    reg = Registry(store, clock=ManualClock(bs.START))
    t0 = time.perf_counter()
    assert _read_only(sheet) == n + 1
    read_s = time.perf_counter() - t0
    gc.collect()
    before = _rss_mb()
    bs._reset_peak()
    t0 = time.perf_counter()
    report = excel.import_students(reg, Actor(ActorKind.CITY, city), sheet)
    took = time.perf_counter() - t0
    peak = bs._peak_mb() - before
    assert report.ok, report.errors[:3]
    assert len(report.applied) == n
    del report
    store.engine.dispose()
    return {"rows": n, "import_s": took, "read_s": read_s, "peak_mb": peak}


def _in_a_process(tmp: Path, n: int) -> dict[str, float]:
    """:func:`_one` in a fresh interpreter: its figures."""
    out = subprocess.run(
        [sys.executable, __file__, str(n), str(tmp)], check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.splitlines()[-1]))


def run(quick: bool = False) -> BenchResult:
    n = 2_000 if quick else 15_000
    section(f"excel: import of new students, {n:,} and {2 * n:,} rows (SQLite)")
    with tempfile.TemporaryDirectory(prefix="xueji-bench-excel-") as d:
        small = _in_a_process(Path(d), n)
        large = _in_a_process(Path(d), 2 * n)
    per_row = max(0.0, (large["peak_mb"] - small["peak_mb"]) * 1024 * 1024 / n)
    fixed = max(0.0, small["peak_mb"] - per_row * n / 1024 / 1024)
    cache = (sql.SQLITE_CACHE_KIB - SMALL_CACHE_KIB) / 1024  # the default, added back
    million = fixed + cache + per_row * 1_000_000 / 1024 / 1024
    ratio = large["import_s"] / large["read_s"]
    for r in (small, large):
        print(
            f"{r['rows']:,} rows: import {r['import_s']:.1f} s ({r['rows'] / r['import_s']:,.0f}"
            f" rows/s) vs openpyxl read {r['read_s']:.2f} s; peak +{r['peak_mb']:.0f} MB"
        )
    print(
        f"memory per row {per_row:,.0f} B (fixed part {fixed:.0f} MB, and {cache:.0f} MB more"
        f" of SQLite page cache by default): a million rows about {million:,.0f} MB"
    )
    figures = [
        Figure(
            "excel", "import memory per row", per_row, "B", 0, f"< {ROW_GOAL} B", per_row < ROW_GOAL
        ),
        Figure(
            "excel",
            "import of 1,000,000 rows, peak (projected)",
            million,
            "MB",
            0,
            "< 1024 MB",
            million < 1024,
        ),
        Figure("excel", f"import / openpyxl read, {2 * n:,} rows", ratio, "x", 1),
        Figure("excel", "import rows/s", large["rows"] / large["import_s"], "/s", 0),
    ]
    return BenchResult("excel", figures, {"small": small, "large": large, "per_row_bytes": per_row})


if __name__ == "__main__":  # one measurement, for run(): rows, then a directory
    print(json.dumps(_one(Path(sys.argv[2]), int(sys.argv[1]))))
