"""Live preview: a local web page that shows a shot and follows every save or keystroke."""
