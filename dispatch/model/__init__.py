"""The formulation: horizon, technology modules and the builder (balances, rules, objective)."""
