"""The house holds: the layer contract of pyproject.toml (the one ``lint-imports`` checks), no
import cycle between project modules, no function a reader cannot hold in their head."""

import ast
import copy
from pathlib import Path

import grimp
import pytest
from importlinter import api
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[2]
CONFIG = api.read_configuration(str(ROOT / "pyproject.toml"))
PACKAGES = CONFIG["session_options"]["root_packages"]
MAX_FUNCTION_LINES = 80


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _layers_contract() -> LayersContract:
    (options,) = [c for c in CONFIG["contracts_options"] if c["type"] == "layers"]
    return LayersContract(
        name=options["name"], session_options=CONFIG["session_options"], contract_options=options
    )


def test_the_code_keeps_the_layer_contract(graph):
    check = _layers_contract().check(graph, verbose=False)

    assert check.kept, check.metadata


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("transfers.views.orders", "enterprise.models"),  # an operation reaching for approvals
        ("accounts.services.ledger", "transfers.models"),  # the ledger knowing its users
        ("identity.models", "accounts.models"),  # who you are depending on money
        ("common.formatting", "accounts.models"),  # the leaf importing an app
        ("enterprise.services.approvals", "payroll.models"),  # company features: payroll sits above
    ],
)
def test_an_upward_import_breaks_the_contract(graph, importer, imported):
    graph = copy.deepcopy(graph)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")

    assert not _layers_contract().check(graph, verbose=False).kept


def test_no_import_cycle_between_project_modules(graph):
    """Every direct import a → b, including imports inside functions: b must not lead back to
    a. (Tasks import services; services enqueue tasks by name.)"""
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" → ".join((importer, *back)))

    assert cycles == []


def _functions():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path.name == "seed_demo.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name}", length


def test_no_function_over_80_lines_outside_migrations_and_demo_data():
    long = [f"{where} ({length} lines)" for where, length in _functions() if length > 80]

    assert long == []
