"""Deprecated path of :mod:`kentaudit.inputs.pseudonym` (kentaudit 0.1); removed in kentaudit 0.3.

``python -m kentaudit.pseudonym PATH`` still writes a key, with the warning.
"""
import sys

from kentaudit._legacy import alias

if __name__ == "__main__":
    raise SystemExit(alias("kentaudit.pseudonym").main())
sys.modules[__name__] = alias(__name__)
