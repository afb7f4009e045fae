"""The model registry store: registered models, versions, aliases, stages and their history."""
