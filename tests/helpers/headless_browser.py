"""Headless Chromium driven over the DevTools protocol, for page tests that
need the page's scripts to have run (TensorBoard is a JavaScript app).

`--remote-debugging-pipe` speaks the protocol on file descriptors 3 (to the
browser) and 4 (from it), one JSON message per NUL-terminated chunk, so no
WebSocket client is needed.
"""

import json
import os
import subprocess
import time

CHROMIUM = "/usr/bin/chromium"

# Every text node of the page, shadow DOMs included (TensorBoard's
# dashboards are web components), one per line; styles and scripts left out.
DEEP_TEXT = """
(() => {
  const out = [];
  const walk = (node) => {
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) {
      if (child.nodeType === 3) {
        const tag = child.parentNode && child.parentNode.nodeName;
        const text = child.textContent.trim();
        if (text && tag !== "STYLE" && tag !== "SCRIPT") out.push(text);
      } else if (child.nodeType === 1 || child.nodeType === 11) {
        walk(child);
      }
    }
  };
  walk(document);
  return out.join("\\n");
})()
"""

# The rows of every vaadin-grid (TensorBoard's HParams table), each a list of
# cell texts; a cell's text lives in the light DOM, slotted into the grid.
GRID_ROWS = """
(() => {
  const grids = [];
  const find = (node) => {
    if (node.shadowRoot) find(node.shadowRoot);
    for (const child of node.children || []) {
      if (child.nodeName === "VAADIN-GRID") grids.push(child);
      find(child);
    }
  };
  find(document);
  return grids.map((grid) => Array.from(
    grid.shadowRoot.querySelectorAll("tr"),
    (row) => Array.from(row.querySelectorAll("td, th"), (cell) => {
      const slot = cell.querySelector("slot");
      const nodes = slot ? slot.assignedNodes({flatten: true}) : [cell];
      return nodes.map((n) => n.textContent.trim()).join(" ").trim();
    })));
})()
"""


class Browser:
    """One headless Chromium; `open(url)` then `text()` of that page."""

    def __init__(self, profile_dir):
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()

        def plumb():  # in the child: the protocol's descriptors 3 and 4
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        self._process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile_dir}",
                "--window-size=1600,1200",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=plumb,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._id = 0
        self._buffer = b""
        self._session = None

    def call(self, method, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if self._session and not method.startswith("Target."):
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium exited")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:  # events have no id
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def open(self, url):
        target = self.call("Target.createTarget", url=url)["targetId"]
        self._session = self.call(
            "Target.attachToTarget", targetId=target, flatten=True
        )["sessionId"]

    def text(self):
        result = self.call(
            "Runtime.evaluate", expression=DEEP_TEXT, returnByValue=True
        )
        return result["result"].get("value", "")

    def grids(self):
        """[[row cells, ...] per vaadin-grid] of the open page."""
        result = self.call(
            "Runtime.evaluate", expression=GRID_ROWS, returnByValue=True
        )
        return result["result"].get("value", [])

    def wait_for_text(self, needle, timeout=120):
        """The page's text once it holds `needle` (scripts load data late)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if needle in text or time.monotonic() > deadline:
                return text
            time.sleep(1)

    def close(self):
        self._process.kill()
        self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
