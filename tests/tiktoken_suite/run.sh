#!/usr/bin/env bash
# tiktoken's own test suite, unchanged, against streamtok: the tests/ of tiktoken's sdist run with
# shim/ first on PYTHONPATH, where a `tiktoken` package is streamtok. The vocabularies are
# streamtok's embedded ones, so nothing but the sdist is downloaded. Run it in an environment
# where streamtok and its `test` extra are installed.
set -euo pipefail
shim="$(cd "$(dirname "$0")" && pwd)/shim"
version=0.14.0
expected=33 # tests in tiktoken 0.14.0's tests/, parametrizations counted
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python -m pip download --quiet --no-binary :all: --no-deps "tiktoken==$version" -d "$work"
tar -xzf "$work/tiktoken-$version.tar.gz" -C "$work"
# Only tests/: the sdist's own tiktoken/ package must not be importable from the working folder.
mkdir "$work/suite"
cp -r "$work/tiktoken-$version/tests" "$work/suite/tests"

export PYTHONPATH="$shim${PYTHONPATH:+:$PYTHONPATH}"
python -c 'import streamtok, tiktoken; assert tiktoken.Encoding is streamtok.Encoding, tiktoken.__file__'

# A test that cannot pass for a reason outside streamtok goes here, with its reason, as
# `--deselect tests/<file>::<test>`; none does (no test needs the network).
deselect=()

cd "$work/suite"
python -m pytest -p no:cacheprovider -q -o addopts= tests "${deselect[@]}" | tee "$work/log"
passed=$(grep -Eo '^[0-9]+ passed' "$work/log" | grep -Eo '[0-9]+' || echo 0)
if [ "$passed" -ne "$((expected - ${#deselect[@]} / 2))" ]; then
    echo "tiktoken's suite: $passed passed, expected $((expected - ${#deselect[@]} / 2))" >&2
    exit 1
fi
