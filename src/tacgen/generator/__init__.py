"""The tactic generator: data module, training module, decoding and inference."""
