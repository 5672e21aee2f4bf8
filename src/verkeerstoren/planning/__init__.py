"""S3 capacity planning: beds needed for an admission guarantee (Erlang loss model, simulation)."""
