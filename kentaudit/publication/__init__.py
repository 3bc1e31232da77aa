"""The disclosure-controlled statistical appendix.

``table`` (the publication table model), ``numbering`` (one identity per table and
figure), ``views`` (what a reader sees of a published cell), ``spec`` (the appendix spec
and the tables it builds), ``cells`` and ``disclosure`` (disclosure control), ``releases``
(earlier appendices of the programme), ``findings`` (main findings in words),
``figures``, ``appendix`` (the builder); ``writers/`` (HTML, XLSX, ODS, CSV, PDF) and
``check/`` (the publication check and attack, independent of the disclosure code: it
imports only ``core``). Imports every layer below it.
"""
__all__: list[str] = []
