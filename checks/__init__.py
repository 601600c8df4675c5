"""Built-in checks. Every module here is imported by `scanner.registry.load_builtin_checks`."""
