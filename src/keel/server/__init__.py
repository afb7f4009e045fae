"""keel server: MLflow's REST API, the artifact proxy and health endpoints as one ASGI application."""
