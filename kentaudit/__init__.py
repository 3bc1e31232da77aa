"""kentaudit: analysis suite for child-protection case-file audits."""
from .errors import KentauditError

__version__ = "0.1.0"
__all__ = ["KentauditError", "__version__"]
