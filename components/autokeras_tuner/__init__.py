"""The AutoKerasTuner component: the architecture and hyperparameter search.

spec (channels, parameters), component (validated constructor), executor
(artifacts in, one search out), and what the executor calls: `search`
(one search over the Transform output), `parallel` and `search_worker`
(trials in several processes), `resume` (a durable copy of the search
state), `report/` (the HTML and Markdown report).
"""
