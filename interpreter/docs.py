"""Documentation generated from the rule set and the example cases: plain
Markdown under docs/ (MkDocs renders it; a hook regenerates it on build).

- docs/wetten/: per law a page, per article a page with, per version, each
  lid's text directly followed by the parameters and rules that encode it
  (law and code woven, as in literate programming), what changed between
  versions, a diagram of which rule uses which (SVG made here, links included),
  the rules with formulas whose names link to their definitions, every
  parameter over the years with its sources, and the cases that exercise it;
- docs/casusformaat.md: the catalogue of every input and relation, between
  markers in the hand-written page;
- docs/voorbeelden/: the explanation of each example case, and the exact JSON
  output of the first one (documented in docs/json-uitvoer.md).

`regels docs` writes the files; a test checks that the committed files are
what this module produces now."""

from __future__ import annotations

import difflib
import html
import json
import os
import re
from collections import defaultdict
from pathlib import Path

from . import values as v
from .api import evaluate, load_case, load_rules
from .diagnostics import Pos, error
from .model import Article, Input, Parameter, Relation, Rule
from .syntax import Call, Name, walk

EXAMPLE_CASE = Path("voorbeelden/alleenstaande_ouder_2020.yaml")
EXAMPLE_STEP = "alleenstaande_ouderkop@2020-04"
YEARS = range(2015, 2026)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def article_path(article: Article) -> Path:
    return Path("wetten") / slug(article.afkorting) / f"artikel-{slug(article.artikel)}.md"


def _cell(text) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|").replace("<", "&lt;")


def _date(day) -> str:
    return v.format_date_nl(day)


# --- links and formulas -------------------------------------------------------------


ANCHOR_KIND = {Rule: "regel", Parameter: "parameter", Input: "invoer", Relation: "relatie"}


def _lid_key(lid: str):
    match = re.match(r"(\d+)(.*)", lid)
    return (int(match[1]), match[2]) if match else (10**6, lid)


def _lids_in(label: str | None) -> list[str]:
    """The leden a label names: '7 en 8' -> ['7', '8']; '1 onder b' -> ['1']."""
    return re.findall(r"\b\d+[a-z]?\b", label or "")


def page_url(article: Article, here: Article | None) -> str:
    """The URL of an article's page relative to another article's page (directory URLs)."""
    if article is here:
        return ""
    if here is not None and here.afkorting == article.afkorting:
        return f"../artikel-{slug(article.artikel)}/"
    prefix = "../../" if here is not None else ""
    return f"{prefix}{slug(article.afkorting)}/artikel-{slug(article.artikel)}/"


def definition_href(item, here: Article | None) -> str:
    return f"{page_url(item.article, here)}#{ANCHOR_KIND[type(item)]}-{item.name}"


def _refs(rule: Rule) -> dict[str, object]:
    """Each name a rule's formulas and conditions write, with the definition it refers to."""
    found = {}
    for version in rule.versions:
        for tree in (version.formula, version.condition):
            for node in (walk(tree) if tree is not None else ()):
                name = node.text if isinstance(node, Name) else node.func if isinstance(node, Call) else None
                if name and type(getattr(node, "ref", None)) in ANCHOR_KIND:
                    found[name] = node.ref
    return found


def formula_html(text: str, links: dict[str, str]) -> str:
    """A formula highlighted like a code block, each name that refers to a definition a link to it."""
    from pygments.token import STANDARD_TYPES, Name as NameToken

    from .lexer import RegelsLexer

    parts = []
    for token, value in RegelsLexer().get_tokens(text.strip()):
        while token not in STANDARD_TYPES:
            token = token.parent
        escaped = html.escape(value)
        if token in (NameToken, NameToken.Namespace) and value in links:
            escaped = f'<a href="{html.escape(links[value])}">{escaped}</a>'
        css = STANDARD_TYPES[token]
        parts.append(f'<span class="{css}">{escaped}</span>' if css else escaped)
    return '<div class="highlight regels-formule"><pre><code>' + "".join(parts).rstrip("\n") + "</code></pre></div>"


