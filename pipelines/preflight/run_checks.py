"""Checks on the run's arguments and output directory, before anything runs.

- `--max-trials` and `--epochs` must be at least 1; `--time-limit` is 0 (no
  limit) or at least `MIN_TIME_LIMIT_SECONDS` (one trial needs that long);
- `--output` is a new path that can be created, an empty directory, or an
  earlier autokeras-tfx output directory (it holds `OUTPUT_MARKER`, or
  `metadata.sqlite` and `pipeline_root/` as written before the marker
  existed), where this user can write. A file, or a directory holding
  anything else, is refused: a run must not write into someone else's
  files;
- `--pipeline-name` is one plain directory name under `--output` (no `/`,
  `..`, absolute path, control character or empty name), checked before
  anything is written, so no file can land outside `--output`.
Pure Python (stdlib only).
"""

import os
import unicodedata

from pipelines.preflight.input_files import InputError

OUTPUT_MARKER = ".autokeras-tfx"  # written by a run into its output dir
MIN_TIME_LIMIT_SECONDS = 30
_LEGACY_OUTPUT = ("metadata.sqlite", "pipeline_root")
# A file name's limit on the common file systems, in bytes.
MAX_PIPELINE_NAME_BYTES = 255


def check_run_arguments(max_trials, epochs, time_limit):
    """Validates the search budget before anything runs."""
    for flag, value in (("--max-trials", max_trials), ("--epochs", epochs)):
        if value < 1:
            raise InputError(f"{flag} must be at least 1; received {value}.")
    if time_limit < 0 or 0 < time_limit < MIN_TIME_LIMIT_SECONDS:
        raise InputError(
            f"--time-limit {time_limit} is too short: one trial needs at "
            f"least {MIN_TIME_LIMIT_SECONDS} seconds; pass "
            f"{MIN_TIME_LIMIT_SECONDS} or more, or 0 for no limit."
        )


def check_pipeline_name(name):
    """Validates --pipeline-name: one directory name that stays inside
    `--output` (the pipeline's directory, log, identity file, serving and
    history directories are all made under it)."""
    what = f"--pipeline-name {name!r}"
    fix = (
        "pass a plain name such as 'taxi-automl' (letters, digits, '-', "
        "'_', '.'), or leave --pipeline-name out to get one named after "
        "the data."
    )
    if not name or not name.strip():
        raise InputError(f"{what} is empty; {fix}")
    if name in (".", ".."):
        raise InputError(f"{what} names a directory, not a pipeline; {fix}")
    if "/" in name or "\\" in name or os.sep in name:
        raise InputError(
            f"{what} holds a path separator: the pipeline would live "
            f"outside --output; {fix}"
        )
    if os.path.isabs(name):
        raise InputError(f"{what} is an absolute path; {fix}")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InputError(
            f"{what} holds a control character (a NUL, newline or "
            f"escape); {fix}"
        )
    if len(name.encode("utf-8", "surrogatepass")) > MAX_PIPELINE_NAME_BYTES:
        raise InputError(
            f"{what} is longer than {MAX_PIPELINE_NAME_BYTES} bytes, the "
            f"longest directory name; {fix}"
        )


def pipeline_dir(output_dir, name):
    """The pipeline's directory under `output_dir`, after
    `check_pipeline_name`; refuses one that resolves outside it (a
    symlink named like the pipeline pointing elsewhere)."""
    check_pipeline_name(name)
    output = os.path.abspath(output_dir)
    path = os.path.join(output, name)
    real_output = os.path.realpath(output)
    if os.path.commonpath([real_output, os.path.realpath(path)]) != (
        real_output
    ):
        raise InputError(
            f"--pipeline-name {name!r}: {path!r} leads outside --output "
            f"{output_dir!r} (a link); remove the link or pass another "
            "--pipeline-name."
        )
    return path


def check_output_dir(output_dir):
    """Validates --output: a new path, an empty directory, or an earlier
    autokeras-tfx output directory, where this process can write."""
    if not output_dir or "\0" in output_dir:
        raise InputError(
            f"--output {output_dir!r} is empty or holds a NUL character; "
            "pass a directory path."
        )
    path = os.path.abspath(output_dir)
    if not os.path.exists(path):
        _check_creatable(output_dir, path)
        return
    if not os.path.isdir(path):
        raise InputError(
            f"--output {output_dir!r} is a file, not a directory; pass a "
            "new or empty directory."
        )
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(
            f"--output {output_dir!r} is not writable by this user; pass a "
            "directory you can write to."
        )
    entries = set(os.listdir(path))
    ours = OUTPUT_MARKER in entries or entries >= set(_LEGACY_OUTPUT)
    if entries and not ours:
        raise InputError(
            f"--output {output_dir!r} is not an autokeras-tfx output "
            "directory (it holds other files); pass an empty or new --output."
        )


def _check_creatable(output_dir, path):
    parent = os.path.dirname(path)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise InputError(
            f"--output {output_dir!r} cannot be created: {parent!r} is a "
            "file; pass a path under a directory."
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            f"--output {output_dir!r} cannot be created: {parent!r} is not "
            "writable by this user; pass a directory you can write to."
        )
