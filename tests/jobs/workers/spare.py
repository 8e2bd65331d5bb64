"""A fake spare: ``spare.py --spare <jobs-folder>`` waits for the hand-over line on stdin
(leaving with exit 3 at end-of-file, like the real spare), then runs, in this same process,
the fake worker named by the job's original file name (``hang.csv`` -> ``hang.py``; any other
name -> ``ok.py``) on the handed job folder."""

import json
import os
import runpy
import sys
from pathlib import Path

here = Path(__file__).parent
assert sys.argv[1] == "--spare", sys.argv
jobs = Path(sys.argv[2])
print(f"fake spare {os.getpid()}: waiting in {os.getcwd()}", file=sys.stderr, flush=True)
line = b""
while not line.endswith(b"\n"):
    chunk = os.read(0, 4096)
    if not chunk:
        sys.exit(3)  # the app dropped us (or died) before a job came
    line += chunk
folder = Path(json.loads(line)["job"])
assert folder.parent == jobs, (folder, jobs)
original = json.loads((folder / "job.json").read_text(encoding="utf-8"))["original_name"]
name = Path(original).stem if (here / f"{Path(original).stem}.py").is_file() else "ok"
sys.argv = [str(here / f"{name}.py"), str(folder)]
sys.path.insert(0, str(here))
runpy.run_path(str(here / f"{name}.py"), run_name="__main__")