def _links(rule: Rule) -> dict[str, str]:
    return {name: definition_href(ref, rule.article) for name, ref in _refs(rule).items()}


# --- the law text with its rules (woven per version) ------------------------------------------


def _overlaps(start, end, other_start, other_end) -> bool:
    return (other_end is None or start < other_end) and (end is None or other_start < end)


def _values_in(parameter: Parameter, start, end) -> list:
    return [e for i, e in enumerate(parameter.values)
            if _overlaps(e.vanaf, parameter.values[i + 1].vanaf if i + 1 < len(parameter.values) else None,
                         start, end)]


def _rule_block(rule: Rule, version, several: bool) -> str:
    here = rule.article
    head = f'<a href="#regel-{rule.name}"><code>{rule.name}</code></a>'
    if rule.target is not None:
        head += (f' · uitzondering op <a href="{definition_href(rule.target, here)}"><code>{rule.target.name}'
                 f'</code></a>')
    label = version.lid or rule.lid
    if label and len(_lids_in(label)) > 1:
        head += f" · lid {html.escape(label)}"
    if several:
        end = f" tot {_date(version.geldig_tot)}" if version.geldig_tot else ""
        head += f" · vanaf {_date(version.geldig_vanaf)}{end}"
    if rule.omschrijving:
        head += f' <span class="regels-omschrijving">{html.escape(_cell(rule.omschrijving))}</span>'
    out = [f'<p class="regels-kop">{head}</p>']
    links = _links(rule)
    if version.condition_text:
        out.append('<p class="regels-indien">indien:</p>' + formula_html(version.condition_text, links))
    out.append(formula_html(version.formula_text, links))
    return '<div class="regels-regel">' + "".join(out) + "</div>"


def _parameter_block(parameter: Parameter, start, end) -> str:
    entries = _values_in(parameter, start, end)
    values = []
    for entry in entries:
        if parameter.key_type is not None:
            shown = f"tabel met {len(entry.value)} waarden"
        else:
            shown = v.format_value(entry.value, parameter.type)
        since = f" vanaf {_date(entry.vanaf)}" if entry.vanaf > start or len(entries) > 1 else ""
        values.append(f"<strong>{html.escape(shown)}</strong>{since}")
    head = f'<a href="#parameter-{parameter.name}"><code>{parameter.name}</code></a> = ' + "; ".join(values)
    if parameter.omschrijving:
        head += f' <span class="regels-omschrijving">{html.escape(_cell(parameter.omschrijving))}</span>'
    return f'<p class="regels-parameter">{head}</p>'


def _parameter_lid(parameter: Parameter) -> str:
    """' (lid 6)', or for a lid that changes over time ' (lid 11 vanaf 1 januari 2015, lid 12 vanaf ...)'."""
    if parameter.lid_changes:
        return " (" + ", ".join(f"lid {lid} vanaf {_date(start)}" for start, lid in parameter.lid_changes) + ")"
    return f" (lid {parameter.lid})" if parameter.lid else ""


def _parameters_read(rule_versions) -> set[int]:
    return {id(node.ref) for rv in rule_versions for tree in (rv.formula, rv.condition) if tree is not None
            for node in walk(tree) if isinstance(getattr(node, "ref", None), Parameter)}


