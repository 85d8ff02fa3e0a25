"""The documentation site as a reader meets it. The built HTML loads nothing from
another origin and every internal link and anchor exists; in a real headless
browser (Chromium from Debian's packages) the article pages of WKB art. 2 and
Awir art. 3 open with the text of a lid directly followed by the rules and
parameters that encode it, the site works with the network cut off and behind
a strict Content-Security-Policy, and searching for 'toeslagpartner' ranks
Awir art. 3 first. Screenshots are kept under tests/artefacten/ (gitignored;
CI can keep them). Without Chromium the browser tests are skipped, except in
CI, where .ci/run installs it and a missing browser is a failure."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "tests" / "artefacten"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# What a strict site may allow: only its own origin. Material's small inline scripts (its
# configuration) need 'unsafe-inline'; nothing may come from elsewhere.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:")


def _require_browser():
    missing = not (CHROMIUM and CHROMEDRIVER)
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        if os.environ.get("CI"):
            pytest.fail("Chromium, chromedriver of selenium ontbreekt; .ci/run installeert ze")
        pytest.skip("Chromium, chromedriver of selenium is niet geïnstalleerd")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                         cwd=ROOT, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built):
    _require_browser()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site):
    driver = chromium_offline()
    yield driver
    driver.quit()


def chromium_offline():
    """Headless Chromium with the network cut off: every host name but 127.0.0.1 fails to
    resolve, and any request that still leaves goes to a proxy where nothing listens."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1280,900",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 "--proxy-server=http://127.0.0.1:9"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


def screenshot(browser, name: str):
    ARTEFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTEFACTS / name))
    assert (ARTEFACTS / name).stat().st_size > 10_000


# --- the built HTML ----------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.fetched: list[tuple[str, str]] = []  # (tag, url) the browser loads by itself

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("script", "img", "iframe", "source", "audio", "video") and a.get("src"):
            self.fetched.append((tag, a["src"]))
        if tag == "link" and a.get("href") and not {"canonical", "alternate"} & set((a.get("rel") or "").split()):
            self.fetched.append((tag, a["href"]))


def _pages(built: Path) -> dict[Path, _Page]:
    pages = {}
    for path in sorted(built.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path] = page
    return pages


