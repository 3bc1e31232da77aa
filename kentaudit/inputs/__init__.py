"""What comes in: parameter files, reference tables, exports, samples and synthetic data.

``params`` (cycle parameter files), ``reference`` (districts, criteria, grade scales),
``schema`` (the audit data model), ``ingest`` (reading and validating exports),
``pseudonym`` (keyed pseudonyms on ingest), ``timeliness`` (criteria derived from dates),
``sampling`` (allocating and drawing a sample), ``synthetic`` (the bundled synthetic data),
``profile`` (an authority's profile), ``mapping`` (an export's mapping: its headers and words),
``adopt`` (``kentaudit init``: a mapping and a profile proposed from an export).
Imports only ``core``.
"""
__all__: list[str] = []
