"""The statistical methods: pure functions over counts and tidy frames, each checked
against R or a published example (``tests/r/``).

One module per method family: ``proportions``, ``independent`` (two independent
proportions), ``paired`` (the re-audit), ``multiplicity``, ``association``, ``casemix``,
``ordinal`` (grades), ``interrater`` (kappa, Gwet's AC1/AC2, Krippendorff's alpha),
``leniency``, ``shrinkage``, ``funnel``, ``flag_rates`` (flags' error rates and power),
``spc``, ``precision``, ``survey``. Imports ``core`` and ``inputs``.
"""
__all__: list[str] = []
