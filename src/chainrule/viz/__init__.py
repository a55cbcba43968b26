"""Pictures of computation graphs (being written)."""
