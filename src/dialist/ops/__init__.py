"""Operations: request ids, the request log, Prometheus metrics and the offline API docs."""
