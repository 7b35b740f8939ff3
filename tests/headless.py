"""Open an HTML file in headless Chromium and report what happened (test helper).

Talks the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-terminated JSON), so it needs no Python package
beyond the standard library. Collects console errors and warnings, uncaught
exceptions, browser log errors and every network request, then evaluates a
JavaScript expression in the loaded page and can take a full-page screenshot.

Run as a script to screenshot a report::

    python tests/headless.py results/example-park/report.html shot.png
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)

# Counts the drawn figures: plotly marks a div ``js-plotly-plot`` once it has drawn
# it; a drawn figure has an SVG with content (axes, traces, Sankey nodes, heatmap image).
DRAWN_JS = """
(() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const drawn = plots.filter(p => {
    const svg = p.querySelector('svg.main-svg');
    if (!svg) return false;
    const marks = p.querySelectorAll(
      'g.trace path, g.trace rect, g.sankey g.node, g.hm image, g.point path, g.annotation');
    return marks.length > 0 && p.getBoundingClientRect().height > 50;
  });
  return {
    figures: document.querySelectorAll('div[id^="fig-"]').length,
    plots: plots.length,
    drawn: drawn.map(p => p.id),
    height: document.documentElement.scrollHeight,
  };
})()
"""


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome executable, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What the browser saw while loading a page."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    value: Any = None
    screenshot: bytes | None = None


class _Pipe:
    """A DevTools session over the browser's pipe."""

    def __init__(self, proc: subprocess.Popen[bytes], to_browser: int, from_browser: int) -> None:
        self.proc = proc
        self.out = os.fdopen(to_browser, "wb", buffering=0)
        self.inp = os.fdopen(from_browser, "rb", buffering=0)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.replies: dict[int, dict[str, Any]] = {}
        self.lock = threading.Condition()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        while True:
            chunk = self.inp.read(1 << 16)
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self.lock:
                        self.replies[msg["id"]] = msg
                        self.lock.notify_all()
                else:
                    self.events.put(msg)

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:  # fmt: skip
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.out.write(json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.next_id not in self.replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no reply to {method} within {timeout} s")
                self.lock.wait(left)
            reply = self.replies.pop(self.next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})


def open_page(
    path: Path,
    expression: str = DRAWN_JS,
    settle_seconds: float = 2.0,
    screenshot: bool = False,
    width: int = 1400,
    height: int = 1000,
    timeout: float = 120.0,
) -> PageReport:
    """Load ``path`` in headless Chromium and report errors, requests and a JS value.

    Parameters
    ----------
    path : pathlib.Path
        The HTML file.
    expression : str
        JavaScript evaluated after the load event and ``settle_seconds``.
    settle_seconds : float
        Wait after the load event (plotly draws, fonts settle) [s].
    screenshot : bool
        Also capture the whole page as PNG.
    width, height : int
        Viewport size [px].
    timeout : float
        Longest wait for the page to load [s].
    """
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("no chromium executable on PATH")
    profile = tempfile.mkdtemp(prefix="pd-chromium-")
    to_r, to_w = os.pipe()  # we write commands, the browser reads fd 3
    from_r, from_w = os.pipe()  # the browser writes fd 4, we read
    # move the browser's ends above 9 so that putting them on 3 and 4 cannot clash
    to_r, from_w = (_above_nine(fd) for fd in (to_r, from_w))
    # the shell puts our pipe ends on fds 3 and 4, where Chromium expects them
    shell = f'exec "$0" "$@" 3<&{to_r} 4>&{from_w} {to_r}<&- {from_w}>&-'
    proc = subprocess.Popen(
        ["bash", "-c", shell, exe, *FLAGS, f"--user-data-dir={profile}",
         f"--window-size={width},{height}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(to_r, from_w),
    )  # fmt: skip
    os.close(to_r)
    os.close(from_w)
    report = PageReport()
    try:
        cdp = _Pipe(proc, to_w, from_r)
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Network", "Page"):
            cdp.call(f"{domain}.enable", session=session)
        cdp.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        cdp.call("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        loaded_at: float | None = None
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if loaded_at is not None and now - loaded_at >= settle_seconds:
                break
            if now > deadline:
                raise TimeoutError(f"{path} did not finish loading within {timeout} s")
            try:
                event = cdp.events.get(timeout=0.2)
            except queue.Empty:
                continue
            _record(event, report)
            if event.get("method") == "Page.loadEventFired":
                loaded_at = time.monotonic()
        result = cdp.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=session,
        )
        report.value = result.get("result", {}).get("value")
        if screenshot:
            shot = cdp.call(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True},
                session=session,
            )
            report.screenshot = base64.b64decode(shot["data"])
        while not cdp.events.empty():
            _record(cdp.events.get_nowait(), report)
        try:
            cdp.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return report


def _above_nine(fd: int) -> int:
    """Duplicate ``fd`` onto a descriptor of 10 or more and close the original."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


def _record(event: dict[str, Any], report: PageReport) -> None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled":
        text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
        if params["type"] in ("error", "assert"):
            report.errors.append(f"console.{params['type']}: {text}")
        elif params["type"] == "warning":
            report.warnings.append(f"console.warn: {text}")
    elif method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        text = details.get("exception", {}).get("description") or details.get("text")
        report.errors.append(f"uncaught: {text}")
    elif method == "Log.entryAdded":
        entry = params["entry"]
        if entry["level"] == "error":
            report.errors.append(f"log {entry['source']}: {entry['text']} {entry.get('url', '')}")
    elif method == "Network.requestWillBeSent":
        report.requests.append(params["request"]["url"])
    elif method == "Network.loadingFailed":
        report.errors.append(f"network: {params.get('errorText')}")


if __name__ == "__main__":
    page, out = Path(sys.argv[1]), Path(sys.argv[2])
    rep = open_page(page, screenshot=True)
    out.write_bytes(rep.screenshot or b"")
    print(json.dumps({"value": rep.value, "errors": rep.errors, "requests": rep.requests}))
