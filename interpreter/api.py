"""The Python API: load a rule set once, evaluate many cases, read values and
the trace as data. See docs/api.md."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache, values as v
from .case import Case, case_data, declared_variant, load_case as _load_case, parse_case, read_case
from .evaluate import Evaluation
from .loader import MANIFEST, load_rule_set, rule_files
from .trace import Step, TimelineTrace
from .model import Rule, RuleSet
from .yamlpos import parse_yaml


def load_rules(directory=None, variants: list[str] = ()) -> RuleSet:
    """Load and check every rule file under `directory` (without one: the rule set that
    rules_directory_for finds, e.g. the one bundled with the package), plus the named policy
    variants from rules/varianten/ (overlays: rules and exceptions added to the
    law, never edits of it). Raises RegelsError with file:line:column
    diagnostics if anything is wrong. A checked rule set is kept in the cache
    (cache.py), so loading the same files again takes a fraction of the time."""
    directory = Path(directory) if directory is not None else rules_directory_for()
    files = None
    if variants:
        files = rule_files(directory) + [variant_file(directory, name) for name in variants]

    def build() -> RuleSet:
        from .check import check_rule_set  # only on a cache miss

        rule_set = load_rule_set(directory, files)
        rule_set.variants = list(variants)
        check_rule_set(rule_set)
        return rule_set
    return cache.load_checked(directory, variants, build)


def variant_file(directory: Path, name: str) -> Path:
    from .diagnostics import Pos, error, suggest
    from .loader import display_path

    path = Path(directory) / "varianten" / f"{name}.yaml"
    if not path.exists():
        known = variant_names(directory)
        raise error(Pos(display_path(path), 0, 0), f"onbekende variant '{name}'",
                    suggest(name, known) or ("varianten: " + ", ".join(sorted(known)) if known else
                                             "zet varianten in rules/varianten/"))
    return path


def variant_names(directory) -> list[str]:
    """The policy variants in rules/varianten/, by name."""
    return sorted(p.stem for p in (Path(directory) / "varianten").glob("*.yaml"))


class RuleSets:
    """The law in one rules/ folder and its variants, each combination loaded
    and checked once."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self._loaded: dict[tuple, RuleSet] = {}

    def get(self, variants=()) -> RuleSet:
        key = tuple(variants)
        if key not in self._loaded:
            self._loaded[key] = load_rules(self.directory, list(key))
        return self._loaded[key]


def read_case_file(path, rule_sets: RuleSets, variant: str | None = None) -> tuple[RuleSet, Case]:
    """A case file and the rule set to evaluate it under: the law, or the law
    with `variant`. A case that names a variant itself ('variant:') is read
    with that variant's inputs; under the law alone those inputs go unused."""
    return read_case_data(case_data(path), rule_sets, variant)


def read_case_text(text: str, rule_sets: RuleSets, variant: str | None = None,
                   name: str = "<casus>") -> tuple[RuleSet, Case]:
    """As read_case_file, for a case given as text (YAML, or JSON, which is YAML
    too), e.g. the body of an HTTP request; `name` stands for the file in the
    output and in error messages."""
    return read_case_data(parse_yaml(text, name), rule_sets, variant)


def read_case_data(data, rule_sets: RuleSets, variant: str | None = None) -> tuple[RuleSet, Case]:
    """As read_case_file, for a case already parsed with positions (yamlpos)."""
    chosen = [variant] if variant else []
    rule_set = rule_sets.get(chosen)
    declared = declared_variant(data)
    if declared and declared not in chosen:
        case = read_case(data, rule_sets.get(chosen + [declared]))
        return rule_set, case.for_rule_set(rule_set)
    return rule_set, read_case(data, rule_set)


def load_case(path, rule_set: RuleSet) -> Case:
    """Read a case file against the inputs and relations the rule set declares."""
    return _load_case(path, rule_set)


def case_from_text(text: str, rule_set: RuleSet, name: str = "<casus>") -> Case:
    return parse_case(text, name, rule_set)


