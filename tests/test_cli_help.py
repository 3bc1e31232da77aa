"""The command line tells people how to use it: --version, help for every option,
an example and the exit codes for every command."""
from __future__ import annotations

import subprocess
import sys

import pytest

import kentaudit
from kentaudit.cli import build_parser

COMMANDS = ["validate", "synth", "sample", "run", "appendix", "check-publication"]


def _help(*args) -> str:
    res = subprocess.run([sys.executable, "-m", "kentaudit", *args], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_version_prints_the_package_version():
    assert _help("--version").strip() == f"kentaudit {kentaudit.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_an_example_and_exit_codes(command):
    text = _help(command, "--help")
    assert "example:\n  kentaudit " + command in text
    assert "exit codes:" in text and "  0 " in text and "  2 " in text


def test_every_option_of_every_command_has_help_text():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    missing = [f"{name} {a.option_strings or a.dest}" for name, p in sub.choices.items()
               for a in p._actions if a.help in (None, "") and a.dest != "help"]
    assert missing == []


def test_the_top_level_help_names_python_m_kentaudit():
    assert "python -m kentaudit run params/cycle-2009.yaml" in _help("--help")
