"""The explanation in English has no Dutch sentence left but the law's own text
(issue 12, item 4): every example, in text, Markdown and HTML, is scanned for
common Dutch words outside what may stay Dutch: quoted law text, formulas (the
rules language is Dutch), names of rules, persons and laws, and quotations in
single quotes. A description without its English twin, a Dutch label in a
template or a Dutch phrase from the trace shows up here with its line."""

import datetime as dt
import html
import re
from fractions import Fraction
from pathlib import Path

import pytest

from regels import values as v
from regels.api import RuleSets, evaluate, read_case_file
from regels.explain import render_explanation
from tests.helpers import write_rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "voorbeelden").rglob("*.yaml"))

# Words that carry a Dutch sentence and are no English word (nor part of a law's
# name such as 'Wet op het kindgebonden budget', which is why 'de', 'het', 'van'
# and 'op' are not here).
DUTCH = """een wordt worden zijn heeft hebben geen niet deze dit dat die maar ook nog naar bij uit voor met
vanaf geldt geldig gegeven gegevens bekend casus tekst zoals versie bron standaardwaarde waar onwaar omdat
wanneer volgens alleen moet januari februari maart mei juni juli augustus oktober heel jaar maand maanden
ongewijzigd gelijkluidend nagegaan indexering uitkomst stap artikelen waarde leeg""".split()
PHRASES = ["t/m", "tot en met"]
_WORDS = re.compile(r"(?<![\w/])(" + "|".join(map(re.escape, DUTCH + PHRASES)) + r")(?![\w/])", re.IGNORECASE)
_QUOTED = re.compile(r"(?<![\w])'[^'\n]*'(?![\w])")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def rule_sets():
    return RuleSets(ROOT / "rules")


def _may_stay_dutch(rule_set) -> list[str]:
    """Law text, formulas and names: what an English explanation quotes as it stands."""
    texts = set()
    for article in rule_set.articles:
        texts.add(article.wet)
        for version in article.versions:
            texts.update(version.leden.values())
        for rule in article.rules.values():
            if rule.tekst:
                texts.add(rule.tekst)
            for version in rule.versions:
                texts.add(version.formula_text)
                if version.condition_text:
                    texts.add(version.condition_text)
    # longest first, so that a formula goes before the shorter formulas inside it
    return sorted({_flat(t) for t in texts if t and t.strip()}, key=len, reverse=True)


def _readable(text: str, fmt: str) -> str:
    if fmt == "html":
        text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return _flat(text.replace("`", " "))


def dutch_left(text: str, fmt: str, rule_set) -> list[str]:
    """The Dutch words in an explanation outside what may stay Dutch, each with some context."""
    flat = _readable(text, fmt)
    for allowed in _may_stay_dutch(rule_set):
        flat = flat.replace(allowed, " ")
    flat = _QUOTED.sub(" ", flat)
    names = {name.lower() for name in rule_set.definitions}
    found = []
    for match in _WORDS.finditer(flat):
        if match.group(1).lower() in names:
            continue
        found.append(flat[max(0, match.start() - 60):match.end() + 60])
    return found


