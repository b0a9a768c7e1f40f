"""Runs a SavedModel's signature through TensorFlow's C++ loader.

TensorFlow Serving loads a model with the C++ `LoadSavedModel`: only the ops
registered in C++ exist there, none that a Python package (tf.Transform,
tf.text, ...) registers when it is imported. This script does the same
through the C API (`TF_LoadSessionFromSavedModel`, `TF_SessionRun`) of the
shared library the TensorFlow wheel ships, called with `ctypes`, in a process
that never imports the Python `tensorflow` package: a model that needs a
Python-registered op fails to load here as it would in the model server.

Run as a script, not imported from a process that has `tensorflow` loaded:

    python cpp_saved_model_loader.py EXPORT_DIR SIGNATURE INPUT RECORDS OUT

RECORDS holds the serialized inputs (each an 8-byte little-endian length,
then the bytes), fed as one 1-D string tensor to the signature's input
INPUT; OUT receives the signature's outputs as a NumPy `.npz` file. A load
or run failure exits 3 with TensorFlow's status message on stderr.
"""

import ctypes
import importlib.util
import os
import struct
import sys

import numpy as np

# TF_DataType codes of tensorflow/c/tf_datatype.h and their NumPy types.
_TF_STRING = 7
_DTYPES = {
    1: np.float32,
    2: np.float64,
    3: np.int32,
    4: np.uint8,
    5: np.int16,
    6: np.int8,
    9: np.int64,
    10: np.bool_,
    17: np.uint16,
    19: np.float16,
    22: np.uint32,
    23: np.uint64,
}
# sizeof(TF_TString) in tensorflow/core/platform/ctstring_internal.h.
_TSTRING_SIZE = 24


class LoadError(Exception):
    """TensorFlow's C API reported a failed load or run."""


class _Output(ctypes.Structure):
    # TF_Output: an operation and the index of one of its outputs.
    _fields_ = [("oper", ctypes.c_void_p), ("index", ctypes.c_int)]


class _Buffer(ctypes.Structure):
    # TF_Buffer: the MetaGraphDef comes back serialized in one.
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("length", ctypes.c_size_t),
        ("data_deallocator", ctypes.c_void_p),
    ]


def tensorflow_library_dir():
    """The wheel's directory of shared libraries, found without importing
    the `tensorflow` package (find_spec of a top-level name runs none of
    its code)."""
    spec = importlib.util.find_spec("tensorflow")
    if spec is None or not spec.submodule_search_locations:
        raise LoadError("the tensorflow wheel is not installed")
    return list(spec.submodule_search_locations)[0]


