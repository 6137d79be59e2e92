"""xueji (学籍): China's primary and secondary school student-registry rules as code."""

from xueji._version import __version__

__all__ = ["__version__"]
