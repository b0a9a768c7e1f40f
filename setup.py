"""Packaging for autokeras-tfx.

Dependencies are pinned in requirements.lock (the fully resolved set every
install path uses); install_requires names only the direct ones, loosely, so
the wheel can be installed next to the lock with `pip install --no-deps`.
"""

import setuptools

DIRECT_REQUIREMENTS = [
    "tfx==1.21.0",
    "tensorflow>=2.21,<2.22",
    "keras>=3",
    "keras-tuner==1.4.8",
    "tensorflow-data-validation>=1.21,<1.22",
    "apache-beam",
    "kfp==2.17.0",
    "tensorboard",
]

setuptools.setup(
    name="autokeras-tfx",
    version="0.1.0",
    description=(
        "AutoKeras-style neural architecture and hyperparameter search as "
        "TFX and Kubeflow Pipelines components."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.14",
    # `system`: TFX's v2 entrypoint imports the report outputs' schema
    # titles (system.HTML, system.Markdown) as class paths in the pod.
    packages=setuptools.find_packages(
        include=["components*", "pipelines*", "search_space*", "system"]
    ),
    install_requires=DIRECT_REQUIREMENTS,
    entry_points={
        "console_scripts": ["autokeras-tfx=pipelines.cli:main"],
    },
)
