"""Deprecated path of :mod:`kentaudit.analysis.calibration` (kentaudit 0.1); removed in kentaudit 0.3."""
from kentaudit._legacy import replace

replace(__name__)
