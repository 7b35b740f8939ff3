"""Results: extraction from the solved model, summary, writing and printing."""
