"""Fuzz targets: what `regels` must do with any input, shared by the property
tests (tests/test_eigenschappen.py, bounded, in CI) and the long run
(benchmarks/fuzz.py). Each target takes one generated input and returns an
Outcome:

- OK: the input was accepted and evaluated;
- FOUT: it was rejected with located diagnostics (a RegelsError), which is right
  for bad input;
- INTERN: anything else escaped (a Python exception): a bug in regels;
- MISLEZING: a value was read as something other than what was written, without
  an error: the worst kind of bug for a legal tool;
- HANG: the input took longer than the time limit.

The generators here make inputs from a random.Random, so a run is repeatable
from its seed; failing inputs are kept as regression fixtures under
tests/fouten/fuzz/ (see save_failure)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import signal
import tempfile
import traceback
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASIS = ROOT / "tests" / "fouten" / "basis"
FAILURES = ROOT / "tests" / "fouten" / "fuzz"
CASE_DIRS = [ROOT / "tests" / "casussen", ROOT / "voorbeelden"]
TIME_LIMIT = 10  # seconds per input; longer is a hang

OK, FOUT, INTERN, MISLEZING, HANG = "ok", "fout", "intern", "mislezing", "hang"


@dataclass
class Outcome:
    kind: str
    detail: str = ""


class _TimeUp(BaseException):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise _TimeUp after `seconds` (Unix, main thread only)."""
    def alarm(signum, frame):
        raise _TimeUp()
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def guarded(run, *args, seconds: float = TIME_LIMIT) -> Outcome:
    """Run a target and classify what escaped it."""
    from regels.diagnostics import RegelsError

    try:
        with time_limit(seconds):
            result = run(*args)
        return result if isinstance(result, Outcome) else Outcome(OK)
    except RegelsError as exc:
        if not exc.diagnostics:
            return Outcome(INTERN, "RegelsError zonder meldingen")
        return Outcome(FOUT, exc.diagnostics[0].message)
    except _TimeUp:
        return Outcome(HANG, f"langer dan {seconds} s")
    except RecursionError:
        return Outcome(INTERN, "RecursionError")
    except MemoryError:
        return Outcome(INTERN, "MemoryError")
    except Exception as exc:  # noqa: BLE001 - classifying is the point
        return Outcome(INTERN, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-4)}")


# --- the targets ---------------------------------------------------------------

_BASIS_CACHE: dict = {}


def _base_files() -> list[Path]:
    return sorted(p for p in BASIS.glob("*.yaml") if p.name != "regelset.yaml")


def _cache_base_yaml() -> None:
    """The base rule files never change: parse them once per process (the
    loader reads each file it is given; the fuzzed extra file is read anew)."""
    from regels import loader

    if "patched" in _BASIS_CACHE:
        return
    original = loader.load_yaml
    cache: dict = {}

    def load_yaml(path, display_name=None):
        path = Path(path)
        if path.parent == BASIS:
            if path not in cache:
                cache[path] = original(path, display_name)
            return cache[path]
        return original(path, display_name)

    loader.load_yaml = load_yaml
    _BASIS_CACHE["patched"] = True


def _scratch() -> Path:
    if "scratch" not in _BASIS_CACHE:
        _BASIS_CACHE["scratch"] = Path(tempfile.mkdtemp(prefix="regels-fuzzdoel-"))
    return _BASIS_CACHE["scratch"]


def rule_file_target(text: str) -> Outcome:
    """An extra article next to the small base rule set of tests/fouten/basis:
    loaded and checked, then a one-person case evaluated with every rule it
    defines requested."""
    from regels.api import case_from_text, evaluate
    from regels.check import check_rule_set
    from regels.loader import load_rule_set

    _cache_base_yaml()
    extra = _scratch() / "extra.yaml"
    extra.write_text(text, encoding="utf-8", errors="surrogateescape")
    rule_set = load_rule_set(BASIS, files=_base_files() + [extra])
    check_rule_set(rule_set)
    wanted = [r.name for r in rule_set.rules() if r.target is None and Path(r.article.file).name == "extra.yaml"]
    case = case_from_text(BASE_CASE + ("uitkomsten: [" + ", ".join(wanted) + "]\n" if wanted else ""), rule_set)
    evaluate(rule_set, case, trace=True)
    return Outcome(OK)


def syntax_target(formula: str) -> Outcome:
    """A formula through the parser alone: syntax errors are located errors."""
    from regels.syntax import parse_formula

    parse_formula(formula, "fuzz.yaml")
    return Outcome(OK)


