"""YAML rule files -> RuleSet. Every key is checked, every formula parsed; all
problems of all files are reported together, each with file:line:column."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from fractions import Fraction
from pathlib import Path

from . import values as v
from .diagnostics import Collector, Pos, RegelsError, error, suggest
from .model import (SENTENCE_KEYS, Article, ArticleVersion, Channel, Input, Parameter, ParamValue, Relation, Rule,
                    RuleSet, RuleVersion, Sentences)
from .syntax import parse_formula
from .yamlpos import YList, YMap, YStr, load_yaml

MANIFEST = "regelset.yaml"
# Folders under rules/ that are not part of the law itself.
NOT_LAW = {"varianten", "casussen"}

ARTICLE_KEYS = {"wet", "afkorting", "bwb", "artikel", "titel", "titel_en", "versies", "interpretatie", "interpretatie_en",
                "parameters", "invoer", "relaties", "regels", "kanalen"}
VERSION_KEYS = {"geldig_vanaf", "geldig_tot", "publicatie", "publicatie_en", "url", "leden", "wijziging", "interpretatie"}
PARAMETER_KEYS = {"type", "sleutel", "omschrijving", "omschrijving_en", "eenheid", "lid", "waarden"}
VALUE_KEYS = {"waarde", "bron", "bron_en", "interpretatie", "andere_bronnen", "onbevestigd", "onbevestigd_en"}
INPUT_KEYS = {"type", "van", "tijdsafhankelijk", "omschrijving", "omschrijving_en", "standaard"}
RELATION_KEYS = {"tussen", "symmetrisch", "omschrijving", "omschrijving_en"}
RULE_KEYS = {"type", "per", "voor", "lid", "omschrijving", "omschrijving_en", "tekst", "interpretatie", "uitkomst", "tijdlijn",
             "formule", "indien", "uitzondering_op", "geldig_vanaf", "geldig_tot", "versies",
             "zinnen", "opbouw"}
SENTENCE_LANGUAGES = ("nl", "en")
SENTENCE_PARTS = ("zin", "post")
RULE_VERSION_KEYS = {"geldig_vanaf", "geldig_tot", "formule", "indien", "lid"}
CHANNEL_KEYS = {"naam", "naam_en", "lid", "omschrijving", "omschrijving_en", "voorwaarde", "standaard", "gegevens"}
CHANNEL_DEFAULTS = ("bij_ontstaan", "nooit")
MANIFEST_KEYS = {"naam", "versie", "omschrijving", "omschrijving_en"}
# Keywords and built-in names cannot name a parameter, input, relation or rule.
RESERVED = {
    "als", "dan", "anders", "er", "is", "een", "in", "waarvoor", "voor", "alle", "geldt", "aantal", "som",
    "van", "over", "of", "en", "niet", "minimaal", "maximaal", "afgerond", "naar", "beneden", "boven", "op",
    "hele", "centen", "waar", "onwaar", "zoals", "bekend", "waarbij",
    "berekeningsjaar", "maand", "maanden", "personen",
    "max", "min", "abs", "eerste_dag", "laatste_dag", "leeftijd", "datum", "jaar", "vorige_maand",
    "volgende_maand", "begin", "maanden_later", "dagen", "opgegeven",
}


def display_path(path: Path) -> str:
    """A path as the user typed it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def rule_files(directory: Path) -> list[Path]:
    files = []
    for path in sorted(directory.rglob("*.yaml")):
        rel = path.relative_to(directory)
        if rel.parts[0] in NOT_LAW or rel.name == MANIFEST:
            continue
        files.append(path)
    return files


