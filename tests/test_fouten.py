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

import pytest

from interpreter.api import evaluate, load_case
from interpreter.check import check_rule_set
from interpreter.diagnostics import Diagnostic, RegelsError
from interpreter.loader import load_rule_set, rule_files

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
    return subprocess.run([sys.executable, "-m", "interpreter.cli", *args], cwd=cwd, env=env,
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
