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
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import strategies as st

from interpreter import values as v

ADDRESS = "Utrecht, Domplein 1"


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


@st.composite
def income(draw):
    """Cents, often near the drempel (108% of 12 minimum wages: about 19,000-26,000 euros)
    or the partners' raised drempel."""
    return draw(st.one_of(
        st.integers(0, 90_000_00),
        st.integers(18_000_00, 28_000_00),
        st.integers(36_000_00, 46_000_00),
        st.sampled_from([0, 21_430_66, 21_430_65, 21_430_67, 22_356_00, 24_000_00]),
    ))


@st.composite
def assets(draw):
    """Cents, often near the asset limits (about 80,000-150,000 euros single, twice for couples)."""
    return draw(st.one_of(
        st.just(0),
        st.integers(0, 300_000_00),
        st.integers(78_000_00, 84_000_00),
        st.integers(110_000_00, 150_000_00),
        st.integers(155_000_00, 165_000_00),
    ))


@st.composite
def case_text(draw) -> str:
    year = draw(st.integers(2015, 2025))
    persons: dict[str, dict] = {}
    relations: list[dict] = []

    def person(name, born, address=ADDRESS, **facts):
        spec = {"geboortedatum": _date(born) if born else None, "woonadres": address}
        spec.update(facts)
        persons[name] = spec

    parent_born = dt.date(year - draw(st.integers(19, 55)), draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    person("ouder", parent_born, ingezetene="ja", toetsingsinkomen=_amount(draw(income())),
           rendementsgrondslag=_amount(draw(assets())))

    kind = draw(st.sampled_from(["geen", "huwelijk", "geregistreerd_partnerschap", "notarieel_samenlevingscontract",
                                 "samenwonend"]))
    if kind != "geen":
        abroad = draw(st.booleans())
        facts = {"toetsingsinkomen": _amount(draw(income())), "rendementsgrondslag": _amount(draw(assets()))}
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
            if kind == "huwelijk":
                if draw(st.integers(0, 3)) == 0:
                    relations.append({"soort": "verzoek_tot_echtscheiding", "tussen": ["ouder", "partner"],
                                      "vanaf": _date(draw(day_in(year)))})
                if draw(st.integers(0, 5)) == 0:
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
        person(who, born, ADDRESS, ingezetene="ja", toetsingsinkomen=_amount(draw(income())))
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
    return _render(year, persons, relations, procedure)


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