def content_hash(directory: Path) -> str:
    """sha256 over every YAML file under rules/ (names and bytes), so a result
    records exactly which rule texts produced it."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*.yaml")):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


def load_rule_set(directory, files: list[Path] | None = None) -> RuleSet:
    """Load (but do not check) every rule file under `directory`."""
    directory = Path(directory)
    problems = Collector()
    if not directory.is_dir():
        raise error(Pos(display_path(directory), 0, 0), "map met regels niet gevonden",
                    "geef de map met regelbestanden op, bijvoorbeeld: regels check rules/")
    name, release = directory.name, "ontwikkel"
    manifest_path = directory / MANIFEST
    if manifest_path.exists():
        try:
            manifest = load_yaml(manifest_path, display_path(manifest_path))
            reader = _Reader(problems)
            reader.keys(manifest, MANIFEST_KEYS, "het regelset-bestand")
            reader.english(manifest, "omschrijving", "het regelset-bestand")
            name = str(manifest.get("naam", name))
            release = str(manifest.get("versie", release))
        except RegelsError as exc:
            problems.add(exc)
    articles = []
    for path in files if files is not None else rule_files(directory):
        try:
            articles.append(load_article(path, problems.items))
        except RegelsError as exc:
            problems.add(exc)
    problems.raise_if_errors()
    rule_set = RuleSet(str(directory), name, release, content_hash(directory), articles)
    for article in articles:
        for group in (article.parameters, article.inputs, article.relations, article.rules):
            for item_name, item in group.items():
                rule_set.definitions.setdefault(item_name, []).append(item)
    rule_set.warnings.extend(problems.warnings)
    return rule_set


def load_article(path: Path, warnings: list | None = None) -> Article:
    """One rule file; its warnings (as a missing English description) are added to `warnings`."""
    data = load_yaml(path, display_path(path))
    problems = Collector()
    reader = _Reader(problems)
    if not isinstance(data, YMap):
        raise error(Pos(display_path(path), 1, 1), "een regelbestand is een tabel met sleutels als 'wet:' en 'artikel:'")
    reader.keys(data, ARTICLE_KEYS, "een regelbestand")
    for required in ("wet", "bwb", "artikel", "versies"):
        if required not in data:
            problems.error(data.pos, f"verplichte sleutel '{required}' ontbreekt",
                           "zie docs/regelformaat.md voor de opbouw van een regelbestand")
    problems.raise_if_errors()
    article = Article(
        file=data.pos.file,
        wet=reader.text(data, "wet"),
        afkorting=reader.text(data, "afkorting", required=False) or reader.text(data, "wet"),
        bwb=reader.text(data, "bwb"),
        artikel=reader.text(data, "artikel"),
        titel=reader.text(data, "titel", required=False),
        titel_en=reader.english(data, "titel", "het artikel"),
        interpretatie=reader.text(data, "interpretatie", required=False),
        # shown in English where the reader sees it (a variant's note in `regels vergelijk`); no
        # warning where it is missing, since most interpretations are for the legal specialist
        interpretatie_en=reader.text(data, "interpretatie_en", required=False),
        versions=[],
        pos=data.pos,
    )
    article.versions = reader.article_versions(data)
    for item_name, spec in reader.section(data, "parameters"):
        article.parameters[item_name] = reader.parameter(article, item_name, spec, data["parameters"].key_pos_of(item_name))
    for item_name, spec in reader.section(data, "invoer"):
        article.inputs[item_name] = reader.input(article, item_name, spec, data["invoer"].key_pos_of(item_name))
    for item_name, spec in reader.section(data, "relaties"):
        article.relations[item_name] = reader.relation(article, item_name, spec, data["relaties"].key_pos_of(item_name))
    for item_name, spec in reader.section(data, "regels"):
        rule = reader.rule(article, item_name, spec, data["regels"].key_pos_of(item_name))
        if rule is not None:
            article.rules[item_name] = rule
    for item_name, spec in reader.section(data, "kanalen"):
        article.channels[item_name] = reader.channel(article, item_name, spec, data["kanalen"].key_pos_of(item_name))
    # One name, one meaning within an article.
    seen: dict[str, str] = {}
    for kind, group in (("parameter", article.parameters), ("invoer", article.inputs),
                        ("relatie", article.relations), ("regel", article.rules)):
        for item_name, item in group.items():
            if item_name in seen:
                problems.error(item.pos, f"'{item_name}' is in dit artikel al een {seen[item_name]}",
                               "geef elke parameter, invoer, relatie en regel een eigen naam")
            seen[item_name] = kind
    problems.raise_if_errors()
    if warnings is not None:
        warnings.extend(problems.warnings)
    return article


class _Reader:
    """Reads the parts of a rule file, reporting problems at their position."""

    def __init__(self, problems: Collector):
        self.problems = problems

    def keys(self, data: YMap, allowed: set[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                hint = suggest(str(key), allowed) or "toegestaan: " + ", ".join(sorted(allowed))
                if re.match(r"^\d[\d.]*%?$", str(key)):
                    hint = ("in een tabel tussen { } scheidt een komma de sleutels: zet een waarde met een "
                            "decimale komma tussen aanhalingstekens, bijvoorbeeld {waarde: \"6,75%\", bron: ...}")
                self.problems.error(data.key_pos_of(key), f"onbekende sleutel '{key}' in {what}", hint)

    def text(self, data: YMap, key: str, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problems.error(data.pos, f"verplichte sleutel '{key}' ontbreekt")
            return None
        if isinstance(value, (YMap, YList)):
            self.problems.error(data.pos_of(key), f"'{key}' moet een tekst zijn")
            return None
        return data.raw_of(key)  # as written: 'ja' stays 'ja', '3.2' stays '3.2'

    def english(self, data: YMap, key: str, what: str) -> str | None:
        """The English twin of a Dutch text (omschrijving -> omschrijving_en), read
        by model.description_in; a Dutch text without one is a warning, so that an
        explanation in English has no Dutch sentence left but the law's own text."""
        english = self.text(data, f"{key}_en", False)
        if english is None and data.get(key) is not None:
            self.problems.warn(data.key_pos_of(key), f"'{key}' van {what} heeft geen Engelse tekst",
                               f"zet er '{key}_en:' naast, met dezelfde tekst in het Engels; "
                               "de uitleg in het Engels (--taal en) toont anders de Nederlandse")
        return english

    def date(self, data: YMap, key: str, required: bool = True) -> dt.date | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problems.error(data.pos, f"verplichte sleutel '{key}' ontbreekt", "schrijf een datum als 2020-01-01")
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return v.parse_date_nl(value)
            except ValueError:
                pass
        self.problems.error(data.pos_of(key), f"'{value}' is geen datum", "schrijf een datum als 2020-01-01")
        return None

    def mapping(self, data: YMap, key: str, what: str) -> YMap | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, YMap):
            self.problems.error(data.pos_of(key), f"'{key}' moet een tabel van {what} zijn")
            return None
        return value

    def section(self, data: YMap, key: str):
        section = self.mapping(data, key, key)
        if not section:
            return []
        items = []
        for item_name, spec in section.items():
            if not _is_name(item_name):
                self.problems.error(section.key_pos_of(item_name), f"'{item_name}' is geen geldige naam",
                                    "een naam begint met een letter en bevat letters, cijfers en '_'")
                continue
            if not isinstance(spec, YMap):
                self.problems.error(section.pos_of(item_name), f"'{item_name}' moet een tabel met sleutels zijn")
                continue
            if str(item_name) in RESERVED:
                self.problems.error(section.key_pos_of(item_name), f"'{item_name}' is een woord van de taal zelf",
                                    "kies een andere naam, bijvoorbeeld met een woord ervoor: aantal_kinderen")
                continue
            items.append((str(item_name), spec))
        return items

    def type(self, spec: YMap, name: str) -> v.Type:
        raw = spec.get("type")
        if raw is None:
            self.problems.error(spec.pos, f"'{name}' heeft geen 'type'", "bijvoorbeeld: type: bedrag")
            return v.ANY
        parsed = v.parse_type(str(raw))
        if parsed is None:
            self.problems.error(spec.pos_of("type"), f"onbekend type '{raw}'",
                                suggest(str(raw), v.TYPE_NAMES) or "typen: " + ", ".join(v.TYPE_NAMES))
            return v.ANY
        return parsed

    def flag(self, spec: YMap, key: str) -> bool:
        value = spec.get(key, False)
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("ja", "waar"):
            return True
        if str(value).lower() in ("nee", "onwaar"):
            return False
        self.problems.error(spec.pos_of(key), f"'{key}' is ja of nee, niet '{value}'")
        return False

    def article_versions(self, data: YMap) -> list[ArticleVersion]:
        raw = data.get("versies")
        if not isinstance(raw, YList) or not raw:
            self.problems.error(data.pos_of("versies"), "'versies' moet een lijst van ten minste één versie zijn",
                                "elke versie heeft geldig_vanaf, publicatie en de tekst van de leden")
            return []
        versions = []
        for item, pos in zip(raw, raw.item_pos):
            if not isinstance(item, YMap):
                self.problems.error(pos, "een versie is een tabel met geldig_vanaf, publicatie en leden")
                continue
            self.keys(item, VERSION_KEYS, "een versie")
            leden_raw = self.mapping(item, "leden", "leden (lid: tekst)") or {}
            # 'null' marks a lid that no longer exists in this version
            leden = {str(k): (str(t) if t is not None else None) for k, t in leden_raw.items()}
            start = self.date(item, "geldig_vanaf")
            end = self.date(item, "geldig_tot", required=False)
            self.period(item, start, end)
            versions.append(ArticleVersion(
                geldig_vanaf=start or dt.date.min,
                geldig_tot=end,
                publicatie=self.text(item, "publicatie", required=False),
                publicatie_en=self.text(item, "publicatie_en", required=False),  # often a citation: no warning
                url=self.text(item, "url", required=False),
                leden=leden,
                wijziging=self.text(item, "wijziging", required=False),
                interpretatie=self.text(item, "interpretatie", required=False),
                pos=item.pos,
            ))
        versions.sort(key=lambda ver: ver.geldig_vanaf)
        # A version names the leden that changed; the others read as in the
        # version before it, the way an amending act changes a law.
        for prev, nxt in zip(versions, versions[1:]):
            nxt.leden = {**prev.leden, **nxt.leden}
        for version in versions:
            version.leden = {lid: text for lid, text in version.leden.items() if text is not None}
        return versions

    def period(self, item: YMap, start: dt.date | None, end: dt.date | None) -> None:
        """A version ends after it starts: 'geldig_tot' is the first day it no longer holds."""
        if start is not None and end is not None and end <= start:
            self.problems.error(item.pos_of("geldig_tot"),
                                f"'geldig_tot' ({end.isoformat()}) ligt niet na 'geldig_vanaf' ({start.isoformat()})",
                                "'geldig_tot' is de eerste dag waarop de versie niet meer geldt; laat het weg als "
                                "de versie geldt tot de volgende ingaat")

    def parameter(self, article: Article, name: str, spec: YMap, pos: Pos) -> Parameter:
        self.keys(spec, PARAMETER_KEYS, f"parameter '{name}'")
        type_ = self.type(spec, name)
        key_type = None
        if "sleutel" in spec:
            key_type = v.parse_type(str(spec["sleutel"]))
            if key_type not in (v.TEKST, v.GEHEEL, v.JAAR):
                self.problems.error(spec.pos_of("sleutel"), f"'sleutel: {spec['sleutel']}' wordt niet ondersteund",
                                    "een tabel heeft als sleutel tekst (zoals een landcode) of een geheel getal")
                key_type = v.TEKST
        values = []
        raw_values = spec.get("waarden")
        if not isinstance(raw_values, YMap) or not raw_values:
            self.problems.error(spec.pos_of("waarden") if "waarden" in spec else spec.pos,
                                f"parameter '{name}' heeft geen 'waarden'",
                                "waarden per ingangsdatum, bijvoorbeeld:  2020-01-01: {waarde: € 3.050, bron: ...}")
        else:
            for start, entry in raw_values.items():
                entry_pos = raw_values.pos_of(start)
                key_pos = raw_values.key_pos_of(start)
                if not isinstance(start, dt.date):
                    self.problems.error(key_pos, f"'{start}' is geen ingangsdatum", "schrijf de datum als 2020-01-01")
                    continue
                if not isinstance(entry, YMap):
                    entry = _as_map({"waarde": entry}, entry_pos)
                self.keys(entry, VALUE_KEYS, "een parameterwaarde")
                if "waarde" not in entry:
                    self.problems.error(entry.pos, "'waarde' ontbreekt")
                    continue
                try:
                    if key_type is not None:
                        value = self.table(entry["waarde"], key_type, type_, entry.pos_of("waarde"))
                    else:
                        value = coerce_value(entry["waarde"], type_, entry.pos_of("waarde"), _raw(entry, "waarde"))
                except RegelsError as exc:
                    self.problems.add(exc)
                    continue
                others = entry.get("andere_bronnen") or []
                values.append(ParamValue(
                    vanaf=start, value=value, raw=str(entry["waarde"]),
                    bron=self.text(entry, "bron", required=False),
                    interpretatie=self.text(entry, "interpretatie", required=False),
                    andere_bronnen=[dict(o) for o in others if isinstance(o, dict)],
                    pos=key_pos,
                    onbevestigd=self.text(entry, "onbevestigd", required=False),
                    bron_en=self.text(entry, "bron_en", required=False),
                    onbevestigd_en=self.english(entry, "onbevestigd", f"een waarde van '{name}'"),
                ))
        values.sort(key=lambda pv: pv.vanaf)
        lid, lid_changes = self.parameter_lid(spec, name)
        return Parameter(name, article, type_, self.text(spec, "omschrijving", False),
                         self.text(spec, "eenheid", False), lid, values, pos, key_type,
                         omschrijving_en=self.english(spec, "omschrijving", f"parameter '{name}'"),
                         lid_changes=lid_changes)

    def parameter_lid(self, spec: YMap, name: str) -> tuple[str | None, list[tuple[dt.date, str]]]:
        """'lid: "6"', or, when the law renumbers its leden, the lid per date it
        applies from: 'lid: {2015-01-01: "11", 2020-01-01: "12"}'. Returns the
        newest lid and the changes (empty for the plain form)."""
        raw = spec.get("lid")
        if not isinstance(raw, YMap):
            if isinstance(raw, YList):
                self.problems.error(spec.pos_of("lid"), f"'lid' van parameter '{name}' moet een tekst of een tabel van datum: lid zijn",
                                    'bijvoorbeeld: lid: "12", of lid: {2015-01-01: "11", 2020-01-01: "12"}')
                return None, []
            return self.text(spec, "lid", False), []
        if not raw:
            self.problems.error(spec.pos_of("lid"), f"'lid' van parameter '{name}' is een lege tabel",
                                'schrijf lid: "12", of lid: {2015-01-01: "11", 2020-01-01: "12"}')
            return None, []
        changes = []
        for start, lid in raw.items():
            if not isinstance(start, dt.date):
                self.problems.error(raw.key_pos_of(start), f"'{start}' in 'lid' van parameter '{name}' is geen ingangsdatum",
                                    'schrijf de datum waarop het lid geldt als 2020-01-01: lid: {2015-01-01: "11", 2020-01-01: "12"}')
                continue
            if lid is None or isinstance(lid, (YMap, YList)) or not str(raw.raw_of(start)).strip():
                self.problems.error(raw.pos_of(start), f"het lid vanaf {start} van parameter '{name}' moet een tekst zijn",
                                    'zoals het in de wet staat: "11", "2a"')
                continue
            changes.append((start, raw.raw_of(start)))
        changes.sort()
        return (changes[-1][1] if changes else None), changes

    def table(self, raw, key_type: v.Type, type_: v.Type, pos: Pos) -> dict:
        if not isinstance(raw, YMap) or not raw:
            raise error(pos, "de waarde van een tabel is een tabel van sleutel: waarde",
                        'bijvoorbeeld: waarde: {MA: "60%", TR: "60%"}')
        return {coerce_value(key, key_type, raw.key_pos_of(key), str(key)):
                coerce_value(value, type_, raw.pos_of(key), raw.raw_of(key)) for key, value in raw.items()}

    def input(self, article: Article, name: str, spec: YMap, pos: Pos) -> Input:
        self.keys(spec, INPUT_KEYS, f"invoer '{name}'")
        type_ = self.type(spec, name)
        of = spec.get("van")
        if of is not None and str(of) != "persoon":
            self.problems.error(spec.pos_of("van"), f"'van: {of}' wordt niet ondersteund",
                                "een invoer is een gegeven van de casus, of met 'van: persoon' een kenmerk van een persoon")
        default, has_default = None, "standaard" in spec
        if has_default:
            try:
                default = coerce_value(spec["standaard"], type_, spec.pos_of("standaard"), _raw(spec, "standaard"))
            except RegelsError as exc:
                self.problems.add(exc)
        return Input(name, article, type_, of is not None, self.flag(spec, "tijdsafhankelijk"),
                     self.text(spec, "omschrijving", False), default, has_default, pos,
                     omschrijving_en=self.english(spec, "omschrijving", f"invoer '{name}'"))

    def relation(self, article: Article, name: str, spec: YMap, pos: Pos) -> Relation:
        self.keys(spec, RELATION_KEYS, f"relatie '{name}'")
        roles = spec.get("tussen")
        if not (isinstance(roles, YList) and len(roles) == 2 and all(_is_name(r) for r in roles)):
            self.problems.error(spec.pos_of("tussen") if "tussen" in spec else spec.pos,
                                f"relatie '{name}' heeft 'tussen: [rol, rol]' nodig", "bijvoorbeeld: tussen: [ouder, kind]")
            roles = ["eerste", "tweede"]
        return Relation(name, article, (str(roles[0]), str(roles[1])), self.flag(spec, "symmetrisch"),
                        self.text(spec, "omschrijving", False), pos,
                        omschrijving_en=self.english(spec, "omschrijving", f"relatie '{name}'"))

    def channel(self, article: Article, name: str, spec: YMap, pos: Pos) -> Channel:
        """A channel through which facts reach the administration ('kanalen:')."""
        self.keys(spec, CHANNEL_KEYS, f"kanaal '{name}'")
        default = str(spec.get("standaard", "nooit"))
        if default not in CHANNEL_DEFAULTS:
            self.problems.error(spec.pos_of("standaard"), f"'standaard: {default}' wordt niet ondersteund bij een kanaal",
                                suggest(default, CHANNEL_DEFAULTS) or
                                "bij_ontstaan (het kanaal heeft een gegeven vanaf het ontstaan) of nooit "
                                "(alleen als de casus zegt wanneer)")
            default = "nooit"
        raw = spec.get("gegevens")
        facts, explicit, where = None, [], {}
        if isinstance(raw, YList):
            for item, item_pos in zip(raw, raw.item_pos):
                if str(item) == "alle":
                    continue
                if not _is_name(item):
                    self.problems.error(item_pos, f"'{item}' is geen naam van een gegeven of relatie")
                    continue
                explicit.append(str(item))
                where[str(item)] = item_pos
            facts = None if any(str(i) == "alle" for i in raw) else frozenset(explicit)
        elif raw is not None and str(raw) == "alle":
            facts = None
        else:
            self.problems.error(spec.pos_of("gegevens") if "gegevens" in spec else spec.pos,
                                f"kanaal '{name}' noemt geen 'gegevens'",
                                "een lijst van invoer en relaties, bijvoorbeeld: gegevens: [woonadres, huwelijk]; "
                                "of: gegevens: alle")
            facts = frozenset()
        condition = spec.get("voorwaarde")
        return Channel(name, article, self.text(spec, "naam", False) or name, self.text(spec, "lid", False),
                       self.text(spec, "omschrijving", False), str(condition) if condition is not None else None,
                       default, facts, frozenset(explicit), pos,
                       spec.pos_of("voorwaarde") if condition is not None else None, where,
                       omschrijving_en=self.english(spec, "omschrijving", f"kanaal '{name}'"),
                       naam_en=self.english(spec, "naam", f"kanaal '{name}'"))

    def rule(self, article: Article, name: str, spec: YMap, pos: Pos) -> Rule | None:
        self.keys(spec, RULE_KEYS, f"regel '{name}'")
        exception_of = spec.get("uitzondering_op")
        type_ = self.type(spec, name) if exception_of is None or "type" in spec else v.ANY
        per = str(spec.get("per", "jaar"))
        if per not in ("jaar", "maand"):
            self.problems.error(spec.pos_of("per"), f"'per: {per}' wordt niet ondersteund", "kies 'per: jaar' of 'per: maand'")
            per = "jaar"
        voor = spec.get("voor")
        if voor is not None and str(voor) in RESERVED:
            self.problems.error(spec.pos_of("voor"), f"'{voor}' is een woord van de taal zelf", "bijvoorbeeld: voor: kind")
            voor = None
        if voor is not None and not _is_name(voor):
            self.problems.error(spec.pos_of("voor"), f"'voor: {voor}' is geen naam",
                                "'voor' noemt de persoon waarvoor de regel geldt, bijvoorbeeld: voor: kind")
            voor = None
        versions = []
        if "versies" in spec:
            for key in ("formule", "indien", "geldig_vanaf", "geldig_tot"):
                if key in spec:
                    self.problems.error(spec.key_pos_of(key), f"regel '{name}' heeft zowel '{key}' als 'versies'",
                                        f"zet '{key}' in elke versie")
            raw = spec["versies"]
            if not isinstance(raw, YList) or not raw:
                self.problems.error(spec.pos_of("versies"), "'versies' moet een lijst van versies zijn")
            else:
                for item, item_pos in zip(raw, raw.item_pos):
                    if not isinstance(item, YMap):
                        self.problems.error(item_pos, "een versie van een regel is een tabel met geldig_vanaf en formule")
                        continue
                    self.keys(item, RULE_VERSION_KEYS, "een versie van een regel")
                    version = self.rule_version(item, article, exception_of is not None, spec)
                    if version:
                        versions.append(version)
        elif "formule" in spec:
            version = self.rule_version(spec, article, exception_of is not None, spec)
            if version:
                versions.append(version)
        else:
            self.problems.error(pos, f"regel '{name}' heeft geen 'formule'",
                                "schrijf een formule, of versies met elk een formule")
        versions.sort(key=lambda ver: ver.geldig_vanaf)
        return Rule(
            name=name, article=article, type=type_, per=per, voor=str(voor) if voor else None,
            lid=self.text(spec, "lid", False), omschrijving=self.text(spec, "omschrijving", False),
            omschrijving_en=self.english(spec, "omschrijving", f"regel '{name}'"),
            tekst=self.text(spec, "tekst", False), interpretatie=self.text(spec, "interpretatie", False),
            uitkomst=self.flag(spec, "uitkomst"),
            timeline=self.timeline_mark(spec),
            sentences=self.sentences(spec), breakdown=self.flag(spec, "opbouw"),
            exception_of=str(exception_of) if exception_of is not None else None,
            exception_pos=spec.pos_of("uitzondering_op") if exception_of is not None else None,
            versions=versions, pos=pos,
        )

    def sentences(self, spec: YMap) -> Sentences | None:
        """'zinnen:': per language a sentence (or 'zin' and 'post'); each a template, a list
        of templates, or a table by value (waar, onwaar, nul, anders)."""
        raw = spec.get("zinnen")
        if raw is None:
            return None
        example = "bijvoorbeeld: zinnen: {nl: {waar: ..., onwaar: ...}, en: {waar: ..., onwaar: ...}}"
        if not isinstance(raw, YMap):
            self.problems.error(spec.pos_of("zinnen"), "'zinnen' is een tabel per taal (nl, en)", example)
            return None
        self.keys(raw, set(SENTENCE_LANGUAGES), "'zinnen'")
        texts = {}
        for lang in SENTENCE_LANGUAGES:
            entry = raw.get(lang)
            if entry is None:
                continue
            where = raw.pos_of(lang)
            if isinstance(entry, YMap) and any(k in entry for k in SENTENCE_PARTS):
                self.keys(entry, set(SENTENCE_PARTS), f"'zinnen: {lang}'")
                parts = {part: self.sentence_text(entry.get(part), entry.pos_of(part))
                         for part in SENTENCE_PARTS if part in entry}
            else:
                parts = {"zin": self.sentence_text(entry, where)}
            texts[lang] = {part: by_key for part, by_key in parts.items() if by_key is not None}
        return Sentences(texts, spec.pos_of("zinnen"))

    def sentence_text(self, raw, pos: Pos) -> dict | None:
        """A template, a list of them, or a table by value -> {key: [template, ...]}."""
        def templates(value, where) -> list[str] | None:
            items = list(value) if isinstance(value, YList) else [value]
            if all(isinstance(i, (str, int, float)) and not isinstance(i, bool) for i in items):
                return [str(i) for i in items if str(i).strip()]
            self.problems.error(where, "een zin is een tekst of een lijst van teksten",
                                "zet een tekst met een dubbele punt tussen aanhalingstekens")
            return None

        if isinstance(raw, YMap):
            self.keys(raw, set(SENTENCE_KEYS), "een zin per waarde")
            found = {}
            for key in SENTENCE_KEYS:
                if key in raw:
                    value = templates(raw.get(key) if raw.get(key) is not None else "", raw.pos_of(key))
                    if value is not None:
                        found[key] = value
            return found
        value = templates(raw if raw is not None else "", pos)
        return {"anders": value} if value is not None else None

    def timeline_mark(self, spec: YMap) -> str | None:
        """'tijdlijn: ja' for a date rule (the date itself is a moment on the timeline),
        or the name of the date at which an amount or decision falls."""
        raw = spec.get("tijdlijn")
        if raw is None or raw is False:
            return None
        if raw is True or str(raw).lower() in ("ja", "waar"):
            return "ja"
        if not _is_name(raw):
            self.problems.error(spec.pos_of("tijdlijn"), f"'tijdlijn: {raw}' is geen naam",
                                "schrijf 'tijdlijn: ja' bij een datum, of de naam van de datum waarop dit valt")
            return None
        return str(raw)

    def rule_version(self, item: YMap, article: Article, is_exception: bool, rule_spec: YMap) -> RuleVersion | None:
        start = self.date(item, "geldig_vanaf", required=False)
        if start is None:
            start = article.versions[0].geldig_vanaf if article.versions else dt.date.min
        end = self.date(item, "geldig_tot", required=False)
        self.period(item, start, end)
        formula_text = item.get("formule")
        if formula_text is None:
            self.problems.error(item.pos, "'formule' ontbreekt")
            return None
        condition_text = item.get("indien")
        try:
            formula_text = _formula_string(formula_text, item.pos_of("formule"), item.raw_of("formule"))
            if condition_text is not None:
                condition_text = _formula_string(condition_text, item.pos_of("indien"), item.raw_of("indien"))
        except RegelsError as exc:
            self.problems.add(exc)
            return None
        if is_exception and condition_text is None:
            self.problems.error(item.pos, "een uitzondering heeft 'indien:' nodig",
                                "'indien' zegt wanneer de uitzondering geldt")
        if condition_text is not None and not is_exception:
            self.problems.error(item.key_pos_of("indien"), "'indien' hoort bij een uitzondering",
                                "noem met 'uitzondering_op:' de regel waarop dit een uitzondering is, "
                                "of schrijf 'als ... dan ... anders' in de formule")
        formula = condition = None
        try:
            _check_numbers(formula_text)
            if condition_text is not None:
                _check_numbers(condition_text)
            formula = parse_formula(formula_text)
            if condition_text is not None:
                condition = parse_formula(condition_text)
        except RegelsError as exc:
            self.problems.add(exc)
        if formula is None:
            return None
        lid = self.text(item, "lid", False) if item is not rule_spec else None
        return RuleVersion(start, end, str(formula_text), formula,
                           str(condition_text) if condition_text is not None else None, condition, lid, item.pos)


