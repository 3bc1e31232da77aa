"""The package's version: one place, read by ``kentaudit.__version__`` and the outputs' provenance."""

__all__ = ["__version__"]

__version__ = "0.1.0"
