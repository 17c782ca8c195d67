"""Serving a tactic generator over HTTP: Lean Copilot's API, tacgen's own, and its client."""
