"""The documentation site in a real headless browser (Chromium from Debian's
packages): the article page of WKB art. 2 shows the ALO-kop parameter table,
and the site's search finds 'toeslagpartner'. A screenshot is saved under
tests/artefacten/. Without Chromium the test is skipped, except in CI, where
.ci/run installs it and a missing browser is a failure."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "tests" / "artefacten"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


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
def site(tmp_path_factory):
    _require_browser()
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                         cwd=ROOT, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1280,2000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_article_page_shows_the_alo_kop_table(site, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{site}/wetten/wkb/artikel-2/")
    assert "WKB art. 2" in browser.title
    heading = browser.find_element(By.ID, "parameter-alo_kop")
    assert "alo_kop" in heading.text
    table = heading.find_element(By.XPATH, "following::table[1]")
    text = table.text
    for value in ("€ 3.050", "€ 3.190", "€ 3.389"):
        assert value in text
    assert "WKB art. 2 lid 6, tekst 2025-01-01" in text  # the source of the 2025 value
    ARTEFACTS.mkdir(exist_ok=True)
    heading.location_once_scrolled_into_view
    browser.save_screenshot(str(ARTEFACTS / "wkb-artikel-2.png"))
    assert (ARTEFACTS / "wkb-artikel-2.png").stat().st_size > 10_000


def test_search_finds_toeslagpartner(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/")
    browser.find_element(By.CSS_SELECTOR, "label.md-search__icon, .md-search__input").click()
    box = WebDriverWait(browser, 10).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
    box.send_keys("toeslagpartner")
    results = WebDriverWait(browser, 20).until(
        ec.presence_of_all_elements_located((By.CSS_SELECTOR, ".md-search-result__item")))
    assert results
    assert any("toeslagpartner" in r.text.lower() for r in results)
    browser.save_screenshot(str(ARTEFACTS / "zoeken-toeslagpartner.png"))
