"""`python -m kentaudit ...`: the command line (see :mod:`kentaudit.cli`)."""
__all__: list[str] = []

from .cli import main

raise SystemExit(main())
