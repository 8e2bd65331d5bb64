"""Never says anything and never ends (the stall watchdog's case)."""

import time

from _common import job_folder, record_pid

record_pid(job_folder())
while True:
    time.sleep(0.2)
