"""Headless Chromium driven over the DevTools protocol (CDP), for the graph page's browser tests.

Debian's ``/usr/bin/chromium`` is started with ``--remote-debugging-port=0`` in a fresh profile; the
port is read from ``DevToolsActivePort``; one page target is driven over a websocket
(``websocket-client``). Every CDP event is kept, so a test can check the console, the requests the
page made and any JavaScript dialog (dialogs are dismissed at once and recorded).

Nothing can leave the machine: ``--host-resolver-rules`` maps every host name except 127.0.0.1 to
"not found", and the tests also check each requested URL.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websocket

CHROMIUM = os.environ.get("AIRKG_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--disable-default-apps", "--no-default-browser-check", "--mute-audio", "--disable-breakpad",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--window-size=1400,1000",
    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
]


class CdpError(RuntimeError):
    pass


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None


class Page:
    """One page target: commands, the events seen so far, and helpers on top."""

    def __init__(self, ws_url: str, target_id: str = "", timeout: float = 60) -> None:
        self.target_id = target_id
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True, enable_multithread=False)
        self.timeout = timeout
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.dialogs: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable")

    def _send(self, method: str, params: dict[str, Any]) -> int:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def _event(self, message: dict[str, Any]) -> None:
        self.events.append(message)
        if message["method"] == "Page.javascriptDialogOpening":
            self.dialogs.append(message["params"])
            self._send("Page.handleJavaScriptDialog", {"accept": False})

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result, recording the events that arrive meanwhile."""
        wanted = self._send(method, params)
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == wanted:
                if "error" in message:
                    raise CdpError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._event(message)

    def pump(self, seconds: float) -> None:
        """Collect events for a while (lets the page run without sending anything)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                message = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            finally:
                self.ws.settimeout(self.timeout)
            if "method" in message:
                self._event(message)

    def events_since(self, index: int, method: str) -> list[dict[str, Any]]:
        return [e for e in self.events[index:] if e["method"] == method]

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy (errors while a page loads count as false)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                value = self.evaluate(expression)
            except CdpError:
                value = None
            if value:
                return value
            self.pump(0.1)
        raise TimeoutError(f"{expression!r} still false after {timeout} s")

    def navigate(self, url: str, timeout: float = 30) -> None:
        """Load ``url`` and wait for its load event."""
        mark = len(self.events)
        self.call("Page.navigate", url=url)
        end = time.monotonic() + timeout
        while not self.events_since(mark, "Page.loadEventFired"):
            if time.monotonic() > end:
                raise TimeoutError(f"{url} did not load in {timeout} s")
            self.pump(0.1)

    def mouse(self, kind: str, x: float, y: float, clicks: int = 0) -> None:
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left" if clicks else "none",
                  clickCount=clicks)

    def click(self, x: float, y: float, clicks: int = 1) -> None:
        self.mouse("mouseMoved", x, y)
        for count in range(1, clicks + 1):
            self.mouse("mousePressed", x, y, count)
            self.mouse("mouseReleased", x, y, count)

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    # ------------------------------------------------------------------ what happened

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (CSP violations, failed loads)."""
        found: list[str] = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                found.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(f"log: {params['entry'].get('text', '')} {params['entry'].get('url', '')}")
        return found

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        self.ws.close()


class Chromium:
    """A headless Chromium of our own, in a fresh profile, ended by its process group id."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.profile = Path(tempfile.mkdtemp(prefix="chromium-profile-", dir=workdir))
        self.log = (workdir / "chromium.log").open("wb")
        self.process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.port = self._port()
        self.pages: list[Page] = []

    def _port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise CdpError(f"chromium exited with {self.process.returncode}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.05)
        raise CdpError("chromium did not open its DevTools port in 30 s")

    def new_page(self) -> Page:
        target = httpx.put(f"http://127.0.0.1:{self.port}/json/new?about:blank", timeout=10, trust_env=False).json()
        page = Page(target["webSocketDebuggerUrl"], target["id"])
        page.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
        self.pages.append(page)
        return page

    def close_page(self, page: Page) -> None:
        page.close()
        self.pages.remove(page)
        httpx.get(f"http://127.0.0.1:{self.port}/json/close/{page.target_id}", timeout=10, trust_env=False)

    def close(self) -> None:
        for page in list(self.pages):
            page.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()
