"""``python -m xueji`` and the ``xueji`` command's entry point.

The command's Ctrl-C handling (exit 130, one line on stderr) covers the time the
command line's modules are being imported too (an interrupt then printed Python's
traceback of the import). The package itself (``import xueji``, a few tenths of a
second) loads before this module runs; an interrupt in that time is Python's own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

_INTERRUPTED = "xueji: 已中断，未提交的更改未写入 (interrupted: nothing uncommitted was written)"


def main(argv: Sequence[str] | None = None) -> int:
    """Import the command line and run it; return the exit code."""
    try:
        from xueji.cli import EXIT_INTERRUPTED
        from xueji.cli import main as run
    except KeyboardInterrupt:  # Ctrl-C while the command was still starting
        print(_INTERRUPTED, file=sys.stderr)
        return 130
    try:
        return run(argv)
    except KeyboardInterrupt:  # (while the arguments were parsed: nothing was done)
        print(_INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
