"""Imported by the runner's multiprocessing forkserver only: it dies with the runner.

Never import this module elsewhere: importing it sets the importing process's
parent-death signal (:func:`kentaudit.run.deathsig.die_with_parent`).
"""
import signal

from kentaudit.run.deathsig import die_with_parent
from kentaudit.run.skip_imports import skip_unused_optional_imports

__all__: list[str] = []  # exports nothing: imported for its effect

die_with_parent(signal.SIGKILL)
# the workers forked from here read notebooks: see kentaudit.run.skip_imports
skip_unused_optional_imports()
