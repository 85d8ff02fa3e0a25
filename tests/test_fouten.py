"""Error fixtures: broken rule files and case files under tests/fouten/.

Each fixture states in its first comment lines the first diagnostic it must
produce:

    # verwacht: 12:7: onbekende naam 'alo_kopp'
    # hint: bedoelde u 'alo_kop'?
    # casus: bij_iets.yaml          (rule fixtures only, optional)
    # Fout: <one line in Dutch: the mistake this file shows>

meaning: the first error the library reports (in the order the library sorts
them) is in this very file, at line 12, column 7, its message contains the
text after the position and its hint contains the text after 'hint:'.

- tests/fouten/regels/*.yaml is an extra article loaded together with the
  fixed rule set in tests/fouten/basis/ and then checked. Some errors only show
  when a case is evaluated (conflicting exceptions): such a fixture names a
  companion case with '# casus:'; that case lives in tests/fouten/casussen/,
  has no '# verwacht:' header and is evaluated against basis + the fixture.
- tests/fouten/casussen/*.yaml with a '# verwacht:' header is a case loaded
  and evaluated against the basis rule set alone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import textwrap

import pytest
import yaml

from regels import values as v
from regels import yamlpos
from regels.api import case_from_text, evaluate, load_case, load_rules
from regels.case import MAX_PERSONS
from regels.check import check_rule_set
from regels.diagnostics import Diagnostic, RegelsError
from regels.loader import load_rule_set, rule_files
from regels.yamlpos import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_FILE_BYTES, load_yaml, parse_yaml
from tests.helpers import write_rules

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
FOUTEN = ROOT / "fouten"
BASIS = FOUTEN / "basis"
RULE_DIR = FOUTEN / "regels"
CASE_DIR = FOUTEN / "casussen"
MINIMUM_FIXTURES = 20


# --- headers -------------------------------------------------------------------

_EXPECT = re.compile(r"^#\s*verwacht:\s*(\d+):(\d+):\s*(.*?)\s*$")
_FIELD = re.compile(r"^#\s*(hint|casus):\s*(.*?)\s*$")


@dataclass
class Expected:
    line: int
    column: int
    message: str
    hint: str | None = None
    casus: str | None = None  # companion case file name (rule fixtures only)
    has_description: bool = False


def read_header(path: Path) -> Expected | None:
    """The expectation in the leading comment lines, or None without '# verwacht:'."""
    expected = None
    fields: dict[str, str] = {}
    description = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.startswith("#"):
            break
        match = _EXPECT.match(raw)
        if match:
            expected = Expected(int(match[1]), int(match[2]), match[3])
            continue
        match = _FIELD.match(raw)
        if match:
            fields[match[1]] = match[2]
        elif raw.lstrip("#").strip():
            description = True
    if expected is None:
        return None
    expected.hint = fields.get("hint") or None
    expected.casus = fields.get("casus") or None
    expected.has_description = description
    return expected


def _case_files_with_header() -> list[Path]:
    return [p for p in sorted(CASE_DIR.glob("*.yaml")) if read_header(p) is not None]


RULE_FIXTURES = sorted(RULE_DIR.glob("*.yaml"))
CASE_FIXTURES = _case_files_with_header()
ALL_FIXTURES = RULE_FIXTURES + CASE_FIXTURES


def _fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# --- running a fixture ------------------------------------------------------------


def _rule_set(extra: Path | None = None):
    files = rule_files(BASIS) + ([extra] if extra is not None else [])
    rule_set = load_rule_set(BASIS, files=files)
    check_rule_set(rule_set)
    return rule_set


@pytest.fixture(scope="module")
def basis_rules():
    return _rule_set()


def _run(path: Path, expected: Expected, basis_rules) -> None:
    """Load (and where needed evaluate) a fixture; raises what the library raises."""
    if path.parent == RULE_DIR:
        rule_set = _rule_set(path)
        if expected.casus:
            evaluate(rule_set, load_case(CASE_DIR / expected.casus, rule_set))
    else:
        evaluate(basis_rules, load_case(path, basis_rules))


def _show(path: Path, line: int, column: int, label: str) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not 0 < line <= len(lines):
        return f"    ({label}: regel {line} bestaat niet)"
    return f"    {lines[line - 1]}\n    {' ' * (column - 1)}^ {label} {line}:{column}"


def _explain(path: Path, expected: Expected, diagnostics: list[Diagnostic]) -> str:
    first = diagnostics[0]
    parts = [f"verwacht: {expected.line}:{expected.column}: {expected.message}"
             + (f"\n    hint: {expected.hint}" if expected.hint else ""),
             _show(path, expected.line, expected.column, "verwacht"),
             "gemeld:"]
    parts += ["  " + d.format().replace("\n", "\n  ") for d in diagnostics]
    if Path(first.pos.file).resolve() == path.resolve():
        parts.append(_show(path, first.pos.line, first.pos.column, "gemeld"))
    return "\n".join(parts)


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=_fixture_id)
def test_fixture_reports_expected_diagnostic(path: Path, basis_rules):
    expected = read_header(path)
    assert expected is not None, f"{path}: geen '# verwacht: regel:kolom: melding' bovenaan"
    diagnostics, crash = None, None
    try:
        _run(path, expected, basis_rules)
    except RegelsError as exc:
        diagnostics = exc.diagnostics
    except Exception as exc:  # a crash is a bug in the library, not a diagnostic
        crash = f"{type(exc).__name__}: {str(exc)[:200]}"
    want = f"{expected.line}:{expected.column}: {expected.message}"
    if crash:
        pytest.fail(f"{_fixture_id(path)}: {crash} in plaats van een melding (verwacht: {want})", pytrace=False)
    if diagnostics is None:
        pytest.fail(f"{_fixture_id(path)}: geen fout gemeld (verwacht: {want})", pytrace=False)

    assert diagnostics, "RegelsError zonder meldingen"
    first = diagnostics[0]  # the library reports them sorted by file, line, column
    explanation = _explain(path, expected, diagnostics)
    assert first.severity == "fout", explanation
    assert Path(first.pos.file).resolve() == path.resolve(), \
        f"de eerste melding staat in {first.pos.file}, niet in het voorbeeld\n{explanation}"
    assert (first.pos.line, first.pos.column) == (expected.line, expected.column), \
        f"verkeerde plaats\n{explanation}"
    assert expected.message in first.message, f"verkeerde melding\n{explanation}"
    if expected.hint:
        assert first.hint and expected.hint in first.hint, f"verkeerde of geen hint\n{explanation}"
    assert "Traceback" not in first.format()


# --- the fixtures themselves --------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=_fixture_id)
def test_fixture_header_is_well_formed(path: Path):
    expected = read_header(path)
    assert expected is not None
    assert expected.has_description, f"{path}: een commentaarregel die de fout beschrijft ontbreekt"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert 0 < expected.line <= len(lines), f"{path}: regel {expected.line} bestaat niet"
    assert 0 < expected.column <= len(lines[expected.line - 1]) + 1, \
        f"{path}: kolom {expected.column} ligt buiten regel {expected.line}"
    assert expected.message, f"{path}: de verwachte melding is leeg"
    if expected.casus:
        assert path.parent == RULE_DIR, f"{path}: alleen een regelvoorbeeld kan een casus noemen"
        assert (CASE_DIR / expected.casus).is_file(), f"{path}: casus {expected.casus} bestaat niet"


def test_enough_fixtures():
    assert len(ALL_FIXTURES) >= MINIMUM_FIXTURES, \
        f"{len(ALL_FIXTURES)} foutvoorbeelden; er horen er ten minste {MINIMUM_FIXTURES} te zijn"
    assert RULE_FIXTURES and CASE_FIXTURES


def test_every_case_without_header_is_a_companion():
    """A case file without '# verwacht:' is only allowed as the companion of a
    rule fixture; otherwise it would silently test nothing."""
    companions = {read_header(p).casus for p in RULE_FIXTURES if read_header(p) and read_header(p).casus}
    for path in sorted(CASE_DIR.glob("*.yaml")):
        if read_header(path) is None:
            assert path.name in companions, f"{path}: geen '# verwacht:' en door geen regelvoorbeeld genoemd"


# --- the real command line ------------------------------------------------------------


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("REGELS_DEBUG", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, "-m", "regels.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def _copy_basis(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(BASIS, rules)
    return rules


def _assert_cli_reports(result: subprocess.CompletedProcess, shown_path: str, expected: Expected) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "interne fout" not in output, output
    assert result.returncode == 2, f"exitcode {result.returncode}\n{output}"
    prefix = f"{shown_path}:{expected.line}:{expected.column}: fout: "
    first = result.stderr.splitlines()[0] if result.stderr else ""
    assert first.startswith(prefix), f"eerste regel op stderr begint niet met {prefix!r}\n{result.stderr}"
    assert expected.message in first, result.stderr
    if expected.hint:
        assert "hint: " in result.stderr and expected.hint in result.stderr, result.stderr


@pytest.mark.parametrize("name", ["onbekende_naam.yaml", "yaml_inspringing.yaml", "kringverwijzing.yaml"])
def test_cli_check_reports_file_line_column(tmp_path: Path, name: str):
    rules = _copy_basis(tmp_path)
    shutil.copy(RULE_DIR / name, rules / name)
    result = _cli(["check", "rules"], cwd=tmp_path)
    _assert_cli_reports(result, f"rules/{name}", read_header(RULE_DIR / name))


def test_cli_bereken_reports_case_error(tmp_path: Path):
    """An error that only shows while evaluating (a missing fact) also comes out
    as file:line:column with exit code 2."""
    _copy_basis(tmp_path)
    name = "ontbrekend_gegeven.yaml"
    shutil.copy(CASE_DIR / name, tmp_path / name)
    result = _cli(["bereken", name, "--regels", "rules"], cwd=tmp_path)
    _assert_cli_reports(result, name, read_header(CASE_DIR / name))


# --- what a fixture cannot show: limits that need a generated input --------------------
#
# The limits on reading (docs: "Grenzen") are enforced while the file is read;
# a file too large, too deep or too full of aliases is refused in milliseconds.


def _first(exc: pytest.ExceptionInfo):
    return exc.value.diagnostics[0]


@pytest.fixture(params=["libyaml", "python"])
def yaml_loader(request, monkeypatch):
    """Each limit holds with libyaml and with the pure-Python fallback."""
    if request.param == "python":
        monkeypatch.setattr(yamlpos, "CParser", None)
    elif yamlpos.CParser is None:
        pytest.skip("PyYAML is gebouwd zonder libyaml")
    return request.param


def _case(persons: str, relations: str = "  - {soort: kinderbijslag_voor, ouder: moeder, kind: sara}\n") -> str:
    return ("casus: test\nberekeningsjaar: 2020\ngegevens:\n  aanvrager: moeder\npersonen:\n"
            + textwrap.indent(textwrap.dedent(persons), "  ")
            + "  sara:\n    geboortedatum: 2015-02-01\nrelaties:\n" + relations)


def test_file_larger_than_the_limit_is_rejected_before_reading(tmp_path):
    path = tmp_path / "groot.yaml"
    path.write_text("casus: x\n" + "# opvulling\n" * (MAX_FILE_BYTES // 12 + 1), encoding="utf-8")
    with pytest.raises(RegelsError) as exc:
        load_yaml(path, "groot.yaml")
    first = _first(exc)
    assert first.pos.file == "groot.yaml" and "groter dan 1 MB" in first.message
    assert "1.000.000 bytes" in first.hint


def test_text_larger_than_the_limit_is_rejected():
    with pytest.raises(RegelsError) as exc:
        parse_yaml("a: " + "x" * MAX_FILE_BYTES, "api.yaml")
    assert "groter dan 1 MB" in _first(exc).message


@pytest.mark.parametrize("text, line", [
    ("a:\n" + "".join(" " * i + "- \n" for i in range(1, MAX_DEPTH + 5)), None),  # block lists
    ("- " * 20000 + "x\n", 1),
    ("a: " + "{b: " * 20000 + "x" + "}" * 20000 + "\n", 1),
    ("a: " + "[" * 50000 + "\n", 1),  # never closed
    ("".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "x\n", None),
])
def test_nesting_deeper_than_the_limit_is_rejected(text, line, yaml_loader):
    with pytest.raises(RegelsError) as exc:
        parse_yaml(text, "diep.yaml")
    first = _first(exc)
    assert f"meer dan {MAX_DEPTH} lagen" in first.message and f"ten hoogste {MAX_DEPTH} lagen" in first.hint
    if line is not None:
        assert first.pos.line == line


def test_nesting_up_to_the_limit_is_read(yaml_loader):
    depth = MAX_DEPTH - 1  # the top-level table is the first layer
    data = parse_yaml("a: " + "[" * depth + "x" + "]" * depth + "\n", "diep.yaml")
    for _ in range(depth + 1):
        data = data["a"] if isinstance(data, dict) else data[0]
    assert data == "x"


@pytest.mark.parametrize("text", [
    "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH)) + "  " * MAX_DEPTH + "x\n",  # tables by indentation
    "- " * MAX_DEPTH + "x\n",  # lists in lists on one line
    "a:\n" + "".join("  " * i + "- b:\n" for i in range(1, MAX_DEPTH // 2)) + "  " * MAX_DEPTH + "x\n",
])
def test_block_nesting_up_to_the_limit_is_read(text, yaml_loader):
    assert parse_yaml(text, "diep.yaml")


def test_aliases_within_the_budget_are_read(yaml_loader):
    data = parse_yaml("bron: &b 'WKB art. 2'\na: *b\nlijst: &l [1, 2, 3]\nb: [*l, *l]\n", "alias.yaml")
    assert data["a"] == "WKB art. 2" and data["b"] == [[1, 2, 3], [1, 2, 3]]


def test_alias_budget_counts_every_value_an_alias_writes(yaml_loader):
    items = ", ".join(["x"] * (MAX_ALIAS_VALUES // 2))
    with pytest.raises(RegelsError) as exc:
        parse_yaml(f"a: &a [{items}]\nb: *a\nc: *a\n", "alias.yaml")
    first = _first(exc)
    assert (first.pos.line, first.pos.column) == (3, 4)
    assert f"meer dan {v.format_number_nl(MAX_ALIAS_VALUES)} waarden" in first.message


@pytest.mark.parametrize("text", ["a: &t [*t]\n", "a: &t {b: [1, *t]}\n"])
def test_an_alias_inside_its_own_anchor_is_an_error(text, yaml_loader):
    with pytest.raises(RegelsError) as exc:
        parse_yaml(text, "alias.yaml")
    assert "verwijst naar de lijst of tabel waarin hij zelf staat" in _first(exc).message


@pytest.mark.parametrize("name", ["yaml_tab.yaml", "yaml_inspringing.yaml"])
def test_a_yaml_syntax_error_reads_the_same_with_either_loader(name, monkeypatch):
    """libyaml words its errors differently; the message comes from PyYAML's loader."""
    def first(path):
        with pytest.raises(RegelsError) as exc:
            load_yaml(path, name)
        return _first(exc)
    with_libyaml = first(RULE_DIR / name)
    monkeypatch.setattr(yamlpos, "CParser", None)
    assert first(RULE_DIR / name) == with_libyaml