@dataclass
class Result:
    """The outcome of one case: values per rule, per month where monthly, and the trace."""

    rule_set: RuleSet
    case: Case
    values: dict[str, Any] = field(default_factory=dict)  # yearly rules
    monthly: dict[str, dict] = field(default_factory=dict)  # monthly rules: Month -> value
    per_person: dict[str, dict] = field(default_factory=dict)  # person rules: person -> value
    rules: dict[str, Rule] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    evaluation: Any = field(default=None, repr=False)  # for explanations that look further
    # per outcome, the unconfirmed ('onbevestigd') parameter values it rests on: (Parameter, ParamValue)
    unconfirmed: dict[str, list] = field(default_factory=dict)
    # per outcome, the parameter values carried forward from an earlier year it rests on
    # (see evaluate.carried_forward): (Parameter, ParamValue)
    carried_forward: dict[str, list] = field(default_factory=dict)
    # per outcome, the inputs the case does not give that it took from their 'standaard':
    # (Input, person or None)
    defaulted: dict[str, list] = field(default_factory=dict)

    def value(self, name: str):
        """The value of a yearly rule; for a monthly rule, a dict Month -> value."""
        if name in self.values:
            return self.values[name]
        if name in self.monthly:
            return self.monthly[name]
        return self.per_person[name]

    def to_json(self, trace: bool = True) -> dict:
        data = {
            "regelset": {"naam": self.rule_set.name, **self.rule_set.version},
            "casus": {"titel": self.case.title, "bestand": self.case.path},
            "berekeningsjaar": self.case.year,
            "uitkomsten": {n: v.to_json(val, self.rules[n].type) for n, val in self.values.items()},
            "per_maand": {n: {m.key(): v.to_json(val, self.rules[n].type) for m, val in months.items()}
                          for n, months in self.monthly.items()},
        }
        if self.per_person:
            def person_json(name, value):
                type_ = self.rules[name].type
                if isinstance(value, dict):
                    return {m.key(): v.to_json(x, type_) for m, x in value.items()}
                return v.to_json(value, type_)
            data["per_persoon"] = {n: {p: person_json(n, val) for p, val in people.items()}
                                   for n, people in self.per_person.items()}
        if self.unconfirmed:
            data["onbevestigd"] = {name: [unconfirmed_json(p, pv, self.case.year) for p, pv in used]
                                   for name, used in self.unconfirmed.items()}
        if self.carried_forward:
            data["doorgetrokken"] = {name: [carried_forward_json(p, pv, self.case.year) for p, pv in used]
                                     for name, used in self.carried_forward.items()}
        if self.defaulted:
            data["standaardwaarden"] = {name: [defaulted_json(inp, person) for inp, person in used]
                                        for name, used in self.defaulted.items()}
        if trace:
            data["trace"] = [step.to_json() for step in self.steps]
        return data


    def write_json(self, out, trace: bool = True) -> None:
        """Write to_json(trace) to `out` as json.dumps(indent=2) gives it, byte for byte,
        but one step of the trace at a time: the trace of a large household runs to
        hundreds of megabytes, and is never held in memory whole."""
        head = json.dumps(self.to_json(trace=False), ensure_ascii=False, indent=2)
        if not trace:
            out.write(head + "\n")
            return
        out.write(head[:-2] + ',\n  "trace": [')  # head ends in "\n}"
        for index, step in enumerate(self.steps):
            out.write(("," if index else "") + "\n    " + _indented_json(step.to_json(), "    "))
        out.write("\n  ]\n}\n" if self.steps else "]\n}\n")