def test_the_site_loads_nothing_from_another_origin(built):
    """No script, stylesheet, font or image from the internet (no Google fonts, no CDN
    Mermaid): the site works offline and behind a CSP that allows only its own origin."""
    pages = _pages(built)
    assert len(pages) > 40
    remote = [(p.relative_to(built).as_posix(), tag, url) for p, page in pages.items()
              for tag, url in page.fetched if re.match(r"(https?:)?//", url)]
    assert remote == []
    for css in built.rglob("*.css"):
        assert not re.search(r"(@import|url\()\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css
    assert not any("mermaid" in url for page in pages.values() for _, url in page.fetched)


def test_every_internal_link_and_anchor_exists(built):
    """The links in formulas and diagrams are raw HTML, which MkDocs does not check: each
    must reach a page, and its #anchor an element on that page."""
    pages = _pages(built)
    broken, checked = [], 0
    for path, page in pages.items():
        base = "http://site/" + path.relative_to(built).as_posix()
        for href in page.links:
            url = urlparse(urljoin(base, href))
            if url.netloc != "site":
                continue
            target = built / unquote(url.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((path.relative_to(built).as_posix(), href))
            elif url.fragment and target in pages:
                checked += 1
                if url.fragment not in pages[target].ids:
                    broken.append((path.relative_to(built).as_posix(), href))
    assert checked > 1000
    assert broken == []


def test_article_page_links_formula_names_and_draws_the_diagram(built):
    html = (built / "wetten/wkb/artikel-2/index.html").read_text(encoding="utf-8")
    # a name in a formula links to its definition, on this page and on another article's page
    assert '<a href="#parameter-alo_kop">alo_kop</a>' in html
    assert '<a href="../artikel-3/#parameter-afbouwpercentage_vanaf_2026">wkb.3.afbouwpercentage_vanaf_2026</a>' in html
    assert re.search(r'<a href="\.\./\.\./awir/artikel-3/#regel-heeft_toeslagpartner">heeft_toeslagpartner</a>', html)
    # the diagram is inline SVG, each box a link
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="regels-diagram"'):]
    svg = svg[:svg.index("</svg>")]
    assert '<a href="#regel-alleenstaande_ouderkop"' in svg
    assert '<a href="#parameter-alo_kop"' in svg
    assert 'class="mermaid"' not in html


# --- in the browser ----------------------------------------------------------------------


def _lid(browser, version: str, lid: str):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, f"v{version}-lid-{lid}")


def _first_open_version(browser):
    from selenium.webdriver.common.by import By

    versions = browser.find_elements(By.CSS_SELECTOR, "details.regels-versie")
    assert versions and versions[0].get_attribute("open") is not None
    assert all(v.get_attribute("open") is None for v in versions[1:])
    return versions[0]


def _text_then_code(lid_element) -> tuple[str, str]:
    """The lid's text and the block right after it (its parameters and rules)."""
    from selenium.webdriver.common.by import By

    text = lid_element.find_element(By.XPATH, "./*[1]")
    block = text.find_element(By.XPATH, "following-sibling::*[1]")
    assert "regels-lidtekst" in text.get_attribute("class")
    assert "regels-code" in block.get_attribute("class")
    return text.text, block.text


def test_wkb_2_opens_with_each_lid_above_its_rules(site, browser):
    browser.get(f"{site}/wetten/wkb/artikel-2/")
    assert "WKB art. 2" in browser.title
    latest = _first_open_version(browser)
    assert latest.get_attribute("id") == "versie-2026-01-01"
    lid_1 = _lid(browser, "2026-01-01", "1")
    # what a reader sees first: the first lid of the newest text, on the first screen
    assert lid_1.is_displayed() and lid_1.location["y"] < browser.get_window_size()["height"]
    text, code = _text_then_code(lid_1)
    assert text.startswith("1. Aanspraak op een kindgebonden budget heeft de ouder")
    assert "voldoet_aan_lid_1" in code
    text, code = _text_then_code(_lid(browser, "2026-01-01", "6"))
    assert "€ 3.416" in text  # the law's amount ...
    assert "alo_kop = € 3.416" in code  # ... the parameter that holds it, and the rule using it
    assert "als aantal_kinderen > 0 en niet heeft_toeslagpartner dan alo_kop anders € 0" in code
    screenshot(browser, "wkb-artikel-2.png")

    # an older version is woven the same way, with its own amounts
    from selenium.webdriver.common.by import By

    older = browser.find_element(By.ID, "versie-2020-01-01")
    older.find_element(By.TAG_NAME, "summary").click()
    text, code = _text_then_code(_lid(browser, "2020-01-01", "6"))
    assert "€ 3.190" in text and "alo_kop = € 3.190" in code

    # one small table per parameter, years down
    heading = browser.find_element(By.ID, "parameter-alo_kop")
    table = heading.find_element(By.XPATH, "following::table[1]")
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 12 and rows[0].text.startswith("1 januari 2015")
    assert len(table.find_elements(By.CSS_SELECTOR, "thead th")) == 3
    assert "WKB art. 2 lid 6, tekst 2025-01-01" in table.text
    assert table.size["width"] <= browser.find_element(By.CSS_SELECTOR, "article").size["width"]

    # the diagram: clicking the box of a parameter goes to its definition
    diagram = browser.find_element(By.CSS_SELECTOR, ".regels-samenhang svg")
    browser.execute_script("arguments[0].scrollIntoView()", diagram)
    screenshot(browser, "wkb-artikel-2-samenhang.png")
    box = diagram.find_element(By.CSS_SELECTOR, 'a[href="#parameter-verhoging_12_tot_16"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    assert browser.current_url.endswith("#parameter-verhoging_12_tot_16")


def test_awir_3_opens_with_lid_1_above_its_rules(site, browser):
    browser.get(f"{site}/wetten/awir/artikel-3/")
    assert "Awir art. 3" in browser.title
    latest = _first_open_version(browser)
    version = latest.get_attribute("id").removeprefix("versie-")
    text, code = _text_then_code(_lid(browser, version, "1"))
    assert text.startswith("1. Partner van de belanghebbende is degene die")
    assert "toeslagpartner" in code
    screenshot(browser, "awir-artikel-3.png")


def test_the_site_works_with_the_network_cut_off(site, browser):
    """Every resource a page loaded came from the site itself, nothing failed to load, and
    the CSP (only the site's own origin) was not violated."""
    browser.get_log("browser")  # forget what earlier tests logged
    for page in ("", "wetten/wkb/artikel-2/", "wetten/awir/artikel-3/", "casusformaat/"):
        browser.get(f"{site}/{page}")
        browser.execute_script("return document.fonts.ready")
        origins = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
            ".concat([new URL(location.href).origin])")
        assert set(origins) == {site}, page
        problems = [e["message"] for e in browser.get_log("browser")
                    if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]]
        assert problems == [], page


def test_search_ranks_awir_3_first_for_toeslagpartner(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/")
    browser.find_element(By.CSS_SELECTOR, "label.md-search__icon, .md-search__input").click()
    box = WebDriverWait(browser, 10).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
    box.send_keys("toeslagpartner")
    WebDriverWait(browser, 20).until(
        ec.presence_of_all_elements_located((By.CSS_SELECTOR, ".md-search-result__item")))
    first = browser.find_element(By.CSS_SELECTOR, ".md-search-result__item a")
    assert "/wetten/awir/artikel-3/" in first.get_attribute("href")
    assert first.text.startswith("Awir art. 3")
    screenshot(browser, "zoeken-toeslagpartner.png")
