"""SLM browser UI, one module per model: the service catalog, business calendars and agreements."""