def _nodes(node, out: list) -> list:
    out.append((type(node).__name__, node.tag, getattr(node, "style", None) or None, node.value if isinstance(node, yaml.ScalarNode)
                else None, node.start_mark.index, node.start_mark.line, node.start_mark.column,
                node.end_mark.index, node.end_mark.line, node.end_mark.column))
    children = node.value if isinstance(node, yaml.SequenceNode) else \
        [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else []
    for child in children:
        _nodes(child, out)
    return out


@pytest.mark.skipif(yamlpos.CParser is None, reason="PyYAML is gebouwd zonder libyaml")
@pytest.mark.parametrize("path", sorted((REPO / "rules").rglob("*.yaml")) + sorted(BASIS.glob("*.yaml")),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_libyaml_gives_the_same_nodes_and_positions_as_pyyaml(path: Path):
    """Positions are character offsets in both (a rule file is full of €, three
    bytes in UTF-8), so every error points at the same line and column."""
    source = path.read_text(encoding="utf-8")
    fast = yamlpos._LibyamlLoader(source, path.name).get_single_node()
    slow = yamlpos._PythonLoader(source, path.name).get_single_node()
    assert _nodes(fast, []) == _nodes(slow, [])


def test_rules_and_cases_stay_well_within_the_limits():
    """The rule files of the law and every case: a third of MAX_DEPTH at most,
    no file near MAX_FILE_BYTES."""
    paths = [p for folder in ("rules", "tests/casussen", "voorbeelden") for p in (REPO / folder).rglob("*.yaml")]
    assert len(paths) > 100
    for path in paths:
        source = path.read_text(encoding="utf-8")
        assert len(source.encode("utf-8")) < MAX_FILE_BYTES // 4, path
        assert _depth(yamlpos._PythonLoader(source, path.name).get_single_node()) <= MAX_DEPTH // 3, path


def _depth(node) -> int:
    if isinstance(node, yaml.SequenceNode):
        return 1 + max((_depth(n) for n in node.value), default=0)
    if isinstance(node, yaml.MappingNode):
        return 1 + max((_depth(n) for pair in node.value for n in pair), default=0)
    return 0


# --- case limits -----------------------------------------------------------------------

def test_more_persons_than_the_limit_is_an_error_at_the_first_one_too_many(basis_rules):
    persons = "moeder:\n  geboortedatum: 1985-04-12\n" + "".join(
        f"kind{i}:\n  geboortedatum: 2015-02-01\n" for i in range(MAX_PERSONS))
    with pytest.raises(RegelsError) as exc:
        case_from_text(_case(persons), basis_rules)
    first = _first(exc)
    assert f"meer dan {MAX_PERSONS} personen" in first.message and "MAX_PERSONS" not in first.message
    assert first.pos.line == 6 + 2 * MAX_PERSONS  # the key of person number MAX_PERSONS + 1


def test_persons_up_to_the_limit_are_read(basis_rules):
    persons = "moeder:\n  geboortedatum: 1985-04-12\n" + "".join(
        f"kind{i}:\n  geboortedatum: 2015-02-01\n" for i in range(MAX_PERSONS - 2))
    case = case_from_text(_case(persons), basis_rules)
    assert len(case.persons) == MAX_PERSONS


def test_a_longer_cycle_in_a_relation_is_an_error(basis_rules):
    relations = ("  - {soort: kinderbijslag_voor, ouder: moeder, kind: sara}\n"
                 "  - {soort: kinderbijslag_voor, ouder: sara, kind: opa}\n"
                 "  - {soort: kinderbijslag_voor, ouder: opa, kind: moeder}\n")
    with pytest.raises(RegelsError) as exc:
        case_from_text(_case("moeder:\nopa:\n", relations), basis_rules)
    assert "vormt een kring: opa → moeder → sara → opa" in _first(exc).message


def test_a_symmetric_relation_may_be_written_both_ways(tmp_path):
    rules = write_rules(tmp_path, """\
        invoer:
          aanvrager: {type: persoon}
        relaties:
          huwelijk: {tussen: [partner, partner], symmetrisch: ja}
        regels:
          x: {type: geheel getal, uitkomst: ja, formule: aantal p in personen waarvoor huwelijk(aanvrager; p)}
        """)
    rule_set = load_rules(rules)
    case_from_text("casus: t\nberekeningsjaar: 2020\ngegevens: {aanvrager: a}\npersonen: {a: , b: }\n"
                   "relaties:\n  - {soort: huwelijk, tussen: [a, b]}\n  - {soort: huwelijk, tussen: [b, a]}\n", rule_set)


def test_case_title_keeps_the_text_as_written(basis_rules):
    case = case_from_text("casus: ja\nomschrijving: 3.050\nberekeningsjaar: 2020\npersonen: {moeder: }\n", basis_rules)
    assert (case.title, case.omschrijving) == ("ja", "3.050")
