"""The layering rules of docs/ARCHITECTURE, checked on the import statements of every module."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["drivers", "kiosk", "central", "privacy_log", "wire"]


def modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def top(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_there_are_modules_to_check() -> None:
    assert len(modules()) > 10


@pytest.mark.parametrize("path", [p for p in modules() if rel(p).startswith("drivers/")], ids=rel)
def test_drivers_never_import_kiosk_or_central(path: Path) -> None:
    assert not {top(n) for n in imported_names(path)} & {"kiosk", "central"}


@pytest.mark.parametrize("path", [p for p in modules() if rel(p).startswith("central/")], ids=rel)
def test_central_never_imports_the_kiosk(path: Path) -> None:
    """What both ends must agree on lives in wire/, which both import (function-level imports count:
    ``ast.walk`` sees them)."""
    assert "kiosk" not in {top(n) for n in imported_names(path)}


@pytest.mark.parametrize("path", [p for p in modules() if rel(p).startswith("wire/")], ids=rel)
def test_wire_imports_only_the_standard_library(path: Path) -> None:
    """(and ``cryptography``: the outreach batch file is signed and encrypted on both ends)"""
    assert {top(n) for n in imported_names(path)} <= set(sys.stdlib_module_names) | {"wire", "cryptography"}


SESSION_MAY_IMPORT = ("kiosk.session", "kiosk.domain", "kiosk.config")
SESSION_EXCEPTIONS = {"kiosk/session/devices.py": {"drivers.contract"}}  # the one health vocabulary


@pytest.mark.parametrize("path", [p for p in modules() if rel(p).startswith("kiosk/session/")], ids=rel)
def test_the_session_is_pure(path: Path) -> None:
    """The session imports the standard library, the domain, the config and itself; the device health
    vocabulary (drivers/contract.py, re-exported by kiosk/session/devices.py) is the one exception."""
    allowed = SESSION_EXCEPTIONS.get(rel(path), set())
    offenders = {n for n in imported_names(path)
                 if top(n) not in sys.stdlib_module_names and n not in allowed
                 and not any(n == ok or n.startswith(ok + ".") for ok in SESSION_MAY_IMPORT)}
    assert not offenders


def test_the_session_rule_detects_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "flow.py"
    bad.write_text("import dataclasses\nfrom drivers.printer.driver import ReceiptPrinter\n"
                   "from kiosk.services.device_hub import DeviceHub\nfrom kiosk.domain.fees import compute_fees\n")
    names = imported_names(bad)
    assert {n for n in names if top(n) not in sys.stdlib_module_names
            and not any(n == ok or n.startswith(ok + ".") for ok in SESSION_MAY_IMPORT)} == {
        "drivers.printer.driver", "kiosk.services.device_hub"}


@pytest.mark.parametrize("path", [p for p in modules() if not rel(p).startswith("kiosk/ui/")], ids=rel)
def test_kivy_is_imported_only_under_kiosk_ui(path: Path) -> None:
    assert "kivy" not in {top(n) for n in imported_names(path)}


@pytest.mark.parametrize("path", sorted((ROOT / "drivers").rglob("protocol.py")), ids=rel)
def test_protocol_codecs_do_no_io(path: Path) -> None:
    forbidden = {"serial", "socket", "threading", "time", "logging", "asyncio", "select", "os"}
    assert not {top(n) for n in imported_names(path)} & forbidden


def test_the_rule_detects_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "protocol.py"
    bad.write_text("import time\nfrom kivy.app import App\nfrom kiosk import config\n")
    assert {top(n) for n in imported_names(bad)} == {"time", "kivy", "kiosk"}


SLEEP = re.compile(r"\b(?:time\.)?sleep\(")


@pytest.mark.parametrize("path", sorted((ROOT / "tests").rglob("*.py")), ids=rel)
def test_tests_wait_on_events_not_sleep(path: Path) -> None:
    """Standard 3: no sleep() to wait for things. A line may opt out with '# sleep-ok: <why>'."""
    offenders = [
        f"{rel(path)}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SLEEP.search(line) and "sleep-ok:" not in line and "SLEEP = " not in line
    ]
    assert not offenders


# ==================================================================================================
# No import circles: dependencies inside kiosk/, drivers/, central/ point one way

def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_edges(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The project modules ``path`` imports, at any depth of the file (``TYPE_CHECKING`` blocks and
    imports inside functions count too: a circle hidden in a function is still a circle).
    ``from package import name`` points at the submodule when ``name`` is one, else at the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in known else base)
    return {t for t in targets if t in known and t != here}


def import_cycles(paths: list[Path], root: Path = ROOT) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    known = {module_name(p, root) for p in paths}
    graph = {module_name(p, root): import_edges(p, known, root) for p in paths}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


@pytest.mark.parametrize("package", ["kiosk", "drivers", "central"])
def test_no_import_circles(package: str) -> None:
    assert import_cycles(sorted((ROOT / package).rglob("*.py"))) == []


def test_the_circle_check_finds_a_circle_through_a_function_and_type_checking(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import c\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    (pkg / "d.py").write_text("import pkg.a\n")
    assert import_cycles(sorted(pkg.rglob("*.py")), tmp_path) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
