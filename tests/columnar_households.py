"""A hypothesis strategy for households in the shape of the case schema, as
case-file text (so a failing example prints as a case a legal specialist can
read and run with `regels bereken`).

It covers what the kgb and the toeslagpartner turn on: a partner abroad with
or without BSN, marriages, registered partnerships and cohabitation contracts
beginning or ending in the year, divorce requests and separation, co-residents
of the Awir art. 3 lid 2 categories, children born or turning 12, 16 or 18 in
the year, kinderbijslag paid to either parent, incomes around the drempel,
assets around the limits, countries of residence, residence permits, a
missing birth date (an error the interpreter raises), every year 2015-2025.

The drempel and the asset limits of each year are read from the rule set (the
interpreter computes the drempelinkomen; the limits are parameter values), so
amounts fall within cents of them whatever year is drawn; no amount of the law
is written here.

`household()` draws the household as data, `render` writes it as a case file,
`features` names the dimensions it covers (for the counts of a long run) and
`smaller` gives the households one step simpler (for reducing a disagreement
to the smallest household that still shows it).
"""

from __future__ import annotations

import datetime as dt
import functools
from fractions import Fraction
from pathlib import Path

from hypothesis import strategies as st

from regels import values as v

ADDRESS = "Utrecht, Domplein 1"
ROOT = Path(__file__).resolve().parent.parent
YEARS = range(2015, 2026)


def _date(d: dt.date) -> str:
    return d.isoformat()


def _amount(cents: int) -> str:
    return '"' + v.format_amount_nl(Fraction(cents, 100)) + '"'


@st.composite
def day_in(draw, year: int, first_of_month_often: bool = True):
    month = draw(st.integers(1, 12))
    if first_of_month_often and draw(st.booleans()):
        return dt.date(year, month, 1)
    last = v.Month(year, month).last_day().day
    return dt.date(year, month, draw(st.integers(1, last)))


@functools.lru_cache(maxsize=None)
def thresholds(year: int) -> dict:
    """The amounts (cents) households should fall around in `year`, from the
    law in rules/: the drempelinkomen, it plus the raise for partners, and the
    asset limits on the rendementsgrondslag (before 2021 the limit applies to
    the grondslag sparen en beleggen, so plus one or two heffingvrije vermogens)."""
    from regels.api import case_from_text
    from regels.evaluate import Evaluation

    rule_set = _law()
    jan = dt.date(year, 1, 1)

    def param(name):
        found = [d for d in rule_set.definitions.get(name, []) if hasattr(d, "value_on")]
        entry = found[0].value_on(jan) if found else None
        return None if entry is None else Fraction(entry.value)

    case = case_from_text(_render(year, {"ouder": {"geboortedatum": "1980-01-01", "woonadres": ADDRESS}}, [], {}),
                          rule_set)
    drempel = Fraction(Evaluation(rule_set, case, trace=False).rule_value(rule_set.rule("drempelinkomen"), None, None))
    raise_ = param("verhoging_drempel_partners") or 0
    single, couple, free = param("vermogensgrens"), param("vermogensgrens_partners"), param("heffingvrij_vermogen")
    assets = [a for a in (single, couple) if a]
    by_grondslag = rule_set.rule("eigen_grondslag_sparen_en_beleggen")
    if free and single and by_grondslag is not None and by_grondslag.version_on(jan) is not None:
        assets += [single + free, single + 2 * free]
    cents = lambda amount: int(amount * 100)  # noqa: E731 - the cent at or below
    return {"drempel": [cents(drempel), cents(drempel + raise_)], "vermogen": sorted({cents(a) for a in assets})}


@functools.lru_cache(maxsize=None)
def _law():
    from regels.api import RuleSets

    return RuleSets(ROOT / "rules").get()


@st.composite
def income(draw, year: int):
    """Cents: anything, or within a few cents or a few hundred euros of the drempel
    of `year` (for a single parent, or raised for partners)."""
    kind = draw(st.sampled_from(["vrij", "vrij", "rond_drempel", "rond_drempel", "op_drempel", "nul"]))
    if kind == "vrij":
        return draw(st.integers(0, 90_000_00))
    if kind == "nul":
        return 0
    edge = draw(st.sampled_from(thresholds(year)["drempel"]))
    if kind == "op_drempel":
        return edge + draw(st.integers(-2, 2))
    return max(0, edge + draw(st.integers(-500_00, 500_00)))


@st.composite
def assets(draw, year: int):
    """Cents: none, anything, or within a few cents or a few thousand euros of an asset limit of `year`."""
    kind = draw(st.sampled_from(["nul", "vrij", "rond_grens", "op_grens"]))
    if kind == "nul":
        return 0
    if kind == "vrij":
        return draw(st.integers(0, 300_000_00))
    edge = draw(st.sampled_from(thresholds(year)["vermogen"]))
    if kind == "op_grens":
        return edge + draw(st.integers(-2, 2))
    return max(0, edge + draw(st.integers(-5_000_00, 5_000_00)))


