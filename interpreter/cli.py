"""The `regels` command. Thin: it wires loader, checker, evaluator and
explanations together and turns every RegelsError into file:line:column
messages with exit code 2."""

from __future__ import annotations

import sys

INTERRUPTED = "afgebroken (Ctrl-C)"
EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

try:  # loading the modules takes a good part of a second: Ctrl-C then gets the same one line as later
    import argparse
    import json
    import os
    import time
    import traceback
    from pathlib import Path

    from . import values as v
    from .argparse_nl import ArgumentParser, UsageError, whole_number
    from .api import (RuleSets, column_mapping_for, evaluate, read_case_file, rules_directory_for, unconfirmed_values,
                      variant_names)
    from .casetest import compare_case_file
    from .diagnostics import Diagnostic, Pos, RegelsError, suggest
    from .files import (STDIN_NAME, case_files_in, forget_stdin, is_stdin, os_error, require_output_path,
                        require_regular_file, require_rule_folder, require_variant_name, write_file)
except KeyboardInterrupt:
    print(INTERRUPTED, file=sys.stderr)
    sys.exit(EXIT_INTERRUPTED)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # with --json every error is JSON too, on stdout where the answer would be (docs/cli.md)
    as_json = "--json" in argv[:argv.index("--")] if "--" in argv else "--json" in argv
    forget_stdin()
    try:
        parser = _parser()
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said by the verb they were given to, whose help names its options
            verb = parser.verbs.get(getattr(args, "command", None), parser)
            raise UsageError(verb, "onbekende argumenten: " + " ".join(unknown))
        if args.regels_overal and not getattr(args, "regels", None):  # 'regels --regels DIR OPDRACHT ...'
            args.regels = args.regels_overal
        if args.version:
            print(_version_text(args.regels_overal))
            return EXIT_OK
        if not getattr(args, "command", None):
            parser.print_help()
            return EXIT_INPUT
        return args.run(args)
    except UsageError as exc:
        _report_usage_error(exc, as_json, argv)
        return EXIT_INPUT
    except RegelsError as exc:
        _report(exc.diagnostics, as_json)
        return EXIT_INPUT
    except KeyboardInterrupt:
        if as_json:
            _report([Diagnostic(Pos("", 0, 0), INTERRUPTED)], as_json)
        else:
            print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. 'regels bereken ... | head': the reader stopped early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a file that cannot be read or written: the message names it
        _report(os_error(exc).diagnostics, as_json)
        return EXIT_INPUT
    except Exception:  # a bug in regels itself, not in the user's files
        if os.environ.get("REGELS_DEBUG"):
            traceback.print_exc()
        message = "interne fout in regels (geen fout in uw bestanden)"
        hint = "zet REGELS_DEBUG=1 voor de details en meld het"
        if as_json:
            _report([Diagnostic(Pos("", 0, 0), message, hint)], as_json)
        elif not os.environ.get("REGELS_DEBUG"):
            print(f"{message}; {hint}", file=sys.stderr)
        return EXIT_INTERNAL


