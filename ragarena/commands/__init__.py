"""One module per CLI subcommand; see `ragarena.cli`."""