@st.composite
def household(draw) -> dict:
    """A household as data: {year, persons, relations, procedure}; `render` makes it a case file."""
    year = draw(st.sampled_from(YEARS))
    persons: dict[str, dict] = {}
    relations: list[dict] = []

    def person(name, born, address=ADDRESS, **facts):
        spec = {"geboortedatum": _date(born) if born else None, "woonadres": address}
        spec.update(facts)
        persons[name] = spec

    parent_born = dt.date(year - draw(st.integers(19, 55)), draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    person("ouder", parent_born, ingezetene="ja", toetsingsinkomen=_amount(draw(income(year))),
           rendementsgrondslag=_amount(draw(assets(year))))

    kind = draw(st.sampled_from(["geen", "huwelijk", "geregistreerd_partnerschap", "notarieel_samenlevingscontract",
                                 "samenwonend"]))
    if kind != "geen":
        abroad = draw(st.booleans())
        facts = {"toetsingsinkomen": _amount(draw(income(year))),
                 "rendementsgrondslag": _amount(draw(st.one_of(st.just(0), assets(year))))}
        if abroad:
            address = draw(st.sampled_from(["Mashhad, Iran", "Krakau, Polen", ""]))
            bsn = draw(st.sampled_from(["ja", "nee", "later"]))
            if bsn == "nee":
                facts["heeft_bsn"] = "nee"
            elif bsn == "later":
                facts["heeft_bsn"] = [{"vanaf": _date(dt.date(year - 1, 1, 1)), "waarde": "nee"},
                                      {"vanaf": _date(draw(day_in(year))), "waarde": "ja"}]
        else:
            address = ADDRESS
            facts["ingezetene"] = "ja"
        if draw(st.booleans()):
            facts["vreemdeling"] = "ja"
            if draw(st.booleans()):
                facts["rechtmatig_verblijf"] = [{"vanaf": _date(dt.date(year - 5, 1, 1)), "waarde": "nee"},
                                                {"vanaf": _date(draw(day_in(year))), "waarde": "ja"}]
            elif draw(st.booleans()):
                facts["rechtmatig_verblijf"] = "nee"
        born = dt.date(year - draw(st.integers(18, 60)), draw(st.integers(1, 12)), draw(st.integers(1, 28)))
        person("partner", born, address, **facts)
        if kind != "samenwonend":
            start = draw(st.one_of(st.just(dt.date(year - draw(st.integers(1, 20)), 5, 9)), day_in(year)))
            rel = {"soort": kind, "tussen": ["ouder", "partner"], "vanaf": _date(start)}
            channels = ["brp"] if kind in ("huwelijk", "geregistreerd_partnerschap") else []
            known = draw(st.sampled_from(["", "", "bekend_vanaf", "melding", "signaal", "nooit"] + channels))
            learned = start + dt.timedelta(days=draw(st.integers(0, 900)))  # never before it was true
            if known == "bekend_vanaf":
                rel["bekend_vanaf"] = _date(learned)
            elif known == "nooit":
                rel["bekend"] = "nooit"
            elif known:
                rel["bekend"] = "{" + known + ": " + _date(learned) + "}"
            if draw(st.integers(0, 4)) == 0:
                end = draw(day_in(year))
                if end > start:
                    rel["tot"] = _date(end)
            relations.append(rel)
            if kind in ("huwelijk", "geregistreerd_partnerschap"):
                if draw(st.integers(0, 3)) == 0:
                    relations.append({"soort": "verzoek_tot_echtscheiding", "tussen": ["ouder", "partner"],
                                      "vanaf": _date(draw(day_in(year)))})
                if kind == "huwelijk" and draw(st.integers(0, 5)) == 0:
                    relations.append({"soort": "scheiding_van_tafel_en_bed", "tussen": ["ouder", "partner"],
                                      "vanaf": _date(draw(day_in(year)))})
        for soort in ("pensioenpartner", "eigen_woning_samen", "fiscaal_partner_inkomstenbelasting",
                      "partner_vorig_jaar", "zakelijke_huur"):
            if draw(st.integers(0, 6)) == 0:
                relations.append({"soort": soort, "tussen": ["ouder", "partner"]})
        if draw(st.integers(0, 4)) == 0:
            relations.append({"soort": "gezamenlijk_huishouden", "tussen": ["ouder", "partner"],
                              "vanaf": _date(dt.date(year - 1, 1, 1))})

    if draw(st.integers(0, 3)) == 0:
        # a co-resident: a parent of the ouder, or a brother with a minor child on the address
        who = draw(st.sampled_from(["grootouder", "broer"]))
        born = dt.date(year - (draw(st.integers(45, 80)) if who == "grootouder" else draw(st.integers(18, 40))), 3, 3)
        person(who, born, ADDRESS, ingezetene="ja", toetsingsinkomen=_amount(draw(income(year))))
        if who == "grootouder":
            relations.append({"soort": "ouder_van", "tussen": ["grootouder", "ouder"]})
        if draw(st.booleans()):
            relations.append({"soort": "eigen_woning_samen", "tussen": ["ouder", who]})

    n_children = draw(st.integers(0, 4))
    for i in range(n_children):
        name = f"kind{i + 1}"
        shape = draw(st.sampled_from(["geboren", "12", "16", "18", "jong", "ouder"]))
        if shape == "geboren":
            born = draw(day_in(year))
        elif shape in ("12", "16", "18"):
            born = draw(day_in(year - int(shape)))
        elif shape == "jong":
            born = draw(day_in(year - draw(st.integers(1, 11))))
        else:
            born = draw(day_in(year - draw(st.integers(13, 20))))
        facts = {"ingezetene": "ja"}
        if draw(st.integers(0, 6)) == 0:
            facts["woonland"] = draw(st.sampled_from(["MA", "TR", "PL", "SR", "US", "XX"]))
        if draw(st.integers(0, 8)) == 0:
            facts["vreemdeling"] = "ja"
            facts["rechtmatig_verblijf"] = draw(st.sampled_from(["ja", "nee"]))
        missing_birth = draw(st.integers(0, 30)) == 0
        person(name, None if missing_birth else born, ADDRESS, **facts)
        payee = "partner" if "partner" in persons and draw(st.integers(0, 3)) == 0 else "ouder"
        since = v.Month(born.year, born.month).next().first_day()
        relations.append({"soort": "kinderbijslag_voor", "tussen": [payee, name], "vanaf": _date(since)})
        relations.append({"soort": "ouder_van", "tussen": [payee, name]})
        if "partner" in persons and payee == "ouder" and draw(st.booleans()):
            relations.append({"soort": "ouder_van", "tussen": ["partner", name]})
            if draw(st.integers(0, 3)) == 0:
                relations.append({"soort": "erkenning", "tussen": ["partner", name]})

    procedure = {}
    if draw(st.integers(0, 3)) > 0:
        procedure["datum_voorschot"] = _date(draw(st.one_of(st.just(dt.date(year - 1, 12, 1)), day_in(year))))
        procedure["datum_toekenning"] = _date(draw(day_in(year + draw(st.integers(1, 2)))))
        if draw(st.integers(0, 4)) == 0:
            procedure["voorschot_zoals_beschikt"] = _amount(draw(st.integers(0, 600_000)))
        if draw(st.integers(0, 3)) == 0:
            procedure["nieuw_inkomensgegeven"] = "ja"
            procedure["datum_inkomensgegeven_bekend"] = _date(draw(day_in(year + 1)))
            procedure["datum_herziening_inkomen"] = _date(draw(day_in(year + 1)))
    return {"year": year, "persons": persons, "relations": relations, "procedure": procedure}


def render(h: dict) -> str:
    """A household as case-file text."""
    return _render(h["year"], h["persons"], h["relations"], h["procedure"])


def case_text():
    """Households as case-file text."""
    return household().map(render)


# --- what a household covers, and simpler households -----------------------------------------


def _cents(text) -> int:
    return int(v.parse_number_nl(str(text).strip('"').replace("€", "").strip()) * 100)


def features(h: dict) -> list[str]:
    """The dimensions of the issue this household covers, as labels to count."""
    year, persons, rels = h["year"], h["persons"], h["relations"]
    found = [f"jaar {year}"]
    kinds = {r["soort"] for r in rels}
    partner = persons.get("partner")
    if partner is None:
        found.append("geen partner")
    else:
        form = next((k for k in ("huwelijk", "geregistreerd_partnerschap", "notarieel_samenlevingscontract")
                     if k in kinds), "samenwonend")
        found.append(f"partner: {form}")
        if partner.get("ingezetene") != "ja":
            found.append("partner in het buitenland")
            bsn = partner.get("heeft_bsn")
            found.append("partner in het buitenland zonder BSN" if bsn == "nee" else
                         "partner in het buitenland, BSN in de loop van het jaar" if isinstance(bsn, list) else
                         "partner in het buitenland met BSN")
        if partner.get("vreemdeling") == "ja":
            found.append("partner vreemdeling")
        for r in rels:
            if r["soort"] in ("huwelijk", "geregistreerd_partnerschap", "notarieel_samenlevingscontract"):
                if r["vanaf"].startswith(str(year)):
                    found.append("relatie begint in het jaar")
                if "tot" in r:
                    found.append("relatie eindigt in het jaar")
    if "verzoek_tot_echtscheiding" in kinds:
        found.append("verzoek tot echtscheiding")
    if "scheiding_van_tafel_en_bed" in kinds:
        found.append("scheiding van tafel en bed")
    if {"grootouder", "broer"} & set(persons):
        found.append("medebewoner")
    children = [p for n, p in persons.items() if n.startswith("kind")]
    found.append(f"{len(children)} kinderen")
    for child in children:
        born = child.get("geboortedatum")
        if born is None:
            found.append("kind zonder geboortedatum")
            continue
        age = year - int(born[:4])
        if age == 0:
            found.append("kind geboren in het jaar")
        elif age in (12, 16, 18):
            found.append(f"kind wordt {age} in het jaar")
        if child.get("woonland"):
            found.append("kind woont in een ander land")
    edges = thresholds(year)
    for p in persons.values():
        income = p.get("toetsingsinkomen")
        if income is not None:
            cents = _cents(income)
            if any(abs(cents - e) <= 2 for e in edges["drempel"]):
                found.append("inkomen op de drempel (±2 cent)")
            elif any(abs(cents - e) <= 500_00 for e in edges["drempel"]):
                found.append("inkomen rond de drempel (±€ 500)")
        assets = p.get("rendementsgrondslag")
        if assets is not None:
            cents = _cents(assets)
            if any(abs(cents - e) <= 2 for e in edges["vermogen"]):
                found.append("vermogen op een grens (±2 cent)")
            elif any(abs(cents - e) <= 5_000_00 for e in edges["vermogen"]):
                found.append("vermogen rond een grens (±€ 5.000)")
    if h["procedure"]:
        found.append("procedure (voorschot, toekenning)")
    if any(r.get("bekend") or r.get("bekend_vanaf") for r in rels):
        found.append("relatie later bekend")
    return sorted(set(found))


def smaller(h: dict):
    """Households one step simpler than `h`: a person, a relation, a procedure
    date or a fact of a person left out, an amount made round. A reducer keeps
    the first that still disagrees, until none does."""
    persons, rels, proc = h["persons"], h["relations"], h["procedure"]
    for name in list(persons):
        if name != "ouder":
            yield {**h, "persons": {n: p for n, p in persons.items() if n != name},
                   "relations": [r for r in rels if name not in r["tussen"]]}
    for i in range(len(rels)):
        yield {**h, "relations": rels[:i] + rels[i + 1:]}
    for i, rel in enumerate(rels):
        for key in ("tot", "bekend", "bekend_vanaf"):
            if key in rel:
                yield {**h, "relations": rels[:i] + [{k: x for k, x in rel.items() if k != key}] + rels[i + 1:]}
    if proc:
        yield {**h, "procedure": {}}
        for key in proc:
            yield {**h, "procedure": {k: x for k, x in proc.items() if k != key}}
    for name, spec in persons.items():
        for key, value in spec.items():
            if key in ("geboortedatum", "woonadres"):
                continue
            yield {**h, "persons": {**persons, name: {k: x for k, x in spec.items() if k != key}}}
            if key in ("toetsingsinkomen", "rendementsgrondslag") and _cents(value) % 100_000_00:
                rounded = _amount(round(_cents(value), -7))
                if rounded != value:
                    yield {**h, "persons": {**persons, name: {**spec, key: rounded}}}


def reduce(h: dict, disagrees) -> dict:
    """The smallest household reachable from `h` by `smaller` steps for which
    `disagrees(household)` still holds."""
    improved = True
    while improved:
        improved = False
        for candidate in smaller(h):
            if disagrees(candidate):
                h, improved = candidate, True
                break
    return h


def _render(year: int, persons: dict, relations: list, procedure: dict) -> str:
    lines = ["casus: gegenereerd huishouden", f"berekeningsjaar: {year}", "gegevens:", "  aanvrager: ouder"]
    lines += [f"  {key}: {value}" for key, value in procedure.items()]
    lines.append("personen:")
    for name, spec in persons.items():
        lines.append(f"  {name}:")
        for key, value in spec.items():
            if value is None:
                continue
            if isinstance(value, list):
                lines.append(f"    {key}:")
                for item in value:
                    lines.append(f"      - {{vanaf: {item['vanaf']}, waarde: {item['waarde']}}}")
            else:
                lines.append(f"    {key}: " + (f'"{value}"' if key == "woonadres" else str(value)))
    if relations:
        lines.append("relaties:")
        for rel in relations:
            parts = [f"soort: {rel['soort']}", f"tussen: [{rel['tussen'][0]}, {rel['tussen'][1]}]"]
            parts += [f"{k}: {rel[k]}" for k in ("vanaf", "tot", "bekend_vanaf", "bekend") if k in rel]
            lines.append("  - {" + ", ".join(parts) + "}")
    return "\n".join(lines) + "\n"
