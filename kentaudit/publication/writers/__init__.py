"""One module per published format: ``html``, ``xlsx``, ``ods``, ``csv``, ``pdf``."""
__all__: list[str] = []
