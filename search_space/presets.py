"""Predefined configurations of the task presets (data only).

Each entry maps hyperparameter names to values; names missing from an entry
keep their defaults, and the oracle tries the entries first, in order. Names
refer to the blocks that `search_space.wiring` creates: for instance
`structured_data_block_1`, `dense_block_1`, `image_block_1`, `training`.
"""

STRUCTURED_DATA = [
    # 1. Linear: no hidden layer, the head sits on the normalised numbers
    #    and one-hot categories (logistic / linear regression), early
    #    stopping as its regularisation. Small tables (a few hundred rows)
    #    are often best served near-linear, where an MLP overfits; the
    #    larger step and smaller batches let it converge within a small
    #    epoch budget (at 1e-3 it was still far from its optimum after 20
    #    epochs on ~200 rows). The cheapest trial: a floor the MLPs must
    #    beat.
    {
        "dense_block_1/num_layers": 0,
        "training/learning_rate": 1e-2,
        "training/batch_size": 16,
    },
    # 2. The defaults: a small 2x32 MLP on one-hot categories; a quick,
    #    safe baseline for the tabular data TFX usually carries.
    {},
    # 3. Wider MLP with dropout and embeddings: more capacity for many or
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
    # 4. Deeper, narrower MLP with batch norm and a larger step: converges
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
    # All three train from scratch: no weights are downloaded, and large
    # backbones (IMAGE_PRETRAINED) only join when local weights are given.
    # 1. Small conv net without augmentation: seconds per epoch on CPUs,
    #    a floor every other configuration has to beat.
    {
        "image_block_1/block_type": "conv",
        "image_block_1/augment": False,
        "image_block_1/conv_block/kernel_size": 3,
        "image_block_1/conv_block/num_blocks": 2,
        "image_block_1/conv_block/num_layers": 1,
        "image_block_1/conv_block/filters_0": 32,
        "image_block_1/conv_block/filters_1": 64,
        "image_block_1/conv_block/max_pooling": True,
        "image_block_1/conv_block/separable": False,
        "image_block_1/conv_block/dropout": 0.25,
        # Flatten keeps where a stroke is; on small images global pooling
        # threw that away (digits, 15 epochs: 0.97 vs 0.86 held out).
        "image_block_1/spatial_reduction/reduction_type": "flatten",
        "training/learning_rate": 1e-3,
    },
    # 2. The same net with small shifts, rotations and zooms: more robust
    #    on small datasets where the net would memorise pixel positions.
    #    No flips: they change the meaning of digits and text.
    {
        "image_block_1/block_type": "conv",
        "image_block_1/augment": True,
        "image_block_1/image_augmentation/horizontal_flip": False,
        "image_block_1/image_augmentation/vertical_flip": False,
        "image_block_1/image_augmentation/translation_factor": 0.1,
        "image_block_1/image_augmentation/rotation_factor": 0.1,
        "image_block_1/image_augmentation/zoom_factor": 0.1,
        "image_block_1/image_augmentation/contrast_factor": 0.0,
        "image_block_1/conv_block/kernel_size": 3,
        "image_block_1/conv_block/num_blocks": 2,
        "image_block_1/conv_block/num_layers": 2,
        "image_block_1/conv_block/filters_0": 32,
        "image_block_1/conv_block/filters_1": 64,
        "image_block_1/conv_block/max_pooling": True,
        "image_block_1/conv_block/separable": False,
        "image_block_1/conv_block/dropout": 0.25,
        "image_block_1/spatial_reduction/reduction_type": "flatten",
        "training/learning_rate": 1e-3,
    },
    # 3. A small residual net (two stages, batch norm): deeper features at
    #    the cost of a few conv nets' time.
    {
        "image_block_1/block_type": "residual",
        "image_block_1/augment": False,
        "image_block_1/residual_block/num_stages": 2,
        "image_block_1/residual_block/units_per_stage": 1,
        "image_block_1/residual_block/filters": 32,
        "image_block_1/residual_block/dropout": 0.25,
        "image_block_1/spatial_reduction/reduction_type": "flatten",
        "training/learning_rate": 1e-3,
    },
]

# Tried after IMAGE when the user gives local weights (`--image-weights`):
# the backbone the weights belong to, fine-tuned with a small step.
IMAGE_PRETRAINED = [
    {"training/learning_rate": 1e-4, "image_block_1/augment": False},
]

TEXT = [
    # 1. Word TF-IDF into a linear head (no hidden layer): logistic
    #    regression on TF-IDF, the classic strong baseline on small and
    #    medium text datasets, and by far the fastest. With thousands of
    #    TF-IDF inputs an MLP memorises a few hundred texts within an epoch
    #    or two; the linear head keeps learning. Unigrams: on a few hundred
    #    texts nearly every bigram occurs once, and with its high IDF it
    #    outweighs the words (300 IMDB passages: val_loss 0.62 vs 0.67).
    {
        "text_block_1/block_type": "ngram",
        "text_block_1/ngram/ngrams": 1,
        "dense_block_1/num_layers": 0,
    },
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