def _version_text(explicit=None) -> str:
    """The package version and the release and content hash of the rule set that
    a case in this folder would be computed with."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("regels")
    except PackageNotFoundError:  # run from a source tree that is not installed
        package = "onbekend (niet geïnstalleerd)"
    directory = rules_directory_for(None, explicit)
    lines = [f"regels {package}"]
    try:
        rule_set = CheckedRuleSets(directory).get()
        lines.append(f"regelset {rule_set.version_label} uit {directory}")
    except RegelsError:
        lines.append(f"regelset: geen geldige regelset gevonden in {directory}")
    return "\n".join(lines)


def _report(diagnostics: list[Diagnostic], as_json: bool) -> None:
    """Errors as file:line:column lines on stderr, or with --json as
    {"fouten": [...]} on stdout (the same fields as 'regels check --json')."""
    if as_json:
        print(json.dumps({"fouten": [d.to_json() for d in diagnostics]}, ensure_ascii=False, indent=2))
        return
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=sys.stderr)


def _report_usage_error(exc: UsageError, as_json: bool, argv: list[str]) -> None:
    """A wrong call: the usage of the verb and what is wrong, with a hint to its help
    (and for a misspelt verb, the verb that was meant)."""
    hint = f"zie: {exc.parser.prog} --help"
    verbs = getattr(exc.parser, "verbs", {})
    given = next((a for a in argv if not a.startswith("-")), None)
    if given is not None and verbs and given not in verbs and suggest(given, verbs):
        hint = f"{suggest(given, verbs)} {hint}"
    if as_json:  # a call is no file: bestand, regel and kolom are null
        _report([Diagnostic(Pos("", 0, 0), f"{exc.parser.prog}: {exc.message}", hint)], as_json)
        return
    sys.stderr.write(exc.parser.format_usage())
    print(f"{exc.parser.prog}: fout: {exc.message}\n    hint: {hint}", file=sys.stderr)


class CheckedRuleSets(RuleSets):
    """The rule sets of one folder as the command line uses them: the folder
    must look like a rule set, and a variant (from --variant or named by a
    case) must be the plain name of a file in its varianten/."""

    def __init__(self, directory):
        require_rule_folder(directory)
        super().__init__(directory)

    def get(self, variants=()):
        for name in variants:
            require_variant_name(self.directory, name)
        return super().get(variants)


# help texts that several verbs share
CASE_HELP = "het casusbestand (YAML); - leest de casus van de standaardinvoer"
RULES_HELP = ("de map met regelbestanden (standaard: de dichtstbijzijnde rules/ met regelset.yaml "
              "boven de casus, anders ./rules)")
VARIANT_HELP = "reken volgens de wet met deze beleidsvariant (de naam van een bestand in rules/varianten/)"
LANGUAGE_HELP = "de taal: nl (Nederlands, standaard) of en (Engels)"
FORMAT_HELP = "het formaat: tekst (standaard), markdown of html"
JSON_HELP = "uitvoer als JSON (zie docs/json-uitvoer.md); ook fouten komen dan als JSON"
COLUMNS_HELP = "de kolomindeling van een bestand met één huishouden per rij (standaard populatie/kolommen.yaml)"
PROGRESS_HELP = ("ook als stderr geen terminal is: één regel voortgang per tiende van het werk "
                 "(op een terminal loopt altijd een voortgangsbalk mee)")


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="regels", description="Wetgeving als uitvoerbare, uitlegbare regels.",
                            epilog="Voorbeelden:\n  regels bereken voorbeelden/alleenstaande_ouder_2020.yaml\n"
                                   "  regels OPDRACHT --help   (de opties van een opdracht)")
    parser.add_argument("--version", "--versie", action="store_true",
                        help="toon de versie van regels en de release en hash van de regelset")
    parser.add_argument("--regels", dest="regels_overal", type=Path, metavar="MAP",
                        help="map met regelbestanden, voor elke opdracht (standaard: $REGELS_REGELS, anders de "
                             "dichtstbijzijnde rules/ met regelset.yaml, anders de regelset die bij regels hoort)")
    sub = parser.add_subparsers(dest="command", metavar="OPDRACHT", title="opdrachten",
                                help="wat regels doet; regels OPDRACHT --help toont de opties")

    def add(name, help_text, run, example):
        heading = "Voorbeelden:" if "\n" in example else "Voorbeeld:"
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=f"{heading}\n{example}")
        p.set_defaults(run=run)
        return p

    parser.verbs = sub.choices

    p = add("bereken", "bereken de uitkomsten van een casus", cmd_bereken,
            "  regels bereken voorbeelden/alleenstaande_ouder_2020.yaml\n"
            "  regels bereken voorbeelden/alleenstaande_ouder_2020.yaml --json --zonder-trace\n"
            "  regels bereken - < casus.yaml")
    p.add_argument("casus", type=Path, help=CASE_HELP)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.add_argument("--zonder-trace", action="store_true", help="met --json: alleen de uitkomsten, zonder trace")
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)
    p.add_argument("--variant", metavar="NAAM", help=VARIANT_HELP)

    p = add("uitleg", "leg de uitkomst van een casus uit: eerst het antwoord en de berekening met de artikelen, "
                      "met --volledig de hele afleiding", cmd_uitleg,
            "  regels uitleg voorbeelden/alleenstaande_ouder_2020.yaml\n"
            "  regels uitleg voorbeelden/statushouder_2016.yaml --volledig\n"
            "  regels uitleg voorbeelden/alleenstaande_ouder_2020.yaml --taal en --formaat html --uitvoer uitleg.html\n"
            "  regels uitleg voorbeelden/alleenstaande_ouder_2020.yaml --waarom kindgebonden_budget")
    p.add_argument("casus", type=Path, help=CASE_HELP)
    p.add_argument("--taal", choices=["nl", "en"], default="nl", help=LANGUAGE_HELP)
    p.add_argument("--formaat", choices=["tekst", "markdown", "html"], default="tekst", help=FORMAT_HELP)
    p.add_argument("--uitvoer", type=Path, metavar="BESTAND", help="schrijf naar dit bestand in plaats van het scherm")
    p.add_argument("--waarom", action="append", default=[], metavar="REGEL",
                   help="leg uit waarom deze regel de waarde heeft die hij heeft, tot op de feiten")
    p.add_argument("--waarom-niet", action="append", default=[], metavar="REGEL",
                   help="leg uit waarom deze regel nul of onwaar is, in de maanden waarin dat zo is")
    p.add_argument("--wat-verandert", action="append", default=[], metavar="REGEL",
                   help="zoek de feiten die, anders, de uitkomst van deze regel zouden veranderen")
    p.add_argument("--volledig", action="store_true",
                   help="geef na het antwoord ook de volledige afleiding, per artikel, met de bronnen")
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)
    p.add_argument("--variant", metavar="NAAM", help=VARIANT_HELP)

    p = add("tijdlijn", "de stappen van een berekeningsjaar in de tijd: voorschot, toekenning, herziening, terugvordering",
            cmd_tijdlijn,
            "  regels tijdlijn voorbeelden/statushouder_2016_tijdlijn.yaml\n"
            "  regels tijdlijn voorbeelden/statushouder_2016_tijdlijn.yaml --json")
    p.add_argument("casus", type=Path, help=CASE_HELP)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.add_argument("--taal", choices=["nl", "en"], default="nl", help=LANGUAGE_HELP)
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)
    p.add_argument("--variant", metavar="NAAM", help=VARIANT_HELP)

    p = add("vergelijk", "een casus volgens de wet en volgens een beleidsvariant, naast elkaar", cmd_vergelijk,
            "  regels vergelijk voorbeelden/varianten/statushouder_2016_gemeente.yaml\n"
            "  regels vergelijk voorbeelden/varianten/statushouder_2016_gemeente.yaml "
            "--variant afzien_terugvordering_alo_kop --json")
    p.add_argument("casus", type=Path, help=CASE_HELP)
    p.add_argument("--variant", metavar="NAAM", help="de naam van een variant in rules/varianten/ "
                                                     "(standaard: de variant die de casus noemt)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.add_argument("--taal", choices=["nl", "en"], default="nl", help=LANGUAGE_HELP)
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)

    p = add("impact", "een populatie volgens de wet en volgens een beleidsvariant: aantallen en bedragen per jaar",
            cmd_impact,
            "  regels impact populatie/populatie.csv --variant afzien_terugvordering_alo_kop\n"
            "  regels impact populatie/populatie.csv --variant afzien_terugvordering_alo_kop --json --voortgang")
    p.add_argument("populatie", type=Path, help="CSV of Parquet met één huishouden per rij, of een map met "
                                                "tabellen (zie docs/populatie.md)")
    p.add_argument("--variant", required=True, metavar="NAAM",
                   help="de beleidsvariant om met de wet te vergelijken (een bestand in rules/varianten/)")
    p.add_argument("--kolommen", type=Path, default=None, metavar="KOLOMMEN.yaml", help=COLUMNS_HELP)
    p.add_argument("--uitkomst", action="append", default=[], metavar="REGEL",
                   help="te vergelijken uitkomst (standaard: terug_te_betalen en kindgebonden_budget)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)
    p.add_argument("--voortgang", action="store_true", help=PROGRESS_HELP)

    p = add("batch", "reken een hele populatie door: één rij per huishouden met alle uitkomsten", cmd_batch,
            "  regels batch populatie/populatie.csv --uitvoer uitkomsten.csv\n"
            "  regels batch populatie/populatie.parquet --uitvoer uitkomsten.parquet --jaar 2021 --dask")
    p.add_argument("populatie", type=Path, help="CSV of Parquet met één huishouden per rij, of een map met "
                                                "huishoudens, personen en relaties (zie docs/populatie.md)")
    p.add_argument("--uitvoer", type=Path, required=True, metavar="BESTAND",
                   help="het uitvoerbestand (.csv of .parquet)")
    p.add_argument("--jaar", type=whole_number, metavar="JAAR",
                   help="het berekeningsjaar van elk huishouden (gaat voor de kolom)")
    p.add_argument("--variant", metavar="NAAM", help=VARIANT_HELP)
    p.add_argument("--uitkomsten", nargs="+", default=["kindgebonden_budget", "kindgebonden_budget_maand"],
                   metavar="REGEL", help="de uitkomsten (standaard kindgebonden_budget en kindgebonden_budget_maand)")
    p.add_argument("--kolommen", type=Path, default=None, metavar="KOLOMMEN.yaml", help=COLUMNS_HELP)
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)
    p.add_argument("--dask", action="store_true", help="reken deel voor deel met Dask (zie docs/populatie.md)")
    p.add_argument("--dask-scheduler", metavar="ADRES",
                   help="het adres van een dask.distributed-scheduler, bijvoorbeeld tcp://10.0.0.5:8786")
    p.add_argument("--delen", type=whole_number, default=None, metavar="N",
                   help="aantal delen voor Dask (standaard: naar grootte)")
    p.add_argument("--voortgang", action="store_true", help=PROGRESS_HELP)

    p = add("uitleg-rij", "leg één huishouden uit een populatie uit, met de volledige uitleg", cmd_uitleg_rij,
            "  regels uitleg-rij populatie/populatie.csv --rij 3\n"
            "  regels uitleg-rij populatie/populatie.csv --rij 3 --casus > huishouden_3.yaml")
    p.add_argument("populatie", type=Path, help="CSV of Parquet met één huishouden per rij, of een map met "
                                                "tabellen (zie docs/populatie.md)")
    p.add_argument("--rij", type=whole_number, required=True, metavar="N",
                   help="het rijnummer (1 is de eerste rij onder de kopregel)")
    p.add_argument("--jaar", type=whole_number, metavar="JAAR",
                   help="het berekeningsjaar van het huishouden (gaat voor de kolom)")
    p.add_argument("--variant", metavar="NAAM", help=VARIANT_HELP)
    p.add_argument("--taal", choices=["nl", "en"], default="nl", help=LANGUAGE_HELP)
    p.add_argument("--formaat", choices=["tekst", "markdown", "html"], default="tekst", help=FORMAT_HELP)
    p.add_argument("--kolommen", type=Path, default=None, metavar="KOLOMMEN.yaml", help=COLUMNS_HELP)
    p.add_argument("--casus", action="store_true", help="geef de casus (YAML) in plaats van de uitleg")
    p.add_argument("--volledig", action="store_true", help="geef ook de volledige afleiding, per artikel")
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)

    p = add("check", "laad en controleer alle regelbestanden", cmd_check,
            "  regels check\n"
            "  regels check rules/ --json --streng")
    p.add_argument("map", type=Path, nargs="?", default=None, help="map met regelbestanden (standaard rules/)")
    p.add_argument("--json", action="store_true", help="meldingen als JSON")
    p.add_argument("--streng", action="store_true", help="waarschuwingen tellen als fouten")
    p.add_argument("--regels", type=Path, help="map met regelbestanden (hetzelfde als MAP)")

    p = add("voorbeeld", "toon de voorbeeldcasussen, of de tekst van één ervan (ook na een installatie uit de wheel)",
            cmd_voorbeeld,
            "  regels voorbeeld\n"
            "  regels voorbeeld alleenstaande_ouder_2020 | regels uitleg -\n"
            "  regels voorbeeld statushouder_2016 --uitvoer mijn_casus.yaml")
    p.add_argument("naam", nargs="?", help="de naam van het voorbeeld (zonder .yaml); zonder naam de lijst")
    p.add_argument("--uitvoer", type=Path, metavar="BESTAND", help="schrijf de casus naar dit bestand")
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)

    p = add("docs", "genereer de documentatie onder docs/ uit rules/ en de voorbeelden", cmd_docs,
            "  regels docs\n"
            "  regels docs --root ../regels")
    p.add_argument("--root", type=Path, default=Path("."), metavar="MAP",
                   help="de map van het project (standaard: hier)")

    p = add("test", "voer casussen met verwachte uitkomsten uit", cmd_test,
            "  regels test\n"
            "  regels test tests/casussen/wkb --junit rapport.xml\n"
            "  regels test voorbeelden/alleenstaande_ouder_2020.yaml --json")
    p.add_argument("paden", type=Path, nargs="*", metavar="PAD",
                   help="casusbestanden of mappen (standaard tests/casussen); - leest één casus van de standaardinvoer")
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)
    p.add_argument("--json", action="store_true",
                   help="het verslag als JSON: per casus de uitkomst, de verschillen en de fouten")
    p.add_argument("--junit", type=Path, metavar="BESTAND",
                   help="schrijf ook een JUnit-XML-verslag (voor CI): één testgeval per verwachte waarde")

    p = add("serve", "bied de regels aan als HTTP-dienst, met een webpagina en API-documentatie op /docs", cmd_serve,
            "  regels serve\n"
            "  regels serve --port 8080 --tijdslimiet 30")
    p.add_argument("--host", default="127.0.0.1", help="het adres om op te luisteren (standaard 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="de poort (standaard 8000)")
    p.add_argument("--tijdslimiet", type=float, default=10.0, metavar="SECONDEN",
                   help="de tijd die één verzoek mag rekenen (standaard 10 seconden)")
    p.add_argument("--regels", type=Path, metavar="MAP", help=RULES_HELP)
    return parser


def _case_rule_sets(args) -> CheckedRuleSets:
    """The rule sets for the case on the command line: --regels, else the rules/
    nearest the case file (for a case on standard input, '-', the rules/ nearest
    the working directory)."""
    if is_stdin(args.casus):
        return CheckedRuleSets(args.regels if args.regels else rules_directory_for(None))
    require_regular_file(args.casus, "casusbestand")
    return CheckedRuleSets(args.regels if args.regels else rules_directory_for(args.casus))


def _case_and_rules(args):
    """The case file named on the command line and the rule set to evaluate it
    under: the law, or the law with --variant."""
    rule_sets = _case_rule_sets(args)
    if args.variant is not None:  # also '': not the same as no --variant
        require_variant_name(rule_sets.directory, args.variant)
    return read_case_file(args.casus, rule_sets, args.variant)


def cmd_bereken(args) -> int:
    from .api import carried_forward_values, defaulted_inputs, format_default

    rule_set, case = _case_and_rules(args)
    result = evaluate(rule_set, case, trace=args.json and not args.zonder_trace)
    if args.json:
        result.write_json(sys.stdout, trace=not args.zonder_trace)
        return EXIT_OK
    print(f"{case.title} — berekeningsjaar {case.year}")
    print(f"regelset {rule_set.name} {rule_set.version_label}")
    width = max([len(n) for n in list(result.values) + list(result.monthly)] + [10])
    for name, value in result.values.items():
        print(f"  {name:<{width}}  {v.format_value(value, result.rules[name].type)}")
    for name, months in result.monthly.items():
        type_ = result.rules[name].type
        print(f"  {name} (per maand):")
        for month, value in months.items():
            print(f"    {str(month):<16} {v.format_value(value, type_)}")
    for name, people in result.per_person.items():
        type_ = result.rules[name].type
        print(f"  {name} (per persoon):")
        for person, value in people.items():
            if isinstance(value, dict):
                for month, month_value in value.items():
                    print(f"    {person:<12} {str(month):<16} {v.format_value(month_value, type_)}")
            else:
                print(f"    {person:<12} {v.format_value(value, type_)}")
    if result.unconfirmed:
        print("  let op: deze uitkomsten rusten op waarden die niet in een bron zijn nagegaan (onbevestigd):")
        for parameter, entry, names in unconfirmed_values(result):
            print(f"    {parameter.name} {entry.raw} vanaf {entry.vanaf.isoformat()} ({entry.pos.file}:{entry.pos.line}), "
                  f"voor {', '.join(names)}")
    if result.carried_forward:
        print(f"  let op: de regelset heeft voor {case.year} niet voor elke parameter een nieuwe waarde; "
              "deze uitkomsten rusten op de laatste waarde uit een eerder jaar (doorgetrokken):")
        for parameter, entry, names in carried_forward_values(result):
            print(f"    {parameter.name} {entry.raw} vanaf {entry.vanaf.isoformat()} ({entry.pos.file}:{entry.pos.line}), "
                  f"doorgetrokken uit {entry.vanaf.year}, voor {', '.join(names)}")
    if result.defaulted:
        print("  let op: de casus geeft deze gegevens niet; de uitkomsten rusten op hun standaardwaarde "
              "uit de regelset (zie de omschrijving daar):")
        for inp, persons, names in defaulted_inputs(result):
            who = ", ".join(p if p is not None else "gegevens" for p in persons)
            print(f"    {inp.name} = {format_default(inp)} ({inp.pos.file}:{inp.pos.line}), "
                  f"{'van ' + who if persons != [None] else 'onder gegevens'}, voor {', '.join(names)}")
    return EXIT_OK


def cmd_uitleg(args) -> int:
    from .explain import render_explanation

    if args.uitvoer:
        require_output_path(args.uitvoer)  # before the work, not after
    rule_set, case = _case_and_rules(args)
    result = evaluate(rule_set, case, trace=True)
    text = render_explanation(result, language=args.taal, fmt=args.formaat,
                              why=args.waarom, why_not=args.waarom_niet, what_changes=args.wat_verandert,
                              full=args.volledig)
    if args.uitvoer:
        write_file(args.uitvoer, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_tijdlijn(args) -> int:
    from .timeline import timeline, timeline_json

    rule_set, case = _case_and_rules(args)
    result = timeline(rule_set, case, args.taal)
    # what the law grants on the true facts: the rule set's yearly outcomes ('uitkomst: ja')
    moments, skipped, truths = result.moments, result.skipped, result.truths
    if args.json:
        print(json.dumps(timeline_json(rule_set, case, result), ensure_ascii=False, indent=2))
        return EXIT_OK
    from .model import description_in

    year = "berekeningsjaar" if args.taal == "nl" else "calculation year"
    print(f"{description_in(case, args.taal, 'title')} — {year} {case.year}")
    for moment in moments:
        print(f"  {v.format_date(moment.day, args.taal):>18}  {moment.what}: {moment.value}"
              + (f"  ({moment.citation})" if moment.citation else ""))
        if moment.description:
            print(f"  {'':>18}    {moment.description}")
    english = args.taal == "en"
    for rule, value in truths:
        print(("  due by law (the true facts): " if english else "  volgens de wet verschuldigd (de werkelijke feiten): ")
              + f"{rule.name} {v.format_value(value, rule.type, args.taal)}")
    if result.never_known:
        print((f"  not known to the administration by {result.until.isoformat()}: " if english else
               f"  tot {v.format_date_nl(result.until)} niet bekend bij de Dienst Toeslagen: ")
              + "; ".join(result.never_known))
    if skipped:
        print(("  steps that do not occur in this case (it gives no date for them): " if english else
               "  stappen die in deze casus niet voorkomen (de casus geeft er geen datum voor): ")
              + "; ".join(f"{n} ({i})" for n, i in skipped.items()))
    return EXIT_OK


def cmd_vergelijk(args) -> int:
    from .compare import compare, compare_json

    rule_sets = _case_rule_sets(args)
    if args.variant is not None:
        require_variant_name(rule_sets.directory, args.variant)
    case, variant, rows = compare(rule_sets, args.casus, args.variant, args.taal)
    if args.json:
        print(json.dumps(compare_json(case, variant, rows), ensure_ascii=False, indent=2))
        return EXIT_OK
    from .model import description_in

    english = args.taal == "en"
    year, law, by = ("calculation year", "law", "by") if english else ("berekeningsjaar", "wet", "door")
    print(f"{description_in(case, args.taal, 'title')} — {year} {case.year}")
    print(f"variant: {description_in(variant, args.taal, 'titel') or variant.artikel}")
    if variant.interpretatie:
        print("  " + v.squash(description_in(variant, args.taal, "interpretatie")))
    if not rows:
        print("no difference between law and variant for this case" if english
              else "geen verschil tussen wet en variant voor deze casus")
        return EXIT_OK
    width = max(len(r.rule) for r in rows)
    print(f"\n  {'':<{width}}  {law:>22}  {'variant':>22}")
    for r in rows:
        print(f"  {r.rule:<{width}}  {r.law:>22}  {r.variant:>22}  ({r.citation})")
        for month, a, b in r.months:
            print(f"  {'':<{width}}    {month:<16} {a:>12} -> {b}")
        if r.note:
            print(f"  {'':<{width}}    {r.note}")
        for name, description in r.because:
            print(f"  {'':<{width}}    {by} {name}: {description}")
    return EXIT_OK


def _population_rules(args, load: bool = True):
    """The rule folder (--regels or the nearest rules/), its rule sets and (if `load`) the rule set
    of a population command."""
    if not args.populatie.exists():
        raise RegelsError(Diagnostic(Pos(str(args.populatie), 0, 0), "populatie niet gevonden",
                                     "geef een bestand met één huishouden per rij of een map met tabellen"))
    directory = args.regels if args.regels else rules_directory_for(args.populatie)
    rule_sets = CheckedRuleSets(directory)
    args.kolommen = column_mapping_for(directory, args.kolommen)  # beside its rules/, or the bundled one
    variant = getattr(args, "variant", None)
    return directory, rule_sets, rule_sets.get([variant] if variant else []) if load else None


def _progress(args, default: bool) -> bool | str:
    """The progress of a population command (runner.Progress): a bar on a terminal
    (unless `default` is False), with --voortgang also line by line in a log."""
    return "regels" if args.voortgang else default


def cmd_batch(args) -> int:
    from .columnar import runner

    require_output_path(args.uitvoer)  # before the work, not after
    directory, _, rule_set = _population_rules(args)
    if args.dask or args.dask_scheduler:
        from .columnar import verdeeld

        count, failed, seconds = verdeeld.run_batch(rule_set, directory, args.variant, args.populatie, args.uitvoer,
                                                    args.jaar, args.uitkomsten, args.kolommen,
                                                    scheduler=args.dask_scheduler, parts=args.delen,
                                                    progress=_progress(args, True))
    else:
        count, failed, seconds = runner.run_batch(rule_set, args.populatie, args.uitvoer, args.jaar, args.uitkomsten,
                                                  args.kolommen, progress=_progress(args, True))
    print(f"{args.uitvoer}: {v.format_count_nl(count)} huishoudens in {seconds:.1f} s "
          f"({v.format_count_nl(int(count / max(seconds, 1e-9)))} per seconde)"
          + (f", {v.format_count_nl(failed)} met een fout (zie de kolom 'fout')" if failed else ""), file=sys.stderr)
    return EXIT_OK


def cmd_uitleg_rij(args) -> int:
    from .api import case_from_text
    from .columnar import mapping, runner
    from .explain import render_explanation

    _, _, rule_set = _population_rules(args)
    tables = runner.read_population(args.populatie, rule_set, args.kolommen)
    runner.with_year(tables, args.jaar, args.populatie)
    count = len(tables.households["huishouden"])
    if not 1 <= args.rij <= count:
        raise RegelsError(Diagnostic(Pos("--rij", 0, 0), f"rij {args.rij} bestaat niet",
                                     f"de populatie heeft de rijen 1 tot en met {count}"))
    text = mapping.case_text(rule_set, tables, args.rij - 1)
    if args.casus:
        sys.stdout.write(text)
        return EXIT_OK
    case = case_from_text(text, rule_set, name=f"{args.populatie}, rij {args.rij}")
    result = evaluate(rule_set, case, trace=True)
    sys.stdout.write(render_explanation(result, language=args.taal, fmt=args.formaat, full=args.volledig))
    return EXIT_OK


def cmd_impact(args) -> int:
    from .population import impact

    directory, rule_sets, _ = _population_rules(args, load=False)
    require_variant_name(directory, args.variant)
    outcomes = args.uitkomst or ["terug_te_betalen", "kindgebonden_budget"]
    report = impact(rule_sets, args.populatie, args.variant, args.kolommen, outcomes,
                    progress=_progress(args, not args.json))
    if args.json:
        def amounts(entry):
            return {**entry, "wet": [v.cents_string(x) for x in entry["wet"]],
                    "variant": [v.cents_string(x) for x in entry["variant"]],
                    "verdeling": [{**band, "verschil": v.cents_string(band["verschil"])} for band in entry["verdeling"]]}

        print(json.dumps({**report, "per_jaar": {year: amounts(e) for year, e in report["per_jaar"].items()},
                          "uitkomsten": outcomes, "variant": args.variant}, ensure_ascii=False, indent=2))
        return EXIT_OK
    number = v.format_count_nl
    print(f"{number(report['rijen'])} huishoudens ({number(report['uniek'])} verschillend), "
          f"variant {args.variant}, doorgerekend in {report['seconden']:.0f} s")
    print("  jaar   huishoudens   geraakt" + "".join(f"  {o + ' (wet)':>26}  {o + ' (variant)':>30}" for o in outcomes))
    years = sorted(report["per_jaar"])
    for year in years:
        e = report["per_jaar"][year]
        cells = "".join(f"  {v.format_amount_nl(e['wet'][i]):>26}  {v.format_amount_nl(e['variant'][i]):>30}"
                        for i in range(len(outcomes)))
        print(f"  {year}  {number(e['huishoudens']):>11}  {number(e['geraakt']):>8}" + cells)
    if len(years) > 1:
        entries = list(report["per_jaar"].values())
        cells = "".join(f"  {v.format_amount_nl(sum(e['wet'][i] for e in entries)):>26}"
                        f"  {v.format_amount_nl(sum(e['variant'][i] for e in entries)):>30}" for i in range(len(outcomes)))
        print(f"  {'totaal':<6}{number(sum(e['huishoudens'] for e in entries)):>11}"
              f"  {number(sum(e['geraakt'] for e in entries)):>8}" + cells)
    if any(report["per_jaar"][y]["verdeling"] for y in years):
        print(f"\nverschil in {outcomes[0]} per geraakt huishouden (wet min variant):")
        for year in years:
            for band in report["per_jaar"][year]["verdeling"]:
                upper = f"€ {number(band['tot'])}" if band["tot"] is not None else "meer"
                print(f"  {year}  € {number(band['van'])} tot {upper}: {number(band['huishoudens'])} huishoudens, "
                      f"samen {v.format_amount_nl(band['verschil'])}")
    if report["problemen"]:
        failed = sum(e["fouten"] for e in report["per_jaar"].values())
        print(f"niet te berekenen: {number(failed)} huishouden{'s' if failed != 1 else ''} (eerste meldingen):")
        for problem in report["problemen"]:
            print("  " + problem.replace("\n", "\n  "))
    return EXIT_OK


def cmd_check(args) -> int:
    directory = rules_directory_for(None, args.map or args.regels)
    try:
        rule_sets = CheckedRuleSets(directory)
        rule_set = rule_sets.get()
    except RegelsError as exc:
        if args.json:
            print(json.dumps({"fouten": [d.to_json() for d in exc.diagnostics], "waarschuwingen": []},
                             ensure_ascii=False, indent=2))
            return EXIT_INPUT
        raise
    from .check import columnar_report

    warnings = list(rule_set.warnings)
    # the columnar backend must compute every rule too: what it refuses is an error
    errors, coverage = columnar_report(rule_set)
    coverage = {"wet": coverage}
    # each policy variant is checked as an overlay on the law: its own errors and warnings
    variants = variant_names(directory)
    known = {w.format() for w in rule_set.warnings}
    refused = {e.format() for e in errors}
    for name in variants:
        try:
            overlay = rule_sets.get([name])
        except RegelsError as exc:
            errors.extend(exc.diagnostics)
            continue
        warnings.extend(w for w in overlay.warnings if w.format() not in known)
        overlay_errors, coverage[name] = columnar_report(overlay)
        errors.extend(e for e in overlay_errors if e.format() not in refused)
        refused.update(e.format() for e in overlay_errors)
    if args.json:
        print(json.dumps({"fouten": [d.to_json() for d in errors], "waarschuwingen": [d.to_json() for d in warnings],
                          "regelset": rule_set.version, "varianten": variants,
                          "kolomsgewijs": {name: {"regels": total, "rekenbaar": done}
                                           for name, (done, total) in coverage.items()}},
                         ensure_ascii=False, indent=2))
        return EXIT_INPUT if errors else (EXIT_FAILED if args.streng and warnings else EXIT_OK)
    line = "kolomsgewijs rekenbaar (regels met hun uitzonderingen): " + ", ".join(f"{name} {done} van {total}"
                                                     for name, (done, total) in coverage.items())
    if errors:
        for warning in warnings:
            print(warning.format())
        print(line)
        raise RegelsError(errors)
    for warning in warnings:
        print(warning.format())
    counts = (len(rule_set.articles), sum(1 for _ in rule_set.rules()), sum(1 for _ in rule_set.parameters()))
    print(f"{directory}: {counts[0]} artikelen, {counts[1]} regels, {counts[2]} parameters, "
          f"{len(variants)} variant{'en' if len(variants) != 1 else ''}; "
          f"geen fouten, {len(warnings)} waarschuwing{'en' if len(warnings) != 1 else ''}")
    print(line)
    print(f"regelset {rule_set.name} {rule_set.version_label}")
    return EXIT_FAILED if args.streng and warnings else EXIT_OK


def cmd_voorbeeld(args) -> int:
    """The example cases beside the rule set in use, or those in the package: a first
    case to run, or to copy and edit, wherever regels is installed."""
    from .api import example_cases

    examples = example_cases(rules_directory_for(None, args.regels))
    if args.naam is None:
        for name, (title, _) in examples.items():
            print(f"{name:32} {title}")
        return EXIT_OK
    if args.naam not in examples:
        hint = suggest(args.naam, list(examples)) or ("de voorbeelden: " + ", ".join(examples))
        raise RegelsError(Diagnostic(Pos(args.naam, 0, 0), "geen voorbeeld met deze naam", hint))
    text = examples[args.naam][1].read_text(encoding="utf-8")
    if args.uitvoer:
        write_file(args.uitvoer, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_docs(args) -> int:
    from .docs import write_docs

    if not args.root.is_dir():
        raise RegelsError(Diagnostic(Pos(str(args.root), 0, 0), "map van het project niet gevonden",
                                     "geef met --root de map die rules/ en docs/ bevat"))
    written = write_docs(args.root)
    for path in written:
        print(f"geschreven: {path}")
    print(f"{len(written)} bestand(en) bijgewerkt; de rest was al actueel")
    return EXIT_OK


def find_case_files(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(case_files_in(path))
        else:
            files.append(path)
    return files


def cmd_test(args) -> int:
    from .casetest import CaseReport, junit_xml, report_json, summary_line

    if args.junit:
        require_output_path(args.junit)  # before the work, not after
    paths = args.paden or [Path("tests/casussen")]
    files = find_case_files(paths)
    if not files:
        raise RegelsError(Diagnostic(Pos(", ".join(map(str, paths)), 0, 0), "geen casussen gevonden",
                                     "geef casusbestanden (.yaml) of mappen met casussen"))
    first = next((f for f in files if not is_stdin(f)), None)
    rule_sets = CheckedRuleSets(args.regels if args.regels else rules_directory_for(first))
    reports = []
    for file in files:
        report = CaseReport(STDIN_NAME if is_stdin(file) else str(file))
        start = time.perf_counter()
        try:
            if not is_stdin(file):
                require_regular_file(file, "casusbestand")
            try:
                case, report.comparisons = compare_case_file(file, rule_sets)
                report.title = case.title
            except OSError as exc:  # e.g. a file this user may not read
                raise os_error(exc, file, "lezen") from None
        except RegelsError as exc:
            report.errors = exc.diagnostics
        report.seconds = time.perf_counter() - start
        reports.append(report)
        if not args.json:
            _print_case_report(report)
    counts = {status: sum(1 for r in reports if r.status == status) for status in ("goed", "mis", "fout")}
    if args.junit:
        write_file(args.junit, junit_xml(reports))
    if args.json:
        print(json.dumps(report_json(reports), ensure_ascii=False, indent=2))
    else:
        print(summary_line(counts))
    if counts["fout"]:
        return EXIT_INPUT
    return EXIT_FAILED if counts["mis"] else EXIT_OK


def _print_case_report(report) -> None:
    if report.status == "fout":
        print(f"FOUT  {report.file}")
        for diagnostic in report.errors:
            print("  " + diagnostic.format().replace("\n", "\n  "))
    elif report.status == "mis":
        print(f"MIS   {report.file}  ({report.title})")
        for comparison in report.comparisons:
            if not comparison.ok:
                print("  " + comparison.format().replace("\n", "\n  "))
    else:
        print(f"GOED  {report.file}")


def cmd_serve(args) -> int:
    try:
        from .serve import serve
    except ModuleNotFoundError as exc:
        if exc.name not in ("fastapi", "fastapi_offline", "starlette", "uvicorn"):
            raise
        print(f"regels serve heeft de extra onderdelen voor de dienst nodig ({exc.name} ontbreekt); "
              "installeer ze met: pip install 'regels[serve]'", file=sys.stderr)
        return EXIT_INPUT
    serve(CheckedRuleSets(args.regels or rules_directory_for(None)).directory, args.host, args.port, args.tijdslimiet)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
