"""Arguments every method checks the same way: closed sets of method names (a loud error
on an unknown name) and the confidence level."""
from __future__ import annotations

from collections.abc import Iterable

from kentaudit.core.errors import InputError, MethodError

__all__ = ["check_method", "check_conf_level"]


def check_method(value: str, allowed: Iterable[str], param: str = "method") -> str:
    """Return ``value`` if it is one of ``allowed``, else raise :class:`MethodError`.

    Names are matched exactly (case-sensitive) so that a typo can never select
    a different method silently.
    """
    allowed = tuple(allowed)
    if value not in allowed:
        raise MethodError(param, value, allowed)
    return value


def check_conf_level(conf_level, param: str = "conf_level") -> float:
    """Return ``conf_level`` as a float if it is a number strictly between 0 and 1, else
    raise :class:`InputError` naming ``param`` (0.95 means 95%; 95 is refused, not read as
    95%)."""
    ok = isinstance(conf_level, (int, float)) and not isinstance(conf_level, bool)
    if not ok or not 0 < conf_level < 1:
        raise InputError(f"{param} must be a number strictly between 0 and 1 (0.95 for 95%), "
                         f"not {conf_level!r}.", column=param, value=conf_level)
    return float(conf_level)
