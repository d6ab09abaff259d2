"""Builds fabcheck's native module and executable with CMake for `pip install` (pyproject.toml).

The CMake build (bindings/python/CMakeLists.txt) writes fabcheck/_native*.so; this copies it and
the fabcheck executable (the agents run it; fabcheck.find_binary() looks in fabcheck/bin first)
into the wheel. Set FABCHECK_CMAKE_ARGS for extra CMake arguments, FABCHECK_BUILD_JOBS for -j.
"""

import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        os.makedirs(build_dir, exist_ok=True)
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        configure = ["cmake", "-S", ROOT, "-B", build_dir, *generator, "-DCMAKE_BUILD_TYPE=Release",
                     "-DFABCHECK_PYTHON=ON", "-DFABCHECK_BUILD_TESTS=OFF", "-DFABCHECK_BUILD_BENCH=OFF",
                     f"-DPython_EXECUTABLE={sys.executable}", *os.environ.get("FABCHECK_CMAKE_ARGS", "").split()]
        subprocess.run(configure, check=True)
        jobs = os.environ.get("FABCHECK_BUILD_JOBS", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "--build", build_dir, "--target", "fabcheck_native", "fabcheck", "-j", jobs],
                       check=True)
        out = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))  # .../fabcheck
        os.makedirs(os.path.join(out, "bin"), exist_ok=True)
        natives = glob.glob(os.path.join(build_dir, "python", "fabcheck", "_native*.so"))
        if not natives:
            raise RuntimeError(f"the CMake build made no fabcheck/_native*.so in {build_dir}/python")
        shutil.copy2(natives[0], self.get_ext_fullpath(ext.name))
        shutil.copy2(os.path.join(build_dir, "fabcheck"), os.path.join(out, "bin", "fabcheck"))


# build-pip/, not build/: build/ is the Makefile's CMake build directory.
setup(ext_modules=[Extension("fabcheck._native", sources=[])], cmdclass={"build_ext": CMakeBuild},
      options={"build": {"build_base": "build-pip"}})
