"""Documentation generated from the rule set and the example cases: plain
Markdown under docs/ (MkDocs renders it; a hook regenerates it on build).

- docs/wetten/: per law a page, per article a page with the law text per
  version, what changed between versions, every parameter over the years with
  its sources, the rules with highlighted formulas, a Mermaid diagram of which
  rule uses which, and the cases that exercise the article;
- docs/voorbeelden/: the explanation of each example case, and the exact JSON
  output of the first one (documented in docs/json-uitvoer.md).

`regels docs` writes the files; a test checks that the committed files are
what this module produces now."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections import defaultdict
from pathlib import Path

from . import values as v
from .api import evaluate, load_case, load_rules
from .model import Article, Parameter, Rule

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


# --- what uses what -----------------------------------------------------------------


def mermaid(article: Article) -> str:
    lines = ["graph LR"]
    ids: dict = {}

    def node_id(item) -> str:
        if id(item) not in ids:
            ids[id(item)] = f"n{len(ids)}"
            label = item.name
            if item.article is not article:
                label += f"<br/><small>{item.article.citation}</small>"
            shape = ("[", "]") if isinstance(item, Rule) else ("([", "])")
            lines.append(f'  {ids[id(item)]}{shape[0]}"{label}"{shape[1]}')
        return ids[id(item)]

    for rule in article.rules.values():
        target = node_id(rule)
        for dep in sorted(rule.dependencies(), key=lambda d: d.name):
            if isinstance(dep, (Rule, Parameter)):
                lines.append(f"  {node_id(dep)} --> {target}")
        if rule.target is not None:
            lines.append(f"  {target} -. uitzondering op .-> {node_id(rule.target)}")
    return "\n".join(lines)


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


def article_page(article: Article, cases: list[dict]) -> str:
    title = f"{article.citation}" + (f": {article.titel}" if article.titel else "")
    latest = article.versions[-1] if article.versions else None
    out = [f"# {title}", ""]
    link = f" · [officiële tekst]({latest.url})" if latest and latest.url else ""
    out += [f"{article.wet} · `{article.bwb}`{link} · regelbestand `{article.file}`", ""]
    if article.interpretatie:
        out += ['!!! note "Interpretatie"', "    " + _cell(article.interpretatie), ""]

    out += ["## Versies", "", "| geldig vanaf | geldig tot | publicatie | wat veranderde |", "|---|---|---|---|"]
    for version in article.versions:
        end = _date(version.geldig_tot) if version.geldig_tot else "heden"
        out.append(f"| {_date(version.geldig_vanaf)} | {end} | {_cell(version.publicatie)} | {_cell(version.wijziging)} |")
    out.append("")
    out += ["## De tekst per versie", ""]
    for version in reversed(article.versions):
        end = f" tot {_date(version.geldig_tot)}" if version.geldig_tot else ""
        open_ = "???+" if version is latest else "???"
        out.append(f'{open_} note "Geldig vanaf {_date(version.geldig_vanaf)}{end}"')
        out.append("")
        if version.url:
            out.append(f"    [{version.url}]({version.url})")
            out.append("")
        if not version.leden:
            out.append("    *De tekst van deze versie is (nog) niet overgenomen.*")
            out.append("")
        for lid in sorted(version.leden, key=lambda x: (len(x), x)):
            out.append(f"    **{lid}.** {_cell(version.leden[lid])}")
            out.append("")
        if version.interpretatie:
            out.append(f"    *Interpretatie:* {_cell(version.interpretatie)}")
            out.append("")

    changes = []
    for prev, nxt in zip(article.versions, article.versions[1:]):
        changed = [lid for lid in sorted(set(prev.leden) | set(nxt.leden), key=lambda x: (len(x), x))
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

    if article.parameters:
        out += ["## Parameters", "", "De waarde op 1 januari van elk berekeningsjaar; een wijziging in de loop van "
                "het jaar staat in de tabel per parameter.", ""]
        out.append("| parameter | " + " | ".join(str(y) for y in YEARS) + " |")
        out.append("|---|" + "---|" * len(YEARS))
        for parameter in article.parameters.values():
            cells = []
            for year in YEARS:
                import datetime as dt

                entry = parameter.value_on(dt.date(year, 1, 1))
                if entry is None:
                    cells.append("")
                elif parameter.key_type is not None:
                    cells.append("tabel")
                else:
                    cells.append(v.format_value(entry.value, parameter.type).replace("€ ", "€&nbsp;"))
            out.append(f"| `{parameter.name}` | " + " | ".join(cells) + " |")
        out.append("")
        for parameter in article.parameters.values():
            lid = f" (lid {parameter.lid})" if parameter.lid else ""
            out += [f"### `{parameter.name}`{lid} {{ #parameter-{parameter.name} }}", ""]
            if parameter.omschrijving:
                out += [_cell(parameter.omschrijving), ""]
            out += ["| vanaf | waarde | bron | toelichting |", "|---|---|---|---|"]
            for entry in parameter.values:
                if parameter.key_type is not None:
                    value = ", ".join(f"{k}: {v.format_value(x, parameter.type)}" for k, x in sorted(entry.value.items()))
                else:
                    value = v.format_value(entry.value, parameter.type)
                notes = []
                if entry.interpretatie:
                    notes.append(_cell(entry.interpretatie))
                for other in entry.andere_bronnen:
                    notes.append(f"andere bron: {_cell(other.get('waarde'))} ({_cell(other.get('bron'))})")
                if entry.onbevestigd:
                    notes.append(f"**onbevestigd:** {_cell(entry.onbevestigd)}")
                out.append(f"| {_date(entry.vanaf)} | {_cell(value)} | {_cell(entry.bron)} | {' '.join(notes)} |")
            out.append("")

    if article.inputs or article.relations:
        out += ["## Gegevens uit de casus", "", "| naam | soort | omschrijving |", "|---|---|---|"]
        for inp in article.inputs.values():
            kind = f"{inp.type}" + (", van een persoon" if inp.of_person else "") + (", verandert in de tijd" if inp.time_varying else "")
            if inp.has_default:
                kind += f", standaard {v.format_value(inp.default, inp.type) or 'leeg'}"
            out.append(f"| `{inp.name}` | {kind} | {_cell(inp.omschrijving)} |")
        for rel in article.relations.values():
            out.append(f"| `{rel.name}` | relatie tussen {rel.roles[0]} en {rel.roles[1]} | {_cell(rel.omschrijving)} |")
        out.append("")

    if article.rules:
        out += ["## Regels", ""]
        for rule in article.rules.values():
            lid = f" (lid {rule.lid})" if rule.lid else ""
            out += [f"### `{rule.name}`{lid} {{ #regel-{rule.name} }}", ""]
            if rule.omschrijving:
                out += [_cell(rule.omschrijving), ""]
            facts = []
            if rule.target is not None:
                facts.append(f"uitzondering op `{rule.target.name}` ({rule.target.article.citation})")
            else:
                facts.append(f"type: {rule.type}")
                facts.append("per maand" if rule.per == "maand" else "per jaar")
                if rule.voor:
                    facts.append(f"voor een persoon (`{rule.voor}`)")
            if rule.uitkomst:
                facts.append("uitkomst")
            if rule.exceptions:
                facts.append("uitzonderingen: " + ", ".join(
                    f"[`{e.name}`](../../{article_path(e.article).as_posix()})"
                    if e.article is not article else f"`{e.name}`" for e in rule.exceptions))
            out += ["*" + "; ".join(facts) + "*", ""]
            for version in rule.versions:
                end = f" tot {_date(version.geldig_tot)}" if version.geldig_tot else ""
                if len(rule.versions) > 1 or version.lid:
                    label = f"Vanaf {_date(version.geldig_vanaf)}{end}" + (f", lid {version.lid}" if version.lid else "")
                    out += [f"**{label}**", ""]
                if version.condition_text:
                    out += ["indien:", "", "```regels", version.condition_text.strip(), "```", ""]
                out += ["```regels", version.formula_text.strip(), "```", ""]
            if rule.interpretatie:
                out += ['!!! note "Interpretatie"', "    " + _cell(rule.interpretatie), ""]
        out += ["## Samenhang", "", "Welke regel gebruikt welke regel of parameter (een pijl wijst naar de regel die "
                "het gebruikt); regels uit andere artikelen staan met hun artikel erbij.", "",
                "```mermaid", mermaid(article), "```", ""]

    used_by = [c for c in cases if article.citation in c["articles"]]
    if used_by:
        out += ["## Casussen die dit artikel gebruiken", "", "| casus | jaar | bestand |", "|---|---|---|"]
        for case in used_by:
            title = f"[{_cell(case['title'])}](../../voorbeelden/{case['page']})" if case["page"] else _cell(case["title"])
            out.append(f"| {title} | {case['year']} | `{case['file']}` |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def law_pages(rule_set, cases) -> dict[Path, str]:
    files = {}
    laws = defaultdict(list)
    for article in rule_set.articles:
        laws[article.afkorting].append(article)
    index = ["# De wet in regels", "",
             "Elk artikel dat `regels` uitvoert, met de wettekst per versie, de parameters door de jaren met hun "
             "bron, de regels en hun samenhang. Gegenereerd uit `rules/` met `regels docs`.", "",
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


# --- examples --------------------------------------------------------------------------------


def _case_articles(result) -> set[str]:
    return {s.rule.article.citation for s in result.steps} | {
        e.article.citation for s in result.steps for e in s.exceptions}


def generated_files(root: Path) -> dict[Path, str]:
    """Every generated file, relative to `root`, with its content. Paths inside the
    output are relative to `root`, as when run from there."""
    from .explain import render_explanation

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
                    files[Path("docs/voorbeelden") / page] = text
                cases.append({"title": case.title, "year": case.year, "file": path.as_posix(),
                              "page": page, "articles": _case_articles(result)})
        for path, text in law_pages(rules, cases).items():
            files[Path("docs") / path] = text

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