def load_c_api(library_dir):
    """The C API as a ctypes library: the wheel exports
    `TF_LoadSessionFromSavedModel` from libtensorflow_cc and the rest of the
    C API (statuses, tensors) from libtensorflow_framework."""
    mode = ctypes.RTLD_GLOBAL
    framework = ctypes.CDLL(
        os.path.join(library_dir, "libtensorflow_framework.so.2"), mode=mode
    )
    cc = ctypes.CDLL(
        os.path.join(library_dir, "libtensorflow_cc.so.2"), mode=mode
    )

    def find(name):
        for library in (cc, framework):
            if hasattr(library, name):
                return getattr(library, name)
        raise LoadError(f"the C API lacks {name}")

    api = {}
    vp, sz, i = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    signatures = {
        "TF_NewStatus": (vp, []),
        "TF_DeleteStatus": (None, [vp]),
        "TF_GetCode": (i, [vp]),
        "TF_Message": (ctypes.c_char_p, [vp]),
        "TF_NewGraph": (vp, []),
        "TF_DeleteGraph": (None, [vp]),
        "TF_NewSessionOptions": (vp, []),
        "TF_DeleteSessionOptions": (None, [vp]),
        "TF_NewBuffer": (ctypes.POINTER(_Buffer), []),
        "TF_DeleteBuffer": (None, [ctypes.POINTER(_Buffer)]),
        "TF_LoadSessionFromSavedModel": (
            vp,
            [
                vp,
                vp,
                ctypes.c_char_p,
                ctypes.POINTER(ctypes.c_char_p),
                i,
                vp,
                ctypes.POINTER(_Buffer),
                vp,
            ],
        ),
        "TF_CloseSession": (None, [vp, vp]),
        "TF_DeleteSession": (None, [vp, vp]),
        "TF_GraphOperationByName": (vp, [vp, ctypes.c_char_p]),
        "TF_SessionRun": (
            None,
            [
                vp,
                vp,
                ctypes.POINTER(_Output),
                ctypes.POINTER(vp),
                i,
                ctypes.POINTER(_Output),
                ctypes.POINTER(vp),
                i,
                vp,
                i,
                vp,
                vp,
            ],
        ),
        "TF_AllocateTensor": (
            vp,
            [i, ctypes.POINTER(ctypes.c_int64), i, sz],
        ),
        "TF_DeleteTensor": (None, [vp]),
        "TF_TensorData": (vp, [vp]),
        "TF_TensorType": (i, [vp]),
        "TF_NumDims": (i, [vp]),
        "TF_Dim": (ctypes.c_int64, [vp, i]),
        "TF_TensorElementCount": (ctypes.c_int64, [vp]),
        "TF_StringInit": (None, [vp]),
        "TF_StringCopy": (None, [vp, ctypes.c_char_p, sz]),
        "TF_StringGetDataPointer": (vp, [vp]),
        "TF_StringGetSize": (sz, [vp]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = find(name)
        function.restype = restype
        function.argtypes = argtypes
        api[name] = function
    return api


def _varint(data, position):
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, position


def _fields(data):
    """(field number, value) of a serialized protobuf message: bytes for
    length-delimited fields, ints for varints; other wire types skipped."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 2:
            size, position = _varint(data, position)
            value = bytes(data[position : position + size])
            position += size
        elif wire == 1:
            value, position = None, position + 8
        elif wire == 5:
            value, position = None, position + 4
        else:
            raise LoadError(f"unexpected protobuf wire type {wire}")
        yield number, value


def _map(data, field):
    """A protobuf map<string, message> field as {key: serialized value}."""
    entries = {}
    for number, entry in _fields(data):
        if number == field:
            parts = dict(_fields(entry))
            entries[parts.get(1, b"").decode()] = parts.get(2, b"")
    return entries


def signature_tensors(meta_graph, signature):
    """({input key: tensor name}, {output key: tensor name}) of one
    SignatureDef in a serialized MetaGraphDef. The protobuf is read by hand:
    its generated classes live inside the `tensorflow` package."""
    # MetaGraphDef.signature_def = 5; SignatureDef.inputs = 1, outputs = 2;
    # TensorInfo.name = 1.
    signatures = _map(meta_graph, 5)
    if signature not in signatures:
        raise LoadError(
            f"no signature {signature!r}; the model has {sorted(signatures)}"
        )

    def names(field):
        return {
            key: dict(_fields(info)).get(1, b"").decode()
            for key, info in _map(signatures[signature], field).items()
        }

    return names(1), names(2)


def _check(api, status, what):
    if api["TF_GetCode"](status) != 0:
        message = api["TF_Message"](status).decode(errors="replace")
        raise LoadError(f"{what}: {message}")


def _output(api, graph, tensor_name):
    operation, _, index = tensor_name.partition(":")
    handle = api["TF_GraphOperationByName"](graph, operation.encode())
    if not handle:
        raise LoadError(f"no operation {operation!r} in the loaded graph")
    return _Output(handle, int(index or 0))


def _string_tensor(api, values):
    """A 1-D TF_STRING tensor holding copies of `values`."""
    dims = (ctypes.c_int64 * 1)(len(values))
    tensor = api["TF_AllocateTensor"](
        _TF_STRING, dims, 1, _TSTRING_SIZE * len(values)
    )
    base = api["TF_TensorData"](tensor)
    for n, value in enumerate(values):
        element = base + n * _TSTRING_SIZE
        api["TF_StringInit"](element)
        api["TF_StringCopy"](element, value, len(value))
    return tensor


def _to_numpy(api, tensor):
    shape = tuple(
        api["TF_Dim"](tensor, d) for d in range(api["TF_NumDims"](tensor))
    )
    dtype = api["TF_TensorType"](tensor)
    base = api["TF_TensorData"](tensor)
    count = api["TF_TensorElementCount"](tensor)
    if dtype == _TF_STRING:
        values = []
        for n in range(count):
            element = base + n * _TSTRING_SIZE
            values.append(
                ctypes.string_at(
                    api["TF_StringGetDataPointer"](element),
                    api["TF_StringGetSize"](element),
                )
            )
        return np.array(values, dtype=object).reshape(shape)
    if dtype not in _DTYPES:
        raise LoadError(f"output of TF_DataType {dtype} is not handled")
    kind = np.dtype(_DTYPES[dtype])
    raw = ctypes.string_at(base, count * kind.itemsize)
    return np.frombuffer(raw, dtype=kind).reshape(shape).copy()


def run_signature(export_dir, signature, input_key, records, tags=("serve",)):
    """{output key: numpy array} of `signature` on one string input."""
    api = load_c_api(tensorflow_library_dir())
    status = api["TF_NewStatus"]()
    graph = api["TF_NewGraph"]()
    options = api["TF_NewSessionOptions"]()
    meta_graph = api["TF_NewBuffer"]()
    tag_array = (ctypes.c_char_p * len(tags))(*[t.encode() for t in tags])
    session = api["TF_LoadSessionFromSavedModel"](
        options,
        None,
        export_dir.encode(),
        tag_array,
        len(tags),
        graph,
        meta_graph,
        status,
    )
    tensors = []
    try:
        _check(api, status, f"loading {export_dir}")
        serialized = ctypes.string_at(
            meta_graph.contents.data, meta_graph.contents.length
        )
        inputs, outputs = signature_tensors(serialized, signature)
        if set(inputs) != {input_key}:
            raise LoadError(
                f"signature {signature!r} takes {sorted(inputs)}, "
                f"not {input_key!r} alone"
            )
        keys = sorted(outputs)
        feed = _string_tensor(api, list(records))
        tensors.append(feed)
        fetched = (ctypes.c_void_p * len(keys))()
        api["TF_SessionRun"](
            session,
            None,
            (_Output * 1)(_output(api, graph, inputs[input_key])),
            (ctypes.c_void_p * 1)(feed),
            1,
            (_Output * len(keys))(
                *[_output(api, graph, outputs[k]) for k in keys]
            ),
            fetched,
            len(keys),
            None,
            0,
            None,
            status,
        )
        tensors.extend(t for t in fetched if t)
        _check(api, status, f"running {signature!r}")
        return {k: _to_numpy(api, t) for k, t in zip(keys, fetched)}
    finally:
        for tensor in tensors:
            api["TF_DeleteTensor"](tensor)
        if session:
            api["TF_CloseSession"](session, status)
            api["TF_DeleteSession"](session, status)
        api["TF_DeleteBuffer"](meta_graph)
        api["TF_DeleteSessionOptions"](options)
        api["TF_DeleteGraph"](graph)
        api["TF_DeleteStatus"](status)


def read_records(path):
    """The length-prefixed records of `path` (see the module docstring)."""
    with open(path, "rb") as f:
        data = f.read()
    records, position = [], 0
    while position < len(data):
        (size,) = struct.unpack_from("<Q", data, position)
        position += 8
        records.append(data[position : position + size])
        position += size
    return records


def write_records(path, records):
    with open(path, "wb") as f:
        for record in records:
            f.write(struct.pack("<Q", len(record)))
            f.write(record)


def main(argv):
    export_dir, signature, input_key, records_path, out_path = argv
    try:
        answers = run_signature(
            export_dir, signature, input_key, read_records(records_path)
        )
    except LoadError as error:
        print(f"C++ loader: {error}", file=sys.stderr)
        return 3
    # The point of the process: it never had the Python package's ops.
    assert "tensorflow" not in sys.modules, "tensorflow was imported"
    np.savez(out_path, **answers)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
