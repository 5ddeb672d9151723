"""Every code block of the user documentation runs: README.md, docs/concepts.md and
docs/internals.md.

- ```python blocks of one file run in order in one namespace, in a fresh directory, as a
  user pasting them one after the other would run them; a block followed at once by a
  ```text block must print exactly that text (the README's hello world and its output).
- ```sh / ```bash lines that call the ``downline`` command run it (``python -m
  downline.cli``, as the installed console script does) in a fresh directory holding the
  ``people.csv`` and ``orders.csv`` the README's report example names; each must exit 0.
- ```cpp blocks compile (g++ -std=c++17 -fsyntax-only against include/).
- Every fence names its language; output and diagrams are ```text, and only the
  languages below appear.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import downline as dl

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md", "docs/concepts.md", "docs/internals.md"]
LANGUAGES = {"python", "sh", "bash", "cpp", "cmake", "text", "json"}
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(doc: str, *languages: str) -> list[tuple[str, int, str]]:
    """(language, line of the opening fence, code) of every fenced block of a document."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        lang = m.group(1).strip()
        if not languages or lang in languages:
            out.append((lang, text.count("\n", 0, m.start()) + 1, m.group(2)))
    return out


def test_every_fence_names_a_known_language():
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert text.count("\n```") % 2 == 0, f"{doc}: an unclosed fence"
        for lang, line, _ in blocks(doc):
            assert lang in LANGUAGES, f"{doc}:{line}: fence language {lang!r} (output is ```text)"


# ----------------------------------------------------------------------------- json
@pytest.mark.parametrize("doc", DOCS)
def test_json_blocks_are_plans(doc):
    """Every JSON block is a compensation plan; the docs' example is the one shipped."""
    import json

    import downline as dl

    for _, line, code in blocks(doc, "json"):
        plan = dl.CompensationPlan(json.loads(code))
        if plan.name == "Example":
            assert plan == dl.CompensationPlan.example(), f"{doc}:{line}: not the shipped example plan"


# ----------------------------------------------------------------------------- python
@pytest.mark.parametrize("doc", DOCS)
def test_python_blocks_run(doc, tmp_path, monkeypatch):
    code = blocks(doc, "python")
    if doc != "docs/internals.md":
        assert code, f"{doc} has no python block"
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    shown = printed_output(doc)
    try:
        for _, line, src in code:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                # line numbers in a traceback are the document's
                exec(compile("\n" * line + src, f"{ROOT / doc}", "exec"), namespace)
            if line in shown:
                assert _lines(out.getvalue()) == _lines(shown[line]), \
                    f"{doc}:{line}: the block prints\n{out.getvalue()}\nnot what the document shows\n{shown[line]}"
    finally:
        plt.close("all")


