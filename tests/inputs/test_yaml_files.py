"""Every YAML file a person writes (parameter file, profile, mapping) is read as YAML 1.2 reads
it: an unquoted impossible date is a message naming the file and line, never an internal error
(exit 70); `Yes`/`off` and date-like values stay the text written; a number YAML 1.1 would
misread (010 = 8) is refused (kentaudit.inputs.yamlfile; issue 24)."""
from __future__ import annotations

import pytest

from kentaudit.core.errors import InputError
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.profile import load_profile

MAPPING = "mapping_version: 1\ncolumns: {Ref: audit_id}\nvalues:\n  answers: {Yes: Y, No: N, off: NA}\n"
PROFILE = "profile_version: 1\nname: Fenmarsh County Council\n"


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("load,name,text", [
    (load_mapping, "mapping.yaml", MAPPING + "  cycle: {2025-02-30: '2025'}\n"),
    (load_mapping, "mapping.yaml", MAPPING + "  cycle: {'2025': 2025-06-30 25:00:00}\n"),
    (load_profile, "profile.yaml", PROFILE + "short_name: 2009-13-01\n"),
])
def test_an_unquoted_impossible_date_is_read_as_the_text_written_never_an_internal_error(tmp_path, load, name,
                                                                                        text):
    p = _write(tmp_path, name, text)
    try:
        load(p)
    except InputError as e:           # refused later for what the value is, with file and rule
        assert e.file == str(p) and e.rule in ("mapping", "profile")
    # any other exception (ValueError from PyYAML's datetime) fails the test


def test_date_like_values_and_yes_no_in_a_mapping_are_the_text_written(tmp_path):
    m = load_mapping(_write(tmp_path, "mapping.yaml", MAPPING + "  cycle: {2025-04-01: '2025'}\n"))
    assert m.values["answers"] == {"yes": "Y", "no": "N", "off": "NA"}   # YAML 1.1: True/False keys
    assert m.values["cycle"] == {"2025-04-01": "2025"}                  # YAML 1.1: a date object


@pytest.mark.parametrize("load,name,text,shown", [
    (load_mapping, "mapping.yaml", "mapping_version: 1\nheader_row: 010\n", "'010'"),
    (load_mapping, "mapping.yaml", "mapping_version: 1\nheader_row: 1:30\n", "'1:30'"),
    (load_profile, "profile.yaml", "profile_version: 0x1\n", "'0x1'"),
])
def test_a_number_yaml_1_1_would_misread_is_refused_naming_line_and_text(tmp_path, load, name, text, shown):
    p = _write(tmp_path, name, text)
    with pytest.raises(InputError) as e:
        load(p)
    assert e.value.file == str(p) and e.value.rule in ("mapping", "profile")
    assert "line " in str(e.value) and shown in str(e.value) and "not written as a plain decimal" in str(e.value)
