"""The window as a client of a server: a headless queue-gui, or bluesky-httpserver in front of bluesky-queueserver."""
