"""MoodleLogSmart: Moodle log exports in, Bloom-classified CSV and XES event logs out."""

__version__ = "0.1.0"
APP_NAME = "MoodleLogSmart"
