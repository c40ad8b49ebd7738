#!/usr/bin/env python3
"""Plain compiler command lines against the installed prefix, with the flags of its pkg-config
files (PKG_CONFIG_PATH=<prefix>/<libdir>/pkgconfig): the reference program of consumer-cmake/
compiled and linked with bnconf-reference computes the values worked out by hand, and the adapter
guide's C++ example linked with bnconf-adapter into a plug-in passes the cases it declares when
the installed CLI runs it.

usage: pkg_config_consumer_test.py --pkg-config PKG_CONFIG --cxx CXX --prefix PREFIX
                                   --libdir D --version V --sources DIR --examples DIR
                                   --work DIR --filter GLOB [--compile-flags F] [--link-flags F]
"""
import argparse
import os
import pathlib
import shlex
import shutil
import sys

from packaging_helpers import (add_sanitizer_flag_options, check_reference_forward,
                                check_run_passed, installed_environment, run)

parser = argparse.ArgumentParser()
for option in ("pkg-config", "cxx", "prefix", "libdir", "version", "sources", "examples", "work",
               "filter"):
    parser.add_argument("--" + option, required=True)
add_sanitizer_flag_options(parser)
args = parser.parse_args()

work = pathlib.Path(args.work)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
prefix = pathlib.Path(args.prefix)
env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / args.libdir / "pkgconfig"))
extra = shlex.split(args.compile_flags) + shlex.split(args.link_flags)


def pkg_config(*query):
    return shlex.split(run([args.pkg_config, *query], env=env).stdout)


for package in ("bnconf-reference", "bnconf-adapter"):
    version = run([args.pkg_config, "--modversion", package], env=env).stdout.strip()
    if version != args.version:
        sys.exit(f"pkg-config says {package} is version {version}, not {args.version}")

program = work / "reference_forward"
run([args.cxx, "-std=c++20", "-O2", *extra, pathlib.Path(args.sources, "reference_forward.cpp"),
     *pkg_config("--cflags", "--libs", "bnconf-reference"), "-o", program])
check_reference_forward(run([program]).stdout)

plugin = work / "libexample_eval.so"
run([args.cxx, "-std=c++20", "-O2", "-shared", "-fPIC", "-fvisibility=hidden", *extra,
     pathlib.Path(args.examples, "eval_backend.cpp"),
     *pkg_config("--cflags", "--libs", "bnconf-adapter"), "-Wl,--no-undefined", "-o", plugin])
result = run([prefix / "bin" / "bnconf", "run", "--backend", plugin, "--tier", "core", "--filter",
              args.filter], cwd=work, env=installed_environment())
check_run_passed(result, "installed bnconf run --backend " + plugin.name)
