"""One daemon per database: a second `run` exits 2 naming the first one's pid, and a lock
left by a daemon killed with SIGKILL does not keep the next one out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import LocalServer, free_port
from tests.daemon_harness import ROOT, DaemonProcess, FeedSite, wait_for, write_config


def test_a_second_daemon_on_the_same_database_is_refused(
    server: LocalServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, FeedSite(server), free_port())
    first = DaemonProcess(config, tmp_path / "monitor.db", tmp_path / "first.log")
    restarted = DaemonProcess(config, tmp_path / "monitor.db", tmp_path / "restarted.log")
    try:
        first.start()
        assert first.process is not None
        wait_for(lambda: _running(first), 30, "the first daemon")

        for extra in ([], ["--once"]):
            second = subprocess.run(
                [*first.args, "run", *extra], capture_output=True, text=True, cwd=ROOT, timeout=60
            )
            assert second.returncode == 2
            assert f"already running on {tmp_path / 'monitor.db'} (pid {first.process.pid})" in (
                second.stderr
            )
            assert "Traceback" not in second.stderr
        assert first.process.poll() is None  # the first one is untouched

        first.kill()  # SIGKILL: the lock file stays behind, the lock does not
        restarted.start()
        assert restarted.process is not None
        pid = restarted.process.pid
        wait_for(
            lambda: _running(restarted) and _status(restarted)["daemon"]["pid"] == pid,
            30,
            "the restarted daemon",
        )
        assert restarted.stop() == 0
    finally:
        first.ensure_stopped()
        restarted.ensure_stopped()


def _status(daemon: DaemonProcess) -> dict[str, Any]:
    status: dict[str, Any] = json.loads(daemon.cli("status", "--json"))
    return status


def _running(daemon: DaemonProcess) -> bool:
    return daemon.db.exists() and bool(_status(daemon)["daemon"]["running"])