BASE_CASE = """\
casus: fuzz
berekeningsjaar: 2020
gegevens:
  aanvrager: ouder
personen:
  ouder:
    geboortedatum: 1985-01-01
    inkomen: € 20.000
  kind:
    geboortedatum: 2015-06-01
relaties:
  - {soort: kinderbijslag_voor, ouder: ouder, kind: kind, vanaf: 2015-07-01}
"""


FORMULA_ARTICLE = """\
wet: Fuzzwet
afkorting: FW
bwb: BWBR0000009
artikel: "9"
versies:
  - geldig_vanaf: 2019-01-01
    publicatie: fuzz
regels:
  fuzz_regel:
    type: {type}
    per: {per}
    lid: "1"
    formule: {formula}
"""


def formula_target(formula: str, type_: str = "bedrag", per: str = "jaar") -> Outcome:
    """One formula as a rule in an extra article (see rule_file_target)."""
    import json

    text = FORMULA_ARTICLE.format(type=type_, per=per, formula=json.dumps(formula, ensure_ascii=False))
    return rule_file_target(text)


def case_target(text: str, rule_sets, trace: bool = False) -> Outcome:
    """A case file's text read against the real rule set and evaluated."""
    from regels.api import evaluate
    from regels.case import declared_variant, read_case
    from regels.yamlpos import parse_yaml

    data = parse_yaml(text, "fuzz.yaml")
    variant = declared_variant(data)
    rule_set = rule_sets.get([variant] if variant and variant in _variants() else [])
    case = read_case(data, rule_set)
    evaluate(rule_set, case, trace=trace)
    return Outcome(OK)


def _variants() -> list[str]:
    from regels.api import variant_names
    if "variants" not in _BASIS_CACHE:
        _BASIS_CACHE["variants"] = variant_names(ROOT / "rules")
    return _BASIS_CACHE["variants"]


def amount_target(rendering: str, intended: Fraction | None, quoted: bool) -> Outcome:
    """An amount as a legal specialist might write it in a case file. The
    value read must be the one meant, or the reading must fail: `intended` is
    None when the rendering is ambiguous (any located error is then right,
    and so is no value at all; only a wrong value is not)."""
    from regels import values as v
    from regels.loader import coerce_value
    from regels.yamlpos import parse_yaml

    scalar = '"' + rendering.replace('"', '') + '"' if quoted else rendering
    data = parse_yaml(f"toetsingsinkomen:\n  waarde: {scalar}\n", "fuzz.yaml")
    spec = data["toetsingsinkomen"]
    value = coerce_value(spec["waarde"], v.BEDRAG, spec.pos_of("waarde"), spec.raw_of("waarde"))
    if intended is not None and value != intended:
        return Outcome(MISLEZING, f"{rendering!r} gelezen als {value}, bedoeld {intended}")
    if intended is None:
        return Outcome(MISLEZING, f"{rendering!r} is dubbelzinnig, maar gelezen als {value}")
    return Outcome(OK)


SCRATCH = "{kras}"  # in a stored command line: a fresh scratch folder
CHECKOUT = "{wortel}"  # in a stored input: this checkout, wherever it is


def cli_target(argv: list[str]) -> Outcome:
    """A command line, run in-process; stdout and stderr are swallowed. An exit
    code of 3 is an internal error. '{kras}' in an argument is a scratch folder
    with an empty folder 'leeg' and a good case 'goed.yaml' for the base rules."""
    from regels.cli import main

    scratch = _scratch() / "kras"
    if not scratch.exists():
        (scratch / "leeg").mkdir(parents=True)
        (scratch / "goed.yaml").write_text(BASE_CASE, encoding="utf-8")
    argv = [a.replace(SCRATCH, str(scratch)).replace(CHECKOUT, str(ROOT)) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:  # argparse: a usage error
        code = exc.code if isinstance(exc.code, int) else 2
    if code == 3 or "interne fout" in err.getvalue():
        return Outcome(INTERN, err.getvalue()[-2000:])
    if code not in (0, 1, 2, 130):
        return Outcome(INTERN, f"exitcode {code}")
    return Outcome(OK if code in (0, 1) else FOUT)


# --- generators ------------------------------------------------------------------

NAMES = ["aanvrager", "inkomen", "geboortedatum", "heeft_partner", "bedrag_per_kind", "alo_kop",
         "aantal_kinderen", "alleenstaande_ouderkop", "budget_per_maand", "budget", "maand", "maanden",
         "personen", "berekeningsjaar", "k", "p", "m", "onbekend", "vw.1.alo_kop"]
FUNCTIONS = ["max", "min", "abs", "eerste_dag", "laatste_dag", "leeftijd", "datum", "jaar", "maand",
             "vorige_maand", "volgende_maand", "begin", "maanden_later", "dagen", "opgegeven",
             "kinderbijslag_voor", "onbekende_functie"]
WEIRD_NUMBERS = ["0", "1", "-1", "999999999999", "1" + "0" * 40, "9" * 5000, "0,000001", "١٢٣", "1e5", "1.000.000",
                 "3.389", "35,000", "1.234,56", "00012", "1_000"]
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]