def printed_output(doc: str) -> dict:
    """{line of a python block: the text block right after it}: what the block prints."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    out = {}
    fences = list(FENCE.finditer(text))
    for a, b in zip(fences, fences[1:]):
        if a.group(1).strip() == "python" and b.group(1).strip() == "text" and not text[a.end():b.start()].strip():
            out[text.count("\n", 0, a.start()) + 1] = b.group(2)
    return out


def _lines(text: str) -> list:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def test_the_readme_hello_world_shows_its_output():
    assert len(printed_output("README.md")) >= 1


# ----------------------------------------------------------------------- command line
def cli_lines(doc: str) -> list[tuple[int, list[str]]]:
    """(line, arguments) of every shell command line of a document that runs ``downline``."""
    out = []
    for _, first, src in blocks(doc, "sh", "bash"):
        for i, raw in enumerate(src.splitlines()):
            words = shlex.split(raw, comments=True)
            if words and words[0] == "downline":
                out.append((first + 1 + i, words[1:]))
    return out


def test_the_readme_shows_the_command_line():
    assert len(cli_lines("README.md")) >= 3


@pytest.mark.parametrize("doc", [d for d in DOCS if cli_lines(d)])
def test_command_line_blocks_run(doc, tmp_path):
    lines = cli_lines(doc)
    # the files the README's report example reads: a small company as a back office exports it
    people, orders = dl.sample(2000, seed=5)
    people.assign(enrolled_on=people["enrolled_on"].dt.strftime("%Y-%m-%d")).to_csv(
        tmp_path / "people.csv", index=False)
    orders.assign(ordered_on=orders["ordered_on"].dt.strftime("%Y-%m-%d")).to_csv(
        tmp_path / "orders.csv", index=False)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [
        str(Path(dl.__file__).parents[1]), os.environ.get("PYTHONPATH")])), MPLBACKEND="Agg")
    for line, args in lines:
        r = subprocess.run([sys.executable, "-m", "downline.cli", *args], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{doc}:{line}: downline {shlex.join(args)}\n{r.stderr}"
        assert r.stdout.strip(), f"{doc}:{line}: downline {shlex.join(args)} printed nothing"
        if args[:1] == ["report"] and "--out" in args:
            out = Path(tmp_path, args[args.index("--out") + 1])
            assert (out / "index.html").is_file() and (out / "volumes.csv").is_file()


# ------------------------------------------------------------------------------- C++
def _version_header(directory: Path) -> Path:
    """downline/version.hpp as CMake writes it from cmake/version.hpp.in."""
    version = re.search(r"project\(downline VERSION (\d+)\.(\d+)\.(\d+)",
                        (ROOT / "CMakeLists.txt").read_text()).groups()
    text = (ROOT / "cmake" / "version.hpp.in").read_text()
    for key, value in zip(("MAJOR", "MINOR", "PATCH"), version):
        text = text.replace(f"@PROJECT_VERSION_{key}@", value)
    text = text.replace("@PROJECT_VERSION@", ".".join(version))
    (directory / "downline").mkdir(parents=True, exist_ok=True)
    (directory / "downline" / "version.hpp").write_text(text)
    return directory


@pytest.mark.parametrize("doc", [d for d in DOCS if blocks(d, "cpp")])
def test_cpp_blocks_compile(doc, tmp_path):
    code = blocks(doc, "cpp")
    cxx = shutil.which("g++")
    assert cxx is not None, "g++ is needed (./dev.sh installs it)"
    generated = _version_header(tmp_path / "generated")
    for _, line, src in code:
        path = tmp_path / f"block_{line}.cpp"
        path.write_text(f'#line {line + 1} "{doc}"\n' + src)
        r = subprocess.run([cxx, "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra",
                            "-I", str(ROOT / "include"), "-I", str(generated),
                            "-I", "/usr/include/eigen3", str(path)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{doc}:{line}: the C++ block does not compile\n{r.stderr}"


# ------------------------------------------------------------------- facts the docs quote
def test_internals_names_every_header_binding_and_module():
    text = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")
    named = set(re.findall(r"[\w/]+\.(?:hpp|cpp|py)", text))
    named = {Path(n).name for n in named} | {Path(n).stem for n in named}
    inc = ROOT / "include" / "downline"
    files = [p.name for p in inc.glob("*.hpp")] + [p.stem for p in (inc / "detail").glob("*.hpp")]
    files += [p.name for p in (ROOT / "python" / "src").glob("*.cpp")]
    files += [p.name for p in (ROOT / "python" / "downline").glob("*.py")]
    files += [p.name for p in (ROOT / "src").glob("*.cpp")]
    missing = sorted(f for f in files if f not in named and f.replace("-", "_") not in text)
    assert missing == [], f"docs/internals.md does not name {missing}"


def test_the_corpus_sizes_quoted_are_the_tests():
    cpp = int(re.search(r"kBadInputs = (\d+);", (ROOT / "tests/cpp/test_bad_input.cpp").read_text()).group(1))
    import test_bad_input

    python = test_bad_input.N_BAD_INPUTS
    internals = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")
    assert f"**Bad-input corpus: {cpp + python} bad inputs**" in internals
    assert f"{cpp} in C++" in internals and f"{python} through the Python API" in internals
    assert f"a corpus of {cpp + python} bad inputs" in (ROOT / "README.md").read_text(encoding="utf-8").lower()


def test_the_readme_pictures_are_there_and_the_script_draws_them(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r'src="(docs/img/[\w-]+\.png)"', readme)
    assert len(shown) >= 3
    for path in shown:
        assert (ROOT / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "pictures.py"), "--out", str(tmp_path),
                        "--participants", "3000"], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PYTHONPATH=str(Path(dl.__file__).parents[1])))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(Path(p).name for p in shown)
