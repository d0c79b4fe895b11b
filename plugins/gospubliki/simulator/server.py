"""The emulator over HTTP: one ``ThreadingHTTPServer`` on 127.0.0.1.

Paths: ``/method/<name>`` (VK; today's Moscow date) or ``/asof/YYYY-MM-DD/method/<name>`` (that
simulated day); OK at ``/fb.do`` and ``/api/<group>/<method>``, with the same ``/asof/…`` prefix;
GET or POST (form-encoded); ``GET /_sim/stats`` returns the counters (OK's under ``"ok"``),
``/_sim/reset`` clears them (and the rate windows, quotas and budgets).
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
from gospubliki.simulator.ok_emulator import OkEmulator
from gospubliki.simulator.vk_emulator import VkEmulator
from gospubliki.simulator.world import World

log = logging.getLogger(__name__)
_PATH = re.compile(r"^(?:/asof/(\d{4}-\d{2}-\d{2}))?/method/([A-Za-z]+\.?[A-Za-z]*)/?$")
_OK_PATH = re.compile(r"^(?:/asof/(\d{4}-\d{2}-\d{2}))?/(?:fb\.do|api/([A-Za-z]+)/([A-Za-z]+))/?$")


def _handler_for(emulator: VkEmulator, ok: OkEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive for the client's session
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

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
                return self._reply(200, {**emulator.stats.as_dict(), "ok": ok.stats.as_dict()})
            if url.path.rstrip("/") == "/_sim/reset":
                emulator.reset()
                ok.reset()
                return self._reply(200, {"ok": True})
            m = _PATH.match(url.path)
            ok_m = None if m else _OK_PATH.match(url.path)
            if not m and not ok_m:
                return self._reply(404, {"error": f"no such path {url.path}"})
            asof = (m or ok_m).group(1)
            try:
                day = date.fromisoformat(asof) if asof else datetime.now(MOSCOW).date()
            except ValueError:
                return self._reply(404, {"error": f"bad simulated day {asof}"})
            params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            if body:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                params.update({k: v[-1] for k, v in form.items()})
            if emulator.faults.slow_seconds:
                time.sleep(emulator.faults.slow_seconds)
            if ok_m:
                method = f"{ok_m.group(2)}.{ok_m.group(3)}" if ok_m.group(2) else None
                return self._reply(*ok.handle(method, params, day))
            self._reply(200, emulator.handle(m.group(2), params, day))

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._serve(b"")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length) if length else b"")

    return Handler


class SimulatorHandle:
    """A running emulator. Use as a context manager or call :meth:`stop`."""

    def __init__(
        self,
        server: ThreadingHTTPServer,
        emulator: VkEmulator,
        thread: threading.Thread | None,
        ok_emulator: OkEmulator | None = None,
    ):
        self._server = server
        self.emulator = emulator
        self.ok_emulator = ok_emulator or OkEmulator(emulator.world, emulator.config, emulator.faults)
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
        """As ``GET /_sim/stats``: VK's counters, and OK's under ``"ok"``."""
        return {**self.emulator.stats.as_dict(), "ok": self.ok_emulator.stats.as_dict()}

    def reset_stats(self) -> None:
        self.emulator.reset()
        self.ok_emulator.reset()

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
) -> tuple[ThreadingHTTPServer, VkEmulator, OkEmulator]:
    config, faults = config or EmulatorConfig(), faults or Faults()  # shared by both networks
    emulator, ok = VkEmulator(world, config, faults), OkEmulator(world, config, faults)
    server = ThreadingHTTPServer((host, port), _handler_for(emulator, ok))
    server.daemon_threads = True
    return server, emulator, ok


def start_in_thread(
    world: World,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    config: EmulatorConfig | None = None,
    faults: Faults | None = None,
) -> SimulatorHandle:
    """Start the emulator in a background thread (port 0: a free port) and return its handle."""
    server, emulator, ok = _make_server(world, host, port, config, faults)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="vk-emulator", daemon=True
    )
    thread.start()
    return SimulatorHandle(server, emulator, thread, ok)


def serve(
    world: World,
    host: str = "127.0.0.1",
    port: int = 8765,
    config: EmulatorConfig | None = None,
    faults: Faults | None = None,
) -> None:
    """Serve until interrupted (for ``gospubliki simulator serve``)."""
    server, emulator, ok = _make_server(world, host, port, config, faults)
    handle = SimulatorHandle(server, emulator, None, ok)
    log.info("VK emulator on %s (world: %s pages)", handle.base_url, len(world.pages))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
