"""Scores on the held-out rows: the pushed model, through its serving
signature on raw tf.Examples, beside the trivial predictor and sklearn models
fitted on the same training rows.

Every score is "higher is better": accuracy for classification, R^2 for
regression (1 - MSE / variance of the held-out labels, so it ranks models as
their MSE does).
"""

import numpy as np

BATCH = 256


def transform_graph_uri(summary, output_dir, pipeline_name):
    """The run's TransformGraph: from the summary when it names it, otherwise
    the latest one in the run's ML Metadata."""
    if summary.get("transform_graph"):
        return summary["transform_graph"]
    from pipelines import local_runner
    from pipelines import run_summary

    metadata = local_runner.local_paths(output_dir, pipeline_name)[
        "metadata_path"
    ]
    store = run_summary.open_store(metadata)
    return run_summary.latest_artifact(store, "TransformGraph").uri


def raw_feature_spec(transform_graph):
    import tensorflow_transform as tft

    return dict(tft.TFTransformOutput(transform_graph).raw_feature_spec())


def to_example(row, spec, label):
    """A serialized tf.Example of one raw CSV row, typed by the raw feature
    spec; an empty cell is left out (the model fills missing values)."""
    import tensorflow as tf

    example = tf.train.Example()
    for key, feature_spec in spec.items():
        value = row.get(key)
        if key == label or value is None or value == "":
            continue
        feature = example.features.feature[key]
        if feature_spec.dtype == tf.int64:
            feature.int64_list.value.append(int(value))
        elif feature_spec.dtype == tf.float32:
            feature.float_list.value.append(float(value))
        else:
            feature.bytes_list.value.append(value.encode("utf-8"))
    return example.SerializeToString()


def serve(model_dir, serialized, task):
    """Predicted class names (str) or values (float) from the SavedModel's
    `serving_default`, in batches."""
    import tensorflow as tf

    signature = tf.saved_model.load(model_dir).signatures["serving_default"]
    predictions = []
    for start in range(0, len(serialized), BATCH):
        batch = tf.constant(serialized[start : start + BATCH])
        result = signature(examples=batch)
        if task == "classification":
            predictions += [c.decode() for c in result["classes"].numpy()]
        else:
            predictions += result["predictions"].numpy()[:, 0].tolist()
    return predictions


def score(task, truth, predicted):
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    if task == "classification":
        return float(np.mean(truth == predicted))
    truth, predicted = truth.astype(float), predicted.astype(float)
    variance = np.sum((truth - truth.mean()) ** 2)
    return float(1.0 - np.sum((truth - predicted) ** 2) / variance)


def tie_margin(task, truth, ours, theirs, rounds=500):
    """How far below `theirs` our held-out score may fall and still tie:
    1.645 standard errors of the paired score difference (a seeded bootstrap
    of the held-out rows), i.e. ours is not worse at the one-sided 5% level
    on these rows. Small on large hold-outs (taxi: a few rows of 600)."""
    rng = np.random.default_rng(0)
    truth, ours, theirs = (np.asarray(a) for a in (truth, ours, theirs))
    differences = []
    for _ in range(rounds):
        rows = rng.integers(0, len(truth), size=len(truth))
        differences.append(
            score(task, truth[rows], ours[rows])
            - score(task, truth[rows], theirs[rows])
        )
    return float(1.645 * np.std(differences))


def trivial_predictions(task, train_labels, count):
    """The majority class or the training mean, for every held-out row."""
    if task == "classification":
        value = train_labels.astype(str).value_counts().index[0]
    else:
        value = float(train_labels.astype(float).mean())
    return [value] * count


def _columns(frame, text_columns):
    """(numeric, categorical, text) columns of a feature frame."""
    numeric = list(frame.select_dtypes("number").columns)
    text = [c for c in text_columns if c in frame.columns]
    categorical = [c for c in frame.columns if c not in numeric + text]
    return numeric, categorical, text


def _features(frame, label, text_columns):
    features = frame.drop(columns=[label])
    for column in text_columns:
        features[column] = features[column].fillna("").astype(str)
    for column in _columns(features, text_columns)[1]:
        features[column] = (
            features[column]
            .astype(object)
            .where(features[column].notna(), "")
            .astype(str)
        )
    return features


