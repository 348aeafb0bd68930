"""The Gradio chat page: ``app`` (``build_app``, ``serve``), ``layout``, ``events``,
``actions`` (what each event does), ``render`` (HTML), ``session`` (saved conversations),
``assets`` (CSS and the page script)."""
