"""What a reader of a notebook or reviewer page sees, and the results store.

``tables`` (tables for reading: headers in words, estimates with their intervals),
``charts`` and ``caterpillar`` (figures with alt text), ``results`` (saving results tables
and figures, and the one reader of ``results/``). Imports ``core``, ``inputs``, ``stats``.
"""
__all__: list[str] = []
