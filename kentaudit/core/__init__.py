"""The bottom layer: what every other layer uses and nothing else.

``errors`` (one base exception, :class:`~kentaudit.core.errors.KentauditError`, and its
structured subclasses), ``formatting`` (the one formatter of counts, percentages,
intervals, p-values and method names in words), ``methods`` (closed method sets and the
confidence-level check), ``safeio`` and ``safetext`` (safe reading, formula-safe text),
``vocabulary`` (column names), ``workdays``, ``paths`` and ``version``. Imports nothing
from kentaudit outside ``core``.
"""
__all__: list[str] = []
