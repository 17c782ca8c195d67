"""LeanDojo data: split files, formatting, the model-input builder, predictions, the corpus.

Nothing here imports torch.
"""