def woven_version(article: Article, version, is_latest: bool) -> str:
    """One version of the article: each lid's text, directly followed by the parameters and
    rule versions that encode it in that period; what names no lid of this text comes last."""
    start, end = version.geldig_vanaf, version.geldig_tot
    under: dict[str, list[str]] = defaultdict(list)
    all_versions = [rv for rule in article.rules.values() for rv in rule.versions]
    used = _parameters_read([rv for rv in all_versions if _overlaps(rv.geldig_vanaf, rv.geldig_tot, start, end)])
    used_ever = _parameters_read(all_versions)
    for parameter in article.parameters.values():
        # A last value stays in force, but if no rule of this period reads it (it was replaced, e.g.
        # by a percentage of another article), it does not encode this text and is left out.
        if _values_in(parameter, start, end) and (id(parameter) in used or id(parameter) not in used_ever):
            lids = [lid for lid in _lids_in(parameter.lid_on(start)) if lid in version.leden]
            under[lids[-1] if lids else ""].append(_parameter_block(parameter, start, end))
    for rule in article.rules.values():
        versions = [rv for rv in rule.versions if _overlaps(rv.geldig_vanaf, rv.geldig_tot, start, end)]
        for rv in versions:
            lids = [lid for lid in _lids_in(rv.lid or rule.lid) if lid in version.leden]
            under[lids[-1] if lids else ""].append(_rule_block(rule, rv, len(versions) > 1))

    key = version.geldig_vanaf.isoformat()
    until = f" tot {_date(end)}" if end else ""
    attrs = f'class="note regels-versie" id="versie-{key}"' + (" open" if is_latest else " data-search-exclude")
    out = [f"<details {attrs}>", f"<summary>Geldig vanaf {_date(start)}{until}</summary>"]
    source = []
    if version.url:
        source.append(f'<a href="{html.escape(version.url)}">officiële tekst</a>')
    if version.publicatie:
        source.append(html.escape(_cell(version.publicatie)))
    if source:
        out.append(f'<p class="regels-bron">{" · ".join(source)}</p>')
    if not version.leden:
        out.append("<p><em>De tekst van deze versie is (nog) niet overgenomen.</em></p>")
    for lid in sorted(version.leden, key=_lid_key):
        out.append(f'<div class="regels-lid" id="v{key}-lid-{lid}">')
        out.append(f'<p class="regels-lidtekst"><strong>{html.escape(lid)}.</strong> '
                   f"{html.escape(' '.join(version.leden[lid].split()))}</p>")
        if under.get(lid):
            out.append('<div class="regels-code">' + "".join(under[lid]) + "</div>")
        out.append("</div>")
    if under.get(""):
        out.append('<div class="regels-lid regels-zonder-lid">')
        out.append('<p class="regels-lidtekst"><em>Regels en parameters zonder lid in deze tekst</em></p>')
        out.append('<div class="regels-code">' + "".join(under[""]) + "</div>")
        out.append("</div>")
    if version.interpretatie:
        out.append(f'<p class="regels-interpretatie"><em>Interpretatie:</em> {html.escape(_cell(version.interpretatie))}</p>')
    out.append("</details>")
    return "\n".join(out)


# --- what uses what -----------------------------------------------------------------


def dependency_svg(article: Article) -> str:
    """The rules of the article, what they use (rules, parameters) and the exceptions, as SVG."""
    from .diagram import Node, svg

    nodes: dict[str, Node] = {}
    edges: list[tuple[str, str, str]] = []

    def node(item) -> str:
        key = f"{ANCHOR_KIND[type(item)]}:{item.article.citation}:{item.name}"
        if key not in nodes:
            kind = "extern" if item.article is not article else ANCHOR_KIND[type(item)]
            nodes[key] = Node(key, item.name, kind, definition_href(item, article),
                              sublabel=item.article.citation if item.article is not article else None,
                              title=_cell(item.omschrijving) or None)
        return key

    for rule in article.rules.values():
        node(rule)
    for rule in article.rules.values():
        target = node(rule)
        for dep in sorted(rule.dependencies(), key=lambda d: d.name):
            if isinstance(dep, (Rule, Parameter)):
                edges.append((node(dep), target, "gebruikt"))
        if rule.target is not None:
            edges.append((target, node(rule.target), "uitzondering"))
    return svg(nodes, edges, f"Samenhang van de regels van {article.citation}")


# --- article pages ------------------------------------------------------------------------


def _lid_diff(old: str, new: str) -> str:
    """Words removed ~~struck~~ and added **bold**, for 'what changed'."""
    old_words, new_words = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(" ".join(old_words[i1:i2]))
        if op in ("delete", "replace"):
            out.append("~~" + " ".join(old_words[i1:i2]) + "~~")
        if op in ("insert", "replace"):
            out.append("**" + " ".join(new_words[j1:j2]) + "**")
    return " ".join(out)


SEARCH_BOOST_ARTICLE = 3  # an article page outranks a page that only mentions its words
SEARCH_BOOST_EXAMPLE = 0.3  # the steps of an example explanation come after the law


