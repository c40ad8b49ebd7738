#!/usr/bin/env python3
"""A project outside bnconf (consumer-cmake/) built with find_package(bnconf) against the
installed prefix: its reference program computes the values worked out by hand, and the plug-in
it builds against bnconf::adapter and installs into bnconf_BACKENDS_DIR passes the cases it
declares when the INSTALLED CLI (the path of bnconf::bnconf) runs it by name.

usage: cmake_consumer_test.py --cmake CMAKE --generator G --cxx CXX --cc CC --prefix PREFIX
                              --project DIR --work DIR --filter GLOB
                              [--compile-flags F] [--link-flags F]
"""
import argparse
import pathlib
import shutil
import sys

from packaging_helpers import (add_sanitizer_flag_options, check_reference_forward,
                                check_run_passed, installed_environment, run)

parser = argparse.ArgumentParser()
for option in ("cmake", "generator", "cxx", "cc", "prefix", "project", "work", "filter"):
    parser.add_argument("--" + option, required=True)
add_sanitizer_flag_options(parser)
args = parser.parse_args()

work = pathlib.Path(args.work)
shutil.rmtree(work, ignore_errors=True)
configure = [args.cmake, "-S", args.project, "-B", work, "-G", args.generator,
             "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_PREFIX_PATH={args.prefix}",
             f"-DCMAKE_CXX_COMPILER={args.cxx}", f"-DCMAKE_C_COMPILER={args.cc}"]
if args.compile_flags or args.link_flags:
    configure += [f"-DCMAKE_CXX_FLAGS={args.compile_flags}",
                  f"-DCMAKE_C_FLAGS={args.compile_flags}",
                  f"-DCMAKE_EXE_LINKER_FLAGS={args.link_flags}",
                  f"-DCMAKE_MODULE_LINKER_FLAGS={args.link_flags}"]
run(configure)
run([args.cmake, "--build", work, "-j", "2"])

check_reference_forward(run([work / "reference_forward"]).stdout)

run([args.cmake, "--install", work])
bnconf = pathlib.Path((work / "bnconf-executable.txt").read_text().strip())
if bnconf.resolve() != (pathlib.Path(args.prefix) / "bin" / "bnconf").resolve():
    sys.exit(f"bnconf::bnconf is {bnconf}, not the installed {args.prefix}/bin/bnconf")
result = run([bnconf, "run", "--backend", "consumer_eval", "--tier", "core", "--filter",
              args.filter], cwd=work, env=installed_environment())
check_run_passed(result, "installed bnconf run --backend consumer_eval")
