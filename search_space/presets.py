"""Predefined configurations of the task presets (data only).

Each entry maps hyperparameter names to values; names missing from an entry
keep their defaults, and the oracle tries the entries first, in order. Names
refer to the blocks that `search_space.wiring` creates: for instance
`structured_data_block_1`, `dense_block_1`, `image_block_1`, `training`.
"""

STRUCTURED_DATA = [
    # 1. The defaults: a small 2x32 MLP on one-hot categories; a quick,
    #    safe baseline for the tabular data TFX usually carries.
    {},
    # 2. Wider MLP with dropout and embeddings: more capacity for many or
    #    high-cardinality features, regularised with dropout and AdamW.
    {
        "structured_data_block_1/categorical_encoding/encoding": "embedding",
        "structured_data_block_1/categorical_encoding/embedding_dim": 16,
        "dense_block_1/num_layers": 2,
        "dense_block_1/units_0": 256,
        "dense_block_1/units_1": 128,
        "dense_block_1/dropout": 0.25,
        "training/optimizer": "adamw",
        "training/weight_decay": 1e-4,
        "training/batch_size": 64,
    },
    # 3. Deeper, narrower MLP with batch norm and a larger step: converges
    #    fast on bigger tables; batch norm keeps the higher lr stable.
    {
        "dense_block_1/num_layers": 3,
        "dense_block_1/units_0": 64,
        "dense_block_1/units_1": 64,
        "dense_block_1/units_2": 64,
        "dense_block_1/use_batchnorm": True,
        "training/learning_rate": 1e-2,
        "training/batch_size": 128,
    },
]

IMAGE = [
    # 1. Small conv net without augmentation: seconds per epoch, a floor
    #    every other configuration has to beat.
    {"image_block_1/block_type": "conv", "image_block_1/augment": False},
    # 2. ResNet50 v2 with flips/zoom augmentation: strong general-purpose
    #    backbone; augmentation offsets its capacity on small datasets.
    {
        "image_block_1/block_type": "resnet",
        "image_block_1/resnet_block/version": "resnet50_v2",
        "image_block_1/augment": True,
        "image_block_1/image_augmentation/horizontal_flip": True,
        "image_block_1/image_augmentation/zoom_factor": 0.1,
    },
    # 3. EfficientNet-B0 with AdamW: best accuracy per parameter of the
    #    backbones, for when the budget allows a heavier trial.
    {
        "image_block_1/block_type": "efficientnet",
        "image_block_1/efficientnet_block/version": "b0",
        "training/optimizer": "adamw",
        "training/weight_decay": 1e-4,
    },
]

TEXT = [
    # 1. Bigram TF-IDF into the dense block: the classic strong baseline on
    #    small and medium text datasets, and by far the fastest.
    {"text_block_1/block_type": "ngram", "text_block_1/ngram/ngrams": 2},
    # 2. Bidirectional LSTM over learnt embeddings: captures word order
    #    that bag-of-n-grams loses.
    {
        "text_block_1/block_type": "rnn",
        "text_block_1/rnn/bidirectional": True,
        "text_block_1/rnn/layer_type": "lstm",
    },
    # 3. One Transformer layer with position embeddings: long-range
    #    context at a moderate cost.
    {
        "text_block_1/block_type": "transformer",
        "text_block_1/transformer/num_heads": 2,
        "training/learning_rate": 1e-4,
    },
]
