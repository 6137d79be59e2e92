"""Storage behind protocols: :mod:`~xueji.storage.protocols` and the in-memory store."""

from xueji.storage.memory import MemoryStore
from xueji.storage.protocols import Store, UnitOfWork

__all__ = ["MemoryStore", "Store", "UnitOfWork"]
