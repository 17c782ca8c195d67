"""The layering the package promises: imports go one way, and the lower layers stay light.

``core`` <- ``data`` <- ``nn`` <- {``generator``, ``retrieval``} <- ``serving`` <- ``prover``
<- ``cli``; the generator may use a retriever (through its interface), retrieval never
imports the generator.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tacgen"
LAYERS = {
    "core": 0,
    "data": 1,
    "nn": 2,
    "generator": 3,
    "retrieval": 3,
    "serving": 4,
    "prover": 5,
    "cli": 6,
}
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def _subpackage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "tacgen" else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every ``tacgen.*`` module imported anywhere in a file (functions, TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.split(".")[0] == "tacgen"]


def test_every_module_belongs_to_a_layer() -> None:
    assert MODULES, PACKAGE
    for path in MODULES:
        assert path.relative_to(PACKAGE).parts[0] in LAYERS | {"demo_data": 0}, path


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0]
    for line, name in _imports(path):
        target = _subpackage(name)
        where = f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        if target is None:  # "import tacgen": the lazy facade is for users, not layers
            raise AssertionError(f"{where}: import the defining module instead")
        assert target in LAYERS, where
        assert LAYERS[target] <= LAYERS[own], f"{where}: {own} is below {target}"
        assert not (own == "retrieval" and target == "generator"), f"{where}: retrieval is below"


def test_a_violation_would_be_caught(tmp_path: Path) -> None:
    """The checker sees imports inside functions (the usual place for a lazy one)."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from tacgen.generator.module import X\n")
    assert _imports(bad) == [(2, "tacgen.generator.module")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_modules_neither_parse_arguments_nor_print(path: Path) -> None:
    if path.relative_to(PACKAGE).parts[0] == "cli":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert "argparse" not in names, f"{path}:{node.lineno} imports argparse"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "print", f"{path}:{node.lineno} prints"


def test_core_and_data_do_not_import_torch() -> None:
    """Every module of ``tacgen.core`` and ``tacgen.data`` imports without torch/Lightning."""
    names = [
        "tacgen." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for p in MODULES
        if p.relative_to(PACKAGE).parts[0] in ("core", "data")
    ]
    assert "tacgen.data.benchmark" in names and "tacgen.core.records" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "import tacgen\n"
        "print(sorted(m for m in ('torch', 'lightning', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


LIGHT_MODULES = [
    "tacgen.generator.options",
    "tacgen.serving.remote",
    *(f"tacgen.cli.{name}" for name in ("common", "generate", "serve", "prove", "info")),
]
"""Imported by every command's argument parsing, and by CPU-only proof-search clients."""


def test_argument_parsing_and_remote_clients_do_not_import_torch() -> None:
    """``tacgen generate --help`` and bad flags answer at once (torch costs seconds)."""
    code = (
        "import importlib, sys\n"
        f"for name in {LIGHT_MODULES!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('torch', 'lightning', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_public_names_resolve() -> None:
    """Every name in ``tacgen.__all__`` (the stable API) imports from its module."""
    import tacgen

    for name in tacgen.__all__:
        assert getattr(tacgen, name) is not None, name
    with pytest.raises(AttributeError):
        _ = tacgen.no_such_name  # type: ignore[attr-defined]
