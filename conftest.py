"""pytest collects case files: every YAML file under a folder named 'casussen'
or 'voorbeelden' with expected values is a test, run against the rule set in
rules/ ('verwacht:') and, for a case that names a variant, against the law with
that variant ('verwacht_met_variant:'). A failure shows each expected value, the computed value and
the source of the expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).parent
CASE_FOLDERS = {"casussen", "voorbeelden"}
_rule_sets = None


def rule_sets():
    global _rule_sets
    if _rule_sets is None:
        from regels.api import RuleSets

        _rule_sets = RuleSets(ROOT / "rules")
    return _rule_sets


def pytest_collect_file(parent, file_path: Path):
    if (file_path.suffix == ".yaml" and CASE_FOLDERS & set(file_path.parts)
            and "fouten" not in file_path.parts):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        yield CaseItem.from_parent(self, name=self.path.stem)


class CaseFailure(Exception):
    pass


class CaseItem(pytest.Item):
    def runtest(self):
        from regels.casetest import check_case_file
        from regels.diagnostics import RegelsError

        try:
            _, mismatches = check_case_file(self.path, rule_sets())
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
