"""Serve the dashboard with uvicorn: in the foreground (`policy-monitor web`) or in a
thread beside the daemon's event loop (its `listen` address).

The socket is bound before the server starts, so a taken port is an error at once and
port 0 tells its real port."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from pathlib import Path
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from monitor.web.app import ReadOnlyStore, create_app

log = logging.getLogger("policy_monitor.web")

STOP_WAIT_S = 10.0


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class StoppableServer(uvicorn.Server):
    """uvicorn, stopped cleanly by SIGTERM or Ctrl-C: exit code 0, as for the daemon.
    (uvicorn itself raises the signal again once it has shut down, so the process would
    end by that signal.)"""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True  # a second Ctrl-C: do not wait for open connections
        else:
            self.should_exit = True


class WebServer:
    """The dashboard and /healthz, /metrics, /changes.atom on one address."""

    def __init__(self, db_path: Path, host: str, port: int, *, horizon_days: int = 30) -> None:
        self.app: Starlette = create_app(db_path, horizon_days=horizon_days)
        self.socket = bind_socket(host, port)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,  # scrapes every few seconds would drown the daemon's log
            lifespan="off",
        )
        self.server = StoppableServer(config)
        self.thread = threading.Thread(target=self.serve, name="web", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.socket.getsockname()[:2]
        return str(host), int(port)

    def serve(self) -> None:
        """Run until stopped (blocks). uvicorn installs signal handlers only in the main
        thread, so in the foreground Ctrl-C and SIGTERM stop it cleanly."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self._close()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(STOP_WAIT_S)

    def _close(self) -> None:
        source = self.app.state.source
        if isinstance(source, ReadOnlyStore):
            source.close()
        self.socket.close()
