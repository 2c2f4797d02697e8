"""Answer models behind one interface (`base.Backend`); the registry says which exist."""
