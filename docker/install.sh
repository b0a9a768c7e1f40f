#!/usr/bin/env bash
# Installs the project's locked Python dependencies into a virtual environment.
#
# One script for every install path: the Debian 13 root filesystem that `./dev`
# builds on machines whose glibc is too old for TFX 1.21's wheels, a plain venv
# on newer hosts, and both Docker images. Every path installs exactly
# requirements.lock, with --no-deps, so nothing is resolved anew at build time.
#
# Usage: install.sh VENV_DIR LOCK_FILE [EXTRA_LOCK_FILE...]
set -euo pipefail

venv_dir=${1:?usage: install.sh VENV_DIR LOCK_FILE [EXTRA_LOCK_FILE...]}
lock_file=${2:?usage: install.sh VENV_DIR LOCK_FILE [EXTRA_LOCK_FILE...]}
shift 2

python=${PYTHON:-python3}
"$python" -m venv "$venv_dir"
pip=("$venv_dir/bin/pip" --disable-pip-version-check --no-input)

"${pip[@]}" install --quiet --upgrade "pip<26"
for lock in "$lock_file" "$@"; do
    # --no-deps: the lock is the complete, resolved set; a missing pin is a bug
    # in the lock, and `pip check` below names it.
    "${pip[@]}" install --quiet --no-deps --requirement "$lock"
done
"${pip[@]}" check