# The numbers in a formula as the grammar reads them (grammar.lark: _NUM, AMOUNT),
# and English notation after a comma ('1,234.56'), skipping text in quotes,
# comments and names.
_NUM = r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+(?:\.\d+)*)?"
_FORMULA_NUMBERS = re.compile(rf'"[^"\n]*"|#[^\n]*|(?P<amount>(?:€|EUR)[ \t\u00a0]*{_NUM})|[^\W\d]\w*|(?P<number>{_NUM})')


def _check_numbers(formula) -> None:
    """The rules for writing numbers (values.parse_number_nl) hold in formulas
    too: digits other than 0-9, more than MAX_DIGITS digits, '0.750' and, in an
    amount, '€ 35,000' are located errors before the formula is parsed. Other
    malformed numbers are left to the grammar, whose messages say more."""
    for match in _FORMULA_NUMBERS.finditer(formula):
        try:
            if match["amount"]:
                v.parse_amount_nl(match["amount"])
            elif match["number"]:
                v.parse_number_nl(match["number"])
        except v.NumberError as exc:
            raise error(formula.pos_at(match.start()), exc.message, exc.hint) from None
        except ValueError:
            pass


def _formula_string(value, pos: Pos, raw_text: str | None = None):
    """A formula as text that knows its place in the file. A formula YAML read
    as a number or boolean ('3.050', 'yes') is taken as it was written."""
    if isinstance(value, YStr):
        return value
    if isinstance(value, (YMap, YList)):
        what = "lijst" if isinstance(value, YList) else "tabel"
        raise error(pos, f"de formule is geen tekst: YAML leest hier een {what}",
                    "een formule die met '[' of '{' begint of ': ' bevat, zet u tussen aanhalingstekens "
                    "of in een blok: formule: |")
    text = raw_text if raw_text is not None else str(value)
    return _PlainFormula(text, pos)


