"""The emulator over HTTP: one ``ThreadingHTTPServer`` on 127.0.0.1.

Paths: ``/method/<name>`` (today's Moscow date) or ``/asof/YYYY-MM-DD/method/<name>`` (that
simulated day), GET or POST (form-encoded); ``GET /_sim/stats`` returns the counters,
``/_sim/reset`` clears them (and the rate windows and quotas).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from gospubliki.dates import MOSCOW
from gospubliki.simulator.config import EmulatorConfig, Faults
from gospubliki.simulator.vk_emulator import VkEmulator
from gospubliki.simulator.world import World

log = logging.getLogger(__name__)
_PATH = re.compile(r"^(?:/asof/(\d{4}-\d{2}-\d{2}))?/method/([A-Za-z]+\.?[A-Za-z]*)/?$")


def _handler_for(emulator: VkEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive for the client's session

        def log_message(self, fmt: str, *args) -> None:  # quiet; tokens are in query strings
            log.debug("%s %s", self.command, self.path.split("?")[0])

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, body: bytes) -> None:
            url = urlsplit(self.path)
            if url.path.rstrip("/") == "/_sim/stats":
                return self._reply(200, emulator.stats.as_dict())
            if url.path.rstrip("/") == "/_sim/reset":
                emulator.reset()
                return self._reply(200, {"ok": True})
            m = _PATH.match(url.path)
            if not m:
                return self._reply(404, {"error": f"no such path {url.path}"})
            try:
                day = date.fromisoformat(m.group(1)) if m.group(1) else datetime.now(MOSCOW).date()
            except ValueError:
                return self._reply(404, {"error": f"bad simulated day {m.group(1)}"})
            params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            if body:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                params.update({k: v[-1] for k, v in form.items()})
            if emulator.faults.slow_seconds:
                time.sleep(emulator.faults.slow_seconds)
            self._reply(200, emulator.handle(m.group(2), params, day))

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._serve(b"")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length) if length else b"")

    return Handler


class SimulatorHandle:
    """A running emulator. Use as a context manager or call :meth:`stop`."""

    def __init__(self, server: ThreadingHTTPServer, emulator: VkEmulator, thread: threading.Thread | None):
        self._server = server
        self.emulator = emulator
        self._thread = thread
        host, port = server.server_address[:2]
        self.base_url = f"http://{host}:{port}"

    @property
    def faults(self) -> Faults:
        return self.emulator.faults

    @property
    def url_template(self) -> str:
        """Base URL with the ``{snapshot_date}`` placeholder the VK extractor fills in."""
        return f"{self.base_url}/asof/{{snapshot_date}}"

    def url_for_day(self, day: date) -> str:
        """Base URL whose ``/method/<name>`` answers as of ``day``."""
        return f"{self.base_url}/asof/{day.isoformat()}"

    def stats(self) -> dict:
        return self.emulator.stats.as_dict()

    def reset_stats(self) -> None:
        self.emulator.reset()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _make_server(
    world: World, host: str, port: int, config: EmulatorConfig | None, faults: Faults | None
) -> tuple[ThreadingHTTPServer, VkEmulator]:
    emulator = VkEmulator(world, config, faults)
    server = ThreadingHTTPServer((host, port), _handler_for(emulator))
    server.daemon_threads = True
    return server, emulator


def start_in_thread(
    world: World,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    config: EmulatorConfig | None = None,
    faults: Faults | None = None,
) -> SimulatorHandle:
    """Start the emulator in a background thread (port 0: a free port) and return its handle."""
    server, emulator = _make_server(world, host, port, config, faults)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="vk-emulator", daemon=True
    )
    thread.start()
    return SimulatorHandle(server, emulator, thread)


def serve(
    world: World,
    host: str = "127.0.0.1",
    port: int = 8765,
    config: EmulatorConfig | None = None,
    faults: Faults | None = None,
) -> None:
    """Serve until interrupted (for ``gospubliki simulator serve``)."""
    server, emulator = _make_server(world, host, port, config, faults)
    handle = SimulatorHandle(server, emulator, None)
    log.info("VK emulator on %s (world: %s pages)", handle.base_url, len(world.pages))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