def random_atom(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(NAMES)
    if kind < 0.4:
        return "€ " + rng.choice(WEIRD_NUMBERS + ["3.050", "1.022,50", "0"])
    if kind < 0.5:
        return rng.choice(WEIRD_NUMBERS[:9] + ["6,75"]) + "%"
    if kind < 0.6:
        year = rng.choice([1, 1900, 2019, 2020, 9999, 10000])
        return f"{rng.randint(1, 31)} {rng.choice(MONTHS)} {year}"
    if kind < 0.75:
        return rng.choice(WEIRD_NUMBERS)
    if kind < 0.85:
        return rng.choice(["waar", "onwaar", '"tekst"', "[1; 2]", "[]"])
    return rng.choice(NAMES)


def random_formula(rng: random.Random, depth: int = 0) -> str:
    if depth > 3 or rng.random() < 0.3:
        return random_atom(rng)
    sub = lambda: random_formula(rng, depth + 1)  # noqa: E731
    choice = rng.randrange(14)
    if choice == 0:
        return f"als {sub()} dan {sub()} anders {sub()}"
    if choice == 1:
        return f"{sub()} {rng.choice(['+', '-', '*', '/', 'en', 'of', '=', '<', '>=', '<>', 'minimaal', 'maximaal'])} {sub()}"
    if choice == 2:
        return f"niet {sub()}"
    if choice == 3:
        var = rng.choice(["p", "k", "m", "d"])
        domain = rng.choice(["personen", "maanden", "dagen(1 januari 2020; 31 januari 2020)",
                             "dagen(1 januari 0001; 31 december 9999)", "[1; 2; 3]"])
        return rng.choice([f"er is een {var} in {domain} waarvoor {sub()}",
                           f"voor alle {var} in {domain} geldt {sub()}",
                           f"aantal {var} in {domain} waarvoor {sub()}",
                           f"som van {sub()} over {var} in {domain}"])
    if choice == 4:
        return f"({sub()})"
    if choice == 5:
        args = "; ".join(sub() for _ in range(rng.randint(0, 3)))
        return f"{rng.choice(FUNCTIONS)}({args})"
    if choice == 6:
        return f"{sub()} op {sub()}"
    if choice == 7:
        return f"{sub()} zoals bekend op {sub()}"
    if choice == 8:
        unit = rng.choice(["hele euro's", "centen", "€ 0", "0%", "€ 10", "1"])
        return f"{sub()} afgerond {rng.choice(['', 'naar beneden ', 'naar boven '])}op {unit}"
    if choice == 9:
        return f"{sub()} van {sub()}"
    if choice == 10:
        return f"{sub()} waarbij ({rng.choice(NAMES)} = {sub()})"
    if choice == 11:
        return f"{sub()} {rng.choice(['in', 'niet in'])} {sub()}"
    if choice == 12:
        return f"maanden_later({sub()}; {rng.choice(WEIRD_NUMBERS[:6])})"
    return f"- {sub()}"


def mutate_text(rng: random.Random, text: str, rounds: int = 3) -> str:
    """Line- and character-level damage of a YAML text, of the kinds a hurried
    edit or a hostile file produces."""
    lines = text.splitlines()
    for _ in range(rounds):
        if not lines:
            lines = [""]
        op = rng.randrange(14)
        i = rng.randrange(len(lines))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines = lines[:i]
        elif op == 4 and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = key + ": " + rng.choice(WEIRD_NUMBERS + ["nooit", "ja", "[]", "{}", "~", "&a [*a]", "*b",
                                                                "1900-01-01", "0001-01-01", "9999-12-31",
                                                                "2014-02-30", '"\\u0000"', "€ " + "9" * 4400])
        elif op == 5:
            lines[i] = " " * rng.randint(0, 9) + lines[i].lstrip()
        elif op == 6:
            lines[i] = lines[i].replace(" ", "\t", 1)
        elif op == 7:
            pos = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:pos] + rng.choice(["{", "}", "[", "]", ":", "#", "'", '"', "&x ", "*x", "|", ">",
                                                      "%", "@", "\x00", "\ufeff", "١"]) + lines[i][pos:]
        elif op == 8:
            lines.insert(i, "anker: &bom [" + ", ".join(["*bom"] * 3) + "]")
        elif op == 9:
            depth = rng.choice([50, 500, 5000])
            lines.insert(i, "diep: " + "[" * depth + "]" * depth)
        elif op == 10:
            lines[i] = lines[i].replace("20", rng.choice(["19", "21", "00", "99"]), 1)
        elif op == 11:
            lines[i] = lines[i] * rng.randint(2, 4)
        elif op == 12:
            lines.append(rng.choice(["berekeningsjaar: 2014", "berekeningsjaar: 2030", "casus: [a, b]",
                                     "omschrijving: {x: 1}", "personen: []", "relaties: {}"]))
        else:
            lines[i] = lines[i][::-1]
    return "\n".join(lines) + "\n"