@pytest.mark.parametrize("fmt", ["tekst", "markdown", "html"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_english_explanation_has_no_dutch_sentence(rule_sets, monkeypatch, path, fmt):
    monkeypatch.chdir(ROOT)
    rule_set, case = read_case_file(path.relative_to(ROOT), rule_sets)
    text = render_explanation(evaluate(rule_set, case), language="en", fmt=fmt)
    left = dutch_left(text, fmt, rule_set)
    assert not left, f"{len(left)} Dutch words in the English explanation, e.g.:\n" + "\n".join(left[:15])


def test_the_scan_finds_dutch(rule_sets, monkeypatch):
    """The same scan over the Dutch explanation finds plenty: it can fail."""
    monkeypatch.chdir(ROOT)
    rule_set, case = read_case_file(Path("voorbeelden/alleenstaande_ouder_2020.yaml"), rule_sets)
    text = render_explanation(evaluate(rule_set, case), language="nl", fmt="tekst")
    assert len(dutch_left(text, "tekst", rule_set)) > 20  # the short answer alone
    full = render_explanation(evaluate(rule_set, case), language="nl", fmt="tekst", full=True)
    assert len(dutch_left(full, "tekst", rule_set)) > 50


# --- numbers, amounts, percentages and dates per locale ------------------------------------

NBSP = "\u00a0"


@pytest.mark.parametrize("value, nl, en", [
    (Fraction(5389), f"€{NBSP}5.389", "€5,389"),
    (Fraction("433.88"), f"€{NBSP}433,88", "€433.88"),
    (Fraction("-2.5"), f"-€{NBSP}2,50", "-€2.50"),
    (Fraction(1, 3), f"€{NBSP}0,33", "€0.33"),  # display rounding only
    (Fraction("0.005"), f"€{NBSP}0,01", "€0.01"),  # half away from zero, not to even
    (Fraction(10 ** 29) + Fraction(1, 100), f"€{NBSP}100.000.000.000.000.000.000.000.000.000,01",
     "€100,000,000,000,000,000,000,000,000,000.01"),  # exact beyond float and Decimal's 28 digits
])
def test_amounts_per_locale(value, nl, en):
    assert v.format_value(value, v.BEDRAG, "nl") == nl
    assert v.format_value(value, v.BEDRAG, "en") == en


def test_percentages_numbers_and_dates_per_locale():
    assert (v.format_value(Fraction(675, 10000), v.PERCENTAGE, "nl"), v.format_value(Fraction(675, 10000), v.PERCENTAGE, "en")) == ("6,75%", "6.75%")
    assert v.format_value(Fraction(108, 100), v.PERCENTAGE, "en") == "108%"
    assert (v.format_value(Fraction("1022.5"), v.GETAL, "nl"), v.format_value(Fraction("1022.5"), v.GETAL, "en")) == ("1.022,5", "1,022.5")
    assert (v.format_date(dt.date(2020, 1, 1), "nl"), v.format_date(dt.date(2020, 1, 1), "en")) == ("1 januari 2020", "1 January 2020")
    assert (v.format_month(v.Month(2020, 3), "nl"), v.format_month(v.Month(2020, 3), "en")) == ("maart 2020", "March 2020")


def test_a_message_writes_an_amount_as_it_is_typed():
    """Diagnostics quote a value the way a rule file writes it: a plain space after €."""
    from regels.diagnostics import Diagnostic, Pos

    d = Diagnostic(Pos("x.yaml", 1, 1), f"afronden op {v.format_amount(Fraction(0))} kan niet", v.format_amount(1))
    assert d.message == "afronden op € 0 kan niet" and d.hint == "€ 1"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_html_keeps_the_euro_sign_with_its_amount(rule_sets, monkeypatch, lang):
    """In HTML a line may not break between € and the amount: a non-breaking space in
    Dutch, no space at all in English (a currency sign before a digit never breaks)."""
    monkeypatch.chdir(ROOT)
    rule_set, case = read_case_file(Path("voorbeelden/alleenstaande_ouder_2020.yaml"), rule_sets)
    page = render_explanation(evaluate(rule_set, case), language=lang, fmt="html")
    after = set(re.findall(r"€(.)", page, flags=re.S))
    assert after and after <= set("0123456789") | {NBSP}, after  # not a space or a line break
    if lang == "nl":
        assert f"€{NBSP}5.389" in page
    else:
        assert "€5,389" in page


# --- regels check warns where a description has no English -----------------------------------

RULE_BODY = """\
invoer:
  aanvrager: {type: persoon, omschrijving: de ouder, omschrijving_en: the parent}
regels:
  eerste:
    type: geheel getal
    lid: "1"
    omschrijving: één
    formule: "1"
  tweede:
    type: geheel getal
    lid: "1"
    omschrijving: twee
    omschrijving_en: two
    formule: "2"
"""


def test_check_warns_where_an_omschrijving_has_no_english(tmp_path):
    from regels.api import load_rules
    from regels.model import description_in

    rules = write_rules(tmp_path, RULE_BODY)
    (rules / "regelset.yaml").write_text('naam: test\nversie: "1"\nomschrijving: een test\n', encoding="utf-8")
    rule_set = load_rules(rules)
    found = sorted((Path(w.pos.file).name, w.pos.line, w.pos.column, w.message) for w in rule_set.warnings)
    assert found == [
        ("artikel.yaml", 15, 5, "'omschrijving' van regel 'eerste' heeft geen Engelse tekst"),
        ("regelset.yaml", 3, 1, "'omschrijving' van het regelset-bestand heeft geen Engelse tekst"),
    ]
    assert all("omschrijving_en:" in w.hint for w in rule_set.warnings)
    one, two = rule_set.rule("eerste"), rule_set.rule("tweede")
    assert (description_in(one, "en"), description_in(two, "en"), description_in(two, "nl")) == ("één", "two", "twee")
    assert description_in(rule_set.input("aanvrager"), "en") == "the parent"


def test_vergelijk_in_english_has_no_dutch_labels_or_note(capsys, monkeypatch):
    """`regels vergelijk --taal en`: the case and variant titles, the variant's note (its
    'interpretatie_en') and the column labels are English; the rule names stay as they are."""
    from regels.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["vergelijk", "voorbeelden/varianten/statushouder_2016_gemeente.yaml", "--taal", "en"]) == 0
    out = capsys.readouterr().out
    assert "NO LEGAL BASIS" in out and "GEEN WETTELIJKE GRONDSLAG" not in out
    assert "calculation year 2016" in out and "berekeningsjaar" not in out
    assert "Waiving recovery of the single-parent supplement" in out
    assert " by afzien_van_terugvordering_alo_kop: " in out and " door " not in out
    assert main(["vergelijk", "voorbeelden/varianten/statushouder_2016_gemeente.yaml"]) == 0
    assert "GEEN WETTELIJKE GRONDSLAG" in capsys.readouterr().out  # and the Dutch stays Dutch