def _front_matter(boost: float) -> list[str]:
    return ["---", "search:", f"  boost: {boost}", "---", ""]


def article_page(article: Article, cases: list[dict]) -> str:
    title = f"{article.citation}" + (f": {article.titel}" if article.titel else "")
    latest = article.versions[-1] if article.versions else None
    out = _front_matter(SEARCH_BOOST_ARTICLE) + [f"# {title}", ""]
    link = f" · [officiële tekst]({latest.url})" if latest and latest.url else ""
    out += [f"{article.wet} · `{article.bwb}`{link} · regelbestand `{article.file}`", ""]
    if article.interpretatie:
        out += ['??? note "Interpretatie"', "    " + _cell(article.interpretatie), ""]

    if article.versions:
        out += ["## Wettekst en regels", "",
                "Per versie van de tekst staan onder elk lid de parameters en regels die het uitvoeren; wat "
                "geen lid van die tekst noemt, staat aan het eind. Een naam in een formule verwijst naar zijn "
                "definitie. De nieuwste versie staat open.", ""]
        for version in reversed(article.versions):
            out += [woven_version(article, version, version is latest), ""]

        out += ["## Versies", "", "| geldig vanaf | geldig tot | publicatie | wat veranderde |", "|---|---|---|---|"]
        for version in article.versions:
            end = _date(version.geldig_tot) if version.geldig_tot else "heden"
            start = f"[{_date(version.geldig_vanaf)}](#versie-{version.geldig_vanaf.isoformat()})"
            out.append(f"| {start} | {end} | {_cell(version.publicatie)} | {_cell(version.wijziging)} |")
        out.append("")

    changes = []
    for prev, nxt in zip(article.versions, article.versions[1:]):
        changed = [lid for lid in sorted(set(prev.leden) | set(nxt.leden), key=_lid_key)
                   if prev.leden.get(lid) != nxt.leden.get(lid)]
        if not changed:
            continue
        changes.append(f"### Per {_date(nxt.geldig_vanaf)}")
        changes.append("")
        if nxt.wijziging:
            changes.append(_cell(nxt.wijziging))
            changes.append("")
        for lid in changed:
            old, new = prev.leden.get(lid), nxt.leden.get(lid)
            if old is None:
                changes.append(f"- lid {lid} (nieuw): {_cell(new)}")
            elif new is None:
                changes.append(f"- lid {lid} vervalt")
            else:
                changes.append(f"- lid {lid}: {_cell(_lid_diff(old, new))}")
        changes.append("")
    if changes:
        out += ["## Wat veranderde tussen de versies", "", "Geschrapte woorden ~~doorgehaald~~, nieuwe **vet**.", ""]
        out += changes

    if article.rules:
        out += ["## Samenhang", "", "Welke regel gebruikt welke regel of parameter: wat een regel gebruikt, staat "
                "erboven, en de pijl wijst naar de regel die het gebruikt (gestreept: een uitzondering op de regel "
                "waar de pijl naar wijst). Grijze vakken met een gestreepte rand komen uit een ander artikel. "
                "Klik op een vak voor de definitie.", "",
                f'<div class="regels-samenhang">{dependency_svg(article)}</div>', ""]

        out += ["## Regels", ""]
        for rule in article.rules.values():
            lid = f" (lid {rule.lid})" if rule.lid else ""
            out += [f"### `{rule.name}`{lid} {{ #regel-{rule.name} }}", ""]
            if rule.omschrijving:
                out += [_cell(rule.omschrijving), ""]
            facts = []
            if rule.target is not None:
                facts.append(f"uitzondering op [`{rule.target.name}`]({definition_href(rule.target, article)})"
                             f" ({rule.target.article.citation})")
            else:
                facts.append(f"type: {rule.type}")
                facts.append("per maand" if rule.per == "maand" else "per jaar")
                if rule.voor:
                    facts.append(f"voor een persoon (`{rule.voor}`)")
            if rule.uitkomst:
                facts.append("uitkomst")
            if rule.exceptions:
                facts.append("uitzonderingen: " + ", ".join(
                    f"[`{e.name}`]({definition_href(e, article)})" for e in rule.exceptions))
            out += ["*" + "; ".join(facts) + "*", ""]
            links = _links(rule)
            for version in rule.versions:
                end = f" tot {_date(version.geldig_tot)}" if version.geldig_tot else ""
                if len(rule.versions) > 1 or version.lid:
                    label = f"Vanaf {_date(version.geldig_vanaf)}{end}" + (f", lid {version.lid}" if version.lid else "")
                    out += [f"**{label}**", ""]
                if version.condition_text:
                    out += ["indien:", "", formula_html(version.condition_text, links), ""]
                out += [formula_html(version.formula_text, links), ""]
            if rule.interpretatie:
                out += ['!!! note "Interpretatie"', "    " + _cell(rule.interpretatie), ""]

    if article.parameters:
        out += ["## Parameters", "", "Per parameter de waarden door de jaren, elk met de datum waarop het ingaat, "
                "de bron en wat erbij is afgewogen. Een waarde geldt tot de volgende.", ""]
        for parameter in article.parameters.values():
            out += [f"### `{parameter.name}`{_parameter_lid(parameter)} {{ #parameter-{parameter.name} }}", ""]
            if parameter.omschrijving:
                out += [_cell(parameter.omschrijving), ""]
            out += ["| vanaf | waarde | bron en toelichting |", "|---|---|---|"]
            for entry in parameter.values:
                if parameter.key_type is not None:
                    value = ", ".join(f"{k}: {v.format_value(x, parameter.type)}" for k, x in sorted(entry.value.items()))
                else:
                    value = v.format_value(entry.value, parameter.type).replace("€ ", "€&nbsp;")
                notes = [_cell(entry.bron)]
                if entry.interpretatie:
                    notes.append(_cell(entry.interpretatie))
                for other in entry.andere_bronnen:
                    notes.append(f"andere bron: {_cell(other.get('waarde'))} ({_cell(other.get('bron'))})")
                if entry.onbevestigd:
                    notes.append(f"**onbevestigd:** {_cell(entry.onbevestigd)}")
                out.append(f"| {_date(entry.vanaf).replace(' ', '&nbsp;')} | {value} | {'<br>'.join(notes)} |")
            out.append("")

    if article.inputs or article.relations:
        out += ["## Gegevens uit de casus", "", "Hoe u ze in een casus schrijft, staat in "
                "[het casusformaat](../../casusformaat.md#gegevens-die-de-regels-kennen).", "",
                "| naam | soort | omschrijving |", "|---|---|---|"]
        for inp in article.inputs.values():
            out.append(f'| <span id="invoer-{inp.name}"></span>[`{inp.name}`](../../casusformaat.md#invoer-{inp.name}) '
                       f"| {_input_kind(inp)} | {_cell(inp.omschrijving)} |")
        for rel in article.relations.values():
            out.append(f'| <span id="relatie-{rel.name}"></span>[`{rel.name}`](../../casusformaat.md#relatie-{rel.name}) '
                       f"| relatie tussen {rel.roles[0]} en {rel.roles[1]} | {_cell(rel.omschrijving)} |")
        out.append("")

    used_by = [c for c in cases if article.citation in c["articles"]]
    if used_by:
        out += ["## Casussen die dit artikel gebruiken", "", "| casus | jaar | bestand |", "|---|---|---|"]
        for case in used_by:
            title = f"[{_cell(case['title'])}](../../voorbeelden/{case['page']})" if case["page"] else _cell(case["title"])
            out.append(f"| {title} | {case['year']} | `{case['file']}` |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _input_kind(inp) -> str:
    kind = f"{inp.type}" + (", van een persoon" if inp.of_person else "") + (", verandert in de tijd" if inp.time_varying else "")
    if inp.has_default:
        kind += f", standaard {v.format_value(inp.default, inp.type) or 'leeg'}"
    return kind


def law_pages(rule_set, cases) -> dict[Path, str]:
    files = {}
    laws = defaultdict(list)
    for article in rule_set.articles:
        laws[article.afkorting].append(article)
    index = ["# De wet in regels", "",
             "Elk artikel dat `regels` uitvoert: per versie de tekst van elk lid met direct daaronder de "
             "parameters en regels die het uitvoeren, wat er tussen de versies veranderde, de samenhang van de "
             "regels, en de parameters door de jaren met hun bron. Gegenereerd uit `rules/` met `regels docs`.", "",
             "| wet | artikelen |", "|---|---|"]
    for afkorting in sorted(laws):
        articles = sorted(laws[afkorting], key=lambda a: (len(a.artikel), a.artikel))
        folder = slug(afkorting)
        links = ", ".join(f"[art. {a.artikel}]({folder}/artikel-{slug(a.artikel)}.md)" for a in articles)
        index.append(f"| [{articles[0].wet} ({afkorting})]({folder}/index.md) | {links} |")
        law = [f"# {articles[0].wet} ({afkorting})", "", f"BWB-id `{articles[0].bwb}`.", "",
               "| artikel | titel | versies | regels | parameters |", "|---|---|---|---|---|"]
        for a in articles:
            law.append(f"| [art. {a.artikel}](artikel-{slug(a.artikel)}.md) | {_cell(a.titel)} | {len(a.versions)} | "
                       f"{len(a.rules)} | {len(a.parameters)} |")
        files[Path("wetten") / folder / "index.md"] = "\n".join(law) + "\n"
        for a in articles:
            files[article_path(a)] = article_page(a, cases)
    files[Path("wetten") / "index.md"] = "\n".join(index) + "\n"
    return files


# --- the case format: every input and relation (docs/casusformaat.md) ------------------------

CASE_FORMAT = Path("docs/casusformaat.md")
BLOCK = re.compile(r"(<!-- gegenereerd: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- einde gegenereerd -->)", re.S)
MISSING_FACT_CASE = Path("tests/data/zonder_geboortedatum.yaml")
MISMATCH_CASE = Path("tests/data/verwachting_mis.yaml")
EXAMPLE_BY_TYPE = {"persoon": "amira", "datum": "2020-03-01", "waar/onwaar": "ja", "bedrag": "€ 1.000",
                   "geheel getal": "2", "getal": "2", "percentage": "6,75%", "tekst": "NL"}


def _flow(value) -> str:
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6)
    return text.strip().removesuffix("...").strip()


