"""The publication check (``folder``) and the intruder's attack (``attack``).

Independent of the code that suppresses by construction: these modules import only
:mod:`kentaudit.core` and re-derive everything from the published files.
"""
__all__: list[str] = []
