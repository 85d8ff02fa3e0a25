"""Static checks over the whole rule set, before any case runs: names resolve,
types fit, no rule depends on itself, versions neither overlap nor leave gaps,
every parameter value has a source and agrees with the law text.

Errors stop loading; warnings are reported by `regels check`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import values as v
from .builtins import BUILTINS
from .builtins import NAMES as BUILTIN_NAMES
from .diagnostics import UNKNOWN_POS, Collector, Diagnostic, Pos, RegelsError, suggest
from .loader import NOT_LAW, coerce_value
from .model import OWN_PLACEHOLDERS, PLACEHOLDER, Input, Parameter, Relation, Rule, RuleSet, additive_terms
from .syntax import AsKnown, AtDate, Binary, Call, If, ListLit, Lit, Name, Node, Quantifier, Round, Unary, Van, With


# Built-in functions, their types and both implementations: builtins.py
FUNCTIONS = tuple(BUILTINS)


@dataclass
class _Env:
    rule: Rule
    vars: dict = field(default_factory=dict)
    month: bool = False
    deps: list = field(default_factory=list)  # (Rule, Pos) referenced

    def bind(self, name: str, type_: v.Type) -> "_Env":
        new_vars = dict(self.vars)
        new_vars[name] = type_
        month = self.month or type_ == v.MAAND
        return _Env(self.rule, new_vars, month, self.deps)


def check_rule_set(rule_set: RuleSet) -> list:
    """Check everything; raise RegelsError on errors, return the warnings."""
    problems = Collector()
    checker = _Checker(rule_set, problems)
    checker.run()
    problems.raise_if_errors()
    warnings = sorted(rule_set.warnings + problems.warnings, key=lambda d: (d.pos.file, d.pos.line, d.pos.column))
    rule_set.warnings = warnings
    return warnings


class _Checker:
    def __init__(self, rule_set: RuleSet, problems: Collector):
        self.rs = rule_set
        self.problems = problems
        self.articles_by_key = {a.key: a for a in rule_set.articles}
        self.used_parameters: set[int] = set()
        self.edges: dict[int, list[tuple[Rule, Pos]]] = {}

    def run(self) -> None:
        self.check_duplicate_articles()
        self.check_versions()
        self.link_exceptions()
        for rule in self.rs.rules():
            self.check_rule(rule)
        for rule in self.rs.rules():
            self.check_sentences(rule)
            self.check_breakdown(rule)
        self.check_cycles()
        self.check_parameters()
        self.check_channels()

    # --- names ----------------------------------------------------------------

    def all_names(self, env: _Env | None = None) -> list[str]:
        names = list(self.rs.definitions) + list(BUILTIN_NAMES)
        if env:
            names += list(env.vars)
        return names

    def resolve(self, node: Name, env: _Env, report: bool = True):
        """What a name refers to: ('var', type), ('builtin', type) or a definition."""
        if node.qualifier is None:
            if node.name in env.vars:
                return ("var", env.vars[node.name])
            if node.name in BUILTIN_NAMES:
                return ("builtin", BUILTIN_NAMES[node.name])
            candidates = self.rs.definitions.get(node.name, [])
            if len(candidates) > 1:
                own = [c for c in candidates if c.article is env.rule.article]
                if len(own) == 1:
                    return own[0]
                if report:
                    where = ", ".join(f"{c.article.citation} ({c.pos.file}:{c.pos.line})" for c in candidates)
                    example = f"{candidates[0].article.afkorting.lower()}.{candidates[0].article.artikel}.{node.name}"
                    self.problems.error(node.pos, f"'{node.name}' is meer dan eens gedefinieerd: {where}",
                                        f"noem wet en artikel erbij, bijvoorbeeld {example}")
                return None
            if candidates:
                return candidates[0]
            if report:
                self.problems.error(node.pos, f"onbekende naam '{node.name}'", _name_hint(node.name, self.all_names(env)))
            return None
        article = self.articles_by_key.get(node.qualifier)
        if article is None:
            if report:
                known = [f"{a.afkorting.lower()}.{a.artikel}" for a in self.rs.articles]
                qual = ".".join(node.qualifier)
                self.problems.error(node.pos, f"onbekend artikel '{qual}'",
                                    _name_hint(qual, known) or "schrijf wet.artikel.naam, bijvoorbeeld wkb.2.kindgebonden_budget")
            return None
        for group in (article.parameters, article.inputs, article.relations, article.rules):
            if node.name in group:
                return group[node.name]
        if report:
            local = list(article.parameters) + list(article.inputs) + list(article.relations) + list(article.rules)
            self.problems.error(node.pos, f"'{node.name}' staat niet in {article.citation}", _name_hint(node.name, local))
        return None

    # --- rules ----------------------------------------------------------------

    def link_exceptions(self) -> None:
        for rule in self.rs.rules():
            if rule.exception_of is None:
                continue
            target = self.rs.rule(rule.exception_of)
            candidates = [d for d in self.rs.definitions.get(rule.exception_of, []) if isinstance(d, Rule)]
            if len(candidates) > 1:
                own = [c for c in candidates if c.article is rule.article]
                target = own[0] if len(own) == 1 else None
            if target is None:
                rule_names = [r.name for r in self.rs.rules()]
                self.problems.error(rule.exception_pos, f"'{rule.exception_of}' is geen regel",
                                    _name_hint(rule.exception_of, rule_names) or "noem de regel waarop dit een uitzondering is")
                continue
            if target is rule:
                self.problems.error(rule.exception_pos, "een regel kan geen uitzondering op zichzelf zijn")
                continue
            rule.target = target
            target.exceptions.append(rule)
        # Exceptions take their type, period and person from the rule they change.
        for rule in self.rs.rules():
            if rule.target is None:
                continue
            root, seen = rule, set()
            while root.target is not None and id(root) not in seen:
                seen.add(id(root))
                root = root.target
            if id(root) in seen:
                self.problems.error(rule.exception_pos, f"uitzonderingen op elkaar in een kring: '{rule.name}'")
                rule.target = None
                continue
            if rule.type != v.ANY and rule.type != root.type:
                self.problems.error(rule.pos, f"uitzondering '{rule.name}' heeft type {rule.type}, "
                                              f"maar '{root.name}' is een {root.type}")
            if rule.voor and root.voor and rule.voor != root.voor:
                self.problems.error(rule.pos, f"uitzondering '{rule.name}' geldt voor '{rule.voor}', "
                                              f"maar '{root.name}' voor '{root.voor}'",
                                    f"gebruik dezelfde naam: voor: {root.voor}")
            if rule.per != root.per and rule.per != "jaar":
                self.problems.error(rule.pos, f"uitzondering '{rule.name}' geldt per {rule.per}, "
                                              f"maar '{root.name}' per {root.per}",
                                    "laat 'per' weg: een uitzondering neemt die over van de regel")
            if rule.uitkomst:
                self.problems.error(rule.pos, f"uitzondering '{rule.name}' kan geen uitkomst zijn",
                                    f"zet 'uitkomst: ja' bij '{root.name}'")
            rule.type, rule.per, rule.voor = root.type, root.per, root.voor

    def check_rule(self, rule: Rule) -> None:
        if rule.uitkomst and rule.voor:
            self.problems.error(rule.pos, f"regel '{rule.name}' geldt per persoon en kan daarom geen uitkomst zijn",
                                "maak een regel die over de personen optelt of telt, en maak die de uitkomst")
        self.edges[id(rule)] = []
        if rule.voor and rule.voor in self.rs.definitions and rule.target is None:
            kind = _KIND_WORDS[type(self.rs.definitions[rule.voor][0]).__name__]
            self.problems.error(rule.pos, f"'voor: {rule.voor}' verbergt de gelijknamige {kind} '{rule.voor}'",
                                "kies een andere naam voor de persoon, bijvoorbeeld: voor: k")
        for version in rule.versions:
            env = _Env(rule, month=rule.per == "maand")
            if rule.voor:
                env.vars[rule.voor] = v.PERSOON
            errors_before = len(self.problems.errors)
            found = self.infer(version.formula, env)
            if not self.assignable(found, rule.type):
                self.problems.error(version.formula.pos,
                                    f"de formule van '{rule.name}' geeft een {found}, maar de regel is een {rule.type}",
                                    _type_hint(found, rule.type))
            if version.condition is not None:
                cond = self.infer(version.condition, env)
                self.expect(version.condition, cond, v.WAARHEID, "de voorwaarde na 'indien'")
            self.edges[id(rule)].extend(env.deps)
            if len(self.problems.errors) == errors_before:  # well typed: compute its constant parts
                self.check_constants(version)
        for exception in rule.exceptions:
            self.edges[id(rule)].append((exception, exception.exception_pos))
        if rule.timeline not in (None, "ja"):
            ref = self.resolve(Name(rule.pos, rule.timeline), _Env(rule), report=True)
            if ref is not None and getattr(ref, "type", None) != v.DATUM:
                self.problems.error(rule.pos, f"'tijdlijn: {rule.timeline}' moet een datum noemen (een regel of gegeven)")
        elif rule.timeline == "ja" and rule.type != v.DATUM:
            self.problems.error(rule.pos, f"'tijdlijn: ja' hoort bij een regel die een datum geeft; '{rule.name}' is een {rule.type}",
                                "noem anders de datum waarop dit valt: tijdlijn: datum_toekenning")

    def check_sentences(self, rule: Rule) -> None:
        """'zinnen': the names in braces exist, the keys fit the type, both languages are there."""
        sentences = rule.sentences
        if sentences is None:
            return
        pos = sentences.pos
        for lang, missing in (("en", "Engelse"), ("nl", "Nederlandse")):
            if lang not in sentences.texts:
                self.problems.warn(pos, f"regel '{rule.name}' heeft geen {missing} zinnen ('zinnen: {lang}')",
                                   "de uitleg in die taal valt dan terug op de andere taal")
        numeric = rule.type in (v.BEDRAG, v.GETAL, v.GEHEEL, v.PERCENTAGE)
        for lang, parts in sentences.texts.items():
            for part, by_key in parts.items():
                for key, templates in by_key.items():
                    if key in ("waar", "onwaar") and rule.type != v.WAARHEID:
                        self.problems.error(pos, f"'zinnen: {lang}: {key}' hoort bij een regel van het type "
                                                 f"waar/onwaar; '{rule.name}' is een {rule.type}",
                                            "schrijf 'nul' en 'anders' bij een bedrag of getal, of alleen een zin")
                    if key == "nul" and not numeric:
                        self.problems.error(pos, f"'zinnen: {lang}: nul' hoort bij een bedrag of getal; "
                                                 f"'{rule.name}' is een {rule.type}",
                                            "schrijf 'waar' en 'onwaar' bij een regel van het type waar/onwaar")
                    for template in templates:
                        for name in PLACEHOLDER.findall(template):
                            self.sentence_name(rule, name.strip(), pos)

    def sentence_name(self, rule: Rule, name: str, pos: Pos) -> None:
        if name in OWN_PLACEHOLDERS:
            if name == "persoon" and not rule.voor:
                self.problems.error(pos, f"'{{persoon}}' in de zinnen van '{rule.name}', maar die regel geldt "
                                         "niet per persoon", "alleen een regel met 'voor:' kent {persoon}")
            return
        parts = name.split(".")
        node = Name(pos, parts[-1], (parts[0].lower(), parts[1].lower()) if len(parts) == 3 else None)
        if len(parts) not in (1, 3) or not all(parts):
            self.problems.error(pos, f"'{{{name}}}' in de zinnen van '{rule.name}' is geen naam",
                                "schrijf {waarde}, {persoon}, {jaar} of de naam van een regel of parameter")
            return
        ref = self.resolve(node, _Env(rule), report=True)
        if ref is None:
            return
        if not isinstance(ref, (Rule, Parameter)):
            self.problems.error(pos, f"'{{{name}}}' in de zinnen van '{rule.name}' noemt geen regel of parameter",
                                "een zin kan de waarde van een regel of parameter noemen")
            return
        if isinstance(ref, Rule) and ref.voor and not rule.voor:
            self.problems.error(pos, f"'{{{name}}}' geldt per persoon; de zinnen van '{rule.name}' niet",
                                "noem in deze zin een regel die niet per persoon geldt")
            return
        rule.sentences.refs[name] = ref

    def check_breakdown(self, rule: Rule) -> None:
        """'opbouw: ja': every term of the sum is a rule or parameter, so its value is in the trace."""
        if not rule.breakdown:
            return
        for version in rule.versions:
            for _, term in additive_terms(version.formula):
                ref = getattr(term, "ref", None)
                if not (isinstance(term, Name) and isinstance(ref, (Rule, Parameter))):
                    self.problems.error(term.pos, f"'opbouw: ja' bij '{rule.name}': elk deel van de som moet "
                                                  "een regel of parameter zijn",
                                        "maak van dit deel een eigen regel, dan staat het als regel in de opbouw")

    def check_constants(self, version) -> None:
        """The parts of a formula that depend on nothing but literals and the
        berekeningsjaar are computed now, so that `€ 1 afgerond op € 0` or a date
        outside the calendar is reported before any case runs, with the message
        the evaluator would give (evaluate.constant_errors)."""
        from .evaluate import constant_errors

        first = version.geldig_vanaf.year
        last = (version.geldig_tot - dt.timedelta(days=1)).year if version.geldig_tot else first + 100
        last = min(max(first, last), dt.MAXYEAR)
        for tree in (version.formula, version.condition):
            if tree is not None:
                for diagnostic in constant_errors(tree, first, last):
                    self.problems.items.append(diagnostic)

    def check_cycles(self) -> None:
        rules = {id(r): r for r in self.rs.rules()}
        state: dict[int, int] = {}  # 1 = on the path, 2 = done
        reported: set[frozenset] = set()

        def visit(rule: Rule, path: list[tuple[Rule, Pos]]):
            state[id(rule)] = 1
            for dep, pos in self.edges.get(id(rule), []):
                if state.get(id(dep)) == 1:
                    names = [r.name for r, _ in path] + [rule.name]
                    start = names.index(dep.name)
                    cycle = names[start:] + [dep.name]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.problems.error(pos, "kringverwijzing: " + " → ".join(cycle),
                                            "een regel mag niet (via andere regels) van zichzelf afhangen")
                elif state.get(id(dep)) is None and id(dep) in rules:
                    visit(dep, path + [(rule, pos)])
            state[id(rule)] = 2

        for rule in rules.values():
            if id(rule) not in state:
                visit(rule, [])

    # --- types ----------------------------------------------------------------

    @staticmethod
    def assignable(found: v.Type, wanted: v.Type) -> bool:
        if v.ANY in (found, wanted):
            return True
        if found == wanted:
            return True
        if wanted == v.GETAL and found == v.GEHEEL:
            return True
        if found.name == "lijst" and wanted.name == "lijst":
            return found.elem == v.ANY or wanted.elem == v.ANY or found.elem == wanted.elem
        return False

    def expect(self, node: Node, found: v.Type, wanted: v.Type, what: str) -> None:
        if not self.assignable(found, wanted):
            self.problems.error(node.pos, f"{what} moet een {wanted} zijn, maar is een {found}", _type_hint(found, wanted))

    def infer(self, node: Node, env: _Env) -> v.Type:
        node.type = self._infer(node, env)
        return node.type

    def _infer(self, node: Node, env: _Env) -> v.Type:
        if isinstance(node, Lit):
            return node.lit_type
        if isinstance(node, Name):
            return self.name_type(node, env)
        if isinstance(node, Van):
            return self.van_type(node, env)
        if isinstance(node, Call):
            return self.call_type(node, env)
        if isinstance(node, Unary):
            operand = self.infer(node.operand, env)
            if node.op == "niet":
                self.expect(node.operand, operand, v.WAARHEID, "wat na 'niet' staat")
                return v.WAARHEID
            if operand != v.ANY and not operand.is_numeric:
                self.problems.error(node.pos, f"een {operand} kan niet negatief gemaakt worden")
                return v.ANY
            return operand
        if isinstance(node, Binary):
            return self.binary_type(node, env)
        if isinstance(node, AtDate):
            self.expect(node.date, self.infer(node.date, env), v.DATUM, "wat na 'op' staat")
            before = len(env.deps)
            type_ = self.infer(node.expr, env)
            if len(env.deps) > before:
                rule, pos = env.deps[before]
                self.problems.error(pos, f"'op' leest gegevens en parameters op een datum, maar '{rule.name}' is een regel",
                                    "een regel wordt per maand of per jaar berekend; zet 'op' in die regel zelf, "
                                    "bij de gegevens die hij leest")
            return type_
        if isinstance(node, AsKnown):
            self.expect(node.date, self.infer(node.date, env), v.DATUM, "wat na 'zoals bekend op' staat")
            return self.infer(node.expr, env)
        if isinstance(node, With):
            return self.with_type(node, env)
        if isinstance(node, Round):
            operand = self.infer(node.operand, env)
            unit = self.infer(node.unit, env)
            if operand == v.ANY or unit == v.ANY:
                return operand
            if operand == v.BEDRAG and unit == v.BEDRAG:
                return v.BEDRAG
            if operand in (v.GETAL, v.GEHEEL) and unit in (v.GETAL, v.GEHEEL):
                return v.GEHEEL if unit == v.GEHEEL else v.GETAL
            if operand == v.PERCENTAGE and unit == v.PERCENTAGE:
                return v.PERCENTAGE
            hint = "rond een bedrag af op hele euro's, centen of een bedrag zoals € 1.000"
            if operand.name == "lijst":
                hint = "wilt u een som of aantal afronden? zet die tussen haakjes: (som van ... over m in maanden) afgerond op ..."
            self.problems.error(node.pos, f"een {operand} kan niet afgerond worden op een {unit}", hint)
            return operand
        if isinstance(node, If):
            self.expect(node.cond, self.infer(node.cond, env), v.WAARHEID, "de voorwaarde na 'als'")
            then, other = self.infer(node.then, env), self.infer(node.other, env)
            joined = _join(then, other)
            if joined is None:
                self.problems.error(node.other.pos, f"'dan' geeft een {then} maar 'anders' een {other}",
                                    "beide takken van 'als' geven een waarde van hetzelfde type")
                return v.ANY
            return joined
        if isinstance(node, Quantifier):
            return self.quantifier_type(node, env)
        if isinstance(node, ListLit):
            types = [self.infer(item, env) for item in node.items]
            elem = types[0] if types else v.ANY
            for item, type_ in zip(node.items, types):
                joined = _join(elem, type_)
                if joined is None:
                    self.problems.error(item.pos, f"een lijst bevat waarden van één type; dit is een {type_}, "
                                                  f"de eerste een {elem}")
                    return v.ANY
                elem = joined
            return v.lijst(elem)
        raise AssertionError(type(node))

    def name_type(self, node: Name, env: _Env) -> v.Type:
        ref = self.resolve(node, env)
        node.ref = ref
        if ref is None:
            return v.ANY
        if isinstance(ref, tuple):
            kind, type_ = ref
            if kind == "builtin" and node.name == "maand" and env.rule.per != "maand":
                hint = "gebruik 'maand' in een regel met 'per: maand'"
                if env.month:
                    hint = "binnen 'som van ... over m in maanden' is de maand de doorloopvariabele: gebruik m"
                self.problems.error(node.pos, "'maand' is de maand waarvoor een regel 'per: maand' rekent", hint)
            return type_
        if isinstance(ref, Parameter):
            self.used_parameters.add(id(ref))
            if ref.key_type is not None:
                self.problems.error(node.pos, f"'{node.name}' is een tabel met een waarde per {ref.key_type}",
                                    f"zoek de waarde op met {node.name}(sleutel)")
                return v.ANY
            return ref.type
        if isinstance(ref, Input):
            if ref.of_person:
                self.problems.error(node.pos, f"'{node.name}' is een kenmerk van een persoon",
                                    f"schrijf '{node.name} van <persoon>', bijvoorbeeld '{node.name} van aanvrager'")
                return v.ANY
            return ref.type
        if isinstance(ref, Relation):
            a, b = ref.roles
            self.problems.error(node.pos, f"'{node.name}' is een relatie tussen twee personen",
                                f"schrijf '{node.name}({a}; {b})'")
            return v.ANY
        if isinstance(ref, Rule):
            return self.rule_ref_type(node, ref, env, via_person=False)
        return v.ANY

    def with_type(self, node: With, env: _Env) -> v.Type:
        """'x waarbij (a = e; ...)': each a is a rule or input with one value for the
        year (not per person, not per month), and e has its type."""
        node.targets = []
        for name, pos, value in node.bindings:
            ref = self.resolve(Name(pos, name), env)
            value_type = self.infer(value, env)
            if ref is None:
                node.targets.append(None)
                continue
            one_value = ((isinstance(ref, Rule) and ref.target is None and not ref.voor and ref.per != "maand")
                         or (isinstance(ref, Input) and not ref.of_person))
            if not one_value:
                self.problems.error(pos, f"in 'waarbij' kan '{name}' geen andere waarde krijgen",
                                    "alleen een regel of gegeven met één waarde per jaar (niet per persoon of per maand)")
                node.targets.append(None)
                continue
            self.expect(value, value_type, ref.type, f"de waarde voor '{name}' in 'waarbij'")
            node.targets.append(ref)
        return self.infer(node.expr, env)

    def rule_ref_type(self, node: Node, rule: Rule, env: _Env, via_person: bool) -> v.Type:
        if rule.target is not None:
            self.problems.error(node.pos, f"'{rule.name}' is een uitzondering op '{rule.root.name}'",
                                f"verwijs naar '{rule.root.name}': de uitzondering werkt daar vanzelf door")
            return v.ANY
        if rule.voor and not via_person:
            self.problems.error(node.pos, f"'{rule.name}' wordt per persoon berekend ({rule.voor})",
                                f"schrijf '{rule.name} van <persoon>'")
            return v.ANY
        if rule.per == "maand" and not env.month:
            self.problems.error(node.pos, f"'{rule.name}' wordt per maand berekend",
                                f"gebruik het in een regel met 'per: maand', of tel op over het jaar: "
                                f"som van {rule.name} over m in maanden")
            return v.ANY
        env.deps.append((rule, node.pos))
        return rule.type

    def van_type(self, node: Van, env: _Env) -> v.Type:
        left = node.left
        if isinstance(left, Name) and left.name not in env.vars:
            ref = self.resolve(left, env, report=False)
            person_attribute = isinstance(ref, Input) and ref.of_person
            person_rule = isinstance(ref, Rule) and ref.voor is not None
            if person_attribute or person_rule:
                left.ref = ref
                node.kind = "kenmerk"
                self.expect(node.right, self.infer(node.right, env), v.PERSOON, f"wat na '{left.name} van' staat")
                if person_rule:
                    left.type = self.rule_ref_type(left, ref, env, via_person=True)
                else:
                    left.type = ref.type
                return left.type
        left_type = self.infer(left, env)
        right_type = self.infer(node.right, env)
        if v.ANY in (left_type, right_type):
            return v.ANY
        if left_type == v.PERCENTAGE and right_type.is_numeric:
            node.kind = "percentage"
            return v.GETAL if right_type == v.GEHEEL else right_type
        if isinstance(left, Name) and right_type == v.PERSOON:
            self.problems.error(left.pos, f"'{left.name}' is geen kenmerk van een persoon",
                                "kenmerken van personen staan onder 'invoer' met 'van: persoon', of het is een regel met 'voor:'")
        else:
            self.problems.error(node.pos, f"'van' verbindt een kenmerk met een persoon of een percentage met een bedrag; "
                                          f"hier staat links een {left_type} en rechts een {right_type}")
        return v.ANY

    def call_type(self, node: Call, env: _Env) -> v.Type:
        args = [self.infer(a, env) for a in node.args]
        name = node.func
        tables = [d for d in self.rs.definitions.get(name, []) if isinstance(d, Parameter) and d.key_type]
        if tables and name not in FUNCTIONS:
            table = tables[0]
            node.ref = table
            self.used_parameters.add(id(table))
            if len(args) != 1:
                self.problems.error(node.pos, f"tabel '{name}' heeft één sleutel: {name}(sleutel)")
            else:
                self.expect(node.args[0], args[0], table.key_type, f"de sleutel van '{name}'")
            return table.type
        relation = None
        if name not in FUNCTIONS:
            candidates = [d for d in self.rs.definitions.get(name, []) if isinstance(d, Relation)]
            relation = candidates[0] if candidates else None
        if relation is not None:
            node.ref = relation
            if len(args) != 2:
                self.problems.error(node.pos, f"relatie '{name}' verbindt twee personen: {name}({relation.roles[0]}; {relation.roles[1]})")
                return v.WAARHEID
            for arg, type_ in zip(node.args, args):
                self.expect(arg, type_, v.PERSOON, f"een argument van '{name}'")
            return v.WAARHEID
        if name not in FUNCTIONS:
            relations = [r.name for r in self.rs.relations()]
            self.problems.error(node.pos, f"onbekende functie '{name}'",
                                _name_hint(name, list(FUNCTIONS) + relations) or "functies: " + ", ".join(FUNCTIONS))
            return v.ANY
        node.ref = name
        builtin = BUILTINS[name]
        if builtin.arity is None and len(args) < 2:
            self.problems.error(node.pos, f"'{name}' heeft ten minste twee argumenten", f"{name}(a; b)")
            return v.ANY
        if builtin.arity is not None and len(args) != builtin.arity:
            n = builtin.arity
            self.problems.error(node.pos, f"'{name}' heeft {n} argument{'en' if n != 1 else ''}, niet {len(args)}",
                                "scheid argumenten met ';'")
            return v.ANY
        return builtin.type_of(self, node, args)

    def binary_type(self, node: Binary, env: _Env) -> v.Type:
        left, right = self.infer(node.left, env), self.infer(node.right, env)
        op = node.op
        if op in ("en", "of"):
            self.expect(node.left, left, v.WAARHEID, f"wat voor '{op}' staat")
            self.expect(node.right, right, v.WAARHEID, f"wat na '{op}' staat")
            return v.WAARHEID
        if v.ANY in (left, right):  # an error was reported already; do not add follow-ups
            return v.WAARHEID if op in ("vergelijk", "in_lijst", "niet_in_lijst") else v.ANY
        if op in ("in_lijst", "niet_in_lijst"):
            if right.name != "lijst" or (right.elem != v.ANY and _join(left, right.elem) is None):
                self.problems.error(node.right.pos, f"na 'in' staat een lijst van {v.PLURALS.get(left.name, left.name)}, "
                                                    f"hier een {right}")
            return v.WAARHEID
        if op == "vergelijk":
            joined = _join(left, right)
            if joined is None and {left, right} <= {v.JAAR, v.GEHEEL}:
                joined = v.JAAR
            if joined is None:
                hint = _type_hint(right, left)
                if left.name == "lijst":
                    hint = ("wilt u een som of aantal vergelijken? zet die tussen haakjes: "
                            "(som van ... over m in maanden) = ...")
                self.problems.error(node.op_pos, f"een {left} kan niet vergeleken worden met een {right}", hint)
                return v.ANY
            elif node.compare not in ("=", "<>") and joined.name in ("waar/onwaar", "persoon", "tekst", "lijst"):
                self.problems.error(node.op_pos, f"'{node.compare}' ordent waarden; een {joined} kan alleen met = of <> vergeleken worden")
            return v.WAARHEID
        if op in ("minimaal", "maximaal"):
            joined = _join(left, right)
            if joined is None and {left, right} == {v.JAAR, v.GEHEEL}:
                joined = v.JAAR
            if joined is None or not (joined.is_numeric or joined in (v.DATUM, v.MAAND, v.JAAR)):
                self.problems.error(node.op_pos, f"'{op}' begrenst een {left} met een {right}", _type_hint(right, left))
                return left
            return joined
        result = _arithmetic(op, left, right)
        if result is None:
            message = {
                "plus": f"een {left} en een {right} kunnen niet opgeteld worden",
                "min": f"een {right} kan niet afgetrokken worden van een {left}",
                "maal": f"een {left} kan niet vermenigvuldigd worden met een {right}",
                "gedeeld": f"een {left} kan niet gedeeld worden door een {right}",
            }[op]
            self.problems.error(node.op_pos, message, _arith_hint(op, left, right))
            return v.ANY
        return result

    def quantifier_type(self, node: Quantifier, env: _Env) -> v.Type:
        domain = self.infer(node.domain, env)
        if domain != v.ANY and domain.name != "lijst":
            if isinstance(node.domain, Binary):
                # 'som van x over m in maanden = € 0' reads as 'm in (maanden = € 0)'
                self.problems.error(node.domain.op_pos, f"na '{node.var} in' staat een lijst, maar hier begint "
                                                        f"een {_OPERATOR_WORDS.get(node.domain.op, 'bewerking')}",
                                    f"zet de hele '{_QUANTIFIER_WORDS[node.kind]} ...' tussen haakjes: "
                                    f"({_QUANTIFIER_WORDS[node.kind]} ... in maanden) = ...")
            else:
                self.problems.error(node.domain.pos, f"na '{node.var} in' staat een lijst, hier een {domain}",
                                    "bijvoorbeeld: personen, maanden")
            return v.ANY
        if domain == v.ANY:  # already reported; checking the body would only add follow-ups
            return v.ANY
        elem = domain.elem
        if node.var in self.rs.definitions or node.var in BUILTIN_NAMES:
            self.problems.error(node.pos, f"'{node.var}' is al de naam van iets anders",
                                "kies voor de doorloopvariabele een korte eigen naam, bijvoorbeeld k of p")
        inner = env.bind(node.var, elem)
        if node.cond is not None:
            what = "de voorwaarde na 'geldt'" if node.kind == "voor_alle" else "de voorwaarde na 'waarvoor'"
            self.expect(node.cond, self.infer(node.cond, inner), v.WAARHEID, what)
        if node.kind in ("er_is_een", "voor_alle"):
            return v.WAARHEID
        if node.kind == "aantal":
            return v.GEHEEL
        body = self.infer(node.body, inner)
        if body != v.ANY and not body.is_numeric:
            self.problems.error(node.body.pos, f"'som van' telt bedragen of getallen op, geen {body}")
            return v.ANY
        return body

    def check_channels(self) -> None:
        """The channels through which facts reach the administration: their
        condition is a rule per person and month, every fact they name exists,
        and every fact about persons is named by at least one channel, so that
        'zoals bekend op' knows how it arrives."""
        seen: dict[str, object] = {}
        for channel in self.rs.channels():
            if channel.name in seen:
                self.problems.error(channel.pos, f"kanaal '{channel.name}' staat ook in {seen[channel.name].article.file}",
                                    "geef elk kanaal een eigen naam")
            seen[channel.name] = channel
            if channel.condition is not None:
                rule = self.rs.rule(channel.condition)
                if rule is None:
                    self.problems.error(channel.condition_pos, f"'voorwaarde: {channel.condition}' noemt geen regel",
                                        _name_hint(channel.condition, [r.name for r in self.rs.rules()]) or
                                        "noem de regel die zegt of het kanaal gegevens over een persoon levert")
                elif not (rule.voor and rule.per == "maand" and rule.type == v.WAARHEID):
                    self.problems.error(channel.condition_pos, f"'voorwaarde: {channel.condition}' moet een regel zijn "
                                                               "die per maand voor een persoon waar of onwaar geeft",
                                        f"zet in {rule.article.file} bij '{rule.name}': type: waar/onwaar, per: maand, voor: p")
            for name in sorted(channel.explicit):
                item = self.rs.input(name) or self.rs.relation(name)
                if item is None or (self.rs.input(name) is not None and not self.rs.input(name).of_person):
                    facts = [i.name for i in self.rs.inputs() if i.of_person] + [r.name for r in self.rs.relations()]
                    self.problems.error(channel.fact_pos.get(name, channel.pos),
                                        f"kanaal '{channel.name}' noemt '{name}', maar dat is geen "
                                                     "gegeven van een persoon of relatie",
                                        _name_hint(name, facts) or "noem invoer met 'van: persoon' of relaties")
        if not seen:
            return
        named = set().union(*(c.explicit for c in seen.values()))
        for item in [i for i in self.rs.inputs() if i.of_person] + list(self.rs.relations()):
            # a policy variant's own inputs are choices about the policy, not facts that must reach the Dienst
            if item.name not in named and Path(item.article.file).parent.name not in NOT_LAW:
                self.problems.error(item.pos, f"'{item.name}' staat bij geen kanaal onder 'kanalen'",
                                    "zeg in welk register of via welke melding de Dienst Toeslagen dit gegeven krijgt: "
                                    f"zet '{item.name}' onder 'gegevens' van een kanaal (rules/ubawir/artikel_1b.yaml)")

    # --- versions and parameters ------------------------------------------------

    def check_duplicate_articles(self) -> None:
        seen = {}
        for article in self.rs.articles:
            if article.key in seen:
                self.problems.error(article.pos, f"{article.citation} staat ook in {seen[article.key]}",
                                    "één bestand per artikel; zet versies in dat bestand onder 'versies'")
            seen[article.key] = article.file

    def check_versions(self) -> None:
        for article in self.rs.articles:
            self.check_periods(article.versions, f"{article.citation}")
            for rule in article.rules.values():
                self.check_periods(rule.versions, f"regel '{rule.name}'")
                for version in rule.versions:
                    if article.versions and not any(
                        a.geldig_vanaf <= version.geldig_vanaf and (a.geldig_tot is None or version.geldig_vanaf < a.geldig_tot)
                        for a in article.versions
                    ):
                        self.problems.warn(version.pos, f"regel '{rule.name}' gaat in op {version.geldig_vanaf}, "
                                                        f"maar er is dan geen versie van {article.citation}")

    def check_periods(self, versions: list, what: str) -> None:
        """Versions are sorted by start. An open end runs until the next version."""
        for prev, nxt in zip(versions, versions[1:]):
            if nxt.geldig_vanaf == prev.geldig_vanaf:
                self.problems.error(nxt.pos, f"twee versies van {what} gaan op dezelfde dag in ({nxt.geldig_vanaf})",
                                    "geef elke versie een eigen 'geldig_vanaf'; zonder 'geldig_vanaf' "
                                    "geldt de eerste versie van het artikel")
                continue
            if prev.geldig_tot is None:
                prev.geldig_tot = nxt.geldig_vanaf
            if nxt.geldig_vanaf < prev.geldig_tot:
                self.problems.error(nxt.pos, f"versies van {what} overlappen: deze gaat in op {nxt.geldig_vanaf}, "
                                             f"de vorige geldt tot {prev.geldig_tot}",
                                    "'geldig_tot' is de eerste dag waarop de versie niet meer geldt")
            elif nxt.geldig_vanaf > prev.geldig_tot:
                hint = None
                if nxt.geldig_vanaf - prev.geldig_tot == dt.timedelta(days=1):
                    hint = ("'geldig_tot' is de eerste dag waarop de versie niet meer geldt: "
                            f"schrijf {nxt.geldig_vanaf} in plaats van {prev.geldig_tot}")
                self.problems.warn(nxt.pos, f"gat tussen versies van {what}: van {prev.geldig_tot} tot {nxt.geldig_vanaf} "
                                            "geldt geen versie", hint)

    def check_parameters(self) -> None:
        for parameter in self.rs.parameters():
            if id(parameter) not in self.used_parameters:
                self.problems.warn(parameter.pos, f"parameter '{parameter.name}' wordt door geen regel gebruikt")
            for entry in parameter.values:
                shown = "(tabel)" if parameter.key_type is not None else entry.raw
                if entry.onbevestigd:
                    self.problems.warn(entry.pos, f"waarde {shown} van '{parameter.name}' (vanaf {entry.vanaf}) "
                                                  f"is onbevestigd: {' '.join(entry.onbevestigd.split())}")
                if not entry.bron:
                    self.problems.warn(entry.pos, f"waarde {shown} van '{parameter.name}' (vanaf {entry.vanaf}) heeft geen bron",
                                       "noem de bron: de wettekst, een Staatscourant-regeling of het Handboek Toeslagen")
                self.check_against_law_text(parameter, entry)

    def check_against_law_text(self, parameter: Parameter, entry) -> None:
        """An amount or percentage in the law text of the lid that disagrees with the
        parameter value for the same date is a warning: one of the two is wrong."""
        lid = parameter.lid_on(entry.vanaf)
        if parameter.type not in _IN_LAW_TEXT or not lid or parameter.key_type is not None:
            return
        version = parameter.article.version_on(entry.vanaf)
        if version is None or lid not in version.leden:
            return
        pattern, read, show = _IN_LAW_TEXT[parameter.type]
        in_text = {read(m) for m in re.findall(pattern, version.leden[lid])}
        in_text.discard(None)
        acknowledged = {_coerce_quietly(o.get("waarde"), parameter.type) for o in entry.andere_bronnen}
        if entry.interpretatie and acknowledged & in_text:
            return  # the disagreement is recorded and explained in the rule file
        if in_text and entry.value not in in_text:
            listed = ", ".join(show(a) for a in sorted(in_text))
            self.problems.warn(entry.pos, f"'{parameter.name}' is {show(entry.value)} vanaf {entry.vanaf}, "
                                          f"maar lid {lid} van {parameter.article.citation} in de versie "
                                          f"{version.label} noemt {listed}",
                               "controleer de wettekst of de parameter")


def _coerce_quietly(raw, type_: v.Type):
    try:
        return coerce_value(raw, type_, UNKNOWN_POS)
    except RegelsError:
        return None


def _amount(text: str):
    try:
        return v.parse_amount_nl(text.rstrip(".,"))
    except ValueError:
        return None


def _percentage(text: str):
    try:
        return v.parse_percent_nl(text.replace(" ", ""))
    except ValueError:
        return None


# What check_against_law_text looks for in the text of a lid, per type of parameter:
# (pattern, how to read a match, how to show a value).
_IN_LAW_TEXT = {
    v.BEDRAG: (r"€\s?\d[\d.]*(?:,\d+)?", _amount, v.format_amount_nl),
    v.PERCENTAGE: (r"(?<![\d.,])\d[\d.]*(?:,\d+)?\s?%", _percentage, v.format_percent_nl),
}


def _join(a: v.Type, b: v.Type) -> v.Type | None:
    """The common type of two branches or operands, or None."""
    if a == v.ANY:
        return b
    if b == v.ANY:
        return a
    if a == b:
        return a
    if {a, b} == {v.GEHEEL, v.GETAL}:
        return v.GETAL
    if a.name == "lijst" and b.name == "lijst":
        elem = _join(a.elem, b.elem)
        return v.lijst(elem) if elem else None
    return None


_NUMBERS = (v.GEHEEL, v.GETAL)
_KIND_WORDS = {"Parameter": "parameter", "Input": "invoer", "Relation": "relatie", "Rule": "regel"}
_OPERATOR_WORDS = {"vergelijk": "vergelijking", "en": "'en'", "of": "'of'", "plus": "optelling",
                   "min": "aftrekking", "maal": "vermenigvuldiging", "gedeeld": "deling",
                   "minimaal": "'minimaal'", "maximaal": "'maximaal'", "in_lijst": "'in'",
                   "niet_in_lijst": "'niet in'"}
_QUANTIFIER_WORDS = {"som": "som van", "aantal": "aantal", "er_is_een": "er is een", "voor_alle": "voor alle"}


def _arithmetic(op: str, a: v.Type, b: v.Type) -> v.Type | None:
    if op in ("plus", "min"):
        if a == b and a in (v.BEDRAG, v.PERCENTAGE, v.GEHEEL, v.GETAL):
            return a
        if a in _NUMBERS and b in _NUMBERS:
            return v.GETAL
        if {a, b} == {v.JAAR, v.GEHEEL} and (a == v.JAAR or op == "plus"):
            return v.JAAR
        if op == "min" and a == b == v.JAAR:
            return v.GEHEEL
        if a == v.DATUM and b == v.GEHEEL:  # a date plus or minus a number of days
            return v.DATUM
        if op == "min" and a == b == v.DATUM:  # the number of days between two dates
            return v.GEHEEL
        return None
    if op == "maal":
        pair = {a, b}
        if a == b == v.GEHEEL:
            return v.GEHEEL
        if a in _NUMBERS and b in _NUMBERS:
            return v.GETAL
        if v.BEDRAG in pair and (pair - {v.BEDRAG}) <= {v.GEHEEL, v.GETAL, v.PERCENTAGE} and len(pair) == 2:
            return v.BEDRAG
        if a == b == v.PERCENTAGE:
            return v.PERCENTAGE
        if v.PERCENTAGE in pair and (pair - {v.PERCENTAGE}) <= set(_NUMBERS):
            return v.PERCENTAGE
        return None
    if op == "gedeeld":
        if a == v.BEDRAG and b in _NUMBERS:
            return v.BEDRAG
        if a == b and a in (v.BEDRAG, v.PERCENTAGE):
            return v.GETAL
        if a in _NUMBERS and b in _NUMBERS:
            return v.GETAL
        if a == v.PERCENTAGE and b in _NUMBERS:
            return v.PERCENTAGE
        return None
    return None


def _arith_hint(op: str, a: v.Type, b: v.Type) -> str | None:
    if op == "maal" and a == b == v.BEDRAG:
        return "twee bedragen vermenigvuldigen geeft geen bedrag; bedoelde u een percentage of aantal?"
    if v.WAARHEID in (a, b):
        return "gebruik 'als ... dan ... anders' om met een voorwaarde te rekenen"
    if v.PERCENTAGE in (a, b) and op in ("plus", "min"):
        return "een percentage van een bedrag schrijft u als '6,75% van bedrag'"
    if v.BEDRAG in (a, b) and {a, b} & set(_NUMBERS) and op in ("plus", "min"):
        return "schrijf een bedrag met het euroteken: € 1.000"
    return None


def _type_hint(found: v.Type, wanted: v.Type) -> str | None:
    if wanted == v.BEDRAG and found in _NUMBERS:
        return "schrijf een bedrag met het euroteken: € 1.000"
    if wanted == v.PERCENTAGE and found in _NUMBERS:
        return "schrijf een percentage met een procentteken: 6,75%"
    if wanted == v.GEHEEL and found == v.GETAL:
        return "rond af op een geheel getal: ... afgerond naar beneden op 1"
    if wanted == v.WAARHEID:
        return "een voorwaarde is waar of onwaar, bijvoorbeeld: inkomen > € 0"
    return None


def _name_hint(name: str, candidates) -> str | None:
    return suggest(name, candidates)


def columnar_report(rule_set: RuleSet) -> tuple[list, tuple[int, int]]:
    """What the columnar backend (interpreter/columnar) cannot compute in this
    checked rule set, as errors, and its coverage (rules it compiles, rules).
    One error per construct it refuses, at that construct, naming the rule;
    the rules that only rest on such a rule are named in its hint. Not part of
    check_rule_set: the interpreter computes every rule; `regels check`
    reports these so a rule set is known to run on both backends."""
    from .columnar.compiler import Plan  # numpy: only for `regels check`

    plan = Plan(rule_set)
    by_cause: dict[int, tuple] = {}
    for name in plan.problems:
        cause = plan.causes[name]
        own, followers = by_cause.setdefault(id(cause), (cause, []))
        if plan.problems[name] is not cause:
            followers.append(name)
    errors = []
    for cause, followers in by_cause.values():
        d = cause.diagnostics[0]
        hint = d.hint
        if followers:
            hint = ((hint + "; ") if hint else "") + (
                f"daardoor ook niet kolomsgewijs: {', '.join(sorted(followers))}")
        errors.append(Diagnostic(d.pos, d.message, hint))
    errors.sort(key=lambda d: (d.pos.file, d.pos.line, d.pos.column))
    return errors, plan.coverage()
