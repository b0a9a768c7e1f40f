"""The block graph: wiring, naming, building and JSON config."""

import collections

import keras

from search_space.block import snake_case
from search_space.errors import GraphError
from search_space.features import FeatureSpec
from search_space.heads import Head
from search_space.nodes import Input
from search_space.nodes import Node


class Graph:
    """A directed acyclic graph of blocks from `Input`s to heads.

    Unnamed blocks are named `<snake_case_class>_<n>` in topological order,
    so hyperparameter names only depend on the graph's shape.

    Args:
        inputs: List of `Input` nodes, in model input order.
        outputs: List of nodes produced by `Head` blocks.
    """

    def __init__(self, inputs, outputs):
        self.inputs = _as_list(inputs)
        self.outputs = _as_list(outputs)
        for node in self.inputs:
            if not isinstance(node, Input):
                raise GraphError(
                    "Graph inputs must be Input nodes. "
                    f"Received: {node!r} of type {type(node)}"
                )
        self.blocks = self._sort_blocks()
        self._name_blocks()
        self.heads = [node.block for node in self.outputs]
        for head in self.heads:
            if not isinstance(head, Head):
                raise GraphError(
                    "Every graph output must come from a head block. "
                    f"Received an output of {type(head).__name__}"
                )

    def _sort_blocks(self):
        # Depth-first topological sort; "visiting" marks detect cycles.
        order, state = [], {}
        known_inputs = {id(node) for node in self.inputs}

        def visit(node):
            if node.block is None:
                if id(node) not in known_inputs:
                    raise GraphError(
                        f"Input {getattr(node, 'name', node)!r} is used but "
                        "missing from the graph inputs."
                    )
                return
            block = node.block
            if state.get(id(block)) == "done":
                return
            if state.get(id(block)) == "visiting":
                raise GraphError("The network has a cycle.")
            state[id(block)] = "visiting"
            for parent in block.inputs:
                visit(parent)
            state[id(block)] = "done"
            order.append(block)

        for node in self.outputs:
            if not isinstance(node, Node) or node.block is None:
                raise GraphError(
                    "Graph outputs must be block outputs. "
                    f"Received: {node!r} of type {type(node)}"
                )
            visit(node)
        return order

    def _name_blocks(self):
        counts = collections.Counter()
        taken = {block.name for block in self.blocks if block.name}
        for block in self.blocks:
            if block.name:
                continue
            prefix = snake_case(type(block).__name__)
            while True:
                counts[prefix] += 1
                name = f"{prefix}_{counts[prefix]}"
                if name not in taken:
                    break
            block.name = name
            taken.add(name)
        names = [block.name for block in self.blocks]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise GraphError(
                f"Block names must be unique. Repeated: {duplicated}"
            )

    def build(self, hp):
        """Builds an uncompiled `keras.Model` for the given hyperparameters.

        Args:
            hp: `keras_tuner.HyperParameters`.
        """
        tensors = {id(n): n.build_keras_input() for n in self.inputs}
        for block in self.blocks:
            block_inputs = [tensors[id(node)] for node in block.inputs]
            tensors[id(block.output)] = block.build_scoped(
                hp, block_inputs, (block.name,)
            )
        model_inputs = {n.name: tensors[id(n)] for n in self.inputs}
        if len(self.outputs) == 1:
            model_outputs = tensors[id(self.outputs[0])]
        else:
            model_outputs = {
                head.label.name: tensors[id(head.output)]
                for head in self.heads
            }
        return keras.Model(model_inputs, model_outputs)

    def get_config(self):
        index = {id(block): i for i, block in enumerate(self.blocks)}

        def ref(node):
            if node.block is None:
                return {"input": node.name}
            return {"block": index[id(node.block)]}

        return {
            "inputs": [dict(vars(node.feature)) for node in self.inputs],
            "blocks": [
                {
                    "class_name": type(block).__name__,
                    "config": block.get_config(),
                    "inputs": [ref(node) for node in block.inputs],
                }
                for block in self.blocks
            ],
            "outputs": [ref(node) for node in self.outputs],
        }

    @classmethod
    def from_config(cls, config, custom_blocks=None):
        """Rebuilds a graph from `get_config()`.

        Args:
            config: Dict from `get_config()` (JSON round-trip safe).
            custom_blocks: Optional list of user `Block` subclasses.
        """
        from search_space.blocks import BUILTIN_BLOCKS

        classes = dict(BUILTIN_BLOCKS)
        classes.update({c.__name__: c for c in custom_blocks or []})
        inputs = [Input(FeatureSpec(**spec)) for spec in config["inputs"]]
        by_name = {node.name: node for node in inputs}
        outputs = []

        def resolve_ref(ref):
            if "input" in ref:
                return by_name[ref["input"]]
            return outputs[ref["block"]]

        for entry in config["blocks"]:
            if entry["class_name"] not in classes:
                raise GraphError(
                    f"Unknown block class {entry['class_name']!r}; pass it "
                    "in custom_blocks."
                )
            block = classes[entry["class_name"]].from_config(entry["config"])
            outputs.append(block([resolve_ref(r) for r in entry["inputs"]]))
        return cls(inputs, [resolve_ref(r) for r in config["outputs"]])


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]
