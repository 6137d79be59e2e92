"""Test helpers for host applications: the storage contract suite
(:mod:`xueji.testing.contract`) and hypothesis strategies
(:mod:`xueji.testing.strategies`, which needs ``hypothesis`` installed)."""
