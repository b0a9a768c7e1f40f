"""Runs a compiled pipeline's containers the way KFP 2's launcher does.

Stands in for a Kubernetes cluster (there is none here): for each task of the
compiled YAML, in dependency order, it takes the container command and
arguments from `deploymentSpec`, builds the ExecutorInput JSON the KFP v2
driver hands to the launcher (parameters from constants and run-time
parameters, input artifacts from the producers' executor_output.json, output
artifact URIs under a local pipeline root) and runs that command as a
subprocess in our runtime, the image's content. What it does not do, as a
cluster would: pull images, schedule pods, mount GPUs, record MLMD, or run
resolver queries (a first run resolves nothing, as here).
"""

import json
import os
import subprocess
import sys
import time

import yaml

EXECUTOR_INPUT_PLACEHOLDER = "{{$}}"


def load_spec(path):
    """The PipelineSpec (first YAML document) of a compiled pipeline."""
    with open(path) as f:
        return next(yaml.safe_load_all(f))


def task_order(spec):
    """Task names with every producer before its consumers."""
    tasks = spec["root"]["dag"]["tasks"]
    ordered, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for upstream in tasks[name].get("dependentTasks", []):
            visit(upstream)
        ordered.append(name)

    for name in sorted(tasks):
        visit(name)
    return ordered


class Launcher:
    """Runs tasks of one pipeline run under `pipeline_root`.

    Args:
        spec: the PipelineSpec dict.
        pipeline_root: a local directory (KFP: the run's pipeline root).
        parameters: run-time parameter values; unset ones take the spec's
            defaults.
        workdir: the containers' working directory.
    """

    def __init__(self, spec, pipeline_root, parameters=None, workdir=None):
        self.spec = spec
        self.root = pipeline_root
        self.workdir = workdir or pipeline_root
        defaults = {
            name: definition.get("defaultValue")
            for name, definition in spec["root"]["inputDefinitions"][
                "parameters"].items()
        }
        self.parameters = {**defaults, **(parameters or {})}
        self.outputs = {}  # task -> output key -> list of RuntimeArtifacts
        self.commands = {}  # task -> the argv that ran
        self.seconds = {}  # task -> wall time of its container

    def _component(self, task_name):
        task = self.spec["root"]["dag"]["tasks"][task_name]
        return task, self.spec["components"][task["componentRef"]["name"]]

    def executor(self, task_name):
        _, component = self._component(task_name)
        return self.spec["deploymentSpec"]["executors"][
            component["executorLabel"]]

    def executor_input(self, task_name):
        task, component = self._component(task_name)
        parameter_values = {}
        for name, source in task.get("inputs", {}).get(
                "parameters", {}).items():
            if "componentInputParameter" in source:
                value = self.parameters[source["componentInputParameter"]]
            else:
                value = source["runtimeValue"]["constant"]
            parameter_values[name] = value
        input_types = component.get("inputDefinitions", {}).get(
            "artifacts", {})
        artifacts = {}
        for name, source in task.get("inputs", {}).get(
                "artifacts", {}).items():
            producer = source["taskOutputArtifact"]
            produced = self.outputs[producer["producerTask"]].get(
                producer["outputArtifactKey"], [])
            artifacts[name] = {"artifacts": [
                {**a, "type": input_types[name]["artifactType"]}
                for a in produced
            ]}
        task_root = os.path.join(self.root, task_name)
        outputs = {
            name: {"artifacts": [{
                "name": f"{task_name}/{name}",
                "type": definition["artifactType"],
                "uri": os.path.join(task_root, name),
                "metadata": {},
            }]}
            for name, definition in component.get(
                "outputDefinitions", {}).get("artifacts", {}).items()
        }
        return {
            "inputs": {"parameterValues": parameter_values,
                       "artifacts": artifacts},
            "outputs": {"artifacts": outputs, "outputFile": os.path.join(
                task_root, "executor_output.json")},
        }

    def run_task(self, task_name, timeout=900):
        """Runs one task; returns the finished subprocess."""
        executor = self.executor(task_name)
        if "resolver" in executor:
            # KFP's driver queries MLMD; on a first run nothing is blessed.
            _, component = self._component(task_name)
            self.outputs[task_name] = {
                name: [] for name in component.get(
                    "outputDefinitions", {}).get("artifacts", {})
            }
            return None
        container = executor["container"]
        executor_input = self.executor_input(task_name)
        output_file = executor_input["outputs"]["outputFile"]
        os.makedirs(os.path.dirname(output_file), exist_ok=True)
        # The launcher calls the container's command with its args; the
        # lifecycle hook (ExampleGen's driver) is Vertex-only and skipped.
        argv = list(container.get("command", [])) + [
            json.dumps(executor_input)
            if arg == EXECUTOR_INPUT_PLACEHOLDER else arg
            for arg in container.get("args", [])
        ]
        if argv[0] == "python":
            argv[0] = sys.executable  # the venv's python, as in the image
        self.commands[task_name] = argv
        started = time.monotonic()
        result = subprocess.run(
            argv, cwd=self.workdir, capture_output=True, text=True,
            timeout=timeout,
        )
        self.seconds[task_name] = time.monotonic() - started
        if result.returncode != 0:
            raise AssertionError(
                f"{task_name} exited {result.returncode}:\n"
                f"{result.stderr[-6000:]}"
            )
        with open(output_file) as f:
            written = json.load(f).get("artifacts", {})
        self.outputs[task_name] = {
            name: written.get(name, listed)["artifacts"]
            for name, listed in executor_input["outputs"][
                "artifacts"].items()
        }
        return result

    def run_all(self, timeout=900):
        for task_name in task_order(self.spec):
            self.run_task(task_name, timeout=timeout)
