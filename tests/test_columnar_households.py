"""The random households of the differential tests cover every dimension the
issue names, and a disagreement reduces to the smallest household that still
shows it."""

from __future__ import annotations

import collections

from hypothesis import HealthCheck, Phase, given, seed, settings

from regels.api import case_from_text

from .columnar_households import YEARS, _law, features, household, reduce, render, thresholds


def _draw(count: int) -> list[dict]:
    drawn = []

    @seed(11)
    @settings(max_examples=count, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(household())
    def collect(h):
        drawn.append(h)

    collect()
    return drawn


def test_the_households_cover_every_dimension_of_the_issue():
    drawn = _draw(400)
    counts = collections.Counter(f for h in drawn for f in features(h))
    wanted = [f"jaar {year}" for year in YEARS] + [
        "partner in het buitenland zonder BSN", "partner in het buitenland met BSN",
        "partner in het buitenland, BSN in de loop van het jaar", "partner: huwelijk",
        "partner: geregistreerd_partnerschap", "partner: notarieel_samenlevingscontract", "partner: samenwonend",
        "verzoek tot echtscheiding", "medebewoner", "kind geboren in het jaar", "kind wordt 12 in het jaar",
        "kind wordt 16 in het jaar", "kind wordt 18 in het jaar", "inkomen op de drempel (±2 cent)",
        "inkomen rond de drempel (±€ 500)", "vermogen op een grens (±2 cent)", "relatie eindigt in het jaar"]
    assert [w for w in wanted if counts[w] == 0] == []
    rule_set = _law()
    for h in drawn[:20]:  # every household is a valid case
        assert case_from_text(render(h), rule_set).year == h["year"]


def test_the_drempel_comes_from_the_rules():
    # 2015: 108% of 12 x the minimum wage of January 2015 (€ 1.501,80) = € 19.463,328 (wkb art. 1)
    assert thresholds(2015)["drempel"][0] == 19_463_32
    assert all(len(thresholds(year)["vermogen"]) >= 2 for year in YEARS)


def test_a_disagreement_reduces_to_the_smallest_household_that_shows_it():
    def without_bsn(h):
        partner = h["persons"].get("partner")
        return partner is not None and partner.get("heeft_bsn") == "nee"

    start = max((h for h in _draw(200) if without_bsn(h)), key=lambda h: len(render(h)))
    smallest = reduce(start, without_bsn)
    assert without_bsn(smallest)
    assert set(smallest["persons"]) == {"ouder", "partner"}
    assert smallest["relations"] == [] and smallest["procedure"] == {}
    assert set(smallest["persons"]["partner"]) == {"geboortedatum", "woonadres", "heeft_bsn"}
    assert len(render(smallest)) < len(render(start))
