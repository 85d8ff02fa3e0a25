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