def _preprocessor(features, text_columns, boosting):
    """Standard preprocessing: impute+scale numbers, one-hot strings, TF-IDF
    text (for gradient boosting: raw numbers, ordinal codes, dense TF-IDF)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.preprocessing import OrdinalEncoder
    from sklearn.preprocessing import StandardScaler

    numeric, categorical, text = _columns(features, text_columns)
    if boosting:
        parts = [
            ("numeric", "passthrough", numeric),
            (
                "categorical",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=-1
                ),
                categorical,
            ),
        ]
    else:
        parts = [
            (
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="mean"), StandardScaler()
                ),
                numeric,
            ),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore"),
                categorical,
            ),
        ]
    parts += [
        (
            f"text_{i}",
            TfidfVectorizer(max_features=500 if boosting else None),
            column,
        )
        for i, column in enumerate(text)
    ]
    return ColumnTransformer(parts, sparse_threshold=0.0 if boosting else 0.3)


def _estimator(task, boosting):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.linear_model import Ridge

    if boosting:
        if task == "classification":
            return HistGradientBoostingClassifier(random_state=0)
        return HistGradientBoostingRegressor(random_state=0)
    if task == "classification":
        return LogisticRegression(max_iter=5000)
    return Ridge(alpha=1.0)


def sklearn_predictions(
    task, train, holdout, label, text_columns, boosting=False
):
    """Fits logistic regression / ridge (or HistGradientBoosting) on the
    training frame; returns its held-out predictions (classes as str)."""
    from sklearn.pipeline import make_pipeline

    features = _features(train, label, text_columns)
    model = make_pipeline(
        _preprocessor(features, text_columns, boosting),
        _estimator(task, boosting),
    )
    target = train[label]
    target = target.astype(str) if task == "classification" else target
    model.fit(features, target)
    return list(model.predict(_features(holdout, label, text_columns)))


def random_search_mlp_predictions(
    task, train, holdout, label, text_columns, trials, epochs, workdir, seed=0
):
    """A KerasTuner RandomSearch over a plain MLP (1-3 dense layers, units,
    dropout, learning rate) on the linear baseline's features (imputed and
    scaled numbers, one-hot strings, TF-IDF text): the baseline a Keras user
    writes by hand. 20% of the training rows validate; the best trial's
    model predicts the held-out rows (classes as str)."""
    import keras
    import keras_tuner

    features = _features(train, label, text_columns)
    preprocessor = _preprocessor(features, text_columns, boosting=False)
    x_train = _dense(preprocessor.fit_transform(features))
    x_holdout = _dense(
        preprocessor.transform(_features(holdout, label, text_columns))
    )
    if task == "classification":
        classes = sorted(train[label].astype(str).unique())
        index = {c: i for i, c in enumerate(classes)}
        y_train = np.array([index[c] for c in train[label].astype(str)])
    else:
        mean, std = float(train[label].mean()), float(train[label].std())
        y_train = ((train[label].astype(float) - mean) / std).to_numpy()

    def build(hp):
        inputs = keras.Input((x_train.shape[1],))
        hidden = inputs
        for i in range(hp.Int("layers", 1, 3)):
            hidden = keras.layers.Dense(
                hp.Choice(f"units_{i}", [32, 64, 128, 256, 512]),
                activation="relu",
            )(hidden)
            hidden = keras.layers.Dropout(
                hp.Choice(f"dropout_{i}", [0.0, 0.25, 0.5])
            )(hidden)
        if task == "classification":
            outputs = keras.layers.Dense(len(classes), "softmax")(hidden)
            loss = "sparse_categorical_crossentropy"
        else:
            outputs = keras.layers.Dense(1)(hidden)
            loss = "mse"
        model = keras.Model(inputs, outputs)
        model.compile(
            keras.optimizers.Adam(
                hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])
            ),
            loss,
        )
        return model

    tuner = keras_tuner.RandomSearch(
        build,
        objective="val_loss",
        max_trials=trials,
        seed=seed,
        directory=workdir,
        project_name="random_search_mlp",
        overwrite=True,
    )
    keras.utils.set_random_seed(seed)
    tuner.search(
        x_train,
        y_train,
        validation_split=0.2,
        epochs=epochs,
        verbose=0,
        callbacks=[keras.callbacks.EarlyStopping(patience=3)],
    )
    predicted = tuner.get_best_models(1)[0].predict(x_holdout, verbose=0)
    if task == "classification":
        return [classes[i] for i in np.argmax(predicted, axis=-1)]
    return list(predicted[:, 0] * std + mean)


def _dense(matrix):
    matrix = matrix.toarray() if hasattr(matrix, "toarray") else matrix
    return np.asarray(matrix, dtype="float32")
