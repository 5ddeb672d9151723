"""Documentation kept true: the generated stub and API reference are current, the stub
names everything the compiled module has, and every public function, class and method has
a docstring."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import downline as dl
from downline import _core

ROOT = Path(__file__).resolve().parents[2]


def test_generated_reference_files_are_current():
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "generate.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_stub_covers_the_compiled_module():
    tree = ast.parse((ROOT / "python" / "downline" / "_core.pyi").read_text())
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    top |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    assert {n for n in dir(_core) if not n.startswith("_")} | {"__version__"} <= top
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name, node in classes.items():
        members = {m.name for m in node.body if isinstance(m, ast.FunctionDef)}
        members |= {m.target.id for m in node.body if isinstance(m, ast.AnnAssign)}  # constants
        public = {a for a in vars(getattr(_core, name)) if not a.startswith("_")}
        assert public <= members, (name, public - members)


def test_every_public_name_has_a_docstring():
    missing = []
    for name in dl.__all__:
        obj = getattr(dl, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                fn = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                if inspect.isfunction(fn) and not (fn.__doc__ or "").strip():
                    missing.append(f"{name}.{attr}")
    assert not missing, missing