class _PlainFormula(str):
    """A formula that YAML read as a number: positions count from its start."""

    def __new__(cls, text, pos):
        obj = super().__new__(cls, text)
        obj.pos = pos
        return obj

    def pos_at(self, offset: int) -> Pos:
        return Pos(self.pos.file, self.pos.line, self.pos.column + offset)


def _as_map(data: dict, pos: Pos) -> YMap:
    result = YMap(data)
    result.pos, result.key_pos, result.value_pos, result.raw = pos, {}, {k: pos for k in data}, {}
    return result


def _raw(data, key) -> str | None:
    return data.raw_of(key) if isinstance(data, YMap) else None


def _is_name(value) -> bool:
    text = str(value)
    return bool(text) and (text[0].isalpha() or text[0] == "_") and all(c.isalnum() or c == "_" for c in text)


# --- values written in rule files and case files -----------------------------

_TRUE = {"ja", "waar", "true"}
_FALSE = {"nee", "onwaar", "false"}


def coerce_value(raw, type_: v.Type, pos: Pos, text: str | None = None):
    """A value from YAML, read as the declared type, or a clear error. `text`
    is the value as written, for the message (YAML may have read 6.75 as a number)."""
    name = type_.name
    try:
        if name == "lijst":
            if not isinstance(raw, list):
                raise ValueError
            positions = getattr(raw, "item_pos", [pos] * len(raw))
            texts = getattr(raw, "item_raw", [None] * len(raw))
            return tuple(coerce_value(item, type_.elem, positions[i], texts[i]) for i, item in enumerate(raw))
        # YAML leaves every number but a plain whole one as text (yamlpos), so
        # '35.000' arrives here as written and is read the Dutch way.
        if name in ("bedrag", "getal"):
            if isinstance(raw, bool) or not isinstance(raw, (int, Fraction, str)):
                raise ValueError
            if isinstance(raw, (int, Fraction)):
                return Fraction(raw)
            written = raw.strip()
            if name == "bedrag" and written.lstrip("-").lstrip().startswith(("€", "EUR")):
                return v.parse_amount_nl(written)
            return v.parse_number_nl(written, amount=name == "bedrag")
        if name == "percentage":
            if isinstance(raw, str) and raw.strip().endswith("%"):
                return v.parse_percent_nl(raw)
            raise error(pos, f"'{text if text is not None else raw}' is geen percentage",
                        "schrijf een percentage met een procentteken: 6,75%")
        if name in ("geheel getal", "jaar"):
            if isinstance(raw, bool):
                raise ValueError
            if isinstance(raw, int):
                return raw
            if isinstance(raw, str):
                return v.parse_integer(raw)
            raise ValueError
        if name == "waar/onwaar":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in _TRUE:
                return True
            if str(raw).lower() in _FALSE:
                return False
            raise ValueError
        if name == "datum":
            if isinstance(raw, dt.date):
                return raw
            return v.parse_date_nl(str(raw))
        if name == "maand":
            return v.parse_month(str(raw))
        if name in ("tekst", "persoon"):
            if raw is None or isinstance(raw, (YMap, YList, list, dict)):
                raise ValueError
            return text if text is not None else str(raw)  # 'NO' stays 'NO', not False
    except RegelsError:
        raise
    except v.NumberError as exc:
        raise error(pos, exc.message, exc.hint) from None
    except (ValueError, IndexError, TypeError, ZeroDivisionError):
        pass
    examples = {
        "bedrag": "€ 1.022,50", "percentage": "6,75%", "getal": "1,5", "geheel getal": "3",
        "waar/onwaar": "ja of nee", "datum": "2020-01-31", "maand": "2020-03", "jaar": "2020",
        "tekst": '"NL"', "persoon": "de naam van een persoon uit de casus", "lijst": "[a, b]",
    }
    shown = text if text is not None else raw
    raise error(pos, f"'{shown}' is geen {type_}", f"bijvoorbeeld: {examples.get(name, '')}")
