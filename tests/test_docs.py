"""The documentation tells the truth: generated pages match what the code
produces now, and the README's commands are the ones CI runs."""

import re
from pathlib import Path

from regels.docs import generated_files

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_current():
    stale = [str(path) for path, text in generated_files(ROOT).items()
             if not (ROOT / path).exists() or (ROOT / path).read_text(encoding="utf-8") != text]
    assert not stale, f"verouderd: {', '.join(stale)}; werk bij met: regels docs"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```")[1]
    return [line.strip() for line in block.splitlines()[1:] if line.strip() and not line.startswith("#")]


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_command():
    main_job, tests = readme_commands()[:2]
    assert "regels uitleg voorbeelden/" in main_job
    assert tests.endswith("pytest")
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_law_has_its_page_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    laws = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs/wetten").glob("*/index.md"))
    assert laws and [law for law in laws if law not in nav] == []


# --- the limits page (docs/grenzen.md) ---------------------------------------------------

_LIMIT_DEFINITION = re.compile(r"^(MAX_[A-Z_]+|[A-Z_]+_LIMIT)\s*(?::[^=]+)?=\s*([0-9_]+)\b", re.M)
_LIMIT_ROW = re.compile(r"^\|\s*`(?P<name>[A-Z_]+)`\s*\|\s*(?P<value>[0-9.]+)[^|]*\|\s*`(?P<module>interpreter/[a-z_/]+\.py)`",
                        re.M)


def _limits_in_code() -> dict[tuple[str, str], int]:
    found = {}
    for path in sorted((ROOT / "interpreter").rglob("*.py")):
        for name, value in _LIMIT_DEFINITION.findall(path.read_text(encoding="utf-8")):
            found[(name, path.relative_to(ROOT).as_posix())] = int(value.replace("_", ""))
    return found


def test_the_limits_page_names_every_limit_with_its_value():
    """docs/grenzen.md lists each limit constant of the interpreter with the value the code enforces,
    so a user reads the true limit, and a new limit cannot be added without being documented."""
    page = (ROOT / "docs" / "grenzen.md").read_text(encoding="utf-8")
    documented = {(m["name"], m["module"]): int(m["value"].replace(".", "")) for m in _LIMIT_ROW.finditer(page)}
    in_code = _limits_in_code()
    assert in_code, "no limit constants found: has the naming (MAX_..., ..._LIMIT) changed?"
    assert documented == in_code


def test_every_example_on_the_limits_page_exists():
    """Each bad input the limits page lists points to the fixture that tests its message."""
    page = (ROOT / "docs" / "grenzen.md").read_text(encoding="utf-8")
    named = re.findall(r"`((?:casussen|regels)/[a-z0-9_]+\.yaml|tests/test_[a-z_]+\.py)`", page)
    assert len(named) > 30
    missing = [n for n in named if not ((ROOT / "tests" / "fouten" / n).is_file() or (ROOT / n).is_file())]
    assert not missing


# --- pages for legal specialists -------------------------------------------------------------

# Pages other helpers maintain (they cite their own examples).
_NOT_CHECKED_HERE = {"cli.md", "serve.md"}


def _doc_pages():
    return [p for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in _NOT_CHECKED_HERE]


def test_the_case_format_lists_every_input_and_relation():
    """docs/casusformaat.md names every input and relation of the law and of each variant, so a
    legal specialist learns 'ouder_van' or 'notarieel_samenlevingscontract' without opening rules/."""
    from regels.api import load_rules, variant_names

    page = (ROOT / "docs" / "casusformaat.md").read_text(encoding="utf-8")
    law = load_rules(ROOT / "rules")
    inputs = {i.name for i in law.inputs()}
    relations = {r.name for r in law.relations()}
    assert {"aanvrager", "geboortedatum", "woonland"} <= inputs and {"ouder_van", "huwelijk"} <= relations
    missing = [n for n in inputs if f'id="invoer-{n}"' not in page]
    missing += [n for n in relations if f'id="relatie-{n}"' not in page]
    assert missing == []
    for name in variant_names(ROOT / "rules"):
        extra = {i.name for i in load_rules(ROOT / "rules", [name]).inputs()} - inputs
        assert extra and all(f"| `{n}` | `{name}` |" in page for n in extra), name


def test_error_examples_in_the_docs_cite_files_that_exist():
    """An example message 'file:line:column: ...' on a documentation page names a real file (in the
    repository, or a fixture under tests/fouten/)."""
    cited = []
    for page in _doc_pages():
        for name in re.findall(r"([A-Za-z0-9_./-]+\.(?:yaml|csv|json)):\d+:\d+", page.read_text(encoding="utf-8")):
            cited.append((page.name, name))
    assert len(cited) >= 5
    missing = [(page, name) for page, name in cited
               if not ((ROOT / name).is_file() or (ROOT / "tests" / "fouten" / name).is_file())]
    assert missing == []


def test_the_handleiding_names_what_exists():
    """Every name the handleiding writes (a rule, parameter, input, or a key of the rule or case
    format) exists, and the parts of the article page it points to are there."""
    from regels.api import load_rules, variant_names

    text = (ROOT / "docs" / "handleiding.md").read_text(encoding="utf-8")
    known = set(load_rules(ROOT / "rules").definitions)
    for name in variant_names(ROOT / "rules"):
        known |= set(load_rules(ROOT / "rules", [name]).definitions) | {name}
    schemas = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "schemas").glob("*.json"))
    names = set(re.findall(r"`([a-z0-9_.]+_[a-z0-9_]+)`", text))
    assert {"alo_kop", "wkb.3.afbouwpercentage_vanaf_2026"} <= names
    unknown = [n for n in names if n.split(".")[-1] not in known and f'"{n}"' not in schemas]
    assert unknown == []
    article = (ROOT / "docs" / "wetten" / "wkb" / "artikel-2.md").read_text(encoding="utf-8")
    for section in re.findall(r"\*([A-Z][a-z ]+)\*", text):
        assert f"## {section}" in article, section


def _catalogue_examples(page: str, section: str) -> list[tuple[str, str]]:
    """(name, example) per row of one table of the generated catalogue in docs/casusformaat.md."""
    part = page.split(f"### {section}", 1)[1].split("\n### ", 1)[0].split("<!-- einde", 1)[0]
    rows = []
    for line in part.splitlines():
        match = re.match(r'\| <span id="(?:invoer|relatie)-([a-z0-9_]+)"></span>.*<br>`(.+?)`(?: \(|\s*\|)', line)
        if match:
            rows.append((match[1], match[2].replace("\\|", "|")))
    return rows


def test_every_example_in_the_case_format_catalogue_is_a_valid_case():
    """Each example of the catalogue, put into a small case, is read without an error: the
    snippets a legal specialist copies work."""
    import yaml

    from regels.api import case_from_text, load_rules

    law = load_rules(ROOT / "rules")
    page = (ROOT / "docs" / "casusformaat.md").read_text(encoding="utf-8")
    sections = {"Onder `gegevens`": "gegevens", "Onder `personen`": "personen", "Onder `relaties`": "relaties"}
    checked = 0
    for section, key in sections.items():
        examples = _catalogue_examples(page, section)
        assert len(examples) > 5, section
        for name, example in examples:
            persons = {"amira": {"geboortedatum": "1984-06-21"}}
            case = {"berekeningsjaar": 2020, "gegevens": {"aanvrager": "amira"}, "personen": persons}
            value = yaml.safe_load(example)
            if key == "relaties":
                case["relaties"] = [value]
                people = value.get("tussen") or [x for k, x in value.items()
                                                 if k not in ("soort", "vanaf", "tot", "bron", "bekend")]
            else:
                (case["gegevens"] if key == "gegevens" else persons["amira"]).update(value)
                given = value[name] if isinstance(value[name], list) else [value[name]]
                given = [g.get("waarde") if isinstance(g, dict) else g for g in given]
                people = given if str(law.input(name).type) == "persoon" else []
            for person in people:
                persons.setdefault(person, None)
            case_from_text(yaml.safe_dump(case, allow_unicode=True), law, f"voorbeeld van {name}")
            checked += 1
    assert checked == len(list(law.inputs())) + len(list(law.relations()))


def test_every_rule_in_force_stands_under_its_lid_or_at_the_end():
    """In each version of each article page, every rule version in force stands under the lid it
    names, or (when that lid is not in the text) in the closing block, never nowhere."""
    from regels.api import load_rules
    from regels.docs import woven_version

    law = load_rules(ROOT / "rules")
    placed = 0
    for article in law.articles:
        for version in article.versions:
            page = woven_version(article, version, False)
            blocks = dict(re.findall(r'<div class="regels-lid[^"]*"(?: id="v[0-9-]+-lid-([^"]+)")?>(.*?)\n</div>',
                                     page, re.S))
            for rule in article.rules.values():
                for rv in rule.versions:
                    overlaps = ((version.geldig_tot is None or rv.geldig_vanaf < version.geldig_tot)
                                and (rv.geldig_tot is None or version.geldig_vanaf < rv.geldig_tot))
                    if not overlaps:
                        continue
                    lids = [lid for lid in re.findall(r"\b\d+[a-z]?\b", rv.lid or rule.lid or "")
                            if lid in version.leden]
                    where = lids[-1] if lids else ""
                    assert f'href="#regel-{rule.name}"' in blocks.get(where, ""), (article.citation, version.label,
                                                                                  rule.name, where)
                    placed += 1
    assert placed > 500