def amount_case(rng: random.Random) -> tuple[str, Fraction | None, bool]:
    """An amount and one way a person might write it; None as meaning when the
    writing is ambiguous."""
    euros = rng.choice([rng.randint(0, 999), rng.randint(1000, 999_999), rng.randint(10**6, 10**12)])
    cents = rng.choice([0, 0, rng.randint(0, 99)])
    value = Fraction(euros) + Fraction(cents, 100)
    whole = f"{euros:,}".replace(",", ".")
    frac = f",{cents:02d}" if cents else ""
    forms = [
        (f"€ {whole}{frac}", value),
        (f"€{whole}{frac}", value),
        (f"EUR {whole}{frac}", value),
        (f"{whole}{frac}", value),  # Dutch without the euro sign: the dots are thousands
        (f"{euros}{frac}", value),
    ]
    if euros >= 1000 and not cents:
        english = f"{euros:,}"  # 35,000: English thousands, or Dutch three decimals?
        forms.append((english, None))
        forms.append((f"€ {english}", None))
    if cents:
        forms.append((f"{euros}.{cents:02d}", None))  # a decimal point: English, or Dutch thousands?
    rendering, meant = rng.choice(forms)
    return rendering, meant, rng.random() < 0.3


CLI_VERBS = ["bereken", "uitleg", "check", "test", "tijdlijn", "vergelijk"]


def cli_args(rng: random.Random, scratch: Path, cases: list[Path]) -> list[str]:
    """A command line over the small base rule set (fast), now and then over the real one."""
    verb = rng.choice(CLI_VERBS)
    args = [verb]
    target = rng.choice([str(rng.choice(cases)), str(rng.choice(cases)), str(scratch), "/", "/nonexistent/x.yaml",
                         str(scratch / "leeg"), "/dev/null", str(BASIS)])
    if verb != "check" or rng.random() < 0.8:
        args.append(target)
    rules = str(BASIS) if rng.random() < 0.9 else str(ROOT / "rules")
    options = rng.sample(["--json", "--taal", "--formaat", "--uitvoer", "--variant", "--regels", "--waarom",
                          "--waarom-niet", "--wat-verandert", "--zonder-trace"], k=rng.randint(0, 3))
    if "--regels" not in options and verb != "check":
        args += ["--regels", rules]
    for option in options:
        if option == "--taal":
            args += [option, rng.choice(["nl", "en", "fr"])]
        elif option == "--formaat":
            args += [option, rng.choice(["tekst", "markdown", "html", "pdf"])]
        elif option == "--uitvoer":
            args += [option, rng.choice([str(scratch / "uit.txt"), str(scratch), str(scratch / "uit.txt" / "x"),
                                         "/proc/nope/x"])]
        elif option == "--variant":
            args += [option, rng.choice(["afzien_terugvordering_alo_kop", "../wkb/artikel_2", "bestaat_niet"])]
        elif option == "--regels":
            args += [option, rng.choice([rules, str(scratch), "/nonexistent"])]
        elif option in ("--waarom", "--waarom-niet", "--wat-verandert"):
            args += [option, rng.choice(["budget", "alleenstaande_ouderkop", "bestaat_niet"])]
        else:
            args.append(option)
    return args


def cli_cases() -> list[Path]:
    """Case files for the base rule set: the error fixtures and one good case."""
    return sorted((ROOT / "tests" / "fouten" / "casussen").glob("*.yaml")) + [Path(SCRATCH) / "goed.yaml"]


def case_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for d in CASE_DIRS for p in sorted(d.rglob("*.yaml"))]


def save_failure(target: str, payload: str, outcome: Outcome) -> Path:
    """Keep a failing input as a regression fixture (tests/test_fuzz_regressie.py replays it)."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    payload = payload.replace(str(ROOT), CHECKOUT)  # the fixture replays in any checkout
    digest = hashlib.sha256((target + "\0" + payload).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    path = FAILURES / f"{target}-{digest}.txt"
    header = "".join(f"# {line}\n" for line in outcome.detail.splitlines()[:6])
    path.write_text(f"# doel: {target}\n# uitkomst: {outcome.kind}\n{header}---\n{payload}",
                    encoding="utf-8", errors="surrogateescape")
    return path
