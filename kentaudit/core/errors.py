"""One base exception and specific subclasses carrying structured fields.

Every error kentaudit raises on purpose is a :class:`KentauditError`. The CLI
catches the base class, prints ``str(error)`` and exits non-zero with no
traceback, so messages must be complete sentences that name what is wrong and
how to fix it.
"""
from __future__ import annotations

__all__ = [
    "KentauditError",
    "InputError",
    "EmptyInputError",
    "MethodError",
    "ParamsError",
    "PseudonymKeyError",
    "DisclosureError",
    "PublicationCheckError",
    "RunError",
    "RejectedRowsError",
    "ScaleError",
]


class KentauditError(Exception):
    """Base class of every error kentaudit raises on purpose."""

    exit_code = 2


class InputError(KentauditError):
    """A value in an input file breaks a rule of the audit data model.

    Parameters
    ----------
    file, row, column, value, rule : str or int or None
        Where the problem is (``row`` is the 1-based line number in the file,
        counting the header as line 1; for XLSX the sheet row) and which rule
        of ``docs/data-dictionary.md`` it breaks.
    """

    def __init__(self, message: str, *, file=None, row=None, column=None, value=None, rule=None):
        self.file, self.row, self.column, self.value, self.rule = file, row, column, value, rule
        self.message = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"{self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        head = ", ".join(where)
        rule = f" [rule: {self.rule}]" if self.rule else ""
        return f"{head}: {self.message}{rule}" if head else f"{self.message}{rule}"


class EmptyInputError(InputError):
    """A file has no data rows (empty or header only)."""


class MethodError(KentauditError, ValueError):
    """An unknown ``method=`` (or similar closed-set) name was given."""

    def __init__(self, param: str, value, allowed):
        self.param, self.value, self.allowed = param, value, tuple(allowed)
        super().__init__(
            f"unknown {param}={value!r}; choose one of: {', '.join(map(repr, self.allowed))}"
        )


class ParamsError(KentauditError):
    """A cycle parameter file is invalid (unknown key, wrong type, missing file)."""

    def __init__(self, message: str, *, file=None, key=None):
        self.file, self.key = file, key
        #: every (key, message) of the file when several problems were found at once
        self.problems = [(key, message)]
        where = ", ".join(x for x in (str(file) if file else None, f"key {key!r}" if key else None) if x)
        super().__init__(f"{where}: {message}" if where else message)


class PseudonymKeyError(KentauditError):
    """No pseudonymisation key is available for real (non-synthetic) data."""


class DisclosureError(KentauditError):
    """Disclosure control could not be applied safely."""


class PublicationCheckError(KentauditError):
    """The publication check found a leak in a file meant for publication."""

    def __init__(self, findings):
        self.findings = list(findings)
        lines = [f"publication check failed with {len(self.findings)} finding(s):"]
        lines += [f"  - {f}" for f in self.findings[:50]]
        super().__init__("\n".join(lines))


class RunError(KentauditError):
    """A batch run finished with failures (details in the manifest)."""


class RejectedRowsError(KentauditError):
    """A cycle's exports had more rejected rows than its parameter file accepts.

    Parameters
    ----------
    message : str
        The whole explanation (counts per rule, where the report is, how to go on).
    rejected : int
        Input rows rejected (each under the first rule it broke).
    accepted_limit : int
        ``accept_rejected_rows`` of the parameter file.
    by_rule : dict
        ``{rule: rows}``.
    report : str or None
        The folder holding ``reconciliation.csv``, ``rejected.csv`` and ``file_errors.csv``.
    """

    def __init__(self, message: str, *, rejected: int, accepted_limit: int, by_rule: dict, report=None):
        self.rejected, self.accepted_limit, self.by_rule, self.report = rejected, accepted_limit, by_rule, report
        super().__init__(message)


class ScaleError(KentauditError, ValueError):
    """An estimate was to be shown beside an interval of another quantity, or on another
    scale (a percentage beside the interval of a difference, a log odds ratio beside an
    odds ratio's interval): :func:`kentaudit.core.formatting.format_interval` refuses it."""

    def __init__(self, estimate_scale: str, interval_scale: str, what: str = ""):
        self.estimate_scale, self.interval_scale = estimate_scale, interval_scale
        super().__init__(f"{what + ': ' if what else ''}an estimate on the scale of a {estimate_scale} "
                         f"cannot be shown with an interval on the scale of a {interval_scale}")
