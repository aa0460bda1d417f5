"""The `shopbot` command: one entry point composing each package's own CLI."""
