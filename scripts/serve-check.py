#!/usr/bin/env python3
# serve-check's browser half: drives hos-serve's page (GET /) in headless Chromium over the DevTools protocol
# and checks what a person would see: the token typed once, the progress lines appearing one by one while the
# analysis runs, the report rendered, no console message at all; keeps a screenshot.
#
# Usage: serve-check.py CHROMIUM URL TOKEN_FILE USER OUTDIR
# The protocol goes through --remote-debugging-pipe (file descriptors 3 and 4, messages ended by NUL), so no
# package beyond Python's own is needed.
import base64
import json
import os
import re
import subprocess
import sys
import time

WIDTH, HEIGHT = 1280, 1800


def fail(message):
    sys.exit(f"serve-check: FAIL: {message}")


class Browser:
    """A headless Chromium with one page, talked to over the DevTools pipe."""

    def __init__(self, binary, log):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child():
            # Duplicate high first so that neither end is overwritten when it already sits on 3 or 4.
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--force-device-scale-factor=1", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--remote-debugging-pipe", f"--window-size={WIDTH},{HEIGHT}",
             "about:blank"],
            pass_fds=(3, 4), preexec_fn=child, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    fail(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def receive(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                fail("Chromium closed the DevTools pipe")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(line)
        if "method" in message:
            self.events.append(message)
        return message

    def open(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})

    def js(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            fail(f"evaluating {expression[:60]!r}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def go(self, url):
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait(lambda: any(e["method"] == "Page.loadEventFired" for e in self.events), 20, f"{url} to load")

    def wait(self, ready, seconds, what):
        deadline = time.monotonic() + seconds
        while not ready():
            if time.monotonic() > deadline:
                fail(f"waited {seconds} s for {what}")
            time.sleep(0.05)
            self.js("0")  # lets the events queued meanwhile in

    def key(self, name, code):
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": name, "code": name, "windowsVirtualKeyCode": code}
            if kind == "keyDown" and name == "Enter":
                params["text"] = "\r"
            self.send("Input.dispatchKeyEvent", params)

    def problems(self):
        """Console messages, uncaught exceptions and logged failures (CSP violations, failed loads)."""
        found = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled":
                found.append(f"console.{p['type']}: " + " ".join(str(a.get("value", "")) for a in p["args"]))
            elif e["method"] == "Runtime.exceptionThrown":
                found.append("exception: " + p["exceptionDetails"].get("text", ""))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                found.append(f"{p['entry']['source']} {p['entry']['level']}: {p['entry']['text']}")
        return found

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# Records when each progress line and each state message appears, from outside the page (DevTools evaluation
# is not the page's script; the page's policy does not apply to it).
OBSERVE = """
window.__seen = [];
new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes)
  if (n.nodeName === "LI") window.__seen.push([performance.now(), n.textContent]); })
  .observe(document.getElementById("steps"), { childList: true });
const state = document.getElementById("state");
new MutationObserver(() => window.__seen.push([performance.now(), "STATE " + state.textContent]))
  .observe(state, { childList: true, characterData: true, subtree: true });
"""

REPORT = """
(() => { const f = document.getElementById("report"), d = f.contentDocument;
  return { hidden: f.hidden, height: f.getBoundingClientRect().height, title: f.title,
    svgs: d.querySelectorAll("svg").length, users: d.querySelectorAll("section.user").length,
    h2: (d.querySelector("h2") || {}).textContent || "", cards: d.querySelectorAll(".card").length }; })()
"""

PAGE = """
(() => ({ lang: document.documentElement.lang, h1: document.querySelectorAll("h1").length,
  unlabelled: [...document.querySelectorAll("input, button")].filter((e) =>
    e.tagName === "INPUT" ? e.labels.length === 0 : !e.textContent.trim()).map((e) => e.id),
  log: !!document.querySelector("[role=log][aria-live=polite]"), main: !!document.querySelector("main"),
  focused: document.activeElement.id, phase: document.body.dataset.phase }))()
"""


def self_test(browser):
    """The detector must catch a broken page, or its silence about the real one would mean nothing."""
    browser.go("data:text/html,<title>broken</title><img src='http://127.0.0.1:9/missing.png' alt=''>"
               "<script>console.error('serve-check self-test')</script>")
    time.sleep(0.3)
    browser.js("0")
    found = browser.problems()
    if not any("self-test" in p for p in found) or not any("missing" in p or "ERR_" in p for p in found):
        fail(f"the console check did not catch a page with a console error and a missing image: {found}")
    browser.events = []


def connect_and_start(browser, token, user):
    """Keyboard only, as a person would: Tab to the token field, type it, Enter; type the user, Enter."""
    browser.key("Tab", 9)
    if browser.js("document.activeElement.id") != "token":
        fail("Tab from the top of the page does not reach the token field first")
    browser.send("Input.insertText", {"text": token})
    browser.key("Enter", 13)
    browser.wait(lambda: browser.js("document.getElementById('users').options.length") > 0, 20,
                 "the users of the token")
    page = browser.js(PAGE)
    if page["focused"] != "user":
        fail(f"after connecting, the focus is on {page['focused']!r}, not the user field")
    browser.js("document.getElementById('user').select()")
    browser.send("Input.insertText", {"text": user})
    browser.key("Enter", 13)


def check_progress(seen):
    """Every step started then finished, the lines arrived in several bursts while the analysis ran."""
    lines = [(t, text) for t, text in seen if not text.startswith("STATE ")]
    steps = [re.match(r"\S+ (\S+) (started|finished)", text) for _, text in lines]
    if len(lines) < 10 or not all(steps):
        fail(f"expected ten progress lines or more, each 'STEP started|finished', got {[x for _, x in lines]}")
    order = [(m.group(1), m.group(2)) for m in steps]
    for step in {s for s, _ in order}:
        if order.count((step, "started")) != 1 or order.count((step, "finished")) != 1 or \
                order.index((step, "started")) > order.index((step, "finished")):
            fail(f"step {step} does not start once and then finish once: {order}")
    # Lines less than 5 ms apart count as one burst: a page that got the stream at the end would show one.
    times = [t for t, _ in lines]
    bursts = 1 + sum(1 for a, b in zip(times, times[1:]) if b - a >= 5)
    states = [(t, text) for t, text in seen if text.startswith("STATE ")]
    running = [t for t, text in states if text.endswith(": running.")]
    complete = [t for t, text in states if ": complete" in text]
    if bursts < 4:
        fail(f"the {len(lines)} progress lines appeared in {bursts} bursts, not step by step")
    # The running state and the first step may come in one chunk of the stream, and so share a time; the page's
    # clock (performance.now, coarsened and jittered by the browser) can then put the step a fraction of a
    # millisecond first: within one burst (5 ms) counts as together. Regression: CI saw 410.0 against 410.3.
    if not running or not complete or not running[0] - 5 <= times[0] <= times[-1] < complete[0]:
        fail(f"the progress did not appear between 'running' and 'complete': {seen}")
    return len(lines), bursts, times[-1] - times[0]


def main():
    binary, url, token_file, user, out = sys.argv[1:6]
    token = open(token_file).read().strip()
    with open(os.path.join(out, "chromium.log"), "w") as log:
        browser = Browser(binary, log)
        try:
            browser.open()
            self_test(browser)
            browser.go(url)
            page = browser.js(PAGE)
            if page["lang"] != "en" or page["h1"] != 1 or page["unlabelled"] or not page["log"] or not page["main"]:
                fail(f"the page's structure: {page}")
            browser.js(OBSERVE)
            start = time.monotonic()
            connect_and_start(browser, token, user)
            browser.wait(lambda: browser.js("document.body.dataset.phase") in ("report", "failed"), 90,
                         "the analysis and its report")
            seconds = time.monotonic() - start
            if browser.js("document.body.dataset.phase") != "report":
                fail("the analysis failed: " + browser.js("document.getElementById('state').textContent"))
            lines, bursts, spread = check_progress(browser.js("window.__seen"))
            report = browser.js(REPORT)
            if report["hidden"] or report["svgs"] < 5 or report["users"] != 1 or not report["h2"].startswith(user) \
                    or report["height"] < 1000:
                fail(f"the report did not render as expected: {report}")
            kept = browser.js("[location.href, document.cookie, JSON.stringify(localStorage), "
                              "JSON.stringify(sessionStorage), document.documentElement.outerHTML].join(' ')")
            if token in kept:
                fail("the token is in the address, a cookie, storage or the page's HTML")
            browser.js("window.scrollTo(0, 0)")
            shot = browser.send("Page.captureScreenshot", {"format": "png"})
            with open(os.path.join(out, "serve.png"), "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            found = browser.problems()
            if found:
                fail("the page logged problems:\n  " + "\n  ".join(found))
        finally:
            browser.close()
    print(f"serve-check: {lines} progress lines in {bursts} bursts over {spread / 1000:.2f} s; the report of "
          f"{user} with {report['svgs']} charts and {report['cards']} insight cards; {seconds:.1f} s from the "
          f"token to the report; no console message")


if __name__ == "__main__":
    main()
