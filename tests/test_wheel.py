"""`regels` as a user gets it (issue 13, item 1): the wheel built from this tree,
installed with its dependencies into a fresh venv, run from an empty directory,
with the rule set, schemas and column mapping it carries. And the rule-set lookup:
--regels DIR > $REGELS_REGELS > the nearest rules/ > the bundled rule set.

The wheel test builds and installs for real (pip's cache keeps a second run fast);
the lookup tests run in this process."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from regels import api
from regels.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml"
# what the wheel is built from: the files pyproject.toml names (not build/ or .venv/)
SOURCES = ["pyproject.toml", "README.md", "interpreter", "rules", "schemas", "populatie", "voorbeelden"]


def _amount(text: str) -> Decimal:
    """'€ 5.389' or '€ 433,88' (as a case file writes it) as a Decimal."""
    return Decimal(text.replace("€", "").strip().replace(".", "").replace(",", "."))


def _plain(text: str) -> str:
    """Output with non-breaking spaces as plain spaces, so amounts compare as typed."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _run(command, timeout=300, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's `regels`, an empty working directory, its environment): the wheel of this
    tree installed into a new venv without this venv's packages."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "bron"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = base / "wielen"
    built = _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(wheels), "-q"])
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(wheels.glob("regels-*.whl"))
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # the dependencies from the index pip uses here (its cache makes a second run quick)
    done = _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    empty = base / "leeg"
    empty.mkdir()
    env = {k: x for k, x in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", api.RULES_ENVIRONMENT, api.MAPPING_ENVIRONMENT)}
    env["REGELS_CACHE"] = str(base / "cache")
    return venv / "bin" / "regels", empty, env


def test_the_wheel_carries_the_rule_set_schemas_mapping_grammar_and_templates(installed):
    regels, _, _ = installed
    site = next(regels.parent.parent.glob("lib/python*/site-packages/regels"))
    shipped = sorted(p.relative_to(site / "wet").as_posix() for p in (site / "wet").rglob("*.yaml"))
    assert shipped == sorted(p.relative_to(ROOT / "rules").as_posix() for p in (ROOT / "rules").rglob("*.yaml"))
    assert "regelset.yaml" in shipped and any(p.startswith("varianten/") for p in shipped)
    for name in ("casus.schema.json", "regelbestand.schema.json"):
        assert (site / "schemas" / name).read_bytes() == (ROOT / "schemas" / name).read_bytes()
    assert (site / "populatie" / "kolommen.yaml").read_bytes() == (ROOT / "populatie" / "kolommen.yaml").read_bytes()
    assert (site / "grammar.lark").is_file() and list((site / "explain" / "templates").rglob("*.j2"))
    # the example cases, for the web page of `regels serve` (and a first try after installing)
    examples = sorted(p.relative_to(site / "voorbeelden").as_posix() for p in (site / "voorbeelden").rglob("*.yaml"))
    assert examples == sorted(p.relative_to(ROOT / "voorbeelden").as_posix()
                              for p in (ROOT / "voorbeelden").rglob("*.yaml"))
    assert list((site / "serve_static").iterdir())  # the web page of `regels serve`


def test_a_fresh_install_works_from_an_empty_directory(installed, tmp_path):
    regels, empty, env = installed
    case = empty / EXAMPLE.name
    shutil.copy(EXAMPLE, case)
    expected = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["verwacht"]
    release = yaml.safe_load((ROOT / "rules" / "regelset.yaml").read_text(encoding="utf-8"))["versie"]
    here = api.RuleSets(ROOT / "rules").get()

    version = _run([str(regels), "--version"], cwd=empty, env=env)
    package = re.search(r'(?m)^version = "(.*)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")).group(1)
    assert version.returncode == 0, version.stderr
    assert f"regels {package}" in version.stdout
    # the bundled rule set, byte for byte the one in this tree: the same release and hash
    assert f"regelset {here.version_label} uit " in version.stdout and release in version.stdout
    assert "site-packages" in version.stdout, version.stdout

    check = _run([str(regels), "check"], cwd=empty, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "geen fouten" in check.stdout and "site-packages" in check.stdout

    computed = _run([str(regels), "bereken", case.name, "--json", "--zonder-trace"], cwd=empty, env=env)
    assert computed.returncode == 0, computed.stderr
    result = json.loads(computed.stdout)
    assert Decimal(result["uitkomsten"]["kindgebonden_budget"]) == _amount(expected["kindgebonden_budget"]["waarde"])
    assert result["regelset"]["hash"] == here.version["hash"]  # the bundled files are this tree's, byte for byte
    months = result["per_maand"]["kindgebonden_budget_maand"]
    for span, amount in expected["kindgebonden_budget_maand"]["per_maand"].items():
        first, last = (int(m[-2:]) for m in span.split(" t/m "))
        assert {months[f"2020-{m:02d}"] for m in range(first, last + 1)} == {f"{_amount(amount):.2f}"}

    text = _run([str(regels), "bereken", case.name], cwd=empty, env=env)
    assert text.returncode == 0 and expected["kindgebonden_budget"]["waarde"] in _plain(text.stdout), text.stdout

    explained = _run([str(regels), "uitleg", case.name], cwd=empty, env=env)
    assert explained.returncode == 0, explained.stderr
    assert expected["kindgebonden_budget"]["waarde"] in _plain(explained.stdout)
    assert "WKB" in explained.stdout and "art" in explained.stdout

    tested = _run([str(regels), "test", case.name], cwd=empty, env=env)
    assert tested.returncode == 0 and "1 goed, 0 mis, 0 fout" in tested.stdout, tested.stdout + tested.stderr

    # the examples come with the package: the README's example runs from any directory
    listed = _run([str(regels), "voorbeeld"], cwd="/", env=env)
    assert listed.returncode == 0 and EXAMPLE.stem in listed.stdout, listed.stderr
    shown = _run([str(regels), "voorbeeld", EXAMPLE.stem], cwd="/", env=env)
    assert shown.stdout == EXAMPLE.read_text(encoding="utf-8")
    piped = _run([str(regels), "uitleg", "-"], cwd="/", env=env, input=shown.stdout)
    assert piped.returncode == 0, piped.stderr
    assert expected["kindgebonden_budget"]["waarde"] in _plain(piped.stdout.splitlines()[3] + piped.stdout.splitlines()[4])


def test_a_fresh_install_uses_another_rule_set_when_asked(installed, tmp_path):
    regels, empty, env = installed
    other = _relabelled_copy(tmp_path, "9999.1-anders")
    shutil.copy(EXAMPLE, empty / EXAMPLE.name)
    by_option = _run([str(regels), "bereken", EXAMPLE.name, "--regels", str(other)], cwd=empty, env=env)
    assert by_option.returncode == 0 and "9999.1-anders" in by_option.stdout, by_option.stdout + by_option.stderr
    by_variable = _run([str(regels), "--version"], cwd=empty, env={**env, api.RULES_ENVIRONMENT: str(other)})
    assert "regelset 9999.1-anders" in by_variable.stdout and str(other) in by_variable.stdout, by_variable.stdout


def test_a_fresh_install_reads_csv_without_pyarrow_and_names_the_extra_for_parquet(installed, tmp_path):
    regels, empty, env = installed
    python = regels.parent / "python"
    missing = _run([str(python), "-c", "import pyarrow"], env=env, timeout=60)
    assert missing.returncode != 0, "pyarrow is an extra ([parquet]), not a dependency"
    population = tmp_path / "populatie.csv"
    shutil.copy(ROOT / "tests" / "data" / "populatie_klein.csv", population)
    out = tmp_path / "uit.csv"
    batch = _run([str(regels), "batch", str(population), "--uitvoer", str(out)], cwd=empty, env=env)
    assert batch.returncode == 0, batch.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith('"huishouden"')
    parquet = _run([str(regels), "batch", str(population), "--uitvoer", str(tmp_path / "uit.parquet")],
                   cwd=empty, env=env)
    assert parquet.returncode == 2 and "Traceback" not in parquet.stderr
    assert "pyarrow" in parquet.stderr and "pip install 'regels[parquet]'" in parquet.stderr, parquet.stderr
    assert not (tmp_path / "uit.parquet").exists()


# --- the lookup, in this process ---------------------------------------------------------------

def _relabelled_copy(tmp_path: Path, label: str, name: str = "anders") -> Path:
    """A copy of rules/ whose release label is `label`."""
    copy = tmp_path / name / "rules"
    shutil.copytree(ROOT / "rules", copy)
    manifest = copy / "regelset.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r'(?m)^versie: .*$', f'versie: "{label}"', text), encoding="utf-8")
    return copy


@pytest.fixture
def three_rule_sets(tmp_path, monkeypatch):
    """A working copy (in the working directory), one in $REGELS_REGELS and one for --regels."""
    monkeypatch.setenv("REGELS_CACHE", "uit")
    monkeypatch.delenv(api.RULES_ENVIRONMENT, raising=False)
    near = _relabelled_copy(tmp_path, "1.0-dichtbij", "werkkopie")
    variable = _relabelled_copy(tmp_path, "2.0-omgeving", "omgeving")
    option = _relabelled_copy(tmp_path, "3.0-optie", "optie")
    case = near.parent / EXAMPLE.name
    shutil.copy(EXAMPLE, case)
    monkeypatch.chdir(near.parent)
    return case, variable, option


def _version(capsys, *argv) -> str:
    assert main([*argv, "--version"]) == 0
    return capsys.readouterr().out


def test_the_lookup_order_is_option_then_variable_then_nearest(three_rule_sets, monkeypatch, capsys):
    case, variable, option = three_rule_sets
    assert "regelset 1.0-dichtbij" in _version(capsys)
    assert main(["bereken", case.name]) == 0 and "1.0-dichtbij" in capsys.readouterr().out
    monkeypatch.setenv(api.RULES_ENVIRONMENT, str(variable))
    assert "regelset 2.0-omgeving" in _version(capsys)
    assert main(["bereken", case.name]) == 0 and "2.0-omgeving" in capsys.readouterr().out
    assert "regelset 3.0-optie" in _version(capsys, "--regels", str(option))
    for argv in (["bereken", case.name, "--regels", str(option)], ["--regels", str(option), "bereken", case.name],
                 ["--regels", str(option), "uitleg", case.name, "--formaat", "markdown"]):
        assert main(argv) == 0, argv
        assert "3.0-optie" in capsys.readouterr().out, argv
    assert main(["check", "--regels", str(option)]) == 0
    assert "regelset regels-toeslagen 3.0-optie" in capsys.readouterr().out
    assert main(["--regels", str(option), "check"]) == 0 and "3.0-optie" in capsys.readouterr().out
    assert main(["test", case.name, "--regels", str(option)]) == 0 and "1 goed" in capsys.readouterr().out
    # without the article the case needs, that rule set fails: the errors name its files
    shutil.rmtree(option / "wkb")
    assert main(["test", case.name, "--regels", str(option)]) != 0
    assert f"{option}/awir/artikel_14.yaml" in "".join(capsys.readouterr())


def test_without_a_working_copy_the_bundled_rule_set_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv(api.RULES_ENVIRONMENT, raising=False)
    monkeypatch.chdir(tmp_path)
    # in a source tree (or an editable install) the bundled rule set is the one beside interpreter/
    assert api.rules_directory_for().resolve() == (ROOT / "rules").resolve()
    assert api.rules_directory_for(tmp_path / "elders.yaml").resolve() == (ROOT / "rules").resolve()
    assert api.column_mapping_for(api.rules_directory_for()).resolve() == (ROOT / "populatie" / "kolommen.yaml")
    assert api.schema_file("casus").resolve() == ROOT / "schemas" / "casus.schema.json"


def test_the_column_mapping_follows_the_rule_set_unless_given(tmp_path, monkeypatch):
    monkeypatch.delenv(api.MAPPING_ENVIRONMENT, raising=False)
    copy = _relabelled_copy(tmp_path, "x")
    assert api.column_mapping_for(copy).resolve() == (ROOT / "populatie" / "kolommen.yaml").resolve()  # none beside
    (copy.parent / "populatie").mkdir()
    (copy.parent / "populatie" / "kolommen.yaml").write_text("kolommen: {}\n", encoding="utf-8")
    assert api.column_mapping_for(copy) == (copy.parent / "populatie" / "kolommen.yaml").resolve()
    monkeypatch.setenv(api.MAPPING_ENVIRONMENT, str(tmp_path / "eigen.yaml"))
    assert api.column_mapping_for(copy) == tmp_path / "eigen.yaml"
    assert api.column_mapping_for(copy, tmp_path / "optie.yaml") == tmp_path / "optie.yaml"
