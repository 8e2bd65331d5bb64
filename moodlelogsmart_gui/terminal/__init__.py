"""The command line's terminal output: live progress, job listings, the settings in force."""
