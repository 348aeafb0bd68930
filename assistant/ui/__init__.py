"""The Gradio chat page: the app, its actions, rendering, saved conversations, CSS/JS."""
