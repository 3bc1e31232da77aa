"""Deprecated path of :mod:`kentaudit.analysis` (kentaudit 0.1); removed in kentaudit 0.3.

``kentaudit.analyses`` was one module; its sections are now modules of the package
:mod:`kentaudit.analysis`, which exports the same public names.
"""
from kentaudit._legacy import alias

_analysis = alias(__name__)
from kentaudit.analysis import *  # noqa: E402,F401,F403 - the old module's public names
from kentaudit.analysis.common import note_district_samples  # noqa: E402,F401
from kentaudit.inputs.params import MAIN_SAMPLES  # noqa: E402,F401

__all__ = [*_analysis.__all__, "MAIN_SAMPLES", "note_district_samples"]
