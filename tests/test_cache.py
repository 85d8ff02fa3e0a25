"""The cache of checked rule sets (interpreter/cache.py): a hit gives the same
rule set as loading and checking, any change to a rule file misses, a corrupt
entry is ignored and rebuilt, and `regels check` prints the same on a hit."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from regels import api, cache
from regels.api import evaluate, load_case, load_rules
from regels.cli import main
from regels.diagnostics import RegelsError

from .helpers import write_rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml"

BODY = """\
parameters:
  tarief:
    type: percentage
    waarden:
      2019-01-01: {waarde: 10%, bron: test}
      2020-01-01: {waarde: 12%, bron: test, onbevestigd: niet gelezen}
invoer:
  inkomen:
    type: bedrag
regels:
  heffing:
    type: bedrag
    uitkomst: ja
    formule: tarief van inkomen
"""

CASE = """\
casus: test
berekeningsjaar: 2020
gegevens:
  inkomen: € 1.000
"""


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("REGELS_CACHE", str(folder))
    return folder


def _no_loading(monkeypatch):
    """From here on, loading a rule set from its files fails the test: only the cache may answer."""
    def refuse(*args, **kwargs):
        raise AssertionError("de regelset werd opnieuw geladen")
    monkeypatch.setattr(api, "load_rule_set", refuse)


def test_a_cache_hit_gives_the_same_results(cache_dir, monkeypatch):
    fresh = load_rules(ROOT / "rules")
    assert len(list(cache_dir.glob("*.regelset"))) == 1
    _no_loading(monkeypatch)
    cached = load_rules(ROOT / "rules")
    assert cached is not fresh
    assert [w.format() for w in cached.warnings] == [w.format() for w in fresh.warnings]
    assert cached.version == fresh.version
    results = [evaluate(rs, load_case(EXAMPLE, rs)).to_json(trace=True) for rs in (fresh, cached)]
    assert results[0] == results[1]
    assert results[0]["uitkomsten"]  # a real result, with its trace
    assert results[0]["trace"]


def test_a_variant_is_an_entry_of_its_own(cache_dir, monkeypatch):
    law = load_rules(ROOT / "rules")
    variant = load_rules(ROOT / "rules", ["structurele_oplossing_2020"])
    assert len(list(cache_dir.glob("*.regelset"))) == 2
    _no_loading(monkeypatch)
    assert load_rules(ROOT / "rules", ["structurele_oplossing_2020"]).variants == ["structurele_oplossing_2020"]
    assert sum(1 for _ in variant.rules()) > sum(1 for _ in law.rules())


def test_a_changed_rule_file_misses_the_cache(cache_dir, tmp_path):
    rules = write_rules(tmp_path, BODY)
    before = evaluate(load_rules(rules), load_case_text(rules)).values["heffing"]
    text = (rules / "artikel.yaml").read_text(encoding="utf-8")
    (rules / "artikel.yaml").write_text(text.replace("12%", "13%"), encoding="utf-8")
    after = evaluate(load_rules(rules), load_case_text(rules)).values["heffing"]
    assert (before, after) == (120, 130)
    assert len(list(cache_dir.glob("*.regelset"))) == 2
    # any file under the folder counts, not only the rule files the loader reads
    (rules / "LEESMIJ.txt").write_text("notitie", encoding="utf-8")
    load_rules(rules)
    assert len(list(cache_dir.glob("*.regelset"))) == 3


def load_case_text(rules):
    from regels.api import case_from_text

    return case_from_text(CASE, load_rules(rules))


def test_a_change_to_the_interpreter_misses_the_cache(cache_dir, tmp_path, monkeypatch):
    rules = write_rules(tmp_path, BODY)
    first = cache.key(rules, [])
    monkeypatch.setattr(cache, "_source_digest", "een andere versie van regels")
    assert cache.key(rules, []) != first


def test_a_corrupt_cache_entry_is_ignored_and_rebuilt(cache_dir, tmp_path):
    rules = write_rules(tmp_path, BODY)
    load_rules(rules)
    [entry] = cache_dir.glob("*.regelset")
    for garbage in (b"", b"geen pickle", entry.read_bytes()[:100], pickle.dumps(("andere sleutel", 42))):
        entry.write_bytes(garbage)
        rule_set = load_rules(rules)
        assert evaluate(rule_set, load_case_text(rules)).values["heffing"] == 120
        key, stored = pickle.loads(entry.read_bytes())  # written again, whole
        assert key == entry.stem and stored.version == rule_set.version


def test_an_unwritable_cache_folder_costs_only_time(tmp_path, monkeypatch):
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map", encoding="utf-8")
    monkeypatch.setenv("REGELS_CACHE", str(blocker / "cache"))
    rules = write_rules(tmp_path, BODY)
    assert evaluate(load_rules(rules), load_case_text(rules)).values["heffing"] == 120


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("REGELS_CACHE", "uit")
    rules = write_rules(tmp_path, BODY)
    load_rules(rules)
    assert cache.cache_dir() is None and not (tmp_path / "xdg").exists()
    monkeypatch.delenv("REGELS_CACHE")
    assert cache.cache_dir() == tmp_path / "xdg" / "regels"


def test_check_prints_the_same_warnings_on_a_cache_hit(cache_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    assert main(["check", "rules"]) == 0
    first = capsys.readouterr()
    entries = sorted(cache_dir.glob("*.regelset"))
    assert len(entries) == 4  # the law and each of its three variants
    _no_loading(monkeypatch)
    assert main(["check", "rules"]) == 0
    second = capsys.readouterr()
    assert second.out == first.out and second.err == first.err
    assert "waarschuwing: waarde" in first.out and "rules/wkb/" in first.out
    assert sorted(cache_dir.glob("*.regelset")) == entries


def test_an_error_in_the_rules_is_never_cached(cache_dir, tmp_path):
    rules = write_rules(tmp_path, BODY.replace("tarief van inkomen", "tarieff van inkomen"))
    for _ in range(2):
        with pytest.raises(RegelsError) as exc:
            load_rules(rules)
        assert "onbekende naam 'tarieff'" in str(exc.value)
    assert not list(cache_dir.glob("*.regelset"))
