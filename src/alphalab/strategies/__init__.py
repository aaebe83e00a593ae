"""Strategies: built-in SDL documents, the Python Strategy API and the registry that finds both."""

from __future__ import annotations
