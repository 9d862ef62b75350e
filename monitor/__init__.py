"""policy-monitor: alerts, once and with evidence, when a ban or moratorium changes status."""

__version__ = "0.1.0"
