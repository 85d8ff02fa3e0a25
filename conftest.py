"""pytest collects case files: every YAML file under a folder named 'casussen'
or 'voorbeelden' with expected values ('verwacht:') is a test, run against the
rule set in rules/. A failure shows each expected value, the computed value and
the source of the expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).parent
CASE_FOLDERS = {"casussen", "voorbeelden"}
_rule_set = None


def rule_set():
    global _rule_set
    if _rule_set is None:
        from interpreter.api import load_rules

        _rule_set = load_rules(ROOT / "rules")
    return _rule_set


def pytest_collect_file(parent, file_path: Path):
    if (file_path.suffix == ".yaml" and CASE_FOLDERS & set(file_path.parts)
            and not {"fouten", "varianten"} & set(file_path.parts)):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        yield CaseItem.from_parent(self, name=self.path.stem)


class CaseFailure(Exception):
    pass


class CaseItem(pytest.Item):
    def runtest(self):
        from interpreter.api import load_case
        from interpreter.casetest import check_case
        from interpreter.diagnostics import RegelsError

        rules = rule_set()
        try:
            case = load_case(self.path, rules)
            if not case.expectations:
                raise CaseFailure(f"{self.path}: de casus heeft geen 'verwacht:'; een testcasus noemt verwachte waarden")
            _, mismatches = check_case(rules, case)
        except RegelsError as exc:
            raise CaseFailure("\n".join(d.format() for d in exc.diagnostics))
        if mismatches:
            raise CaseFailure("\n".join(m.format() for m in mismatches))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"casus {self.name}"
