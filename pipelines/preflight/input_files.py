"""The raw data files, and what kind each one is, from its first bytes.

`csv_files` and `tfrecord_files` list a data directory and refuse files of
the wrong kind, naming them.

ExampleGen reads every entry of the data directory (hidden files included;
CsvExampleGen also tries subdirectories) and Beam decompresses a file by its
name's suffix only (`.gz`, `.bz2`, `.xz`), so a stray file of the wrong kind
fails deep inside Beam. `sniff` tells from at most the first 64 KiB whether a
file is empty, text, TFRecord records, or binary bytes that are neither (NUL
bytes, more than 1% control bytes, or the magic bytes of a ZIP/Excel,
Parquet or UTF-16 file).

A TFRecord file is recognised by its framing: each record starts with an
8-byte little-endian length and the masked CRC-32C of those 8 bytes, then
that many bytes and a 4-byte CRC, so a valid first header is practically
never text by chance.

Pure Python (stdlib only) on a local directory; a data root that is a URL
(`gs://...`) is read through TFX's fileio, imported only then (it loads
TensorFlow, seconds a local check need not spend).
"""

import bz2
import gzip
import io
import lzma
import os
import struct
import zlib

EMPTY = "empty"
TEXT = "text"
TFRECORD = "TFRecord"
BINARY = "binary"

# suffix -> (name, magic bytes, opener), as Beam's CompressionTypes.AUTO
# decides by the suffix.
COMPRESSIONS = {
    ".gz": ("gzip", b"\x1f\x8b", gzip.open),
    ".bz2": ("bzip2", b"BZh", bz2.open),
    ".xz": ("xz", b"\xfd7zXZ\x00", lzma.open),
}
# Beam reads these too, but the standard library cannot check them.
UNCHECKED_SUFFIXES = (".zst", ".zstd", ".deflate", ".lzma")
# Magic bytes of files people put in a data directory by mistake.
_KNOWN_BINARIES = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (OLE) file"),
    (b"PAR1", "a Parquet file"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
# Bytes no text file holds (tab, newlines, form feed and ESC aside).
_CONTROL = bytes([*range(0, 9), *range(14, 27), *range(28, 32)])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_SNIFF_BYTES = 64 * 1024
# What reading a (compressed) file can raise.
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)
_MASK_DELTA = 0xA282EAD8


class InputError(ValueError):
    """The raw input cannot be used; the message names the problem."""


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _crc32c_table()


def masked_crc32c(data):
    """The masked CRC-32C (Castagnoli) that TFRecord framing stores."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def _fileio(path):
    """TFX's fileio for a URL, None for a local path."""
    if "://" not in str(path):
        return None
    from tfx.dsl.io import fileio

    return fileio


def _isdir(path):
    fs = _fileio(path)
    return fs.isdir(path) if fs else os.path.isdir(path)


class _Readable(io.RawIOBase):
    """A fileio handle as a raw stream: TextIOWrapper and gzip need
    `readable()` and `readinto()`, which fileio's GFile lacks."""

    def __init__(self, handle):
        super().__init__()
        self._handle = handle

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self._handle.close()
        super().close()


def _open_raw(path):
    fs = _fileio(path)
    if fs is None:
        return open(path, "rb")
    return io.BufferedReader(_Readable(fs.open(path, "rb")))


def _size(path):
    fs = _fileio(path)
    return fs.stat(path).length if fs else os.path.getsize(path)


def list_entries(data_root):
    """(files, subdirectories) of data_root, sorted, as ExampleGen's `*`
    pattern matches them (hidden files included)."""
    if not _isdir(data_root):
        raise InputError(
            f"Data directory {data_root!r} does not exist or is not a "
            "directory; pass the directory that holds your data files."
        )
    files, directories = [], []
    fs = _fileio(data_root)
    if fs is None:
        for name in sorted(os.listdir(data_root)):
            path = os.path.join(data_root, name)
            (files if os.path.isfile(path) else directories).append(path)
        return files, directories
    # Object stores list a "directory" with a trailing slash.
    for name in sorted(n.rstrip("/") for n in fs.listdir(data_root)):
        path = f"{data_root.rstrip('/')}/{name}"
        (directories if fs.isdir(path) else files).append(path)
    return files, directories


def _suffix(path):
    lowered = path.lower()
    for suffix in (*COMPRESSIONS, *UNCHECKED_SUFFIXES):
        if lowered.endswith(suffix):
            return suffix
    return None


def _magic(path):
    with _open_raw(path) as handle:
        return handle.read(8)


