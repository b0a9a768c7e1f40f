"""The house has three floors and no import circles.

search_space/ (Keras only) -> components/ (TFX glue) -> pipelines/ (assembly,
CLI). Read from the source (every `import`, also those inside functions), so
a circle hidden behind a lazy import counts too.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("search_space", "components", "pipelines")
# What each floor may import of ours: only the floors below it.
ALLOWED = {
    "search_space": {"search_space"},
    "components": {"search_space", "components"},
    "pipelines": {"search_space", "components", "pipelines"},
}


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph():
    """{module: {our modules it imports}} over the three packages."""
    modules = {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                if node.level:  # relative: from the importing package
                    package = name.split(".")[: -node.level or None]
                    base = ".".join(package + [node.module])
                # `from pkg import mod` is an edge to pkg.mod when that is a
                # module, else (`from pkg.mod import name`) to pkg.mod.
                candidates = [
                    f"{base}.{a.name}"
                    if f"{base}.{a.name}" in modules
                    else base
                    for a in node.names
                ]
            else:
                continue
            targets.update(c for c in candidates if c in modules)
        targets.discard(name)
        graph[name] = targets
    return graph


def _cycles(graph):
    """Every import circle, each as a list of modules (DFS, three colours)."""
    state, stack, found = {}, [], []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_the_checker_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [
        ["a", "b", "c", "a"]
    ]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    graph = import_graph()
    assert (
        "components.autokeras_tuner.search" in graph
        and "pipelines.cli" in graph
    )
    assert _cycles(graph) == []


def test_each_floor_imports_only_the_floors_below():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if target.split(".")[0] not in ALLOWED[module.split(".")[0]]
    )
    assert wrong == []
