"""Qt-free logic over bluesky documents: what the window shows of the data."""
