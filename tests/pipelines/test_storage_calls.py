"""No local-only file call on an artifact or data URI in components/ or
search_space/ (static, AST-based).

Artifact URIs are `gs://...` on Kubeflow: builtin `open`, `glob.glob` and
`os.path.exists` would look for a local directory named `gs:`. Code there
goes through TFX's `fileio` (components/) or `search_space.storage` (which
uses `tf.io.gfile`). The few calls on genuinely local paths are listed below,
each with the reason, by file and enclosing function.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("components", "search_space")

# Calls that only work on a local filesystem.
LOCAL_ONLY = {
    "open",
    "glob.glob",
    "glob.iglob",
    "local_glob.glob",
    "os.path.exists",
    "os.path.isfile",
    "os.path.isdir",
    "os.path.getsize",
    "os.path.lexists",
    "os.makedirs",
    "os.mkdir",
    "os.listdir",
    "os.scandir",
    "os.walk",
    "os.remove",
    "os.unlink",
    "os.replace",
    "os.rename",
    "os.fdopen",
    "os.stat",
    "shutil.rmtree",
    "shutil.copy",
    "shutil.copyfile",
    "shutil.copytree",
    "shutil.move",
    "tempfile.mkstemp",
}

ALLOWED = {
    (
        "search_space/storage.py",
        "*",
    ): "the shim itself: the local fallback when TensorFlow is absent "
    "(a URL then raises)",
    (
        "pipelines/preflight/input_files.py",
        "*",
    ): "the local branch of the CLI's input checks (stdlib only, fast); a "
    "URL data root goes through fileio there",
    (
        "pipelines/preflight/run_checks.py",
        "*",
    ): "the CLI's --output directory: local by design (it holds the "
    "pipeline's SQLite ML Metadata)",
    (
        "components/autokeras_tuner/search_worker.py",
        "<module>",
    ): "a parallel worker reads its request from a local temporary file",
    (
        "components/autokeras_tuner/parallel.py",
        "*",
    ): "worker request and log files in a local temporary directory of "
    "this node; the search state itself goes through storage",
    (
        "components/example_gen/image_files.py",
        "walk",
    ): "symbolic links exist only on a local disk: a local image folder is "
    "walked resolving each link once (`_walk_local`); a URL keeps fileio's "
    "walk",
    (
        "components/kfp_entrypoint.py",
        "*",
    ): "a Kubeflow pod's own local files: the launcher's staging folders "
    "and the ExecutorOutput file are pod-local paths by design "
    "(kubeflow/pipelines launcher_v2.go LocalPathForURI)",
    (
        "search_space/blocks/applications.py",
        "_checked_weights",
    ): "a user's local pretrained-weights file for keras.applications",
}


def _name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def local_only_calls(path):
    """[(enclosing function, call name, line)] of LOCAL_ONLY calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in LOCAL_ONLY:
                found.append((function, name, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_no_local_only_file_calls_outside_the_allow_list():
    offences = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for function, name, line in local_only_calls(path):
                if (relative, "*") in ALLOWED:
                    continue
                if (relative, function) in ALLOWED:
                    continue
                offences.append(f"{relative}:{line} {name}() in {function}")
    assert not offences, (
        "Local-only file calls (use tfx.dsl.io.fileio in components/, "
        "search_space.storage in search_space/, or allow-list a genuinely "
        "local path with its reason):\n" + "\n".join(offences)
    )


def test_the_check_sees_what_it_forbids(tmp_path):
    # The detector itself: each forbidden form is found, fileio is not.
    source = tmp_path / "sample.py"
    source.write_text(
        "import glob, os\n"
        "from tfx.dsl.io import fileio\n"
        "def f(uri):\n"
        "    open(uri)\n"
        "    glob.glob(uri)\n"
        "    os.path.exists(uri)\n"
        "    fileio.exists(uri)\n"
        "    fileio.open(uri)\n"
    )
    assert [(f, n) for f, n, _ in local_only_calls(source)] == [
        ("f", "open"),
        ("f", "glob.glob"),
        ("f", "os.path.exists"),
    ]


def test_every_allow_list_entry_is_still_needed():
    # A stale entry would hide a new call there.
    for (relative, function), reason in ALLOWED.items():
        assert reason
        calls = local_only_calls(ROOT / relative)
        if function == "*":
            assert calls, relative
        else:
            assert any(f == function for f, _, _ in calls), (
                relative,
                function,
            )