def _examples_from_cases(paths: list[Path]) -> tuple[dict, dict]:
    """For each input and relation the first place a case uses it: (file, 'naam: waarde')."""
    import yaml

    inputs, relations = {}, {}
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        facts = [(data.get("gegevens") or {})] + [p or {} for p in (data.get("personen") or {}).values()]
        for fact in facts:
            for name, value in fact.items():
                if isinstance(value, dict) and len(_flow(value)) > 90:  # the bron makes it long
                    value = {k: x for k, x in value.items() if k != "bron"}
                inputs.setdefault(name, (path, f"{name}: {_flow(value)}"))
        for rel in data.get("relaties") or []:
            if isinstance(rel, dict) and rel.get("soort"):
                if len(_flow(rel)) > 110:
                    rel = {k: x for k, x in rel.items() if k != "bron"}
                relations.setdefault(rel["soort"], (path, _flow(rel)))
    return inputs, relations


def _input_rows(inputs, examples, wrap) -> list[str]:
    rows = ["| naam | soort | omschrijving en voorbeeld |", "|---|---|---|"]
    for inp in sorted(inputs, key=lambda i: i.name):
        facts = [str(inp.type), "verandert in de tijd" if inp.time_varying else "één waarde"]
        facts.append(f"standaard {v.format_value(inp.default, inp.type) or 'leeg'}" if inp.has_default
                     else "geen standaard")
        found = examples.get(inp.name)
        if found:
            example = f"`{_cell(found[1])}` ({found[0].as_posix()})"
        elif inp.time_varying:
            value = EXAMPLE_BY_TYPE.get(str(inp.type), "...")
            example = f"`{inp.name}: [{{vanaf: 2020-01-01, waarde: {value}}}]`"
        else:
            example = f"`{inp.name}: {EXAMPLE_BY_TYPE.get(str(inp.type), '...')}`"
        rows.append(f'| <span id="invoer-{inp.name}"></span>`{inp.name}`<br>{wrap(inp)} | {", ".join(facts)} '
                    f"| {_cell(inp.omschrijving)}<br>{example} |")
    return rows


