"""TFX's Trainer, given our `run_fn` (`train`): the best configuration of
the search trained again the way its trial trained (`final_fit`), an
ensemble when it helps (`ensemble`), and the serving exports
(`model_export`).
"""