def check_compression(path):
    """Raises InputError when the name and the bytes disagree about
    compression (Beam decompresses by the name only)."""
    suffix = _suffix(path)
    magic = _magic(path)
    if suffix in UNCHECKED_SUFFIXES:
        raise InputError(
            f"{path!r} is {suffix}-compressed, which the input check cannot "
            "read; decompress it, or compress it with gzip (.gz)."
        )
    for other, (name, other_magic, _) in COMPRESSIONS.items():
        if magic.startswith(other_magic) and suffix != other:
            raise InputError(
                f"{path!r} is {name}-compressed but its name does not end "
                f"in {other}, so ExampleGen would read the compressed bytes "
                f"as they are; rename it to end in {other}."
            )
    if suffix and magic:
        name, expected, _ = COMPRESSIONS[suffix]
        if not magic.startswith(expected):
            raise InputError(
                f"{path!r} ends in {suffix} but is not {name}-compressed, "
                f"so ExampleGen would fail to decompress it; rename it "
                f"without {suffix}, or compress it with {name}."
            )


def open_binary(path):
    """The file's bytes, decompressed as its name says (call
    `check_compression` first)."""
    suffix = _suffix(path)
    if suffix in COMPRESSIONS:
        # gzip/bz2/lzma open a local path themselves, a URL's file object
        # otherwise.
        source = path if _fileio(path) is None else _open_raw(path)
        return COMPRESSIONS[suffix][2](source, "rb")
    return _open_raw(path)


def tfrecord_framing_ok(head, size=None):
    """Whether `head` starts with a valid TFRecord record header whose
    record fits in `size` bytes (None: unknown, for compressed files)."""
    if len(head) < 12:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    (crc,) = struct.unpack("<I", head[8:12])
    if crc != masked_crc32c(head[:8]):
        return False
    return size is None or 12 + length + 4 <= size


def sniff(path):
    """(kind, detail): kind is EMPTY, TEXT, TFRECORD or BINARY; detail says
    what a binary file seems to be (or why it cannot be read)."""
    check_compression(path)
    try:
        with open_binary(path) as handle:
            head = handle.read(_SNIFF_BYTES)
    except READ_ERRORS as error:
        return BINARY, f"a corrupt compressed file ({error})"
    if not head.strip() and len(head) < _SNIFF_BYTES:
        return EMPTY, ""
    compressed = _suffix(path) is not None
    size = None if compressed else _size(path)
    if tfrecord_framing_ok(head, size):
        return TFRECORD, ""
    for magic, what in _KNOWN_BINARIES:
        if head.startswith(magic):
            return BINARY, what
    if b"\x00" in head:
        return BINARY, "binary bytes (it holds NUL bytes)"
    control = head.translate(None, _NOT_CONTROL)
    if len(control) * 100 > len(head):  # one stray control byte is text
        return BINARY, f"binary bytes (it holds 0x{control[0]:02x} bytes)"
    return TEXT, ""


def data_files(data_root):
    """The files ExampleGen would read: every regular file in data_root."""
    files, _ = list_entries(data_root)
    return _require_files(data_root, files)


def _require_files(data_root, files):
    if not files:
        raise InputError(
            f"Data directory {data_root!r} holds no data files; put one or "
            "more CSV files (with a header row) or TFRecord files in it."
        )
    return files


def csv_files(data_root):
    """The data files of a CSV run; raises InputError unless every one is
    CSV text."""
    files, directories = list_entries(data_root)
    if directories:
        raise InputError(
            f"Data directory {data_root!r} holds a subdirectory "
            f"{os.path.basename(directories[0])!r}; ExampleGen reads every "
            "entry of the data directory: move it out."
        )
    _require_files(data_root, files)
    kinds = {path: sniff(path) for path in files}
    records = [p for p, (kind, _) in kinds.items() if kind == TFRECORD]
    texts = [p for p, (kind, _) in kinds.items() if kind == TEXT]
    if records and texts:
        raise InputError(
            f"Data directory {data_root!r} mixes CSV files ({texts[0]!r}) "
            f"and TFRecord files ({records[0]!r}); put one kind of file in "
            "a directory (TFRecord with --input-format tfrecord)."
        )
    if records:
        raise InputError(
            f"Data directory {data_root!r} holds TFRecord files (e.g. "
            f"{records[0]!r}), not CSV; pass --input-format tfrecord."
        )
    for path, (kind, detail) in kinds.items():
        if kind == EMPTY:
            raise InputError(
                f"CSV file {path!r} is empty; it needs a header row and at "
                "least one data row."
            )
        if kind == BINARY:
            raise InputError(
                f"{path!r} is not a CSV text file: it is {detail}; export "
                "it as UTF-8 CSV, or move it out of the data directory."
            )
    return files


def tfrecord_files(data_root):
    """The data files of a TFRecord run; raises InputError unless every one
    holds TFRecord records."""
    files = data_files(data_root)
    for path in files:
        kind, detail = sniff(path)
        if kind == EMPTY:
            raise InputError(
                f"TFRecord file {path!r} is empty; remove it or regenerate it."
            )
        if kind == TEXT:
            raise InputError(
                f"{path!r} is text (a CSV file?), not TFRecord; pass "
                "--input-format csv for CSV data, or move it out."
            )
        if kind == BINARY:
            raise InputError(
                f"{path!r} is not a TFRecord file ({detail}; its first "
                "record does not start with a TFRecord length and checksum); "
                "write it with tf.io.TFRecordWriter, or move it out."
            )
    return files