def case_format_blocks(rule_set, variant_sets: dict, case_paths: list[Path]) -> dict[str, str]:
    """The generated parts of docs/casusformaat.md, by block name."""
    from .api import evaluate as run
    from .casetest import check_case, summary_line
    from .diagnostics import RegelsError

    inputs, relations = _examples_from_cases(case_paths)

    def article_link(item) -> str:
        return f"[{item.article.citation}]({article_path(item.article).as_posix()}#{ANCHOR_KIND[type(item)]}-{item.name})"

    law_inputs = list(rule_set.inputs())
    blocks = {}
    out = ["Deze lijst is gemaakt uit `rules/` (met `regels docs`); zij noemt elk gegeven en elke relatie die de "
           "regels kennen, met het artikel waar het staat. Een gegeven zonder standaard moet in de casus staan "
           "zodra een berekening het nodig heeft; een gegeven met een standaard mag ontbreken. Het voorbeeld "
           "komt uit een casus in deze repository (het bestand staat erbij), of is gemaakt uit het type.", "",
           "### Onder `gegevens`: van de casus als geheel", ""]
    out += _input_rows([i for i in law_inputs if not i.of_person], inputs, article_link)
    out += ["", "### Onder `personen`: van een persoon", ""]
    out += _input_rows([i for i in law_inputs if i.of_person], inputs, article_link)
    out += ["", "### Onder `relaties`", "", "| soort | rollen | omschrijving en voorbeeld |", "|---|---|---|"]
    for rel in sorted(rule_set.relations(), key=lambda r: r.name):
        roles = f"`{rel.roles[0]}`, `{rel.roles[1]}`" + (", symmetrisch" if rel.symmetric else "")
        found = relations.get(rel.name)
        if found:
            example = f"`{_cell(found[1])}` ({found[0].as_posix()})"
        elif rel.roles[0] == rel.roles[1]:
            example = f"`{{soort: {rel.name}, tussen: [amira, bert], vanaf: 2020-01-01}}`"
        else:
            example = f"`{{soort: {rel.name}, {rel.roles[0]}: amira, {rel.roles[1]}: sara, vanaf: 2020-01-01}}`"
        out.append(f'| <span id="relatie-{rel.name}"></span>`{rel.name}`<br>{article_link(rel)} | {roles} '
                   f"| {_cell(rel.omschrijving)}<br>{example} |")
    variant_rows = []
    for name, variant_set in sorted(variant_sets.items()):
        known = {id(i) for i in law_inputs}
        extra = [i for i in variant_set.inputs() if id(i) not in known and i.name not in {x.name for x in law_inputs}]
        variant_rows += [f"| `{i.name}` | `{name}` | {i.type}, " + ("van een persoon" if i.of_person else "onder `gegevens`")
                         + (f", standaard {v.format_value(i.default, i.type) or 'leeg'}" if i.has_default else "")
                         + f" | {_cell(i.omschrijving)} |" for i in extra]
    if variant_rows:
        out += ["", "### Alleen bij een beleidsvariant", "",
                "Deze gegevens kent de casus alleen als hij de variant noemt (zie "
                "[Casussen bij een beleidsvariant](#casussen-bij-een-beleidsvariant)).", "",
                "| naam | variant | soort | omschrijving |", "|---|---|---|---|"] + variant_rows
    blocks["gegevens"] = "\n".join(out) + "\n"

    case = load_case(MISSING_FACT_CASE, rule_set)
    try:
        run(rule_set, case)
        raise AssertionError(f"{MISSING_FACT_CASE} hoort een gegeven te missen")
    except RegelsError as exc:
        message = exc.diagnostics[0].format()
    blocks["ontbrekend-gegeven"] = f"```text\n{message}\n```\n"

    case = load_case(MISMATCH_CASE, rule_set)
    _, mismatches = check_case(rule_set, case)
    lines = [f"MIS   {MISMATCH_CASE.as_posix()}  ({case.title})"]
    lines += ["  " + m.format().replace("\n", "\n  ") for m in mismatches]
    lines.append(summary_line({"mis": 1}))
    blocks["verwachting-mis"] = "```text\n" + "\n".join(lines) + "\n```\n"
    return blocks


