"""Where a run's output goes: what a person reads, and the full log file.

TensorFlow, absl, Beam and TFMA write to the process's file descriptors 1
and 2 from C++ as much as from Python, and so do the child processes that
inherit them (Beam's workers, the parallel tuner's workers). So the noise is
caught where all of them meet: while a run lasts, descriptors 1 and 2 point
at the log file, and only the lines written to `Console.stream` (a copy of
the terminal's descriptor, taken first) reach the person. With `verbose`,
a thread copies everything to both the terminal and the file instead.

The log starts in a temporary file (the run's directory is known only once
its pipeline is named) and `move_log` carries it, and what comes after, to
its final place.
"""

import os
import shlex
import shutil
import sys
import tempfile
import threading
import unicodedata


def _is_control(char):
    # Unicode's "other" categories: C0/C1 controls (ESC, newline, CR),
    # format characters (bidi overrides), surrogates, unassigned.
    return unicodedata.category(char).startswith("C")


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char, ascii_bytes=0x100):
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code < ascii_bytes:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text, keep_newlines=False):
    """`text` with every control character written as an escape (`\\x1b`,
    `\\n`, `\\u202e`), so a name or value can never move the cursor,
    recolour, write the clipboard (OSC 52) or start a new line on the
    terminal; printable unicode stays as it is. `keep_newlines` keeps
    `\\n` (a message of several lines whose names are already escaped)."""
    text = str(text)
    if not any(_is_control(c) for c in text):
        return text
    return "".join(
        c
        if not _is_control(c) or (keep_newlines and c == "\n")
        else _escaped(c)
        for c in text
    )


def shell_quote(arg):
    """`arg` as one shell word that bash reads back exactly: `shlex.quote`,
    or, when `arg` holds control characters (a newline, an escape), bash's
    `$'...'` quoting with those written as escapes, so the printed word
    stays on one line and shows nothing raw."""
    arg = str(arg)
    if not any(_is_control(c) for c in arg):
        return shlex.quote(arg)
    # In `$'...'` bash reads `\\xHH` as one byte: above ASCII, `\\u`.
    body = "".join(
        _escaped(c, 0x80) if _is_control(c) else "\\" + c if c in "\\'" else c
        for c in arg
    )
    return f"$'{body}'"


def shell_command(*args):
    """A command line of `args`, each a `shell_quote`d word."""
    return " ".join(shell_quote(a) for a in args)


class Console:
    """Sends descriptors 1 and 2 to a log file until `close()`.

    Args:
        verbose: also show everything on the terminal (a tee).
    """

    def __init__(self, verbose=False):
        self.verbose = verbose
        sys.stdout.flush()
        sys.stderr.flush()
        self._saved = (os.dup(1), os.dup(2))
        fd, self.log_path = tempfile.mkstemp(
            prefix="autokeras-tfx-", suffix=".log"
        )
        self._log = os.fdopen(fd, "ab", buffering=0)
        self._lock = threading.Lock()
        self._tee = None
        if not verbose:
            os.dup2(self._log.fileno(), 1)
            os.dup2(self._log.fileno(), 2)
            # The person's lines: straight to the terminal.
            person_out, person_err = self._saved
        else:
            read_end, write_end = os.pipe()
            # The thread's own copy: it may outlive `close` (a child still
            # holding the pipe), and must never write to a reused number.
            terminal = os.dup(1)
            os.dup2(write_end, 1)
            os.dup2(write_end, 2)
            os.close(write_end)
            self._tee = threading.Thread(
                target=self._copy,
                args=(read_end, terminal),
                daemon=True,
                name="akt-log-tee",
            )
            self._tee.start()
            # The person's lines go through the tee: into the log as well.
            person_out = person_err = 1
        # Line-buffered, so progress lines show the moment they are made.
        self.stream = os.fdopen(
            os.dup(person_out),
            "w",
            buffering=1,
            encoding="utf-8",
            errors="replace",
        )
        self.errors = os.fdopen(
            os.dup(person_err),
            "w",
            buffering=1,
            encoding="utf-8",
            errors="replace",
        )

    def is_terminal(self):
        """Whether a person's terminal reads `stream` (not a file or CI)."""
        try:
            return self.stream.isatty()
        except ValueError:  # closed
            return False

    def move_log(self, path):
        """Continues the log at `path`, with what was logged so far."""
        os.makedirs(os.path.dirname(path), exist_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        with self._lock:
            with open(self.log_path, "rb") as old, open(path, "wb") as new:
                shutil.copyfileobj(old, new)
            log = open(path, "ab", buffering=0)
            if self._tee is None:
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
            self._log.close()
            os.remove(self.log_path)
            self._log, self.log_path = log, path

    def close(self):
        """Gives descriptors 1 and 2 back; the log file stays."""
        sys.stdout.flush()
        sys.stderr.flush()
        self.stream.close()
        self.errors.close()
        os.dup2(self._saved[0], 1)
        os.dup2(self._saved[1], 2)
        for fd in self._saved:
            os.close(fd)
        if self._tee is not None:
            # The pipe ends when no process holds it any more; a child still
            # running must not keep this process waiting.
            self._tee.join(timeout=2)
        with self._lock:
            self._log.close()

    def _copy(self, read_end, terminal):
        while True:
            try:
                chunk = os.read(read_end, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self._lock:
                try:
                    self._log.write(chunk)
                except ValueError:  # closed by `close`
                    pass
            try:
                os.write(terminal, chunk)
            except OSError:  # the terminal went away; the file still gets it
                pass
        os.close(read_end)
        os.close(terminal)
