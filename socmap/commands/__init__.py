"""Subcommand groups; each module has ``register(subparsers)``."""