def fill_blocks(text: str, blocks: dict[str, str], where: Path) -> str:
    """Replace the body of each '<!-- gegenereerd: NAME -->' block by the generated text."""
    found = set()

    def replace(match):
        name = match["name"]
        if name not in blocks:
            raise ValueError(f"{where}: onbekend gegenereerd blok '{name}'")
        found.add(name)
        return match[1] + blocks[name] + match[4]

    result = BLOCK.sub(replace, text)
    missing = set(blocks) - found
    if missing:
        raise ValueError(f"{where}: blok(ken) ontbreken: {', '.join(sorted(missing))}")
    return result


# --- examples --------------------------------------------------------------------------------


def _case_articles(result) -> set[str]:
    return {s.rule.article.citation for s in result.steps} | {
        e.article.citation for s in result.steps for e in s.exceptions}


def generated_files(root: Path) -> dict[Path, str]:
    """Every generated file, relative to `root`, with its content. Paths inside the
    output are relative to `root`, as when run from there."""
    from .explain import render_explanation

    try:
        import pygments  # noqa: F401  (the formulas on the article pages are highlighted here)
    except ImportError:
        raise error(Pos("docs", 0, 0), "voor de documentatie is Pygments nodig",
                    "installeer de extra 'docs': pip install -e '.[docs]'") from None
    cwd = Path.cwd()
    os.chdir(root)
    try:
        rules = load_rules("rules")
        files: dict[Path, str] = {}
        cases = []
        for folder, with_page in ((Path("voorbeelden"), True), (Path("tests/casussen"), False)):
            paths = sorted(folder.rglob("*.yaml")) if folder.exists() else []
            for path in [p for p in paths if "varianten" not in p.parts]:
                case = load_case(path, rules)
                result = evaluate(rules, case, trace=True)
                page = None
                if with_page:
                    page = f"{path.stem}.md"
                    text = render_explanation(result, language="nl", fmt="markdown", full=True)
                    files[Path("docs/voorbeelden") / page] = "\n".join(_front_matter(SEARCH_BOOST_EXAMPLE)) + text
                cases.append({"title": case.title, "year": case.year, "file": path.as_posix(),
                              "page": page, "articles": _case_articles(result)})
        for path, text in law_pages(rules, cases).items():
            files[Path("docs") / path] = text
        from .api import variant_names

        variant_sets = {name: load_rules("rules", [name]) for name in variant_names("rules")}
        case_paths = [Path(c["file"]) for c in cases]
        files[CASE_FORMAT] = fill_blocks(CASE_FORMAT.read_text(encoding="utf-8"),
                                         case_format_blocks(rules, variant_sets, case_paths), CASE_FORMAT)

        case = load_case(EXAMPLE_CASE, rules)
        result = evaluate(rules, case, trace=True)
        full = result.to_json(trace=True)
        step = next(s for s in full["trace"] if s["id"] == EXAMPLE_STEP)
        files[Path("docs/voorbeelden/bereken.json")] = _json(full)
        files[Path("docs/voorbeelden/bereken-zonder-trace.json")] = _json(result.to_json(trace=False))
        files[Path("docs/voorbeelden/trace-stap.json")] = _json(step)
        return files
    finally:
        os.chdir(cwd)


def write_docs(root: Path) -> list[Path]:
    """Write the generated files as one set: all of them or, if writing fails or
    is interrupted, none (a site with some pages new and some old would
    contradict itself). A file whose content is unchanged is left alone (so
    `mkdocs serve` does not rebuild forever)."""
    from .files import write_files

    changed = {}
    for path, text in generated_files(root).items():
        target = Path(root) / path
        if not (target.is_file() and target.read_bytes() == text.encode("utf-8")):
            changed[path] = text
    write_files({Path(root) / path: text for path, text in changed.items()})
    return list(changed)
