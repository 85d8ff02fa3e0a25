"""The documentation tells the truth: generated pages match what the code
produces now, and the README's commands are the ones CI runs."""

from pathlib import Path

from interpreter.docs import generated_files

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
