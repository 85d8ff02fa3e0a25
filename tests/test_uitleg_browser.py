"""The HTML explanation as a reader meets it, in headless Chromium with the network cut
off: the outcome sentence is the first thing under the title and on the first screen,
the full derivation is there but folded (<details>), an amount never wraps away from its
euro sign, and the page loads nothing from elsewhere. Screenshots go to tests/artefacten/."""

from __future__ import annotations

from pathlib import Path

import pytest

from regels.api import evaluate, load_case, load_rules
from regels.explain import render_explanation
from tests.test_site import chromium_offline, screenshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def browser():
    driver = chromium_offline()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def rules():
    return load_rules(ROOT / "rules")


@pytest.mark.parametrize("example, taal, answer", [
    # the amounts are the example's own 'verwacht:' (Awir art. 14 lid 4, WKB art. 2)
    ("alleenstaande_ouder_2020", "nl", "U krijgt over 2020 €\u00a05.389 kindgebonden budget"),
    ("alleenstaande_ouder_2020", "en", "You get €5,389 kindgebonden budget"),
    # the question the case asks, answered in its first sentence (WKB art. 2 lid 6)
    ("statushouder_2016", "nl", "U krijgt geen alleenstaande-ouderkop"),
    ("statushouder_2016", "en", "You do not get the single-parent supplement"),
])
def test_the_reader_sees_the_answer_first_and_the_derivation_folded(browser, rules, tmp_path, example, taal,
                                                                      answer):
    from selenium.webdriver.common.by import By

    case = load_case(ROOT / "voorbeelden" / f"{example}.yaml", rules)
    page = tmp_path / f"{example}.{taal}.html"
    page.write_text(render_explanation(evaluate(rules, case), language=taal, fmt="html"), encoding="utf-8")
    browser.get(page.as_uri())
    first = browser.execute_script(
        "const h = document.querySelector('h1'); let e = h.nextElementSibling;"
        "while (e && !e.innerText.trim()) e = e.nextElementSibling;"
        "const r = e.getBoundingClientRect();"
        "return [e.textContent, r.top, r.bottom, window.innerHeight];")
    # textContent, not WebDriver's .text, which turns a no-break space into a plain one
    answers = browser.execute_script(
        "return [...document.querySelectorAll('p.answer')].map(p => p.textContent).join(' ')")
    assert answer in answers, answers
    question = case.question.get(taal)
    if question:  # the case asks a question: it stands first, the answer right under it
        assert question in first[0], first
    else:
        assert answer in first[0], first
    assert first[2] <= first[3], "the first lines are not on the first screen"
    details = browser.find_elements(By.TAG_NAME, "details")
    assert details and not any(d.get_attribute("open") for d in details)  # the full derivation, folded
    assert not details[0].find_elements(By.CSS_SELECTOR, "details > :not(summary)")[0].is_displayed()
    # € and its amount on one line: the no-break space survives into what the browser shows
    amount = "€\u00a05.389" if taal == "nl" else "€5,389"
    if example == "alleenstaande_ouder_2020":
        assert amount in answers
    origins = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith("file:") for url in origins), origins
    screenshot(browser, f"uitleg-{example}-{taal}.png")


def test_the_html_derivation_links_each_step_to_the_steps_it_rests_on(rules):
    """In the full derivation a step names the steps its value rests on, as links; in --waarom
    a step already shown links back to its number. Every link lands on an element of the page."""
    import re

    case = load_case(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", rules)
    html = render_explanation(evaluate(rules, case), fmt="html", why=["kindgebonden_budget"])
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = re.findall(r'href="#([^"]+)"', html)
    assert links and set(links) <= ids, sorted(set(links) - ids)
    # the ALO-kop (WKB art. 2 lid 6) rests on whether there is a toeslagpartner (Awir art. 3)
    section = re.search(r'<section class="step" id="[^"]+">\s*<h3><code>alleenstaande_ouderkop</code>.*?</section>',
                        html, re.S).group(0)
    assert re.search(r'rust op: .*<code>heeft_toeslagpartner</code>', section, re.I | re.S), section
    assert any(link.startswith("waarom-") for link in links)  # 'zie hierboven: N' is a link
