"""`regels serve` over real HTTP on 127.0.0.1: the test starts the service with
the command line (`python -m regels.cli serve`) on a free port, and talks to it
with urllib. The answers are compared byte for byte with the command line and
the Python API (issue 13, item 4); bad input gets 4xx with the line and column;
a body over the limit gets 413, an evaluation past the time limit 503; a long
request does not hold up others. The web page is tested in headless Chromium
(as tests/test_site.py); its screenshot goes to tests/artefacten/ (not in git)."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "voorbeelden/alleenstaande_ouder_2020.yaml"
TIMELINE = "voorbeelden/statushouder_2016_tijdlijn.yaml"
VARIANT_CASE = "voorbeelden/varianten/statushouder_2016_gemeente.yaml"
TIME_LIMIT = 4  # seconds, as given to the service below: far above one case, far below the slow batch
ARTEFACTS = ROOT / "tests" / "artefacten"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def service():
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "regels.cli", "serve", "--port", str(port),
                                "--tijdslimiet", str(TIME_LIMIT)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(base + "/gezondheid", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() - started > 120:
            process.kill()
            pytest.fail("regels serve start niet:\n" + process.stdout.read())
        time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def call(base, path, body: bytes | str | None = None, content_type="application/yaml", method=None):
    """(status, content type, body bytes) of one request; errors are answers too."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    request = urllib.request.Request(base + path, data=body, method=method or ("POST" if body is not None else "GET"))
    if body is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, answer.headers.get("content-type"), answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("content-type"), answer.read()