def _indented_json(value, indent: str) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2) of a part written at `indent`: the
    same text, but joined from strings the C encoder makes (json.dumps with indent runs
    in Python, chunk by chunk), which matters for the long lists of a large trace."""
    if isinstance(value, str):
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return int.__repr__(value)
    inner = indent + "  "
    if isinstance(value, dict) and all(type(key) is str for key in value):
        if not value:
            return "{}"
        return ("{\n" + ",\n".join(inner + _encode_string(key) + ": " + (
            _encode_string(item) if type(item) is str else _indented_json(item, inner))
            for key, item in value.items()) + "\n" + indent + "}")
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(type(item) is str for item in value):  # the step ids a step depends on
            return "[\n" + inner + (",\n" + inner).join(map(_encode_string, value)) + "\n" + indent + "]"
        return "[\n" + ",\n".join(inner + _indented_json(item, inner) for item in value) + "\n" + indent + "]"
    text = json.dumps(value, ensure_ascii=False, indent=2)  # anything else: as json writes it
    return text.replace("\n", "\n" + indent)


_encode_string = json.encoder.encode_basestring


def unconfirmed_values(result: "Result") -> list[tuple]:
    """Each unconfirmed value once, with the outcomes that rest on it: [(Parameter, ParamValue, [names])]."""
    return _by_value(result.unconfirmed)


def carried_forward_values(result: "Result") -> list[tuple]:
    """Each value carried forward once, with the outcomes that rest on it: [(Parameter, ParamValue, [names])]."""
    return _by_value(result.carried_forward)


def defaulted_inputs(result: "Result") -> list[tuple]:
    """Each input taken from its 'standaard' once, with the persons it was taken for
    and the outcomes that rest on it: [(Input, [persons, None for a fact of the case], [names])]."""
    grouped: dict = {}
    for name, used in result.defaulted.items():
        for inp, person in used:
            persons, names = grouped.setdefault(id(inp), (inp, [], []))[1:]
            if person not in persons:
                persons.append(person)
            if name not in names:
                names.append(name)
    for _inp, persons, _names in grouped.values():
        persons.sort(key=lambda p: (p is not None, p or ""))
    return sorted(grouped.values(), key=lambda item: item[0].name)


def format_default(inp, language: str = "nl") -> str:
    """The 'standaard' of an input as the outcome shows it ('""' for empty text)."""
    return v.format_value(inp.default, inp.type, language) or '""'


def defaulted_json(inp, person) -> dict:
    """An input taken from its 'standaard' as the JSON output names it."""
    return {"invoer": inp.name, "persoon": person, "waarde": v.to_json(inp.default, inp.type),
            "artikel": inp.article.citation,
            "omschrijving": " ".join(inp.omschrijving.split()) if inp.omschrijving else None,
            "reden": "de casus geeft dit gegeven niet; de standaardwaarde uit de regelset is gebruikt",
            "bestand": f"{inp.pos.file}:{inp.pos.line}"}


def _by_value(per_outcome: dict) -> list[tuple]:
    grouped: dict = {}
    for name, used in per_outcome.items():
        for parameter, entry in used:
            grouped.setdefault((id(parameter), id(entry)), (parameter, entry, []))[2].append(name)
    return list(grouped.values())


def carried_forward_reason(entry, year: int) -> str:
    """Why a value is named as carried forward, in Dutch."""
    return (f"de regelset heeft voor {year} geen nieuwe waarde; de laatste waarde, "
            f"vanaf {entry.vanaf.isoformat()} ({entry.vanaf.year}), is doorgetrokken")


def carried_forward_json(parameter, entry, year: int) -> dict:
    """A value carried forward from an earlier year as the JSON output names it."""
    return {"parameter": parameter.name,
            "artikel": parameter.citation_on(max(entry.vanaf, dt.date(year, 1, 1))),
            "geldig_vanaf": entry.vanaf.isoformat(), "waarde": entry.raw, "bron": entry.bron,
            "reden": carried_forward_reason(entry, year), "bestand": f"{entry.pos.file}:{entry.pos.line}"}


def unconfirmed_json(parameter, entry, year: int) -> dict:
    """An unconfirmed parameter value as the JSON output names it."""
    return {"parameter": parameter.name,
            "artikel": parameter.citation_on(max(entry.vanaf, dt.date(year, 1, 1))),
            "geldig_vanaf": entry.vanaf.isoformat(), "waarde": entry.raw,
            "bron": entry.bron, "reden": " ".join(entry.onbevestigd.split()),
            "bestand": f"{entry.pos.file}:{entry.pos.line}"}


def with_rule(result: Result, rule: Rule) -> Result:
    """`result`, or, if its trace has no step of `rule`, the same case evaluated again with
    `rule` among its outcomes (for every person, if it is a rule 'voor' a person): an
    explanation of a rule reads its steps from the trace."""
    if any(step.rule is rule for step in result.steps):
        return result
    rules = list(result.rules.values()) + ([rule] if rule.name not in result.rules else [])
    return evaluate(result.rule_set, result.case, trace=True, rules=rules, every_person=(rule.name,))


def evaluate_timeline(rule_set: RuleSet, case: Case, deadline: float | None = None) -> TimelineTrace:
    """What `regels tijdlijn` shows, computed once: the yearly rules marked 'tijdlijn:'
    with their value and the date they fall on (a rule whose fact the case does not give
    is left off, and named), when the administration learned each fact and through which
    channel, and the outcomes on the true facts. timeline.py only lays this out.
    `deadline` is a time limit in seconds, as for evaluate."""
    from .evaluate import MissingFact

    ev = Evaluation(rule_set, case, trace=False, deadline=deadline)
    dated, skipped = [], {}
    for rule in rule_set.rules():
        if rule.timeline is None or rule.target is not None or rule.voor or rule.per == "maand":
            continue
        if rule.version_on(case.months[0].first_day()) is None:
            continue
        try:
            value = ev.rule_value(rule, None, None)
            day = value if rule.timeline == "ja" else ev.named_value(rule.timeline)
        except MissingFact as missing:
            skipped[rule.name] = missing.input_name
            continue
        dated.append((rule, value, day))
    until = max([day for _, _, day in dated] + [dt.date(case.year + 1, 12, 31)])
    truths = [(r, ev.rule_value(r, None, None)) for r in rule_set.rules()
              if r.uitkomst and r.target is None and not r.voor and r.per != "maand"]
    return TimelineTrace(dated, skipped, ev.facts_learned(until), truths, until)


def output_rules(rule_set: RuleSet, case: Case) -> list[Rule]:
    """The rules a case reports: those marked 'uitkomst: ja', those the case asks
    for, and those it has expectations for."""
    chosen: list[Rule] = [r for r in rule_set.rules() if r.uitkomst and r.target is None]
    for rule in case.requested + [e.rule for e in case.expectations]:
        if rule not in chosen:
            chosen.append(rule)
    return chosen


def evaluate(rule_set: RuleSet, case: Case, trace: bool = True, rules: list[Rule] | None = None,
             deadline: float | None = None, every_person: tuple = ()) -> Result:
    """Evaluate a case. Raises RegelsError when the case misses a fact the rules
    need, when the rules contradict themselves on this case, when a formula
    cannot be computed, or when the rule set has no rules for the berekeningsjaar.
    `deadline` is a time limit in seconds (default: none); past it the evaluation
    stops with evaluate.DeadlineExceeded, a RegelsError that names the limit.
    A rule 'voor' a person is computed for the persons the case's expectations name,
    and for every person if its name is in `every_person`."""
    ev = Evaluation(rule_set, case, trace, deadline=deadline)
    result = Result(rule_set, case)
    jan_first = case.months[0].first_day()
    wanted_people = {e.rule.name: list(e.per_persoon) for e in case.expectations if e.per_persoon}
    for rule in rules if rules is not None else output_rules(rule_set, case):
        result.rules[rule.name] = rule
        if rule.voor:
            people = list(case.persons) if rule.name in every_person else wanted_people.get(rule.name, [])
            if rule.per == "maand":
                result.per_person[rule.name] = {
                    p: {m: ev.rule_value(rule, p, m) for m in case.months if rule.version_on(m.first_day())}
                    for p in people}
            else:
                result.per_person[rule.name] = {p: ev.rule_value(rule, p, None) for p in people}
        elif rule.per == "maand":
            result.monthly[rule.name] = {
                m: ev.rule_value(rule, None, m) for m in case.months if rule.version_on(m.first_day())
            }
        elif rule.version_on(jan_first) is not None or rule in case.requested or any(
            e.rule is rule for e in case.expectations
        ):
            result.values[rule.name] = ev.rule_value(rule, None, None)
    result.steps = list(ev.steps.values())
    result.evaluation = ev
    for rule in result.rules.values():
        used = ev.unconfirmed_for(rule)
        if used:
            result.unconfirmed[rule.name] = used
        carried = ev.carried_forward_for(rule)
        if carried:
            result.carried_forward[rule.name] = carried
        defaulted = ev.defaulted_for(rule)
        if defaulted:
            result.defaulted[rule.name] = defaulted
    return result


# The environment variable that names the rule set to use, e.g. a legal specialist's
# working copy (after --regels, before the nearest rules/ and the bundled rule set).
RULES_ENVIRONMENT = "REGELS_REGELS"
# ... and the one for the column mapping of a population file (after --kolommen).
MAPPING_ENVIRONMENT = "REGELS_KOLOMMEN"
_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """A folder shipped with the package: 'rules', 'schemas', 'populatie' or 'voorbeelden'. Installed
    from a wheel they are the subpackages regels.wet, regels.schemas, regels.populatie and regels.voorbeelden (see
    pyproject.toml); run from a source tree (or an editable install) they are the folders
    beside interpreter/."""
    inside = _PACKAGE / {"rules": "wet"}.get(name, name)
    return inside if inside.is_dir() else _PACKAGE.parent / name


def rules_directory_for(path: Path | None = None, explicit=None) -> Path:
    """The rule set to compute with, the first of: `explicit` (--regels DIR); the folder in
    $REGELS_REGELS; the nearest rules/ upwards from `path` (a case, population or folder;
    else the working directory) that has rules/regelset.yaml, as in a working copy; the
    rule set bundled with the installed package."""
    if explicit:
        return Path(explicit)
    if os.environ.get(RULES_ENVIRONMENT):
        return Path(os.environ[RULES_ENVIRONMENT]).expanduser()
    try:
        start = (path.resolve().parent if path and path.is_file() else (path or Path.cwd()).resolve())
    except OSError:  # e.g. the working directory was removed
        start = None
    for folder in [start, *start.parents] if start else []:
        if (folder / "rules" / MANIFEST).is_file():
            return folder / "rules"
    return bundled("rules")


def column_mapping_for(rules_directory, explicit=None) -> Path:
    """The column mapping of a one-household-per-row population file: `explicit`
    (--kolommen FILE); the file in $REGELS_KOLOMMEN; populatie/kolommen.yaml beside the rule
    folder in use (a working copy, or the bundled one); the bundled mapping."""
    if explicit:
        return Path(explicit)
    if os.environ.get(MAPPING_ENVIRONMENT):
        return Path(os.environ[MAPPING_ENVIRONMENT]).expanduser()
    if rules_directory is not None:
        beside = Path(rules_directory).resolve().parent / "populatie" / "kolommen.yaml"
        if beside.is_file():
            return beside
    return bundled("populatie") / "kolommen.yaml"


def example_cases(rules_directory=None) -> dict:
    """The example cases: name -> (title, path), from voorbeelden/ beside the rule folder
    in use (a working copy), else those shipped with the package. A file that does not
    read as YAML is left out: the others are still offered."""
    from .diagnostics import RegelsError

    folder = Path(rules_directory).resolve().parent / "voorbeelden" if rules_directory is not None else None
    if folder is None or not folder.is_dir():
        folder = bundled("voorbeelden")
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = parse_yaml(path.read_text(encoding="utf-8"), path.name)
            title = data.get("casus") if hasattr(data, "get") else None
        except (OSError, UnicodeDecodeError, RegelsError):
            continue
        found[path.stem] = (str(title or path.stem), path)
    return found


def schema_file(name: str, rules_directory=None) -> Path:
    """A JSON schema ('casus' or 'regelbestand'): from schemas/ beside the rule folder in use
    (a working copy), else the one bundled with the package."""
    file = f"{name}.schema.json"
    if rules_directory is not None:
        beside = Path(rules_directory).resolve().parent / "schemas" / file
        if beside.is_file():
            return beside
    return bundled("schemas") / file
