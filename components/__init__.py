"""TFX glue: the AutoKerasTuner component, the generic Transform and Trainer."""
