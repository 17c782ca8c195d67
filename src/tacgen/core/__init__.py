"""Records, errors and paths that every layer shares; imports neither torch nor Lightning."""
