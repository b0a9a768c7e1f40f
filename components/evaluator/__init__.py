"""TFX's Evaluator, taking its baseline from `components/run_history`."""
