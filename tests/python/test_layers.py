"""The package's layers point one way: every module imports only modules of its own layer
or below (imports inside functions count too), and no two modules import each other,
directly or through others. A new module must be given a layer here."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "downline"

#: Bottom first. _core is the compiled module.
LAYERS = [
    {"_core", "errors", "_messages", "_html", "_convert", "_base", "_csvwrite"},  # messages and conversions
    {"ids", "orders", "readers", "sample", "events"},                # ids, orders and events
    {"network"},                                                      # the network
    {"segment", "types", "movements"},                                # segmentation, types, movements
    {"survival", "retention", "cohort"},                              # survival
    {"plan"},                                                         # compensation plans
    {"plots"},                                                        # plots
    {"__init__"},                                                     # the public face
    {"cli"},                                                          # the command line
]
LAYER = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def _imports(path: Path) -> set[str]:
    """The package modules a module imports, anywhere in it (top level or in functions)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 or (node.level == 0 and (node.module or "").split(".")[0] == "downline"):
                parts = (node.module or "").split(".")
                parts = parts[1:] if node.level == 0 else parts
                if parts and parts[0]:
                    out.add(parts[0])
                else:  # from . import x, y: modules, or names of the package itself
                    out |= {a.name if a.name in LAYER else "__init__" for a in node.names}
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "downline":
                    out.add(parts[1] if len(parts) > 1 else "__init__")
    return out


def _graph() -> dict[str, set[str]]:
    return {p.stem: _imports(p) - {p.stem} for p in PACKAGE.glob("*.py")}


def test_every_module_has_a_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules - set(LAYER) == set(), "give these modules a layer in LAYERS"
    assert set(LAYER) - modules == {"_core"}, "LAYERS names modules that do not exist"


def test_imports_point_down():
    upward = [(m, dep) for m, deps in _graph().items() for dep in sorted(deps) if LAYER[dep] > LAYER[m]]
    assert upward == [], "modules importing a higher layer: " + ", ".join(f"{m} -> {d}" for m, d in upward)


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cycles = []
    for root in sorted(graph):
        stack = [(root, iter(sorted(graph[root])))]
        path = [root]
        state.setdefault(root, 1)
        if state[root] == 2:
            continue
        while stack:
            node, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state and dep in graph:
                state[dep] = 1
                stack.append((dep, iter(sorted(graph[dep]))))
                path.append(dep)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_checks_see_an_upward_import(tmp_path):
    # the parser finds imports inside functions and "from . import x" forms
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from .plots import heatmap\n    from . import network, __version__\n"
                   "import downline.cli\n")
    assert _imports(src) == {"plots", "network", "__init__", "cli"}