def cli(*args) -> bytes:
    run = subprocess.run([sys.executable, "-m", "regels.cli", *args], cwd=ROOT, capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
    return run.stdout


def read(path) -> bytes:
    return (ROOT / path).read_bytes()


def errors_of(status, kind, body):
    assert kind.startswith("application/json"), (status, kind, body[:300])
    data = json.loads(body)
    assert set(data) == {"fouten"} and data["fouten"], data
    for item in data["fouten"]:
        assert {"bestand", "regel", "kolom", "melding", "hint"} <= set(item)
        assert "Traceback" not in item["melding"]
    return data["fouten"]


# --- the same answer everywhere -------------------------------------------------------------


def test_bereken_is_byte_identical_to_the_cli_and_the_api(service):
    from regels.api import RuleSets, evaluate, read_case_file

    status, kind, body = call(service, f"/bereken?bestand={EXAMPLE}", read(EXAMPLE))
    assert status == 200 and kind.startswith("application/json")
    assert body == cli("bereken", EXAMPLE, "--json")
    cwd = os.getcwd()
    os.chdir(ROOT)  # the API names the case file as given, as the command line does
    try:
        rule_set, case = read_case_file(EXAMPLE, RuleSets("rules"))
        out = io.StringIO()
        evaluate(rule_set, case).write_json(out)
    finally:
        os.chdir(cwd)
    assert body == out.getvalue().encode("utf-8")
    data = json.loads(body)
    assert data["uitkomsten"]["kindgebonden_budget"] == "5389.00"  # the example's expectation: € 5.389
    assert data["per_maand"]["kindgebonden_budget_maand"]["2020-04"] == "454.13"
    assert data["trace"]


def test_bereken_zonder_trace_and_the_same_case_as_json(service):
    import yaml

    expected = cli("bereken", EXAMPLE, "--json", "--zonder-trace")
    status, _, body = call(service, f"/bereken?zonder_trace=true&bestand={EXAMPLE}", read(EXAMPLE))
    assert status == 200 and body == expected
    as_json = json.dumps(yaml.safe_load(read(EXAMPLE)), default=str, ensure_ascii=False, indent="\t")
    status, _, body = call(service, f"/bereken?zonder_trace=true&bestand={EXAMPLE}", as_json, "application/json")
    assert status == 200 and body == expected  # JSON with tabs reads as the YAML does


@pytest.mark.parametrize("language,fmt,media", [("nl", "tekst", "text/plain"), ("en", "html", "text/html"),
                                                ("nl", "markdown", "text/markdown")])
def test_uitleg_is_the_cli_explanation(service, language, fmt, media):
    status, kind, body = call(service, f"/uitleg?taal={language}&formaat={fmt}&bestand={EXAMPLE}", read(EXAMPLE))
    assert status == 200 and kind.startswith(media)
    assert body == cli("uitleg", EXAMPLE, "--taal", language, "--formaat", fmt)
    assert ("5.389" if language == "nl" else "5,389") in body.decode()


def test_uitleg_waarom(service):
    status, _, body = call(service, f"/uitleg?waarom=kindgebonden_budget&bestand={EXAMPLE}", read(EXAMPLE))
    assert status == 200
    assert body == cli("uitleg", EXAMPLE, "--waarom", "kindgebonden_budget")


def test_tijdlijn_and_vergelijk_are_the_cli_json(service):
    status, _, body = call(service, f"/tijdlijn?bestand={TIMELINE}", read(TIMELINE))
    assert status == 200 and body == cli("tijdlijn", TIMELINE, "--json")
    assert any(m["wat"] == "eerste_voorschot" for m in json.loads(body)["tijdlijn"])
    status, _, body = call(service, f"/vergelijk?bestand={VARIANT_CASE}", read(VARIANT_CASE))
    assert status == 200 and body == cli("vergelijk", VARIANT_CASE, "--json")
    assert json.loads(body)["verschillen"]
    variant = "afzien_terugvordering_alo_kop"
    status, _, body = call(service, f"/vergelijk?variant={variant}&bestand={TIMELINE}", read(TIMELINE))
    assert status == 200 and body == cli("vergelijk", TIMELINE, "--variant", variant, "--json")


def test_batch_gives_each_case_as_bereken_does(service):
    good = read(EXAMPLE).decode()
    bad = "casus: kapot\nberekeningsjaar: 2020\npersonen:\n  a:\n    toetsingsinkomen: veel\n"
    body = "- " + good.replace("\n", "\n  ").rstrip() + "\n- " + bad.replace("\n", "\n  ").rstrip() + "\n"
    status, _, answer = call(service, f"/batch?zonder_trace=true&bestand={EXAMPLE}", body)
    assert status == 200
    results = json.loads(answer)
    assert len(results) == 2
    alone = cli("bereken", EXAMPLE, "--json", "--zonder-trace")
    assert answer.startswith(b"[\n" + alone.rstrip(b"\n") + b",\n")  # the same bytes, as an element of a list
    problem = results[1]["fouten"][0]
    assert problem["melding"] == "'veel' is geen bedrag"
    line = body.splitlines().index("      toetsingsinkomen: veel") + 1
    assert (problem["regel"], problem["kolom"]) == (line, 25)
    status, kind, answer = call(service, "/batch", good)  # one case, not a list
    assert status == 422 and "lijst" in errors_of(status, kind, answer)[0]["melding"]


# --- the rule set ---------------------------------------------------------------------------


def test_regels_on_a_date_names_laws_articles_and_parameters_with_sources(service):
    status, _, body = call(service, "/regels?datum=2020-01-01")
    assert status == 200
    data = json.loads(body)
    laws = {law["afkorting"]: law for law in data["wetten"]}
    assert {"WKB", "Awir", "AWR"} <= set(laws)
    article = next(a for a in laws["WKB"]["artikelen"] if a["artikel"] == "2")
    assert article["versie"]["geldig_vanaf"] == "2020-01-01"
    alo = next(p for p in article["parameters"] if p["naam"] == "alo_kop")
    assert alo["op_datum"]["waarde"] == "€ 3.190" and alo["op_datum"]["bron"]
    later = json.loads(call(service, "/regels?datum=2025-06-01")[2])
    article = next(a for law in later["wetten"] for a in law["artikelen"] if a["bron"] == "WKB art. 2")
    assert next(p for p in article["parameters"] if p["naam"] == "alo_kop")["op_datum"]["waarde"] == "€ 3.389"


@pytest.mark.parametrize("datum, lid", [("2018-06-01", "11"), ("2020-01-01", "12")])
def test_regels_on_a_date_cites_the_lid_of_a_parameter_on_that_date(service, datum, lid):
    # the woonland paragraph for one child is lid 11 up to 2019 and lid 12 in the renumbered text of 2020
    data = json.loads(call(service, f"/regels/wkb/2?datum={datum}")[2])
    factor = next(p for p in data["parameters"] if p["naam"] == "woonlandfactor")
    assert factor["lid"] == lid and factor["bron"] == f"WKB art. 2 lid {lid}"
    rule = next(r for r in data["regels"] if r["naam"] == "woonland_voor_een_kind")
    assert [v["lid"] for v in rule["versies"]] == ["11", "12"] and rule["bron"] == f"WKB art. 2 lid {lid}"


def test_regels_of_one_article(service):
    status, _, body = call(service, "/regels/wkb/2?datum=2020-01-01")
    assert status == 200
    data = json.loads(body)
    assert data["bron"] == "WKB art. 2" and "6" in data["versie"]["leden"]
    assert any(r["naam"] == "kindgebonden_budget_maand" for r in data["regels"])
    assert len(next(p for p in data["parameters"] if p["naam"] == "alo_kop")["waarden"]) > 1
    status, kind, body = call(service, "/regels/wkb/99")
    assert status == 404 and "wkb/2" in errors_of(status, kind, body)[0]["hint"]


def test_schema_versie_gezondheid_voorbeelden(service):
    status, _, body = call(service, "/schema/casus")
    assert status == 200 and json.loads(body) == json.loads(read("schemas/casus.schema.json"))
    version = json.loads(call(service, "/versie")[2])
    assert version["regelset"]["hash"] == json.loads(cli("bereken", EXAMPLE, "--json", "--zonder-trace"))[
        "regelset"]["hash"]
    assert "afzien_terugvordering_alo_kop" in version["varianten"]
    assert json.loads(call(service, "/gezondheid")[2]) == {"status": "ok"}
    examples = {e["naam"]: e["titel"] for e in json.loads(call(service, "/voorbeelden")[2])}
    assert examples["alleenstaande_ouder_2020"] == "Alleenstaande moeder met twee kinderen, 2020"
    assert call(service, "/voorbeelden/alleenstaande_ouder_2020")[2] == read(EXAMPLE)
    assert call(service, "/voorbeelden/..%2Frules%2Fregelset")[0] == 404


def test_openapi_docs_are_served_without_a_cdn(service):
    status, _, body = call(service, "/docs")
    page = body.decode()
    assert status == 200 and "swagger-ui-bundle.js" in page
    assert "cdn." not in page and "https://" not in page.split("<body>")[0]
    status, _, script = call(service, "/static-offline-docs/swagger-ui-bundle.js")
    assert status == 200 and len(script) > 100_000
    spec = json.loads(call(service, "/openapi.json")[2])
    assert {"/bereken", "/uitleg", "/tijdlijn", "/vergelijk", "/batch", "/regels", "/regels/{wet}/{artikel}",
            "/schema/casus", "/versie", "/gezondheid"} <= set(spec["paths"])


# --- bad input: 4xx with a place and a hint, never a traceback --------------------------------


def test_a_wrong_fact_is_named_at_its_line_and_column(service):
    text = read(EXAMPLE).decode().replace("waarde: € 24.000", "waarde: heel veel")
    status, kind, body = call(service, "/bereken?bestand=mijn.yaml", text)
    assert status == 422
    (problem,) = errors_of(status, kind, body)
    line = text.splitlines().index("      waarde: heel veel") + 1
    assert problem["bestand"] == "mijn.yaml" and (problem["regel"], problem["kolom"]) == (line, 15)
    assert problem["melding"] == "'heel veel' is geen bedrag" and problem["hint"]


def test_syntax_errors_in_yaml_and_json(service):
    status, kind, body = call(service, "/bereken", "casus: x\npersonen: [\n")
    problem = errors_of(status, kind, body)[0]
    assert status == 422 and problem["melding"].startswith("YAML-syntaxfout") and problem["regel"] == 3
    status, kind, body = call(service, "/tijdlijn", '{\n  "casus": "x",\n  "berekeningsjaar": 2020,,\n}',
                              "application/json")
    problem = errors_of(status, kind, body)[0]
    assert status == 422 and problem["melding"].startswith("JSON-syntaxfout")
    assert (problem["regel"], problem["kolom"]) == (3, 27)
    status, kind, body = call(service, "/bereken", "casus: x\nberekeningsjaar: 2020\npersoonen: {}\n")
    problem = errors_of(status, kind, body)[0]
    assert status == 422 and problem["regel"] == 3 and "personen" in problem["hint"]


def test_bad_parameters_and_routes_are_json_errors(service):
    for path, body, status in [("/uitleg?taal=fr", read(EXAMPLE), 422), ("/uitleg?formaat=pdf", read(EXAMPLE), 422),
                               ("/bereken?variant=../rules/wkb/artikel_2", read(EXAMPLE), 422),
                               ("/vergelijk", read(EXAMPLE), 422), ("/regels?datum=2020-13-01", None, 422),
                               ("/nergens", None, 404), ("/bereken", None, 405)]:
        got, kind, answer = call(service, path, body)
        assert got == status, (path, answer)
        errors_of(got, kind, answer)
    got, kind, answer = call(service, "/bereken", b"casus: \xff\n")
    assert got == 422 and "UTF-8" in errors_of(got, kind, answer)[0]["melding"]
    got, kind, answer = call(service, "/bereken", read(EXAMPLE), "multipart/form-data; boundary=x")
    assert got == 415 and errors_of(got, kind, answer)


def test_a_body_over_the_limit_gets_413(service):
    """Announced too large: 413 before the body is sent (the client waits with 'Expect:
    100-continue', as curl does for a large body). Sent without a length: 413 once the
    part read passes the limit; the last chunk passes it, so the client has sent all
    before the answer comes (a client still sending would see the connection close)."""
    import http.client

    host, port = service.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.putrequest("POST", "/bereken")
    for name, value in [("Content-Type", "application/yaml"), ("Content-Length", "1100000"),
                        ("Expect", "100-continue")]:
        connection.putheader(name, value)
    connection.endheaders()
    answer = connection.getresponse()
    assert answer.status == 413
    assert "groter dan 1.000.000 bytes" in errors_of(413, answer.headers["content-type"], answer.read())[0]["melding"]
    connection.close()

    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    chunks = [b"# " + b"x" * 65_534] * 15 + [b"x" * 30_000]  # 1.013.040 bytes
    connection.request("POST", "/bereken", body=iter(chunks), headers={"Content-Type": "application/yaml"},
                       encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 413
    assert errors_of(413, answer.headers["content-type"], answer.read())[0]["hint"]
    connection.close()


# --- limits and concurrency -------------------------------------------------------------------


def _slow_batch() -> str:
    """A hundred copies of the example with their traces: far more than TIME_LIMIT seconds of work."""
    case = "- " + read(EXAMPLE).decode().replace("\n", "\n  ").rstrip() + "\n"
    return case * 100


def test_a_long_request_does_not_hold_up_others_and_stops_at_the_time_limit(service):
    slow: dict = {}

    def run_slow():
        started = time.monotonic()
        slow["answer"] = call(service, "/batch", _slow_batch())
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)  # the batch is being computed
    started = time.monotonic()
    status, _, body = call(service, "/gezondheid")
    health = time.monotonic() - started
    status2, _, computed = call(service, f"/bereken?zonder_trace=true&bestand={EXAMPLE}", read(EXAMPLE))
    other = time.monotonic() - started
    still_running = thread.is_alive()
    thread.join(timeout=60)
    assert status == 200 and health < 1.0, health
    assert status2 == 200 and json.loads(computed)["uitkomsten"]["kindgebonden_budget"] == "5389.00"
    assert still_running, f"the slow batch was done before the other requests ({other:.1f} s)"
    status, kind, body = slow["answer"]
    assert status == 503
    problem = errors_of(status, kind, body)[0]
    assert "tijdslimiet van 4 s van deze dienst" in problem["melding"] and "--tijdslimiet" in problem["hint"]
    assert TIME_LIMIT - 0.5 < slow["seconds"] < TIME_LIMIT + 10


def test_concurrent_requests_get_the_same_bytes(service):
    """The rule set is shared by the threads that compute; what it remembers between cases
    must not leak from one request into another."""
    expected = cli("bereken", EXAMPLE, "--json")
    other = read("voorbeelden/statushouder_2016.yaml")
    answers: list = [None] * 6

    def ask(index):
        if index % 2:
            answers[index] = call(service, f"/bereken?bestand={EXAMPLE}", read(EXAMPLE))
        else:
            answers[index] = call(service, "/bereken?bestand=voorbeelden/statushouder_2016.yaml", other)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    expected_other = cli("bereken", "voorbeelden/statushouder_2016.yaml", "--json")
    for index, (status, _, body) in enumerate(answers):
        assert status == 200 and body == (expected if index % 2 else expected_other)


def test_without_the_extra_the_verb_says_what_to_install():
    code = ("import sys; sys.modules['fastapi'] = None\n"
            "from regels.cli import main; sys.exit(main(['serve']))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert "pip install 'regels[serve]'" in run.stderr and "Traceback" not in run.stderr


# --- the web page in a browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from tests.test_site import CHROMEDRIVER, CHROMIUM, _require_browser

    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1400,1100"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_the_web_page_computes_explains_and_shows_errors_at_their_line(service, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(service + "/")
    assert "regels" in browser.title
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#voorbeeld option")) > 1)
    Select(browser.find_element(By.ID, "voorbeeld")).select_by_value("alleenstaande_ouder_2020")
    editor = browser.find_element(By.ID, "casus")
    wait.until(lambda b: "Alleenstaande moeder" in editor.get_property("value"))

    browser.find_element(By.ID, "bereken").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "resultaat"), "kindgebonden_budget"))
    result = browser.find_element(By.ID, "resultaat").text
    expected = json.loads(cli("bereken", EXAMPLE, "--json", "--zonder-trace"))
    assert expected["uitkomsten"]["kindgebonden_budget"] in result  # 5389.00
    assert "454.13" in result and "2020-04" in result
    ARTEFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTEFACTS / "serve-bereken.png"))

    browser.find_element(By.ID, "uitleg-nl").click()
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#resultaat iframe")))
    browser.switch_to.frame(frame)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "€ 5.389"))
    browser.switch_to.default_content()
    browser.save_screenshot(str(ARTEFACTS / "serve-uitleg.png"))

    browser.find_element(By.ID, "tijdlijn").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "resultaat"), "Volgens de wet"))
    assert "kindgebonden_budget" in browser.find_element(By.ID, "resultaat").text

    # an error: the income is no amount; the page names the line and marks it
    text = editor.get_property("value").replace("waarde: € 24.000", "waarde: heel veel")
    line = text.split("\n").index("      waarde: heel veel") + 1
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input'));", editor, text)
    browser.find_element(By.ID, "bereken").click()
    item = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#foutenlijst li")))
    assert f"regel {line}, kolom 15" in item.text and "'heel veel' is geen bedrag" in item.text
    assert "fout" in browser.find_element(By.ID, f"regel-{line}").get_attribute("class")
    assert browser.find_element(By.ID, "resultaat").text == ""
    item.click()
    selected_line = browser.execute_script(
        "const e = arguments[0]; return e.value.slice(0, e.selectionStart).split('\\n').length;", editor)
    assert selected_line == line
    browser.save_screenshot(str(ARTEFACTS / "serve-fout.png"))
    assert (ARTEFACTS / "serve-fout.png").stat().st_size > 10_000
