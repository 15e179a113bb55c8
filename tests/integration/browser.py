# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open an HTML file of the collection (a report page) in headless Chromium, for tests that check what a person sees.

Debian's chromium and chromium-driver drive it (tools/install-browser installs them; tools/bootstrap runs that).
``open_page`` is the one way in: a test writes its page to a file, opens it, and reads the driver; the browser
quits when the block ends. A module that checks one page several times can hold one browser in a module-scoped
fixture built on it and call ``reload`` before each check::

    @pytest.fixture(scope="module")
    def driver(tmp_path_factory):
        path = tmp_path_factory.mktemp("page") / "page.html"
        path.write_text(render_html(VIEW), encoding="utf-8")
        with open_page(path) as opened:
            yield opened
"""

from __future__ import annotations

import base64
import contextlib
import typing as t
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARGUMENTS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking")
# Each reads a whole table in one round trip: a WebDriver call per cell would make a test of 30 rows slow.
_SHOWN_ROWS = """
var rows = document.getElementById(arguments[0]).tBodies[0].rows;
return Array.prototype.filter.call(rows, function (row) { return row.getClientRects().length > 0; })
  .map(function (row) { return row.getAttribute('data-row'); });
"""
_COLUMN_TEXTS = """
var rows = document.getElementById(arguments[0]).tBodies[0].rows, column = arguments[1];
return Array.prototype.map.call(rows, function (row) { return row.cells[column].innerText; });
"""
TIMEOUT = 10  # seconds, for every explicit wait: a loaded local page answers in milliseconds


@contextlib.contextmanager
def open_page(path: Path) -> t.Iterator[WebDriver]:
    """Headless Chromium showing the file at ``path``, once its page has loaded; it quits when the block ends."""
    missing = [str(binary) for binary in (CHROMIUM, CHROMEDRIVER) if not binary.exists()]
    if missing:
        raise RuntimeError("%s missing: run tools/install-browser (Debian packages chromium and chromium-driver)" % " and ".join(missing))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(TIMEOUT)
        reload(driver, path)
        yield driver
    finally:
        driver.quit()


def reload(driver: WebDriver, path: Path) -> None:
    """Load the file at ``path`` afresh and wait until its document is complete."""
    driver.get(path.resolve().as_uri())
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def wait(driver: WebDriver, timeout: float = TIMEOUT) -> WebDriverWait:
    """An explicit wait on the page (never a sleep)."""
    return WebDriverWait(driver, timeout)


@contextlib.contextmanager
def javascript_off(driver: WebDriver) -> t.Iterator[WebDriver]:
    """The same browser with JavaScript disabled (for pages loaded inside the block), as a user may have it."""
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        yield driver
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def shown_rows(driver: WebDriver, table_id: str) -> list[int]:
    """The ``data-row`` of each row the table of that id displays, top to bottom (one round trip for the table)."""
    return [int(row) for row in driver.execute_script(_SHOWN_ROWS, table_id)]


def column_texts(driver: WebDriver, table_id: str, column: int) -> list[str]:
    """The text shown in one column (0-based) of the table of that id, top to bottom."""
    return driver.execute_script(_COLUMN_TEXTS, table_id, column)


def console_errors(driver: WebDriver) -> list[str] | None:
    """The messages of level SEVERE the page logged since the last call, or None if this driver cannot tell."""
    try:
        entries = driver.get_log("browser")
    except (AttributeError, WebDriverException):
        return None
    return [entry.get("message", "") for entry in entries if entry.get("level") == "SEVERE"]


def save_screenshot(driver: WebDriver, path: Path) -> Path:
    """The whole page (not only the window) as a PNG at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
