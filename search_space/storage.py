"""File access for the search engine, on local disks and object storage.

The search state lives under an artifact URI (`gs://...` on Kubeflow), so
every read and write here goes through `tf.io.gfile` when TensorFlow is
installed: it knows every filesystem TensorFlow was built with (local,
`gs://`, `ram://`, ...). The engine must not import TFX, and must still run on
a box with only JAX or torch, so without TensorFlow it falls back to the
local `os` and `open` (and then a URL raises, instead of writing to a local
directory named `gs:`). `keras.utils` has no public file API, and
`keras.src.utils.file_utils` is private, hence this small shim; keras-tuner's
own `backend.io` makes the same choice.
"""

import glob as local_glob
import json
import os
import shutil
import uuid

_GFILE = []  # [tf.io.gfile or None], filled on first use


def _gfile():
    # Imported on first use: importing TensorFlow takes seconds.
    if not _GFILE:
        try:
            import tensorflow as tf
        except ImportError:
            _GFILE.append(None)
        else:
            _GFILE.append(tf.io.gfile)
    return _GFILE[0]


def _local(path):
    if "://" in str(path):
        raise ValueError(
            f"{path!r} is a URL, and reading it needs TensorFlow's "
            "filesystems (tf.io.gfile), but TensorFlow is not installed. "
            "Install it, or use a local path."
        )
    return path


def open_file(path, mode="r"):
    """A file object for `path` (modes `r`, `w`, `a`, `rb`, `wb`)."""
    gfile = _gfile()
    if gfile is not None:
        return gfile.GFile(path, mode)
    return open(_local(path), mode)


def exists(path):
    gfile = _gfile()
    if gfile is not None:
        return gfile.exists(path)
    return os.path.exists(_local(path))


def isdir(path):
    gfile = _gfile()
    if gfile is not None:
        return gfile.isdir(path)
    return os.path.isdir(_local(path))


def makedirs(path):
    gfile = _gfile()
    if gfile is not None:
        gfile.makedirs(path)
    else:
        os.makedirs(_local(path), exist_ok=True)


def glob(pattern):
    """Sorted paths matching `pattern`."""
    gfile = _gfile()
    if gfile is not None:
        return sorted(gfile.glob(pattern))
    return sorted(local_glob.glob(_local(pattern)))


def remove(path):
    gfile = _gfile()
    if gfile is not None:
        gfile.remove(path)
    else:
        os.remove(_local(path))


def rmtree(path):
    gfile = _gfile()
    if gfile is not None:
        gfile.rmtree(path)
    else:
        shutil.rmtree(_local(path))


def replace(source, destination):
    """Renames `source` over `destination` with the filesystem's own rename
    (atomic on local disks; on object storage a copy then a delete, which
    a reader still never sees half of)."""
    gfile = _gfile()
    if gfile is not None:
        gfile.rename(source, destination, overwrite=True)
    else:
        os.replace(_local(source), _local(destination))


def write_text_atomically(path, text):
    """Writes the string `text` to `path` so that a reader never sees half a
    file: a temporary file in the same directory, then a rename over `path`.

    `path` is a local path or any URL the filesystems above handle
    (`gs://...`); its parent directory is created when missing.
    """
    directory = os.path.dirname(path) or "."
    makedirs(directory)
    # A unique name beside the target (mkstemp works on local disks only).
    temporary = f"{path}.{uuid.uuid4().hex}.tmp"
    try:
        with open_file(temporary, "w") as f:
            f.write(text)
        replace(temporary, path)
    except BaseException:
        if exists(temporary):
            remove(temporary)
        raise


def write_json_atomically(path, value):
    """Writes `value` as JSON with `write_text_atomically`."""
    write_text_atomically(path, json.dumps(value))


def read_json(path, default=None):
    """The JSON in `path`, or `default` ({}) when there is no such file."""
    if not exists(path):
        return {} if default is None else default
    with open_file(path) as f:
        return json.loads(f.read())
