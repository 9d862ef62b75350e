"""The command line: thin commands over the library. Every command's help ends with an
example (a test checks it)."""

# Importing the command modules registers their commands on the group.
from monitor.cli import (
    daemon_commands,
    delivery_commands,
    ingest_commands,
    policy_commands,
    rule_commands,
    web_commands,
)
from monitor.cli.app import cli, main

__all__ = [
    "cli",
    "daemon_commands",
    "delivery_commands",
    "ingest_commands",
    "main",
    "policy_commands",
    "rule_commands",
    "web_commands",
]
