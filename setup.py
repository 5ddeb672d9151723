"""Builds downline._core by driving CMake (scikit-build-core is not packaged by Debian).

The version is read from CMakeLists.txt, the one place it is defined.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
VERSION = re.search(r"project\(downline VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        out = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        # DOWNLINE_CMAKE_BUILD_DIR: a CMake build directory kept between builds (CI builds
        # a wheel and then installs from source: the second build compiles nothing)
        build = Path(os.environ.get("DOWNLINE_CMAKE_BUILD_DIR") or Path(self.build_temp) / "cmake").resolve()
        build.mkdir(parents=True, exist_ok=True)
        gen = ["-G", "Ninja"] if subprocess.call(["ninja", "--version"], stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL) == 0 else []
        subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(build), *gen,
                               "-DCMAKE_BUILD_TYPE=Release", "-DDOWNLINE_BUILD_PYTHON=ON",
                               "-DDOWNLINE_BUILD_TESTS=OFF", "-DDOWNLINE_BUILD_BENCHMARKS=OFF",
                               "-DDOWNLINE_BUILD_CLI=OFF", "-DDOWNLINE_INSTALL=OFF",
                               f"-DPython_EXECUTABLE={sys.executable}",
                               f"-DDOWNLINE_PYTHON_OUTPUT_DIR={out}"])
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.check_call(["cmake", "--build", str(build), "--target", "_core", "-j", jobs])


setup(version=VERSION, ext_modules=[CMakeExtension("downline._core")], cmdclass={"build_ext": CMakeBuild})
