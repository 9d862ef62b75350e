"""The command line: thin commands over the library. Every command's help ends with an
example (a test checks it)."""

from monitor.cli import ingest_commands, policy_commands, rule_commands
from monitor.cli.app import cli, main

__all__ = ["cli", "ingest_commands", "main", "policy_commands", "rule_commands"]
