"""examples/quickstart.ipynb runs from top to bottom without an error, as a user would run it
(nbclient, with the kernel its metadata names: the one ./dev.sh registers for .venv), on the
real data in ../shared/data (DOWNLINE_DATA_DIR), and without it as a user who has only the
repository runs it; the downline command that ./dev.sh installs into .venv/bin runs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def run_notebook(env: dict) -> list:
    """The outputs of every code cell of the notebook run with these environment variables."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import KernelSpecManager

    nb = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel the notebook names, as a user's Jupyter finds it: the one ./dev.sh
    # registers for .venv ("Python (downline)"), on this interpreter
    name = nb.metadata["kernelspec"]["name"]
    spec = KernelSpecManager().get_kernel_spec(name)
    assert name == "downline" and spec.display_name == "Python (downline)"
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()
    client = nbclient.NotebookClient(nb, kernel_name=name, timeout=600,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel starts with this process's environment
    try:
        client.execute()  # raises CellExecutionError, with the cell and the traceback, on any error
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v  # nbclient and jupyter_client leave the event loops they made open: close them
        loop = getattr(nbclient.util, "_loop_map", {}).pop(threading.current_thread().name, None)
        if loop is not None:
            loop.close()
        try:
            policy_loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:  # none left by an earlier run
            policy_loop = None
        if policy_loop is not None and not policy_loop.is_running():
            policy_loop.close()
            asyncio.set_event_loop(None)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    return outputs


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # jupyter_client's own
def test_quickstart_notebook_runs(data_dir):
    outputs = run_notebook({"DOWNLINE_DATA_DIR": str(data_dir)})
    text = "\n".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "331,003 published totals, 0 differ" in text  # the census rollup reproduces every total
    assert "4,339 customers" in text                     # Online Retail after cleaning (data README)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert "<Evaluation of Example for [2023-11-01, 2023-12-01)" in text  # the compensation section ran
    assert "1 terminated, 1 transferred>" in text         # the movements of the network over time
    assert len(images) == 10                              # every plot cell drew its figure


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # jupyter_client's own
def test_quickstart_notebook_runs_without_the_public_data(tmp_path):
    outputs = run_notebook({"DOWNLINE_DATA_DIR": str(tmp_path)})  # an empty folder: no data sets
    text = "\n".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "(none: set DOWNLINE_DATA_DIR to run the cells below)" in text
    assert "<Evaluation of Example for [2023-11-01, 2023-12-01)" in text
    assert "1 terminated, 1 transferred>" in text
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 8  # the company's plots


def test_the_downline_command_is_installed_in_the_environment():
    # ./dev.sh puts the command line where pip would: <environment>/bin/downline
    command = Path(sys.prefix) / "bin" / "downline"
    r = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("downline "), r.stderr


def test_jupyter_notebook_opens_from_the_environment():
    """The README's `.venv/bin/python -m notebook examples/quickstart.ipynb`: the notebook
    server ./dev.sh installs (Debian's python3-notebook) runs from this interpreter."""
    r = subprocess.run([sys.executable, "-m", "notebook", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip()[:1].isdigit(), r.stderr
