"""Check the built course website the way a reader meets it: in a real, headless browser.

Course tooling, used by the tests after ``make book``. Every page is opened in headless Chromium
(Debian's ``chromium`` and ``chromium-driver`` packages, driven by Selenium, without the network);
a page fails on a console error (a script that threw, a file that did not load), on an image that
did not load, on a formula left as TeX, or on a link to a page or anchor of the site that does not exist.

:func:`broken_links` needs no browser:

>>> import tempfile, pathlib
>>> site = pathlib.Path(tempfile.mkdtemp())
>>> _ = (site / "index.html").write_text('<a href="a.html#top">a</a> <a href="gone.html">b</a>')
>>> _ = (site / "a.html").write_text('<h1 id="top">A</h1>')
>>> broken_links(site)
['index.html: link to gone.html: no such page']
"""

from __future__ import annotations

import functools
import shutil
import threading
import time
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "CHROMIUM_PATHS",
    "CHROMEDRIVER_PATHS",
    "find_browser",
    "broken_links",
    "page_problems",
    "check_site",
]

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_PATHS = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


class _Page(HTMLParser):
    """The links and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"])
        if tag == "a" and found.get("name"):
            self.ids.add(found["name"])
        if tag == "a" and found.get("href"):
            self.links.append(found["href"])


def _read(page: Path) -> _Page:
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parsed


def broken_links(site: Path) -> list[str]:
    """Links between the site's pages whose page or anchor does not exist, one line each."""
    site = Path(site)
    pages = {path: _read(path) for path in sorted(site.rglob("*.html"))}
    problems = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue  # the web: not part of the site
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: link to {link}"
            if not target.is_file():
                problems.append(f"{where}: no such page")
            elif parts.fragment and target.suffix == ".html":
                anchors = pages[target].ids if target in pages else _read(target).ids
                if unquote(parts.fragment) not in anchors:
                    problems.append(f"{where}: no such anchor")
    return problems


def find_browser() -> tuple[str, str] | None:
    """Paths of Chromium and its driver, or None when either is missing."""
    browser = next((path for path in CHROMIUM_PATHS if Path(path).is_file()), None) or shutil.which(
        "chromium"
    )
    driver = next((path for path in CHROMEDRIVER_PATHS if Path(path).is_file()), None) or shutil.which(
        "chromedriver"
    )
    return (browser, driver) if browser and driver else None


_IMAGES_NOT_LOADED = """
return Array.from(document.images)
  .filter(img => !(img.complete && img.naturalWidth > 0))
  .map(img => img.getAttribute('src') || '(no src)');
"""


_UNTYPESET_FORMULAS = """
return Array.from(document.querySelectorAll('span.math, div.math'))
  .filter(el => !el.querySelector('math, .MathJax, mjx-container')).length;
"""


def _untypeset_formulas(driver, seconds: float = 10.0) -> int:
    """How many formulas are still TeX (no MathML, nothing a math script typeset) after
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while (left := driver.execute_script(_UNTYPESET_FORMULAS)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def page_problems(driver, page: Path, site: Path, base_url: str) -> list[str]:
    """What is wrong with one page once the browser has loaded it from ``base_url`` (where
    ``site`` is served): console errors, images that did not load, formulas left as TeX."""
    name = page.relative_to(site).as_posix()
    driver.get(f"{base_url}/{name}")
    untypeset = _untypeset_formulas(driver)
    problems = [
        f"{name}: console {entry['level']}: {entry['message'][:300]}"
        for entry in driver.get_log("browser")
        if entry.get("level") == "SEVERE"
    ]
    problems += [f"{name}: image did not load: {src}" for src in driver.execute_script(_IMAGES_NOT_LOADED)]
    if untypeset:
        problems.append(f"{name}: {untypeset} formula(s) left as TeX")
    return problems


def check_site(site: Path) -> tuple[int, list[str]]:
    """Open every page of ``site`` in headless Chromium, served over HTTP on localhost (as a web
    host would, so that a page's scripts and files meet the browser's rules for a web origin); returns
    (pages opened, problems), the broken links of :func:`broken_links` included.

        Raises RuntimeError when Chromium or its driver is missing (``apt-get install chromium
        chromium-driver``).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_browser()
    if found is None:
        raise RuntimeError("No Chromium and chromedriver here: apt-get install chromium chromium-driver")
    browser, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    site = Path(site)
    pages = sorted(path for path in site.rglob("*.html") if "_static" not in path.parts)
    problems = broken_links(site)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # as a reader gets it: over HTTP
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        for page in pages:
            problems += page_problems(driver, page, site, base_url)
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()
    return len(pages), problems


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass
