"""Default wiring of inputs to heads (the IO API)."""

from search_space.blocks.basic import DenseBlock
from search_space.blocks.basic import Merge
from search_space.blocks.image import ImageBlock
from search_space.blocks.structured import StructuredDataBlock
from search_space.blocks.text import TextBlock
from search_space.heads import Head

STRUCTURED_KINDS = ("numerical", "categorical")
MODALITY_BLOCKS = {"text": TextBlock, "image": ImageBlock}


def connect_default_blocks(inputs, heads):
    """Connects inputs to heads with the default block of each modality.

    Numerical and categorical inputs share one `StructuredDataBlock`; each
    text input gets a `TextBlock` and each image input an `ImageBlock`. The
    branches are merged, pass one `DenseBlock` and feed every head.

    Args:
        inputs: List of `Input` nodes.
        heads: List of uncalled `Head` blocks.

    Returns:
        The list of head output nodes.
    """
    for head in heads:
        if not isinstance(head, Head):
            raise TypeError(
                "IO API outputs must be Head blocks. "
                f"Received: {head!r} of type {type(head)}"
            )
    branches = []
    structured = [n for n in inputs if n.kind in STRUCTURED_KINDS]
    if structured:
        block = StructuredDataBlock(name="structured_data_block_1")
        branches.append(block(structured))
    for kind in ("text", "image"):
        for number, node in enumerate(_of_kind(inputs, kind), start=1):
            block = MODALITY_BLOCKS[kind](name=f"{kind}_block_{number}")
            if kind == "image":
                block.weights = node.feature.weights
            branches.append(block(node))
    if len(branches) > 1:
        merged = Merge(name="merge_1")(branches)
    else:
        merged = branches[0]
    hidden = DenseBlock(name="dense_block_1")(merged)
    return [head(hidden) for head in heads]


def _of_kind(inputs, kind):
    return [node for node in inputs if node.kind == kind]
