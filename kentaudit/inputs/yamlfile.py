"""The one way kentaudit reads a YAML file a person wrote (a parameter file, a profile, a mapping).

PyYAML implements YAML 1.1, whose implicit types read text as something else than what was
written: ``010`` is octal 8, ``1:30`` is base-60 90, ``yes``/``No``/``off`` are booleans (a
mapping's ``Yes: Y`` matched the export's ``true``, never its ``Yes``), and an unquoted
``2009-02-30`` matches the timestamp pattern and then stops the program with a ValueError. The
loaders here read only what YAML 1.2 (the current version) reads and refuse, naming the line,
what they would misread: :class:`StrictLoader` (a parameter file: a real date is a date) and
:class:`TextLoader` (a profile or mapping, whose values are texts and codes: a date-like value is
the text written, as in YAML 1.2). Both refuse a key given twice in one mapping.
"""
from __future__ import annotations

import re

import yaml

__all__ = ["StrictLoader", "TextLoader"]


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# PyYAML implements YAML 1.1, whose implicit numbers include forms nobody means in a
# parameter file: `suppression_threshold: 010` is octal 8, `accept_rejected_rows: 1:30` is
# base-60 90, `1_0` is 10, `0x3` is 3 (YAML 1.2, the current version, reads none of them so).
# A disclosure setting read as another number than the one written is refused, never used.
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
# YAML 1.1 also reads yes/no/on/off (any of three cases) as true/false: `districts: [NO]`
# became False. Like YAML 1.2, only true/false are booleans; the rest stay the text written.
_TRUE_FALSE = re.compile(r"true|True|TRUE|false|False|FALSE")


def _refuse_unplain(loader, node, plain, construct, kinds: str, advice: str):
    """Refuse a number YAML 1.1 would read as another than the one written, naming both."""
    if not plain.fullmatch(node.value):
        read = construct(loader, node)
        raise yaml.constructor.ConstructorError(
            None, None, f"the number {node.value!r} is not written as a plain decimal number: YAML 1.1 "
            f"reads it as {read} ({kinds}); {advice}, or quote it if it is text", node.start_mark)


def _construct_int(loader, node):
    _refuse_unplain(loader, node, _PLAIN_INT, yaml.SafeLoader.construct_yaml_int,
                    "an octal, hexadecimal, binary, base-60 or underscored number",
                    "write it in decimal digits without leading zeros")
    return int(node.value)


def _construct_float(loader, node):
    _refuse_unplain(loader, node, _PLAIN_FLOAT, yaml.SafeLoader.construct_yaml_float,
                    "a base-60 or underscored number", "write it in decimal digits")
    return yaml.SafeLoader.construct_yaml_float(loader, node)


def _construct_bool(loader, node):
    if not _TRUE_FALSE.fullmatch(node.value):
        return node.value  # yes/no/on/off: the text written (YAML 1.2), never a guessed boolean
    return yaml.SafeLoader.construct_yaml_bool(loader, node)


def _construct_timestamp(loader, node):
    # an unquoted 2009-02-30 or 2009-06-30 25:00:00 matches YAML 1.1's timestamp pattern and
    # PyYAML's datetime() then raises ValueError (an internal error, not a message): refuse it here
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as e:
        raise yaml.constructor.ConstructorError(
            None, None, f"the date {node.value!r} is not a real calendar date or time ({e}); write a real "
            "date as YYYY-MM-DD", node.start_mark) from None


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


class TextLoader(StrictLoader):
    """:class:`StrictLoader` whose date-like values stay the text written (YAML 1.2 has no
    implicit timestamps): a profile's or mapping's values are texts and codes, never dates."""


def _construct_text(loader, node):
    return loader.construct_scalar(node)


TextLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
