"""S2 foresight: population projection (cohort-component), demand per sector, workforce and the
zorgkloof, and scenarios a region can turn, each with its backtest beside a naive baseline."""
