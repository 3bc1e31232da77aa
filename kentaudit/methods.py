"""Closed sets of method names, with a loud error on unknown names."""
from __future__ import annotations

from collections.abc import Iterable

from .errors import MethodError

__all__ = ["check_method"]


def check_method(value: str, allowed: Iterable[str], param: str = "method") -> str:
    """Return ``value`` if it is one of ``allowed``, else raise :class:`MethodError`.

    Names are matched exactly (case-sensitive) so that a typo can never select
    a different method silently.
    """
    allowed = tuple(allowed)
    if value not in allowed:
        raise MethodError(param, value, allowed)
    return value
