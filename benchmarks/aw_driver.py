"""Runs inside benchmarks/.venv-aw (aw-core, peewee<4): ActivityWatch's peewee datastore side
of aw_compare.py. Not importable from TimeForged's environment on purpose.

    python aw_driver.py EVENTS_JSON DB_PATH RANGE_START RANGE_END
prints {"inserted", "insert_seconds", "read_events", "read_seconds"} as JSON.
"""

import json
import logging
import sys
import time
from datetime import UTC, datetime, timedelta

from aw_core.models import Event
from aw_datastore import Datastore
from aw_datastore.storages import PeeweeStorage


def main() -> None:
    events_file, db_path, range_start, range_end = sys.argv[1:5]
    logging.disable(logging.WARNING)
    with open(events_file) as fh:
        rows = json.load(fh)
    events = [Event(timestamp=datetime.fromtimestamp(start, UTC),
                    duration=timedelta(seconds=duration), data=data)
              for start, duration, data in rows]
    datastore = Datastore(storage_strategy=PeeweeStorage, testing=True, filepath=db_path)
    bucket = datastore.create_bucket("bench-window", "currentwindow", "bench", "bench-host")
    t = time.perf_counter()
    bucket.insert(events)
    insert_seconds = time.perf_counter() - t
    start = datetime.fromtimestamp(float(range_start), UTC)
    end = datetime.fromtimestamp(float(range_end), UTC)
    t = time.perf_counter()
    got = bucket.get(-1, start, end)
    read_seconds = time.perf_counter() - t
    print(json.dumps({"inserted": len(events), "insert_seconds": insert_seconds,
                      "read_events": len(got), "read_seconds": read_seconds}))


if __name__ == "__main__":
    main()
