"""The benchmark suite (``make bench``): figures side by side in one run.

    .venv/bin/python bench/run.py [--quick] [--only ids|workdays|lifecycle|storage|excel] [--json PATH]

``ids``: xueji.ids.is_valid against python-stdnum's stdnum.cn.ric.is_valid.
``workdays``: xueji.workdays.add_working_days against chinese-calendar's find_workday.
``lifecycle``: the Registry facade on the in-memory store for a synthetic province.
``storage``: the facade on SQLite (and PostgreSQL where it answers) against raw SQL.
``excel``: the Excel import of new students: its memory per row, its time against openpyxl.
See docs/performance.md for what is measured and the figures of a full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chinese_calendar
import stdnum

import bench_excel
import bench_ids
import bench_lifecycle
import bench_storage
import bench_workdays
import xueji
from common import BenchResult, section, summary
from xueji import _version

BENCHES = {
    "ids": bench_ids.run,
    "workdays": bench_workdays.run,
    "lifecycle": bench_lifecycle.run,
    "storage": bench_storage.run,
    "excel": bench_excel.run,
}


def _machine() -> dict[str, str | int | None]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "xueji": _version.__version__,
        "python-stdnum": stdnum.__version__,
        "chinese-calendar": chinese_calendar.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run")
    parser.add_argument("--only", choices=sorted(BENCHES), help="run one benchmark")
    parser.add_argument("--json", metavar="PATH", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    machine = _machine()
    print(
        f"xueji {machine['xueji']} ({Path(xueji.__file__).parent}), "
        f"python-stdnum {machine['python-stdnum']}, chinese-calendar {machine['chinese-calendar']}"
    )
    print(f"Python {machine['python']} on {machine['platform']}, {machine['cpus']} CPUs")
    print("mode:", "quick" if args.quick else "full")

    started = time.perf_counter()
    results: list[BenchResult] = []
    for name, bench in BENCHES.items():
        if args.only and name != args.only:
            continue
        t0 = time.perf_counter()
        result = bench(args.quick)
        result.seconds = time.perf_counter() - t0
        print(f"({name}: {result.seconds:.1f} s)")
        results.append(result)
    elapsed = time.perf_counter() - started

    figures = [f for r in results for f in r.figures]
    section(f"summary ({'quick' if args.quick else 'full'} run, {elapsed:.1f} s)")
    print(summary(figures))
    misses = [f for f in figures if f.passed is False]
    print()
    print("all goals met" if not misses else f"{len(misses)} goal(s) missed")

    if args.json:
        out = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "mode": "quick" if args.quick else "full",
            "seconds": elapsed,
            "machine": machine,
            "figures": [asdict(f) for f in figures],
            "benchmarks": {r.name: {"seconds": r.seconds, **r.details} for r in results},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
