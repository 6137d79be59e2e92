"""Test helpers for host applications: the storage contract suite
(:mod:`xueji.testing.contract`)."""
