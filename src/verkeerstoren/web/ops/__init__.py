"""Operations: readiness, Prometheus metrics, JSON logs and the multi-process `serve`.

Infrastructure, not a capability: what a region's operators and their monitoring talk to
(docs/operations.md).
"""
